"""One overall deadline for a price refresh.

A source's own per-request time-out does not bound a refresh: yfinance makes several
requests per fetch (cookie, crumb, one chart per ticker) and retries, so a proxy that
accepts and never answers held one ticker 130 s with a 10 s time-out.  ``within(source,
seconds)`` runs the fetch in a daemon thread and returns when it is done or when
``seconds`` have passed, whichever comes first.  Then every ticker without an answer is a
``TIMEOUT`` failure, so the refresh keeps its previous price marked STALE; the tickers
answered in time keep their quotes when the source can tell them (``partial()``).  The
abandoned fetch finishes or fails in the background, never holding the caller.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Iterable, Optional

from .source import Failure, FailureKind, FetchResult, PriceSource, ProgressCallback, unique_tickers

#: The refresh deadline when the workbook does not set ``Price timeout seconds``.
DEFAULT_SECONDS = 20.0


@dataclass(frozen=True)
class DeadlineSource:
    """``source`` whose every fetch returns within ``seconds``."""

    source: PriceSource
    seconds: float = DEFAULT_SECONDS

    @property
    def name(self) -> str:
        return self.source.name

    def fetch(self, tickers: Iterable[str], *, progress: Optional[ProgressCallback] = None) -> FetchResult:
        wanted = unique_tickers(tickers)
        if not wanted:
            return FetchResult()
        outcome: dict[str, Any] = {}

        def run() -> None:
            try:
                outcome["result"] = self.source.fetch(wanted, progress=progress)
            except BaseException as error:   # handed to the caller's thread below
                outcome["error"] = error

        worker = threading.Thread(target=run, name="xlrebalance-price-fetch", daemon=True)
        try:
            worker.start()
        except RuntimeError:   # no threads (Pyodide: xlwings Lite): the source must bound itself
            return self.source.fetch(wanted, progress=progress)
        worker.join(self.seconds)
        if "result" in outcome:
            return outcome["result"]
        if "error" in outcome:
            raise outcome["error"]
        return _late(wanted, _partial(self.source, wanted), self.seconds)


def within(source: PriceSource, seconds: Optional[float]) -> PriceSource:
    """``source`` bounded by ``seconds`` (the default deadline when None)."""
    if isinstance(source, DeadlineSource):
        source = source.source
    return DeadlineSource(source, float(seconds) if seconds else DEFAULT_SECONDS)


def _partial(source: Any, wanted: tuple[str, ...]) -> FetchResult:
    answered = getattr(source, "partial", None)
    try:
        return answered(wanted) if callable(answered) else FetchResult()
    except Exception:   # what was answered is a bonus; the deadline must hold regardless
        return FetchResult()


def _late(wanted: tuple[str, ...], partial: FetchResult, seconds: float) -> FetchResult:
    reason = (f"no answer within {seconds:g} s (the 'Price timeout seconds' setting); is the network or a "
              "proxy slow?")
    failures = {t: partial.failures.get(t) or Failure(t, FailureKind.TIMEOUT, reason)
                for t in wanted if t not in partial.quotes}
    return FetchResult(quotes={t: q for t, q in partial.quotes.items() if t in wanted}, failures=failures)
