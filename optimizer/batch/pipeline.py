"""One workbook through every stage: read, validate, solve, verify, report, write."""

from __future__ import annotations

import hashlib
import os
import time
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

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
from optimizer.contract.status import SolveStatus, Status
from optimizer.insight.analysis import analyse
from optimizer.insight.explain import explain_infeasible
from optimizer.insight.report import RunInfo, error_tables, invalid_tables, result_tables
from optimizer.model.solve import Session, SolveResult, SolverUnavailable
from optimizer.model.verify import plan_cost, verify
from optimizer.reading.filetype import has_macros
from optimizer.reading.validate import is_contract_sheet, validate
from optimizer.reading.workbook import WORKBOOK_SUFFIXES, read_workbook
from optimizer.writing.xlsx import write_workbook

OUTPUT_SUFFIX = "_allocation.xlsx"
# A file changed more recently than this is watched for that long; tests set it to 0.
SETTLE_SECONDS = float(os.environ.get("OPTIMIZER_SETTLE_SECONDS", "1.0"))


@dataclass(frozen=True)
class Outcome:
    """What happened to one input workbook."""

    input: Path
    output: Path | None
    status: Status
    total_cost: float | None
    seconds: float
    message: str = ""
    timings: dict[str, float] = field(default_factory=dict)  # seconds per stage


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
    solver: str | None = None  # None: the workbook's setting
    time_limit: float | None = None  # None: the workbook's setting
    workers: int = 1  # processes for one workbook's scenarios


def is_input_workbook(path: Path) -> bool:
    """Workbooks only; Excel/LibreOffice lock files and hidden files are skipped."""
    name = path.name
    return (
        path.is_file()
        and path.suffix.lower() in WORKBOOK_SUFFIXES
        and not name.startswith(("~$", ".~lock.", "."))
    )


def find_workbooks(paths: Iterable[Path], out_dir: Path | None = None) -> list[Path]:
    """The workbooks named, and those directly inside the folders named, in a stable order;
    in a folder that is also the output folder, our own `*_allocation.xlsx` are not inputs."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            own_outputs = out_dir is not None and path.resolve() == out_dir.resolve()
            found.extend(
                sorted(
                    p
                    for p in path.iterdir()
                    if is_input_workbook(p) and not (own_outputs and p.name.endswith(OUTPUT_SUFFIX))
                )
            )
        elif is_input_workbook(path):
            found.append(path)
    return found


def still_changing(paths: list[Path]) -> set[Path]:
    """The files that are still being written or copied: recently modified ones whose size or
    modification time changes while we watch them for a moment."""

    def state(path: Path) -> tuple[int, int] | None:
        try:
            stat = path.stat()
        except OSError:
            return None
        return stat.st_size, stat.st_mtime_ns

    now = time.time()
    states = {p: state(p) for p in paths}
    recent = {
        p: before
        for p, before in states.items()
        if before is not None and now - before[1] / 1e9 < SETTLE_SECONDS
    }
    if not recent:
        return set()
    time.sleep(SETTLE_SECONDS)
    return {p for p, before in recent.items() if state(p) != before}


def output_path(path: Path, out_dir: Path) -> Path:
    return out_dir / f"{path.stem}{OUTPUT_SUFFIX}"


def output_paths(workbooks: list[Path], out_dir: Path) -> dict[Path, Path]:
    """`<stem>_allocation.xlsx` for each workbook; when two share a stem (`plan.xlsx`,
    `plan.ods`), the later one's output also names its type (`plan_ods_allocation.xlsx`), so
    no result replaces another."""
    outputs: dict[Path, Path] = {}
    taken: set[Path] = set()
    for path in workbooks:
        output = output_path(path, out_dir)
        if output in taken:
            output = out_dir / f"{path.stem}_{path.suffix.lstrip('.').lower()}{OUTPUT_SUFFIX}"
        taken.add(output)
        outputs[path] = output
    return outputs


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_problem(path: Path, watch: Stopwatch | None = None) -> tuple[Problem, list[Diagnostic]]:
    """Read and validate one workbook; raise InvalidWorkbook with every problem found."""
    watch = watch or Stopwatch()
    with watch.lap("read"):
        workbook = read_workbook(path, is_contract_sheet)
    with watch.lap("validate"):
        problem, diagnostics = validate(workbook)
    if zipfile.is_zipfile(path) and has_macros(path):
        note = "The workbook contains macros; they were not run, and the output has none."
        diagnostics.append(info("", "", note))
    return problem, diagnostics


def process_workbook(
    path: Path, out_dir: Path, options: RunOptions = RunOptions(), output: Path | None = None
) -> Outcome:
    """Solve one workbook and write its output workbook (`output`, else the usual name in
    `out_dir`); never raises for a bad input, and a failure of the optimizer itself still
    leaves an output that says so."""
    with collector_paused(collect=True):
        return _process(path, out_dir, options, output)


def _process(path: Path, out_dir: Path, options: RunOptions, output: Path | None) -> Outcome:
    started = time.perf_counter()
    watch = Stopwatch()
    output = output or output_path(path, out_dir)
    run = RunInfo(path.name, "")
    try:
        run = RunInfo(path.name, sha256(path))
        problem, diagnostics = load_problem(path, watch)
    except Exception as exc:  # nothing about an input may stop the batch
        invalid = exc if isinstance(exc, InvalidWorkbook) else unreadable(_read_message(path, exc))
        with watch.lap("write"):
            write_workbook(output, invalid_tables(run, invalid.diagnostics, options.solver))
        seconds = time.perf_counter() - started
        message = _first_error(invalid.diagnostics)
        return Outcome(path, output, Status.INVALID, None, seconds, message, watch.seconds)
    try:
        status, cost, tables, diagnostics = _solve_and_report(
            problem, diagnostics, run, options, watch
        )
    except SolverUnavailable as exc:
        status, cost, diagnostics = Status.ERROR, None, [error("Settings", "", str(exc))]
        tables = error_tables(run, diagnostics, options.solver)
    except Exception as exc:  # a bug must not stop the batch; the output says what happened
        message = (
            f"The optimizer failed on this workbook ({type(exc).__name__}: {exc}). "
            "No plan is recommended; please report this file to the tool's maintainers."
        )
        status, cost, diagnostics = Status.ERROR, None, [error("", "", message)]
        tables = error_tables(run, diagnostics, options.solver)
    with watch.lap("write"):
        write_workbook(output, tables)
    seconds = time.perf_counter() - started
    return Outcome(path, output, status, cost, seconds, _first_error(diagnostics), watch.seconds)


def _solve_and_report(
    problem: Problem,
    diagnostics: list[Diagnostic],
    run: RunInfo,
    options: RunOptions,
    watch: Stopwatch,
) -> tuple[Status, float | None, dict[str, pd.DataFrame], list[Diagnostic]]:
    solver = options.solver or problem.settings.solver
    time_limit = options.time_limit or problem.settings.time_limit
    with watch.lap("build"):
        session = Session(problem, solver, time_limit)
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
    cost = plan_cost(problem, result.plan) if result.plan is not None else None
    with watch.lap("report"):
        tables = result_tables(run, problem, result, diagnostics, analysis)
    return Status.of(result.status), cost, tables, diagnostics


def _read_message(path: Path, exc: Exception) -> str:
    if isinstance(exc, OSError):
        reason = exc.strerror or type(exc).__name__
        return f"{path.name} could not be opened ({reason}). Check that the file is readable."
    return (
        f"{path.name} could not be read ({type(exc).__name__}: {exc}). Open it in Excel and "
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
