"""Fills from the broker activity files the import reads, where they list trades.

- Interactive Brokers Flex XML (an Activity Flex Query with the *Trades* section): each
  ``Trade`` of a stock, ETF or fund is a fill: ``buySell``, ``quantity``, ``tradePrice``,
  ``ibCommission`` (fees), ``tradeDate``, ``orderReference`` (the Order ID our IBKR basket
  sent as OrderRef) and ``tradeID`` (the Broker ref), parsed with ``ibflex``;
- OFX/QFX investment statements (``INVTRANLIST``): BUYSTOCK, BUYMF, BUYOTHER, SELLSTOCK,
  SELLMF, SELLOTHER: units, unit price, commission + fees + taxes, trade date and FITID (the
  Broker ref), parsed with ``ofxtools``.

The broker's account (its number) becomes the workbook's account through the Accounts
table's ``Number`` column, as the import matches it.  Anything else is the documented fills
CSV (``fills.read_fills_csv``).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Optional, Sequence

from ..core.model import Issue
from .fills import Fill, FillsFileError, read_fills_csv

_KEPT = ("STK", "FUND")
_OFX_BUYS = ("BUYSTOCK", "BUYMF", "BUYOTHER")
_OFX_SELLS = ("SELLSTOCK", "SELLMF", "SELLOTHER")


def read_fills_file(path: str | Path, accounts: Optional[Sequence[Sequence[Any]]] = None
                    ) -> tuple[list[Fill], list[Issue]]:
    """The fills in ``path``: an IB Flex XML, an OFX/QFX statement or the fills CSV.
    ``accounts`` is the workbook's Accounts table (2-D rows) to name the broker's accounts."""
    path = Path(path)
    if not path.is_file():
        raise FillsFileError(f"{path}: no such file")
    try:
        head = path.read_bytes()[:4096].decode("utf-8", "replace")
    except OSError as exc:
        raise FillsFileError(f"{path.name}: cannot read it ({exc})") from exc
    if "<FlexQueryResponse" in head or "<FlexStatements" in head:
        raw, problems = _flex(path)
    elif "OFXHEADER" in head.upper() or "<OFX>" in head.upper():
        raw, problems = _ofx(path)
    else:
        return read_fills_csv(path)
    if problems:
        return [], problems
    return _named(raw, accounts, path)


def _named(raw: list[tuple[str, Fill]], accounts, path: Path) -> tuple[list[Fill], list[Issue]]:
    """Broker account numbers -> the workbook's account names (Accounts ``Number``)."""
    from ..brokers.records import AccountRef
    from ..lifecycle.accounts import book_accounts, match_account
    from ..lifecycle.table_edit import EditableTable

    book = book_accounts(EditableTable(accounts or [["Account", "Type", "Number"]], ("Account", "Type", "Number")))
    fills, issues, seen = [], [], {}
    for number, fill in raw:
        if number not in seen:
            seen[number] = match_account(AccountRef(number, ""), book)
        name, why = seen[number]
        if name is None:
            issues.append(Issue("unknown_account", f"{fill.where}: the broker account {number}: {why}.", "Fills",
                                fill.line, "Account", ticker=fill.ticker))
            continue
        fills.append(Fill(**{**fill.__dict__, "account": name}))
    return fills, issues


def _fill(number: str, when, ticker: str, side: str, shares: float, price: float, fees: float, order_id: str,
          ref: str, where: str, line: int) -> tuple[str, Fill]:
    from ..brokers.numbers import clean_ticker

    return number, Fill(when, number, clean_ticker(ticker), side, abs(shares), price, abs(fees), order_id or "",
                        ref, ref, where, line)


def _flex(path: Path) -> tuple[list[tuple[str, Fill]], list[Issue]]:
    from ..extras import require

    require("ibflex")
    import ibflex.parser

    try:
        response = ibflex.parser.parse(str(path))
    except Exception as exc:
        raise FillsFileError(f"{path.name}: cannot read the Flex XML ({str(exc).splitlines()[0] if str(exc) else exc!r}); "
                             "export the Flex Query again as XML") from exc
    out, issues, line = [], [], 0
    for statement in response.FlexStatements:
        for trade in statement.Trades:
            line += 1
            where = f"{path.name} trade {line}"
            category = getattr(trade.assetCategory, "value", str(trade.assetCategory or ""))
            side = getattr(trade.buySell, "value", str(trade.buySell or "")).upper()
            if category not in _KEPT or side not in ("BUY", "SELL"):
                continue            # options, futures, cancellations: not the plan's trades
            if trade.tradeDate is None or not trade.quantity or not trade.tradePrice:
                issues.append(Issue("bad_fill", f"{where}: the trade has no tradeDate, quantity or tradePrice; "
                                    "include them in the Flex Query.", "Fills", line))
                continue
            ref = f"IB-{trade.tradeID or trade.ibExecID or trade.transactionID}"
            out.append(_fill(trade.accountId or statement.accountId or "", trade.tradeDate, trade.symbol or "", side,
                             float(trade.quantity), float(trade.tradePrice), float(trade.ibCommission or 0),
                             trade.orderReference or "", ref, where, line))
    return out, issues


def _ofx(path: Path) -> tuple[list[tuple[str, Fill]], list[Issue]]:
    from ..extras import require

    require("ofxtools")
    from ofxtools.Parser import OFXTree

    tree = OFXTree()
    try:
        tree.parse(str(path))
        ofx = tree.convert()
    except Exception as exc:
        raise FillsFileError(f"{path.name}: cannot read the OFX file ({str(exc).splitlines()[0] if str(exc) else exc!r})"
                             ) from exc
    tickers = {(s.secid.uniqueidtype, s.secid.uniqueid): s.ticker or "" for s in (getattr(ofx, "securities", None) or ())}
    out, line = [], 0
    for statement in (s for s in ofx.statements if hasattr(s, "invposlist")):
        number = statement.account.acctid or ""
        for item in statement.transactions or ():
            kind = type(item).__name__
            if kind not in _OFX_BUYS + _OFX_SELLS:
                continue
            line += 1
            detail = item.invbuy if kind in _OFX_BUYS else item.invsell
            secid = detail.secid
            ticker = tickers.get((secid.uniqueidtype, secid.uniqueid), "") or secid.uniqueid
            fees = sum(float(getattr(detail, f) or 0) for f in ("commission", "fees", "taxes"))
            when = detail.invtran.dttrade
            out.append(_fill(number, when.date() if hasattr(when, "date") else when, ticker,
                             "BUY" if kind in _OFX_BUYS else "SELL", float(detail.units), float(detail.unitprice),
                             fees, "", f"OFX-{detail.invtran.fitid}", f"{path.name} transaction {line}", line))
    return out, []
