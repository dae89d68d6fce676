"""The suite's network guard: leaving the machine fails the test; loopback stays allowed."""
from __future__ import annotations

import ast
import socket
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "xlrebalance"


@pytest.mark.parametrize(
    "address",
    [("93.184.216.34", 80), ("10.255.255.1", 443), ("2606:2800:220:1::1", 80)],
)
def test_connect_to_remote_address_is_blocked_and_recorded(network_guard, address):
    family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        with pytest.raises(ConnectionError):
            sock.connect(address)
    assert network_guard.attempts
    network_guard.attempts.clear()


def test_name_lookup_and_create_connection_are_blocked(network_guard):
    with pytest.raises(ConnectionError):
        socket.create_connection(("query2.finance.yahoo.com", 443), timeout=1)
    assert "query2.finance.yahoo.com" in network_guard.attempts[0]
    network_guard.attempts.clear()


def test_libcurl_requests_are_blocked(network_guard):
    from curl_cffi import requests as curl_requests

    with pytest.raises(Exception):
        curl_requests.get("https://query2.finance.yahoo.com/v8/finance/chart/VTI", timeout=1)
    assert network_guard.attempts == ["libcurl request"]
    network_guard.attempts.clear()


def test_loopback_and_unix_sockets_are_allowed(tmp_path):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        with socket.create_connection(server.getsockname(), timeout=2):
            pass
    path = str(tmp_path / "s.sock")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind(path)
        server.listen(1)
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
            client.connect(path)


def test_a_swallowed_network_attempt_still_fails_the_test(pytester):
    pytester.makeconftest((Path(__file__).parent / "conftest.py").read_text(encoding="utf-8"))
    pytester.makepyfile(
        """
        import socket

        def test_swallows():
            try:
                socket.create_connection(("198.51.100.7", 80), timeout=1)
            except Exception:
                pass
        """
    )
    result = pytester.runpytest_inprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*test tried to use the network*198.51.100.7*"])


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_only_the_yahoo_adapter_imports_yfinance():
    importers = sorted(
        str(path.relative_to(SRC)) for path in SRC.rglob("*.py") if "yfinance" in _imports(path)
    )
    assert importers == ["prices/yahoo.py"]


def test_refresh_and_excel_modules_do_not_import_yfinance():
    import subprocess
    import sys

    code = ("import sys, xlrebalance.prices, xlrebalance.prices.refresh, xlrebalance.prices.cache, "
            "xlrebalance.excel.refresh, xlrebalance.core.staleness; print('yfinance' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "False", out.stderr
