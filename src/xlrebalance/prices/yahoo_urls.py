"""Yahoo Finance URL shapes shared by the adapter and the replaying session."""
from __future__ import annotations

from typing import Optional
from urllib.parse import unquote, urlsplit

#: yfinance's price history endpoint: ``https://query2.finance.yahoo.com/v8/finance/chart/VTI``.
CHART_PATH = "/v8/finance/chart/"


def chart_ticker(url: str) -> Optional[str]:
    """The ticker of a ``/v8/finance/chart/<TICKER>`` URL (upper case), else None."""
    path = urlsplit(str(url)).path
    if CHART_PATH not in path:
        return None
    return unquote(path.split(CHART_PATH, 1)[1]).strip("/").upper() or None
