"""Write the output workbook atomically; text always stays text, never a formula or a link."""

from __future__ import annotations

import io
import math
import re
import zipfile
from collections.abc import Callable, Iterator
from itertools import chain, repeat
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pandas as pd
import xlsxwriter
from xlsxwriter.utility import xl_col_to_name

from optimizer.contract.schema import EXCEL_MAX_ROWS, EXCEL_MAX_TEXT, excel_text
from optimizer.writing.files import write_atomically
from optimizer.writing.overview import write_overview
from optimizer.writing.styles import CHARTED, Labels, add_charts, style_sheet

WRITER_OPTIONS = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
    "nan_inf_to_errors": True,
}
# Written cell by cell by xlsxwriter: rows with their own number format, and the data of charts
# (xlsxwriter caches it in the chart). Every other sheet's values are rendered in bulk.
OVERVIEW = "Overview"  # a page laid out for print, not a table
CELL_BY_CELL = {"Summary", *CHARTED}
ROWS_PER_CHUNK = 5_000
SHEET_ROWS = EXCEL_MAX_ROWS - 1  # rows of values a sheet holds below its header
COMPRESSION = 1  # zlib level of the bulk sheets: 3-4x faster than the default, 30% larger
ESCAPED_ESCAPE = re.compile("(_x[0-9a-fA-F]{4}_)")  # as xlsxwriter writes text
CONTROL = re.compile(r"([\x00-\x08\x0b-\x1f])")
EDGE_SPACE = re.compile(r"^\s|\s$")
SPECIAL = re.compile(r"[\x00-\x1f&<>\ud800-\udfff\ufffe\uffff]")  # text with these is escaped
FIELD = re.compile(r"\{(\d+)\}")
DIMENSION = re.compile(r'<dimension ref="[^"]*"/>')
COLUMN = re.compile(r"<col ([^>]*)/>")
ATTRIBUTE = re.compile(r'(\w+)="([^"]*)"')


Decorate = Callable[[Any, dict[str, Any], dict[str, pd.DataFrame]], None]


def write_workbook(
    path: Path,
    tables: dict[str, pd.DataFrame],
    decorate: Decorate = add_charts,
    keep_history: bool = False,
) -> None:
    """Write `tables` as sheets of `path`, atomically (`files.write_atomically`; with
    `keep_history`, an output it replaces is kept in `previous/`). A table longer than a sheet
    continues on sheets named `<sheet> 2`, `<sheet> 3`, ..., each with the header and styles.
    `decorate(workbook, sheets, tables)` adds what is more than values (charts, validation).

    xlsxwriter writes the workbook with headers, styles and charts, and the values of the
    sheets in CELL_BY_CELL; the rows of the other sheets are then rendered as XML in bulk
    (no Python call per cell) into its sheet files."""
    styled = io.BytesIO()
    book = xlsxwriter.Workbook(styled, {**WRITER_OPTIONS, "in_memory": True})
    sheets: dict[str, Any] = {}
    bulk: dict[str, pd.DataFrame] = {}  # by the name of the sheet's part
    labels = Labels.of(tables)
    for number, (name, part, table) in enumerate(_sheets(tables), 1):
        sheet = sheets[part] = book.add_worksheet(part)
        if name == OVERVIEW:
            write_overview(book, sheet, table, tables.get("Country shares"))
            continue
        row_formats = style_sheet(book, sheet, name, table, labels)
        if name in CELL_BY_CELL or not (len(table) and len(table.columns)):
            _write_values(sheet, table, row_formats)
        else:
            bulk[f"xl/worksheets/sheet{number}.xml"] = table  # as xlsxwriter names it
    decorate(book, sheets, tables)
    book.close()
    write_atomically(path, lambda handle: _fill_in(styled, handle, bulk), keep_history)


def _sheets(tables: dict[str, pd.DataFrame]) -> Iterator[tuple[str, str, pd.DataFrame]]:
    """Each table's name, the name of a sheet of it and that sheet's rows: one sheet, or as
    many as it takes, the second named `<name> 2`."""
    for name, table in tables.items():
        if len(table) <= SHEET_ROWS:
            yield name, name, table
            continue
        for number, start in enumerate(range(0, len(table), SHEET_ROWS), 1):
            part = name if number == 1 else f"{name} {number}"
            yield name, part, table.iloc[start : start + SHEET_ROWS].reset_index(drop=True)


def _write_values(sheet: Any, table: pd.DataFrame, formats: dict[int, Any]) -> None:
    """Cell by cell, text always as text, blanks left blank; `formats` maps a row to the format
    of its value cell (the Summary's money rows)."""
    for row, values in enumerate(table.itertuples(index=False, name=None), 1):
        cell_format = formats.get(row)
        for column, value in enumerate(values):
            if value is None or value is pd.NA:
                continue
            if isinstance(value, str):
                sheet.write_string(row, column, excel_text(value), cell_format)
            elif isinstance(value, bool | np.bool_):
                sheet.write_boolean(row, column, bool(value), cell_format)
            elif isinstance(value, int | float | np.number):
                number = float(value)
                if math.isfinite(number):
                    sheet.write_number(row, column, number, cell_format)
            else:
                sheet.write_string(row, column, excel_text(str(value)), cell_format)


def _fill_in(styled: io.BytesIO, target: BinaryIO, bulk: dict[str, pd.DataFrame]) -> None:
    """Copy the workbook xlsxwriter wrote into `target`, with the rows of each table in `bulk`
    added to its sheet (which holds only the header row): the XML xlsxwriter writes in
    constant-memory mode, each cell with its column's style."""
    with (
        zipfile.ZipFile(styled) as source,
        zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=COMPRESSION) as out,
    ):
        missing = set(bulk) - set(source.namelist())
        if missing:
            raise RuntimeError(f"xlsxwriter did not write the sheets {sorted(missing)}")
        for item in source.infolist():
            table = bulk.get(item.filename)
            if table is None:
                out.writestr(item, source.read(item))
                continue
            head, _, tail = source.read(item).decode("utf-8").partition("</sheetData>")
            last = f"{xl_col_to_name(len(table.columns) - 1)}{len(table) + 1}"
            head = DIMENSION.sub(f'<dimension ref="A1:{last}"/>', head, count=1)
            rows = _rows(table, _column_styles(head, len(table.columns)))
            with out.open(item.filename, "w") as part:  # streamed, a chunk of rows at a time
                for text in chain([head], rows, [f"</sheetData>{tail}"]):
                    part.write(text.encode("utf-8"))


def _column_styles(sheet_xml: str, columns: int) -> list[str]:
    """The ` s="N"` attribute of each column's cells: the style of its `<col>` element."""
    styles = [""] * columns
    for match in COLUMN.finditer(sheet_xml):
        attributes = dict(ATTRIBUTE.findall(match.group(1)))
        if "style" in attributes:
            for column in range(int(attributes["min"]) - 1, min(int(attributes["max"]), columns)):
                styles[column] = f' s="{attributes["style"]}"'
    return styles


def _rows(table: pd.DataFrame, styles: list[str]) -> Iterator[str]:
    """The table's values as `<row>` elements from row 2 on, ROWS_PER_CHUNK rows at a time.

    A row is a template, `{0}` for its number and `{k}` for the string of column k; the text
    between the fields is repeated and the fields' lists interleaved, then all joined at once:
    what template.format(row, *strings) gives, without a Python call per row or per cell."""
    pieces, columns = [], []
    for number, (_, series) in enumerate(table.items()):
        place = f'r="{xl_col_to_name(number)}{{0}}"{styles[number]}'
        piece, texts = _column(series, place)
        pieces.append(piece.replace("{}", f"{{{number + 1}}}"))
        columns.append(texts)
    template = FIELD.split('<row r="{0}">' + "".join(pieces) + "</row>")  # text, field, text...
    for start in range(0, len(table), ROWS_PER_CHUNK):
        stop = min(start + ROWS_PER_CHUNK, len(table))
        fields = [list(map(str, range(start + 2, stop + 2)))]
        fields += [column[start:stop] for column in columns]
        parts = [fields[int(p)] if k % 2 else repeat(p) for k, p in enumerate(template)]
        yield "".join(chain.from_iterable(zip(*parts, strict=False)))  # repeat() is endless


def _column(series: pd.Series, place: str) -> tuple[str, list[str]]:
    """A column's part of the row template, `{}` where its strings go, and the strings: the
    contents of its cells, or whole cells ("" for a blank) when some are blank or of mixed
    types. Each distinct number or text is rendered once."""
    values = series.to_numpy()
    kind = "number" if values.dtype.kind in "iuf" else pd.api.types.infer_dtype(values, False)
    if kind == "number":
        texts = _numbers(values.astype(np.float64))
        if all(texts):
            return f"<c {place}><v>{{}}</v></c>", texts
        cell = f"<c {place}><v>{{1}}</v></c>".format
        return "{}", [cell(row, text) if text else "" for row, text in enumerate(texts, 2)]
    if kind == "boolean":
        return f'<c {place} t="b"><v>{{}}</v></c>', ["1" if v else "0" for v in values.tolist()]
    if kind == "string":
        texts = values.tolist()
        if _plain(texts):
            return f'<c {place} t="inlineStr"><is><t>{{}}</t></is></c>', texts
        rendered = {text: _inline(text) for text in set(texts)}
        return f'<c {place} t="inlineStr">{{}}</c>', list(map(rendered.__getitem__, texts))
    at = place.format
    return "{}", [_cell(at(row), value) for row, value in enumerate(series.tolist(), 2)]


def _numbers(values: np.ndarray) -> list[str]:
    """Each number as xlsxwriter writes it ("" for NaN and infinities, left blank), every
    distinct value formatted once."""
    finite = np.isfinite(values)
    distinct, inverse = np.unique(np.where(finite, values + 0.0, 0.0), return_inverse=True)
    texts = np.array([*map(format, distinct.tolist(), repeat(".16G")), ""], dtype=object)
    return texts[np.where(finite, inverse.ravel(), len(distinct))].tolist()


def _plain(texts: list[str]) -> bool:
    """Whether the texts go into their cells as they are: nothing to drop, escape or shorten
    (checked on all of them joined, in C), no space to keep at either end."""
    joined = "".join(texts)
    return not (
        SPECIAL.search(joined)
        or "_x" in joined
        or max(map(len, texts), default=0) > EXCEL_MAX_TEXT // 2  # maybe too long: checked
        or any(map(str.__ne__, texts, map(str.strip, texts)))
    )


def _inline(text: str) -> str:
    """A text cell's content, escaped as xlsxwriter escapes it."""
    text = ESCAPED_ESCAPE.sub(r"_x005F\1", str(excel_text(text)))
    text = CONTROL.sub(lambda match: f"_x{ord(match.group(1)):04X}_", text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    space = ' xml:space="preserve"' if EDGE_SPACE.search(text) else ""
    return f"<is><t{space}>{text}</t></is>"


def _cell(place: str, value: object) -> str:
    """One cell of a mixed column at `place` (its r and s attributes); "" for a blank."""
    if value is None or value is pd.NA:
        return ""
    if isinstance(value, bool | np.bool_):
        return f'<c {place} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float | np.number):
        number = float(value)
        return f"<c {place}><v>{number:.16G}</v></c>" if math.isfinite(number) else ""
    return f'<c {place} t="inlineStr">{_inline(str(value))}</c>'
