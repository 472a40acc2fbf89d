"""Read the cells of a workbook's contract sheets, once each, keeping where every cell stands.

`.xlsx`/`.xlsm` are read with openpyxl (read-only, saved values) because it tells an Excel
error value (`#N/A`) and a formula without a saved value apart from a blank cell;
`.xls`/`.ods` with python-calamine.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import python_calamine
from openpyxl.worksheet._reader import FORMULA_TAG, WorkSheetParser

from optimizer.diagnostics import InvalidWorkbook, unreadable

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")


@dataclass(frozen=True)
class CellError:
    """An Excel error value such as `#DIV/0!` stored in a cell."""

    code: str


@dataclass(frozen=True)
class FormulaWithoutValue:
    """A formula whose result was never saved (files written by scripts, not by Excel)."""


FORMULA_WITHOUT_VALUE = FormulaWithoutValue()

Cell = str | float | int | bool | dt.datetime | dt.date | dt.time | dt.timedelta | CellError
Cell = Cell | FormulaWithoutValue | None


@dataclass(frozen=True)
class Sheet:
    """`rows[r][c]` is the cell in Excel row r + 1, column c + 1; blank cells are None."""

    name: str
    rows: list[list[Cell]]
    hidden: bool = False


@dataclass(frozen=True)
class Workbook:
    sheet_names: list[str]
    sheets: dict[str, Sheet]  # only the sheets that were asked for, by their name in the file


def read_workbook(path: Path, wanted: Callable[[str], bool]) -> Workbook:
    """Read the sheets whose name passes `wanted`; raise InvalidWorkbook if it cannot be read."""
    suffix = path.suffix.lower()
    if suffix not in WORKBOOK_SUFFIXES:
        raise unreadable(f"{path.name} is not a workbook (.xlsx, .xlsm, .xls or .ods).")
    try:
        if suffix in (".xlsx", ".xlsm"):
            return _read_with_openpyxl(path, wanted)
        return _read_with_calamine(path, wanted)
    except InvalidWorkbook:
        raise
    except python_calamine.PasswordError as exc:
        raise unreadable(_password_message(path)) from exc
    except Exception as exc:
        raise unreadable(_unreadable_message(path, exc)) from exc


def _password_message(path: Path) -> str:
    return (
        f"{path.name} is protected with a password, so it cannot be read. "
        "Save a copy without a password and drop that in instead."
    )


def _unreadable_message(path: Path, exc: Exception) -> str:
    kind = {".xlsx": "Excel", ".xlsm": "Excel", ".xls": "Excel 97-2003", ".ods": "OpenDocument"}
    detail = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
    return (
        f"{path.name} could not be read as an {kind[path.suffix.lower()]} workbook ({detail}). "
        "Open it in Excel and save it again as .xlsx."
    )


class _CellParser(WorkSheetParser):
    """openpyxl's sheet parser, reading saved values and marking formulas that have none."""

    def parse_cell(self, element: Any) -> dict[str, Any]:
        cell = super().parse_cell(element)
        if cell["value"] is None and element.find(FORMULA_TAG) is not None:
            cell["data_type"] = "f"
        return cell


def _openpyxl_value(cell: dict[str, Any]) -> Cell:
    data_type, value = cell["data_type"], cell["value"]
    if data_type == "e":
        return CellError(str(value))
    if data_type == "f":
        return FORMULA_WITHOUT_VALUE
    if isinstance(value, str) and value == "":
        return None
    return value


def _read_with_openpyxl(path: Path, wanted: Callable[[str], bool]) -> Workbook:
    if zipfile.is_zipfile(path) and _is_encrypted(path):
        raise unreadable(_password_message(path))
    book = openpyxl.load_workbook(path, read_only=True, data_only=True, keep_links=False)
    try:
        sheets: dict[str, Sheet] = {}
        for worksheet in book.worksheets:
            if not wanted(worksheet.title):
                continue
            rows: list[list[Cell]] = []
            with worksheet._get_source() as source:
                parser = _CellParser(
                    source,
                    worksheet._shared_strings,
                    data_only=True,
                    epoch=book.epoch,
                    date_formats=book._date_formats,
                    timedelta_formats=book._timedelta_formats,
                )
                for row_number, cells in parser.parse():
                    values: list[Cell] = []
                    for cell in cells:
                        values.extend([None] * (cell["column"] - 1 - len(values)))
                        values.append(_openpyxl_value(cell))
                    rows.extend([] for _ in range(row_number - 1 - len(rows)))
                    rows.append(values)
            hidden = worksheet.sheet_state != "visible"
            sheets[worksheet.title] = Sheet(worksheet.title, rows, hidden)
        return Workbook(list(book.sheetnames), sheets)
    finally:
        book.close()


def _is_encrypted(path: Path) -> bool:
    with zipfile.ZipFile(path) as archive:
        return "EncryptionInfo" in archive.namelist()


def _calamine_value(value: Any) -> Cell:
    return None if value == "" else value


def _read_with_calamine(path: Path, wanted: Callable[[str], bool]) -> Workbook:
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    try:
        sheets: dict[str, Sheet] = {}
        visible = {
            m.name: m.visible == python_calamine.SheetVisibleEnum.Visible
            for m in book.sheets_metadata
        }
        for name in book.sheet_names:
            if not wanted(name):
                continue
            grid = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
            rows = [[_calamine_value(v) for v in row] for row in grid]
            sheets[name] = Sheet(name, rows, not visible.get(name, True))
        return Workbook(list(book.sheet_names), sheets)
    finally:
        book.close()
