"""``xlrebalance check``: validate a workbook read-only and compute the answers Excel shows.

    result = check_workbook("portfolio.xlsm")          # a CheckResult, never raises on a bad file
    result.exit_code(fail_on_rebalance=True)            # 0 fine, 1 rebalance needed, 2 invalid
    result.to_dict()                                    # the --json document (docs/json-schema.md)
    results = check_many(paths, processes=2, progress=callback)

The file is only read: first its package and structure (``workbook.checker``, openpyxl in
read-only mode), then its data (``workbook.reader``, python-calamine), then the same
``Portfolio`` the library and the Excel functions use.  One bad workbook in ``check_many``
becomes one invalid result; the others still run.
"""
from __future__ import annotations

import math
from functools import partial
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Optional, Sequence

from .core.heap import collector_paused
from .core.model import Issue, Severity
from .extras import MissingDependency
from .errors import EXIT_INVALID, EXIT_OK, EXIT_REBALANCE, InputError, WorkbookError
from .files.output import is_temporary
from .portfolio import Portfolio
from .spec import layout, normalize_header
from .workbook import checker

if TYPE_CHECKING:  # check_many's worker pool loads multiprocessing: only a batch needs it
    from .batch.pool import Budget, Overrun

#: Version of the JSON document ``CheckResult.to_dict`` returns; bump on any breaking change.
SCHEMA_VERSION = 1
#: The answer tables besides DRIFT, in the order they are shown: (registry function, JSON key).
SECTIONS = (("TRADE_LIST", "trades"), ("HARVEST_CANDIDATES", "harvest_candidates"),
            ("REALIZED_GAINS", "realized_gains"))
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")

ProgressCallback = Callable[[int, int, "CheckResult"], None]

# Parser issues that repeat what the structure check already said about a table.
_REPEATS = {"missing_table", "missing_column", "empty_table", "empty_holdings", "empty_targets"}
_TABLE_LEVEL = {"missing_sheet", "missing_table", "missing_column"}


@dataclass(frozen=True)
class Section:
    """One answer table: the registry function's columns and its rows (plain Python values)."""

    function: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...] = ()
    available: bool = True
    note: str = ""
    totals: tuple[tuple[str, Any], ...] = ()    # (label, $) rows after the table, e.g. REALIZED_GAINS

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row)) for row in self.rows]

    def column(self, name: str) -> list[Any]:
        at = self.columns.index(name)
        return [row[at] for row in self.rows]


@dataclass(frozen=True)
class Answers:
    """What the Dashboard shows, computed headless."""

    as_of: date
    needs_rebalance: bool
    reason: str
    household_value: float          # $, incl. cash when Cash has a target
    portfolio_drift: float          # fraction: sum of |weight - target| / 2
    out_of_band: tuple[str, ...]    # asset classes outside their band
    drift: Section
    sections: tuple[tuple[str, Section], ...]    # (JSON key, section) as in SECTIONS

    def section(self, key: str) -> Section:
        return dict(self.sections)[key]

    @property
    def estimated_tax(self) -> Optional[float]:
        """$ of tax the trade list is estimated to cost (negative = a saving); None if unknown."""
        trades = self.section("trades")
        if not trades.available or "Est. tax" not in trades.columns:
            return None
        return round(sum(v for v in trades.column("Est. tax") if isinstance(v, (int, float))), 2)


@dataclass(frozen=True)
class CheckResult:
    path: str
    issues: tuple[Issue, ...]
    answers: Optional[Answers] = None
    sheets: dict[str, str] = field(default_factory=dict)    # table -> sheet it was read from
    facts: dict[str, Any] = field(default_factory=dict)     # model, last_review, next_ips_review, as_of

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.is_error]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if not i.is_error]

    @property
    def valid(self) -> bool:
        return not self.errors and self.answers is not None

    @property
    def needs_rebalance(self) -> bool:
        return bool(self.answers and self.answers.needs_rebalance)

    @property
    def out_of_band(self) -> bool:
        return bool(self.answers and self.answers.out_of_band)

    def exit_code(self, fail_on_rebalance: bool = False) -> int:
        if not self.valid:
            return EXIT_INVALID
        return EXIT_REBALANCE if fail_on_rebalance and self.needs_rebalance else EXIT_OK

    def status(self) -> str:
        """invalid, rebalance (a rebalance is due), out-of-band (breach, not due yet) or ok."""
        if not self.valid:
            return "invalid"
        if self.needs_rebalance:
            return "rebalance"
        return "out-of-band" if self.out_of_band else "ok"

    def to_dict(self, fail_on_rebalance: bool = False) -> dict[str, Any]:
        from .check_json import result_document

        return result_document(self, fail_on_rebalance=fail_on_rebalance)


# ---------------------------------------------------------------------------------------
# One workbook


def check_workbook(path: str | Path, *, live: bool = False, today: Optional[date] = None,
                   price_source: Any = None, models: Any = None) -> CheckResult:
    """Validate the workbook at ``path`` (read-only) and, when it is valid, compute the answers.

    ``live`` fetches current quotes (in memory; the file is not written) through
    ``price_source`` (default: Yahoo Finance, cached).  ``models``: a ``models.ModelBook``
    (``models.load_models``): a household naming a Model in Settings follows it.  Never
    raises on a bad file: every problem is an ``Issue`` in the result.
    """
    # The whole check builds one household's values and keeps them alive to the end: the
    # cyclic collector would only rescan them (about 0.3 s of a 100,000-lot check).  They are
    # freed by reference counting on return, before it runs again.
    with collector_paused():
        return _check_workbook(Path(path), live, today, price_source, models)


def _check_workbook(path: Path, live: bool, today: Optional[date], price_source: Any,
                    models: Any = None) -> CheckResult:
    package, issues = checker.open_package(path)
    if package is None:
        return CheckResult(str(path), tuple(issues))
    issues += checker.check_structure(package)
    issues += checker.xlwings_version_issues(path)
    try:
        from .workbook.reader import read_tables

        book = read_tables(path, package)
    except WorkbookError as error:
        return CheckResult(str(path), tuple(issues + [Issue(getattr(error, "code", "unreadable"), f"{error}.")]))
    # numbers too large to be real are found by the cell parser, typed as numbers or as text
    tables, header_rows, sheets = dict(book.tables), dict(book.header_rows), dict(book.sheets)
    if live:
        tables, live_issues = _with_live_prices(tables, price_source)
        issues += live_issues
    if models is not None:
        from .models.apply import model_name

        if model_name(tables, header_rows)[0] is not None:   # the model supplies Targets
            issues = [i for i in issues if not (normalize_header(i.table or "") == "targets"
                                                and i.code in _TABLE_LEVEL | _REPEATS)]
    portfolio = Portfolio.from_tables(tables, today=today, header_rows=header_rows, models=models)
    issues += _new_issues(issues, portfolio.issues)
    issues += _journal_issues(tables, header_rows)
    facts = _facts(portfolio, tables, header_rows)
    if any(i.is_error for i in issues):
        return CheckResult(str(path), tuple(issues), None, sheets, facts)
    answers, engine_issues = compute_answers(portfolio)
    return CheckResult(str(path), tuple(issues + engine_issues), answers, sheets, facts)


def _facts(portfolio: Portfolio, tables: dict, header_rows: dict) -> dict[str, Any]:
    """What a review of many households shows besides the answers: the model, the review dates."""
    from .models.apply import model_name

    settings = portfolio.household.settings
    return {"model": model_name(tables, header_rows)[0], "as_of": settings.as_of,
            "last_review": settings.last_review, "next_ips_review": settings.next_ips_review}


def _journal_issues(tables: dict, header_rows: dict) -> list[Issue]:
    """The Journal's cell and consistency problems (its missing columns the parser reports)."""
    from .journal.entries import consistency_issues, read_entries

    entries, found = read_entries(tables.get("Journal"), header_rows.get("Journal", 1))
    return [i for i in found if i.code not in _REPEATS] + consistency_issues(entries)


def _with_live_prices(tables: dict, source: Any) -> tuple[dict, list[Issue]]:
    try:
        from .prices.refresh import with_live_prices_table
    except ImportError:  # pragma: no cover - the prices layer ships with the package
        return tables, [Issue("live_unavailable", "Live prices are not available in this installation; the "
                              "workbook's own Prices were used.", "Prices", severity=Severity.WARNING)]
    try:
        return with_live_prices_table(tables, source), []
    except Exception as error:  # a price provider can fail in many ways; the check goes on
        return tables, [Issue("live_failed", f"Live prices could not be fetched ({error}); the workbook's own "
                              "Prices were used.", "Prices", severity=Severity.WARNING)]


def _new_issues(found: Sequence[Issue], parsed: Sequence[Issue]) -> list[Issue]:
    """The parser's issues minus those repeating a table-level structure issue."""
    covered = {normalize_header(i.table or "") for i in found if i.code in _TABLE_LEVEL}
    return [i for i in parsed if not (i.code in _REPEATS and normalize_header(i.table or "") in covered)]


def compute_answers(portfolio: Portfolio) -> tuple[Optional[Answers], list[Issue]]:
    """The Dashboard's answers for a valid portfolio; an engine failure becomes an Issue."""
    try:
        decision = portfolio.decision()
        drift = _section("DRIFT", portfolio)
    except InputError as invalid:
        return None, list(invalid.issues)
    except Exception as error:  # a bug in the engine must not become a traceback
        return None, [_engine_issue("the drift", error)]
    issues = []
    sections = []
    for function, key in SECTIONS:
        try:
            sections.append((key, _section(function, portfolio)))
        except NotImplementedError as missing:
            sections.append((key, Section(function, _columns(function), available=False,
                                          note=f"not available in this version ({missing})")))
        except Exception as error:
            issues.append(_engine_issue(function, error))
            sections.append((key, Section(function, _columns(function), available=False,
                                          note=f"failed: {type(error).__name__}: {error}")))
    report = decision.report
    answers = Answers(
        as_of=portfolio.household.settings.as_of, needs_rebalance=bool(decision.needed), reason=decision.reason,
        household_value=float(report.total), portfolio_drift=float(report.portfolio_drift),
        out_of_band=tuple(r.asset_class for r in report.breaches), drift=drift, sections=tuple(sections))
    return answers, issues


def _engine_issue(what: str, error: BaseException) -> Issue:
    return Issue("internal_error", f"xlrebalance failed while computing {what} ({type(error).__name__}: "
                 f"{error}); this is a bug: please report it with the workbook.")


def _columns(function: str) -> tuple[str, ...]:
    return tuple(layout().function(function).columns)


def _section(function: str, portfolio: Portfolio) -> Section:
    answer = portfolio.answer(function)
    rows = tuple(tuple(map(plain, row)) for row in _numbers_as_floats(answer.rows))
    totals = tuple((label, plain(amount)) for label, amount in answer.attrs.get("totals", {}).items())
    return Section(function, answer.columns, rows, totals=totals)


def _numbers_as_floats(rows: list) -> list:
    """The rows with every number of a column a float when any of its numbers is, or when
    it has blanks: how the library's DataFrame holds the same column (the document shows
    3.0 in a column of amounts, and the answer is the same whichever way it was read)."""
    if not rows:
        return rows
    columns = list(zip(*rows))
    for index, column in enumerate(columns):
        kinds = {value.__class__ for value in column}
        if int in kinds and kinds <= {int, float, type(None)} and len(kinds) > 1:
            columns[index] = tuple(None if value is None else float(value) for value in column)
    return list(zip(*columns))


#: Cell types returned as they are (exact types: a subclass takes the long way below).
_AS_IS = frozenset({str, int, bool, date})


def plain(value: Any) -> Any:
    """A DataFrame cell as a plain JSON-able Python value (NaN/NaT -> None, Timestamp -> date)."""
    if value is None:
        return None
    kind = value.__class__      # the common cells first: a harvest list has tens of thousands
    if kind is float:
        return None if math.isnan(value) or math.isinf(value) else value
    if kind in _AS_IS:
        return value
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):   # numpy scalars
        value = value.item()
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, datetime):
        return value.date() if (value.hour, value.minute, value.second) == (0, 0, 0) else value
    if hasattr(value, "to_pydatetime"):
        try:
            return plain(value.to_pydatetime())
        except (ValueError, TypeError):
            return None
    if isinstance(value, (bool, int, str, date)):
        return value
    if value != value:  # NaT, NA
        return None
    return str(value)


# ---------------------------------------------------------------------------------------
# Many workbooks


def workbook_paths(targets: Iterable[str | Path]) -> list[Path]:
    """Files as given, and the .xlsx/.xlsm files in each folder (sorted, not recursive).

    Excel's lock files (``~$name.xlsx``) and our temporary files (hidden, or ``.tmp``) are skipped.
    """
    out: list[Path] = []
    for target in targets:
        target = Path(target)
        if target.is_dir():
            out += sorted(p for p in target.iterdir()
                          if p.suffix.lower() in WORKBOOK_SUFFIXES and not is_temporary(p) and p.is_file())
        else:
            out.append(target)
    return out


def safe_check(path: str | Path, live: bool = False, today: Optional[date] = None,
               models: Any = None) -> CheckResult:
    """``check_workbook`` that turns any unexpected failure into an invalid result."""
    try:
        return check_workbook(path, live=live, today=today, models=models)
    except MissingDependency:   # not the workbook's fault: the command line names the extra
        raise
    except MemoryError:
        return CheckResult(str(path), (Issue("too_large", f"Checking {Path(path).name} ran out of memory; open it "
                                             "in Excel and check it is a normal portfolio workbook."),))
    except Exception as error:
        return CheckResult(str(path), (_engine_issue(f"{Path(path).name}", error),))


def check_many(paths: Sequence[str | Path], *, processes: int = 2, live: bool = False,
               today: Optional[date] = None, progress: Optional[ProgressCallback] = None,
               budget: Optional[Budget] = None, models: Any = None,
               cache: Any = None) -> list[CheckResult]:
    """Check every workbook in ``paths`` in ``processes`` worker processes; results in input order.

    ``models``: a ``models.ModelBook`` every workbook is checked with (see ``check_workbook``).
    ``cache``: a ``batch.cache.ResultCache``: a workbook whose content it has a result for is
    not checked again; each new result is kept as it arrives (an interrupted run resumes).

    ``progress(done, total, result)`` is called in this process as each workbook finishes.
    Each workbook has a time and memory ``budget`` (default ``Budget()``: 120 s, 2 GB): one
    past it is stopped and reported (``too_slow``, ``too_large``); a workbook that fails,
    or kills its worker, becomes an invalid result; the rest go on.
    """
    from .batch.pool import Budget, run_budgeted

    paths = [str(p) for p in paths]
    budget = budget or Budget()
    with_models = {"models": models} if models is not None else {}
    results: dict[int, CheckResult] = {}

    def done(index: int, result: CheckResult) -> None:
        results[index] = result
        if progress:
            progress(len(results), len(paths), result)

    todo = list(range(len(paths)))
    keys: dict[int, str] = {}
    if cache is not None:
        todo = []
        for index, path in enumerate(paths):
            try:
                keys[index] = cache.key(path)
            except OSError:
                todo.append(index)      # unreadable: the check says why
                continue
            kept = cache.get(keys[index], path)
            if kept is None:
                todo.append(index)
            else:
                done(index, kept)

    def fresh(at: int, result: CheckResult) -> None:
        index = todo[at]
        if index in keys:
            cache.put(keys[index], result)
        done(index, result)

    pending = [paths[i] for i in todo]
    if len(pending) == 1:
        fresh(0, safe_check(pending[0], live, today, **with_models))
    elif pending:
        run_budgeted(pending, partial(safe_check, live=live, today=today, **with_models),
                     processes=max(1, processes), budget=budget, on_result=fresh,
                     on_overrun=lambda at, overrun: done(todo[at], _overrun_result(pending[at], overrun, budget)))
    return [results[i] for i in range(len(paths))]


def _overrun_result(path: str, overrun: Overrun, budget: Budget) -> CheckResult:
    name = Path(path).name
    if overrun.kind == "too_slow":
        message = (f"Checking {name} took more than {budget.seconds:g} s and was stopped (the other workbooks "
                   f"went on); check it alone (`xlrebalance check {name}`) to see why, or allow more time "
                   "with --max-seconds.")
    elif overrun.died:
        message = (f"Checking {name} stopped its worker process (out of memory?) and the other workbooks went "
                   "on; open it in Excel and check it is a normal portfolio workbook.")
    else:
        message = (f"Checking {name} needed more than {budget.memory_mb:,.0f} MB of memory and was stopped (the "
                   "other workbooks went on); open it in Excel and check it is a normal portfolio workbook, or "
                   "allow more with --max-memory-mb.")
    return CheckResult(path, (Issue("worker_crashed" if overrun.died else overrun.kind, message),))
