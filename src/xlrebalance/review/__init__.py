"""The review of a whole book of business: one row per household (``rows.py``), as one
self-contained sortable HTML page with each household's own report (``page.py``), or as
CSV/JSON for a CRM.

    results = check_many(paths, models=book)
    write_review(results, "review.html")     # or review.csv / review.json
"""
from .page import render_review, write_review
from .rows import COLUMNS, ReviewRow, review_rows

__all__ = ["COLUMNS", "ReviewRow", "render_review", "review_rows", "write_review"]
