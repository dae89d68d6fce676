"""The generated workbook, read back with openpyxl and as raw XML: every sheet, table,
column, validation, defined name and formula is where the registry says."""
from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlwings

from xlrebalance.errors import WorkbookError
from xlrebalance.sample import sample_tables
from xlrebalance.spec import layout, normalize_header
from xlrebalance.tables import parse_household
from xlrebalance.workbook import dashboard, guide
from xlrebalance.workbook.builder import build_workbook, formula_columns
from xlrebalance.workbook.xlwings_parts import check_workbook_path, suggest_module_name, xlwings_conf_rows

WB = layout().raw["workbook"]
DASH = WB["dashboard"]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("built")
    return {
        "sample": build_workbook(folder / "demo_portfolio.xlsm", sample=True),
        "empty": build_workbook(folder / "empty_portfolio.xlsm"),
    }


@pytest.fixture(scope="module")
def sample_book(built):
    return openpyxl.load_workbook(built["sample"].workbook)


@pytest.fixture(scope="module")
def empty_book(built):
    return openpyxl.load_workbook(built["empty"].workbook)


def sheet_xml(path: Path, title: str) -> str:
    """The XML of the worksheet called ``title``."""
    with zipfile.ZipFile(path) as archive:
        workbook = archive.read("xl/workbook.xml").decode()
        rels = archive.read("xl/_rels/workbook.xml.rels").decode()
        rid = re.search(rf'<sheet name="{re.escape(title)}" sheetId="\d+" r:id="(rId\d+)"', workbook).group(1)
        target = re.search(rf'Id="{rid}" Type="[^"]+" Target="([^"]+)"', rels).group(1)
        return archive.read("xl/" + target.lstrip("/").removeprefix("xl/")).decode()


def block_cell(block: dict) -> str:
    return f"{openpyxl.utils.get_column_letter(block['column'])}{block['row']}"


# ---------------------------------------------------------------------------------------
# Sheets and tables

@pytest.mark.parametrize("which", ["sample", "empty"])
def test_sheets_in_registry_order(built, which):
    book = openpyxl.load_workbook(built[which].workbook)
    assert book.sheetnames == WB["sheet_order"]


@pytest.mark.parametrize("spec", layout().tables, ids=lambda s: s.name)
def test_every_table_is_an_excel_table_with_registry_headers(sample_book, empty_book, spec):
    for book in (sample_book, empty_book):
        sheet = book[spec.sheet]
        assert spec.name in sheet.tables, f"{spec.name} is not an Excel Table on sheet {spec.sheet}"
        table = sheet.tables[spec.name]
        expected = [c.name for c in spec.columns] + [f.name for f in formula_columns(spec.name)]
        if spec.open_columns and book is sample_book:    # Returns: one column per asset class, carried
            expected += sample_tables()["Returns"][0][len(expected):]
        assert [c.name for c in table.tableColumns] == expected
        assert table.ref.startswith("A1:")
        assert [cell.value for cell in sheet[1][: len(expected)]] == expected


@pytest.mark.parametrize("spec", [t for t in layout().tables if t.name != "Settings"], ids=lambda s: s.name)
def test_sample_rows_are_written_in_registry_column_order(built, sample_book, spec):
    given = sample_tables()[spec.name]
    header = [normalize_header(h) for h in given[0]]
    sheet = sample_book[spec.sheet]
    assert built["sample"].rows[spec.name] == len(given) - 1
    for offset, row in enumerate(given[1:], start=2):
        for col, column in enumerate(spec.columns, start=1):
            if column.key not in header:
                continue
            expected = row[header.index(column.key)]
            written = sheet.cell(row=offset, column=col).value
            if hasattr(written, "date") and not isinstance(expected, type(written)):
                written = written.date()
            assert written == (None if expected == "" else expected), (spec.name, offset, column.name)


def test_empty_workbook_tables_have_one_blank_data_row(empty_book):
    for spec in layout().tables:
        if spec.name == "Settings":
            continue
        table = empty_book[spec.sheet].tables[spec.name]
        assert table.ref.endswith("2"), f"{spec.name}: {table.ref}"
        values = [c.value for c in empty_book[spec.sheet][2][: len(spec.columns)]]
        assert all(v is None for v in values)


def test_settings_rows_are_every_registry_key_with_default_and_description(empty_book):
    sheet = empty_book["Settings"]
    settings = layout().settings
    assert sheet.tables["Settings"].ref == f"A1:C{len(settings) + 1}"
    for row, setting in enumerate(settings, start=2):
        key, value, description = (sheet.cell(row=row, column=c).value for c in (1, 2, 3))
        assert key == setting.key
        assert description == setting.description
        assert value == (None if setting.default == "" else setting.default)


def test_sample_settings_override_the_defaults(sample_book):
    sheet = sample_book["Settings"]
    given = {normalize_header(k): v for k, v in sample_tables()["Settings"][1:]}
    for row in range(2, len(layout().settings) + 2):
        key = normalize_header(sheet.cell(row=row, column=1).value)
        if key in given:
            value = sheet.cell(row=row, column=2).value
            value = value.date() if hasattr(value, "date") and not hasattr(given[key], "hour") else value
            assert value == given[key]


# ---------------------------------------------------------------------------------------
# Validation

def _validations(sheet) -> dict[str, list[str]]:
    """cell range -> list choices"""
    out = {}
    for dv in sheet.data_validations.dataValidation:
        if dv.type == "list":
            choices = [c.strip('"') for c in dv.formula1.strip('"').split(",")]
            for rng in str(dv.sqref).split():
                out[rng] = choices
    return out


@pytest.mark.parametrize("spec", layout().tables, ids=lambda s: s.name)
def test_choice_and_bool_columns_have_list_validation(sample_book, spec):
    sheet = sample_book[spec.sheet]
    validations = _validations(sheet)
    last = sheet.tables[spec.name].ref.split(":")[1]
    last_row = int(re.sub(r"[A-Z]", "", last))
    for col, column in enumerate(spec.columns, start=1):
        letter = openpyxl.utils.get_column_letter(col)
        # a one-row range is written as a single cell (an empty table has one blank row)
        where = f"{letter}2" if last_row == 2 else f"{letter}2:{letter}{last_row}"
        if column.type == "choice":
            assert validations.get(where) == list(column.choices), column.name
        elif column.type == "bool":
            assert validations.get(where) == ["TRUE", "FALSE"], column.name


def test_settings_choice_keys_have_a_dropdown(empty_book):
    validations = _validations(empty_book["Settings"])
    for row, setting in enumerate(layout().settings, start=2):
        if setting.choices:
            assert validations.get(f"B{row}") == list(setting.choices), setting.key
        elif setting.type == "bool":
            assert validations.get(f"B{row}") == ["TRUE", "FALSE"], setting.key


# ---------------------------------------------------------------------------------------
# Formulas

def test_holdings_formula_columns_are_the_registry_formulas(built, sample_book):
    sheet = sample_book["Holdings"]
    columns = formula_columns("Holdings")
    assert [c.name for c in columns] == ["Asset class", "Price", "Value"]
    first = len(layout().table("Holdings").columns) + 1
    for row in range(2, built["sample"].rows["Holdings"] + 2):
        for offset, column in enumerate(columns):
            assert sheet.cell(row=row, column=first + offset).value == column.formula
    with zipfile.ZipFile(built["sample"].workbook) as archive:
        tables = [archive.read(n).decode() for n in archive.namelist() if n.startswith("xl/tables/")]
    holdings = next(t for t in tables if 'name="Holdings"' in t)
    assert holdings.count("<calculatedColumnFormula>") == len(columns)


@pytest.mark.parametrize("formula", [c.formula for c in formula_columns("Holdings")]
                         + [c["formula"] for c in DASH["allocation"]["columns"]]
                         + [c["formula"] for c in DASH["cells"] if c["kind"] == "native"])
def test_native_formulas_use_no_function_libreoffice_or_excel_2016_lacks(formula):
    used = set(re.findall(r"([A-Z][A-Z0-9.]*)\(", formula))
    allowed = {"IFERROR", "INDEX", "MATCH", "IF", "ISNUMBER", "SUMIFS", "COUNTIF", "SUM", "TODAY",
               "NOT", "AND", "ISLOGICAL", "LOWER", "MAX", "MIN"}
    assert used <= allowed, used - allowed


def test_cached_values_of_holdings_formulas_match_the_prices(built):
    values = openpyxl.load_workbook(built["sample"].workbook, data_only=True)["Holdings"]
    household = parse_household(sample_tables())
    prices, classes = household.price_map(), {s.ticker: s.asset_class for s in household.securities}
    for row, holding in enumerate(household.holdings, start=2):
        ticker, shares, asset_class, price, value = (values.cell(row=row, column=c).value for c in range(2, 7))
        assert ticker == holding.ticker
        assert asset_class == classes[holding.ticker]
        assert price == pytest.approx(prices[holding.ticker])
        assert value == pytest.approx(holding.shares * prices[holding.ticker])


def test_dashboard_functions_are_dynamic_array_calls_with_registry_args(built, sample_book):
    sheet = sample_book[DASH["sheet"]]
    xml = sheet_xml(built["sample"].workbook, DASH["sheet"])
    for block in DASH["blocks"]:
        function = layout().function(block["function"])
        cell = block_cell(block)
        expected = f"{function.name}({','.join(t + '[#All]' for t in function.args)})"
        formula = sheet[cell].value
        text = getattr(formula, "text", formula)
        assert text.lstrip("=") == expected
        assert re.search(rf'<c r="{cell}" cm="1"[^>]*><f t="array" ref="{cell}">{re.escape(expected)}</f>', xml), cell
    for offset, item in enumerate(DASH["cells"]):
        if item["kind"] == "udf":
            cell = f"B{DASH['first_cell_row'] + offset}"
            assert re.search(rf'<c r="{cell}" cm="1"[^>]*><f t="array" ref="{cell}">NEEDS_REBALANCE\(Holdings\[#All\]', xml)
    with zipfile.ZipFile(built["sample"].workbook) as archive:
        assert "xl/metadata.xml" in archive.namelist()
        assert "XLDAPR" in archive.read("xl/metadata.xml").decode()
        assert "/xl/metadata.xml" in archive.read("[Content_Types].xml").decode()


def test_needs_rebalance_reason_call_passes_true(sample_book):
    row = DASH["first_cell_row"] + [c["name"] for c in DASH["cells"]].index("RebalanceReason")
    formula = sample_book[DASH["sheet"]][f"B{row}"].value
    assert getattr(formula, "text", formula).endswith(",Settings[#All],TRUE)")


def test_defined_names_point_at_the_dashboard_cells(sample_book):
    names = sample_book.defined_names
    for offset, item in enumerate(DASH["cells"]):
        assert names[item["name"]].attr_text == f"{DASH['sheet']}!$B${DASH['first_cell_row'] + offset}"


def test_out_of_band_rows_of_drift_and_allocation_are_coloured(sample_book):
    sheet = sample_book[DASH["sheet"]]
    rules = {str(rng.sqref): [r.formula[0] for r in rules] for rng, rules in sheet.conditional_formatting._cf_rules.items()}
    drift = next(b for b in DASH["blocks"] if b["function"] == "DRIFT")
    status = openpyxl.utils.get_column_letter(drift["column"] + layout().function("DRIFT").columns.index("Status"))
    first = drift["row"] + 1
    last_col = openpyxl.utils.get_column_letter(drift["column"] + len(layout().function("DRIFT").columns) - 1)
    assert rules[f"A{first}:{last_col}{drift['row'] + drift['rows'] - 1}"] == [
        f'${status}{first}="OVER"', f'${status}{first}="UNDER"']
    assert len(rules) == 2


def test_allocation_block_and_chart(built, sample_book):
    """The check has a formula row for every possible Targets row (blank past the table's
    end), and every chart series is a sheet-level defined name ending at the table's last row."""
    sheet = sample_book[DASH["sheet"]]
    alloc = DASH["allocation"]
    header_row = alloc["row"]
    names = [c["name"] for c in alloc["columns"]]
    assert [sheet.cell(row=header_row, column=alloc["column"] + i).value for i in range(len(names))] == names
    n_rows = alloc["rows"]
    assert n_rows > built["sample"].rows["Targets"]
    assert sheet.cell(row=header_row + n_rows, column=alloc["column"]).value == (
        f'=IFERROR(INDEX(Targets[Asset class],{n_rows})&"","")')
    assert "COUNTIF(Targets[Asset class],\"?*\")>" in sheet.cell(row=header_row + n_rows + 1, column=alloc["column"]).value
    with zipfile.ZipFile(built["sample"].workbook) as archive:
        chart = archive.read("xl/charts/chart1.xml").decode()
    assert chart.count("<c:ser>") == 4
    assert "<c:barChart>" in chart and "<c:lineChart>" in chart
    series = set(re.findall(r"<c:f>([^<]+)</c:f>", chart))
    assert series == {f"{DASH['sheet']}!{name}" for name in alloc["names"].values()}
    defined = sample_book[DASH["sheet"]].defined_names
    first = header_row + 1
    for column, name in alloc["names"].items():
        letter = openpyxl.utils.get_column_letter(alloc["column"] + names.index(column))
        assert defined[name].attr_text == (f"OFFSET({DASH['sheet']}!${letter}${first},0,0,"
                                           f"MIN({n_rows},MAX(1,ROWS(Targets[Asset class]))),1)")


# ---------------------------------------------------------------------------------------
# xlwings parts

def test_vba_project_is_the_installed_xlwings_one(built):
    source = Path(xlwings.__file__).parent / "quickstart_standalone.xlsm"
    with zipfile.ZipFile(source) as a, zipfile.ZipFile(built["sample"].workbook) as b:
        assert b.read("xl/vbaProject.bin") == a.read("xl/vbaProject.bin")


def test_buttons_call_the_registry_macros(built):
    with zipfile.ZipFile(built["sample"].workbook) as archive:
        vml = next(archive.read(n).decode() for n in archive.namelist() if n.endswith(".vml"))
    assert re.findall(r"<x:FmlaMacro>\[0\]!(\w+)</x:FmlaMacro>", vml) == [b["macro"] for b in DASH["buttons"]]
    for button in DASH["buttons"]:
        assert button["caption"] in vml


def test_xlwings_conf_sheet_starts_at_a1_with_the_companion_module(built, sample_book):
    sheet = sample_book["xlwings.conf"]
    rows = []
    for row in sheet.iter_rows(min_row=1, max_col=2, values_only=True):
        if row[0] is None:
            break
        rows.append(row)
    assert rows[0] == ("UDF Modules", built["sample"].module)
    assert all(value not in (None, "") for _, value in rows)
    assert [k for k, _ in rows] == [k for k, _ in xlwings_conf_rows(built["sample"].module)]


@pytest.mark.parametrize("platform, present", [
    ("win32", "Interpreter_Win"), ("darwin", "Interpreter_Mac"), ("linux", None)])
def test_interpreter_hint_only_for_its_own_platform(platform, present):
    keys = [k for k, _ in xlwings_conf_rows("demo", platform=platform, python="/py")]
    interpreters = [k for k in keys if k.startswith("Interpreter")]
    assert interpreters == ([present] if present else [])


def test_companion_module_imports_the_functions_and_defines_main(built):
    result = built["sample"]
    assert result.companion == result.workbook.with_suffix(".py")
    source = result.companion.read_text()
    compile(source, str(result.companion), "exec")
    assert "from xlrebalance.excel.udfs import *" in source
    assert re.search(r"^def main\(\):", source, re.M)
    assert "refresh_workbook(xw.Book.caller())" in source
    assert "{" not in source.replace("{}", "")   # every placeholder filled


# ---------------------------------------------------------------------------------------
# Names and existing files

@pytest.mark.parametrize("name, problem, suggestion", [
    ("my portfolio.xlsm", "valid Python module name", "my_portfolio.xlsm"),
    ("2026-plan.xlsm", "valid Python module name", "portfolio_2026_plan.xlsm"),
    ("class.xlsm", "Python keyword", "my_class.xlsm"),
    ("json.xlsm", "would hide", "my_json.xlsm"),
    ("xlrebalance.xlsm", "would hide", "my_xlrebalance.xlsm"),
    ("portfolio.xlsx", "macro-enabled .xlsm", "portfolio.xlsm"),
])
def test_bad_names_are_refused_with_a_suggestion(tmp_path, name, problem, suggestion):
    with pytest.raises(WorkbookError) as error:
        build_workbook(tmp_path / name)
    assert problem in str(error.value)
    assert suggestion in str(error.value)
    assert list(tmp_path.iterdir()) == []


def test_suggested_names_are_accepted():
    for stem in ("My Portfolio", "2026", "import", "json", "ünïcode"):
        assert check_workbook_path(suggest_module_name(stem) + ".xlsm").module.isidentifier()


def test_no_suffix_means_xlsm(tmp_path):
    result = build_workbook(tmp_path / "plan")
    assert result.workbook == tmp_path / "plan.xlsm" and result.workbook.is_file()


@pytest.mark.parametrize("existing", ["plan.xlsm", "plan.py"])
def test_existing_files_are_kept_unless_force(tmp_path, existing):
    (tmp_path / existing).write_text("mine")
    with pytest.raises(WorkbookError, match="already exists.*--force"):
        build_workbook(tmp_path / "plan.xlsm")
    assert (tmp_path / existing).read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == [existing]
    build_workbook(tmp_path / "plan.xlsm", force=True)
    assert zipfile.is_zipfile(tmp_path / "plan.xlsm")
    assert "def main" in (tmp_path / "plan.py").read_text()


def test_own_tables_build_the_same_household_back(tmp_path):
    """What the builder writes, the reader and the parser read back unchanged."""
    from xlrebalance.workbook.reader import read_tables

    tables = sample_tables()
    result = build_workbook(tmp_path / "own.xlsm", tables=tables)
    book = read_tables(result.workbook)
    again = parse_household(book.tables, header_rows=book.header_rows)
    original = parse_household(tables)
    assert again.issues == original.issues == ()
    for part in ("settings", "accounts", "targets", "securities", "holdings", "lots", "transactions", "prices"):
        assert getattr(again, part) == getattr(original, part), part


def test_cli_new_writes_the_workbook_and_names_the_companion(tmp_path, capsys):
    from xlrebalance.cli import main

    assert main(["new", str(tmp_path / "family.xlsm"), "--sample"]) == 0
    out = capsys.readouterr().out
    assert str(tmp_path / "family.xlsm") in out and str(tmp_path / "family.py") in out
    assert main(["new", str(tmp_path / "family.xlsm")]) == 2
    assert "--force" in capsys.readouterr().err
    assert main(["new", str(tmp_path / "family.xlsm"), "--force"]) == 0
    assert main(["new", str(tmp_path / "my family.xlsm")]) == 2
    assert "use my_family.xlsm" in capsys.readouterr().err


def test_unwritable_target_is_a_workbook_error(tmp_path):
    (tmp_path / "plan.xlsm").mkdir()
    with pytest.raises(WorkbookError, match="cannot write"):
        build_workbook(tmp_path / "plan.xlsm", force=True)
    assert [p.name for p in tmp_path.iterdir()] == ["plan.xlsm"]   # no temporary file left


def test_new_does_not_load_pandas(tmp_path):
    """'xlrebalance new' stays quick (benchmarks/bench_new.py): building a workbook loads
    neither pandas nor xlwings."""
    import subprocess
    import sys

    code = ("import sys; from xlrebalance.cli import main; main(['new', sys.argv[1], '--sample']); "
            "print(sorted(m for m in ('pandas', 'xlwings') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code, str(tmp_path / "quick.xlsm")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_column_descriptions_are_header_comments(sample_book):
    for spec in layout().tables:
        sheet = sample_book[spec.sheet]
        for col, column in enumerate(spec.columns, start=1):
            comment = sheet.cell(row=1, column=col).comment
            assert comment is not None, (spec.name, column.name)
            assert comment.text == guide.header_comment(spec.name, column)
            assert comment.text.startswith(guide.column_meaning(spec.name, column)), (spec.name, column.name)
            assert guide.column_meaning(spec.name, column), f"{spec.name}.{column.name} has no description"
            if column.type == "choice":
                assert "One of: " + ", ".join(column.choices) in comment.text
        for offset, formula in enumerate(formula_columns(spec.name), start=len(spec.columns) + 1):
            assert sheet.cell(row=1, column=offset).comment.text.startswith(formula.description)
