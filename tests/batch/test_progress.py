"""A bar of the workbooks done on a terminal, the plain per-workbook lines everywhere else."""

from __future__ import annotations

import fcntl
import io
import os
import pty
import re
import struct
import subprocess
import sys
import termios
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import make_workbook

from optimizer.batch import progress
from optimizer.batch.progress import MIN_BAR_WORKBOOKS, in_order, show_bar
from optimizer.cli import main

NAMES = ["a", "b", "c", "d"]  # d is invalid: a line with its first error, exit status 2
BAR = re.compile(r"\d+/4 \[")  # tqdm's "2/4 [00:01<00:01, ...]"


def line_pattern(name: str) -> str:
    status = "invalid" if name == "d" else r"\w+"  # whatever the solver says of a, b, c
    return rf"{name}\.xlsx: {status}, .*\d s.* -> \S*{name}_allocation\.xlsx"


@pytest.fixture
def inputs(tmp_path: Path, simple_sheets: dict[str, Any]) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    for name in NAMES:
        bad = {"Offers": [["supplier"]]}
        make_workbook(folder / f"{name}.xlsx", bad if name == "d" else simple_sheets)
    return folder


def run(inputs: Path, *options: str) -> str:
    out = inputs.parent / "out"
    result = CliRunner().invoke(main, ["run", str(inputs), "--out", str(out), *options])
    assert result.exit_code == 2, result.output
    assert sorted(p.name for p in out.iterdir()) == [f"{n}_allocation.xlsx" for n in NAMES]
    return result.stderr


def screen(text: str) -> list[str]:
    """What a terminal shows after `text`: a carriage return goes back to the start of the row,
    and what follows overwrites it."""
    rows = []
    for raw in text.split("\n"):
        cells: list[str] = []
        for part in raw.split("\r"):
            cells[: len(part)] = part
        rows.append("".join(cells).rstrip())
    return rows[:-1] if rows[-1] == "" else rows


def assert_lines(lines: list[str]) -> None:
    """Every workbook's line, whole, once, in input order, and nothing else."""
    assert len(lines) == len(NAMES), lines
    for name, line in zip(NAMES, lines, strict=True):
        assert re.fullmatch(line_pattern(name), line), line


@pytest.mark.parametrize("workers", ["1", "2"])
def test_off_a_terminal_stderr_has_exactly_the_plain_lines(inputs: Path, workers: str) -> None:
    stderr = run(inputs, "--workers", workers)
    assert stderr.endswith("\n")
    assert_lines(stderr.splitlines())
    assert "\r" not in stderr and "\x1b" not in stderr and "%|" not in stderr


@pytest.mark.parametrize("workers", ["1", "2"])
def test_on_a_terminal_a_bar_counts_the_workbooks_and_only_the_lines_stay(
    inputs: Path, workers: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(progress, "show_bar", lambda stream, count: True)
    stderr = run(inputs, "--workers", workers)
    assert "0/4 [" in stderr and "4/4 [" in stderr  # drawn at the start and at the end
    assert re.search(r"\d/4 \[[^\]]*workbook", stderr)  # elapsed, ETA and rate per workbook
    assert_lines(screen(stderr))  # the bar was above none of them and is cleared at the end


class Stream(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


def test_show_bar_needs_a_terminal_a_long_batch_and_a_terminal_that_redraws(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setenv("NO_COLOR", "1")  # the bar has no colour anyway: it stays
    assert show_bar(Stream(True), MIN_BAR_WORKBOOKS)
    assert not show_bar(Stream(True), MIN_BAR_WORKBOOKS - 1)
    assert not show_bar(Stream(False), 100)
    closed = io.StringIO()
    closed.close()  # its isatty() raises ValueError
    assert not show_bar(closed, 100)
    monkeypatch.setenv("TERM", "dumb")
    assert not show_bar(Stream(True), 100)


def test_lines_come_in_input_order_as_soon_as_every_earlier_one_has_finished() -> None:
    events: list[str] = []
    finished = iter([(2, "c"), (0, "a"), (3, "d"), (1, "b")])
    for value in in_order(finished, lambda: events.append("done")):
        events.append(value)
    assert events == ["done", "done", "a", "done", "done", "b", "c", "d"]


def read_pty(args: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Run `args` with standard error on a pseudo-terminal; its exit status and that output."""
    parent, child = pty.openpty()
    fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 200, 0, 0))  # rows, columns
    with subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=child, env=env) as process:
        os.close(child)
        chunks = []
        while True:
            try:
                chunk = os.read(parent, 4096)
            except OSError:  # every writer has closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
    os.close(parent)
    return process.returncode, b"".join(chunks).decode()


@pytest.mark.parametrize("term", ["xterm", "dumb"])
def test_a_real_terminal_gets_the_bar_unless_it_is_dumb(inputs: Path, term: str) -> None:
    env = {**os.environ, "TERM": term, "OPTIMIZER_SETTLE_SECONDS": "0"}
    args = [sys.executable, "-m", "optimizer", "run", str(inputs), "--out", str(inputs.parent)]
    status, text = read_pty(args, env)
    assert status == 2, text
    assert_lines(screen(text))
    assert bool(BAR.search(text)) is (term != "dumb"), text


def test_tqdm_is_not_imported_without_a_bar() -> None:
    code = "import sys, optimizer.cli; print('tqdm' in sys.modules)"
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert shown.stdout.strip() == "False", shown.stderr
