"""The command line: a thin layer that turns outcomes into messages and exit codes."""

from __future__ import annotations

from pathlib import Path

import click

from optimizer.batch.inputs import find_workbooks
from optimizer.batch.pipeline import load_problem
from optimizer.batch.progress import Lines
from optimizer.batch.run import DEFAULT_OUTPUTS, ClusterUnavailable, exit_status, run_batch
from optimizer.contract.diagnostics import InvalidWorkbook, Level
from optimizer.model.solve import SOLVERS
from optimizer.writing.files import reason
from optimizer.writing.template import write_template


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
@click.option(
    "--scheduler-timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Seconds to reach the Dask scheduler and to hear from it (default: Dask's config).",
)
def run(
    paths: tuple[Path, ...],
    out_dir: Path,
    solver: str | None,
    time_limit: float | None,
    workers: int,
    scheduler: str | None,
    scheduler_timeout: float | None,
) -> None:
    """Solve every workbook in PATHS (files or folders; default: inputs/)."""
    missing = [p for p in paths if not p.exists()]
    for path in missing:
        click.echo(f"{path}: no such file or folder", err=True)
    if paths and len(missing) == len(paths):
        raise SystemExit(2)
    settings = {"solver": solver, "time_limit": time_limit}
    lines = Lines()
    try:
        results = run_batch(
            [p for p in paths if p.exists()],
            out_dir,
            workers,
            scheduler,
            scheduler_timeout=scheduler_timeout,
            listener=lines,
            keep_sheets=False,
            **{name: value for name, value in settings.items() if value is not None},
        )
    except ClusterUnavailable as exc:
        raise click.ClickException(str(exc)) from None
    except FileNotFoundError as exc:  # no PATH given, and no inputs/ folder here
        click.echo(f"{exc}; name the workbooks or folders to read.", err=True)
        raise SystemExit(2) from None
    finally:
        lines.close()
    raise SystemExit(max(exit_status(results), 2 if missing else 0))


@main.command(name="validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
def validate_command(paths: tuple[Path, ...]) -> None:
    """Check workbooks without solving or writing anything."""
    worst = 0
    for path in [p for p in paths if not p.exists()]:
        click.echo(f"{path}: no such file or folder", err=True)
        worst = 2
    existing = [p for p in paths if p.exists()]
    workbooks = find_workbooks(existing)
    if existing and not workbooks:
        click.echo(f"No workbooks found in {', '.join(map(str, existing))}.", err=True)
    for path in workbooks:
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
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
def template(file: Path, example: bool, force: bool) -> None:
    """Write an input workbook with every sheet and column of the contract, explained."""
    if file.suffix.lower() != ".xlsx":
        click.echo(f"{file}: a template is an Excel workbook; name it .xlsx.", err=True)
        raise SystemExit(2)
    if file.exists() and not force:
        click.echo(f"{file} already exists; give --force to replace it.", err=True)
        raise SystemExit(2)
    try:
        write_template(file, example)
    except OSError as exc:
        click.echo(f"{file} could not be written: {reason(exc)}.", err=True)
        raise SystemExit(2) from None
    click.echo(f"Wrote {file}", err=True)
