"""Shared helpers: build small input workbooks in code (no opaque binary fixtures)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
import xlsxwriter
import xlwt


def openpyxl_book(sheets: dict[str, list[list[Any]]]) -> openpyxl.Workbook:
    """`sheets` (name -> rows) as an openpyxl workbook (strings starting with '=' are formulas)."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    return book


def make_workbook(path: Path, sheets: dict[str, list[list[Any]]]) -> Path:
    """Write `sheets` (name -> rows, first row usually the header) to an .xlsx with openpyxl.

    Strings starting with '=' become formulas (without a saved value), as openpyxl writes them.
    """
    openpyxl_book(sheets).save(path)
    return path


def with_cell(
    sheets: dict[str, list[list[Any]]], sheet: str, row: int, column: int, value: Any
) -> dict[str, list[list[Any]]]:
    """`sheets` with the cell at 1-based (row, column) of `sheet` set to `value`."""
    rows = sheets[sheet]
    while len(rows) < row:
        rows.append([])
    cells = rows[row - 1]
    while len(cells) < column:
        cells.append(None)
    cells[column - 1] = value
    return sheets


def write_xls(path: Path, sheets: dict[str, list[list[Any]]]) -> Path:
    book = xlwt.Workbook()
    for name, rows in sheets.items():
        sheet = book.add_sheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is not None:
                    sheet.write(r, c, value)
    book.save(str(path))
    return path


def write_ods(path: Path, sheets: dict[str, list[list[Any]]]) -> Path:
    with pd.ExcelWriter(path, engine="odf") as writer:
        for name, rows in sheets.items():
            width = max((len(row) for row in rows), default=0)
            padded = [[*row, *([None] * (width - len(row)))] for row in rows]
            frame = pd.DataFrame(padded, dtype=object)
            frame.to_excel(writer, sheet_name=name, index=False, header=False)
    return path


@pytest.fixture(autouse=True)
def no_settling(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files written by a test are complete: don't wait to see whether they still change."""
    monkeypatch.setattr("optimizer.batch.inputs.SETTLE_SECONDS", 0.0)


def write_with_xlsxwriter(
    path: Path,
    sheets: dict[str, list[list[Any]]],
    formulas: dict[tuple[str, str], tuple[str, Any]],
    options: dict[str, Any] | None = None,
) -> Path:
    """Write `sheets` with xlsxwriter; `formulas[(sheet, ref)] = (formula, saved value)`."""
    book = xlsxwriter.Workbook(str(path), options or {})
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is not None:
                    sheet.write(r, c, value)
        for (sheet_name, ref), (formula, saved) in formulas.items():
            if sheet_name == name:
                sheet.write_formula(ref, formula, None, saved)
    book.close()
    return path


OFFERS_HEADER = ["supplier", "country", "material", "unit_price", "capacity"]


@pytest.fixture
def simple_sheets() -> dict[str, list[list[Any]]]:
    """Three offers of one material, 100 units, China capped at 50%: the cheapest plan is
    China 50 @ 10, Japan 30 @ 12, Korea 20 @ 15 = 1,160."""
    return {
        "Offers": [
            OFFERS_HEADER,
            ["ChinaCo", "China", "Ga", 10, 100],
            ["JapanCo", "Japan", "Ga", 12, 30],
            ["KoreaCo", "Korea", "Ga", 15, 100],
        ],
        "Demand": [["material", "quantity"], ["Ga", 100]],
        "Countries": [["country", "max_share"], ["China", 0.5], ["Japan", None], ["Korea", None]],
    }
