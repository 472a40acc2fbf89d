"""An input workbook an analyst can fill in without the README: every sheet and column of the
contract, an Instructions sheet, a comment on each header, and Excel data validation
(numbers >= 0, shares as percentages, yes/no and lists of the names entered elsewhere)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from optimizer.contract.schema import (
    INSTRUCTIONS,
    SETTING_SPECS,
    SHEETS,
    Column,
    Kind,
    SettingSpec,
    SheetSpec,
)
from optimizer.writing.xlsx import write_workbook

ROWS = 2_000  # data rows that get validation

NUMBER_RULES: dict[Kind, dict[str, Any]] = {
    Kind.AMOUNT: {"validate": "decimal", "criteria": ">=", "value": 0},
    Kind.FACTOR: {"validate": "decimal", "criteria": ">=", "value": 0},
    Kind.POSITIVE: {"validate": "decimal", "criteria": ">", "value": 0},
    Kind.SHARE: {"validate": "decimal", "criteria": "between", "minimum": 0, "maximum": 1},
    Kind.RISK: {"validate": "decimal", "criteria": "between", "minimum": 0, "maximum": 100},
    Kind.COUNT: {"validate": "integer", "criteria": ">=", "value": 1},
    Kind.YES_NO: {"validate": "list", "source": ["yes", "no"]},
    # a three-letter code such as USD; any other text is allowed after a warning
    Kind.CURRENCY: {"validate": "length", "criteria": "==", "value": 3, "error_type": "warning"},
}
# Lists of the names entered in another sheet: (sheet, column) -> source, strict or a hint.
NAME_LISTS = {
    ("Offers", "material"): ("=Demand!$A$2:$A$2001", "stop"),
    ("Scenarios", "material"): ("=Demand!$A$2:$A$2001", "stop"),
    ("Offers", "country"): ("=Countries!$A$2:$A$2001", "information"),
    ("Offers", "origin"): ("=Countries!$A$2:$A$2001", "information"),
    ("Offers", "currency"): ("=Rates!$A$2:$A$2001", "information"),
    ("Scenarios", "country"): ("=Countries!$A$2:$A$2001", "information"),
    ("Countries", "group"): ("=Groups!$A$2:$A$2001", "stop"),
}


def instructions_table() -> pd.DataFrame:
    rows = [
        ("", "", "", "Fill in Offers and Demand; the other sheets are optional."),
        ("", "", "", "Shares are percentages (40%) or fractions (0.4), never 40."),
        (
            "",
            "",
            "",
            "Quantities are in each material's own unit (Demand.unit); money in the currency "
            "of Settings, or of Offers.currency converted by the Rates sheet.",
        ),
        (
            "",
            "",
            "",
            "Check the workbook with: optimizer validate FILE; solve it with: optimizer run FILE.",
        ),
    ]
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


def template_tables(example: bool = False) -> dict[str, pd.DataFrame]:
    tables = {INSTRUCTIONS: instructions_table()}
    if example:
        from optimizer.writing.example import example_tables

        return {**tables, **example_tables()}
    for spec in SHEETS:
        if spec.name == "Settings":
            rows = [(s.name, s.default) for s in SETTING_SPECS]
            tables[spec.name] = pd.DataFrame(rows, columns=["setting", "value"])
        else:
            tables[spec.name] = pd.DataFrame(columns=[c.name for c in spec.columns])
    return tables


def guide(workbook: Any, sheets: dict[str, Any], tables: dict[str, pd.DataFrame]) -> None:
    """Comments on the headers, validation on the data cells, percentages shown as such."""
    percent = workbook.add_format({"num_format": "0%"})
    for spec in SHEETS:
        sheet = sheets.get(spec.name)
        if sheet is None:
            continue
        names = list(tables[spec.name].columns)
        for column in spec.columns:
            if column.name not in names:
                continue
            number = names.index(column.name)
            sheet.write_comment(0, number, f"{column.name}: {column.help}", {"x_scale": 2})
            if spec.name != "Settings":
                _validate_column(sheet, spec, column, number)
            if column.kind is Kind.SHARE:
                sheet.set_column(number, number, 14, percent)
    settings = sheets.get("Settings")
    if settings is not None:
        specs = {spec.name: spec for spec in SETTING_SPECS}
        for row, name in enumerate(tables["Settings"]["setting"], 1):
            rule = _setting_rule(specs[name]) if name in specs else None
            if rule is not None:
                settings.data_validation(row, 1, row, 1, rule)


def _setting_rule(spec: SettingSpec) -> dict[str, Any] | None:
    """The data validation of a setting's value cell: a list of its choices (for a setting that
    takes several, comma-separated, other text is allowed after a note), or its currency code."""
    if spec.choices:
        rule: dict[str, Any] = {"validate": "list", "source": list(spec.choices)}
        if spec.several:
            rule |= {"error_type": "information", "error_message": f"{spec.name}: {spec.help}"}
        return rule
    if spec.kind is Kind.CURRENCY:
        return {**NUMBER_RULES[spec.kind], "error_message": f"{spec.name}: {spec.help}"}
    return None


def _validate_column(sheet: Any, spec: SheetSpec, column: Column, number: int) -> None:
    rule = NAME_LISTS.get((spec.name, column.name))
    if rule is not None:
        source, style = rule
        options = {
            "validate": "list",
            "source": source,
            "error_type": style,
            "error_message": f"Use a {column.name} listed in another sheet.",
        }
    elif column.kind in NUMBER_RULES:
        options = {**NUMBER_RULES[column.kind], "error_message": f"{column.name}: {column.help}"}
    else:
        return
    sheet.data_validation(1, number, ROWS, number, options)


def write_template(path: Path, example: bool = False) -> None:
    write_workbook(path, template_tables(example), guide)
