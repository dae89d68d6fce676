"""A small on-disk quote cache with a time-to-live.

Refreshing twice within a few minutes should not hit the network twice.  Quotes are kept
in one JSON file per source under the cache folder: ``$XLREBALANCE_CACHE_DIR`` when set,
else the user's cache folder (``~/.cache/xlrebalance`` on Linux, ``%LOCALAPPDATA%`` on
Windows).  Only successful quotes are cached; a failed ticker is asked again next time.
The file is replaced atomically, and a missing or damaged file is just an empty cache.
"""
from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterable, Mapping, Optional

from .source import FetchResult, PriceSource, ProgressCallback, Quote, unique_tickers

#: Environment variable that moves the cache folder (tests point it at a temp folder).
CACHE_DIR_ENV = "XLREBALANCE_CACHE_DIR"
#: Default time-to-live: quotes fetched less than this long ago are reused.
DEFAULT_TTL = timedelta(minutes=15)


def default_cache_dir() -> Path:
    """``$XLREBALANCE_CACHE_DIR`` or the platform's user cache folder for xlrebalance."""
    override = os.environ.get(CACHE_DIR_ENV)
    if override:
        return Path(override)
    try:
        from platformdirs import user_cache_dir
    except ImportError:  # pragma: no cover - platformdirs comes with yfinance
        return Path.home() / ".cache" / "xlrebalance"
    return Path(user_cache_dir("xlrebalance", appauthor=False))


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class QuoteCache:
    """Quotes of one source on disk; ``ttl`` is how long a fetched quote stays fresh."""

    source_name: str
    folder: Optional[Path] = None
    ttl: timedelta = DEFAULT_TTL

    @property
    def path(self) -> Path:
        safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", self.source_name) or "source"
        return (self.folder or default_cache_dir()) / f"quotes-{safe}.json"

    def fresh(self, tickers: Iterable[str], now: Optional[datetime] = None) -> dict[str, Quote]:
        """Cached quotes for ``tickers`` fetched within the TTL of ``now``."""
        now = now or _utcnow()
        entries = self._load()
        fresh = {}
        for ticker in unique_tickers(tickers):
            entry = entries.get(ticker)
            if entry is None:
                continue
            fetched_at, quote = entry
            if timedelta(0) <= now - fetched_at <= self.ttl:
                fresh[ticker] = quote
        return fresh

    def store(self, quotes: Mapping[str, Quote], now: Optional[datetime] = None) -> None:
        """Add ``quotes`` (fetched at ``now``); entries past their TTL are dropped."""
        if not quotes:
            return
        now = now or _utcnow()
        kept = {t: e for t, e in self._load().items() if now - e[0] <= self.ttl}
        kept.update({t: (now, q) for t, q in quotes.items()})
        payload = {t: _entry_to_json(fetched_at, q) for t, (fetched_at, q) in kept.items()}
        try:
            self._write(payload)
        except OSError:
            pass  # a cache that cannot be written is only a slower refresh

    def clear(self) -> None:
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass

    def _load(self) -> dict[str, tuple[datetime, Quote]]:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        entries = {}
        for ticker, item in raw.items() if isinstance(raw, dict) else ():
            try:
                entries[ticker] = _entry_from_json(ticker, item)
            except (KeyError, TypeError, ValueError):
                continue
        return entries

    def _write(self, payload: dict) -> None:
        _write_json(self.path, payload)


def _write_json(path: Path, payload: dict) -> None:
    """Replace ``path`` with ``payload`` atomically (a temporary file, then a rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(payload, handle, indent=0, sort_keys=True)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _entry_to_json(fetched_at: datetime, quote: Quote) -> dict:
    return {
        "fetched_at": fetched_at.isoformat(),
        "price": quote.price,
        "currency": quote.currency,
        "time": quote.time.isoformat(),
        "source": quote.source,
    }


def _entry_from_json(ticker: str, item: dict) -> tuple[datetime, Quote]:
    fetched_at = datetime.fromisoformat(item["fetched_at"])
    quote = Quote(
        ticker=ticker,
        price=float(item["price"]),
        currency=str(item["currency"]),
        time=datetime.fromisoformat(item["time"]),
        source=str(item["source"]),
    )
    if fetched_at.tzinfo is None:
        raise ValueError("naive fetch time")
    return fetched_at, quote


@dataclass(frozen=True)
class CachedSource:
    """A ``PriceSource`` that answers from the cache first and asks ``source`` for the rest."""

    source: PriceSource
    cache: QuoteCache

    @property
    def name(self) -> str:
        return self.source.name

    def fetch(
        self,
        tickers: Iterable[str],
        *,
        progress: Optional[ProgressCallback] = None,
        now: Optional[datetime] = None,
    ) -> FetchResult:
        wanted = unique_tickers(tickers)
        cached = self.cache.fresh(wanted, now)
        missing = [t for t in wanted if t not in cached]
        if not missing:
            if progress:
                progress(len(wanted), len(wanted))
            return FetchResult(quotes=cached)

        def shifted(done: int, total: int) -> None:
            if progress:
                progress(len(cached) + done, len(wanted))

        fetched = self.source.fetch(missing, progress=shifted)
        self.cache.store(fetched.quotes, now)
        return FetchResult(quotes=cached).merged(fetched)

    def partial(self, tickers: Iterable[str]) -> FetchResult:
        """Cached quotes and what the source has answered so far (see prices.deadline)."""
        wanted = unique_tickers(tickers)
        answered = getattr(self.source, "partial", None)
        so_far = answered(wanted) if callable(answered) else FetchResult()
        return FetchResult(quotes=self.cache.fresh(wanted)).merged(so_far)


def cached(source: PriceSource, *, ttl: timedelta = DEFAULT_TTL, folder: Optional[Path] = None) -> CachedSource:
    """``source`` behind the on-disk cache (folder from the environment unless given)."""
    return CachedSource(source, QuoteCache(source.name, folder=folder, ttl=ttl))


#: Monthly history changes once a month: a day's reuse saves every rerun of a backtest.
HISTORY_TTL = timedelta(days=1)


@dataclass(frozen=True)
class CachedHistory:
    """``monthly_history`` of ``source`` through a one-file-per-source cache on disk: a
    ticker fetched within ``ttl`` for the same span of years is not asked again; failures
    are never cached."""

    source: object
    folder: Optional[Path] = None
    ttl: timedelta = HISTORY_TTL

    @property
    def name(self) -> str:
        return str(getattr(self.source, "name", "source"))

    @property
    def path(self) -> Path:
        safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", self.name) or "source"
        return (self.folder or default_cache_dir()) / f"history-{safe}.json"

    def monthly_history(self, tickers: Iterable[str], *, years: Optional[int] = None,
                        now: Optional[datetime] = None) -> tuple[dict[str, list[tuple[datetime, float]]], dict]:
        now = now or _utcnow()
        wanted = unique_tickers(tickers)
        stored = self._load()
        history = {}
        for ticker in wanted:
            item = stored.get(ticker)
            if item and item["years"] == years and now - datetime.fromisoformat(item["fetched_at"]) < self.ttl:
                history[ticker] = [(datetime.fromisoformat(d), float(p)) for d, p in item["points"]]
        missing = [t for t in wanted if t not in history]
        failures: dict = {}
        if missing:
            fetched, failures = self.source.monthly_history(missing, years=years)
            history.update(fetched)
            stored.update({t: {"fetched_at": now.isoformat(), "years": years,
                               "points": [[d.isoformat(), p] for d, p in points]} for t, points in fetched.items()})
            try:
                self._write(stored)
            except OSError:         # a cache that cannot be written is only a slower next run
                pass
        return history, failures

    def _load(self) -> dict:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return {t: item for t, item in raw.items()
                if isinstance(item, dict) and {"fetched_at", "years", "points"} <= set(item)} \
            if isinstance(raw, dict) else {}

    def _write(self, payload: dict) -> None:
        _write_json(self.path, payload)
