"""The ``xlrebalance`` command line: the only module that prints.

Exit codes: 0 ran fine; 1 a rebalance is needed (only with --fail-on-rebalance);
2 invalid input (each problem printed with sheet, row, column and what to do).
"""
from __future__ import annotations

import argparse
import sys
from typing import Callable, Optional, Sequence

import pandas as pd

from .errors import InputError, XlrebalanceError
from .portfolio import Portfolio

EXIT_OK, EXIT_REBALANCE, EXIT_INVALID = 0, 1, 2

_PERCENT_WORDS = ("target", "weight", "drift", "band", "loss %")
_MONEY_WORDS = ("value", "amount", "price", "gain", "tax", "basis", "proceeds", "loss", "saving", "adjustment")


def format_frame(frame: pd.DataFrame) -> str:
    """A DataFrame as a plain-text table: fractions as percents, dollars with commas."""
    if frame.empty:
        return "(none)"
    shown = frame.copy()
    for column in shown.columns:
        name = str(column).lower()
        if not pd.api.types.is_numeric_dtype(shown[column]) or pd.api.types.is_bool_dtype(shown[column]):
            continue
        if any(w in name for w in _PERCENT_WORDS):
            shown[column] = shown[column].map(lambda x: "" if pd.isna(x) else f"{x:.1%}")
        elif any(w in name for w in _MONEY_WORDS):
            shown[column] = shown[column].map(lambda x: "" if pd.isna(x) else f"{x:,.2f}")
    return shown.to_string(index=False)


def print_issues(issues, stream=None) -> None:
    stream = stream or sys.stdout
    for issue in issues:
        print(f"  {issue}", file=stream)


def _section(title: str, body: str) -> None:
    print(f"\n== {title} ==")
    print(body)


def report_portfolio(portfolio: Portfolio, *, sections: Sequence[str] = ("drift",)) -> None:
    """Print the answers Excel would show for ``portfolio``."""
    decision = portfolio.decision()
    print(f"Rebalance needed: {'YES' if decision.needed else 'no'}")
    print(f"Why: {decision.reason}")
    print(f"Portfolio drift: {decision.report.portfolio_drift:.1%} of ${decision.report.total:,.0f}")
    titles = {"drift": "Drift", "trade_list": "Trade list", "harvest_candidates": "Harvest candidates",
              "realized_gains": "Realized gains this year"}
    for section in sections:
        try:
            body = format_frame(getattr(portfolio, section)())
        except NotImplementedError as missing:
            body = f"(not available: {missing})"
        _section(titles.get(section, section), body)
    warnings = [i for i in portfolio.issues if not i.is_error]
    if warnings:
        _section("Warnings", "\n".join(f"  {w}" for w in warnings))


def cmd_demo(args: argparse.Namespace) -> int:
    from .sample import sample_tables

    portfolio = Portfolio.from_tables(sample_tables())
    print("Sample household (joint taxable, IRA, Roth IRA, 401k), as of "
          f"{portfolio.household.settings.as_of:%Y-%m-%d}; prices are sample values, no network used.")
    report_portfolio(portfolio, sections=("drift", "trade_list", "harvest_candidates", "realized_gains"))
    return EXIT_OK


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {"demo": cmd_demo}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="xlrebalance", description="Tax-aware portfolio rebalancing for Excel.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("demo", help="the bundled sample household end to end, offline")
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except InputError as invalid:
        print("The inputs have problems:", file=sys.stderr)
        print_issues(invalid.issues, sys.stderr)
        return EXIT_INVALID
    except XlrebalanceError as error:
        print(f"xlrebalance: {error}", file=sys.stderr)
        return EXIT_INVALID
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
