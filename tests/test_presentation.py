"""The template guides, the output reads at a glance, and formatting never changes a value."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from optimizer.cli import main
from optimizer.pipeline import load_problem
from optimizer.schema import SHEETS
from optimizer.write import write_workbook

EXAMPLE = Path(__file__).resolve().parent.parent / "inputs" / "gallium.xlsx"


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
    assert len(problem.offers) == 12
    assert not [d for d in diagnostics if d.level == "warning" and d.sheet == "Instructions"]
    result = CliRunner().invoke(main, ["run", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output


def test_output_has_charts_formats_frozen_headers_and_filters(output: Path) -> None:
    with zipfile.ZipFile(output) as archive:
        charts = [n for n in archive.namelist() if n.startswith("xl/charts/chart")]
    assert len(charts) == 2  # country shares and the frontier
    book = openpyxl.load_workbook(output)
    assert book.sheetnames[0] == "Summary"
    allocation = book["Allocation"]
    assert allocation.freeze_panes == "A2"
    assert allocation.auto_filter.ref is not None
    assert allocation["D2"].number_format == "#,##0.00"  # quantity
    assert allocation["E2"].number_format == "0.0%"  # share
    summary = {row[0].value: row[1] for row in book["Summary"].iter_rows(min_row=2)}
    assert summary["total_cost"].number_format == "#,##0.00"
    assert summary["diversification_premium_percent"].number_format == "0.0%"


def test_summary_speaks_to_a_manager(output: Path) -> None:
    summary = pd.read_excel(output, sheet_name="Summary", engine="openpyxl")
    rows = dict(zip(summary["item"], summary["value"], strict=True))
    assert rows["top_exposure_1"] == "China: 50% of Germanium"
    assert rows["materials_capped"] == 1
    assert rows["scenario: China export ban"].startswith("no plan can meet the demand")
    assert rows["current_cost"] == pytest.approx(81_290_000)
    assert rows["savings_vs_current"] == pytest.approx(81_290_000 - 90_466_000)


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
