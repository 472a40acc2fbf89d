"""The files of a batch: which inputs are read (once each), what the outputs are called, their
permissions, the history of earlier outputs, and outputs that cannot be written."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner, Result
from conftest import make_workbook

from optimizer.cli import main
from optimizer.writing import files

Sheets = dict[str, list[list[Any]]]


def run_cli(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def lines(result: Result) -> list[str]:
    return result.stderr.splitlines()


def status_of(output: Path) -> str:
    book = openpyxl.load_workbook(output, read_only=True)
    rows = book["Summary"].iter_rows(values_only=True)
    return next(value for item, value, *_ in rows if item == "status")


@pytest.fixture
def folder(tmp_path: Path, simple_sheets: Sheets) -> Path:
    inputs = tmp_path / "in"
    inputs.mkdir()
    make_workbook(inputs / "plan.xlsx", simple_sheets)
    return inputs


def test_a_named_file_that_is_not_a_workbook_gets_its_verdict_and_exit_2(
    tmp_path: Path, folder: Path
) -> None:
    csv = tmp_path / "offers.csv"
    csv.write_text("supplier,country,material,unit_price\nChinaCo,China,Ga,10\n")
    result = run_cli("run", csv, "--out", tmp_path / "out")
    assert result.exit_code == 2
    (line,) = lines(result)
    assert line.startswith("offers.csv: invalid")
    assert "No workbooks found" not in result.stderr
    assert status_of(tmp_path / "out" / "offers_allocation.xlsx") == "invalid"


def test_an_empty_folder_says_so_and_exits_0(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    result = run_cli("run", empty, "--out", tmp_path / "out")
    assert result.exit_code == 0
    assert lines(result) == [f"No workbooks found in {empty}."]


def test_the_same_file_named_twice_is_processed_once_under_its_own_name(
    tmp_path: Path, folder: Path
) -> None:
    plan = folder / "plan.xlsx"
    (tmp_path / "link.xlsx").symlink_to(plan)
    os.link(plan, tmp_path / "hard.xlsx")
    spelled = folder / ".." / folder.name / "plan.xlsx"
    out = tmp_path / "out"
    result = run_cli("run", folder, plan, spelled, tmp_path / "link.xlsx", tmp_path / "hard.xlsx",
                     "--out", out)  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert [line.split(":")[0] for line in lines(result)] == ["plan.xlsx"]
    assert sorted(p.name for p in out.iterdir()) == ["plan_allocation.xlsx"]


def test_two_inputs_with_one_stem_in_two_folders_keep_two_outputs(
    tmp_path: Path, folder: Path, simple_sheets: Sheets
) -> None:
    other = tmp_path / "north"
    other.mkdir()
    make_workbook(other / "plan.xlsx", simple_sheets)
    out = tmp_path / "out"
    result = run_cli("run", folder, other, "--out", out)
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "plan_allocation.xlsx",
        "plan_north_allocation.xlsx",
    ]
    assert "this one's output is plan_north_allocation.xlsx" in result.stderr


def test_a_long_legal_name_still_gets_its_output(tmp_path: Path, simple_sheets: Sheets) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    stem = "ガリウム調達計画" * 9 + "漢字漢字"  # 76 characters, 228 bytes
    assert len(stem) == 76 and len(stem.encode()) == 228
    make_workbook(inputs / f"{stem}.xlsx", simple_sheets)
    out = tmp_path / "out"
    for _ in range(2):  # the second run keeps the first output in previous/
        result = run_cli("run", inputs, "--out", out)
        assert result.exit_code == 0, result.stderr
    assert [p.name for p in out.iterdir() if p.is_file()] == [f"{stem}_allocation.xlsx"]
    (kept,) = (out / "previous").iterdir()
    assert len(kept.name.encode()) <= 255 and kept.name.endswith(".xlsx")
    assert "_allocation_" in kept.name


def test_a_name_too_long_for_its_suffix_shortens_the_stem(
    tmp_path: Path, simple_sheets: Sheets
) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    stem = "p" * 250  # with .xlsx: 255 bytes, the most a name may have
    make_workbook(inputs / f"{stem}.xlsx", simple_sheets)
    result = run_cli("run", inputs, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.stderr
    (output,) = (tmp_path / "out").iterdir()
    assert output.name == "p" * (255 - len("_allocation.xlsx")) + "_allocation.xlsx"


@pytest.mark.parametrize("umask", [0o022, 0o002, 0o077])
def test_outputs_and_templates_get_0666_less_the_umask(
    tmp_path: Path, folder: Path, umask: int
) -> None:
    previous = os.umask(umask)
    try:
        result = run_cli("run", folder, "--out", tmp_path / "out")
        template = run_cli("template", tmp_path / "blank.xlsx")
    finally:
        os.umask(previous)
    assert result.exit_code == 0 and template.exit_code == 0
    for path in (tmp_path / "out" / "plan_allocation.xlsx", tmp_path / "blank.xlsx"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask, path


def test_a_rerun_keeps_the_earlier_output_and_the_ten_newest(tmp_path: Path, folder: Path) -> None:
    out = tmp_path / "out"
    output = out / "plan_allocation.xlsx"
    stamps = []
    for run in range(13):
        result = run_cli("run", folder, "--out", out)
        assert result.exit_code == 0, result.stderr
        written = 1_780_000_000 + 3600 * run  # as if each run had been an hour later
        os.utime(output, (written, written))
        stamps.append(written)
    kept = sorted(p.name for p in (out / "previous").iterdir())
    assert len(kept) == 10
    import datetime as dt

    expected = [
        f"plan_allocation_{dt.datetime.fromtimestamp(t):%Y%m%d-%H%M%S}.xlsx" for t in stamps[2:12]
    ]
    assert kept == expected  # the 12 earlier outputs, of which the ten newest
    assert status_of(out / "previous" / kept[-1]) == "optimal"


def test_history_of_one_input_leaves_another_with_a_longer_stem_alone(
    tmp_path: Path, folder: Path, simple_sheets: Sheets
) -> None:
    make_workbook(folder / "plan_b.xlsx", simple_sheets)
    out = tmp_path / "out"
    for run in range(12):
        assert run_cli("run", folder, "--out", out).exit_code == 0
        for name in ("plan_allocation.xlsx", "plan_b_allocation.xlsx"):
            moment = 1_780_000_000 + 60 * run
            os.utime(out / name, (moment, moment))
    kept = [p.name for p in (out / "previous").iterdir()]
    assert sum(name.startswith("plan_allocation_") for name in kept) == 10
    assert sum(name.startswith("plan_b_allocation_") for name in kept) == 10


def fail_writes_in(folder: Path, code: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every file this process opens for writing in `folder` fails with `code`, as on a
    read-only or full disk (root ignores permission bits, so they cannot provoke it)."""
    real_open = os.open

    def refusing(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if Path(path).parent == folder and flags & (os.O_WRONLY | os.O_RDWR):
            raise OSError(code, os.strerror(code), str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", refusing)


@pytest.mark.parametrize(
    ("code", "words"),
    [
        (errno.EROFS, "the folder is on a read-only disk"),
        (errno.ENOSPC, "the disk is full"),
        (errno.ENAMETOOLONG, "the name is too long for the file system"),
    ],
)
def test_an_output_that_cannot_be_written_is_that_workbooks_verdict(
    tmp_path: Path,
    folder: Path,
    simple_sheets: Sheets,
    monkeypatch: pytest.MonkeyPatch,
    code: int,
    words: str,
) -> None:
    make_workbook(folder / "second.xlsx", simple_sheets)
    good, bad = tmp_path / "good", tmp_path / "bad"
    bad.mkdir()
    fail_writes_in(bad, code, monkeypatch)
    result = run_cli("run", folder, "--out", bad)
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert lines(result) == [
        f"plan.xlsx: optimal, total cost 1,160.00, {seconds(result, 0)} s, its output could not "
        f"be written to {bad}: {words}",
        f"second.xlsx: optimal, total cost 1,160.00, {seconds(result, 1)} s, its output could "
        f"not be written to {bad}: {words}",
    ]
    assert not any(p.name.endswith("_allocation.xlsx") for p in bad.iterdir())
    monkeypatch.undo()
    again = run_cli("run", folder, "--out", good)
    assert again.exit_code == 0


def seconds(result: Result, line: int) -> str:
    return lines(result)[line].split(", ")[2].removesuffix(" s")


def test_an_output_folder_that_cannot_be_made_does_not_stop_the_batch(
    tmp_path: Path, folder: Path
) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("a file where the output folder should be")
    result = run_cli("run", folder, "--out", blocked / "out")
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    (line,) = lines(result)
    assert line.startswith("plan.xlsx: optimal, total cost 1,160.00")
    assert line.endswith(f"its output could not be written to {blocked / 'out'}: a part of the "
                         "path is a file, not a folder")  # fmt: skip


def test_template_refuses_to_replace_a_file_unless_forced(tmp_path: Path) -> None:
    target = tmp_path / "mine.xlsx"
    target.write_bytes(b"someone's work")
    refused = run_cli("template", target)
    assert refused.exit_code == 2
    assert refused.stderr == f"{target} already exists; give --force to replace it.\n"
    assert target.read_bytes() == b"someone's work"
    forced = run_cli("template", target, "--force")
    assert forced.exit_code == 0
    assert "Offers" in openpyxl.load_workbook(target, read_only=True).sheetnames


def test_derived_names_fit_the_file_system() -> None:
    long = "漢" * 84  # 252 bytes
    assert len(files.fitted(long, ".tmp").encode()) <= 255
    assert files.fitted(long, ".tmp").endswith(".tmp")
    assert files.fitted("plan", "_allocation.xlsx") == "plan_allocation.xlsx"
