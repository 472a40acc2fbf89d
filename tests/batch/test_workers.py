"""`--workers N` solves workbooks in separate processes with the same results as one process."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
from click.testing import CliRunner
from conftest import make_workbook

from optimizer.cli import main

EXAMPLE = Path(__file__).resolve().parents[2] / "inputs" / "gallium.xlsx"


def test_workers_give_the_same_outputs_as_a_serial_run(tmp_path: Path, simple_sheets: dict) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    for number in range(3):
        shutil.copy(EXAMPLE, inputs / f"gallium{number}.xlsx")
    make_workbook(inputs / "simple.xlsx", simple_sheets)
    short = {**simple_sheets, "Demand": [["material", "quantity"], ["Ga", 500]]}
    make_workbook(inputs / "short.xlsx", short)
    runs = {}
    for workers in (1, 2):
        out = tmp_path / f"out{workers}"
        result = CliRunner().invoke(
            main, ["run", str(inputs), "--out", str(out), "--workers", str(workers)]
        )
        assert result.exit_code == 1, result.output  # one workbook is infeasible
        lines = [line.split(",")[0] for line in result.stderr.splitlines()]  # name: status
        runs[workers] = (lines, out)
    assert runs[1][0] == runs[2][0]  # same lines, in input order
    for output in sorted(runs[1][1].iterdir()):
        serial = pd.read_excel(output, sheet_name=None, engine="openpyxl")
        parallel = pd.read_excel(runs[2][1] / output.name, sheet_name=None, engine="openpyxl")
        assert list(serial) == list(parallel)
        for name, table in serial.items():
            if name == "Summary":
                keep = ~table["item"].isin(["solve_seconds", "run_at"])
                table, other = table[keep], parallel[name][keep]
            elif name == "Overview":  # its foot says when it ran, to the minute
                ran = table.iloc[:, 0].astype(str).str.startswith("Run on ")
                table, other = table[~ran], parallel[name][~ran]
            else:
                other = parallel[name]
            pd.testing.assert_frame_equal(table, other, obj=f"{output.name}:{name}")


def test_one_workbooks_scenarios_in_workers_give_the_same_results(tmp_path: Path) -> None:
    sheets = {}
    for workers in (1, 2):
        out = tmp_path / f"out{workers}"
        result = CliRunner().invoke(
            main, ["run", str(EXAMPLE), "--out", str(out), "--workers", str(workers)]
        )
        assert result.exit_code == 0, result.output
        sheets[workers] = pd.read_excel(
            out / "gallium_allocation.xlsx", sheet_name=None, engine="openpyxl"
        )
    assert len(sheets[1]["Scenarios"]) == 5
    for name in ("Scenarios", "Frontier", "Limits cost", "Diagnostics", "Allocation"):
        pd.testing.assert_frame_equal(sheets[1][name], sheets[2][name], obj=name)
