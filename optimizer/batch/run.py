"""A batch of workbooks: each solved and written once, in this process, in local worker
processes or on a Dask cluster, with the same results in the same order either way.

One workbook never stops the batch: an unreadable input, a failing solver, an output that
cannot be written or a worker that dies is that workbook's result, in words."""

from __future__ import annotations

import contextlib
import multiprocessing
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import replace
from pathlib import Path
from typing import Any, Protocol

from optimizer.batch.inputs import find_workbooks, output_name, output_paths, still_changing
from optimizer.batch.pipeline import RunOptions, process_workbook, solve_workbook
from optimizer.batch.progress import in_order
from optimizer.batch.result import Result
from optimizer.contract.status import Status
from optimizer.model.solve import parts_on
from optimizer.reading.workbook import Reader
from optimizer.writing.files import claim, reason, remove_stale_files

DEFAULT_INPUTS = Path("inputs")
DEFAULT_OUTPUTS = Path("outputs")


class Listener(Protocol):
    """What a batch tells as it goes (the command line prints it; a library caller may not
    listen at all)."""

    def started(self, workbooks: int) -> None:
        """The batch is about to process this many workbooks."""

    def finished(self) -> None:
        """One more workbook is done (in any order)."""

    def result(self, result: Result) -> None:
        """A workbook's result, in the batch's order."""

    def note(self, text: str) -> None:
        """Something the user should know that is no workbook's result (a skipped file)."""


class Silent:
    """A listener that keeps everything to itself."""

    def started(self, workbooks: int) -> None:
        pass

    def finished(self) -> None:
        pass

    def result(self, result: Result) -> None:
        pass

    def note(self, text: str) -> None:
        pass


def run_batch(
    paths: Iterable[str | Path] | str | Path = (),
    out: str | Path | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    *,
    scheduler_timeout: float | None = None,
    listener: Listener | None = None,
    keep_sheets: bool = True,
    **settings: Any,
) -> list[Result]:
    """Solve every workbook in `paths` (files or folders; default `inputs/`) and write one
    output workbook each into `out` (default `outputs/`): what `optimizer run` does.

    `workers` > 1 solves several workbooks at once in local processes (one workbook's
    scenarios, when there is one workbook); `scheduler` sends the workbooks to a Dask
    cluster instead (`scheduler_timeout`: seconds to reach it and to hear from it, default
    Dask's own configuration). `settings` win over every workbook's Settings sheet.
    Returns one result per workbook processed, in the order of the command line; a workbook
    skipped (still being copied, or being written by another run) has none and is told to the
    `listener`. A path that does not exist raises FileNotFoundError."""
    listener = listener or Silent()
    given = [Path(paths)] if isinstance(paths, str | Path) else [Path(p) for p in paths]
    folders_or_files = given or [DEFAULT_INPUTS]
    for path in folders_or_files:
        if not path.exists():
            raise FileNotFoundError(f"{path}: no such file or folder")
    out_dir = Path(out) if out is not None else DEFAULT_OUTPUTS
    workbooks = find_workbooks(folders_or_files, out_dir)
    if not workbooks:
        listener.note(f"No workbooks found in {', '.join(map(str, folders_or_files))}.")
        return []
    with contextlib.suppress(OSError):  # an unwritable output folder: each result says so
        remove_stale_files(out_dir)
    changing = still_changing(workbooks)
    jobs: list[tuple[Path, Path]] = []
    for path, output in output_paths(workbooks, out_dir).items():
        if path in changing:
            listener.note(f"{path.name}: skipped, it is still being copied or saved")
            continue
        if output.name != output_name(path.stem):
            listener.note(
                f"{path.name}: another workbook is also named '{path.stem}', so this one's "
                f"output is {output.name}"
            )
        jobs.append((path, output))
    options = RunOptions(settings=settings, workers=1)
    if scheduler:
        done = _on_cluster(jobs, options, keep_sheets, scheduler, scheduler_timeout)
    else:
        done = _locally(jobs, options, keep_sheets, workers)
    listener.started(len(jobs))
    results = []
    for (path, _), result in zip(jobs, in_order(done, listener.finished), strict=True):
        if result is None:
            listener.note(f"{path.name}: skipped, another run is working on it")
            continue
        listener.result(result)
        results.append(result)
    return results


def exit_status(results: Iterable[Result]) -> int:
    """0 when every workbook was solved to proven optimality and written; 1 when one was
    infeasible, stopped at the time limit or failed; 2 when an input was invalid or an output
    could not be written. The highest applies."""
    return max((result.exit_code for result in results), default=0)


def _locally(
    jobs: list[tuple[Path, Path]], options: RunOptions, keep_sheets: bool, workers: int
) -> Iterator[tuple[int, Result | None]]:
    """Each job's index and result as each finishes, from this process or from `workers`
    processes, each reading its workbooks in one long-lived reading process."""
    if workers <= 1 or len(jobs) <= 1:  # one workbook: its scenarios use the workers
        alone = replace(options, workers=workers)
        with Reader() as reader:
            for index, (path, output) in enumerate(jobs):
                yield index, _claimed(path, output, alone, keep_sheets, reader)
        return
    indexed = list(enumerate(jobs))
    size = max(1, min(CHUNK, len(jobs) // (workers * 4)))  # several chunks for every worker
    chunks = [indexed[start : start + size] for start in range(0, len(indexed), size)]
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = {pool.submit(_chunk, chunk, options, keep_sheets): chunk for chunk in chunks}
        for future in as_completed(futures):
            try:
                yield from future.result()
            except Exception as exc:  # the worker died (killed, out of memory)
                for index, (path, _) in futures[future]:
                    yield index, _lost(path, f"its worker process ended ({exc or type(exc)})")


CHUNK = 8  # workbooks a worker process takes at once
_READER: list[Reader] = []  # a worker process's one reading process, for all its chunks


def _chunk(
    chunk: list[tuple[int, tuple[Path, Path]]], options: RunOptions, keep_sheets: bool
) -> list[tuple[int, Result | None]]:
    """Several workbooks in a worker process, read by its one reading process (which ends with
    the worker: it is a daemon)."""
    if not _READER:
        _READER.append(Reader())
    reader = _READER[0]
    return [
        (index, _claimed(path, output, options, keep_sheets, reader))
        for index, (path, output) in chunk
    ]


def _on_cluster(
    jobs: list[tuple[Path, Path]],
    options: RunOptions,
    keep_sheets: bool,
    scheduler: str,
    timeout: float | None,
) -> Iterator[tuple[int, Result | None]]:
    """Each job's index and result as each finishes, from the workers of a Dask cluster (they
    must see the same input and output folders). One workbook alone is solved here, its
    integer programs (one per few materials) by the cluster's workers."""
    try:
        import dask
        from distributed import Client, as_completed
    except ImportError:
        raise ClusterUnavailable(
            "--scheduler needs the cluster extra: pip install '.[cluster]'"
        ) from None
    seconds = f"{timeout}s" if timeout is not None else None
    timeouts = {} if seconds is None else {"connect": seconds, "tcp": seconds}
    with dask.config.set({f"distributed.comm.timeouts.{k}": v for k, v in timeouts.items()}):
        try:
            client = Client(scheduler, **({} if seconds is None else {"timeout": seconds}))
        except (OSError, ValueError, TypeError) as exc:  # unreachable, or not an address
            raise ClusterUnavailable(
                f"Cannot reach the scheduler at {scheduler}: {exc}. Give the address the "
                "scheduler prints when it starts, e.g. tcp://10.0.0.5:8786."
            ) from None
        with client:
            if len(jobs) == 1:
                (path, output), executor = jobs[0], client.get_executor(pure=False)
                with parts_on(executor):
                    yield 0, _claimed(path, output, options, keep_sheets)
                return
            futures = {
                client.submit(
                    _claimed,
                    path.resolve(),
                    output.resolve(),
                    options,
                    keep_sheets,
                    pure=False,
                ): index
                for index, (path, output) in enumerate(jobs)
            }
            for future in as_completed(futures):
                index = futures[future]
                try:
                    result = future.result()
                except Exception as exc:  # a worker died: that workbook's verdict
                    message = f"the cluster could not process it ({type(exc).__name__}: {exc})"
                    result = _lost(jobs[index][0], message)
                yield index, result


class ClusterUnavailable(RuntimeError):
    """The Dask scheduler cannot be reached, or the cluster extra is not installed."""


def _claimed(
    path: Path,
    output: Path,
    options: RunOptions,
    keep_sheets: bool,
    reader: Reader | None = None,
) -> Result | None:
    """Process one workbook unless another live run has claimed its output; None then."""
    try:
        with claim(output) as mine:
            if not mine:
                return None
            result = process_workbook(path, output, options, reader)
    except OSError as exc:  # not even a claim can be made in the output folder
        result = solve_workbook(path, options, reader)
        result.output_error = f"its output could not be written to {output.parent}: {reason(exc)}"
    if not keep_sheets:
        result.sheets = {name: s for name, s in result.sheets.items() if name == "Summary"}
    return result


def _lost(path: Path, message: str) -> Result:
    return Result(Status.ERROR, {}, path, message=message)
