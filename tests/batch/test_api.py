"""The Python interface of the contract: `optimizer.solve`, `Result`, `optimizer.run_batch`."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from conftest import make_workbook

import optimizer
from optimizer.insight.report import SCENARIOS_COLUMNS

Sheets = dict[str, list[list[Any]]]


def frames(sheets: Sheets) -> dict[str, pd.DataFrame]:
    """The sheets as `pandas.read_excel(..., sheet_name=None)` gives them."""
    return {name: pd.DataFrame(rows[1:], columns=rows[0]) for name, rows in sheets.items()}


def test_solve_a_path_reads_and_writes_nothing_else(tmp_path: Path, simple_sheets: Sheets) -> None:
    path = make_workbook(tmp_path / "plan.xlsx", simple_sheets)
    result = optimizer.solve(path)
    assert result.status == "optimal" and isinstance(result.status, str)
    assert result.status is optimizer.Status.OPTIMAL
    assert result.total_cost == pytest.approx(1160)
    assert result.baseline_cost == pytest.approx(1000)
    assert result.summary["input_file"] == "plan.xlsx"
    assert list(result.allocation["supplier"]) == ["ChinaCo", "JapanCo", "KoreaCo"]
    assert list(result.allocation["quantity"]) == pytest.approx([50, 30, 20])
    assert list(result.diagnostics.columns) == ["level", "sheet", "cell", "message"]
    assert [p.name for p in tmp_path.iterdir()] == ["plan.xlsx"]


def test_solve_dataframes_gives_the_same_plan_with_cells_from_row_2(
    simple_sheets: Sheets,
) -> None:
    result = optimizer.solve(frames(simple_sheets))
    assert result.status == "optimal"
    assert result.total_cost == pytest.approx(1160)
    assert result.summary["input_file"] is None and result.summary["input_sha256"] is None
    bad = frames(simple_sheets)
    bad["Offers"] = bad["Offers"].astype(object)
    bad["Offers"].loc[1, "unit_price"] = "lots"
    invalid = optimizer.solve(bad)
    assert invalid.status == "invalid"
    (row,) = invalid.diagnostics.query("level == 'error'").itertuples()
    assert (row.sheet, row.cell) == ("Offers", "D3")
    assert "'lots', which is not a number" in row.message


def test_settings_given_to_solve_win_over_the_workbook(
    tmp_path: Path, simple_sheets: Sheets
) -> None:
    path = make_workbook(tmp_path / "plan.xlsx", simple_sheets)
    capped = optimizer.solve(path, max_country_share=0.4, solver="cbc")
    assert capped.status == "optimal"
    assert capped.summary["solver"] == "cbc"
    assert capped.total_cost == pytest.approx(40 * 10 + 30 * 12 + 30 * 15)
    wrong = optimizer.solve(path, max_country_share=40)
    assert wrong.status == "invalid"
    assert "max_country_share given for this run is 40, above 1" in wrong.message


def test_a_setting_given_as_none_is_switched_off(tmp_path: Path, simple_sheets: Sheets) -> None:
    sheets = {**simple_sheets, "Settings": [["setting", "value"], ["max_country_share", 0.4]]}
    path = make_workbook(tmp_path / "plan.xlsx", sheets)
    assert optimizer.solve(path).total_cost == pytest.approx(40 * 10 + 30 * 12 + 30 * 15)
    free = optimizer.solve(path, max_country_share=None)  # as if its cell were blank: 100%
    assert free.status == "optimal"
    assert free.summary["setting: max_country_share"] == 1
    assert free.total_cost < 40 * 10 + 30 * 12 + 30 * 15
    single = optimizer.solve(path, frontier_points=1)  # a frontier needs two points
    assert single.status == "invalid"
    assert "frontier needs 2 or more points" in single.message


def test_bad_input_is_an_invalid_result_and_a_missing_path_raises(tmp_path: Path) -> None:
    result = optimizer.solve({"Offers": pd.DataFrame({"supplier": ["A"]})})
    assert result.status == "invalid"
    assert len(result.diagnostics) >= 1
    assert list(result.sheets) == ["Overview", "Summary", "Diagnostics"]
    with pytest.raises(FileNotFoundError):
        optimizer.solve(tmp_path / "nowhere.xlsx")
    with pytest.raises(TypeError, match="'max_share' is not a setting"):
        optimizer.solve({"Offers": pd.DataFrame()}, max_share=0.5)


def test_sheets_the_workbook_does_not_produce_are_empty_with_their_columns(
    simple_sheets: Sheets,
) -> None:
    result = optimizer.solve(frames(simple_sheets))
    assert result.scenarios.empty and list(result.scenarios.columns) == SCENARIOS_COLUMNS


def test_to_excel_writes_the_output_workbook_atomically_readable_by_others(
    tmp_path: Path, simple_sheets: Sheets
) -> None:
    result = optimizer.solve(frames(simple_sheets))
    previous = os.umask(0o022)
    try:
        written = result.to_excel(tmp_path / "out" / "plan_allocation.xlsx")
    finally:
        os.umask(previous)
    assert stat.S_IMODE(written.stat().st_mode) == 0o644
    assert [p.name for p in written.parent.iterdir()] == ["plan_allocation.xlsx"]
    back = pd.read_excel(written, sheet_name=None, engine="openpyxl")
    assert list(back) == list(result.sheets)
    pd.testing.assert_frame_equal(back["Allocation"], result.allocation, check_dtype=False)


def test_run_batch_returns_one_result_per_workbook_in_order(
    tmp_path: Path, simple_sheets: Sheets
) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    make_workbook(inputs / "b.xlsx", simple_sheets)
    make_workbook(inputs / "a.xlsx", {"Offers": [["supplier"]]})
    results = optimizer.run_batch([inputs], out=tmp_path / "out", workers=2)
    assert [(r.input.name, r.status) for r in results] == [
        ("a.xlsx", "invalid"),
        ("b.xlsx", "optimal"),
    ]
    assert [r.output for r in results] == [
        tmp_path / "out" / "a_allocation.xlsx",
        tmp_path / "out" / "b_allocation.xlsx",
    ]
    assert results[1].allocation["quantity"].sum() == pytest.approx(100)
    assert optimizer.exit_status(results) == 2
    with pytest.raises(FileNotFoundError):
        optimizer.run_batch([tmp_path / "nowhere"], out=tmp_path / "out")


def test_the_public_interface_is_documented() -> None:
    assert set(optimizer.__all__) >= {"solve", "run_batch", "Result", "Status"}
    for name in optimizer.__all__:
        if name != "__version__":
            assert getattr(optimizer, name).__doc__, name
