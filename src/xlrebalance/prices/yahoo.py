"""Yahoo Finance through yfinance: the only module that imports yfinance.

One ``yf.download`` call fetches every ticker.  yfinance never raises for a ticker: a
failed one comes back as a NaN (or absent) column and the cause is only logged.  So the
adapter watches the HTTP session while ``download`` runs: for each ticker's chart request
it notes the HTTP status, the exception (timeout, no network) and the response's ``meta``
block (currency, exchange time zone, last trade time).  A ticker without a price in the
result is a ``Failure`` whose reason comes from that record, or from yfinance's log.

The price is the last non-NaN daily ``Close`` as parsed by yfinance; its time is Yahoo's
``regularMarketTime`` in the exchange's time zone.  Prices quoted in a minor unit
(London's pence, ``GBp``) are converted to the major unit (``GBP``).
"""
from __future__ import annotations

import json
import logging
import math
import re
import threading
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Optional
from zoneinfo import ZoneInfo

from ..extras import require

yf = require("yfinance")  # the prices extra: a clear message when it is missing
from yfinance.data import YfData  # noqa: E402

from .cache import default_cache_dir
from .source import Failure, FailureKind, FetchResult, ProgressCallback, Quote, unique_tickers
from .yahoo_urls import chart_ticker

SOURCE_NAME = "Yahoo"
#: Currencies Yahoo quotes in a minor unit: code -> (ISO code, units per major unit).
MINOR_UNITS = {"GBp": ("GBP", 100.0), "GBX": ("GBP", 100.0), "ZAc": ("ZAR", 100.0), "ILA": ("ILS", 100.0)}
#: yfinance keeps module-wide state (one session, one cookie): one fetch at a time.
_FETCH_LOCK = threading.Lock()
_TICKER_IN_LOG = re.compile(r"^\$?(?P<ticker>[^\s:\[\]]+): (?P<message>.+)$", re.S)
_TICKERS_IN_LOG = re.compile(r"^\[(?P<tickers>[^\]]*)\]: (?P<message>.+)$", re.S)
# yfinance's own pandas deprecation warnings are not the user's business; download threads
# can outlive a ``catch_warnings`` block, so the filter is set once, for yfinance only.
warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"yfinance(\.|$)")
# yfinance fetches tickers in multitasking's threads; a fetch abandoned at the refresh deadline
# (prices.deadline) must not hold the process at exit, so they are daemon threads.
try:
    import multitasking     # yfinance's own dependency
except ImportError:  # pragma: no cover
    multitasking = None
if hasattr(multitasking, "set_daemon"):
    multitasking.set_daemon(True)


@dataclass
class _ChartRecord:
    """What the session saw for one ticker's chart requests (the last one wins)."""

    status: Optional[int] = None
    error: Optional[BaseException] = None
    meta: dict = field(default_factory=dict)
    yahoo_error: str = ""
    close: Optional[tuple[float, datetime]] = None    # the last close in the answer (for partial())


class _SessionObserver:
    """Collects ``_ChartRecord``s from the session's requests (thread-safe)."""

    def __init__(self, total: int, progress: Optional[ProgressCallback]):
        self.records: dict[str, _ChartRecord] = {}
        self._lock = threading.Lock()
        self._total = total
        self._progress = progress

    def _record(self, ticker: str) -> _ChartRecord:
        with self._lock:
            first = ticker not in self.records
            record = self.records.setdefault(ticker, _ChartRecord())
            done = len(self.records)
        if first and self._progress:
            self._progress(min(done, self._total), self._total)
        return record

    def failed(self, ticker: str, error: BaseException) -> None:
        record = self._record(ticker)
        record.error, record.status = error, None

    def responded(self, ticker: str, response: Any) -> None:
        record = self._record(ticker)
        record.error, record.status = None, getattr(response, "status_code", None)
        body = _json_body(response)
        chart = (body or {}).get("chart") or {}
        results = chart.get("result") or []
        if results and isinstance(results[0], dict):
            record.meta = dict(results[0].get("meta") or {})
            record.close = _chart_last_close(results[0])
        error = chart.get("error") or {}
        record.yahoo_error = str(error.get("description") or "") if isinstance(error, dict) else ""


def _chart_last_close(result: dict) -> Optional[tuple[float, datetime]]:
    """(price, bar time UTC) of the last positive, finite close in one chart answer."""
    try:
        stamps = result.get("timestamp") or []
        closes = ((result.get("indicators") or {}).get("quote") or [{}])[0].get("close") or []
        for stamp, close in reversed(list(zip(stamps, closes))):
            if isinstance(close, (int, float)) and math.isfinite(close) and close > 0:
                return float(close), datetime.fromtimestamp(stamp, timezone.utc)
    except (TypeError, ValueError, AttributeError, IndexError, OverflowError, OSError):
        return None
    return None


def _json_body(response: Any) -> Optional[dict]:
    try:
        body = json.loads(response.content)
    except (TypeError, ValueError, AttributeError):
        return None
    return body if isinstance(body, dict) else None


@contextmanager
def _observing(session: Any, observer: _SessionObserver):
    """Route ``session.request`` through ``observer`` for the duration of the block.

    yfinance sends every request through ``session.get``/``post``, which call
    ``self.request``; an instance attribute shadows the class method until restored.
    """
    own = vars(session).get("request")
    original = session.request

    def request(method, url, *args, **kwargs):
        ticker = chart_ticker(url)
        try:
            response = original(method, url, *args, **kwargs)
        except Exception as error:
            if ticker:
                observer.failed(ticker, error)
            raise
        if ticker:
            observer.responded(ticker, response)
        return response

    session.request = request
    try:
        yield
    finally:
        if own is None:
            del session.request
        else:
            session.request = own


class _LogCollector(logging.Handler):
    """Keeps yfinance's error messages per ticker (and stops them reaching the console)."""

    def __init__(self):
        super().__init__(level=logging.ERROR)
        self.by_ticker: dict[str, str] = {}

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage().strip()
        many = _TICKERS_IN_LOG.match(message)
        if many:
            tickers = [t.strip(" '\"").upper() for t in many["tickers"].split(",")]
            for ticker in filter(None, tickers):
                self.by_ticker.setdefault(ticker, many["message"].strip())
            return
        one = _TICKER_IN_LOG.match(message)
        if one:
            self.by_ticker.setdefault(one["ticker"].upper(), one["message"].strip())


@contextmanager
def _collecting_logs():
    logger = logging.getLogger("yfinance")
    collector = _LogCollector()
    logger.addHandler(collector)
    try:
        yield collector
    finally:
        logger.removeHandler(collector)


_yf_cache_dir: Optional[Path] = None


def _keep_yfinance_cache_with_ours() -> None:
    """yfinance's cookie and time-zone caches go under our cache folder."""
    global _yf_cache_dir
    folder = default_cache_dir() / "yfinance"
    if folder != _yf_cache_dir:
        folder.mkdir(parents=True, exist_ok=True)
        yf.set_tz_cache_location(str(folder))  # moves the cookie cache too
        _yf_cache_dir = folder


def _default_session():
    """The session yfinance itself would make: curl_cffi impersonating Chrome."""
    from curl_cffi.requests import Session

    return Session(impersonate="chrome")


class YahooSource:
    """``PriceSource`` for Yahoo Finance: one batched ``yf.download`` per fetch.

    ``session``: a curl_cffi (or requests) Session for every HTTP call (default: one
    Chrome-impersonating curl_cffi session, as yfinance makes, kept for the source's life).
    ``timeout`` in seconds per request.  ``period``: the daily bars asked for; the last
    close in it is the quote (5 days covers weekends and holidays).

    ``threads`` is passed to ``yf.download``.  True (yfinance fetches up to 2 x CPU tickers
    at once) is the default because a real refresh waits on the network: with 50 ms per
    request, 300 tickers took 17 s threaded against 29 s one by one; without latency
    the two are within noise (7.8 s vs 9.6 s), as parsing holds the GIL.  Measured with
    ``benchmarks/bench_prices.py`` on 2 shared cores.
    """

    name = SOURCE_NAME

    def __init__(self, session: Any = None, *, timeout: float = 10.0, threads: bool | int = True,
                 period: str = "5d"):
        self.session = session
        self.timeout = timeout
        self.threads = threads
        self.period = period

    def _session(self) -> Any:
        if self.session is None:
            self.session = _default_session()
        return self.session

    def _download(self, wanted: tuple[str, ...], observer: "_SessionObserver", **bars: Any) -> tuple[Any, Any]:
        """One ``yf.download`` of ``wanted`` (``bars``: period, interval, auto_adjust) with the
        session watched by ``observer``; returns yfinance's frame and the logs it wrote."""
        session = self._session()
        with _FETCH_LOCK:
            _keep_yfinance_cache_with_ours()
            # yfinance memoizes some responses (even failed ones) for the life of the
            # process; a refresh must ask again, so the memo is cleared.
            YfData.cache_get.cache_clear()
            with _observing(session, observer), _collecting_logs() as logs, warnings.catch_warnings():
                warnings.filterwarnings("ignore", module=r"yfinance(\.|$)")
                frame = yf.download(
                    list(wanted), actions=False, threads=self.threads, progress=False, timeout=self.timeout,
                    session=session, group_by="column", ignore_tz=True, multi_level_index=True, **bars,
                )
        return frame, logs

    def fetch(self, tickers: Iterable[str], *, progress: Optional[ProgressCallback] = None) -> FetchResult:
        wanted = unique_tickers(tickers)
        if not wanted:
            return FetchResult()
        observer = _SessionObserver(len(wanted), progress)
        self._observer = observer
        frame, logs = self._download(wanted, observer, period=self.period, interval="1d", auto_adjust=False)
        if progress:
            progress(len(wanted), len(wanted))
        return _result(wanted, frame, observer.records, logs.by_ticker, self.timeout)

    def monthly_history(self, tickers: Iterable[str], *, years: Optional[int] = None
                        ) -> tuple[dict[str, list[tuple[datetime, float]]], dict[str, Failure]]:
        """Month-end closes adjusted for splits and distributions (a total-return series),
        oldest first, per ticker: ``yf.download(interval="1mo", auto_adjust=True)`` over the
        last ``years`` (all history when None).  Failures per ticker, as ``fetch`` reports them."""
        wanted = unique_tickers(tickers)
        if not wanted:
            return {}, {}
        observer = _SessionObserver(len(wanted), None)
        frame, logs = self._download(wanted, observer, period=f"{years}y" if years else "max", interval="1mo",
                                     auto_adjust=True)
        closes = _closes(frame)
        history, failures = {}, {}
        for ticker in wanted:
            points = [] if closes is None or ticker not in closes.columns else \
                [(when.to_pydatetime(), float(price)) for when, price in closes[ticker].items()
                 if math.isfinite(price) and price > 0]
            if points:
                history[ticker] = points
            else:
                failures[ticker] = _failure(ticker, observer.records.get(ticker, _ChartRecord()),
                                            logs.by_ticker.get(ticker), self.timeout)
        return history, failures

    def partial(self, tickers: Iterable[str]) -> FetchResult:
        """The quotes of the fetch under way that Yahoo has answered so far (for a refresh
        that reached its deadline: those tickers keep their new price)."""
        observer = getattr(self, "_observer", None)
        if observer is None:
            return FetchResult()
        with observer._lock:
            records = dict(observer.records)
        quotes = {}
        for ticker in unique_tickers(tickers):
            record = records.get(ticker)
            if record is not None and record.close is not None and record.error is None:
                quotes[ticker] = _quote(ticker, record.close[0], record.close[1], record.meta)
        return FetchResult(quotes=quotes)


def _result(wanted, frame, records: dict[str, _ChartRecord], logs: dict[str, str], timeout: float) -> FetchResult:
    closes = _closes(frame)
    quotes, failures = {}, {}
    for ticker in wanted:
        record = records.get(ticker, _ChartRecord())
        last = _last_close(closes, ticker)
        if last is None:
            failures[ticker] = _failure(ticker, record, logs.get(ticker), timeout)
        else:
            price, day = last
            quotes[ticker] = _quote(ticker, price, day, record.meta)
    return FetchResult(quotes=quotes, failures=failures)


def _closes(frame):
    """The ``Close`` columns of ``yf.download``'s frame, one per ticker (None when empty)."""
    if frame is None or getattr(frame, "empty", True) or "Close" not in frame.columns.get_level_values(0):
        return None
    return frame["Close"]


def _last_close(closes, ticker: str) -> Optional[tuple[float, datetime]]:
    """(price, bar time) of the last positive, finite Close of ``ticker``; None when there is none."""
    if closes is None or ticker not in closes.columns:
        return None
    column = closes[ticker]
    column = column[column > 0]
    when = column.last_valid_index()
    if when is None:
        return None
    price = float(column[when])
    if not math.isfinite(price):
        return None
    return price, when.to_pydatetime()


def _quote(ticker: str, price: float, bar_time: datetime, meta: dict) -> Quote:
    currency = str(meta.get("currency") or "USD")
    currency, per_major = MINOR_UNITS.get(currency, (currency.upper(), 1.0))
    return Quote(ticker=ticker, price=price / per_major, currency=currency,
                 time=_quote_time(bar_time, meta), source=SOURCE_NAME)


def _quote_time(bar_time: datetime, meta: dict) -> datetime:
    """Yahoo's last trade time in the exchange's zone; else the bar's day (UTC)."""
    zone_name = meta.get("exchangeTimezoneName")
    try:
        zone = ZoneInfo(zone_name) if zone_name else timezone.utc
    except (KeyError, ValueError):
        zone = timezone.utc
    stamp = meta.get("regularMarketTime")
    if isinstance(stamp, (int, float)) and stamp > 0:
        market_time = datetime.fromtimestamp(stamp, zone)
        if market_time.date() >= bar_time.date():
            return market_time
    return bar_time.replace(tzinfo=bar_time.tzinfo or zone)


def _failure(ticker: str, record: _ChartRecord, logged: Optional[str], timeout: float) -> Failure:
    error = record.error
    if error is not None:
        return _failure_from_error(ticker, error, timeout)
    status = record.status
    if status == 429:
        return Failure(ticker, FailureKind.RATE_LIMITED,
                       "Yahoo is limiting requests (HTTP 429 Too Many Requests); try again in a few minutes")
    if status == 404:
        said = f" (Yahoo: {record.yahoo_error})" if record.yahoo_error else ""
        return Failure(ticker, FailureKind.UNKNOWN_TICKER, f"unknown ticker{said}")
    if status is not None and status >= 400:
        return Failure(ticker, FailureKind.HTTP_ERROR, f"Yahoo answered HTTP {status}")
    if record.yahoo_error:
        return Failure(ticker, FailureKind.NO_DATA, f"no price from Yahoo ({record.yahoo_error})")
    if logged:
        return Failure(ticker, FailureKind.NO_DATA, f"no price from Yahoo ({_short(logged)})")
    return Failure(ticker, FailureKind.NO_DATA, "no price in Yahoo's answer")


def _failure_from_error(ticker: str, error: BaseException, timeout: float) -> Failure:
    names = {cls.__name__ for cls in type(error).__mro__}
    if names & {"Timeout", "ReadTimeout", "ConnectTimeout", "TimeoutError"}:
        return Failure(ticker, FailureKind.TIMEOUT, f"Yahoo did not answer within {timeout:g} s (timeout)")
    if names & {"DNSError", "ConnectionError", "ProxyError", "SSLError"}:
        return Failure(ticker, FailureKind.NETWORK, f"no connection to Yahoo ({type(error).__name__})")
    return Failure(ticker, FailureKind.NETWORK, f"request failed: {type(error).__name__}: {_short(str(error))}")


def _short(text: str, limit: int = 120) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
