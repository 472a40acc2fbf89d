"""One workbook through every stage: read, validate, solve, verify, analyse, report, and write.

`solve_workbook` never raises for a bad input: whatever happens to the workbook is its
`Result`, with the sheets that say why. A failure of the optimizer itself is a result too
(status `error`), so that one workbook never stops a batch.
"""

from __future__ import annotations

import hashlib
import time
import zipfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from optimizer.batch.result import Result
from optimizer.collector import collector_paused
from optimizer.contract.diagnostics import (
    LEVEL_ORDER,
    Diagnostic,
    InvalidWorkbook,
    Level,
    error,
    info,
    unreadable,
)
from optimizer.contract.problem import Problem
from optimizer.contract.schema import SETTINGS_BY_KEY, normalize
from optimizer.contract.status import SolveStatus, Status
from optimizer.insight.analysis import analyse
from optimizer.insight.explain import explain_infeasible
from optimizer.insight.report import RunInfo, error_tables, invalid_tables, result_tables
from optimizer.model.solve import Session, SolveResult, SolverUnavailable
from optimizer.model.verify import verify
from optimizer.reading.filetype import has_macros
from optimizer.reading.frames import workbook_of_frames
from optimizer.reading.validate import is_contract_sheet, validate
from optimizer.reading.workbook import Reader, read_workbook
from optimizer.writing.files import reason

Source = Path | Mapping[str, pd.DataFrame]  # a workbook file, or its sheets as DataFrames


class Stopwatch:
    """Seconds spent per stage of one workbook (read, validate, solve, analyse, ...)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def lap(self, stage: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            elapsed = time.perf_counter() - started
            self.seconds[stage] = self.seconds.get(stage, 0.0) + elapsed


@dataclass(frozen=True)
class RunOptions:
    """How to run a workbook beyond what its sheets say."""

    settings: Mapping[str, Any] = field(default_factory=dict)  # win over the Settings sheet
    workers: int = 1  # processes for one workbook's scenarios

    def __post_init__(self) -> None:
        for name in self.settings:
            if normalize(name) not in SETTINGS_BY_KEY:
                known = ", ".join(SETTINGS_BY_KEY)
                raise TypeError(f"'{name}' is not a setting; the settings are: {known}")


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_problem(
    source: Source,
    options: RunOptions = RunOptions(),
    watch: Stopwatch | None = None,
    reader: Reader | None = None,
) -> tuple[Problem, list[Diagnostic]]:
    """Read and validate one workbook (in `reader`'s process, when given); raise
    InvalidWorkbook with every problem found."""
    watch = watch or Stopwatch()
    with watch.lap("read"):
        if isinstance(source, Path):
            workbook = read_workbook(source, is_contract_sheet, reader=reader)
        else:
            workbook = workbook_of_frames(source)
    with watch.lap("validate"):
        problem, diagnostics = validate(workbook, options.settings)
    if isinstance(source, Path) and zipfile.is_zipfile(source) and has_macros(source):
        note = "The workbook contains macros; they were not run, and the output has none."
        diagnostics.append(info("", "", note))
    return problem, diagnostics


def solve_workbook(
    source: Source, options: RunOptions = RunOptions(), reader: Reader | None = None
) -> Result:
    """Solve one workbook (a file, or its sheets as DataFrames) and return its result, with
    every output sheet; nothing is written. A batch passes its long-lived `reader`."""
    with collector_paused(collect=True):
        return _solve(source, options, reader)


def process_workbook(
    path: Path, output: Path, options: RunOptions = RunOptions(), reader: Reader | None = None
) -> Result:
    """Solve one workbook file and write its output workbook to `output`; an output that
    cannot be written is the result's `output_error`, in words."""
    result = solve_workbook(path, options, reader)
    started = time.perf_counter()
    try:
        result.to_excel(output, keep_history=True)
        result.output = output
    except OSError as exc:
        result.output_error = f"its output could not be written to {output.parent}: {reason(exc)}"
    written = time.perf_counter() - started
    result.timings["write"] = written
    result.seconds += written
    return result


def _solve(source: Source, options: RunOptions, reader: Reader | None) -> Result:
    started = time.perf_counter()
    watch = Stopwatch()
    path = source if isinstance(source, Path) else None
    run = RunInfo(path.name if path else None, None)
    try:
        if path is not None:
            run = RunInfo(path.name, sha256(path))
        problem, diagnostics = load_problem(source, options, watch, reader)
    except Exception as exc:  # nothing about an input may stop the batch
        invalid = exc if isinstance(exc, InvalidWorkbook) else unreadable(_read_message(run, exc))
        sheets = invalid_tables(run, invalid.diagnostics, options.settings.get("solver"))
        return _result(Status.INVALID, sheets, invalid.diagnostics, path, started, watch)
    try:
        status, sheets, diagnostics = _solve_and_report(problem, diagnostics, run, options, watch)
    except SolverUnavailable as exc:
        status, diagnostics = Status.ERROR, [error("Settings", "", str(exc))]
        sheets = error_tables(run, diagnostics, problem.settings.solver)
    except Exception as exc:  # a bug must not stop the batch; the output says what happened
        message = (
            f"The optimizer failed on this workbook ({type(exc).__name__}: {exc}). "
            "No plan is recommended; please report this file to the tool's maintainers."
        )
        status, diagnostics = Status.ERROR, [error("", "", message)]
        sheets = error_tables(run, diagnostics, problem.settings.solver)
    return _result(status, sheets, diagnostics, path, started, watch)


def _result(
    status: Status,
    sheets: dict[str, pd.DataFrame],
    diagnostics: list[Diagnostic],
    path: Path | None,
    started: float,
    watch: Stopwatch,
) -> Result:
    seconds = time.perf_counter() - started
    message = _first_error(diagnostics)
    return Result(status, sheets, path, None, "", seconds, message, watch.seconds)


def _solve_and_report(
    problem: Problem,
    diagnostics: list[Diagnostic],
    run: RunInfo,
    options: RunOptions,
    watch: Stopwatch,
) -> tuple[Status, dict[str, pd.DataFrame], list[Diagnostic]]:
    solver, time_limit = problem.settings.solver, problem.settings.time_limit
    with watch.lap("build"):
        session = Session(problem, solver, time_limit, workers=options.workers)
    with watch.lap("solve"):
        solved = session.solve()
    with watch.lap("analyse"):  # the cost of each family goes on in a thread, see `analyse`
        analysis = analyse(problem, solved, session, options.workers)
    with watch.lap("verify"):
        result, extra = _checked(problem, solved, solver, time_limit)
    diagnostics = sorted([*diagnostics, *extra], key=lambda d: LEVEL_ORDER[d.level])
    if result is not solved:  # the plan failed its check: nothing may be compared with it
        with watch.lap("analyse"):
            analysis.wait()  # one thread at a time uses the session
            analysis = analyse(problem, result, session, options.workers)
    with watch.lap("report"):
        tables = result_tables(run, problem, result, diagnostics, analysis)
    return Status.of(result.status), tables, diagnostics


def _read_message(run: RunInfo, exc: Exception) -> str:
    name = run.input_file or "The workbook"
    if isinstance(exc, OSError):
        return f"{name} could not be opened ({reason(exc)}). Check that the file is readable."
    return (
        f"{name} could not be read ({type(exc).__name__}: {exc}). Open it in Excel and "
        "save it again as .xlsx."
    )


def _first_error(diagnostics: list[Diagnostic]) -> str:
    """The first error, with where it stands and how many more there are."""
    errors = [d for d in diagnostics if d.level is Level.ERROR]
    if not errors:
        return ""
    first = errors[0]
    where = f"{first.sheet}!{first.cell}: " if first.cell else ""
    extra = len(errors) - 1
    more = f" (and {extra} more error{'s' * (extra > 1)}; see Diagnostics)" if extra else ""
    return f"{where}{first.message}{more}"


def _checked(
    problem: Problem, result: SolveResult, solver: str, time_limit: float
) -> tuple[SolveResult, list[Diagnostic]]:
    """Keep the plan only if it passes verification; say why in the diagnostics."""
    if result.status is SolveStatus.INFEASIBLE:
        return result, explain_infeasible(problem, solver, time_limit)
    if result.plan is None:
        return result, [error("", "", result.message)]
    violations = verify(problem, result.plan)
    if violations:
        message = (
            "The solver returned a plan that breaks the limits, so it is not written "
            f"as a recommendation: {'; '.join(violations[:5])}."
        )
        status = (
            SolveStatus.TIME_LIMIT if result.status is SolveStatus.TIME_LIMIT else SolveStatus.ERROR
        )
        broken = SolveResult(status, result.solver, result.seconds, message=message)
        return broken, [error("", "", message)]
    if result.status is SolveStatus.TIME_LIMIT:
        return result, [error("", "", result.message)]
    return result, [info("", "", "Every limit was re-checked on the plan and holds.")]
