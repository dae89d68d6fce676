"""One plain sentence per trade-list row, in the client's words.

Weights quoted are today's (the DRIFT table's); dollar amounts are rounded to whole
dollars in the text only.
"""
from __future__ import annotations

from typing import Mapping, Optional

from .drift import DriftRow
from .lots import format_shares
from .model import Account, LotMethod, Settings
from .triggers import pct
from .selling import Order


def money(amount: float) -> str:
    """1234.5 -> '$1,235'; -20 -> '-$20'."""
    return f"-${-amount:,.0f}" if amount < 0 else f"${amount:,.0f}"


def band_text(row: DriftRow) -> str:
    return f"{pct(row.band_low)[:-1]}\u2013{pct(row.band_high)}"


def standing(row: Optional[DriftRow], asset_class: str) -> str:
    """'Bonds: 45.1% of the household, above the 35–45% band' or '... against a 40% target'."""
    if row is None:
        return f"{asset_class}: no target"
    share = f"{row.asset_class}: {pct(row.weight)} of the household"
    if row.side > 0:
        return f"{share}, above the {band_text(row)} band"
    if row.side < 0:
        return f"{share}, below the {band_text(row)} band"
    return f"{share} against a {pct(row.target)} target"


def where(name: str) -> str:
    """'the IRA' for an all-capitals name such as IRA or HSA; else the name as typed."""
    return f"the {name}" if name.isalpha() and name.isupper() and len(name) > 1 else name


def _head(order: Order) -> str:
    verb = "Sell" if order.action == "SELL" else "Buy"
    return f"{verb} {format_shares(order.shares)} sh of {order.ticker} in {where(order.account)}"


def _tax_tail(order: Order, account: Optional[Account], settings: Settings, est_tax: float,
              washed: bool = False) -> str:
    if account is not None and account.type.tax_advantaged:
        return f"selling in {where(order.account)} ({account.type.value}) costs no tax"
    method = settings.lot_method.value if settings.lot_method is not LotMethod.SPECID else "your chosen"
    if washed and abs(est_tax) < 0.005:
        return f"sold from {method} lots in a taxable account, which saves no tax: its loss is washed"
    side = "saves" if est_tax < 0 else "costs about"
    return f"sold from {method} lots in a taxable account, which {side} {money(abs(est_tax))} in tax"


def sell_reason(order: Order, rows: Mapping[str, DriftRow], account: Optional[Account], settings: Settings,
                est_tax: float, context: str = "", average_basis_shares: float = 0.0, washed: str = "") -> str:
    """``washed``: what the wash-sale rule disallows of the sale's loss ('' = nothing)."""
    row = rows.get(order.asset_class)
    tail = _tax_tail(order, account, settings, est_tax, bool(washed))
    if order.purpose == "withdrawal":
        text = f"{_head(order)} to raise the {context} withdrawal: {standing(row, order.asset_class)}; {tail}"
    elif order.purpose == "fund":
        text = (f"{_head(order)} to pay for {context}: {standing(row, order.asset_class)}, "
                f"the most over-weight class inside its band; {tail}")
    else:
        text = f"{_head(order)}: {standing(row, order.asset_class)}; {tail}"
    if average_basis_shares > 0:
        text += (f" ({format_shares(average_basis_shares)} sh come from a lot whose basis is an average cost "
                 "from a positions file, so the tax is an estimate: import the lot details for exact tax)")
    text = _with_detail(text, order)
    return f"{text} Wash sale: {washed}." if washed else text


def buy_reason(order: Order, rows: Mapping[str, DriftRow], account: Optional[Account], preferred: bool,
               from_sales: bool) -> str:
    row = rows.get(order.asset_class)
    money_from = "with the sale proceeds" if from_sales else "with the cash available"
    text = f"{_head(order)} {money_from}: {standing(row, order.asset_class)}"
    if preferred and account is not None:
        text += f"; {order.asset_class} is best held in {account.type.value.lower()} accounts"
    if order.harvest and "BLOCKS HARVEST" in order.flags:
        text += (f". Blocks a harvest: {order.harvest}; no {order.asset_class} security of another wash "
                 f"group has a price")
    elif order.harvest:
        text += f". {order.harvest}; {order.ticker} keeps that harvest open"
    return _with_detail(text, order)


def _with_detail(text: str, order: Order) -> str:
    if order.detail:
        return f"{text}. Wash risk: {order.detail}."
    return text + "."


def hold_reason(order: Order, why: str) -> str:
    verb = "sell" if order.action == "SELL" else "buy"
    return f"Not traded: would {verb} {format_shares(order.shares)} sh of {order.ticker} in " \
           f"{where(order.account)} ({money(order.amount)}), but {why}."
