"""The ``xlrebalance`` command line: the only module that prints.

Exit codes: 0 ran fine; 1 a rebalance is needed (only with --fail-on-rebalance);
2 invalid input, or a file that cannot be read or written (each problem printed with
sheet, row, column, or the file, and what to do); 141 the output pipe was closed (quietly).
"""
from __future__ import annotations

import argparse
import sys
from typing import Callable, Optional, Sequence

# pandas and the engine load inside the commands that compute, so `new` starts fast
from .errors import EXIT_CLOSED_PIPE, EXIT_INVALID, EXIT_OK, InputError, XlrebalanceError


def print_issues(issues, stream=None) -> None:
    stream = stream or sys.stdout
    for issue in issues:
        print(f"  {issue}", file=stream)


def cmd_demo(args: argparse.Namespace) -> int:
    """The sample household through the same answers and text view as ``check``."""
    from .check import CheckResult, compute_answers
    from .check_text import result_text
    from .portfolio import Portfolio
    from .sample import sample_tables

    portfolio = Portfolio.from_tables(sample_tables())
    answers, engine_issues = compute_answers(portfolio)
    result = CheckResult("sample household", tuple(portfolio.issues) + tuple(engine_issues), answers)
    print("Sample household (joint taxable, IRA, Roth IRA, 401k); prices are sample values, no network used.")
    print(result_text(result))
    backtest = portfolio.backtest_table()      # the sample's Returns table: synthetic, and said so
    print(f"\nBacktest of the policies (xlrebalance backtest): {backtest.attrs['summary']}")
    return result.exit_code()


def cmd_check(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .check import check_many, safe_check, workbook_paths
    from .check_json import dumps, many_document, many_exit_code
    from .check_text import many_text, progress_text, result_text

    models = _load_models(args)
    if models is not None and models.issues:
        print_issues(models.issues)
    if len(args.paths) == 1 and not Path(args.paths[0]).is_dir():
        result = safe_check(args.paths[0], live=args.live, models=models)
        print(dumps(result.to_dict(args.fail_on_rebalance)) if args.json else result_text(result))
        return result.exit_code(args.fail_on_rebalance)
    paths = workbook_paths(args.paths)
    if not paths:
        print(f"xlrebalance: no .xlsx or .xlsm workbooks in {', '.join(args.paths)}", file=sys.stderr)
        return EXIT_INVALID
    show = not args.no_progress and sys.stderr.isatty()

    def progress(done: int, total: int, result) -> None:
        print("\r" + progress_text(done, total, Path(result.path).name).ljust(80), end="", file=sys.stderr,
              flush=True)

    from .batch.pool import Budget

    results = check_many(paths, processes=args.processes, live=args.live, progress=progress if show else None,
                         budget=Budget(seconds=args.max_seconds, memory_mb=args.max_memory_mb), models=models,
                         cache=_result_cache(args, models))
    if show:
        print(file=sys.stderr)
    print(dumps(many_document(results, fail_on_rebalance=args.fail_on_rebalance)) if args.json
          else many_text(results))
    return many_exit_code(results, args.fail_on_rebalance)


def cmd_report(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .check import safe_check
    from .check_text import result_text
    from .report import write_report

    models = _load_models(args)
    if Path(args.path).is_dir():
        return _review(args, models)
    result = safe_check(args.path, live=args.live, models=models)
    if not result.valid:
        print(result_text(result), file=sys.stderr)
        print("No report written: fix the problems above first.", file=sys.stderr)
        return EXIT_INVALID
    if args.letter:
        from .letter import write_letter

        written = write_letter(result, args.output)
        print(f"Wrote {written}")
        return EXIT_OK
    written = write_report(result, args.output, since=args.since)
    print(f"Wrote {written}")
    return EXIT_OK


def _review(args: argparse.Namespace, models) -> int:
    """``report DIR [--models M.xlsx] -o review.html|.csv|.json``: every household on one page."""
    from pathlib import Path

    from .batch.pool import Budget
    from .check import check_many, workbook_paths
    from .review import write_review

    paths = workbook_paths([args.path])
    if not paths:
        print(f"xlrebalance: no .xlsx or .xlsm workbooks in {args.path}", file=sys.stderr)
        return EXIT_INVALID
    show = not getattr(args, "no_progress", False) and sys.stderr.isatty()

    def progress(done: int, total: int, result) -> None:
        from .check_text import progress_text

        print("\r" + progress_text(done, total, "households").ljust(80), end="", file=sys.stderr, flush=True)

    results = check_many(paths, processes=args.processes, live=args.live, models=models,
                         progress=progress if show else None, budget=Budget(), cache=_result_cache(args, models))
    if show:
        print(file=sys.stderr)
    written = write_review(results, args.output or "review.html")
    needing = sum(1 for r in results if r.status() != "ok")
    invalid = sum(1 for r in results if not r.valid)
    print(f"Wrote {written}: {len(results)} households, {needing} need action ({invalid} with invalid inputs)")
    return EXIT_OK


def cmd_new(args: argparse.Namespace) -> int:
    if getattr(args, "models", False):
        return _new_models(args)
    if getattr(args, "lite", False):
        if args.source is not None or args.live:
            print("xlrebalance: --lite writes a fresh workbook for xlwings Lite; --from and --live are for the "
                  "desktop workbook", file=sys.stderr)
            return EXIT_INVALID
        return _new_lite(args)
    if args.source is not None:
        return _new_from(args)
    if args.live:
        print("xlrebalance: --live refreshes the prices of a workbook read with --from OLD", file=sys.stderr)
        return EXIT_INVALID
    from .workbook.builder import build_workbook

    result = build_workbook(args.path, sample=args.sample, force=args.force)
    print(f"Wrote {result.workbook}" + (" (sample household)" if result.sample else ""))
    print(f"Companion module: {result.companion} (keep it next to the workbook; xlwings imports "
          f"'{result.module}' for the functions and the Refresh prices button)")
    return EXIT_OK


def _new_models(args: argparse.Namespace) -> int:
    """``new Models.xlsx --models [--sample]``: a models workbook (Models and Securities tables)."""
    from .models.workbook import build_models_workbook

    if args.source is not None or args.live or args.lite:
        print("xlrebalance: --models writes a fresh models workbook; --from, --live and --lite are for a "
              "household workbook", file=sys.stderr)
        return EXIT_INVALID
    written = build_models_workbook(args.path, sample=args.sample, force=args.force)
    print(f"Wrote {written}" + (" (three sample models)" if args.sample else "") + ": one row per model and "
          "asset class in Models; name a model in each household's Settings (Model), then "
          f"`xlrebalance check DIR --models {written.name}`")
    return EXIT_OK


def _load_models(args: argparse.Namespace):
    """The --models workbook as a ModelBook, or None; WorkbookError (exit 2) if unreadable."""
    if not getattr(args, "models", None):
        return None
    from .models.workbook import load_models

    return load_models(args.models)


def _result_cache(args: argparse.Namespace, models):
    """The --cache FOLDER of check results by workbook content, or None."""
    if not getattr(args, "cache", None):
        return None
    from .batch.cache import ResultCache, run_context

    return ResultCache(args.cache, run_context(models=models, live=args.live))


def _new_from(args: argparse.Namespace) -> int:
    """``new NEW --from OLD [--live]``: OLD's data in a fresh workbook; OLD is only read."""
    from .lifecycle import regenerate
    from .lifecycle.summary import report_text

    if args.sample:
        print("xlrebalance: --sample and --from exclude each other (the rows come from OLD)", file=sys.stderr)
        return EXIT_INVALID
    source = _price_source(args) if args.live else None
    show = args.live and sys.stderr.isatty()
    result = regenerate(args.source, args.path, force=args.force, live=args.live, source=source,
                        progress=_progress_bar if show else None)
    if show:
        print(file=sys.stderr)
    print(report_text(result.report))
    return EXIT_OK


def _price_source(args: argparse.Namespace):
    """Yahoo behind the cache, without it (--no-cache), or answering from recordings (--replay)."""
    from .prices.yahoo import YahooSource

    if getattr(args, "replay", None):
        from .prices.replay import ReplaySession

        return YahooSource(ReplaySession(args.replay))
    if getattr(args, "no_cache", False):
        return YahooSource()
    from .prices.cache import cached

    return cached(YahooSource())


def _new_lite(args: argparse.Namespace) -> int:
    from .lite.template import build_lite

    result = build_lite(args.path, sample=args.sample, force=args.force)
    print(f"Wrote {result.workbook}" + (" (sample household)" if result.sample else "") + " for xlwings Lite")
    print(f"Paste {result.main} into the main.py tab of the xlwings Lite editor and add the xlrebalance line "
          f"of {result.requirements} to its requirements.txt tab; set a Quote URL in Settings for Refresh prices "
          "(README: Excel on Mac and the web).")
    return EXIT_OK


def _progress_bar(done: int, total: int) -> None:
    from .check_text import progress_text

    print("\r" + progress_text(done, total, "tickers"), end="", file=sys.stderr, flush=True)


def cmd_prices(args: argparse.Namespace) -> int:
    from .prices.cache import cached
    from .files.output import refuse_output
    from .prices.refresh import excel_time, fetch_for_tables, write_csv
    from .workbook.reader import read_tables

    source = None
    if args.replay:
        from .prices.replay import ReplaySession
        from .prices.yahoo import YahooSource

        source = YahooSource(ReplaySession(args.replay))
    elif args.no_cache:
        from .prices.yahoo import YahooSource

        source = YahooSource()
    else:
        from .prices.yahoo import YahooSource

        source = cached(YahooSource())
    show = not args.no_progress and sys.stderr.isatty()
    if args.csv:   # refused before any work: never over the workbook, never a workbook name
        refuse_output(args.csv, [args.path], what="the CSV file")
    book = read_tables(args.path)
    rows, warnings = fetch_for_tables(book.tables, header_rows=book.header_rows, source=source,
                                      progress=_progress_bar if show else None)
    if show:
        print(file=sys.stderr)
    from .check_text import table_text

    print(table_text(["Ticker", "Price", "Currency", "As of", "Source", "Status"], [
        [p.ticker, "" if p.price is None else f"{p.price:,.4f}", p.currency,
         "" if p.as_of is None else f"{excel_time(p.as_of):%Y-%m-%d %H:%M}", p.source, p.status]
        for p in rows if p.ticker], max_width=200) if any(p.ticker for p in rows) else "(no tickers)")
    hidden = [w for w in warnings if w.column != "Status"]  # the Status column already says it
    if hidden:
        print("\n== Warnings ==\n" + "\n".join(f"  {w}" for w in hidden))
    if args.csv:
        print(f"Wrote {write_csv(rows, args.csv, inputs=[args.path])}")
    print("The workbook was not changed; press Refresh prices in Excel to update it.", file=sys.stderr)
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    """Broker files into a NEW workbook; without -o a preview that writes nothing."""
    from .lifecycle.import_files import import_files, write_import

    result = import_files(args.files, args.into, account=args.account)
    print(result.report.text())
    if not args.output:
        print("\nPreview only: nothing was written. Add -o NEW.xlsm to write the new workbook.")
        return EXIT_OK
    written = write_import(result, args.into, args.output, force=args.force)
    print(f"\nWrote {written.workbook} (companion module {written.companion.name}); "
          f"{args.into} was not changed.")
    return EXIT_OK


def cmd_backtest(args: argparse.Namespace) -> int:
    """Each rebalancing policy replayed on the workbook's allocation (or the sample's)."""
    import json

    from .backtest import backtest_household, document
    from .backtest.summary import comparison, text_table
    from .portfolio import Portfolio, load
    from .sample import sample_tables

    portfolio = Portfolio.from_tables(sample_tables()) if args.path == "sample" else load(args.path)
    if portfolio.errors:
        raise InputError(portfolio.issues)
    try:
        result, issues = backtest_household(
            portfolio.household, returns=args.monthly_returns, years=args.years, policies=args.policies,
            monthly_flow=args.monthly_flow, skip_missing=args.skip_missing, synthetic=args.synthetic)
    except ValueError as exc:        # an unknown policy name
        print(f"xlrebalance: {exc}", file=sys.stderr)
        return EXIT_INVALID
    if result is None:
        raise InputError(issues)
    if args.output:
        from .backtest.html import backtest_html
        from .report import write_page

        print(f"Wrote {write_page(args.output, backtest_html(result), source=args.path)}", file=sys.stderr)
    if args.json:
        print(json.dumps(document(result) | {"issues": [str(i) for i in issues]}, indent=2))
        return EXIT_OK
    print(f"Returns: {result.series.source}; {result.period}.")
    print_issues(issues)
    print(text_table(result))
    print()
    print(comparison(result))
    return EXIT_OK


def _write_text(path: str, text: str, inputs=()) -> None:
    """Whole or not at all (files.output), never over one of ``inputs``."""
    from .files.output import refuse_output, write_text_atomically

    write_text_atomically(refuse_output(path, inputs, what="the orders file"), text, newline="")


def _account_numbers(accounts) -> dict:
    """{account name: broker account number} from the Accounts table's Number column."""
    from .journal.grid import Grid

    grid = Grid(accounts)
    if grid.index("Number") is None:
        return {}
    return {str(grid.get(r, "Account")).strip(): str(grid.get(r, "Number")).strip() for r in grid.data_rows()
            if grid.get(r, "Account") not in (None, "") and grid.get(r, "Number") not in (None, "")}


def cmd_orders(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .check_text import table_text
    from .journal.books import plan_run, read_book, write_new_book
    from .journal.entries import append_run
    from .journal.formats import render

    if Path(args.output).suffix.lower() in (".xlsx", ".xlsm"):
        print(f"xlrebalance: {args.output}: the orders are a {args.format} file; give another name "
              "(the workbook with the Journal is --journal NEW.xlsm)", file=sys.stderr)
        return EXIT_INVALID
    if args.journal:
        from .lifecycle.regenerate import refuse_overwrite

        refuse_overwrite(args.path, args.journal, args.force)
    book = read_book(args.path)
    run = plan_run(book.tables, allow_stale=args.allow_stale)
    if run.errors:
        print("Pre-trade checks failed; no orders written:", file=sys.stderr)
        print_issues(run.issues, sys.stderr)
        return EXIT_INVALID
    if run.orders:
        print(table_text(["Order ID", "Side", "Shares", "Ticker", "Account", "Limit", "Lots", "Note"], [
            [o.order_id, o.side, f"{o.shares:g}", o.ticker, o.account, f"{o.limit_price:,.2f}", o.lots, o.note]
            for o in run.orders], max_width=200))
    else:
        print("The plan has no orders to send.")
    for note in run.notes:
        print(f"  {note}")
    if run.issues:
        print("\n== Warnings ==")
        print_issues(run.issues)
    numbers = _account_numbers(book.values().get("Accounts"))
    if args.format == "ibkr" and len({o.account for o in run.orders}) > 1 and \
            not all(numbers.get(o.account) for o in run.orders):
        print("  The basket has no Account column (fill in the Accounts table's Number to route each order); "
              "load it in the IB login of each account, or split it by account.")
    _write_text(args.output, render(run, args.format, numbers), inputs=[args.path])
    print(f"Wrote {args.output} ({len(run.orders)} orders, {args.format}; run {run.run_id})")
    if args.journal:
        table, added, _ = append_run(book.tables.get("Journal"), run.entries())
        tables = {**book.tables, "Journal": table}
        written = write_new_book(args.journal, tables, old=args.path, force=args.force,
                                 xlwings_conf=book.xlwings_conf)
        print(f"Wrote {written}: {added} Journal rows added as PROPOSED"
              + ("" if added == len(run.orders) else f" ({len(run.orders) - added} already there)"))
    return EXIT_OK


def cmd_record(args: argparse.Namespace) -> int:
    from .journal.books import read_book, write_new_book
    from .journal.broker_fills import read_fills_file
    from .journal.record import record_fills

    from .lifecycle.regenerate import refuse_overwrite

    refuse_overwrite(args.into, args.output, args.force)      # before any work: NEW is never BOOK
    book = read_book(args.into)
    fills, problems = read_fills_file(args.fills, book.values().get("Accounts"))
    if problems:
        print("The fills have errors; nothing was recorded:", file=sys.stderr)
        print_issues(problems, sys.stderr)
        return EXIT_INVALID
    result = record_fills(book.tables, fills, unplanned=args.unplanned)
    if not result.ok:
        print("Exceptions; nothing was recorded (all fills apply, or none):", file=sys.stderr)
        print_issues(result.exceptions, sys.stderr)
        return EXIT_INVALID
    for item in result.applied:
        slip = item.slippage
        shown = "" if slip is None else (" at the limit" if slip == 0 else
                                         f", ${abs(slip):,.4g}/sh {'worse' if slip > 0 else 'better'} than the "
                                         f"${item.limit_price:,.2f} limit")
        print(f"  {item.fill.date:%Y-%m-%d} {item.fill.side} {item.fill.shares:g} {item.fill.ticker} in "
              f"{item.fill.account} at ${item.fill.price:,.2f} -> {item.order_id} {item.status}{shown}")
    for fill in result.duplicates:
        print(f"  {fill.where}: already recorded ({fill.ref}); skipped")
    for note in result.notes:
        print(note)
    written = write_new_book(args.output, result.tables, old=args.into, force=args.force,
                             xlwings_conf=book.xlwings_conf)
    changed = ", ".join(result.changed) or "no table"
    print(f"Wrote {written}: {len(result.applied)} fills recorded, {len(result.duplicates)} already recorded; "
          f"changed {changed}. {args.into} was not changed.")
    return EXIT_OK


def cmd_journal(args: argparse.Namespace) -> int:
    import json

    from .journal.audit import journal_document, journal_text, runs
    from .journal.books import read_book
    from .journal.entries import consistency_issues, read_entries

    book = read_book(args.path)
    entries, problems = read_entries(book.values().get("Journal"), book.header_rows.get("Journal", 1))
    problems += consistency_issues(entries)
    selected = runs(entries, since=args.since)
    if args.json:
        document = journal_document(selected)
        document["issues"] = [str(i) for i in problems]
        print(json.dumps(document, indent=2, default=str))
    else:
        print(journal_text(selected), end="")
        if problems:
            print("== Journal problems ==")
            print_issues(problems)
    return EXIT_INVALID if any(i.is_error for i in problems) else EXIT_OK


def _iso_date(text: str):
    from datetime import date

    from .cells import parse_date

    value, problem = parse_date(text)
    if problem or value is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (2026-11-20 or 11/20/2026)")
    return value if isinstance(value, date) else value.date()


def add_journal_commands(sub) -> None:
    """The closed loop: orders, record, journal."""
    orders = sub.add_parser("orders", help="the plan's trades as limit orders (CSV, JSON or an IBKR basket)",
                            description="Runs the pre-trade checks, then writes the plan's BUY/SELL rows as "
                            "orders (sells first, whole shares, limit prices from the Limit collar setting). "
                            "The workbook is only read.")
    orders.add_argument("path", metavar="BOOK", help="the workbook (.xlsx/.xlsm), read-only")
    orders.add_argument("-o", "--output", required=True, metavar="FILE", help="the orders file to write")
    orders.add_argument("--format", choices=["csv", "json", "ibkr"], default="csv",
                        help="csv [default], json, or ibkr (Interactive Brokers BasketTrader basket)")
    orders.add_argument("--journal", metavar="NEW", default=None,
                        help="also write NEW, a copy of BOOK with the run appended to the Journal as PROPOSED")
    orders.add_argument("--allow-stale", action="store_true", help="write orders even on stale prices")
    orders.add_argument("--force", action="store_true", help="overwrite NEW if it exists")
    record = sub.add_parser("record", help="apply executed fills and write a NEW workbook",
                            description="Matches each fill to a Journal order and applies them all (or none) to "
                            "Holdings, Lots, Transactions, Accounts and the Journal, in a NEW workbook.")
    record.add_argument("fills", metavar="FILLS", help="the fills CSV (Date, Account, Ticker, Side, Shares, Price, "
                        "Fees, Order ID, Broker ref), an Interactive Brokers Flex XML with Trades, or an OFX/QFX "
                        "investment statement")
    record.add_argument("--into", required=True, metavar="BOOK", help="the workbook the fills belong to (read-only)")
    record.add_argument("-o", "--output", required=True, metavar="NEW", help="the NEW workbook to write")
    record.add_argument("--unplanned", action="store_true", help="also apply fills no Journal order matches")
    record.add_argument("--force", action="store_true", help="overwrite NEW if it exists")
    journal = sub.add_parser("journal", help="the audit trail: runs, approvals, overrides, fills vs proposal")
    journal.add_argument("path", metavar="BOOK", help="the workbook (.xlsx/.xlsm), read-only")
    journal.add_argument("--since", type=_iso_date, default=None, metavar="DATE",
                         help="only runs made or filled on or after DATE")
    journal.add_argument("--json", action="store_true", help="print a JSON document")




COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {"demo": cmd_demo, "check": cmd_check,
                                                            "report": cmd_report, "new": cmd_new,
                                                            "prices": cmd_prices, "import": cmd_import,
                                                            "backtest": cmd_backtest}
COMMANDS.update(orders=cmd_orders, record=cmd_record, journal=cmd_journal)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="xlrebalance", description="Tax-aware portfolio rebalancing for Excel.")
    sub = parser.add_subparsers(dest="command", required=True)
    new = sub.add_parser("new", help="build a new workbook (.xlsm) and its companion Python module")
    new.add_argument("path", metavar="PATH", help="the workbook to write, e.g. my_portfolio.xlsm "
                     "(its name must be a valid Python module name)")
    new.add_argument("--sample", action="store_true", help="fill it with the demo household")
    new.add_argument("--models", action="store_true",
                     help="a models workbook (.xlsx: Models and Securities tables) for check --models")
    new.add_argument("--force", action="store_true", help="overwrite an existing workbook and companion module")
    new.add_argument("--from", dest="source", metavar="OLD", default=None,
                     help="carry every data row of the workbook OLD (.xlsx/.xlsm, only read) into the new one: "
                     "upgrade to the current layout or repair a broken Dashboard")
    new.add_argument("--live", action="store_true", help="with --from: refresh the Prices table with current "
                     "quotes, as the Refresh prices button does")
    new.add_argument("--no-cache", action="store_true", help="with --live: always ask Yahoo, ignore cached quotes")
    new.add_argument("--replay", metavar="DIR", default=None,
                     help="with --live: answer from recorded Yahoo responses in DIR instead of the network")
    new.add_argument("--lite", action="store_true", help="for xlwings Lite (Excel on Mac and the web): an .xlsx "
                     "without macros, plus main.py and requirements.txt for the Lite editor")
    sub.add_parser("demo", help="the bundled sample household end to end, offline")
    check = sub.add_parser("check", help="validate workbooks read-only and show the answers Excel would show",
                           description="One workbook: its problems (sheet, row, column, what to do) or its "
                           "answers. A folder or several files: an overview across them, in parallel.")
    check.add_argument("paths", nargs="+", metavar="PATH", help="a workbook, several, or a folder of them")
    check.add_argument("--json", action="store_true", help="print the JSON document (docs/json-schema.md)")
    check.add_argument("--live", action="store_true", help="use current quotes (the file is not changed)")
    check.add_argument("--fail-on-rebalance", action="store_true", help="exit 1 when a rebalance is needed")
    check.add_argument("--processes", type=int, default=2, help="worker processes for many workbooks [2]")
    check.add_argument("--max-seconds", type=float, default=120.0, metavar="S",
                       help="many workbooks: stop one that takes longer and report it too_slow [120]")
    check.add_argument("--max-memory-mb", type=float, default=2048.0, metavar="MB",
                       help="many workbooks: stop one that needs more memory and report it too_large [2048]")
    check.add_argument("--no-progress", action="store_true", help="no progress bar for many workbooks")
    check.add_argument("--models", metavar="MODELS", default=None,
                       help="a models workbook: households naming a Model in Settings follow it")
    check.add_argument("--cache", metavar="FOLDER", default=None,
                       help="keep results here by workbook content: a rerun checks only the changed workbooks")
    report = sub.add_parser("report", help="write a self-contained HTML report of a workbook")
    report.add_argument("path", metavar="PATH", help="the workbook (.xlsx/.xlsm), read-only; or a folder of "
                        "them: one review page for every household")
    report.add_argument("-o", "--output", default=None, help="the HTML file to write [<workbook>-report.html; "
                        "for a folder review.html, or .csv/.json]")
    report.add_argument("--live", action="store_true", help="use current quotes (the workbook is not changed)")
    report.add_argument("--models", metavar="MODELS", default=None,
                        help="a models workbook: households naming a Model in Settings follow it")
    report.add_argument("--processes", type=int, default=2, help="worker processes for a folder [2]")
    report.add_argument("--no-progress", action="store_true", help="no progress bar for a folder")
    report.add_argument("--cache", metavar="FOLDER", default=None,
                        help="for a folder: keep results here by workbook content; a rerun checks only changed ones")
    report.add_argument("--letter", action="store_true",
                        help="a plain-language letter for the client instead [<workbook>-letter.html]")
    report.add_argument("--since", type=_iso_date, default=None, metavar="DATE",
                        help="the Journal's trades since DATE [the Settings' Last review]")
    prices = sub.add_parser("prices", help="fetch current quotes for a workbook's tickers (read-only)",
                            description="Prints the Prices table a refresh would write; the workbook is "
                            "never changed. Quotes are cached for 15 minutes ($XLREBALANCE_CACHE_DIR).")
    prices.add_argument("path", metavar="PATH", help="the workbook (.xlsx/.xlsm), read-only")
    prices.add_argument("--csv", metavar="OUT", default=None, help="also write the rows to this CSV file")
    prices.add_argument("--no-cache", action="store_true", help="always ask Yahoo, ignore cached quotes")
    prices.add_argument("--replay", metavar="DIR", default=None,
                        help="answer from recorded Yahoo responses in DIR instead of the network")
    prices.add_argument("--no-progress", action="store_true", help="no progress bar")
    imp = sub.add_parser("import", help="read broker exports into a NEW workbook (preview without -o)",
                         description="Formats are detected by their columns: Fidelity and Schwab positions, "
                         "Schwab Lot Details, Vanguard OfxDownload.csv, Interactive Brokers Flex XML, OFX/QFX, "
                         "and the generic lots CSV (README: Setting up from your broker). BOOK is only read.")
    imp.add_argument("files", nargs="+", metavar="FILE", help="broker export files")
    imp.add_argument("--into", required=True, metavar="BOOK", help="the workbook to start from (read-only)")
    imp.add_argument("-o", "--output", metavar="NEW", default=None, help="the new workbook to write")
    imp.add_argument("--account", metavar="NAME", default=None,
                     help="the Accounts name of a one-account file that does not name its account")
    imp.add_argument("--force", action="store_true", help="overwrite NEW if it exists")
    backtest = sub.add_parser("backtest", help="replay rebalancing policies on the workbook's allocation",
                              description="Each policy (calendar, threshold, hybrid, band edge, halfway, cash "
                              "flows only, never) runs the real trade-list engine month by month over "
                              "monthly total returns per asset class, with the workbook's accounts and taxes.")
    backtest.add_argument("path", metavar="PATH", help="the workbook (.xlsx/.xlsm), read-only; 'sample' for the "
                          "bundled sample household")
    backtest.add_argument("--monthly-returns", metavar="CSV", default=None,
                          help="Date, then one column per asset class: each month's total return as a "
                          "decimal (0.02 = 2%%). Default: each class's Buy ticker's monthly history")
    backtest.add_argument("--synthetic", action="store_true",
                          help="made-up returns with a fixed seed (offline; labelled synthetic, not history)")
    backtest.add_argument("--years", type=float, default=None, help="only the last N years of the returns")
    backtest.add_argument("--policies", nargs="+", default=None, metavar="NAME",
                          help="monthly quarterly annual threshold hybrid band-edge halfway cash-flows never "
                          "[all]")
    backtest.add_argument("--monthly-flow", type=float, default=0.0, metavar="DOLLARS",
                          help="a deposit (+) or withdrawal (-) every month, in the first taxable account")
    backtest.add_argument("--skip-missing", action="store_true",
                          help="backtest the classes that have returns, leaving out those without")
    backtest.add_argument("-o", "--output", default=None, help="also write a self-contained HTML page")
    backtest.add_argument("--json", action="store_true", help="print the answer as JSON")
    add_journal_commands(sub)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code = COMMANDS[args.command](args)
        sys.stdout.flush()     # a closed pipe shows here, not at exit
        return code
    except BrokenPipeError:
        return _closed_pipe()
    except InputError as invalid:
        print("The inputs have problems:", file=sys.stderr)
        print_issues(invalid.issues, sys.stderr)
        return EXIT_INVALID
    except XlrebalanceError as error:
        print(f"xlrebalance: {error}", file=sys.stderr)
        return EXIT_INVALID
    except OSError as error:   # a file the commands did not foresee: one line, not a traceback
        where = f"{error.filename}: " if error.filename else ""
        print(f"xlrebalance: {where}{error.strerror or error}; check the path and its permissions",
              file=sys.stderr)
        return EXIT_INVALID
    except KeyboardInterrupt:
        return 130


def _closed_pipe() -> int:
    """The reader of our output went away (``xlrebalance check BOOK | head -1``): stop
    quietly, as other Unix tools do, with 128 + SIGPIPE (never 1, "rebalance needed")."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())    # what is still buffered goes nowhere, silently
    except (OSError, ValueError):
        pass
    return EXIT_CLOSED_PIPE


if __name__ == "__main__":
    sys.exit(main())
