"""Prices layer: quotes from a ``PriceSource`` into the Prices table.

- ``source``: the ``PriceSource`` protocol, ``Quote`` (timezone-aware), ``Failure``, ``FetchResult``.
- ``yahoo``: ``YahooSource``, the yfinance adapter (the only module importing yfinance).
- ``cache``: on-disk quote cache with a time-to-live (``$XLREBALANCE_CACHE_DIR``).
- ``refresh``: refresh semantics (OK / STALE / MISSING, Manual rows kept) and the helpers
  the CLI calls (``fetch_for_tables``, ``write_csv``, ``with_live_prices_table``).
- ``replay``: a curl_cffi session replaying recorded Yahoo responses (tests, offline demos).

Importing this package does not import yfinance; ``prices.yahoo`` does.
"""
from .source import Failure, FailureKind, FetchResult, PriceSource, Quote

__all__ = ["Failure", "FailureKind", "FetchResult", "PriceSource", "Quote"]
