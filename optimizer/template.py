"""An empty input workbook with every sheet and column of the contract, and what each means."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from optimizer.schema import SETTING_SPECS, SHEETS
from optimizer.write import write_workbook

INSTRUCTIONS = "Instructions"  # a sheet the reader skips without a warning


def instructions_table() -> pd.DataFrame:
    rows = [("", "", "", "Fill in Offers and Demand; the other sheets are optional.")]
    rows.append(("", "", "", "Shares are fractions or percentages: 40% or 0.4, never 40."))
    for spec in SHEETS:
        rows.append((spec.name, "", "required" if spec.required else "optional", spec.help))
        if spec.name == "Settings":
            rows += [(spec.name, s.name, f"default {s.default}", s.help) for s in SETTING_SPECS]
            continue
        rows += [
            (spec.name, c.name, "required" if c.required else "optional", f"{c.kind}: {c.help}")
            for c in spec.columns
        ]
    return pd.DataFrame(rows, columns=["sheet", "column", "required", "meaning"])


def template_tables() -> dict[str, pd.DataFrame]:
    tables = {INSTRUCTIONS: instructions_table()}
    for spec in SHEETS:
        if spec.name == "Settings":
            rows = [(s.name, s.default) for s in SETTING_SPECS]
            tables[spec.name] = pd.DataFrame(rows, columns=["setting", "value"])
        else:
            tables[spec.name] = pd.DataFrame(columns=[c.name for c in spec.columns])
    return tables


def write_template(path: Path) -> None:
    write_workbook(path, template_tables())
