"""The cells python-calamine reads as blank, or skips, though they hold an Excel error value or a
formula without a saved value, found in the file itself for .xls, .ods and .xlsb.

A blank capacity means unlimited, so such a cell must never pass for a blank one. Each scan
gives `Flag`s, (row, column, code) counted from 0, with the error's code (`#N/A`) or None for
a formula whose result was never saved.

A formula whose saved result is an empty text is ambiguous in .xls and .ods: a spreadsheet
program saves `=IF(A2="","",A2)` that way, and script writers (xlwt, odfpy) save every formula
that way since they cannot compute it. It counts as never computed only when nothing in the
file shows that a spreadsheet program computed it: no formula with another result, and in .xls
no RECALCID record, in .ods no LibreOffice value type.
"""

from __future__ import annotations

import codecs
import html
import io
import re
import struct
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

from xlrd.compdoc import CompDoc

from optimizer.reading.filetype import Format
from optimizer.reading.ooxml import records, sheet_parts

Flag = tuple[int, int, str | None]  # row, column (from 0), error code or None: no saved value

MAX_ROWS = 1_048_576
MAX_COLUMNS = 16_384
MAX_FLAGS = 2_000_000  # an .ods can repeat one cell over a whole sheet
# The error codes of .xls (MS-XLS 2.5.90 BErr) and .xlsb (MS-XLSB 2.5.97.2 BErr)
ERROR_CODES = {
    0x00: "#NULL!",
    0x07: "#DIV/0!",
    0x0F: "#VALUE!",
    0x17: "#REF!",
    0x1D: "#NAME?",
    0x24: "#NUM!",
    0x2A: "#N/A",
    0x2B: "#GETTING_DATA",
}
UNKNOWN_ERROR = "#ERROR"


class EncryptedXls(Exception):
    """The .xls is protected with a password: its cells cannot be read."""


def flagged_cells(path: Path, fmt: Format, wanted: Callable[[str], bool]) -> dict[str, list[Flag]]:
    """{sheet: its flagged cells} for the sheets of an .xls, .ods or .xlsb whose name passes
    `wanted`."""
    scans = {Format.XLS: _xls, Format.ODS: _ods, Format.XLSB: _xlsb}
    return scans[fmt](path, wanted)


# --- .xls: the records of the Workbook stream (MS-XLS 2.4) ------------------------------------

BOF, EOF, BOUNDSHEET, CODEPAGE, FILEPASS, RECALCID = 0x0809, 0x000A, 0x0085, 0x0042, 0x002F, 0x01C1
FORMULA, BOOLERR = 0x0006, 0x0205
NOT_A_NUMBER = b"\xff\xff"  # the last two bytes of a FORMULA result that is not a number
RESULT_ERROR, RESULT_EMPTY_TEXT = 2, 3


def _xls(path: Path, wanted: Callable[[str], bool]) -> dict[str, list[Flag]]:
    with open(path, "rb") as handle:
        # as lenient as calamine with files whose sectors xlrd deems corrupt
        document = CompDoc(handle.read(), logfile=io.StringIO(), ignore_workbook_corruption=True)
    stream = document.get_named_stream("Workbook") or document.get_named_stream("Book")
    if stream is None:
        raise ValueError("it has no Workbook stream")
    sheets, computed = _xls_globals(stream)
    found: dict[str, list[Flag]] = {}
    empty_texts: dict[str, list[Flag]] = {}
    for name, offset in sheets:
        if wanted(name):
            found[name], empty_texts[name], has_result = _xls_sheet(stream, offset)
            computed = computed or has_result
    if not computed:
        for name, empty in empty_texts.items():
            found[name] += empty
    return found


def _xls_records(stream: bytes, position: int) -> Iterator[tuple[int, int, int]]:
    """(record id, body offset, body size) from `position` to the EOF of that substream."""
    depth = 0  # an embedded chart is a substream, BOF to EOF, inside its sheet's
    while position + 4 <= len(stream):
        kind, size = struct.unpack_from("<HH", stream, position)
        yield kind, position + 4, size
        position += 4 + size
        if kind == BOF:
            depth += 1
        elif kind == EOF:
            depth -= 1
            if depth <= 0:
                return


def _xls_globals(stream: bytes) -> tuple[list[tuple[str, int]], bool]:
    """The sheets (name, offset of their BOF), and whether a RECALCID record says a spreadsheet
    program computed the workbook."""
    version, codepage, computed = 0x0600, "cp1252", False
    sheets = []
    for kind, start, size in _xls_records(stream, 0):
        body = stream[start : start + size]
        if kind == BOF:
            (version,) = struct.unpack_from("<H", body)
        elif kind == CODEPAGE:
            codepage = _codec(struct.unpack_from("<H", body)[0])
        elif kind == FILEPASS:
            raise EncryptedXls()
        elif kind == RECALCID:
            computed = True
        elif kind == BOUNDSHEET:
            (offset,) = struct.unpack_from("<I", body)
            length = body[6]
            if version >= 0x0600:  # BIFF8: a flag byte, then Latin-1 or UTF-16 characters
                wide = body[7] & 1
                name = body[8 : 8 + length * (1 + wide)].decode("utf-16-le" if wide else "latin-1")
            else:  # BIFF5: characters in the workbook's code page
                name = body[7 : 7 + length].decode(codepage, errors="replace")
            sheets.append((name, offset))
    return sheets, computed


def _codec(codepage: int) -> str:
    try:
        return codecs.lookup(f"cp{codepage}").name
    except LookupError:
        return "cp1252"


def _xls_sheet(stream: bytes, offset: int) -> tuple[list[Flag], list[Flag], bool]:
    """A sheet's error values, its formulas whose result is an empty text, and whether any
    formula has another result (a number, text, TRUE/FALSE or an error)."""
    flags: list[Flag] = []
    empty: list[Flag] = []
    has_result = False
    for kind, start, _ in _xls_records(stream, offset):
        if kind == BOOLERR and stream[start + 7] == 1:  # an error, not TRUE/FALSE
            row, column = struct.unpack_from("<HH", stream, start)
            flags.append((row, column, ERROR_CODES.get(stream[start + 6], UNKNOWN_ERROR)))
        elif kind == FORMULA:
            row, column = struct.unpack_from("<HH", stream, start)
            result = stream[start + 6]
            if stream[start + 12 : start + 14] != NOT_A_NUMBER:
                has_result = True
            elif result == RESULT_EMPTY_TEXT:
                empty.append((row, column, None))
            else:
                has_result = True
                if result == RESULT_ERROR:
                    code = ERROR_CODES.get(stream[start + 8], UNKNOWN_ERROR)
                    flags.append((row, column, code))
    return flags, empty, has_result


# --- .xlsb: the records of each sheet part (MS-XLSB 2.4) --------------------------------------

BRT_ROW_HDR, BRT_CELL_ERROR, BRT_FMLA_ERROR, BRT_END_SHEET_DATA = 0x0000, 0x0003, 0x000B, 0x0092


def _xlsb(path: Path, wanted: Callable[[str], bool]) -> dict[str, list[Flag]]:
    with zipfile.ZipFile(path) as archive:
        return {
            name: _xlsb_sheet(archive.read(part))
            for name, part in sheet_parts(archive)
            if wanted(name)
        }


def _xlsb_sheet(data: bytes) -> list[Flag]:
    """Error values (BrtCellError) and formulas with an error result (BrtFmlaError, which
    calamine skips). A formula in .xlsb always has its result saved."""
    flags: list[Flag] = []
    row = 0
    for kind, start, _ in records(data):
        if kind == BRT_ROW_HDR:
            (row,) = struct.unpack_from("<I", data, start)
        elif kind in (BRT_CELL_ERROR, BRT_FMLA_ERROR):
            (column,) = struct.unpack_from("<I", data, start)
            flags.append((row, column, ERROR_CODES.get(data[start + 8], UNKNOWN_ERROR)))
        elif kind == BRT_END_SHEET_DATA:
            break
    return flags


# --- .ods: content.xml --------------------------------------------------------------------------
# Parsing all of content.xml as XML takes several times as long as calamine's whole read, so the
# cells that matter are found by their attributes (`value-type="error"`, `formula=`), and the
# rows and cells before each are counted from their tags. Attribute values hold no "<".

_TAG = re.compile(rb"""<([\w.-]+):([\w.-]+)(?:[^>"']|"[^"]*"|'[^']*')*>""")
_MARKUP = re.compile(rb"<[^>]*>")
_NAME = re.compile(rb"""[\s:]name=(?:"([^"]*)"|'([^']*)')""")
_ROWS_REPEATED = re.compile(rb"""number-rows-repeated=["'](\d+)""")
_COLUMNS_REPEATED = re.compile(rb"""number-columns-repeated=["'](\d+)""")
_CELLS = (b"table-cell", b"covered-table-cell")


def _ods(path: Path, wanted: Callable[[str], bool]) -> dict[str, list[Flag]]:
    with zipfile.ZipFile(path) as archive:
        data = archive.read("content.xml")
    # LibreOffice types every value it saves with calcext:value-type, and saves none uncomputed
    computed = b"calcext:value-type=" in data
    uncomputed: list[tuple[re.Match[bytes], str | None]] = []
    if not computed:
        for tag in _cells_with(data, b"formula="):
            if b"value-type=" in tag.group(0):
                computed = True
                break
            uncomputed.append((tag, None))
    if not computed:
        return _ods_positions(data, uncomputed, wanted)
    errors: dict[int, tuple[re.Match[bytes], str | None]] = {}
    # older LibreOffice saved an error as text: an empty string-value, the code shown
    for needle in (b'string-value=""', b"string-value=''"):
        for tag in _cells_with(data, needle):
            if b"formula=" in tag.group(0) and (shown := _shown(data, tag)):
                errors[tag.start()] = (tag, shown)
    for needle in (b'value-type="error"', b"value-type='error'"):
        for tag in _cells_with(data, needle):
            errors[tag.start()] = (tag, _shown(data, tag) or UNKNOWN_ERROR)
    return _ods_positions(data, [errors[start] for start in sorted(errors)], wanted)


def _cells_with(data: bytes, needle: bytes) -> Iterator[re.Match[bytes]]:
    """The start tags of the cells whose attributes hold `needle`, in document order."""
    position = data.find(needle)
    while position >= 0:
        tag = _TAG.match(data, data.rfind(b"<", 0, position))
        if tag and tag.end() > position and tag.group(2) in _CELLS:
            yield tag
        position = data.find(needle, tag.end() if tag and tag.end() > position else position + 1)


def _shown(data: bytes, tag: re.Match[bytes]) -> str:
    """The text a cell shows (for an error value, its code)."""
    end = -1 if tag.group(0).endswith(b"/>") else data.find(b"table-cell>", tag.end())
    if end < 0:
        return ""
    inner = data[tag.end() : max(tag.end(), data.rfind(b"<", tag.end(), end))]
    return html.unescape(_MARKUP.sub(b"", inner).decode("utf-8", errors="replace")).strip()


def _ods_positions(
    data: bytes,
    cells: list[tuple[re.Match[bytes], str | None]],
    wanted: Callable[[str], bool],
) -> dict[str, list[Flag]]:
    """The flags of `cells` (start tag, code), each at its row and column, counted from the
    tags before it (a repeated row or cell counts as often as it is repeated)."""
    found: dict[str, list[Flag]] = {}
    if not cells:
        return found
    prefix = cells[0][0].group(1)  # the table namespace's, `table` by convention
    tables = [
        (match.start(), _name(match.group(0)))
        for match in re.finditer(rb"<%s:table(?=[\s/>])[^>]*>" % prefix, data)
    ]
    row_open = b"<%s:table-row" % prefix
    row_tag = re.compile(rb"%s[\s/>]" % row_open)
    cell_tag = re.compile(rb"<%s:(?:covered-)?table-cell[\s/>]" % prefix)
    # `row` starts at `row_at`; in it, cell `column` starts at `cell_at` (each only moves on)
    table, row_at, row, rows, cell_at, column, count = -1, 0, 0, 1, 0, 0, 0
    for tag, code in cells:
        while table + 1 < len(tables) and tables[table + 1][0] < tag.start():
            table += 1
            row_at = cell_at = tables[table][0]
            row = 0
        if table < 0 or not wanted(tables[table][1]):
            continue
        if cell_at == row_at or row_tag.search(data, cell_at, tag.start()):  # in a new row
            row_start = _row_start(data, row_open, row_at, tag.start())
            if row_start < 0:
                continue
            row += len(row_tag.findall(data, row_at, row_start))
            row += _extra(_ROWS_REPEATED.findall(data, row_at, row_start))
            rows = _repeat(_ROWS_REPEATED.search(data, row_start, data.find(b">", row_start)))
            row_at = cell_at = row_start
            column = 0
        column += len(cell_tag.findall(data, cell_at, tag.start()))
        column += _extra(_COLUMNS_REPEATED.findall(data, cell_at, tag.start()))
        cell_at = tag.start()
        columns = _repeat(_COLUMNS_REPEATED.search(tag.group(0)))
        count += rows * columns
        if count > MAX_FLAGS:
            raise ValueError(f"it holds more than {MAX_FLAGS:,} error values or formulas")
        flags = found.setdefault(tables[table][1], [])
        for r in range(row, min(row + rows, MAX_ROWS)):
            flags.extend((r, c, code) for c in range(column, min(column + columns, MAX_COLUMNS)))
    return found


def _name(tag: bytes) -> str:
    """A table's name, from its start tag."""
    match = _NAME.search(tag)
    if match is None:
        return ""
    raw = match.group(1) if match.group(1) is not None else match.group(2)
    return html.unescape(raw.decode("utf-8", errors="replace"))


def _row_start(data: bytes, row_open: bytes, start: int, end: int) -> int:
    """Where the last row's tag in data[start:end] begins (not `table-rows` nor
    `table-row-group`), or -1."""
    position = end
    while (position := data.rfind(row_open, start, position)) >= 0:
        if data[position + len(row_open)] in b" \t\r\n/>":
            return position
    return -1


def _extra(counts: list[bytes]) -> int:
    """How many more rows or cells than tags the repeated ones among them stand for."""
    return sum(int(count) - 1 for count in counts if int(count) > 1)


def _repeat(match: re.Match[bytes] | None) -> int:
    return max(1, int(match.group(1))) if match else 1
