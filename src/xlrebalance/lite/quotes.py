"""Quotes fetched inside xlwings Lite: one GET per ticker to the Settings' ``Quote URL``.

The browser only lets a page read a response that carries CORS headers
(``Access-Control-Allow-Origin``); Yahoo sends none, so the URL points at a server that does:
a small proxy the user runs in front of Yahoo's chart API, or any quote service with CORS.
``{ticker}`` in the URL is replaced by each ticker.  Two response shapes are understood:

- Yahoo's chart JSON, as a proxy passes it through:
  ``{"chart": {"result": [{"meta": {"regularMarketPrice": 401.2, "currency": "USD",
  "regularMarketTime": 1763672400, "exchangeTimezoneName": "America/New_York"}}]}}``;
- a plain object: ``{"price": 401.2, "currency": "USD", "time": 1763672400}`` (``time`` in
  Unix seconds or ISO 8601; without it, the time of the fetch).

Everything here is plain Python over an injected ``fetch`` (``pyodide.http.pyfetch`` in
Lite): a ticker that fails becomes a ``Failure`` with a reason, never an exception, so the
refresh keeps its old price and marks it STALE like the desktop refresh.
"""
from __future__ import annotations

import asyncio
import math
from datetime import datetime, timezone
from typing import Any, Awaitable, Callable, Iterable, Mapping, Optional
from urllib.parse import quote, urlsplit

from ..prices.deadline import DEFAULT_SECONDS
from ..prices.source import Failure, FailureKind, FetchResult, ProgressCallback, Quote, unique_tickers

#: The Settings key holding the quote address.
QUOTE_URL = "Quote URL"
PLACEHOLDER = "{ticker}"
#: Currencies quoted in a minor unit: code -> (ISO code, units per major unit); as prices.yahoo.
MINOR_UNITS = {"GBp": ("GBP", 100.0), "GBX": ("GBP", 100.0), "ZAc": ("ZAR", 100.0), "ILA": ("ILS", 100.0)}
#: Requests in flight at once (a browser allows about six per host anyway).
CONCURRENCY = 6

Fetch = Callable[[str], Awaitable[Any]]


def source_name(template: str) -> str:
    """What the Prices table's Source column says: the quote server's host name."""
    return urlsplit(template).hostname or "Quote URL"


def quote_url(template: str, ticker: str) -> str:
    """The URL for one ticker (``^GSPC``, ``BRK-B``, ``EURUSD=X`` are kept readable)."""
    return template.replace(PLACEHOLDER, quote(ticker, safe="^.-=_"))


def url_problem(template: Optional[str]) -> Optional[str]:
    """Why ``template`` cannot be used, or None."""
    if not template or not str(template).strip():
        return (f"no {QUOTE_URL} in Settings (a CORS-enabled quote address with {PLACEHOLDER}, "
                "see the README's xlwings Lite section)")
    template = str(template).strip()
    if PLACEHOLDER not in template:
        return f"the {QUOTE_URL} in Settings has no {PLACEHOLDER} to put the ticker in"
    if urlsplit(template).scheme not in ("https", "http"):
        return f"the {QUOTE_URL} in Settings must start with https://"
    return None


def _number(value: Any) -> Optional[float]:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) and number > 0 else None


def _time(value: Any, zone: Optional[str], fetched: datetime) -> datetime:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        moment = datetime.fromtimestamp(value, timezone.utc)
    elif isinstance(value, str) and value.strip():
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return fetched
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
    else:
        return fetched
    if zone:
        try:
            from zoneinfo import ZoneInfo

            return moment.astimezone(ZoneInfo(zone))
        except Exception:   # no time zone database (Pyodide without tzdata): keep UTC
            pass
    return moment


def parse_quote(ticker: str, payload: Any, *, source: str, fetched: datetime) -> Quote | Failure:
    """One response body (parsed JSON) -> the ticker's ``Quote``, or a ``Failure`` saying why."""
    if isinstance(payload, Mapping) and isinstance(payload.get("chart"), Mapping):
        chart = payload["chart"]
        results = chart.get("result") or []
        if not results:
            error = chart.get("error") or {}
            text = error.get("description") if isinstance(error, Mapping) else None
            return Failure(ticker, FailureKind.UNKNOWN_TICKER, text or "the quote server knows no such ticker")
        meta = (results[0].get("meta") or {}) if isinstance(results[0], Mapping) else {}
        price, currency = _number(meta.get("regularMarketPrice")), str(meta.get("currency") or "")
        when = _time(meta.get("regularMarketTime"), meta.get("exchangeTimezoneName"), fetched)
    elif isinstance(payload, Mapping) and "price" in payload:
        price, currency = _number(payload.get("price")), str(payload.get("currency") or "")
        when = _time(payload.get("time"), None, fetched)
    else:
        return Failure(ticker, FailureKind.NO_DATA, "the response is neither Yahoo's chart JSON nor "
                       "{price, currency, time}")
    if price is None:
        return Failure(ticker, FailureKind.NO_DATA, "the response has no positive price")
    if currency in MINOR_UNITS:
        currency, per_major = MINOR_UNITS[currency]
        price /= per_major
    return Quote(ticker, price, currency.upper() or "USD", when, source)


async def _one(ticker: str, template: str, fetch: Fetch, source: str, clock) -> Quote | Failure:
    url = quote_url(template, ticker)
    try:
        response = await fetch(url)
    except Exception as exc:   # the browser refused: no network, or no CORS headers
        return Failure(ticker, FailureKind.NETWORK, f"the request to {source} failed ({type(exc).__name__}: "
                       f"{exc}); the quote server must answer with CORS headers")
    status = int(getattr(response, "status", 0) or 0)
    if status == 404:
        return Failure(ticker, FailureKind.UNKNOWN_TICKER, f"{source} answered 404 (unknown ticker?)")
    if status == 429:
        return Failure(ticker, FailureKind.RATE_LIMITED, f"{source} answered 429 (too many requests)")
    if status >= 400 or status == 0:
        return Failure(ticker, FailureKind.HTTP_ERROR, f"{source} answered HTTP {status}")
    try:
        payload = await response.json()
    except Exception as exc:
        return Failure(ticker, FailureKind.NO_DATA, f"{source} did not answer JSON ({type(exc).__name__})")
    return parse_quote(ticker, payload, source=source, fetched=clock())


async def fetch_quotes(tickers: Iterable[str], template: Optional[str], fetch: Fetch, *,
                       progress: Optional[ProgressCallback] = None, deadline: Optional[float] = None,
                       clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> FetchResult:
    """Quotes for ``tickers`` from ``template`` (the Quote URL); every ticker gets a quote or a
    failure, and nothing raises.  All answers come within ``deadline`` seconds (the Settings'
    Price timeout seconds; the browser's fetch has no time-out of its own): a ticker not
    answered by then is a TIMEOUT failure, so it keeps its price marked STALE."""
    wanted = unique_tickers(tickers)
    problem = url_problem(template)
    if problem:
        return FetchResult({}, {t: Failure(t, FailureKind.UNKNOWN, problem) for t in wanted})
    template = str(template).strip()
    source = source_name(template)
    gate = asyncio.Semaphore(CONCURRENCY)
    done = 0

    async def guarded(ticker: str) -> Quote | Failure:
        nonlocal done
        async with gate:
            answer = await _one(ticker, template, fetch, source, clock)
        done += 1
        if progress:
            progress(done, len(wanted))
        return answer

    seconds = float(deadline) if deadline else DEFAULT_SECONDS
    tasks = {asyncio.ensure_future(guarded(t)): t for t in wanted}
    finished, late = await asyncio.wait(tasks, timeout=seconds)
    for task in late:
        task.cancel()
    answers = [task.result() for task in finished]
    answers += [Failure(tasks[task], FailureKind.TIMEOUT, f"no answer from {source} within {seconds:g} s (the "
                        "'Price timeout seconds' setting)") for task in late]
    return FetchResult({a.ticker: a for a in answers if isinstance(a, Quote)},
                       {a.ticker: a for a in answers if isinstance(a, Failure)})


class Prefetched:
    """A ``PriceSource`` that answers from a ``FetchResult`` fetched beforehand (the refresh
    is synchronous; the browser's fetch is not)."""

    def __init__(self, result: FetchResult, name: str = "Quote URL"):
        self.result, self.name = result, name

    def fetch(self, tickers: Iterable[str], *, progress: Optional[ProgressCallback] = None) -> FetchResult:
        wanted = unique_tickers(tickers)
        quotes = {t: self.result.quotes[t] for t in wanted if t in self.result.quotes}
        failures = {t: self.result.failures.get(t) or Failure(t, FailureKind.UNKNOWN, "not fetched")
                    for t in wanted if t not in quotes}
        if progress:
            progress(len(wanted), len(wanted))
        return FetchResult(quotes, failures)
