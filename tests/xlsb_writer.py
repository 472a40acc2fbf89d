"""A minimal .xlsb writer for tests, from the MS-XLSB specification: neither LibreOffice nor any
Python library writes .xlsb. It writes numbers, text, TRUE/FALSE, error values, formulas with a
saved result (a number, a text or an error), and Excel tables with or without a totals row,
with no styles and only the records python-calamine and the reader need.

    write_xlsb(path, {"Offers": [["supplier", "capacity"], ["A", Error("#N/A")]]})
"""

from __future__ import annotations

import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path

ERROR_CODES = {
    "#NULL!": 0x00,
    "#DIV/0!": 0x07,
    "#VALUE!": 0x0F,
    "#REF!": 0x17,
    "#NAME?": 0x1D,
    "#NUM!": 0x24,
    "#N/A": 0x2A,
    "#GETTING_DATA": 0x2B,
}
NA_FORMULA = b"\x21\x0a\x00"  # PtgFunc NA()
DIVIDE_BY_ZERO = b"\x1e\x01\x00\x1e\x00\x00\x06"  # PtgInt 1, PtgInt 0, PtgDiv: =1/0

PACKAGE = "http://schemas.openxmlformats.org/package/2006"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
EXCEL = "application/vnd.ms-excel"


@dataclass(frozen=True)
class Error:
    """An error value in a cell: Error("#N/A")."""

    code: str


@dataclass(frozen=True)
class Formula:
    """A formula with its saved result; `tokens` is the parsed formula (default: =1)."""

    result: float | str | Error
    tokens: bytes = b"\x1e\x01\x00"


@dataclass(frozen=True)
class Table:
    """An Excel table over 1-based rows `first` to `last` and columns `columns` (from 1);
    with `totals`, its last row is a totals row."""

    first: int
    last: int
    columns: tuple[int, int] = (1, 1)
    totals: bool = False


Cell = float | int | bool | str | Error | Formula | None


def write_xlsb(
    path: Path, sheets: dict[str, list[list[Cell]]], tables: dict[str, list[Table]] | None = None
) -> Path:
    """Write `sheets` (name -> rows, None for a blank cell) and their `tables` to `path`."""
    tables = tables or {}
    types = [
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>',
        '<Default Extension="xml" ContentType="application/xml"/>',
        '<Override PartName="/xl/workbook.bin" '
        f'ContentType="{EXCEL}.sheet.binary.macroEnabled.main"/>',
    ]
    book_relations: list[str] = []
    bundle = b""
    table_number = 0
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for number, (name, rows) in enumerate(sheets.items(), 1):
            sheet_relations: list[str] = []
            for table in tables.get(name, []):
                table_number += 1
                archive.writestr(f"xl/tables/table{table_number}.bin", _table(table, table_number))
                types.append(
                    f'<Override PartName="/xl/tables/table{table_number}.bin" '
                    f'ContentType="{EXCEL}.table"/>'
                )
                target = f"../tables/table{table_number}.bin"
                sheet_relations.append(_relation(f"rId{len(sheet_relations) + 1}", "table", target))
            archive.writestr(f"xl/worksheets/sheet{number}.bin", _sheet(rows, len(sheet_relations)))
            if sheet_relations:
                archive.writestr(
                    f"xl/worksheets/_rels/sheet{number}.bin.rels", _relations(sheet_relations)
                )
            types.append(
                f'<Override PartName="/xl/worksheets/sheet{number}.bin" '
                f'ContentType="{EXCEL}.worksheet"/>'
            )
            book_relations.append(
                _relation(f"rId{number}", "worksheet", f"worksheets/sheet{number}.bin")
            )
            sheet_record = struct.pack("<II", 0, number) + _text(f"rId{number}") + _text(name)
            bundle += _record(0x009C, sheet_record)  # BrtBundleSh: visible, tab id, rel id, name
        archive.writestr(
            "[Content_Types].xml",
            f'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="{PACKAGE}/content-types">'
            + "".join(types)
            + "</Types>",
        )
        archive.writestr(
            "_rels/.rels", _relations([_relation("rId1", "officeDocument", "xl/workbook.bin")])
        )
        archive.writestr("xl/_rels/workbook.bin.rels", _relations(book_relations))
        archive.writestr(
            "xl/workbook.bin",
            _record(0x0083) + _record(0x008F) + bundle + _record(0x0090) + _record(0x0084),
        )
    return path


def _sheet(rows: list[list[Cell]], tables: int) -> bytes:
    """BrtBeginSheet, BrtWsDim, the sheet data, the table parts, BrtEndSheet."""
    width = max((len(row) for row in rows), default=1)
    parts = [
        _record(0x0081),
        _record(0x0094, struct.pack("<IIII", 0, max(len(rows) - 1, 0), 0, max(width - 1, 0))),
        _record(0x0091),
    ]
    for number, row in enumerate(rows):
        header = struct.pack("<IIH", number, 0, 300) + b"\0\0\0"
        parts.append(_record(0x0000, header + struct.pack("<III", 1, 0, max(len(row) - 1, 0))))
        parts.extend(_cell(column, value) for column, value in enumerate(row) if value is not None)
    parts.append(_record(0x0092))
    if tables:
        parts.append(_record(0x0294, struct.pack("<I", tables)))
        parts.extend(_record(0x0295, _text(f"rId{number}")) for number in range(1, tables + 1))
        parts.append(_record(0x0296))
    parts.append(_record(0x0082))
    return b"".join(parts)


def _cell(column: int, value: Cell) -> bytes:
    head = struct.pack("<II", column, 0)  # column, style 0
    if isinstance(value, Formula):
        formula = struct.pack("<HI", 0, len(value.tokens)) + value.tokens + struct.pack("<I", 0)
        if isinstance(value.result, Error):
            return _record(0x000B, head + bytes([ERROR_CODES[value.result.code]]) + formula)
        if isinstance(value.result, str):
            return _record(0x0008, head + _text(value.result) + formula)
        return _record(0x0009, head + struct.pack("<d", value.result) + formula)
    if isinstance(value, Error):
        return _record(0x0003, head + bytes([ERROR_CODES[value.code]]))
    if isinstance(value, bool):
        return _record(0x0004, head + bytes([value]))
    if isinstance(value, int | float):
        return _record(0x0005, head + struct.pack("<d", value))
    assert isinstance(value, str)
    return _record(0x0006, head + _text(value))


def _table(table: Table, number: int) -> bytes:
    """BrtBeginList (range, type, id, header rows, totals rows, flags, six styles, connection,
    names) and BrtEndList: what the reader and Excel's own readers need of a table part."""
    header = struct.pack(
        "<IIIIIIIII",
        table.first - 1,
        table.last - 1,
        table.columns[0] - 1,
        table.columns[1] - 1,
        0,
        number,
        1,
        int(table.totals),
        0,
    )
    names = _text(f"Table{number}") + _text(f"Table{number}") + b"\xff\xff\xff\xff" * 4
    body = header + b"\xff\xff\xff\xff" * 6 + struct.pack("<I", 0) + names
    return _record(0x0157, body) + _record(0x0158)


def _record(kind: int, body: bytes = b"") -> bytes:
    """A record: its type and size as variable-length integers of 7 bits a byte, its body."""
    return _varint(kind) + _varint(len(body)) + body


def _varint(number: int) -> bytes:
    out = bytearray()
    while True:
        byte, number = number & 0x7F, number >> 7
        out.append(byte | (0x80 if number else 0))
        if not number:
            return bytes(out)


def _text(text: str) -> bytes:
    """An XLWideString: the count of UTF-16 code units, then them."""
    encoded = text.encode("utf-16-le")
    return struct.pack("<I", len(encoded) // 2) + encoded


def _relation(identifier: str, kind: str, target: str) -> str:
    return f'<Relationship Id="{identifier}" Type="{RELATIONSHIPS}/{kind}" Target="{target}"/>'


def _relations(relations: list[str]) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<Relationships xmlns="{PACKAGE}/relationships">' + "".join(relations) + "</Relationships>"
    )
