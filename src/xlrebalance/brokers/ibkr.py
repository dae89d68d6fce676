"""Interactive Brokers Flex Query XML (Reports > Flex Queries > Activity Flex Query with the
*Open Positions* section, options *Summary* and *Lot*), parsed with ``ibflex``.

Each ``FlexStatement`` is one account (``accountId``).  ``OpenPosition`` elements with
``levelOfDetail="SUMMARY"`` are positions (``position``, ``markPrice``, ``costBasisMoney``);
those with ``levelOfDetail="LOT"`` are open lots (``openDateTime``, ``position``,
``costBasisMoney``, ``originatingTransactionID`` as the lot ID).  The Cash Report's
``BASE_SUMMARY`` ``endingCash`` is the account's cash.  Stocks, ETFs and funds only: other
asset categories (options, futures, bonds ...) are skipped and noted.  Short lots are refused.
"""
from __future__ import annotations

from pathlib import Path

from .numbers import clean_ticker
from .records import AccountRef, BrokerFile, BrokerFileError, CashBalance, LotRecord, Position

NAME = "Interactive Brokers Flex XML"
_KEPT = ("STK", "FUND")


def detect(head: str) -> bool:
    return "<FlexQueryResponse" in head or "<FlexStatements" in head


def parse(path: Path) -> BrokerFile:
    from ..extras import require

    require("ibflex")
    import ibflex.parser

    try:
        response = ibflex.parser.parse(str(path))
    except Exception as exc:    # ibflex raises its own FlexParserError and ElementTree's ParseError
        raise BrokerFileError(path, f"cannot read the Flex XML ({str(exc).splitlines()[0] if str(exc) else exc!r}); "
                              "export the Flex Query again as XML") from exc
    positions, lots, cash, notes = [], [], [], []
    as_of = None
    for number, statement in enumerate(response.FlexStatements, start=1):
        account = AccountRef(statement.accountId or "", "")
        as_of = as_of or statement.toDate
        for index, item in enumerate(statement.OpenPositions, start=1):
            category = getattr(item.assetCategory, "value", str(item.assetCategory or ""))
            where = f"statement {number}, OpenPosition {index}"
            if category not in _KEPT:
                notes.append(f"{where}: {item.symbol} ({category}) skipped: only stocks, ETFs and funds are imported")
                continue
            shares = float(item.position or 0)
            if shares < 0 or getattr(item.side, "value", "Long") == "Short":
                raise BrokerFileError(path, f"{where}: {item.symbol} is a short position; short positions "
                                      "cannot be imported")
            detail = (item.levelOfDetail or "").upper()
            ticker = clean_ticker(item.symbol)
            basis = None if item.costBasisMoney is None else float(item.costBasisMoney)
            if detail == "LOT":
                opened = item.openDateTime
                if opened is None or basis is None:
                    raise BrokerFileError(path, f"{where}: the {ticker} lot has no openDateTime or costBasisMoney; "
                                          "include them in the Flex Query")
                lots.append(LotRecord(account, ticker, opened.date() if hasattr(opened, "date") else opened,
                                      shares, basis, item.originatingTransactionID or "", index))
            else:
                price = None if item.markPrice is None else float(item.markPrice)
                positions.append(Position(account, ticker, shares, basis, price, index))
        base = [c for c in statement.CashReport if (c.currency or "") == "BASE_SUMMARY"]
        if base and base[0].endingCash is not None:
            cash.append(CashBalance(account, float(base[0].endingCash), 0))
    if not positions and lots:      # a query with Lot detail only: the positions are the lots' sums
        positions = _summed(lots)
    return BrokerFile(path, NAME, tuple(positions), tuple(lots), tuple(cash), positions_complete=True,
                      as_of=as_of, notes=tuple(notes))


def _summed(lots: list[LotRecord]) -> list[Position]:
    totals: dict[tuple[AccountRef, str], list[float]] = {}
    for lot in lots:
        entry = totals.setdefault((lot.account, lot.ticker), [0.0, 0.0, lot.line])
        entry[0] += lot.shares
        entry[1] += lot.cost_basis
    return [Position(account, ticker, shares, basis, None, int(line))
            for (account, ticker), (shares, basis, line) in totals.items()]


