"""`--scheduler` sends the batch to a real Dask cluster, with the same results as a local run."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import make_workbook

from optimizer.cli import main

distributed = pytest.importorskip("distributed")
EXAMPLE = Path(__file__).resolve().parents[2] / "inputs" / "gallium.xlsx"


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        yield cluster.scheduler_address


def test_a_cluster_gives_the_same_allocations_as_a_local_run(
    tmp_path: Path, simple_sheets: dict, scheduler: str
) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    shutil.copy(EXAMPLE, inputs / "gallium.xlsx")
    make_workbook(inputs / "simple.xlsx", simple_sheets)
    make_workbook(
        inputs / "short.xlsx", {**simple_sheets, "Demand": [["material", "quantity"], ["Ga", 500]]}
    )
    make_workbook(inputs / "bad.xlsx", {"Offers": [["supplier"]]})
    local, remote = tmp_path / "local", tmp_path / "remote"
    first = CliRunner().invoke(main, ["run", str(inputs), "--out", str(local)])
    second = CliRunner().invoke(
        main, ["run", str(inputs), "--out", str(remote), "--scheduler", scheduler]
    )
    assert first.exit_code == second.exit_code == 2, second.output
    statuses = [line.split(",")[0] for line in second.stderr.splitlines()]
    assert statuses == [line.split(",")[0] for line in first.stderr.splitlines()]
    assert sorted(p.name for p in remote.iterdir()) == sorted(p.name for p in local.iterdir())
    for output in local.iterdir():
        here = pd.read_excel(output, sheet_name=None, engine="openpyxl")
        there = pd.read_excel(remote / output.name, sheet_name=None, engine="openpyxl")
        assert list(here) == list(there)
        for name in ("Allocation", "Materials", "Countries", "Diagnostics"):
            if name in here:
                pd.testing.assert_frame_equal(here[name], there[name], obj=name)
        summary = dict(zip(here["Summary"]["item"], here["Summary"]["value"], strict=True))
        remote_summary = dict(zip(there["Summary"]["item"], there["Summary"]["value"], strict=True))
        for item in ("status", "total_cost", "objective", "input_sha256"):
            assert summary[item] == remote_summary[item] or (
                pd.isna(summary[item]) and pd.isna(remote_summary[item])
            )


def test_an_unreachable_scheduler_is_a_clear_error_within_its_timeout(
    tmp_path: Path, simple_sheets: dict
) -> None:
    path = make_workbook(tmp_path / "simple.xlsx", simple_sheets)
    started = time.monotonic()
    result = CliRunner().invoke(
        main,
        [
            "run",
            str(path),
            "--out",
            str(tmp_path / "out"),
            "--scheduler",
            "tcp://127.0.0.1:1",
            "--scheduler-timeout",
            "2",
        ],
    )
    assert time.monotonic() - started < 20  # Dask's default would wait 30 s
    assert result.exit_code == 1
    assert "Cannot reach the scheduler at tcp://127.0.0.1:1" in result.output
    assert "Traceback" not in result.output


def integer_sheets(materials: int) -> dict[str, list[list[Any]]]:
    """`materials` materials of three offers each, whose minimum orders make it an integer
    model whose linear relaxation leaves most materials fractional."""
    offers: list[list[Any]] = [
        ["supplier", "country", "material", "unit_price", "capacity", "min_order"]
    ]
    for m in range(materials):
        for k in range(3):
            offers.append([f"S{m}-{k}", f"C{k}", f"M{m}", 10 + (m * 7 + k * 3) % 5, 60, 25])
    demand = [["material", "quantity", "max_supplier_share"]]
    demand += [[f"M{m}", 70 + m % 4, 0.8] for m in range(materials)]
    return {"Offers": offers, "Demand": demand}


def test_one_workbook_spreads_its_integer_programs_over_the_cluster(
    tmp_path: Path, scheduler: str
) -> None:
    path = make_workbook(tmp_path / "parts.xlsx", integer_sheets(40))
    local, remote = tmp_path / "local", tmp_path / "remote"
    first = CliRunner().invoke(main, ["run", str(path), "--out", str(local)])
    second = CliRunner().invoke(
        main, ["run", str(path), "--out", str(remote), "--scheduler", scheduler]
    )
    assert first.exit_code == second.exit_code == 0, second.output
    with distributed.Client(scheduler) as client:
        prefixes = client.run_on_scheduler(
            lambda dask_scheduler: list(dask_scheduler.task_prefixes)
        )
    assert "solve_by" in prefixes, prefixes  # Dask names a task by its function
    name = "parts_allocation.xlsx"
    here = pd.read_excel(local / name, sheet_name=None, engine="calamine")
    there = pd.read_excel(remote / name, sheet_name=None, engine="calamine")
    for sheet in ("Allocation", "Materials", "Limits cost"):
        pd.testing.assert_frame_equal(here[sheet], there[sheet], obj=sheet)
