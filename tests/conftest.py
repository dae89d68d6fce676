"""Suite-wide fixtures.

``network_guard`` (autouse): a test fails if it opens a network connection to anything
but this machine.  Loopback (127.0.0.0/8, ::1, localhost) and Unix sockets stay allowed,
because spreadsheet applications run headless in some tests talk to themselves over them.
Both Python sockets and libcurl (the HTTP client yfinance uses) are covered; an attempt
raises inside the code under test *and* is recorded, and the test fails at teardown even
when the code under test swallowed the exception (yfinance does).

``isolated_cache`` (autouse): the price cache lives in a per-test temporary folder.
"""
from __future__ import annotations

import ipaddress
import socket

import pytest

pytest_plugins = ["pytester"]

_LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback", ""}


class NetworkBlocked(ConnectionError):
    """Raised when a test tries to reach the network."""


def _is_local_host(host) -> bool:
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    host = str(host).strip("[]").lower()
    if host in _LOCAL_NAMES or host == socket.gethostname().lower():
        return True
    try:
        address = ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def _is_local_address(family, address) -> bool:
    if family == getattr(socket, "AF_UNIX", object()) or isinstance(address, (str, bytes)):
        return True
    if isinstance(address, tuple) and address:
        return _is_local_host(address[0])
    return False


class NetworkGuard:
    """Records every attempt to leave the machine; tests may inspect or clear it."""

    def __init__(self):
        self.attempts: list[str] = []

    def blocked(self, what: str) -> NetworkBlocked:
        self.attempts.append(what)
        return NetworkBlocked(f"network access is blocked in tests: {what}")


@pytest.fixture(autouse=True)
def network_guard(monkeypatch):
    guard = NetworkGuard()
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def connect(sock, address):
        if not _is_local_address(sock.family, address):
            raise guard.blocked(f"socket connect to {address!r}")
        return real_connect(sock, address)

    def connect_ex(sock, address):
        if not _is_local_address(sock.family, address):
            raise guard.blocked(f"socket connect to {address!r}")
        return real_connect_ex(sock, address)

    def getaddrinfo(host, *args, **kwargs):
        if not _is_local_host(host):
            raise guard.blocked(f"name lookup of {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    _block_libcurl(monkeypatch, guard)

    yield guard

    if guard.attempts:
        pytest.fail("test tried to use the network: " + "; ".join(guard.attempts), pytrace=False)


def _block_libcurl(monkeypatch, guard: NetworkGuard) -> None:
    """libcurl opens its sockets in C, out of Python's reach: stop it at ``perform``."""
    try:
        from curl_cffi.curl import Curl
    except ImportError:  # pragma: no cover - curl_cffi is a yfinance dependency
        return

    def perform(curl, *args, **kwargs):
        raise guard.blocked("libcurl request")

    monkeypatch.setattr(Curl, "perform", perform)


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path_factory, monkeypatch):
    folder = tmp_path_factory.mktemp("price-cache")
    monkeypatch.setenv("XLREBALANCE_CACHE_DIR", str(folder))
    return folder


YAHOO_FIXTURES = __import__("pathlib").Path(__file__).parent / "fixtures" / "yahoo"


@pytest.fixture
def yahoo_replay():
    """``yahoo_replay(rate_limited=..., timeouts=..., down=...)`` -> (ReplaySession, YahooSource)."""
    from xlrebalance.prices.replay import ReplaySession
    from xlrebalance.prices.yahoo import YahooSource

    def make(**scenario):
        session = ReplaySession(YAHOO_FIXTURES, **scenario)
        return session, YahooSource(session, timeout=10)

    return make
