"""Lot methods: table-driven from a tiny notation (lots before / the sale / lots picked)."""
from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings as hsettings, strategies as st

from xlrebalance.core.lots import (
    LOT_ORDER, Sale, describe_lots, order_lots, select_lots, tax_per_dollar, turns_long_term_soon, use_up,
)
from xlrebalance.core.model import Lot, LotMethod

SALE_DAY = date(2026, 11, 20)


def lots(spec: str) -> list[Lot]:
    """'L1 2020-01-02 10@50, L2 ...' -> Lots: id, acquired, shares @ basis per share."""
    out = []
    for item in spec.split(","):
        lot_id, acquired, size = item.split()
        shares, per_share = size.split("@")
        out.append(Lot("Taxable", "VTI", lot_id, date.fromisoformat(acquired), float(shares),
                       float(shares) * float(per_share)))
    return out


def picked(uses) -> str:
    return " ".join(f"{u.lot_id}:{u.shares:g}" for u in uses)


# Price 100 on 2026-11-20.  Lots (basis per share):
#   A 2020-01-02 @ 60   LT gain  +40/sh
#   B 2026-06-01 @ 90   ST gain  +10/sh (LT from 2027-06-02: not soon)
#   C 2025-03-01 @ 120  LT loss  -20/sh
#   D 2026-02-01 @ 130  ST loss  -30/sh
#   E 2024-05-05 @ 100  zero gain
#   F 2026-03-05 @ 95   ST gain  +5/sh
LOTS = ("A 2020-01-02 10@60, B 2026-06-01 10@90, C 2025-03-01 10@120, "
        "D 2026-02-01 10@130, E 2024-05-05 10@100, F 2026-03-05 10@95")


@pytest.mark.parametrize("method, shares, expected", [
    (LotMethod.FIFO, 25, "A:10 E:10 C:5"),
    (LotMethod.LIFO, 25, "B:10 F:10 D:5"),
    (LotMethod.HIFO, 25, "D:10 C:10 E:5"),
    # MinTax: ST losses (D), LT losses (C), zero gain (E), LT gains (A), ST gains smallest (F then B)
    (LotMethod.MINTAX, 60, "D:10 C:10 E:10 A:10 F:10 B:10"),
    # TaxRate at 40.8% / 23.8%, tax per $ at price 100:
    #   D -30*.408/100 = -.1224; C -20*.238/100 = -.0476; E 0; F 5*.408/100 = .0204;
    #   B 10*.408/100 = .0408; A 40*.238/100 = .0952  -> ST gain F and B before LT gain A
    (LotMethod.TAXRATE, 60, "D:10 C:10 E:10 F:10 B:10 A:10"),
])
def test_lot_orders(method, shares, expected):
    sale = Sale(price=100.0, on=SALE_DAY)
    assert picked(select_lots(lots(LOTS), shares, method, sale)) == expected


def test_specid_uses_listed_lots_in_order_then_fifo():
    sale = Sale(price=100.0, on=SALE_DAY, spec_id_lots=("F", "B"))
    assert picked(select_lots(lots(LOTS), 25, LotMethod.SPECID, sale)) == "F:10 B:10 A:5"


def test_ties_break_by_acquired_then_lot_id():
    same = lots("Z 2024-01-01 5@50, Y 2024-01-01 5@50, X 2023-01-01 5@50")
    sale = Sale(price=100.0, on=SALE_DAY)
    for method in LotMethod:
        if method is not LotMethod.LIFO:
            assert [lot.lot_id for lot in order_lots(same, method, sale)] == ["X", "Y", "Z"], method


def test_gain_lot_about_to_turn_long_term_goes_last():
    # G bought 2025-12-01: long-term from 2026-12-02, 12 days after the sale -> deferred.
    pool = lots("G 2025-12-01 10@99, A 2020-01-02 10@60")
    sale = Sale(price=100.0, on=SALE_DAY, lt_soon_days=30)
    assert turns_long_term_soon(pool[0], sale)
    assert picked(select_lots(pool, 15, LotMethod.TAXRATE, sale)) == "A:10 G:5"
    # with the restriction off, G's 1$/sh ST gain is cheaper than A's 40$/sh LT gain
    sale_off = Sale(price=100.0, on=SALE_DAY, lt_soon_days=0)
    assert picked(select_lots(pool, 15, LotMethod.TAXRATE, sale_off)) == "G:10 A:5"


def test_loss_lot_about_to_turn_long_term_is_not_deferred():
    pool = lots("G 2025-12-01 10@150")
    assert not turns_long_term_soon(pool[0], Sale(price=100.0, on=SALE_DAY))


def test_holding_period_boundary():
    # Bought 2025-11-20: 2026-11-20 is the anniversary -> still short-term.
    pool = lots("H 2025-11-20 1@50, I 2025-11-19 1@50")
    uses = select_lots(pool, 2, LotMethod.FIFO, Sale(price=100.0, on=SALE_DAY, lt_soon_days=0))
    assert {u.lot_id: u.term for u in uses} == {"I": "LT", "H": "ST"}


def test_use_up_partial_lot_and_unknown_basis():
    sale = Sale(price=100.0, on=SALE_DAY)
    uses = use_up(lots("A 2020-01-02 10@60"), 14, sale, unknown_basis_shares=5)
    assert [(u.lot_id, u.shares, u.cost, u.proceeds) for u in uses] == [
        ("A", 10, 600, 1000), ("unknown basis", 4, 0, 400)]
    assert describe_lots(uses) == "A (10 sh), unknown basis (4 sh)"


def test_every_method_is_in_the_table():
    assert set(LOT_ORDER) == set(LotMethod)


lot_strategy = st.builds(
    lambda i, days, shares, basis: Lot("T", "X", f"L{i}", date(2020, 1, 1).fromordinal(SALE_DAY.toordinal() - days),
                                       shares, shares * basis),
    st.integers(0, 10**6), st.integers(1, 2000), st.floats(0.5, 500), st.floats(1, 300))


@hsettings(max_examples=60, deadline=None)
@given(st.lists(lot_strategy, min_size=1, max_size=12, unique_by=lambda lot: lot.lot_id),
       st.floats(0.0, 1.0), st.sampled_from(list(LotMethod)))
def test_no_lot_oversold_and_shares_conserved(pool, fraction, method):
    total = sum(lot.shares for lot in pool)
    wanted = total * fraction
    uses = select_lots(pool, wanted, method, Sale(price=100.0, on=SALE_DAY))
    by_id = {lot.lot_id: lot for lot in pool}
    assert sum(u.shares for u in uses) == pytest.approx(wanted, abs=1e-6)
    for use in uses:
        assert use.shares <= by_id[use.lot_id].shares + 1e-9


@hsettings(max_examples=60, deadline=None)
@given(st.lists(lot_strategy, min_size=1, max_size=12, unique_by=lambda lot: lot.lot_id), st.floats(0.0, 1.0))
def test_taxrate_never_worse_than_mintax(pool, fraction):
    sale = Sale(price=100.0, on=SALE_DAY, lt_soon_days=0)
    wanted = sum(lot.shares for lot in pool) * fraction

    def tax(method):
        return sum(tax_per_dollar(u.lot, sale) * u.proceeds for u in select_lots(pool, wanted, method, sale))

    assert tax(LotMethod.TAXRATE) <= tax(LotMethod.MINTAX) + 1e-6
