"""The generated workbook's variants every Excel gate runs on: empty, sample, regenerated
(``new --from``, when the command exists), large, and the xlwings Lite one (``new --lite``)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Callable, Optional

from xlrebalance.sample import sample_tables
from xlrebalance.workbook.builder import build_workbook


def large_tables(holdings: int = 400, lots_per_holding: int = 3) -> dict[str, list[list]]:
    """The sample household's policy with ``holdings`` holdings of ``lots_per_holding`` lots each."""
    tables = {name: [list(r) for r in rows] for name, rows in sample_tables().items()}
    tables["Holdings"] = [["Account", "Ticker", "Shares"]]
    tables["Lots"] = [["Account", "Ticker", "Lot ID", "Acquired", "Shares", "Cost basis"]]
    tickers = [row[0] for row in tables["Prices"][1:]]
    accounts = [row[0] for row in tables["Accounts"][1:]]
    seen = set()
    for i in range(holdings):
        account, ticker = accounts[i % len(accounts)], tickers[(i // len(accounts)) % len(tickers)]
        if (account, ticker) in seen:
            account = f"{account} {i}"
            tables["Accounts"].append([account] + list(tables["Accounts"][1][1:]))
        seen.add((account, ticker))
        tables["Holdings"].append([account, ticker, 10.0 * lots_per_holding])
        for k in range(lots_per_holding):
            tables["Lots"].append([account, ticker, f"L{i}-{k}", dt.date(2020, 1, 1) + dt.timedelta(days=i + 37 * k),
                                   10.0, 500.0 + 40 * k + (i % 9) * 25])
    return tables


def regenerate() -> Optional[Callable[[Path, Path], Path]]:
    """``new NEW --from OLD`` as a function (old, new) -> new, when this version has it."""
    if "--from" not in _new_help():
        return None

    def run(old: Path, new: Path) -> Path:
        import contextlib
        import io

        from xlrebalance.cli import main

        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            code = main(["new", str(new), "--from", str(old)])
        assert code in (0, None), f"new --from exited {code}"
        return new

    return run


def _new_help() -> str:
    import contextlib
    import io

    from xlrebalance.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        try:
            main(["new", "--help"])
        except SystemExit:
            pass
    return out.getvalue()


def build_variants(folder: Path) -> dict[str, Path]:
    """name -> generated workbook: empty, sample, large, and regenerated when available."""
    out = {
        "empty": build_workbook(folder / "empty_book.xlsm").workbook,
        "sample": build_workbook(folder / "sample_book.xlsm", sample=True).workbook,
        "large": build_workbook(folder / "large_book.xlsm", tables=large_tables()).workbook,
    }
    run = regenerate()
    if run is not None:
        out["regenerated"] = run(out["sample"], folder / "regenerated_book.xlsm")
    try:
        from xlrebalance.lite.template import build_lite
    except ImportError:  # a version without `new --lite`
        return out
    build_lite(folder / "lite_book.xlsx", sample=True)
    out["lite"] = folder / "lite_book.xlsx"
    return out
