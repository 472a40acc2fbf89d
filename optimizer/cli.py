"""The command line: a thin layer that turns outcomes into messages and exit codes."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import replace
from pathlib import Path

import click

from optimizer.batch.pipeline import (
    Outcome,
    RunOptions,
    find_workbooks,
    load_problem,
    output_path,
    output_paths,
    process_workbook,
    still_changing,
)
from optimizer.batch.progress import Progress, in_order
from optimizer.contract.diagnostics import InvalidWorkbook, Level
from optimizer.contract.status import EXIT_CODES, Status
from optimizer.model.solve import SOLVERS
from optimizer.writing.template import write_template
from optimizer.writing.xlsx import claim, remove_stale_files

DEFAULT_INPUTS = Path("inputs")
DEFAULT_OUTPUTS = Path("outputs")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="sourcing-optimizer")
def main() -> None:
    """Find the cheapest supplier mix under country caps and risk limits."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_OUTPUTS,
    show_default=True,
    help="Folder for the output workbooks.",
)
@click.option(
    "--solver",
    type=click.Choice(SOLVERS),
    default=None,
    help="Solver for every workbook (default: each workbook's setting, else highs).",
)
@click.option(
    "--time-limit",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Seconds per solve (default: each workbook's setting, else 60).",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Solve this many workbooks (or one workbook's scenarios) at once, in processes.",
)
@click.option(
    "--scheduler",
    envvar="DASK_SCHEDULER_ADDRESS",
    default=None,
    help="Send the workbooks to this Dask scheduler (e.g. tcp://10.0.0.5:8786) instead.",
)
def run(
    paths: tuple[Path, ...],
    out_dir: Path,
    solver: str | None,
    time_limit: float | None,
    workers: int,
    scheduler: str | None,
) -> None:
    """Solve every workbook in PATHS (files or folders; default: inputs/)."""
    missing = [p for p in paths if not p.exists()]
    for path in missing:
        click.echo(f"{path}: no such file or folder", err=True)
    workbooks = find_workbooks(paths or (DEFAULT_INPUTS,), out_dir)
    if not workbooks:
        click.echo(
            f"No workbooks found in {', '.join(map(str, paths or (DEFAULT_INPUTS,)))}.", err=True
        )
    options = RunOptions(solver=solver, time_limit=time_limit)
    worst = 2 if missing else 0
    remove_stale_files(out_dir)
    changing = still_changing(workbooks)
    jobs = []
    for path, output in output_paths(workbooks, out_dir).items():
        if path in changing:
            click.echo(f"{path.name}: skipped, it is still being copied or saved", err=True)
            continue
        if output != output_path(path, out_dir):
            click.echo(
                f"{path.name}: another workbook is also named '{path.stem}', so this one's "
                f"output is {output.name}",
                err=True,
            )
        jobs.append((path, output))
    outcomes = (
        _cluster_outcomes(jobs, out_dir, options, scheduler)
        if scheduler
        else _outcomes(jobs, out_dir, options, workers)
    )
    with Progress(len(jobs)) as progress:
        for (path, _), outcome in zip(jobs, in_order(outcomes, progress.advance), strict=True):
            if outcome is None:
                progress.echo(f"{path.name}: skipped, another run is working on it")
                continue
            progress.echo(_line(outcome))
            worst = max(worst, EXIT_CODES[outcome.status])
    raise SystemExit(worst)


def _outcomes(
    jobs: list[tuple[Path, Path]], out_dir: Path, options: RunOptions, workers: int
) -> Iterator[tuple[int, Outcome | None]]:
    """Each job's index in `jobs` and outcome, as each finishes, from this process or from
    `workers`."""
    if workers <= 1 or len(jobs) <= 1:  # one workbook: its scenarios use the workers
        alone = replace(options, workers=workers)
        for index, (path, output) in enumerate(jobs):
            yield index, _claimed(path, out_dir, alone, output)
        return
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = {
            pool.submit(_claimed, path, out_dir, options, out): index
            for index, (path, out) in enumerate(jobs)
        }
        for future in as_completed(futures):
            yield futures[future], future.result()


def _cluster_outcomes(
    jobs: list[tuple[Path, Path]], out_dir: Path, options: RunOptions, scheduler: str
) -> Iterator[tuple[int, Outcome | None]]:
    """Each job's index in `jobs` and outcome, as each finishes, from the workers of a Dask
    cluster (they must see the same input and output folders)."""
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise click.ClickException(
            "--scheduler needs the cluster extra: pip install '.[cluster]'"
        ) from None
    try:
        client = Client(scheduler, timeout="30s")
    except OSError as exc:
        raise click.ClickException(f"Cannot reach the scheduler at {scheduler}: {exc}") from None
    with client:
        futures = {
            client.submit(
                _claimed, path.resolve(), out_dir.resolve(), options, output.resolve(), pure=False
            ): index
            for index, (path, output) in enumerate(jobs)
        }
        for future in as_completed(futures):
            index = futures[future]
            try:
                outcome = future.result()
            except Exception as exc:  # a worker died: that workbook's verdict, not the batch's
                message = f"the cluster could not process it ({type(exc).__name__}: {exc})"
                outcome = Outcome(jobs[index][0], None, Status.ERROR, None, 0.0, message)
            yield index, outcome


def _claimed(path: Path, out_dir: Path, options: RunOptions, output: Path) -> Outcome | None:
    """Process one workbook unless another live run has claimed its output."""
    with claim(output) as mine:
        return _process(path, out_dir, options, output) if mine else None


def _process(path: Path, out_dir: Path, options: RunOptions, output: Path) -> Outcome:
    try:
        return process_workbook(path, out_dir, options, output)
    except OSError as exc:  # the output folder cannot be written
        message = f"its output could not be written ({exc.strerror or exc})"
        return Outcome(path, None, Status.ERROR, None, 0.0, message)
    except Exception as exc:  # the batch goes on whatever one workbook does
        message = f"the optimizer failed on it ({type(exc).__name__}: {exc})"
        return Outcome(path, None, Status.ERROR, None, 0.0, message)


def _line(outcome: Outcome) -> str:
    parts = [f"{outcome.input.name}: {outcome.status}"]
    if outcome.total_cost is not None:
        parts.append(f"total cost {outcome.total_cost:,.2f}")
    parts.append(f"{outcome.seconds:.1f} s")
    if outcome.status is not Status.OPTIMAL and outcome.message:
        parts.append(outcome.message)
    line = ", ".join(parts)
    return f"{line} -> {outcome.output}" if outcome.output else line


@main.command(name="validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
def validate_command(paths: tuple[Path, ...]) -> None:
    """Check workbooks without solving or writing anything."""
    worst = 0
    for path in [p for p in paths if not p.exists()]:
        click.echo(f"{path}: no such file or folder", err=True)
        worst = 2
    for path in find_workbooks(paths):
        try:
            _, diagnostics = load_problem(path)
            verdict = "valid"
        except InvalidWorkbook as invalid:
            diagnostics, verdict, worst = invalid.diagnostics, "invalid", 2
        click.echo(f"{path.name}: {verdict}")
        for d in diagnostics:
            if d.level is not Level.INFO:
                where = f"{d.sheet}!{d.cell}" if d.cell else d.sheet or path.name
                click.echo(f"  {d.level} {where}: {d.message}")
    raise SystemExit(worst)


@main.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--example", is_flag=True, help="Fill it with the gallium example.")
def template(file: Path, example: bool) -> None:
    """Write an input workbook with every sheet and column of the contract, explained."""
    write_template(file, example)
    click.echo(f"Wrote {file}", err=True)
