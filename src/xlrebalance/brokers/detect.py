"""Which format a broker file is in: by its content (header signature, XML root), never by
its file name alone.  The first format whose signature matches wins; an unknown layout is a
``BrokerFileError`` naming the headers found and the formats known."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional, Sequence

from . import fidelity, generic, ibkr, ofx, schwab, vanguard
from .csvtext import Row, is_blank, read_rows, read_text
from .records import BrokerFile, BrokerFileError


@dataclass(frozen=True)
class CsvFormat:
    name: str
    detect: Callable[[Sequence[Row]], Optional[int]]      # the header row's index, or None
    parse: Callable[[Path, Sequence[Row], int], BrokerFile]
    signature: str                                         # the columns that identify it, for messages


CSV_FORMATS = (
    CsvFormat(fidelity.NAME, fidelity.detect, fidelity.parse,
              "Account Number, Account Name, Symbol, Quantity, Last Price, Current Value"),
    CsvFormat(vanguard.NAME, vanguard.detect, vanguard.parse,
              "Account Number, Investment Name, Symbol, Shares, Share Price, Total Value"),
    CsvFormat(schwab.LOT_DETAILS, schwab.detect_lots, schwab.parse_lots,
              "Open Date, Quantity, Cost/Share, Cost Basis, Holding Period"),
    CsvFormat(schwab.POSITIONS, schwab.detect_positions, schwab.parse_positions,
              "Symbol, Description, Qty (Quantity), Price, Mkt Val (Market Value), Cost Basis"),
    CsvFormat(generic.NAME, generic.detect, generic.parse,
              "[Account,] Ticker, [Lot ID,] Acquired, Shares, Cost basis"),
)
XML_FORMATS = ((ibkr.NAME, ibkr.detect, ibkr.parse, "<FlexQueryResponse> with <OpenPosition levelOfDetail=\"LOT\">"),
               (ofx.NAME, ofx.detect, ofx.parse, "OFXHEADER / <OFX> with <INVSTMTRS>"))


def known_formats() -> list[str]:
    """'name (signature)' for every format, for messages and the README."""
    return [f"{f.name} ({f.signature})" for f in CSV_FORMATS] + [f"{name} ({sig})" for name, _, _, sig in XML_FORMATS]


def read_broker_file(path: str | Path) -> BrokerFile:
    """Detect the format of the file at ``path`` and parse it."""
    path = Path(path)
    if not path.is_file():
        raise BrokerFileError(path, "no such file")
    text = read_text(path)
    head = text[:4000]
    for _, detect, parse, _ in XML_FORMATS:
        if detect(head):
            return parse(path)
    if head.lstrip().startswith("<"):
        raise _unknown(path, "unknown layout: an XML file that is neither a Flex Query nor an OFX statement", [])
    try:
        rows = read_rows(text)
    except BrokerFileError as exc:
        raise BrokerFileError(path, str(exc).split(": ", 1)[-1], exc.line) from None
    for fmt in CSV_FORMATS:
        at = fmt.detect(rows)
        if at is not None:
            return fmt.parse(path, rows, at)
    first = next((cells for _, cells in rows if not is_blank(cells)), [])
    raise _unknown(path, "unknown layout: no broker format known here has these columns", first)


def _unknown(path: Path, what: str, headers: Sequence[str]) -> BrokerFileError:
    found = ", ".join(h for h in headers if h) or "(none)"
    known = "\n    ".join(known_formats())
    return BrokerFileError(path, f"{what}. Headers found: {found}.\n  Formats known (by their columns):\n    {known}")
