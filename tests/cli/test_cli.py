"""End-to-end tests of the command line against the public workbook contract.

Every test drives `optimizer` as a user would (click's CliRunner, and once a real
`python -m optimizer` subprocess) and judges only what the contract promises: exit codes,
one stderr line per workbook, output sheets and columns, untouched inputs, text never turned
into formulas, and plan invariants recomputed independently from the input data.
"""

from __future__ import annotations

import copy
import hashlib
import math
import random
import re
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pulp
import pytest
from click.testing import CliRunner, Result
from conftest import OFFERS_HEADER, make_workbook, write_ods, write_xls

from optimizer.cli import main

Sheets = dict[str, list[list[Any]]]

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "inputs" / "gallium.xlsx"

# --- the contract, written out independently of the package's own schema ----------------------

SUMMARY_ROWS = [
    "status",
    "total_cost",
    "objective",
    "input_file",
    "input_sha256",
    "solver",
    "solve_seconds",
]  # baseline_cost / diversification_premium: not implemented yet
OUTPUT_COLUMNS = {
    "Allocation": [
        "material",
        "supplier",
        "country",
        "quantity",
        "share",
        "landed_unit_cost",
        "cost",
        "reserved",
    ],
    "Materials": [
        "material",
        "demand",
        "supplied",
        "shortfall",
        "cost",
        "avg_risk",
        "hhi",
        "baseline_hhi",
        "unit",
        "stock_added",
        "worst_disruption",
        "worst_cover",
    ],
    "Countries": ["material", "country", "quantity", "share", "cap", "binding"],
    "Constraints": ["constraint", "material", "subject", "limit", "value", "slack", "shadow_price"],
    "Diagnostics": ["level", "sheet", "cell", "message"],
    "Resilience": ["material", "disruption", "available", "required", "cover", "binding"],
}
STATUSES = {"optimal", "infeasible", "time_limit", "invalid"}
INPUT_COLUMNS = {
    "Offers": [
        "supplier",
        "country",
        "material",
        "unit_price",
        "capacity",
        "freight",
        "tariff",
        "risk",
        "min_order",
        "fixed_cost",
        "current_quantity",
    ],
    "Demand": [
        "material",
        "quantity",
        "max_country_share",
        "max_supplier_share",
        "max_avg_risk",
        "max_suppliers",
    ],
    "Countries": ["country", "risk", "max_share", "tariff", "group", "embargo"],
    "Groups": ["group", "max_share", "min_share"],
    "Settings": ["setting", "value"],
    "Scenarios": ["scenario", "country", "supplier", "material", "capacity_factor", "price_factor"],
}
SETTING_NAMES = [
    "max_country_share",
    "max_supplier_share",
    "max_avg_risk",
    "risk_price",
    "max_country_spend_share",
    "shortfall_penalty",
    "solver",
    "time_limit",
    "frontier_points",
]

# --- golden result of the shipped example (computed once with highs, checked by hand) ---------
# Every country's loss must leave 75% of each material (survive = country, min_cover 0.75).
# Gallium: China's loss must leave 112,500 kg: 6,000 on hand, so 106,500 held outside China
# (bought or reserved) or added to stock; the offers outside China hold 105,000 (Russia is
# embargoed), so every kg of them is held and 1,500 kg of stock is added (340 $/kg: 510,000).
# China buys what FEOC's 50% allows, 75,000 (Yunnan at its 40% supplier cap, 60,000, the rest
# from Shandong). The risk cap of 45 then leaves 750,000 risk-kg for the other 75,000 kg (an
# average of 10): Wagerup (10) 40,000 and Ulsan (15) 8,000 at capacity, the rest from Kanto (5)
# and Stade (10), none from Pavlodar (45), reserved in full (15,000 at 20). Buying Stade's
# 12,000 instead of Kanto's costs 24 $/kg and its fixed 120,000, but leaves Kanto's cheaper
# reservation (30 against 90 $/kg): 312,000 less. So Kanto buys 15,000 and reserves 15,000.
# Kyushu refines Chinese gallium in Japan (origin China): it counts toward China (its cap,
# FEOC, risk 80, China's loss) and Japan; at 289 + 3 it is cheaper than Shandong (292 + 6), so
# it buys the 15,000 of China's share that Yunnan's cap leaves: 90,000 less (92,339,000 before).
# Germanium: China at its 50% cap (10,000), Canada at capacity (8,000), 2,000 from Belgium
# (cheaper than Japan); China's loss must leave 15,000, so 5,000 more held outside China:
# Belgium's spare 4,000 (70 $/kg) and 1,000 in Japan (80 $/kg) reserved, which makes no
# fourth supplier (max_suppliers 3).
# 21,930,000 + 18,850,000 + 7,455,000 + 3,552,000 + 6,372,000 + 750,000 + 510,000 (gallium)
# - 90,000 (Kyushu for Shandong) + 32,560,000 + 360,000 (germanium) = 92,249,000.
GOLDEN_TOTAL_COST = 92_249_000.0
GOLDEN_ALLOCATION = {  # bought, reserved
    ("Gallium", "Yunnan Gallium Metals"): (60_000.0, 0.0),
    ("Gallium", "Pavlodar Gallium (ERG)"): (0.0, 15_000.0),
    ("Gallium", "Wagerup Gallium JV"): (40_000.0, 0.0),
    ("Gallium", "Kanto Ga Recycling"): (15_000.0, 15_000.0),
    ("Gallium", "Kyushu Gallium Refining"): (15_000.0, 0.0),
    ("Gallium", "Ulsan Gallium"): (8_000.0, 0.0),
    ("Gallium", "Stade Gallium"): (12_000.0, 0.0),
    ("Germanium", "Trail Germanium Refinery"): (8_000.0, 0.0),
    ("Germanium", "Olen Germanium Recycling"): (2_000.0, 4_000.0),
    ("Germanium", "Yunnan Germanium"): (10_000.0, 0.0),
    ("Germanium", "Kanto Ge Recycling"): (0.0, 1_000.0),
}
GOLDEN_RESILIENCE = {  # reserve_cost, stock_cost, stock added to gallium
    "reserve_cost": 1_110_000.0,
    "stock_cost": 510_000.0,
    "stock_added": 1_500.0,
}

SIMPLE_COST = 1_160.0  # see conftest.simple_sheets
TOL = 1e-6


# --- helpers -----------------------------------------------------------------------------------


def invoke(args: list[str]) -> Result:
    """Run the CLI in-process; an exception other than the final SystemExit is a failure."""
    result = CliRunner().invoke(main, args)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert "Traceback" not in result.output
    return result


def run_cli(*args: str | Path) -> Result:
    return invoke(["run", *map(str, args)])


def stderr_lines(result: Result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.strip()]


def line_about(result: Result, name: str) -> str:
    """The one stderr line that names workbook `name`."""
    pattern = re.compile(rf"(?<![\w.~$-]){re.escape(name)}(?![\w.])")
    lines = [line for line in stderr_lines(result) if pattern.search(line)]
    assert len(lines) == 1, f"expected one line about {name}, got {lines!r}"
    return lines[0]


SECONDS = re.compile(r"\b\d+(?:\.\d+)?\s*s\b")


def read_output(path: Path) -> dict[str, pd.DataFrame]:
    return pd.read_excel(path, sheet_name=None, engine="openpyxl")


def summary(tables: dict[str, pd.DataFrame]) -> dict[str, Any]:
    table = tables["Summary"]
    assert list(table.columns) == ["item", "value", "meaning"]
    return dict(zip(table["item"], table["value"], strict=True))


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def snapshot(folder: Path) -> dict[str, tuple[str, int]]:
    """sha256 and mtime of every file under `folder`."""
    return {
        str(p.relative_to(folder)): (file_sha256(p), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def close(a: float, b: float, scale: float = 1.0) -> bool:
    return abs(a - b) <= TOL * max(1.0, abs(scale), abs(a), abs(b))


def normalize(name: object) -> str:
    return re.sub(r"[\s_\-]+", "_", str(name).strip().lower())


def with_demand(sheets: Sheets, quantity: float) -> Sheets:
    changed = copy.deepcopy(sheets)
    changed["Demand"][1][1] = quantity
    return changed


def invalid_sheets(sheets: Sheets) -> Sheets:
    """unit_price 'lots' in Offers!D2."""
    changed = copy.deepcopy(sheets)
    changed["Offers"][1][3] = "lots"
    return changed


def write_text_workbook(path: Path, sheets: Sheets) -> Path:
    """Like make_workbook, but every string is stored as text, also when it starts with '='."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
        for cells in sheet.iter_rows():
            for cell in cells:
                if isinstance(cell.value, str):
                    cell.data_type = "s"
    book.save(path)
    return path


# --- exit codes, batches, stderr ---------------------------------------------------------------


def test_exit_0_when_every_workbook_is_optimal(tmp_path: Path, simple_sheets: Sheets) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    make_workbook(inputs / "a.xlsx", simple_sheets)
    make_workbook(inputs / "b.xlsx", with_demand(simple_sheets, 50))  # China 25, rest Japan
    out = tmp_path / "out"
    result = run_cli(inputs, "--out", out)
    assert result.exit_code == 0, result.output
    assert summary(read_output(out / "a_allocation.xlsx"))["status"] == "optimal"
    b = summary(read_output(out / "b_allocation.xlsx"))
    assert b["status"] == "optimal"
    assert math.isclose(b["total_cost"], 25 * 10 + 25 * 12, rel_tol=TOL)


def test_exit_1_when_a_workbook_is_infeasible(tmp_path: Path, simple_sheets: Sheets) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    make_workbook(inputs / "ok.xlsx", simple_sheets)
    # 500 demanded; China may give 50% but has only 100, Japan 30, Korea 100: at most 230.
    make_workbook(inputs / "short.xlsx", with_demand(simple_sheets, 500))
    out = tmp_path / "out"
    result = run_cli(inputs, "--out", out)
    assert result.exit_code == 1, result.output
    assert summary(read_output(out / "ok_allocation.xlsx"))["status"] == "optimal"
    tables = read_output(out / "short_allocation.xlsx")
    info = summary(tables)
    assert info["status"] == "infeasible"
    assert pd.isna(info["total_cost"])
    assert "infeasible" in line_about(result, "short.xlsx")
    # the contract: per material, how much the caps allow against what is demanded
    errors = tables["Diagnostics"].query("level == 'error'")["message"].astype(str)
    assert any("Ga" in m and "500" in m and "230" in m for m in errors), list(errors)


def hard_sheets(seed: int = 7) -> Sheets:
    """400 offers with minimum orders and fixed costs, at most 60 used: an integer model that
    takes HiGHS about a second, far beyond a 1 ms time limit."""
    rng = random.Random(seed)
    offers: list[list[Any]] = [
        ["supplier", "country", "material", "unit_price", "capacity", "min_order", "fixed_cost"]
    ]
    for i in range(400):
        offers.append(
            [
                f"S{i}",
                f"C{i % 40}",
                "M",
                round(rng.uniform(10, 20), 3),
                rng.randint(50, 400),
                rng.randint(10, 50),
                rng.randint(100, 3_000),
            ]
        )
    demand = [
        ["material", "quantity", "max_country_share", "max_suppliers"],
        ["M", 10_000, 0.05, 60],
    ]
    return {"Offers": offers, "Demand": demand}


def test_exit_1_when_the_time_limit_stops_the_solver(tmp_path: Path) -> None:
    path = make_workbook(tmp_path / "hard.xlsx", hard_sheets())
    out = tmp_path / "out"
    result = run_cli(path, "--out", out, "--time-limit", "0.001")
    assert result.exit_code == 1, result.output
    assert summary(read_output(out / "hard_allocation.xlsx"))["status"] == "time_limit"
    assert "time_limit" in line_about(result, "hard.xlsx")


def test_exit_2_when_a_workbook_is_invalid(tmp_path: Path, simple_sheets: Sheets) -> None:
    bad = make_workbook(tmp_path / "bad.xlsx", invalid_sheets(simple_sheets))
    out = tmp_path / "out"
    result = run_cli(bad, "--out", out)
    assert result.exit_code == 2, result.output
    assert summary(read_output(out / "bad_allocation.xlsx"))["status"] == "invalid"
    assert "invalid" in line_about(result, "bad.xlsx")


def test_mixed_batch_exits_with_the_highest_code_and_writes_every_output(
    tmp_path: Path, simple_sheets: Sheets
) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    # sorted first so that a bad workbook is met before the good ones
    make_workbook(inputs / "a_invalid.xlsx", invalid_sheets(simple_sheets))
    (inputs / "b_corrupt.xlsx").write_bytes(b"this is not a zip archive")
    make_workbook(inputs / "c_infeasible.xlsx", with_demand(simple_sheets, 500))
    make_workbook(inputs / "d_valid.xlsx", simple_sheets)
    out = tmp_path / "out"
    result = run_cli(inputs, "--out", out)

    assert result.exit_code == 2, result.output
    expected = {
        "a_invalid": "invalid",
        "b_corrupt": "invalid",
        "c_infeasible": "infeasible",
        "d_valid": "optimal",
    }
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{s}_allocation.xlsx" for s in expected)
    for stem, status in expected.items():
        assert summary(read_output(out / f"{stem}_allocation.xlsx"))["status"] == status
        line = line_about(result, f"{stem}.xlsx")
        assert status in line
        assert SECONDS.search(line), line
    assert len(stderr_lines(result)) == len(expected)
    assert re.search(r"1,?160(\.0+)?\b", line_about(result, "d_valid.xlsx"))
    assert "Traceback" not in result.stderr


def test_stderr_line_of_a_solved_workbook_has_name_status_cost_and_seconds(
    tmp_path: Path, simple_sheets: Sheets
) -> None:
    path = make_workbook(tmp_path / "ok.xlsx", simple_sheets)
    result = run_cli(path, "--out", tmp_path / "out")
    assert result.exit_code == 0
    [line] = stderr_lines(result)
    assert "ok.xlsx" in line and "optimal" in line
    assert re.search(r"1,?160(\.0+)?\b", line), line
    assert SECONDS.search(line), line


def test_missing_path_is_reported_and_the_rest_still_runs(
    tmp_path: Path, simple_sheets: Sheets
) -> None:
    ok = make_workbook(tmp_path / "ok.xlsx", simple_sheets)
    out = tmp_path / "out"
    result = run_cli(tmp_path / "nope.xlsx", ok, "--out", out)
    assert result.exit_code == 2
    assert "nope.xlsx" in result.stderr
    assert summary(read_output(out / "ok_allocation.xlsx"))["status"] == "optimal"


def test_without_paths_reads_inputs_and_writes_outputs(
    tmp_path: Path, simple_sheets: Sheets, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = CliRunner()
    monkeypatch.chdir(tmp_path)
    cwd = tmp_path
    Path("inputs").mkdir()
    make_workbook(Path("inputs/plan.xlsx"), simple_sheets)
    result = runner.invoke(main, ["run"])
    assert result.exit_code == 0, result.output
    written = Path(cwd) / "outputs" / "plan_allocation.xlsx"
    assert summary(read_output(written))["status"] == "optimal"


def test_unavailable_solver_does_not_stop_the_batch(
    tmp_path: Path, simple_sheets: Sheets, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression: a workbook whose Settings ask for a solver that is not installed used to
    raise SolverUnavailable out of the batch (fixed upstream in d9ef332)."""
    monkeypatch.setattr(pulp.COIN_CMD, "available", lambda self: False)
    monkeypatch.setattr(pulp.PULP_CBC_CMD, "available", lambda self: False)
    inputs = tmp_path / "in"
    inputs.mkdir()
    wants_cbc = {**simple_sheets, "Settings": [["setting", "value"], ["solver", "cbc"]]}
    make_workbook(inputs / "a_cbc.xlsx", wants_cbc)
    make_workbook(inputs / "b_highs.xlsx", simple_sheets)
    out = tmp_path / "out"
    result = run_cli(inputs, "--out", out)  # re-raises anything but SystemExit
    assert result.exit_code in (1, 2)
    assert summary(read_output(out / "a_cbc_allocation.xlsx"))["status"] != "optimal"
    assert "cbc" in line_about(result, "a_cbc.xlsx")
    assert summary(read_output(out / "b_highs_allocation.xlsx"))["status"] == "optimal"
    assert len(stderr_lines(result)) == 2


# --- which files are read, and how outputs are named ------------------------------------------


def test_lock_hidden_and_non_workbook_files_are_skipped_silently(
    tmp_path: Path, simple_sheets: Sheets
) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    make_workbook(inputs / "x.xlsx", simple_sheets)
    (inputs / "~$x.xlsx").write_bytes(b"\x00lock owner")  # would be invalid if read
    (inputs / ".~lock.x.xlsx#").write_text(",someone,host,01.01.2025 10:00,\n")
    make_workbook(inputs / ".x.xlsx", simple_sheets)  # a hidden but valid workbook
    (inputs / "notes.txt").write_text("call the supplier\n")
    (inputs / "data.csv").write_text("supplier,country\nA,China\n")
    (inputs / "sub").mkdir()  # only workbooks directly in the folder count
    make_workbook(inputs / "sub" / "nested.xlsx", simple_sheets)
    out = tmp_path / "out"
    result = run_cli(inputs, "--out", out)
    assert result.exit_code == 0, result.output
    assert [p.name for p in out.iterdir()] == ["x_allocation.xlsx"]
    assert len(stderr_lines(result)) == 1
    assert "x.xlsx" in stderr_lines(result)[0]


def test_every_workbook_format_gives_stem_allocation_xlsx(
    tmp_path: Path, simple_sheets: Sheets
) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    make_workbook(inputs / "plain.xlsx", simple_sheets)
    make_workbook(inputs / "macro.xlsm", simple_sheets)
    make_workbook(inputs / "upper.XLSX", simple_sheets)
    write_xls(inputs / "old.xls", simple_sheets)
    write_ods(inputs / "libre.ods", simple_sheets)
    out = tmp_path / "new" / "nested" / "out"  # created on demand
    result = run_cli(inputs, "--out", out)
    assert result.exit_code == 0, result.output
    stems = ["libre", "macro", "old", "plain", "upper"]
    # exactly these files: no temp file is left behind by the atomic write
    assert sorted(p.name for p in out.iterdir()) == [f"{s}_allocation.xlsx" for s in stems]
    for stem in stems:
        info = summary(read_output(out / f"{stem}_allocation.xlsx"))
        assert info["status"] == "optimal", stem
        assert math.isclose(info["total_cost"], SIMPLE_COST, rel_tol=TOL), stem


def test_workbooks_with_the_same_stem_do_not_silently_share_one_output(
    tmp_path: Path, simple_sheets: Sheets
) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    make_workbook(inputs / "plan.xlsx", simple_sheets)
    write_ods(inputs / "plan.ods", with_demand(simple_sheets, 50))
    out = tmp_path / "out"
    result = run_cli(inputs, "--out", out)
    outputs = list(out.glob("*_allocation.xlsx"))
    # every input keeps its own output, or the clash is reported as an input problem
    assert len(outputs) == 2 or result.exit_code == 2, (result.exit_code, outputs)


# --- inputs are never touched -----------------------------------------------------------------


def test_inputs_are_unchanged_and_their_sha256_is_in_the_summary(
    tmp_path: Path, simple_sheets: Sheets
) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    make_workbook(inputs / "ok.xlsx", simple_sheets)
    make_workbook(inputs / "short.xlsx", with_demand(simple_sheets, 500))
    make_workbook(inputs / "bad.xlsx", invalid_sheets(simple_sheets))
    write_ods(inputs / "libre.ods", simple_sheets)
    (inputs / "gallium.xlsx").write_bytes(EXAMPLE.read_bytes())
    before = snapshot(inputs)
    out = tmp_path / "out"
    result = run_cli(inputs, "--out", out)
    assert result.exit_code == 2
    assert snapshot(inputs) == before  # same files, same bytes, same mtimes
    for name, (digest, _) in before.items():
        info = summary(read_output(out / f"{Path(name).stem}_allocation.xlsx"))
        assert info["input_file"] == name
        assert info["input_sha256"] == digest


# --- output sheets and columns -----------------------------------------------------------------


def test_optimal_output_has_every_contract_sheet_column_and_summary_row(
    tmp_path: Path, simple_sheets: Sheets
) -> None:
    path = make_workbook(tmp_path / "ok.xlsx", simple_sheets)
    result = run_cli(path, "--out", tmp_path / "out")
    assert result.exit_code == 0
    tables = read_output(tmp_path / "out" / "ok_allocation.xlsx")
    assert {"Summary", *OUTPUT_COLUMNS} <= set(tables)
    for sheet, columns in OUTPUT_COLUMNS.items():
        missing = [c for c in columns if c not in tables[sheet].columns]
        assert not missing, f"{sheet} lacks {missing}"
    info = summary(tables)
    assert [row for row in SUMMARY_ROWS if row not in info] == []
    assert info["status"] == "optimal"
    assert info["solver"] == "highs"
    assert info["input_file"] == "ok.xlsx"
    assert math.isclose(info["total_cost"], SIMPLE_COST, rel_tol=TOL)
    assert math.isclose(info["objective"], SIMPLE_COST, rel_tol=TOL)
    assert float(info["solve_seconds"]) >= 0
    allocation = {(r.supplier, r.country): r.quantity for r in tables["Allocation"].itertuples()}
    assert allocation == pytest.approx(
        {("ChinaCo", "China"): 50, ("JapanCo", "Japan"): 30, ("KoreaCo", "Korea"): 20}, rel=TOL
    )
    assert set(tables["Diagnostics"]["level"].dropna()) <= {"error", "warning", "info"}


def test_invalid_output_has_only_summary_and_diagnostics(
    tmp_path: Path, simple_sheets: Sheets
) -> None:
    path = make_workbook(tmp_path / "bad.xlsx", invalid_sheets(simple_sheets))
    result = run_cli(path, "--out", tmp_path / "out")
    assert result.exit_code == 2
    tables = read_output(tmp_path / "out" / "bad_allocation.xlsx")
    assert set(tables) == {"Overview", "Summary", "Diagnostics"}
    info = summary(tables)
    assert info["status"] == "invalid"
    assert info["input_sha256"] == file_sha256(path)
    diagnostics = tables["Diagnostics"]
    assert list(diagnostics.columns[:4]) == OUTPUT_COLUMNS["Diagnostics"]
    hits = diagnostics[
        (diagnostics["level"] == "error")
        & (diagnostics["sheet"] == "Offers")
        & (diagnostics["cell"] == "D2")
    ]
    assert len(hits) == 1
    assert "lots" in hits["message"].iloc[0]


def test_invalid_summary_still_has_every_contract_row(
    tmp_path: Path, simple_sheets: Sheets
) -> None:
    path = make_workbook(tmp_path / "bad.xlsx", invalid_sheets(simple_sheets))
    run_cli(path, "--out", tmp_path / "out")
    info = summary(read_output(tmp_path / "out" / "bad_allocation.xlsx"))
    assert [row for row in SUMMARY_ROWS if row not in info] == []


# --- text stays text --------------------------------------------------------------------------

FORMULA_LIKE = ['=HYPERLINK("http://x","y")', "+1", "-2", "@SUM(A1)"]


def test_formula_like_text_comes_back_as_text_never_a_formula(tmp_path: Path) -> None:
    offers = [OFFERS_HEADER]
    countries = ["China", "Japan", "Korea", "=1+2"]
    for supplier, country in zip(FORMULA_LIKE, countries, strict=True):
        offers.append([supplier, country, "Ga", 10, 25])  # 4 x 25 = 100: every offer is used
    path = write_text_workbook(
        tmp_path / "inj.xlsx",
        {
            "Offers": offers,
            "Demand": [["material", "quantity"], ["Ga", 100]],
        },
    )
    result = run_cli(path, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    output = tmp_path / "out" / "inj_allocation.xlsx"
    book = openpyxl.load_workbook(output)  # not read-only: keeps formulas as formulas
    for sheet in book.worksheets:
        for cells in sheet.iter_rows():
            for cell in cells:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate}: {cell.value!r}"
                assert cell.hyperlink is None, f"{sheet.title}!{cell.coordinate}"
    allocation = book["Allocation"]
    header = [c.value for c in allocation[1]]
    suppliers = [
        row[header.index("supplier")] for row in allocation.iter_rows(min_row=2, values_only=True)
    ]
    assert sorted(suppliers) == sorted(FORMULA_LIKE)  # exactly, as text
    country_sheet = book["Countries"]
    header = [c.value for c in country_sheet[1]]
    names = {
        row[header.index("country")] for row in country_sheet.iter_rows(min_row=2, values_only=True)
    }
    assert names == set(countries)


# --- solver options ---------------------------------------------------------------------------


@pytest.mark.parametrize("source", ["simple", "example"])
def test_cbc_gives_the_same_total_cost_as_highs(
    tmp_path: Path, simple_sheets: Sheets, source: str
) -> None:
    if source == "simple":
        path = make_workbook(tmp_path / "case.xlsx", simple_sheets)
    else:
        path = tmp_path / "case.xlsx"
        path.write_bytes(EXAMPLE.read_bytes())
    costs = {}
    for solver in ("highs", "cbc"):
        out = tmp_path / solver
        result = run_cli(path, "--out", out, "--solver", solver)
        assert result.exit_code == 0, result.output
        info = summary(read_output(out / "case_allocation.xlsx"))
        assert info["status"] == "optimal"
        assert info["solver"] == solver
        costs[solver] = info["total_cost"]
    assert math.isclose(costs["cbc"], costs["highs"], rel_tol=TOL)


def test_time_limit_option_is_accepted(tmp_path: Path, simple_sheets: Sheets) -> None:
    path = make_workbook(tmp_path / "ok.xlsx", simple_sheets)
    result = run_cli(path, "--out", tmp_path / "out", "--time-limit", "5")
    assert result.exit_code == 0, result.output
    assert summary(read_output(tmp_path / "out" / "ok_allocation.xlsx"))["status"] == "optimal"


@pytest.mark.parametrize("option", [["--time-limit", "soon"], ["--solver", "gurobi"]])
def test_bad_option_values_are_usage_errors_that_write_nothing(
    tmp_path: Path, simple_sheets: Sheets, option: list[str]
) -> None:
    path = make_workbook(tmp_path / "ok.xlsx", simple_sheets)
    result = run_cli(path, "--out", tmp_path / "out", *option)
    assert result.exit_code == 2
    assert option[0] in result.stderr
    assert not (tmp_path / "out").exists()


# --- validate and template --------------------------------------------------------------------


def test_validate_reports_every_error_with_its_cell_and_writes_nothing(
    tmp_path: Path, simple_sheets: Sheets, monkeypatch: pytest.MonkeyPatch
) -> None:
    sheets = invalid_sheets(simple_sheets)  # Offers!D2 'lots'
    sheets["Offers"][2][4] = "1,200"  # Offers!E3: thousands separator
    sheets["Demand"][1][1] = 0  # Demand!B2: quantity must be above 0
    runner = CliRunner()
    monkeypatch.chdir(tmp_path)
    cwd = tmp_path
    make_workbook(Path("bad.xlsx"), sheets)
    before = snapshot(Path(cwd))
    result = runner.invoke(main, ["validate", "bad.xlsx"])
    assert result.exit_code == 2, result.output
    for where in ("Offers!D2", "Offers!E3", "Demand!B2"):
        assert where in result.output, result.output
    assert "lots" in result.output and "1,200" in result.output
    assert "Traceback" not in result.output
    assert snapshot(Path(cwd)) == before
    assert sorted(p.name for p in Path(cwd).iterdir()) == ["bad.xlsx"]


def test_validate_accepts_a_valid_workbook_and_writes_nothing(
    tmp_path: Path, simple_sheets: Sheets, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = CliRunner()
    monkeypatch.chdir(tmp_path)
    cwd = tmp_path
    make_workbook(Path("ok.xlsx"), simple_sheets)
    before = snapshot(Path(cwd))
    result = runner.invoke(main, ["validate", "ok.xlsx"])
    assert result.exit_code == 0, result.output
    assert "ok.xlsx" in result.output
    assert "error" not in result.output.lower()
    assert snapshot(Path(cwd)) == before
    assert sorted(p.name for p in Path(cwd).iterdir()) == ["ok.xlsx"]


def test_template_has_every_input_sheet_column_and_setting(tmp_path: Path) -> None:
    path = tmp_path / "blank.xlsx"
    result = invoke(["template", str(path)])
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(path)
    sheets = {normalize(name): book[name] for name in book.sheetnames}
    for name, columns in INPUT_COLUMNS.items():
        assert normalize(name) in sheets, f"no sheet {name}"
        rows = list(sheets[normalize(name)].iter_rows(max_row=11, values_only=True))
        headers = [{normalize(v) for v in row if isinstance(v, str)} for row in rows]
        assert any(set(columns) <= names for names in headers), f"{name}: {headers}"
    settings = sheets["settings"]
    listed = {normalize(row[0]) for row in settings.iter_rows(values_only=True) if row[0]}
    assert set(SETTING_NAMES) <= listed


# --- the module entry point, for real ----------------------------------------------------------


def test_python_dash_m_optimizer_runs_a_batch_without_traceback(
    tmp_path: Path, simple_sheets: Sheets
) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    make_workbook(inputs / "ok.xlsx", simple_sheets)
    make_workbook(inputs / "bad.xlsx", invalid_sheets(simple_sheets))
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-m", "optimizer", "run", str(inputs), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 2, lines
    assert any("ok.xlsx" in line and "optimal" in line for line in lines)
    assert any("bad.xlsx" in line and "invalid" in line for line in lines)
    assert summary(read_output(out / "ok_allocation.xlsx"))["status"] == "optimal"
    assert summary(read_output(out / "bad_allocation.xlsx"))["status"] == "invalid"


# --- the shipped example -----------------------------------------------------------------------


def test_example_golden_result(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_cli(EXAMPLE, "--out", out)
    assert result.exit_code == 0, result.output
    tables = read_output(out / "gallium_allocation.xlsx")
    info = summary(tables)
    assert info["status"] == "optimal"
    assert math.isclose(info["total_cost"], GOLDEN_TOTAL_COST, rel_tol=TOL)
    assert math.isclose(info["objective"], GOLDEN_TOTAL_COST, rel_tol=TOL)  # risk_price 0
    allocation = {
        (r.material, r.supplier): (r.quantity, r.reserved)
        for r in tables["Allocation"].itertuples()
    }
    assert allocation == GOLDEN_ALLOCATION  # exact: the plan is in whole kilograms
    assert info["reserve_cost"] == GOLDEN_RESILIENCE["reserve_cost"]
    assert info["stock_cost"] == GOLDEN_RESILIENCE["stock_cost"]
    materials = tables["Materials"]
    stock = dict(zip(materials["material"], materials["stock_added"], strict=True))
    assert stock == {"Gallium": GOLDEN_RESILIENCE["stock_added"], "Germanium": 0}


def test_example_generator_reproduces_the_shipped_workbook(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "optimizer.writing.example"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    regenerated = pd.read_excel(
        tmp_path / "inputs" / "gallium.xlsx", sheet_name=None, engine="openpyxl"
    )
    shipped = pd.read_excel(EXAMPLE, sheet_name=None, engine="openpyxl")
    assert list(regenerated) == list(shipped)
    for name, table in shipped.items():
        pd.testing.assert_frame_equal(regenerated[name], table, obj=name)


# --- invariants, recomputed from the input data -------------------------------------------------


@dataclass
class OfferSpec:
    supplier: str
    country: str
    material: str
    unit_price: float
    capacity: float | None = None
    freight: float | None = None
    tariff: float | None = None
    risk: float | None = None
    min_order: float | None = None
    fixed_cost: float | None = None
    reserve_price: float | None = None
    origin: str | None = None  # where first produced, when not `country`


@dataclass
class DemandSpec:
    quantity: float
    max_country_share: float | None = None
    max_supplier_share: float | None = None
    max_avg_risk: float | None = None
    max_suppliers: int | None = None
    unit: str | None = None
    stock: float | None = None
    stock_cost: float | None = None
    max_stock: float | None = None
    min_cover: float | None = None


@dataclass
class CountrySpec:
    risk: float | None = None
    max_share: float | None = None
    tariff: float | None = None
    group: str | None = None
    embargo: bool = False


@dataclass
class Spec:
    """What a workbook says, in plain Python: the oracle for the invariants."""

    offers: list[OfferSpec]
    demand: dict[str, DemandSpec]
    countries: dict[str, CountrySpec] = field(default_factory=dict)
    groups: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)

    def country(self, name: str) -> CountrySpec:
        return self.countries.get(name, CountrySpec())

    def landed(self, o: OfferSpec) -> float:
        tariff = o.tariff if o.tariff is not None else self.country(o.country).tariff or 0.0
        return o.unit_price * (1 + tariff) + (o.freight or 0.0)

    def risk(self, o: OfferSpec) -> float:
        """Its own, else the higher of its country's and its origin's (contract, Origin)."""
        if o.risk is not None:
            return o.risk
        known = [self.country(c).risk for c in self.places(o)]
        return max((r for r in known if r is not None), default=0.0)

    def places(self, o: OfferSpec) -> set[str]:
        """The countries an offer counts toward: where it ships from and where it originates."""
        return {o.country, o.origin or o.country}

    def barred(self, o: OfferSpec) -> bool:
        return any(self.country(c).embargo for c in self.places(o))

    def country_cap(self, material: str, country: str) -> float:
        cap = self.demand[material].max_country_share
        if cap is None:
            cap = float(self.settings.get("max_country_share", 1.0))
        own = self.country(country).max_share
        return cap if own is None else min(cap, own)

    def supplier_cap(self, material: str) -> float:
        cap = self.demand[material].max_supplier_share
        return float(self.settings.get("max_supplier_share", 1.0)) if cap is None else cap

    def avg_risk_cap(self, material: str) -> float | None:
        cap = self.demand[material].max_avg_risk
        return self.settings.get("max_avg_risk") if cap is None else cap

    def survive(self) -> list[str]:
        return [w.strip() for w in str(self.settings.get("survive") or "").split(",") if w.strip()]

    def min_cover(self, material: str) -> float:
        own = self.demand[material].min_cover
        return float(self.settings.get("min_cover", 1.0) if own is None else own)

    def holds(self, o: OfferSpec) -> float:
        """What an offer can hold bought and reserved: its capacity, blank = the demand."""
        if self.barred(o):
            return 0.0
        return o.capacity if o.capacity is not None else self.demand[o.material].quantity

    def upper(self, o: OfferSpec) -> float:
        demand = self.demand[o.material].quantity
        if self.barred(o):
            return 0.0
        return min(
            demand,
            o.capacity if o.capacity is not None else demand,
            self.supplier_cap(o.material) * demand,
        )


def _opt(value: Any) -> Any:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value


def spec_from_example(path: Path) -> Spec:
    """Read the shipped example (plain header rows) with pandas, independently of the package."""
    sheets = pd.read_excel(path, sheet_name=None, engine="openpyxl")
    offers = [
        OfferSpec(**{k: _opt(v) for k, v in row.items() if k != "current_quantity"})
        for row in sheets["Offers"].to_dict("records")
    ]
    demand = {
        row["material"]: DemandSpec(**{k: _opt(v) for k, v in row.items() if k != "material"})
        for row in sheets["Demand"].to_dict("records")
    }
    countries = {
        row["country"]: CountrySpec(
            risk=_opt(row["risk"]),
            max_share=_opt(row["max_share"]),
            tariff=_opt(row["tariff"]),
            group=_opt(row["group"]),
            embargo=str(row["embargo"]).strip().lower() == "yes",
        )
        for row in sheets["Countries"].to_dict("records")
    }
    groups = {
        row["group"]: (_opt(row["max_share"]), _opt(row["min_share"]))
        for row in sheets["Groups"].to_dict("records")
    }
    settings = {row["setting"]: _opt(row["value"]) for row in sheets["Settings"].to_dict("records")}
    return Spec(offers, demand, countries, groups, settings)


def check_invariants(spec: Spec, output: Path) -> dict[str, pd.DataFrame]:
    tables = read_output(output)
    info = summary(tables)
    assert info["status"] == "optimal", tables["Diagnostics"].to_string()
    allocation, materials = tables["Allocation"], tables["Materials"]
    countries_sheet = tables["Countries"]
    offers = {(o.material, o.supplier): o for o in spec.offers}
    penalty = spec.settings.get("shortfall_penalty")
    risk_price = float(spec.settings.get("risk_price") or 0.0)
    risk_units = shortfall_total = 0.0

    for row in allocation.itertuples():
        o = offers[(row.material, row.supplier)]
        demand = spec.demand[o.material].quantity
        assert row.country == o.country
        assert row.quantity > 0 or row.reserved > 0
        assert row.reserved == 0 or (o.reserve_price is not None and spec.survive()), row
        assert row.quantity + row.reserved <= spec.holds(o) + TOL * demand, row
        assert close(row.landed_unit_cost, spec.landed(o)), row
        assert close(row.cost, row.quantity * row.landed_unit_cost, row.cost), row
        assert close(row.share, row.quantity / demand), row
        assert row.quantity <= spec.upper(o) + TOL * demand, row  # capacity, embargo, share
        if o.min_order and row.quantity > 0:  # a reservation alone is no use of an offer
            assert row.quantity >= o.min_order - TOL * demand, row
        risk_units += row.quantity * spec.risk(o)

    assert sorted(materials["material"]) == sorted(spec.demand)
    for mrow in materials.itertuples():
        name, want = mrow.material, spec.demand[mrow.material]
        held = allocation[allocation["material"] == name]
        rows = held[held["quantity"] > 0]  # bought from (the others are only reserved)
        supplied = float(rows["quantity"].sum())
        assert close(mrow.demand, want.quantity)
        assert close(mrow.supplied, supplied, want.quantity)
        assert mrow.shortfall >= -TOL * want.quantity
        assert close(supplied + mrow.shortfall, want.quantity, want.quantity), mrow
        if penalty is None:
            assert close(mrow.shortfall, 0.0, want.quantity)
        shortfall_total += mrow.shortfall
        fixed = sum(offers[(name, s)].fixed_cost or 0.0 for s in rows["supplier"])
        fees = sum(
            r * (offers[(name, s)].reserve_price or 0.0)
            for s, r in zip(held["supplier"], held["reserved"], strict=True)
        )
        stocked = mrow.stock_added * (want.stock_cost or 0.0)
        assert mrow.stock_added == 0 or (want.stock_cost is not None and spec.survive())
        assert mrow.stock_added <= (want.quantity if want.max_stock is None else want.max_stock)
        cost = float(rows["cost"].sum()) + fixed + fees + stocked
        assert close(mrow.cost, cost, mrow.cost), mrow
        check_cover(spec, name, held, mrow, tables["Resilience"])
        if want.max_suppliers is not None:
            assert len(rows) <= want.max_suppliers
        bought_offers = [
            (offers[(name, s)], q) for s, q in zip(rows["supplier"], rows["quantity"], strict=True)
        ]
        by_country: dict[str, float] = defaultdict(float)  # toward its country and its origin
        by_origin: dict[str, float] = defaultdict(float)  # once, under its origin
        for o, q in bought_offers:
            for place in spec.places(o):
                by_country[place] += q
            by_origin[o.origin or o.country] += q
        for country, amount in by_country.items():
            assert amount / want.quantity <= spec.country_cap(name, country) + TOL, country
        for group, (most, least) in spec.groups.items():
            members = {c for c, s in spec.countries.items() if s.group == group}
            amount = sum(q for o, q in bought_offers if spec.places(o) & members)
            share = amount / want.quantity
            assert most is None or share <= most + TOL, group
            assert least is None or share >= least - TOL, group
        if supplied > 0:
            hhi = sum((a / supplied) ** 2 for a in by_origin.values())
            assert close(mrow.hhi, hhi), (name, mrow.hhi, hhi)
            risk = sum(
                q * spec.risk(offers[(name, s)])
                for s, q in zip(rows["supplier"], rows["quantity"], strict=True)
            )
            assert close(mrow.avg_risk, risk / supplied), mrow
            cap = spec.avg_risk_cap(name)
            assert cap is None or risk / supplied <= cap + 1e-4, (name, risk / supplied, cap)

    seen = set()
    for crow in countries_sheet.itertuples():
        demand = spec.demand[crow.material].quantity
        amount = sum(
            r.quantity
            for r in allocation.itertuples()
            if r.material == crow.material
            and crow.country in spec.places(offers[(r.material, r.supplier)])
        )
        assert close(crow.quantity, amount, demand)
        assert close(crow.share, crow.quantity / demand)
        assert close(crow.cap, spec.country_cap(crow.material, crow.country)), crow
        assert crow.share <= crow.cap + TOL, crow
        seen.add((crow.material, crow.country))
    bought = allocation[allocation["quantity"] > 0]
    assert seen == {
        (r.material, place)
        for r in bought.itertuples()
        for place in spec.places(offers[(r.material, r.supplier)])
    }

    for lrow in tables["Constraints"].itertuples():  # only binding limits are listed
        assert -TOL <= lrow.slack <= TOL * max(1.0, abs(lrow.limit)), lrow
        assert pd.isna(lrow.shadow_price) or lrow.shadow_price >= -TOL, lrow

    total_cost = float(materials["cost"].sum())
    assert close(info["total_cost"], total_cost), (info["total_cost"], total_cost)
    objective = total_cost + risk_price * risk_units + (penalty or 0.0) * shortfall_total
    assert close(info["objective"], objective), (info["objective"], objective)
    return tables


def check_cover(
    spec: Spec, name: str, held: pd.DataFrame, mrow: Any, resilience: pd.DataFrame
) -> None:
    """With survive = country: the loss of each country that offers the material leaves at
    least min_cover x demand (bought and reserved elsewhere, stock on hand and added), as the
    Resilience sheet says; recomputed from the input and the output's Allocation alone."""
    if "country" not in spec.survive():
        return
    want = spec.demand[name]
    required = spec.min_cover(name) * want.quantity
    rows = resilience[resilience["material"] == name].set_index("disruption")
    offers = {o.supplier: o for o in spec.offers if o.material == name}
    for country in {c for o in offers.values() for c in spec.places(o)}:
        lost = [country in spec.places(offers[s]) for s in held["supplier"]]
        elsewhere = held[[not x for x in lost]]
        available = float((elsewhere["quantity"] + elsewhere["reserved"]).sum())
        available += (want.stock or 0.0) + mrow.stock_added
        assert available >= required - TOL * want.quantity, (name, country, available)
        row = rows.loc[f"country {country}"]
        assert close(row["available"], available, want.quantity), (name, country)
        assert close(row["required"], required, want.quantity), (name, country)


def test_example_invariants(tmp_path: Path) -> None:
    result = run_cli(EXAMPLE, "--out", tmp_path)
    assert result.exit_code == 0, result.output
    check_invariants(spec_from_example(EXAMPLE), tmp_path / "gallium_allocation.xlsx")


COUNTRY_POOL = ["China", "Japan", "Korea", "India", "Brazil", "Chile", "Peru", "Canada"]


def most_sourceable(spec: Spec, material: str) -> float:
    """Without risk caps or groups, the caps nest: the most the limits allow is exact."""
    demand = spec.demand[material].quantity
    by_country: dict[str, float] = {}
    for o in spec.offers:
        if o.material == material:
            by_country[o.country] = by_country.get(o.country, 0.0) + spec.upper(o)
    return sum(
        min(amount, spec.country_cap(material, c) * demand) for c, amount in by_country.items()
    )


def random_spec(seed: int) -> Spec:
    """A valid LP-only workbook (no integer features); shortfall is allowed whenever the caps
    cannot be met for sure, so the model always has an optimum."""
    rng = random.Random(seed)
    names = rng.sample(COUNTRY_POOL, rng.randint(3, 6))
    countries = {
        c: CountrySpec(
            risk=rng.choice([None, rng.randint(0, 100)]),
            max_share=rng.choice([None, None, round(rng.uniform(0.2, 0.8), 2)]),
            tariff=rng.choice([None, round(rng.uniform(0.0, 0.3), 2)]),
            embargo=rng.random() < 0.1,
        )
        for c in names
    }
    settings: dict[str, Any] = {}
    if rng.random() < 0.4:
        settings["max_country_share"] = round(rng.uniform(0.3, 0.9), 2)
    if rng.random() < 0.3:
        settings["risk_price"] = rng.choice([0.5, 1, 2])
    demand: dict[str, DemandSpec] = {}
    offers: list[OfferSpec] = []
    for m in range(rng.randint(1, 3)):
        material = f"M{m + 1}"
        quantity = float(rng.randint(50, 5_000))
        demand[material] = DemandSpec(
            quantity,
            max_country_share=rng.choice([None, None, round(rng.uniform(0.3, 0.9), 2)]),
            max_supplier_share=rng.choice([None, None, round(rng.uniform(0.3, 0.9), 2)]),
            max_avg_risk=rng.choice([None, None, rng.randint(20, 80)]),
        )
        for country in rng.sample(names, rng.randint(2, len(names))):
            for _ in range(rng.randint(1, 2)):
                offers.append(
                    OfferSpec(
                        supplier=f"S{len(offers) + 1}",
                        country=country,
                        material=material,
                        unit_price=round(rng.uniform(5, 100), 2),
                        capacity=rng.choice(
                            [None, float(rng.randint(int(0.1 * quantity), int(0.8 * quantity)))]
                        ),
                        freight=rng.choice([None, round(rng.uniform(0, 5), 2)]),
                        tariff=rng.choice([None, None, round(rng.uniform(0, 0.2), 2)]),
                        risk=rng.choice([None, rng.randint(0, 100)]),
                    )
                )
    spec = Spec(offers, demand, countries, {}, settings)
    short = any(most_sourceable(spec, m) < d.quantity * (1 - 1e-9) for m, d in demand.items())
    risky = any(spec.avg_risk_cap(m) is not None for m in demand)
    if short or risky or rng.random() < 0.3:
        settings["shortfall_penalty"] = rng.choice([60, 1_000])
    return spec


def write_spec(path: Path, spec: Spec, seed: int) -> Path:
    """Write `spec` as a workbook, with the cosmetic freedom the contract allows."""
    rng = random.Random(seed + 1_000)

    def share(value: float | None) -> Any:
        if value is None or rng.random() < 0.5:
            return value
        return f"{round(value * 100)}%"

    def number(value: float | None) -> Any:
        return f" {value} " if value is not None and rng.random() < 0.2 else value

    price_header = rng.choice(["unit_price", "Unit Price", " UNIT-PRICE "])
    offers = [
        ["supplier", "country", "material", price_header, "capacity", "freight", "tariff", "risk"]
    ]
    offers += [
        [
            o.supplier,
            o.country,
            o.material,
            number(o.unit_price),
            o.capacity,
            o.freight,
            share(o.tariff),
            o.risk,
        ]
        for o in spec.offers
    ]
    demand = [["material", "quantity", "max_country_share", "max_supplier_share", "max_avg_risk"]]
    demand += [
        [
            m,
            number(d.quantity),
            share(d.max_country_share),
            share(d.max_supplier_share),
            d.max_avg_risk,
        ]
        for m, d in spec.demand.items()
    ]
    countries = [["country", "risk", "max_share", "tariff", "embargo"]]
    countries += [
        [c, s.risk, share(s.max_share), share(s.tariff), "yes" if s.embargo else None]
        for c, s in spec.countries.items()
    ]
    sheets: Sheets = {"Offers": offers, "Demand": demand, "Countries": countries}
    if spec.settings:
        sheets["Settings"] = [
            ["setting", "value"],
            *([k, share(v) if k == "max_country_share" else v] for k, v in spec.settings.items()),
        ]
    return make_workbook(path, sheets)


SEEDS = list(range(10))


def run_random(tmp_path: Path, seed: int) -> tuple[Spec, Path]:
    spec = random_spec(seed)
    path = write_spec(tmp_path / f"random{seed}.xlsx", spec, seed)
    result = run_cli(path, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    return spec, tmp_path / "out" / f"random{seed}_allocation.xlsx"


@pytest.mark.parametrize("seed", SEEDS)
def test_random_workbook_invariants(tmp_path: Path, seed: int) -> None:
    spec, output = run_random(tmp_path, seed)
    check_invariants(spec, output)


@pytest.mark.parametrize("seed", SEEDS)
def test_random_workbook_is_optimal_against_an_independent_lp(tmp_path: Path, seed: int) -> None:
    """The objective equals the optimum of the same LP built here and solved by scipy."""
    optimize = pytest.importorskip("scipy.optimize")
    spec, output = run_random(tmp_path, seed)
    penalty = spec.settings.get("shortfall_penalty")
    risk_price = float(spec.settings.get("risk_price") or 0.0)
    materials = list(spec.demand)
    n = len(spec.offers)
    size = n + (len(materials) if penalty is not None else 0)
    cost = [spec.landed(o) + risk_price * spec.risk(o) for o in spec.offers]
    cost += [float(penalty)] * (size - n) if penalty is not None else []
    bounds = [(0.0, spec.upper(o)) for o in spec.offers] + [(0.0, None)] * (size - n)
    a_eq, b_eq, a_ub, b_ub = [], [], [], []
    for k, material in enumerate(materials):
        demand = spec.demand[material].quantity
        row = [1.0 if o.material == material else 0.0 for o in spec.offers] + [0.0] * (size - n)
        if penalty is not None:
            row[n + k] = 1.0
        a_eq.append(row)
        b_eq.append(demand)
        for country in {o.country for o in spec.offers if o.material == material}:
            a_ub.append(
                [
                    1.0 if o.material == material and o.country == country else 0.0
                    for o in spec.offers
                ]
                + [0.0] * (size - n)
            )
            b_ub.append(spec.country_cap(material, country) * demand)
        cap = spec.avg_risk_cap(material)
        if cap is not None:
            a_ub.append(
                [spec.risk(o) - cap if o.material == material else 0.0 for o in spec.offers]
                + [0.0] * (size - n)
            )
            b_ub.append(0.0)
    best = optimize.linprog(
        cost,
        A_ub=a_ub or None,
        b_ub=b_ub or None,
        A_eq=a_eq,
        b_eq=b_eq,
        bounds=bounds,
        method="highs",
    )
    assert best.status == 0, best.message
    info = summary(read_output(output))
    assert math.isclose(info["objective"], best.fun, rel_tol=TOL, abs_tol=TOL), (
        info["objective"],
        best.fun,
    )
