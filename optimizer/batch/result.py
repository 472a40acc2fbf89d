"""What one workbook gave: its status, its output sheets as DataFrames, and where it went."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from optimizer.contract.status import EXIT_CODES, Status
from optimizer.insight.report import SHEET_COLUMNS
from optimizer.writing.xlsx import write_workbook


@dataclass
class Result:
    """The outcome of one workbook, as `optimizer.solve` and `optimizer.run_batch` return it.

    `status` is "optimal", "infeasible", "time_limit", "invalid" or "error"; every output sheet
    is a DataFrame with the contract's columns (`allocation`, `materials`, `countries`,
    `constraints`, `scenarios`, `diagnostics`, ...; empty when the workbook does not produce
    it), `summary` holds the Summary rows as a dict, and `to_excel` writes the output workbook.
    """

    status: Status
    sheets: dict[str, pd.DataFrame] = field(repr=False)
    input: Path | None = None
    output: Path | None = None  # where the output workbook was written, if it was
    output_error: str = ""  # why the output could not be written, in words
    seconds: float = 0.0
    message: str = ""  # the first error, with its cell, for a one-line verdict
    timings: dict[str, float] = field(default_factory=dict, repr=False)  # seconds per stage

    @property
    def summary(self) -> dict[str, Any]:
        """The Summary sheet's rows: item -> value."""
        table = self.sheets.get("Summary")
        if table is None:
            return {}
        return {
            str(item): _plain(value)
            for item, value in zip(table["item"], table["value"], strict=True)
        }

    @property
    def total_cost(self) -> float | None:
        return self.summary.get("total_cost")

    @property
    def baseline_cost(self) -> float | None:
        return self.summary.get("baseline_cost")

    @property
    def exit_code(self) -> int:
        """What this workbook adds to the batch's exit status (the highest applies)."""
        return max(EXIT_CODES[self.status], 2 if self.output_error else 0)

    def sheet(self, name: str) -> pd.DataFrame:
        """The output sheet `name`; an empty one with its columns when the workbook has none."""
        table = self.sheets.get(name)
        if table is not None:
            return table
        return pd.DataFrame(columns=SHEET_COLUMNS.get(name, []))

    @property
    def allocation(self) -> pd.DataFrame:
        return self.sheet("Allocation")

    @property
    def materials(self) -> pd.DataFrame:
        return self.sheet("Materials")

    @property
    def countries(self) -> pd.DataFrame:
        return self.sheet("Countries")

    @property
    def constraints(self) -> pd.DataFrame:
        return self.sheet("Constraints")

    @property
    def scenarios(self) -> pd.DataFrame:
        return self.sheet("Scenarios")

    @property
    def resilience(self) -> pd.DataFrame:
        return self.sheet("Resilience")

    @property
    def frontier(self) -> pd.DataFrame:
        return self.sheet("Frontier")

    @property
    def limits_cost(self) -> pd.DataFrame:
        return self.sheet("Limits cost")

    @property
    def diagnostics(self) -> pd.DataFrame:
        return self.sheet("Diagnostics")

    def to_excel(self, path: str | Path, keep_history: bool = False) -> Path:
        """Write the output workbook to `path`, atomically (a temp file, then a rename); with
        `keep_history`, a file it replaces is kept in `previous/` beside it (as `optimizer run`
        does)."""
        path = Path(path)
        write_workbook(path, self.sheets, keep_history=keep_history)
        return path


def _plain(value: Any) -> Any:
    """A Summary value as plain Python: NaN (a blank cell) as None, numpy numbers as floats."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value.item() if hasattr(value, "item") else value
