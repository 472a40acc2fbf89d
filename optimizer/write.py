"""Write the output workbook atomically; text always stays text, never a formula or a link."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

import pandas as pd
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

EXCEL_MAX_TEXT = 32_767
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
    return ILLEGAL_CHARACTERS_RE.sub("", value)[:EXCEL_MAX_TEXT]


def write_workbook(path: Path, tables: dict[str, pd.DataFrame]) -> None:
    """Write `tables` as sheets of `path`: first to a temp file beside it, then rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    temp = Path(temp_name)
    try:
        with pd.ExcelWriter(
            temp, engine="xlsxwriter", engine_kwargs={"options": WRITER_OPTIONS}
        ) as writer:
            for name, table in tables.items():
                clean = table.map(excel_text) if len(table) else table
                clean.to_excel(writer, sheet_name=name, index=False)
                sheet = writer.sheets[name]
                sheet.freeze_panes(1, 0)
                for number, column in enumerate(clean.columns):
                    width = max([len(str(column)), *(len(str(v)) for v in clean[column][:200])])
                    sheet.set_column(number, number, min(max(width + 2, 8), 60))
        with open(temp, "rb+") as written:
            os.fsync(written.fileno())
        os.replace(temp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
