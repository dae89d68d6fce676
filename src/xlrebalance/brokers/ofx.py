"""OFX / QFX investment statements (Quicken / "Web Connect" downloads), parsed with ``ofxtools``.

Each ``INVSTMTRS`` is one account (``INVACCTFROM/ACCTID``); its ``INVPOSLIST`` holds the
positions (``UNITS``, ``UNITPRICE``), each naming its security by ``SECID`` (a CUSIP),
which the ``SECLIST`` maps to a ``TICKER``; ``INVBAL/AVAILCASH`` is the cash.  OFX gives no
cost basis: lots come from the workbook (kept when they tie out) or a lots file.
"""
from __future__ import annotations

from pathlib import Path

from .numbers import clean_ticker
from .records import AccountRef, BrokerFile, BrokerFileError, CashBalance, Position

NAME = "OFX/QFX investment statement"


def detect(head: str) -> bool:
    upper = head.upper()
    return "OFXHEADER" in upper or "<OFX>" in upper


def parse(path: Path) -> BrokerFile:
    from ..extras import require

    require("ofxtools")
    from ofxtools.Parser import OFXTree

    tree = OFXTree()
    try:
        tree.parse(str(path))
        ofx = tree.convert()
    except Exception as exc:    # ofxtools raises ParseError, OFXSpecError, ValueError ...
        raise BrokerFileError(path, f"cannot read the OFX file ({str(exc).splitlines()[0] if str(exc) else exc!r})"
                              ) from exc
    tickers = {}
    for security in (getattr(ofx, "securities", None) or ()):
        tickers[(security.secid.uniqueidtype, security.secid.uniqueid)] = security.ticker or ""
    positions, cash = [], []
    as_of = None
    statements = [s for s in ofx.statements if hasattr(s, "invposlist")]
    if not statements:
        raise BrokerFileError(path, "the OFX file holds no investment statement (INVSTMTRS): download the "
                              "investment account's positions, not a bank statement")
    for statement in statements:
        account = AccountRef(statement.account.acctid or "", "")
        as_of = as_of or (statement.dtasof.date() if statement.dtasof else None)
        for index, position in enumerate(statement.positions or (), start=1):
            secid = position.secid
            ticker = clean_ticker(tickers.get((secid.uniqueidtype, secid.uniqueid), "") or secid.uniqueid)
            units = float(position.units)
            if units < 0:
                raise BrokerFileError(path, f"position {index} ({ticker}) is short; short positions cannot be "
                                      "imported")
            price = None if position.unitprice is None else float(position.unitprice)
            positions.append(Position(account, ticker, units, None, price, index))
        balance = statement.balances
        if balance is not None and balance.availcash is not None:
            cash.append(CashBalance(account, float(balance.availcash), 0))
    return BrokerFile(path, NAME, tuple(positions), (), tuple(cash), positions_complete=True, as_of=as_of)
