"""A batch's progress on standard error: one line per workbook, and a bar below the lines on a
terminal; plain lines otherwise (pipes, files, cron, CI), so nothing of the bar ever reaches a
log."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Iterator
from types import TracebackType
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

import click

from optimizer.contract.status import Status

if TYPE_CHECKING:
    from tqdm import tqdm

    from optimizer.batch.result import Result

MIN_BAR_WORKBOOKS = 3  # a shorter batch gets no bar: it would only flicker
T = TypeVar("T")


def show_bar(stream: TextIO, count: int) -> bool:
    """A bar only for a batch of MIN_BAR_WORKBOOKS or more written to a terminal that can
    redraw a line (not TERM=dumb). The bar has no colour, so NO_COLOR needs nothing more."""
    if count < MIN_BAR_WORKBOOKS or os.environ.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


class Progress:
    """Prints each workbook's line on standard error and, when `show_bar` says so, keeps a bar
    of the workbooks done out of `total` (elapsed, ETA) below them; the bar is cleared at
    the end, leaving exactly the lines of a run without it."""

    def __init__(self, total: int) -> None:
        self.stream = sys.stderr
        self.bar: tqdm[Any] | None = None
        if show_bar(self.stream, total):
            from tqdm import tqdm  # imported only when a bar is shown: startup time matters

            self.bar = tqdm(
                total=total, file=self.stream, unit="workbook", leave=False, dynamic_ncols=True
            )

    def advance(self) -> None:
        """One more workbook finished, whichever it was."""
        if self.bar is not None:
            self.bar.update()

    def echo(self, line: str) -> None:
        if self.bar is None:
            click.echo(line, err=True)
        else:
            self.bar.write(line, file=self.stream)

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self.bar is not None:
            self.bar.close()


def in_order(done: Iterable[tuple[int, T]], finished: Callable[[], None]) -> Iterator[T]:
    """The values of `done`, (index, value) pairs for the indexes 0, 1, 2, ... in the order
    they finish, in the order of their indexes; `finished` is called as each one arrives."""
    waiting: dict[int, T] = {}
    following = 0
    for index, value in done:
        finished()
        waiting[index] = value
        while following in waiting:
            yield waiting.pop(following)
            following += 1


class Lines:
    """The command line's listener of a batch (`optimizer.batch.run.Listener`): each
    workbook's verdict line and every note on standard error, with a `Progress` bar."""

    def __init__(self) -> None:
        self.progress: Progress | None = None

    def started(self, workbooks: int) -> None:
        self.progress = Progress(workbooks)

    def finished(self) -> None:
        if self.progress is not None:
            self.progress.advance()

    def result(self, result: Result) -> None:
        self.note(verdict_line(result))

    def note(self, text: str) -> None:
        if self.progress is None:
            click.echo(text, err=True)
        else:
            self.progress.echo(text)

    def close(self) -> None:
        if self.progress is not None:
            self.progress.__exit__(None, None, None)
            self.progress = None


def verdict_line(result: Result) -> str:
    """One workbook in one line: name, status, total cost, seconds, and what went wrong."""
    name = result.input.name if result.input is not None else "workbook"
    parts = [f"{name}: {result.status}"]
    if result.total_cost is not None:
        currency = result.summary.get("currency")
        unit = f" {currency}" if isinstance(currency, str) and currency else ""
        parts.append(f"total cost {result.total_cost:,.2f}{unit}")
    parts.append(f"{result.seconds:.1f} s")
    if result.status is not Status.OPTIMAL and result.message:
        parts.append(result.message)
    if result.output_error:
        parts.append(result.output_error)
    line = ", ".join(parts)
    return f"{line} -> {result.output}" if result.output else line
