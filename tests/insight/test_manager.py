"""What the manager reads: the Overview page, a Summary with a meaning beside every figure, and
comparisons that never show buying less as a saving."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

import optimizer
from optimizer.contract.schema import SETTING_SPECS

Sheets = dict[str, pd.DataFrame]
HEADER = ["supplier", "country", "material", "unit_price", "capacity"]


def workbook(
    offers: list[list[Any]], demand: list[list[Any]], settings: dict[str, Any] | None = None
) -> Sheets:
    sheets = {
        "Offers": pd.DataFrame(offers, columns=HEADER),
        "Demand": pd.DataFrame(demand, columns=["material", "quantity", "max_country_share"]),
    }
    if settings:
        sheets["Settings"] = pd.DataFrame(list(settings.items()), columns=["setting", "value"])
    return sheets


def rows(result: optimizer.Result) -> dict[str, Any]:
    return result.summary


@pytest.fixture
def short_supply() -> Sheets:
    """100 units; China (10 a unit) capped at 50%, Japan (12) has 20: 30 stay unmet at a
    penalty of 15. Without the cap China would supply all 100 for 1,000."""
    return workbook(
        [["ChinaCo", "China", "Ga", 10, 100], ["JapanCo", "Japan", "Ga", 12, 20]],
        [["Ga", 100, 0.5]],
        {"shortfall_penalty": 15},
    )


def test_the_premium_values_unmet_demand_at_its_penalty(short_supply: Sheets) -> None:
    result = optimizer.solve(short_supply)
    summary = rows(result)
    assert summary["total_cost"] == pytest.approx(50 * 10 + 20 * 12)  # 740: less than baseline
    assert summary["baseline_cost"] == pytest.approx(1000)
    assert summary["total_shortfall"] == pytest.approx(30)
    assert summary["diversification_premium"] == pytest.approx(740 - 1000 + 15 * 30)  # 190


def test_a_cut_off_is_never_a_saving(short_supply: Sheets) -> None:
    short_supply["Scenarios"] = pd.DataFrame(
        [["China cut", "China", 0]], columns=["scenario", "country", "capacity_factor"]
    )
    result = optimizer.solve(short_supply)
    (cut,) = result.scenarios.itertuples()
    assert cut.total_cost == pytest.approx(20 * 12)  # cheaper purchases...
    assert cut.shortfall == pytest.approx(80)
    assert cut.objective == pytest.approx(240 + 15 * 80)  # ...but more unmet demand
    base_objective = rows(result)["objective"]
    assert base_objective == pytest.approx(740 + 15 * 30)
    assert cut.cost_change == pytest.approx(1440 - 1190)
    assert list(result.scenarios.columns) == [
        "scenario",
        "status",
        "total_cost",
        "shortfall",
        "objective",
        "cost_change",
        "base_plan_shortfall",
    ]
    assert rows(result)["scenario: China cut"].startswith("re-planned for +250 (+21.01%)")


def test_the_summary_says_what_every_figure_means_and_how_to_reproduce_it(
    tmp_path: Path, simple_sheets: dict[str, list[list[Any]]]
) -> None:
    from conftest import make_workbook

    path = make_workbook(tmp_path / "plan.xlsx", simple_sheets)
    result = optimizer.solve(path, time_limit=7, max_supplier_share=0.9)
    table = result.sheets["Summary"]
    assert list(table.columns) == ["item", "value", "meaning"]
    assert table["meaning"].map(lambda text: isinstance(text, str) and len(text) > 10).all()
    summary = rows(result)
    assert dt.datetime.fromisoformat(summary["run_at"]).tzinfo is not None
    assert summary["tool_version"] and summary["solver_version"].startswith("HiGHS ")
    settings = {item.removeprefix("setting: "): v for item, v in summary.items() if ":" in item}
    assert set(settings) >= {spec.name for spec in SETTING_SPECS}
    assert settings["time_limit"] == 7 and settings["max_supplier_share"] == 0.9
    assert settings["solver"] == "highs"


def test_change_versus_today_is_positive_when_the_plan_costs_more(
    simple_sheets: dict[str, list[list[Any]]],
) -> None:
    sheets = {name: pd.DataFrame(r[1:], columns=r[0]) for name, r in simple_sheets.items()}
    sheets["Offers"]["current_quantity"] = [100, 0, 0]  # today: all from China, 1,000
    result = optimizer.solve(sheets)
    assert rows(result)["current_cost"] == pytest.approx(1000)
    assert rows(result)["change_vs_current"] == pytest.approx(1160 - 1000)


def many_materials(count: int) -> Sheets:
    offers = []
    for m in range(count):
        offers.append([f"A{m}", "China", f"Part {m}", 10 + m % 7, None])
        offers.append([f"B{m}", "Japan", f"Part {m}", 12, None])
    demand = [[f"Part {m}", 100 + m, 0.6] for m in range(count)]
    sheets = workbook(offers, demand, {"currency": "USD"})
    sheets["Demand"]["unit"] = "kg"
    return sheets


def overview_cells(path: Path) -> list[list[str]]:
    sheet = openpyxl.load_workbook(path)["Overview"]
    return [
        [str(c) for c in row if c not in (None, "")] for row in sheet.iter_rows(values_only=True)
    ]


def test_the_overview_is_first_and_fits_one_printed_page_with_10000_materials(
    tmp_path: Path,
) -> None:
    result = optimizer.solve(many_materials(10_000))
    assert result.status == "optimal"
    output = result.to_excel(tmp_path / "many_allocation.xlsx")
    assert openpyxl.load_workbook(output, read_only=True).sheetnames[0] == "Overview"
    with zipfile.ZipFile(output) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert '<pageSetUpPr fitToPage="1"/>' in xml  # one page wide and, by default, one high
    assert "fitToHeight" not in xml and "fitToWidth" not in xml
    lines = [line for line in overview_cells(output) if line]
    assert len(lines) < 45
    assert any(line[0] == "Other 9,988 materials" for line in lines)
    text = " ".join(" ".join(line) for line in lines[:-1])  # all but the foot
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", text), "snake_case on the manager's page"
    assert not re.search(r"\b[0-9a-f]{64}\b", text), "a checksum above the foot"
    assert "USD" in text and " kg" in text
    assert lines[-1][0].startswith("Run on ") and result.summary["input_sha256"] is None


def test_the_overview_says_why_when_there_is_no_plan(tmp_path: Path) -> None:
    invalid = optimizer.solve({"Offers": pd.DataFrame({"supplier": ["A"]})})
    page = invalid.sheets["Overview"]
    assert page.iloc[1]["A"].startswith("The workbook could not be used: ")
    infeasible = optimizer.solve(
        workbook([["ChinaCo", "China", "Ga", 10, 100]], [["Ga", 100, 0.5]])
    )
    assert infeasible.status == "infeasible"
    verdict = infeasible.sheets["Overview"].iloc[1]["A"]
    assert verdict.startswith("No plan can meet every limit of the workbook")
    assert "Ga: demand 100" in verdict


def test_amounts_show_the_currency_and_quantities_the_unit(tmp_path: Path) -> None:
    result = optimizer.solve(many_materials(3))
    output = result.to_excel(tmp_path / "three_allocation.xlsx")
    book = openpyxl.load_workbook(output)
    allocation = book["Allocation"]
    formats = {
        allocation.cell(1, c).value: allocation.cell(2, c).number_format for c in range(1, 8)
    }
    assert formats["quantity"] == '#,##0.00 "kg"'
    assert formats["cost"] == formats["landed_unit_cost"] == '#,##0.00 "USD"'
    summary = {row[0].value: row[1] for row in book["Summary"].iter_rows(min_row=2)}
    assert summary["total_cost"].number_format == '#,##0.00 "USD"'
