"""Lay out the Overview page (`optimizer.insight.overview`): a title, sentences that wrap across
the page, small tables, a chart of where each material comes from, and the run's details at the
foot, printed on one page. Values only: no formula anywhere."""

from __future__ import annotations

from typing import Any

import pandas as pd

from optimizer.contract.schema import excel_text
from optimizer.writing.styles import shares_chart

COLUMN_WIDTHS = (34, 16, 18, 22, 22, 40)  # A to F
CHARS_PER_LINE = sum(COLUMN_WIDTHS) + 10  # of a sentence across A:F
LAST_COLUMN = len(COLUMN_WIDTHS) - 1
PAGE_PIXELS = 7 * sum(COLUMN_WIDTHS)  # about the width of A:F
ROW_PIXELS = 20


def write_overview(
    workbook: Any, sheet: Any, table: pd.DataFrame, shares: pd.DataFrame | None = None
) -> None:
    """Write the Overview's lines into `sheet`, and the chart of where each material comes from
    (the data of the Country shares sheet, `shares`) above the foot note."""
    formats = _formats(workbook)
    for column, width in enumerate(COLUMN_WIDTHS):
        sheet.set_column(column, column, width)
    row = 0
    for line in table.itertuples(index=False):
        kind, cells = line[0], [excel_text(str(c)) for c in line[1:]]
        if kind == "note" and shares is not None and len(shares) and len(shares.columns) > 1:
            chart = shares_chart(workbook, shares, width=PAGE_PIXELS)
            sheet.insert_chart(row + 1, 0, chart)
            row += 2 + -(-chart.height // ROW_PIXELS)
        if kind in ("heading",) and row:
            row += 1  # a blank line before each section
        if kind in ("title", "heading", "text", "note"):
            style = formats[kind]
            sheet.merge_range(row, 0, row, LAST_COLUMN, cells[0], style)
            lines = max(1, -(-len(cells[0]) // CHARS_PER_LINE))
            if kind in ("text", "note") and lines > 1:
                sheet.set_row(row, 15 * lines)
        else:
            style = formats[kind]
            for column, text in enumerate(cells):
                if text or kind == "header":
                    sheet.write_string(row, column, text, style)
        row += 1
    sheet.hide_gridlines(2)
    sheet.set_portrait()
    sheet.set_paper(9)  # A4; Letter printers scale it
    sheet.fit_to_pages(1, 1)
    sheet.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
    sheet.set_footer("&L&8&A&R&8Page &P of &N")
    sheet.activate()


def _formats(workbook: Any) -> dict[str, Any]:
    wrap = {"text_wrap": True, "valign": "top"}
    return {
        "title": workbook.add_format({"bold": True, "font_size": 16, "font_color": "#1F4E78"}),
        "text": workbook.add_format({**wrap, "font_size": 11}),
        "heading": workbook.add_format(
            {"bold": True, "font_size": 12, "font_color": "#1F4E78", "bottom": 1}
        ),
        "header": workbook.add_format(
            {**wrap, "bold": True, "bg_color": "#DDEBF7", "border": 1, "border_color": "#BFBFBF"}
        ),
        "row": workbook.add_format({**wrap, "border": 1, "border_color": "#BFBFBF"}),
        "figure": workbook.add_format({"valign": "top"}),
        "note": workbook.add_format({**wrap, "font_size": 8, "font_color": "#595959"}),
    }
