"""Fault injection: a proxy on this machine that accepts every connection and never answers
(the stalled network of a real bad day).  A refresh returns by its one overall deadline
(``Price timeout seconds``), every unanswered ticker keeps its old price marked STALE."""
from __future__ import annotations

import socket
import threading
import time

import pytest
import requests

from xlrebalance import cli
from xlrebalance.prices.deadline import DeadlineSource, within
from xlrebalance.prices.source import FailureKind, FetchResult, Quote
from xlrebalance.prices.yahoo import YahooSource


@pytest.fixture
def silent_proxy():
    """(proxy URL, accepted connections): a loopback server that never says a word."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    server.settimeout(0.1)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            held.append(connection)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}", held
    stop.set()
    thread.join(2)
    for connection in held:          # the abandoned requests fail at once...
        connection.close()
    server.close()
    for worker in threading.enumerate():   # ...and the background fetch ends before the next test
        if worker.name == "xlrebalance-price-fetch":
            worker.join(60)


def stalled_session(proxy: str) -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    session.proxies = {"http": proxy, "https": proxy}
    return session


def test_a_fetch_through_a_silent_proxy_returns_at_the_deadline(silent_proxy):
    proxy, held = silent_proxy
    source = within(YahooSource(stalled_session(proxy), timeout=30), 1.5)
    start = time.monotonic()
    result = source.fetch(["VTI", "BND", "VXUS"])
    elapsed = time.monotonic() - start
    assert 1.4 < elapsed < 4, elapsed
    assert held, "the request never reached the local proxy"
    assert not result.quotes
    assert {t: f.kind for t, f in result.failures.items()} == dict.fromkeys(("VTI", "BND", "VXUS"),
                                                                           FailureKind.TIMEOUT)
    assert "1.5 s" in result.failures["VTI"].reason and "Price timeout seconds" in result.failures["VTI"].reason


class _HalfAnswered:
    """A source that answers VTI at once and never answers BND (until released)."""

    name = "Test"

    def __init__(self):
        self.release = threading.Event()

    def fetch(self, tickers, *, progress=None):
        self.release.wait(30)
        return FetchResult()

    def partial(self, tickers):
        from datetime import datetime, timezone

        when = datetime(2026, 11, 20, 21, tzinfo=timezone.utc)
        return FetchResult(quotes={"VTI": Quote("VTI", 330.0, "USD", when, "Test")})


def test_tickers_answered_before_the_deadline_keep_their_new_price():
    inner = _HalfAnswered()
    try:
        result = DeadlineSource(inner, 0.3).fetch(["VTI", "BND"])
    finally:
        inner.release.set()
    assert result.quotes["VTI"].price == 330.0
    assert result.failures["BND"].kind is FailureKind.TIMEOUT


@pytest.fixture
def book_with_deadline(tmp_path):
    from xlrebalance.sample import sample_tables
    from xlrebalance.workbook.builder import build_workbook

    tables = sample_tables()
    tables["Settings"] = tables["Settings"] + [["Price timeout seconds", 2]]
    return build_workbook(tmp_path / "deadline_book.xlsm", tables=tables).workbook


@pytest.mark.parametrize("command", ["prices", "check"])
def test_the_commands_return_by_the_workbook_deadline_with_stale_prices(book_with_deadline, silent_proxy,
                                                                       monkeypatch, capsys, command):
    from xlrebalance.prices import yahoo

    proxy, held = silent_proxy
    monkeypatch.setattr(yahoo, "_default_session", lambda: stalled_session(proxy))
    argv = ["prices", str(book_with_deadline), "--no-cache", "--no-progress"] if command == "prices" else \
        ["check", str(book_with_deadline), "--live"]
    start = time.monotonic()
    code = cli.main(argv)
    elapsed = time.monotonic() - start
    output = capsys.readouterr()
    assert elapsed < 8, elapsed                     # 2 s deadline; the rest is reading and computing
    assert held
    assert code == 0, output.err
    text = output.out + output.err
    assert "Traceback" not in text
    if command == "prices":        # the old price kept, marked STALE with the reason
        vti = next(line for line in output.out.splitlines() if line.split() and line.split()[0] == "VTI")
        assert vti.split()[1] == "310.0000" and "STALE: no answer within 2 s" in vti
    else:
        assert "[stale_price]" in text and "VTI: the last refresh kept an old price (STALE: no answer within 2 s" in text
