"""A table longer than a sheet continues on `<sheet> 2`, `<sheet> 3`, ... (contract, Output
workbook), every row written once, each part with the header."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from optimizer.writing import xlsx


def test_a_table_longer_than_a_sheet_continues_on_numbered_sheets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(xlsx, "EXCEL_MAX_ROWS", 4)  # a header and three rows a sheet
    allocation = pd.DataFrame({"supplier": [f"S{k}" for k in range(7)], "quantity": range(7)})
    summary = pd.DataFrame({"item": ["status"], "value": ["optimal"], "meaning": [""]})
    path = tmp_path / "long.xlsx"

    xlsx.write_workbook(path, {"Summary": summary, "Allocation": allocation}, lambda *_: None)

    book = openpyxl.load_workbook(path, read_only=True)
    assert book.sheetnames == ["Summary", "Allocation", "Allocation 2", "Allocation 3"]
    parts = [list(book[name].iter_rows(values_only=True)) for name in book.sheetnames[1:]]
    assert all(part[0] == ("supplier", "quantity") for part in parts)
    rows = [row for part in parts for row in part[1:]]
    assert rows == [(f"S{k}", k) for k in range(7)]


def test_a_table_that_fits_keeps_one_sheet(tmp_path: Path) -> None:
    table = pd.DataFrame({"supplier": ["A", "B"], "quantity": [1.0, 2.0]})
    assert [(name, kind, len(rows)) for name, kind, rows in xlsx.sheet_parts({"X": table})] == [
        ("X", "X", 2)
    ]
