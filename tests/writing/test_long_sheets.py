"""A table longer than a sheet continues on `<sheet> 2`, `<sheet> 3`, ... (the contract), each
part with the header row; here a sheet holds 3 rows, not Excel's 1,048,575."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import python_calamine

from optimizer.writing import xlsx


def test_a_long_table_continues_on_numbered_sheets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(xlsx, "SHEET_ROWS", 3)
    allocation = pd.DataFrame(
        {"material": [f"M{k}" for k in range(7)], "quantity": [float(k) for k in range(7)]}
    )
    summary = pd.DataFrame({"item": ["status"], "value": ["optimal"]})
    path = tmp_path / "out.xlsx"
    xlsx.write_workbook(path, {"Summary": summary, "Allocation": allocation})
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    assert book.sheet_names == ["Summary", "Allocation", "Allocation 2", "Allocation 3"]
    rows = [book.get_sheet_by_name(name).to_python() for name in book.sheet_names[1:]]
    assert [part[0] for part in rows] == [["material", "quantity"]] * 3
    assert [row for part in rows for row in part[1:]] == [[f"M{k}", float(k)] for k in range(7)]
    assert [len(part) - 1 for part in rows] == [3, 3, 1]
