"""A real HTTP session that replays recorded Yahoo responses instead of using the network.

``ReplaySession`` is a ``curl_cffi`` Session (the class yfinance uses by default) whose
``request`` answers from a folder of recorded-format responses, so yfinance's own request,
cookie/crumb and parsing code runs unchanged.  It serves:

- ``chart/<TICKER>.json``: the ``/v8/finance/chart/<TICKER>`` response (HTTP 200);
- ``not_found.json``: Yahoo's 404 body, for any ticker without a file (unknown ticker);
- ``too_many_requests.txt``: Yahoo's HTTP 429 body, for tickers in ``rate_limited``;
- ``getcrumb.txt``: the crumb; the cookie and consent pages are empty.

Failures are the real ones: a ticker in ``timeouts`` raises what libcurl raises after its
timeout (``curl_cffi.requests.exceptions.Timeout``, curl code 28), and ``down=True``
raises the DNS failure of a machine without network for every request.  With
``synthesize=True`` a ticker without a file gets the first recorded chart re-labelled
and re-priced (for benchmarks and offline demos); ``latency`` sleeps per chart request to
imitate the network.  Every request is logged in ``requests`` (method, url, params).
"""
from __future__ import annotations

import json
import threading
import time
import zlib
from pathlib import Path
from typing import Iterable, Optional
from urllib.parse import urlsplit

from ..extras import require

require("curl_cffi")  # the prices extra: a clear message when it is missing
from curl_cffi.const import CurlECode  # noqa: E402
from curl_cffi.requests import Session
from curl_cffi.requests.exceptions import code2error
from curl_cffi.requests.models import Response

from .yahoo_urls import chart_ticker
_TIMEOUT_MESSAGE = (
    "Failed to perform, curl: (28) Operation timed out after {ms} milliseconds with 0 bytes "
    "received. See https://curl.se/libcurl/c/libcurl-errors.html first for more details."
)
_DNS_MESSAGE = (
    "Failed to perform, curl: (6) Could not resolve host: {host}. "
    "See https://curl.se/libcurl/c/libcurl-errors.html first for more details."
)



class ReplaySession(Session):
    """A curl_cffi Session that never touches the network (see the module docstring)."""

    def __init__(
        self,
        folder: Path | str,
        *,
        rate_limited: Iterable[str] = (),
        timeouts: Iterable[str] = (),
        down: bool = False,
        synthesize: bool = False,
        latency: float = 0.0,
    ):
        super().__init__()
        self.folder = Path(folder)
        self.rate_limited = {t.upper() for t in rate_limited}
        self.timeouts = {t.upper() for t in timeouts}
        self.down = down
        self.synthesize = synthesize
        self.latency = latency
        self.requests: list[tuple[str, str, dict]] = []
        self._lock = threading.Lock()
        self._charts: dict[str, Optional[bytes]] = {}

    # -- the one method every yfinance call goes through ---------------------------------
    def request(self, method, url, params=None, timeout=None, **kwargs) -> Response:  # noqa: D102
        with self._lock:
            self.requests.append((str(method).upper(), url, dict(params or {})))
        host = urlsplit(url).hostname or ""
        if self.down:
            raise code2error(CurlECode.COULDNT_RESOLVE_HOST, "")(
                _DNS_MESSAGE.format(host=host), CurlECode.COULDNT_RESOLVE_HOST
            )
        ticker = chart_ticker(url)
        if ticker is not None:
            return self._chart(url, ticker, timeout)
        if url.rstrip("/").endswith("/v1/test/getcrumb"):
            return self._response(url, 200, self._read("getcrumb.txt"), "text/plain;charset=utf-8")
        if host.endswith("consent.yahoo.com") or host.startswith("guce."):
            return self._response(url, 200, b"<html><body></body></html>", "text/html")
        return self._response(url, 404, b"", "text/html")

    def chart_requests(self) -> list[str]:
        """Tickers whose chart was requested, in order (repeats when yfinance retried)."""
        return [t for _, url, _ in self.requests if (t := chart_ticker(url))]

    # -- helpers -------------------------------------------------------------------------
    def _chart(self, url: str, ticker: str, timeout) -> Response:
        if self.latency:
            time.sleep(self.latency)
        if ticker in self.timeouts:
            ms = int(float(timeout or 10) * 1000) + 2
            raise code2error(CurlECode.OPERATION_TIMEDOUT, "")(
                _TIMEOUT_MESSAGE.format(ms=ms), CurlECode.OPERATION_TIMEDOUT
            )
        if ticker in self.rate_limited:
            return self._response(url, 429, self._read("too_many_requests.txt"), "text/plain")
        body = self._chart_body(ticker)
        if body is None:
            return self._response(url, 404, self._read("not_found.json"), "application/json;charset=utf-8")
        return self._response(url, 200, body, "application/json;charset=utf-8")

    def _chart_body(self, ticker: str) -> Optional[bytes]:
        with self._lock:
            if ticker not in self._charts:
                path = self.folder / "chart" / f"{ticker}.json"
                if path.is_file():
                    self._charts[ticker] = path.read_bytes()
                elif self.synthesize:
                    self._charts[ticker] = _synthesized_chart(self._template(), ticker)
                else:
                    self._charts[ticker] = None
            return self._charts[ticker]

    def _template(self) -> bytes:
        files = sorted((self.folder / "chart").glob("*.json"))
        if not files:
            raise FileNotFoundError(f"no recorded chart in {self.folder / 'chart'}")
        return files[0].read_bytes()

    def _read(self, name: str) -> bytes:
        return (self.folder / name).read_bytes()

    @staticmethod
    def _response(url: str, status: int, body: bytes, content_type: str) -> Response:
        response = Response()
        response.url = url
        response.status_code = status
        response.reason = {200: "OK", 404: "Not Found", 429: "Too Many Requests"}.get(status, "")
        response.ok = 200 <= status < 400
        response.content = body
        response.headers["Content-Type"] = content_type
        return response


def _synthesized_chart(template: bytes, ticker: str) -> bytes:
    """The template chart, re-labelled as ``ticker`` with prices scaled by a fixed factor."""
    data = json.loads(template)
    result = data["chart"]["result"][0]
    factor = 0.2 + (zlib.crc32(ticker.encode()) % 1000) / 250.0
    meta = result["meta"]
    meta["symbol"] = ticker
    for key in ("regularMarketPrice", "chartPreviousClose", "regularMarketDayHigh", "regularMarketDayLow",
                "fiftyTwoWeekHigh", "fiftyTwoWeekLow"):
        if isinstance(meta.get(key), (int, float)):
            meta[key] = round(meta[key] * factor, 4)
    quote = result["indicators"]["quote"][0]
    for key in ("open", "high", "low", "close"):
        quote[key] = [None if v is None else round(v * factor, 4) for v in quote[key]]
    for block in result["indicators"].get("adjclose", []):
        block["adjclose"] = [None if v is None else round(v * factor, 4) for v in block["adjclose"]]
    return json.dumps(data, separators=(",", ":")).encode()
