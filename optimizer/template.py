"""An empty input workbook with every sheet and column of the contract."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from optimizer.schema import SETTING_SPECS, SHEETS
from optimizer.write import write_workbook


def template_tables() -> dict[str, pd.DataFrame]:
    tables = {}
    for spec in SHEETS:
        if spec.name == "Settings":
            rows = [(s.name, s.default if s.default is not None else None) for s in SETTING_SPECS]
            tables[spec.name] = pd.DataFrame(rows, columns=["setting", "value"])
        else:
            tables[spec.name] = pd.DataFrame(columns=[c.name for c in spec.columns])
    return tables


def write_template(path: Path) -> None:
    write_workbook(path, template_tables())
