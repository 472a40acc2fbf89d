"""Make the output read at a glance: styled headers, number formats, filters, highlighted binding
caps and native Excel charts. Values are never changed, only how they look."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from xlsxwriter.utility import xl_col_to_name

MONEY = "#,##0.00"
PERCENT = "0.0%"
QUANTITY = "#,##0.00"
INDEX = "0.000"
RISK = "0.0"
CHARTED = ("Country shares", "Frontier")  # sheets whose values a chart shows

MONEY_COLUMNS = {
    "cost",
    "landed_unit_cost",
    "unit_price",
    "freight",
    "fixed_cost",
    "total_cost",
    "total_cost_without",
    "cost_change",
    "objective",
    "shadow_price",
    "current_cost",
    "recommended_cost",
    "cost_difference",
}
QUANTITY_COLUMNS = {
    "quantity",
    "demand",
    "supplied",
    "shortfall",
    "base_plan_shortfall",
    "limit",
    "value",
    "slack",
    "current_quantity",
    "change",
    "reserved",
    "stock_added",
    "available",
    "required",
}
COLUMN_FORMATS = {
    **dict.fromkeys(MONEY_COLUMNS, MONEY),
    **dict.fromkeys(
        [
            "share",
            "cap",
            "limit_share",
            "tariff",
            "share_of_total_cost",
            "current_share",
            "max_country_share",
            "cover",
            "worst_cover",
            "factor",
        ],
        PERCENT,
    ),
    **dict.fromkeys(QUANTITY_COLUMNS, QUANTITY),
    **dict.fromkeys(
        ["hhi", "baseline_hhi", "risk_weighted_hhi", "baseline_risk_weighted_hhi", "current_hhi"],
        INDEX,
    ),
    **dict.fromkeys(["avg_risk", "risk", "max_avg_risk", "current_avg_risk"], RISK),
}
MONEY_ITEMS = {
    "total_cost",
    "objective",
    "baseline_cost",
    "diversification_premium",
    "risk_cost",
    "shortfall_cost",
    "current_cost",
    "change_vs_current",
    "reserve_cost",
    "stock_cost",
    "resilience_cost",
}
SUMMARY_FORMATS = {
    **dict.fromkeys(MONEY_ITEMS, MONEY),
    **dict.fromkeys(["diversification_premium_percent"], PERCENT),
}


IN_LIMITS_OWN_UNIT = {"limit", "value", "slack"}  # of Constraints: quantity, risk or money


@dataclass(frozen=True)
class Labels:
    """What number formats name: the workbook's currency and the one unit of all its materials
    (None when they have none, or several: the Materials sheet's `unit` says which)."""

    currency: str | None = None
    unit: str | None = None

    @classmethod
    def of(cls, tables: dict[str, pd.DataFrame]) -> Labels:
        summary = tables.get("Summary")
        currency = None
        if summary is not None:
            found = summary.loc[summary["item"] == "currency", "value"]
            currency = found.iloc[0] if len(found) and isinstance(found.iloc[0], str) else None
        materials = tables.get("Materials")
        units = set(materials["unit"]) if materials is not None and "unit" in materials else set()
        unit = units.pop() if len(units) == 1 else None
        return cls(currency, unit if isinstance(unit, str) else None)

    def pattern(self, name: str, sheet: str = "") -> str | None:
        """The number format of column `name` (of item `name` in the Summary), with the currency
        after every amount and the unit after every quantity."""
        if sheet == "Summary":
            pattern = SUMMARY_FORMATS.get(name)
            money, quantity = name in MONEY_ITEMS, False
        else:
            pattern = COLUMN_FORMATS.get(name)
            money = name in MONEY_COLUMNS
            quantity = name in QUANTITY_COLUMNS - IN_LIMITS_OWN_UNIT
        if money and self.currency:
            return f'{MONEY} "{_quoted(self.currency)}"'
        if quantity and self.unit:
            return f'{QUANTITY} "{_quoted(self.unit)}"'
        return pattern


def _quoted(text: str) -> str:
    return text.replace('"', "")


def style_sheet(
    workbook: Any, sheet: Any, name: str, table: pd.DataFrame, labels: Labels = Labels()
) -> dict[int, Any]:
    """Header, widths, number formats and filter for one sheet, before its values are written;
    returns the formats of single rows (the Summary's money and percentage rows)."""
    header = workbook.add_format(
        {
            "bold": True,
            "font_color": "#FFFFFF",
            "bg_color": "#1F4E78",
            "text_wrap": True,
            "valign": "top",
            "border": 1,
        }
    )
    patterns = {labels.pattern(str(column), name) for column in table.columns}
    if name == "Summary":
        patterns |= {labels.pattern(str(item), name) for item in table["item"]}
    formats = {p: workbook.add_format({"num_format": p}) for p in patterns if p is not None}
    for number, (column, series) in enumerate(table.items()):
        sheet.write_string(0, number, str(column), header)
        width = max(len(str(column)), _widest(series.to_numpy()[:200]))
        pattern = labels.pattern(str(column), name) if name != "Summary" else None
        if name == "Country shares" and number > 0:
            pattern = PERCENT
        sheet.set_column(number, number, min(max(width + 2, 9), 60), formats.get(pattern))
    sheet.freeze_panes(1, 0)
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)  # printed: every column on the page width
    if name == "Countries" and "binding" in table.columns:
        _highlight_binding(workbook, sheet, table)
    if name != "Summary":
        if len(table):
            sheet.autofilter(0, 0, len(table), len(table.columns) - 1)
        return {}
    return {
        row: formats[pattern]
        for row, item in enumerate(table["item"], 1)
        if (pattern := labels.pattern(str(item), name)) is not None
    }


def _widest(values: np.ndarray) -> int:
    """About the widest of `values` as shown: numbers with separators and two decimals (the
    widest is the one furthest from zero), anything else as text."""
    if not len(values):
        return 0
    if values.dtype.kind in "iuf":
        size = np.abs(values.astype(np.float64))
        size = size[np.isfinite(size)]
        return len(f"{size.max():,.2f}") + 1 if len(size) else 0
    return max(len(f"{v:,.2f}") if isinstance(v, float) else len(str(v)) for v in values.tolist())


def _highlight_binding(workbook: Any, sheet: Any, table: pd.DataFrame) -> None:
    """Rows of countries that sit at their cap, in amber (a conditional format, not a formula
    in any cell)."""
    if not len(table):
        return
    amber = workbook.add_format({"bg_color": "#FFE699"})
    column = xl_col_to_name(list(table.columns).index("binding"))
    rule = {"type": "formula", "criteria": f"=${column}2=TRUE", "format": amber}
    sheet.conditional_format(1, 0, len(table), len(table.columns) - 1, rule)


def add_charts(workbook: Any, sheets: dict[str, Any], tables: dict[str, pd.DataFrame]) -> None:
    shares = tables.get("Country shares")
    if shares is not None and len(shares) and len(shares.columns) > 1:
        rows = len(shares)
        sheets["Country shares"].insert_chart(rows + 3, 0, shares_chart(workbook, shares))
    frontier = tables.get("Frontier")
    if frontier is not None and len(frontier) > 1:
        sheets["Frontier"].insert_chart(len(frontier) + 3, 0, _frontier_chart(workbook, frontier))


def _frontier_chart(workbook: Any, frontier: pd.DataFrame) -> Any:
    """The cost of each point against its factor, the base plan marked apart; the cost axis
    starts at 0, so the premium of a tighter limit is seen at its true size."""
    chart = workbook.add_chart({"type": "scatter", "subtype": "straight_with_markers"})
    points = len(frontier)
    factor = list(frontier.columns).index("factor")
    cost = list(frontier.columns).index("total_cost")
    chart.add_series(
        {
            "name": "Tighter limits",
            "categories": ["Frontier", 2, factor, points, factor],
            "values": ["Frontier", 2, cost, points, cost],
        }
    )
    chart.add_series(
        {
            "name": "Base plan (the workbook's own limits)",
            "categories": ["Frontier", 1, factor, 1, factor],
            "values": ["Frontier", 1, cost, 1, cost],
            "marker": {"type": "diamond", "size": 10, "fill": {"color": "#C00000"}},
            "line": {"none": True},
        }
    )
    of = frontier["factor_of"].iloc[0] if "factor_of" in frontier else "the base plan's value"
    chart.set_title({"name": "What a tighter limit costs"})
    chart.set_x_axis({"name": f"factor (x {of})", "num_format": "0%"})
    chart.set_y_axis({"name": "total cost", "num_format": "#,##0", "min": 0})
    chart.set_legend({"position": "bottom"})
    chart.show_blanks_as("gap")
    return chart


def shares_chart(workbook: Any, shares: pd.DataFrame, width: int = 720) -> Any:
    """A stacked bar per material of the Country shares sheet: where its supply comes from."""
    chart = workbook.add_chart({"type": "bar", "subtype": "percent_stacked"})
    rows = len(shares)
    for column in range(1, len(shares.columns)):
        chart.add_series(
            {
                "name": ["Country shares", 0, column],
                "categories": ["Country shares", 1, 0, rows, 0],
                "values": ["Country shares", 1, column, rows, column],
            }
        )
    chart.set_title({"name": "Where each material comes from"})
    chart.set_x_axis({"num_format": "0%"})
    chart.set_size({"width": width, "height": 120 + 28 * rows})
    return chart
