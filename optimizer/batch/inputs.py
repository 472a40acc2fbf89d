"""Which files a batch reads and what their outputs are called.

A folder means every input workbook directly in it; a file named explicitly is always read
(if it is not a workbook, its verdict says so). The same file reached twice (two spellings of
its path, a link, or a folder and its own name) is read once. Two different inputs with the
same stem never share an output."""

from __future__ import annotations

import itertools
import os
import re
import time
from collections.abc import Iterable
from pathlib import Path

from optimizer.contract.schema import OUTPUT_SUFFIX
from optimizer.reading.workbook import WORKBOOK_SUFFIXES
from optimizer.writing.files import NAME_MAX, fitted

# A file changed more recently than this is watched for that long; tests set it to 0.
SETTLE_SECONDS = float(os.environ.get("OPTIMIZER_SETTLE_SECONDS", "1.0"))


def is_input_workbook(path: Path) -> bool:
    """A workbook in a folder: not a lock file of Excel or LibreOffice, not a hidden file."""
    name = path.name
    return (
        path.suffix.lower() in WORKBOOK_SUFFIXES
        and not name.startswith(("~$", ".~lock.", "."))
        and path.is_file()
    )


def find_workbooks(paths: Iterable[Path], out_dir: Path | None = None) -> list[Path]:
    """The files named and the workbooks directly inside the folders named, in a stable order,
    each file once (under its own name rather than a link's); in a folder that is also the
    output folder, the tool's own outputs (`plan_allocation.xlsx` beside `plan.xlsx`) are not
    inputs."""
    found: list[Path] = []
    where: dict[tuple[int, int], int] = {}  # file -> its position in `found`
    for path in paths:
        candidates = _folder_workbooks(path, out_dir) if path.is_dir() else [path]
        for candidate in candidates:
            identity = _identity(candidate)
            if identity is None:
                found.append(candidate)
            elif identity not in where:
                where[identity] = len(found)
                found.append(candidate)
            elif found[where[identity]].is_symlink() and not candidate.is_symlink():
                found[where[identity]] = candidate  # the file itself, not a link to it
    return found


def _folder_workbooks(folder: Path, out_dir: Path | None) -> list[Path]:
    workbooks = sorted(p for p in folder.iterdir() if is_input_workbook(p))
    if out_dir is None or not _same_folder(folder, out_dir):
        return workbooks
    stems = {p.stem.casefold() for p in workbooks}
    return [
        p
        for p in workbooks
        if not (
            p.name.endswith(OUTPUT_SUFFIX)
            and p.name.removesuffix(OUTPUT_SUFFIX).casefold() in stems
        )
    ]


def _identity(path: Path) -> tuple[int, int] | None:
    """The file behind `path` (device and inode, through links); None when it cannot be seen."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_dev, stat.st_ino


def _same_folder(first: Path, second: Path) -> bool:
    try:
        return first.samefile(second)
    except OSError:
        return False


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


def output_name(stem: str, tag: str = "") -> str:
    """`<stem>_allocation.xlsx` (`<stem>_<tag>_allocation.xlsx` with a tag), the stem shortened
    when the name would not fit the file system, and never looking like a hidden or lock file
    (a `.~lock.plan.xlsx#` named on the command line gets `lock.plan.xlsx#_allocation.xlsx`)."""
    stem = HIDDEN.sub("", stem) or "workbook"
    return fitted(stem, f"_{tag}{OUTPUT_SUFFIX}" if tag else OUTPUT_SUFFIX)


HIDDEN = re.compile(r"^(?:~\$|[.~])+")  # what makes a name a lock file's or hidden


SUFFIX_ORDER = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods")  # which input keeps the plain name


def output_paths(workbooks: list[Path], out_dir: Path) -> dict[Path, Path]:
    """`<stem>_allocation.xlsx` for each workbook. Of inputs that share a stem, the one of the
    first type in SUFFIX_ORDER (then the first given) keeps that name, so that adding a
    `plan.ods` beside `plan.xlsx` never moves `plan.xlsx`'s result; each other one's name also
    says what tells it apart: its type (`plan_ods_allocation.xlsx`), else its folder's name
    (`plan_north_allocation.xlsx`), a number as a last resort."""
    rank = {suffix: k for k, suffix in enumerate(SUFFIX_ORDER)}
    order = sorted(
        range(len(workbooks)),
        key=lambda k: (rank.get(workbooks[k].suffix.lower(), len(rank)), k),
    )
    taken: dict[str, Path] = {}  # name (casefolded) -> the input that has it
    outputs: dict[Path, Path] = {}
    for path in (workbooks[k] for k in order):
        kind, folder = path.suffix.lstrip(".").lower(), path.resolve().parent.name
        first = taken.get(output_name(path.stem).casefold())
        same_kind = first is not None and first.suffix.lower() == path.suffix.lower()
        tags = ["", folder, kind] if same_kind else ["", kind, folder]
        every = itertools.chain(tags, [f"{folder}_{kind}"], map(str, itertools.count(2)))
        name = next(
            n
            for n in (output_name(path.stem, tag) for tag in every)
            if n.casefold() not in taken and len(n.encode(errors="surrogateescape")) <= NAME_MAX
        )
        taken[name.casefold()] = path
        outputs[path] = out_dir / name
    return {path: outputs[path] for path in workbooks}
