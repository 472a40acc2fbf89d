"""Sourcing-diversification optimizer: the cheapest supplier mix under country caps, risk limits
and resilience requirements, from Excel workbooks to Excel workbooks.

    import optimizer
    result = optimizer.solve("inputs/gallium.xlsx", time_limit=60)
    result.status, result.total_cost, result.allocation
    result.to_excel("gallium_allocation.xlsx")
    results = optimizer.run_batch(["inputs"], out="outputs", workers=2)
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from optimizer.batch.pipeline import RunOptions, solve_workbook
from optimizer.batch.result import Result
from optimizer.batch.run import exit_status, run_batch
from optimizer.contract.status import Status

__version__ = "0.2.0"
__all__ = ["Result", "Status", "__version__", "exit_status", "run_batch", "solve"]


def solve(source: str | Path | Mapping[str, pd.DataFrame], **settings: Any) -> Result:
    """Solve one workbook and return its `Result`; no file is written (`Result.to_excel`
    writes the output workbook).

    `source` is a workbook's path, or its sheets as DataFrames (e.g.
    `pandas.read_excel(path, sheet_name=None)`: each DataFrame's columns are its header row).
    `settings` are any of the Settings sheet's names (`solver="cbc"`, `time_limit=30`,
    `max_country_share=0.5`) and win over the workbook's own. Bad input is a result with
    status "invalid" and its diagnostics, not an exception; a path that does not exist raises
    FileNotFoundError, and a name that is not a setting raises TypeError."""
    if isinstance(source, str | Path):
        path = Path(source)
        if not path.exists():
            raise FileNotFoundError(f"{path}: no such file or folder")
        return solve_workbook(path, RunOptions(settings=settings))
    return solve_workbook(source, RunOptions(settings=settings))
