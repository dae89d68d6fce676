"""The Excel gates on every generated variant (empty, sample, regenerated with
``new --from``, large, and the xlwings Lite workbook of ``new --lite``): the OOXML schema and semantic validation of ``openxml-audit`` and the
checker of known Excel repair triggers (``workbook/repair.py``) find nothing.

Each check is proven to bite: a mutation test corrupts a generated workbook in one way and
the gate must fail, naming that rule.
"""
from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Callable

import pytest
from openxml_audit import OpenXmlValidator

from xlrebalance.workbook.repair import repair_triggers

from sheet_geometry import sheet_part
from workbook_variants import build_variants, regenerate


def gate(path: Path) -> list[str]:
    """Everything the gates find: schema/semantic errors, then repair triggers."""
    result = OpenXmlValidator().validate(str(path))
    found = [f"schema: {error}" for error in result.errors]
    return found + [str(repair) for repair in repair_triggers(path)]


@pytest.fixture(scope="module")
def variants(tmp_path_factory) -> dict[str, Path]:
    return build_variants(tmp_path_factory.mktemp("gates"))


def test_every_variant_is_built(variants):
    """The regenerated variant is there: `new --from` exists in this version."""
    assert regenerate() is not None
    assert set(variants) == {"empty", "sample", "large", "regenerated", "lite"}


@pytest.mark.parametrize("which", ["empty", "sample", "regenerated", "large", "lite"])
def test_the_gates_find_nothing(variants, which):
    assert gate(variants[which]) == []


# ---------------------------------------------------------------------------------------
# Mutations: each corrupts the sample workbook one way; the gate must fail on it.

def rewrite(source: Path, target: Path, edits: dict[str, Callable[[str], str]]) -> Path:
    """A copy of ``source`` with each part's text passed through its edit (which must change it)."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            data = old.read(info)
            if info.filename in edits:
                text = data.decode("utf-8")
                changed = edits[info.filename](text)
                assert changed != text, f"the mutation did not change {info.filename}"
                data = changed.encode("utf-8")
            new.writestr(info, data)
    return target


def table_part(path: Path, name: str) -> str:
    with zipfile.ZipFile(path) as archive:
        return next(n for n in archive.namelist()
                    if n.startswith("xl/tables/") and f'displayName="{name}"' in archive.read(n).decode())


def worksheet(path: Path, title: str) -> str:
    with zipfile.ZipFile(path) as archive:
        return sheet_part(archive, title)


def sub(pattern: str, replacement: str, count: int = 1) -> Callable[[str], str]:
    return lambda text: re.sub(pattern, replacement, text, count=count)


def mutations(sample: Path) -> dict[str, tuple[str, dict[str, Callable[[str], str]]]]:
    """name -> (the rule that must fire, {part: edit})."""
    holdings_table, lots_table = table_part(sample, "Holdings"), table_part(sample, "Lots")
    holdings, dashboard = worksheet(sample, "Holdings"), worksheet(sample, "Dashboard")
    settings = worksheet(sample, "Settings")
    long_list = '"' + ",".join(f"Choice{i:03d}" for i in range(30)) + '"'
    return {
        "schema_unknown_element": ("schema", {dashboard: sub("<sheetData>", "<sheetData><bogus/>")}),
        "table_name_invalid": ("table_name", {holdings_table: sub('displayName="Holdings"', 'displayName="Hold ings"')}),
        "table_name_a_cell": ("table_name", {holdings_table: sub('displayName="Holdings"', 'displayName="AB12"')}),
        "table_name_twice": ("table_name", {lots_table: sub('displayName="Lots"', 'displayName="Holdings"')}),
        "header_not_column_name": ("table_header", {holdings_table: sub('tableColumn id="3" name="Shares"',
                                                                         'tableColumn id="3" name="Share count"')}),
        "formula_in_header": ("header_formula", {holdings: sub(r'<c r="A1"( [^>]*)?>', r'<c r="A1"\1><f>"Acc"&amp;"ount"</f>')}),
        "defined_name_invalid": ("defined_name", {"xl/workbook.xml": sub('name="NeedsRebalance"', 'name="Needs Rebalance"')}),
        "defined_name_a_cell": ("defined_name", {"xl/workbook.xml": sub('name="HouseholdValue"', 'name="R1C1"')}),
        "defined_name_twice": ("defined_name", {"xl/workbook.xml": sub('name="AsOfDate"', 'name="BandRule"')}),
        "validation_list_too_long": ("validation_list", {settings: sub(r'<formula1>"[^<]*"</formula1>',
                                                                       f"<formula1>{long_list}</formula1>")}),
        "sheet_name_too_long": ("sheet_name", {"xl/workbook.xml": sub('<sheet name="Prices"',
                                                                      '<sheet name="Prices of every security we hold"')}),
        "sheet_name_bad_character": ("sheet_name", {"xl/workbook.xml": sub('<sheet name="Prices"', '<sheet name="Prices?"')}),
        "style_index_out_of_range": ("style_index", {dashboard: sub(r'(<c r="A1") s="\d+"', r'\1 s="999"')}),
        "conditional_format_dxf_out_of_range": ("style_index", {dashboard: sub(r'dxfId="\d+"', 'dxfId="99"')}),
        "cm_without_metadata_block": ("cell_metadata", {dashboard: sub(r' cm="1"', ' cm="7"')}),
        "cm_without_metadata_part": ("cell_metadata", {
            "xl/_rels/workbook.xml.rels": sub(r'<Relationship Id="rId\d+" Type="[^"]+/sheetMetadata" Target="metadata.xml"/>', ""),
            "[Content_Types].xml": sub(r'<Override PartName="/xl/metadata.xml"[^>]*/>', "")}),
    }


MUTATIONS = ["schema_unknown_element", "table_name_invalid", "table_name_a_cell", "table_name_twice",
             "header_not_column_name", "formula_in_header", "defined_name_invalid", "defined_name_a_cell",
             "defined_name_twice", "validation_list_too_long", "sheet_name_too_long", "sheet_name_bad_character",
             "style_index_out_of_range", "conditional_format_dxf_out_of_range", "cm_without_metadata_block",
             "cm_without_metadata_part"]


def test_every_mutation_is_listed(variants):
    assert sorted(mutations(variants["sample"])) == sorted(MUTATIONS)
    rules = {rule for rule, _ in mutations(variants["sample"]).values()}
    assert rules == {"schema", "table_name", "table_header", "header_formula", "defined_name", "validation_list",
                     "sheet_name", "style_index", "cell_metadata"}


@pytest.mark.parametrize("name", MUTATIONS)
def test_each_mutation_fails_the_gate(variants, tmp_path, name):
    rule, edits = mutations(variants["sample"])[name]
    broken = rewrite(variants["sample"], tmp_path / f"{name}.xlsm", edits)
    found = gate(broken)
    assert found, f"the gate let {name} through"
    assert any(line.startswith(f"{rule}:") for line in found), found
