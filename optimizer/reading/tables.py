"""The totals rows of the Excel tables (Insert > Table) of an .xlsx, .xlsm or .xlsb workbook.

A table's totals row sums or averages its columns; read as data it would be one more offer or
material. Each sheet part lists its tables among its relationships; a table gives its range and
whether a totals row ends it (`totalsRowCount` in XML, `crwTotals` of BrtBeginList in .xlsb).
OpenDocument has no totals rows.
"""

from __future__ import annotations

import re
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path

from defusedxml.ElementTree import fromstring

from optimizer.reading.ooxml import records, relationships, sheet_parts

BRT_BEGIN_LIST = 0x0157  # rfxList (first row, last row, first column, last column), ..., crwTotals
MAX_ROWS = 1_048_576
_ROW = re.compile(r"(\d+)$")


def totals_rows(path: Path, wanted: Callable[[str], bool]) -> dict[str, tuple[int, ...]]:
    """{sheet: the 1-based rows that are the totals row of one of its tables}, for the sheets
    whose name passes `wanted`; empty at once for a workbook without table parts."""
    found: dict[str, tuple[int, ...]] = {}
    with zipfile.ZipFile(path) as archive:
        if not any("tables/" in name for name in archive.NameToInfo):
            return found
        for name, part in sheet_parts(archive):
            if not wanted(name):
                continue
            rows = {
                row
                for kind, target in relationships(archive, part).values()
                if kind == "table" and target in archive.NameToInfo
                if (row := _totals_row(archive.read(target)))
            }
            if rows:
                found[name] = tuple(sorted(rows))
    return found


def _totals_row(data: bytes) -> int | None:
    """The 1-based totals row of a table part, if it has one: the last row of its range (Excel
    gives a table one totals row at most)."""
    if data.lstrip()[:1] == b"<":
        table = fromstring(data)
        rows = [int(m.group(1)) for m in map(_ROW.search, table.get("ref", "").split(":")) if m]
        has_totals = int(table.get("totalsRowCount", "0") or 0) > 0
        first, last = (min(rows), max(rows)) if rows else (0, 0)
    else:
        first = last = 0
        has_totals = False
        for kind, start, size in records(data):
            if kind == BRT_BEGIN_LIST and size >= 32:
                first, last = (row + 1 for row in struct.unpack_from("<II", data, start))
                has_totals = struct.unpack_from("<I", data, start + 28)[0] > 0
                break
    return last if has_totals and 0 < first < last <= MAX_ROWS else None
