"""The client letter: a short plain-language page from the plan's own facts.

    paragraphs = letter_paragraphs(result)      # pure: strings from a valid CheckResult
    write_letter(result, "letter.html")
"""
from .text import letter_paragraphs
from .page import render_letter, write_letter

__all__ = ["letter_paragraphs", "render_letter", "write_letter"]
