"""Write the output workbook atomically; text always stays text, never a formula or a link."""

from __future__ import annotations

import contextlib
import math
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xlsxwriter
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from optimizer.style import add_charts, style_sheet

EXCEL_MAX_TEXT = 32_767
LARGE_OUTPUT = 200_000  # cells; above this, rows are streamed to disk as they are written
TEMP_SUFFIX = ".tmp"
CLAIM_SUFFIX = ".claim"
WRITER_OPTIONS = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
    "nan_inf_to_errors": True,
}


def excel_text(value: object) -> object:
    """Text Excel can store: no control characters, at most 32,767 characters."""
    if not isinstance(value, str):
        return value
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # e.g. a file name in a legacy encoding, read as surrogates
        value = value.encode("utf-8", "replace").decode("utf-8")
    return ILLEGAL_CHARACTERS_RE.sub("", value)[:EXCEL_MAX_TEXT]


Decorate = Callable[[Any, dict[str, Any], dict[str, pd.DataFrame]], None]


def write_workbook(
    path: Path, tables: dict[str, pd.DataFrame], decorate: Decorate = add_charts
) -> None:
    """Write `tables` as sheets of `path`: first to a temp file beside it, then rename.
    `decorate(workbook, sheets, tables)` adds what is more than values (charts, validation)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    prefix = f".{path.name}.{os.getpid()}."
    handle, temp_name = tempfile.mkstemp(prefix=prefix, suffix=TEMP_SUFFIX, dir=path.parent)
    os.close(handle)
    temp = Path(temp_name)
    cells = sum(table.size for table in tables.values())
    options = {**WRITER_OPTIONS, "constant_memory": cells > LARGE_OUTPUT}
    try:
        book = xlsxwriter.Workbook(str(temp), options)
        sheets = {}
        for name, table in tables.items():
            sheet = sheets[name] = book.add_worksheet(name)
            _write_values(sheet, table, style_sheet(book, sheet, name, table))
        decorate(book, sheets, tables)
        book.close()
        with open(temp, "rb+") as written:
            os.fsync(written.fileno())
        os.replace(temp, path)
        _sync_folder(path.parent)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()


def _write_values(sheet: Any, table: pd.DataFrame, formats: dict[int, Any]) -> None:
    """Row by row (as constant-memory mode needs), text always as text, blanks left blank;
    `formats` maps a row to the format of its value cell (the Summary's money rows)."""
    for row, values in enumerate(table.itertuples(index=False, name=None), 1):
        cell_format = formats.get(row)
        for column, value in enumerate(values):
            if value is None or value is pd.NA:
                continue
            if isinstance(value, str):
                sheet.write_string(row, column, excel_text(value), cell_format)
            elif isinstance(value, bool | np.bool_):
                sheet.write_boolean(row, column, bool(value), cell_format)
            elif isinstance(value, int | float | np.number):
                number = float(value)
                if math.isfinite(number):
                    sheet.write_number(row, column, number, cell_format)
            else:
                sheet.write_string(row, column, excel_text(str(value)), cell_format)


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
    removed = []
    if not folder.is_dir():
        return removed
    for path in folder.glob(".*"):
        if not path.name.endswith((TEMP_SUFFIX, CLAIM_SUFFIX)):
            continue
        owner = _owner(path)
        if owner is not None and _alive(owner):
            continue
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            removed.append(path)
    return removed


@contextlib.contextmanager
def claim(output: Path) -> Iterator[bool]:
    """Claim `output` for this process, atomically; yields False when another live run holds
    it (that run is writing the same output, so this one leaves it alone)."""
    output.parent.mkdir(parents=True, exist_ok=True)
    marker = output.parent / f".{output.name}{CLAIM_SUFFIX}"
    # The claim appears with its owner already in it: written to a private file, then linked
    # into place (atomic, and fails if the claim exists), so no run ever sees an empty claim.
    mine = output.parent / f".{output.name}.{os.getpid()}{CLAIM_SUFFIX}"
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
