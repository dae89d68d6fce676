"""Exceptions for misuse of the API and for inputs that cannot be answered.

Problems in the user's data are ``Issue`` values (see ``core.model.Issue``); a computing
method raises ``InputError`` carrying them when an error-severity issue would make its
answer wrong.  The CLI and the Excel functions turn these into readable messages.
"""
from __future__ import annotations

#: The command line's exit codes: ran fine; a rebalance is needed (with --fail-on-rebalance);
#: invalid input.
EXIT_OK, EXIT_REBALANCE, EXIT_INVALID = 0, 1, 2
#: The reader of the output closed the pipe (``| head``): 128 + SIGPIPE, as a shell reports it.
EXIT_CLOSED_PIPE = 141


class XlrebalanceError(Exception):
    """Base class for every error this package raises on purpose."""


class InputError(XlrebalanceError):
    """The inputs have errors; ``issues`` says where and what to do."""

    def __init__(self, issues):
        self.issues = tuple(issues)
        lines = [str(issue) for issue in self.issues if issue.is_error] or [str(i) for i in self.issues]
        super().__init__("the inputs have errors:\n" + "\n".join(lines))


class WorkbookError(XlrebalanceError):
    """A workbook file cannot be built or read (name, existence, format)."""

    def __init__(self, message: str, code: str = "unreadable"):
        super().__init__(message)
        self.code = code     # the Issue code a check reports it under
