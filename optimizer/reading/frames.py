"""A workbook given as DataFrames (`optimizer.solve(pandas.read_excel(..., sheet_name=None))`):
each DataFrame's columns are the header row (row 1), its rows the cells from row 2 on."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from optimizer.contract.diagnostics import unreadable
from optimizer.reading.workbook import Cell, Sheet, Workbook


def workbook_of_frames(frames: Mapping[str, pd.DataFrame]) -> Workbook:
    """The sheets of `frames` as a workbook the validator reads like a file's; raise
    InvalidWorkbook when a sheet is not a DataFrame."""
    if not isinstance(frames, Mapping):
        raise unreadable(
            f"The sheets were given as {type(frames).__name__}; give a dict of sheet name to "
            "pandas DataFrame, as pandas.read_excel(path, sheet_name=None) returns."
        )
    for name, frame in frames.items():
        if not isinstance(frame, pd.DataFrame):
            raise unreadable(
                f"Sheet '{name}' was given as {type(frame).__name__}, not a pandas DataFrame "
                "(its columns are the header row)."
            )
    sheets = {
        str(name): Sheet(str(name), [_row(frame.columns), *map(_row, _records(frame))])
        for name, frame in frames.items()
    }
    return Workbook(list(sheets), sheets)


def _records(frame: pd.DataFrame) -> list[list[Any]]:
    return frame.astype(object).to_numpy().tolist()


def _row(values: Any) -> list[Cell]:
    return [_cell(value) for value in values]


def _cell(value: Any) -> Cell:
    """A cell as the file reader gives it: blanks (None, NaN, NaT, "") as None, numpy scalars
    as Python numbers, timestamps as datetimes."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, str | int | float | bool | dt.datetime | dt.date | dt.time):
        return None if value == "" else value
    return str(value)
