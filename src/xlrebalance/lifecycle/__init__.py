"""The life cycle of a workbook: every headless change reads the old workbook and writes a
NEW one with the builder; a user's file is never re-saved by a library.

    from xlrebalance.lifecycle import read_book, write_book
    book = read_book("Old.xlsm")             # tables (extra columns, typed formulas), issues
    tables = dict(book.tables)               # change rows here: {table: rows, header first}
    write_book("New.xlsm", tables, xlwings_conf=book.xlwings_conf)

``regenerate`` (``xlrebalance new NEW --from OLD``) is that with no change but, optionally,
live prices.
"""
from ..cells import Formula
from .book import Book, NotCarried, read_book
from .regenerate import (
    RegenerateReport, Regenerated, refuse_overwrite, regenerate, with_live_prices, write_book,
)

__all__ = ["Book", "Formula", "NotCarried", "RegenerateReport", "Regenerated", "read_book", "refuse_overwrite",
           "regenerate", "with_live_prices", "write_book"]
