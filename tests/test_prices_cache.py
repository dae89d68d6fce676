"""The on-disk quote cache: time-to-live, location, robustness."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from xlrebalance.prices.cache import CachedSource, QuoteCache, cached, default_cache_dir
from xlrebalance.prices.source import Failure, FailureKind, FetchResult, Quote

T0 = datetime(2026, 11, 20, 21, 0, tzinfo=timezone.utc)


def q(ticker, price):
    return Quote(ticker, price, "USD", T0, "Counting")


class CountingSource:
    name = "Counting"

    def __init__(self):
        self.asked = []

    def fetch(self, tickers, *, progress=None):
        tickers = list(tickers)
        self.asked.append(tickers)
        return FetchResult(quotes={t: q(t, 10.0) for t in tickers if t != "BAD"},
                           failures={"BAD": Failure("BAD", FailureKind.NO_DATA, "x")} if "BAD" in tickers else {})


def test_location_follows_the_environment(isolated_cache):
    assert default_cache_dir() == isolated_cache
    assert QuoteCache("Yahoo").path == isolated_cache / "quotes-Yahoo.json"


def test_within_ttl_no_second_fetch_after_ttl_fetch_again():
    source = CountingSource()
    cache = QuoteCache("Counting", ttl=timedelta(minutes=15))
    wrapped = CachedSource(source, cache)
    first = wrapped.fetch(["VTI", "BND", "BAD"], now=T0)
    second = wrapped.fetch(["VTI", "BND", "BAD"], now=T0 + timedelta(minutes=14))
    third = wrapped.fetch(["VTI"], now=T0 + timedelta(minutes=16))
    assert source.asked == [["VTI", "BND", "BAD"], ["BAD"], ["VTI"]]
    assert set(first.quotes) == set(second.quotes) == {"VTI", "BND"}
    assert set(second.failures) == {"BAD"} and set(third.quotes) == {"VTI"}


def test_quotes_survive_a_round_trip_with_time_zone():
    cache = QuoteCache("Counting")
    cache.store({"VTI": q("VTI", 332.18)}, now=T0)
    assert cache.fresh(["vti"], now=T0 + timedelta(minutes=1)) == {"VTI": q("VTI", 332.18)}


def test_damaged_file_is_an_empty_cache():
    cache = QuoteCache("Counting")
    cache.path.parent.mkdir(parents=True, exist_ok=True)
    cache.path.write_text("{not json", encoding="utf-8")
    assert cache.fresh(["VTI"], now=T0) == {}
    cache.store({"VTI": q("VTI", 1.0)}, now=T0)
    assert set(cache.fresh(["VTI"], now=T0)) == {"VTI"}


def test_future_entries_are_not_trusted():
    cache = QuoteCache("Counting")
    cache.store({"VTI": q("VTI", 1.0)}, now=T0)
    assert cache.fresh(["VTI"], now=T0 - timedelta(minutes=5)) == {}


def test_cached_helper_and_progress():
    wrapped = cached(CountingSource(), ttl=timedelta(minutes=5))
    seen = []
    wrapped.fetch(["VTI"], progress=lambda d, t: seen.append((d, t)))
    wrapped.fetch(["VTI"], progress=lambda d, t: seen.append((d, t)))
    assert seen[-1] == (1, 1) and wrapped.name == "Counting"
