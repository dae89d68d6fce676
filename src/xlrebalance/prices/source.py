"""The price-source interface: quotes in, failures out, never an exception per ticker.

A ``PriceSource`` fetches many tickers in one call and returns a ``FetchResult``: a
``Quote`` for each ticker it priced and a ``Failure`` (with the reason, when it can be
known) for each one it could not.  Adapters for a provider live in their own module
(``prices.yahoo`` is the only one importing yfinance); everything else talks to this
interface, so tests and the CLI can swap in a replaying or cached source.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable, Iterable, Mapping, Optional, Protocol, runtime_checkable

#: ``progress(done, total)`` is called as tickers complete; ``total`` is the ticker count.
ProgressCallback = Callable[[int, int], None]


class FailureKind(str, enum.Enum):
    """Why a ticker got no quote, as far as the source can tell."""

    UNKNOWN_TICKER = "unknown ticker"
    RATE_LIMITED = "rate limited"
    TIMEOUT = "timed out"
    NETWORK = "network error"
    HTTP_ERROR = "HTTP error"
    NO_DATA = "no data"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Quote:
    """One price for one ticker, at a known, timezone-aware moment.

    ``price`` is per share in ``currency`` (ISO code, major unit: pence are converted to
    pounds); ``time`` is when the price was made (last trade or close), never naive.
    """

    ticker: str
    price: float
    currency: str
    time: datetime
    source: str

    def __post_init__(self):
        if self.time.tzinfo is None or self.time.utcoffset() is None:
            raise ValueError(f"Quote time for {self.ticker} must be timezone-aware")
        if not self.price > 0:
            raise ValueError(f"Quote price for {self.ticker} must be positive, got {self.price!r}")


@dataclass(frozen=True)
class Failure:
    """A ticker the source could not price; ``reason`` is a short plain-English phrase."""

    ticker: str
    kind: FailureKind
    reason: str


@dataclass(frozen=True)
class FetchResult:
    """Quotes and failures of one fetch, keyed by ticker (upper case)."""

    quotes: Mapping[str, Quote] = field(default_factory=dict)
    failures: Mapping[str, Failure] = field(default_factory=dict)

    def merged(self, other: "FetchResult") -> "FetchResult":
        """This result with ``other`` on top (a quote in either wins over a failure)."""
        quotes = {**self.quotes, **other.quotes}
        failures = {
            t: f for t, f in {**self.failures, **other.failures}.items() if t not in quotes
        }
        return FetchResult(quotes=quotes, failures=failures)


@runtime_checkable
class PriceSource(Protocol):
    """Fetch quotes for many tickers at once.  Must not raise for a ticker's failure."""

    name: str

    def fetch(
        self, tickers: Iterable[str], *, progress: Optional[ProgressCallback] = None
    ) -> FetchResult: ...


def normalize_ticker(ticker: object) -> str:
    """The key tickers are joined on: stripped, upper case."""
    return str(ticker).strip().upper()


def unique_tickers(tickers: Iterable[object]) -> tuple[str, ...]:
    """Normalized tickers, blanks dropped, first occurrence order kept."""
    seen: dict[str, None] = {}
    for ticker in tickers:
        if ticker is None:
            continue
        key = normalize_ticker(ticker)
        if key:
            seen.setdefault(key, None)
    return tuple(seen)


def failed_everything(tickers: Iterable[str], kind: FailureKind, reason: str) -> FetchResult:
    """A result in which every ticker failed for the same reason."""
    return FetchResult(
        failures={t: Failure(t, kind, reason) for t in unique_tickers(tickers)}
    )
