"""The output files on disk: written atomically with the permissions of any file the user
creates, earlier versions kept in `previous/`, names that fit the file system, and claims so
that two runs never write the same output at once.

Every name this module derives (temp file, claim, history) fits in NAME_MAX bytes, also for a
long but legal output name: the stem is shortened, never the suffix.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import os
import re
import secrets
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from optimizer.contract.schema import OUTPUT_SUFFIX

NAME_MAX = 255  # bytes in one file name, on every common file system
TEMP_SUFFIX = ".tmp"
CLAIM_SUFFIX = ".claim"
HISTORY = "previous"
HISTORY_KEPT = 10  # earlier outputs kept per input
HISTORY_STAMP = "%Y%m%d-%H%M%S"


def fitted(stem: str, suffix: str, limit: int = NAME_MAX) -> str:
    """`stem + suffix`, the stem shortened (on a character boundary) so that the name fits in
    `limit` bytes of UTF-8."""
    room = limit - len(suffix.encode("utf-8", "surrogateescape"))
    encoded = stem.encode("utf-8", "surrogateescape")
    if len(encoded) > room:
        stem = encoded[: max(room, 1)].decode("utf-8", "ignore") or "output"
    return stem + suffix


def write_atomically(
    path: Path, write: Callable[[BinaryIO], None], keep_history: bool = False
) -> None:
    """`write(handle)` into a temp file beside `path`, flushed to disk, then renamed to `path`:
    readers see the old file or the new one, never half of one. The file gets the permissions of
    any file the user creates (0666 less the umask). With `keep_history`, an existing `path` is
    kept in `previous/` first (see `keep_previous`)."""
    folder = path.parent
    folder.mkdir(parents=True, exist_ok=True)
    temp = folder / fitted(f".{path.name}", f".{os.getpid()}.{secrets.token_hex(4)}{TEMP_SUFFIX}")
    descriptor = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        if keep_history and path.exists():
            keep_previous(path)
        os.replace(temp, path)
        _sync_folder(folder)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()


def keep_previous(path: Path) -> Path:
    """Keep the output at `path` as `previous/<stem>_allocation_<YYYYmmdd-HHMMSS>.xlsx` (the
    time it was written), by a hard link where the file system allows one, and remove all but
    the HISTORY_KEPT newest copies of that output; returns the kept copy."""
    history = path.parent / HISTORY
    history.mkdir(exist_ok=True)
    head = _history_head(path.name)
    stamp = dt.datetime.fromtimestamp(path.stat().st_mtime).strftime(HISTORY_STAMP)
    kept, number = history / f"{head}_{stamp}.xlsx", 1
    while kept.exists():  # two runs within one second
        number += 1
        kept = history / f"{head}_{stamp}_{number}.xlsx"
    try:
        os.link(path, kept)
    except OSError:  # no hard links here (e.g. a FAT or SMB share): a copy does
        shutil.copy2(path, kept)
    same = re.compile(re.escape(head) + r"_\d{8}-\d{6}(_\d+)?\.xlsx")
    copies = sorted(p.name for p in history.iterdir() if same.fullmatch(p.name))
    for old in copies[:-HISTORY_KEPT]:
        with contextlib.suppress(FileNotFoundError):
            (history / old).unlink()
    return kept


def _history_head(output: str) -> str:
    """What the kept copies of the output named `output` start with: `<stem>_allocation`, the
    stem shortened so that a time stamp and a number still fit."""
    if output.endswith(OUTPUT_SUFFIX):
        stem, kind = output.removesuffix(OUTPUT_SUFFIX), OUTPUT_SUFFIX.removesuffix(".xlsx")
    else:
        stem, kind = output.rsplit(".", 1)[0], ""
    longest = f"{kind}_{'0' * len('20261202-120000')}_99.xlsx"  # a stamp and a number
    return fitted(stem, longest).removesuffix(longest) + kind


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (a crash right after it keeps the new name)."""
    with contextlib.suppress(OSError):
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _owner(path: Path) -> int | None:
    """The process id in a temp file's name (`.<output>.<pid>.<random>.tmp`) or a claim file."""
    if path.name.endswith(CLAIM_SUFFIX):
        with contextlib.suppress(OSError, ValueError):
            return int(path.read_text().strip())
        return None
    parts = path.name.split(".")
    return int(parts[-3]) if len(parts) >= 4 and parts[-3].isdigit() else None


def remove_stale_files(folder: Path) -> list[Path]:
    """Delete temp and claim files left in `folder` by runs that were killed."""
    removed: list[Path] = []
    if not folder.is_dir():
        return removed
    for path in folder.glob(".*"):
        if not path.name.endswith((TEMP_SUFFIX, CLAIM_SUFFIX)):
            continue
        owner = _owner(path)
        if owner is not None and _alive(owner):
            continue
        with contextlib.suppress(OSError):
            path.unlink()
            removed.append(path)
    return removed


@contextlib.contextmanager
def claim(output: Path) -> Iterator[bool]:
    """Claim `output` for this process, atomically; yields False when another live run holds
    it (that run is writing the same output, so this one leaves it alone)."""
    output.parent.mkdir(parents=True, exist_ok=True)
    marker = output.parent / fitted(f".{output.name}", CLAIM_SUFFIX)
    # The claim appears with its owner already in it: written to a private file, then linked
    # into place (atomic, and fails if the claim exists), so no run ever sees an empty claim.
    mine = output.parent / fitted(f".{output.name}", f".{os.getpid()}{CLAIM_SUFFIX}")
    mine.write_text(str(os.getpid()))
    try:
        for _ in range(2):
            try:
                os.link(mine, marker)
            except FileExistsError:
                owner = _owner(marker)
                if owner is not None and _alive(owner) and owner != os.getpid():
                    yield False
                    return
                with contextlib.suppress(FileNotFoundError):
                    marker.unlink()
                continue
            try:
                yield True
            finally:
                with contextlib.suppress(FileNotFoundError):
                    marker.unlink()
            return
        yield False
    finally:
        with contextlib.suppress(FileNotFoundError):
            mine.unlink()


REASONS = {
    errno.EROFS: "the folder is on a read-only disk",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is used up",
    errno.ENAMETOOLONG: "the name is too long for the file system",
    errno.ENOENT: "the folder does not exist",
    errno.ENOTDIR: "a part of the path is a file, not a folder",
    errno.EISDIR: "a folder has that name",
    errno.EEXIST: "a file stands where a folder is needed",
    errno.EIO: "the disk reported an input/output error",
}


def reason(error: OSError) -> str:
    """Why a file could not be written, in words."""
    return REASONS.get(error.errno or 0) or error.strerror or type(error).__name__
