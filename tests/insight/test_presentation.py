"""The template guides, the output reads at a glance, and formatting never changes a value."""

from __future__ import annotations

import math
import zipfile
from enum import StrEnum
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner
from pytest import approx
from python_calamine import CalamineWorkbook

from optimizer.batch.pipeline import load_problem
from optimizer.cli import main
from optimizer.contract.plan import ZERO, Plan
from optimizer.contract.problem import Problem
from optimizer.contract.schema import SHEETS
from optimizer.insight.metrics import average_risk, country_amounts, hhi
from optimizer.insight.report import (
    comparison_table,
    countries_table,
    country_shares_table,
    current_plan,
    materials_table,
)
from optimizer.writing import xlsx as write
from optimizer.writing.xlsx import write_workbook

EXAMPLE = Path(__file__).resolve().parents[2] / "inputs" / "gallium.xlsx"


@pytest.fixture(scope="module")
def output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("out")
    result = CliRunner().invoke(main, ["run", str(EXAMPLE), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out / "gallium_allocation.xlsx"


def test_template_has_every_sheet_comments_and_validation(tmp_path: Path) -> None:
    path = tmp_path / "template.xlsx"
    assert CliRunner().invoke(main, ["template", str(path)]).exit_code == 0
    book = openpyxl.load_workbook(path)
    assert book.sheetnames[0] == "Instructions"
    for spec in SHEETS:
        sheet = book[spec.name]
        headers = [cell.value for cell in sheet[1]]
        assert headers == [c.name for c in spec.columns] or spec.name == "Settings"
        assert sheet.freeze_panes == "A2"
        assert sheet["A1"].comment is not None, spec.name
    offers = book["Offers"]
    rules = {str(v.sqref).split(":")[0]: v for v in offers.data_validations.dataValidation}
    assert rules["C2"].type == "list" and "Demand" in rules["C2"].formula1  # material
    assert rules["D2"].type == "decimal" and rules["D2"].operator == "greaterThanOrEqual"
    assert rules["G2"].type == "decimal" and rules["G2"].formula2 == "1"  # tariff: a share
    embargo = {
        str(v.sqref).split(":")[0]: v for v in book["Countries"].data_validations.dataValidation
    }
    assert embargo["F2"].formula1 == '"yes,no"'


def test_template_filled_with_the_example_validates_and_solves(tmp_path: Path) -> None:
    path = tmp_path / "filled.xlsx"
    assert CliRunner().invoke(main, ["template", "--example", str(path)]).exit_code == 0
    problem, diagnostics = load_problem(path)
    assert len(problem.offers) == 13
    assert not [d for d in diagnostics if d.level == "warning" and d.sheet == "Instructions"]
    result = CliRunner().invoke(main, ["run", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output


def test_output_has_charts_formats_frozen_headers_and_filters(output: Path) -> None:
    with zipfile.ZipFile(output) as archive:
        charts = [n for n in archive.namelist() if n.startswith("xl/charts/chart")]
    assert len(charts) == 3  # country shares (on its sheet and on the Overview), the frontier
    book = openpyxl.load_workbook(output)
    assert book.sheetnames[:2] == ["Overview", "Summary"]
    allocation = book["Allocation"]
    assert allocation.freeze_panes == "A2"
    assert allocation.auto_filter.ref is not None
    assert allocation["D2"].number_format == '#,##0.00 "kg"'  # quantity, in the example's unit
    assert allocation["E2"].number_format == "0.0%"  # share
    summary = {row[0].value: row[1] for row in book["Summary"].iter_rows(min_row=2)}
    assert summary["total_cost"].number_format == '#,##0.00 "USD"'  # the example's currency
    assert summary["diversification_premium_percent"].number_format == "0.0%"


def test_summary_speaks_to_a_manager(output: Path) -> None:
    summary = pd.read_excel(output, sheet_name="Summary", engine="openpyxl")
    rows = dict(zip(summary["item"], summary["value"], strict=True))
    assert rows["top_exposure_1"] == "China: 50% of Gallium"
    assert rows["materials_capped"] == "Gallium, Germanium"
    assert rows["scenario: China export ban"].startswith("no plan can meet the demand")
    assert rows["current_cost"] == pytest.approx(81_290_000)
    assert rows["change_vs_current"] == pytest.approx(92_249_000 - 81_290_000)


def test_current_versus_recommended(output: Path) -> None:
    table = pd.read_excel(output, sheet_name="Current vs recommended", engine="openpyxl")
    russia = table[(table.material == "Gallium") & (table.country == "Russia")].iloc[0]
    assert russia.current_quantity == 10_000 and russia.quantity == 0  # embargoed now
    assert table.groupby("material")["current_quantity"].sum().to_dict() == {
        "Gallium": 150_000,
        "Germanium": 20_000,
    }
    materials = pd.read_excel(output, sheet_name="Materials", engine="openpyxl")
    assert (materials["current_hhi"] > materials["hhi"]).all()  # the plan diversifies


def test_formatting_never_changes_a_value(tmp_path: Path) -> None:
    tables = {
        "Summary": pd.DataFrame({"item": ["total_cost", "note"], "value": [1234.5678, "=1+1"]}),
        "Allocation": pd.DataFrame(
            {"quantity": [1 / 3, 2e9], "share": [0.123456789, 1.0], "cost": [0.005, -7.25]}
        ),
        "Countries": pd.DataFrame({"share": [0.5], "binding": [True]}),
    }
    path = tmp_path / "styled.xlsx"
    write_workbook(path, tables)
    back = pd.read_excel(path, sheet_name=None, engine="openpyxl")
    for name, table in tables.items():
        pd.testing.assert_frame_equal(back[name], table, check_dtype=False, obj=name)


class Kind(StrEnum):
    CAP = "cap"


HOSTILE_TEXT = [
    "=1+1",
    '=HYPERLINK("http://example.com","click")',
    "http://example.com",
    "  padded  ",
    "_x0041_",
    "a & b < c > d",
    "tab\there",
    "line\r\nbreak",
    "bell\x07ring",
    "lone \udcff surrogate",
    "x" * 40_000,
    "",
    "ünïcödé ✓",
    "123",
    Kind.CAP,
]


def hostile_table() -> pd.DataFrame:
    rows = len(HOSTILE_TEXT)
    mixed: list[object] = [None, np.nan, pd.NA, True, np.bool_(False), 7, np.int64(-3), 2.5]
    mixed += [math.inf, "=SUM(A1:A2)", -0.0, 1e300, np.float32(0.1), pd.Timestamp(2024, 1, 2)]
    mixed.append(Kind.CAP)
    return pd.DataFrame(
        {
            "text": HOSTILE_TEXT,
            "quantity": np.linspace(-1e9, 1e9, rows) / 3,
            "share": [0.125, np.nan, math.inf, -math.inf, *([1 / 3] * (rows - 4))],
            "binding": [number % 2 == 0 for number in range(rows)],
            "limits": np.arange(rows, dtype=np.int64) * 10**12,
            "value": mixed,
            "unit": pd.array(["a", None, *(["b"] * (rows - 2))], dtype="string"),
        }
    )


def cells(path: Path, sheet: str) -> dict[str, tuple[str, str]]:
    """Type and number format of every cell that is not blank, as openpyxl reads them."""
    book = openpyxl.load_workbook(path)
    return {
        cell.coordinate: (cell.data_type, cell.number_format)
        for row in book[sheet].iter_rows()
        for cell in row
        if cell.value is not None
    }


def values(path: Path, sheet: str) -> list[list[object]]:
    """The values as calamine reads them (it decodes text escapes as Excel does; openpyxl
    leaves those of inline strings as they are)."""
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python()


def test_sheets_rendered_in_bulk_read_back_as_written_cell_by_cell(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Most sheets are rendered as XML in bulk, the Summary cell by cell by xlsxwriter: both
    give the same cells, text stays text (never a formula or a link), blanks stay blank."""
    tables = {"Allocation": hostile_table(), "Countries": hostile_table()}
    bulk, by_cell = tmp_path / "bulk.xlsx", tmp_path / "cells.xlsx"
    write_workbook(bulk, tables)
    monkeypatch.setattr(write, "CELL_BY_CELL", {"Allocation", "Countries"})
    write_workbook(by_cell, tables)
    for sheet in tables:
        assert cells(bulk, sheet) == cells(by_cell, sheet)
        assert values(bulk, sheet) == values(by_cell, sheet)
    kinds = cells(bulk, "Allocation")
    assert {kind for kind, _ in kinds.values()} == {"s", "n", "b"}  # no formula
    assert kinds["A2"] == ("s", "General") and kinds["F11"] == ("s", "#,##0.00")  # =SUM(..)
    assert kinds["B2"] == ("n", "#,##0.00") and kinds["C2"] == ("n", "0.0%")
    assert kinds["D2"] == ("b", "General")
    assert {"C3", "C4", "F2", "F3", "F4", "F10", "G3"}.isdisjoint(kinds)  # NaN, inf, None, NA
    read = values(bulk, "Allocation")
    assert [row[0] for row in read[1:]] == [
        "=1+1",
        '=HYPERLINK("http://example.com","click")',
        "http://example.com",
        "  padded  ",
        "_x0041_",
        "a & b < c > d",
        "tab\there",
        "line\r\nbreak",
        "bellring",  # a control character Excel cannot store, dropped
        "lone ? surrogate",
        "x" * write.EXCEL_MAX_TEXT,
        "",
        "ünïcödé ✓",
        "123",
        "cap",
    ]
    with zipfile.ZipFile(bulk) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert '<dimension ref="A1:G16"/>' in sheet and '<autoFilter ref="A1:G16"/>' in sheet


def test_report_tables_agree_with_the_metrics(output: Path) -> None:
    """The tables, computed on arrays, give what the per-material metrics give for the plan
    that was written."""
    problem, _ = load_problem(EXAMPLE)
    allocation = pd.read_excel(output, sheet_name="Allocation", engine="openpyxl")
    number = {(o.material, o.supplier): o.index for o in problem.offers}
    quantities = dict.fromkeys(range(len(problem.offers)), 0.0)
    for row in allocation.itertuples():
        quantities[number[row.material, row.supplier]] = row.quantity
    plan = Plan(quantities, dict.fromkeys(problem.materials, 0.0), 0.0)
    current = current_plan(problem)
    assert current is not None
    materials = materials_table(problem, plan, current, current).set_index("material")
    for name in problem.materials:
        row = materials.loc[name]
        amounts = country_amounts(problem, plan, name, by_origin=True)  # where produced
        assert row["supplied"] == approx(sum(amounts.values()))
        assert row["cost"] == approx(_material_cost(problem, plan, name))
        assert row["avg_risk"] == approx(average_risk(problem, plan, name))
        assert row["hhi"] == approx(hhi(amounts))
        before = country_amounts(problem, current, name, by_origin=True)
        assert row["baseline_hhi"] == approx(hhi(before))
        weighted = _risk_weighted_hhi(problem, plan, name)
        assert row["risk_weighted_hhi"] == approx(weighted) or weighted is None
        assert row["current_cost"] == approx(_material_cost(problem, current, name))
    countries = countries_table(problem, plan)
    expected = [
        (name, country, approx(amount), approx(problem.country_cap(name, country)))
        for name in problem.materials
        for country, amount in country_amounts(problem, plan, name).items()
    ]
    columns = ["material", "country", "quantity", "cap"]
    assert list(countries[columns].itertuples(index=False, name=None)) == expected
    comparison = comparison_table(problem, plan, current)
    for name in problem.materials:
        now = country_amounts(problem, current, name)
        then = country_amounts(problem, plan, name)
        rows = comparison[comparison.material == name]
        assert list(rows.country) == [*now, *(c for c in then if c not in now)]
        assert list(rows.current_quantity) == [approx(now.get(c, 0.0)) for c in rows.country]
        assert list(rows.quantity) == [approx(then.get(c, 0.0)) for c in rows.country]
    shares = country_shares_table(problem, plan).set_index("material")
    for name, material in problem.materials.items():
        for country, amount in country_amounts(problem, plan, name, by_origin=True).items():
            column = country if country in shares.columns else "Other"
            assert shares.loc[name, column] >= amount / material.quantity - 1e-12
        assert shares.loc[name].sum() == approx(1.0)


# Per-material figures the old, offer-by-offer way: the report's numpy must agree.


def _risk_weighted_hhi(problem: Problem, plan: Plan, material: str) -> float | None:
    """Sum over countries of share squared times risk/100 (the EU supply-risk idea), when every
    supplying country has a risk score in the Countries sheet."""
    amounts = country_amounts(problem, plan, material, by_origin=True)
    risks = {c: problem.countries[c].risk if c in problem.countries else None for c in amounts}
    if any(r is None for r in risks.values()):
        return None
    return hhi(amounts, {c: (r or 0.0) / 100 for c, r in risks.items()})


def _material_cost(problem: Problem, plan: Plan, material: str) -> float:
    """Landed cost plus the fixed costs of the offers used, for one material."""
    return sum(
        plan.quantities[o.index] * o.landed_unit_cost
        + (o.fixed_cost or 0.0) * (plan.quantities[o.index] > ZERO)
        for o in problem.offers_by_material[material]
    )


def test_scenarios_without_a_plan_are_warnings_at_their_own_row(output: Path) -> None:
    # the workbook has a plan; China export ban (Scenarios row 2) and Wagerup slips a year (row
    # 4) have none: their capacity advice would stand at Demand, so they stand at their row
    table = pd.read_excel(output, sheet_name="Diagnostics", engine="openpyxl", na_filter=False)
    scenario_rows = table[table.message.str.startswith("Scenario '")]
    assert list(zip(scenario_rows.level, scenario_rows.sheet, scenario_rows.cell, strict=True)) == [
        ("warning", "Scenarios", "A2"),
        ("warning", "Scenarios", "A2"),
        ("warning", "Scenarios", "A4"),
    ]
    assert not (table.level == "error").any()
    # a capacity the scenario cuts (China's) is never advice
    ban = " ".join(scenario_rows.message[:2])
    assert "Yunnan Gallium Metals (" not in ban.split("To make a plan possible")[1]
