"""What the bulk writer (optimizer/writing/xlsx.py) takes from xlsxwriter's internals, which are
not public API: how it names sheet parts, what a header-only sheet looks like, how a column's
style is written, and what XML it writes per cell. A new xlsxwriter that changes any of it fails
here first, with what to do, instead of writing broken workbooks."""

from __future__ import annotations

import importlib.metadata
import io
import math
import re
import tomllib
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO
from xml.etree.ElementTree import Element

import numpy as np
import pandas as pd
import pytest
import xlsxwriter
from defusedxml.ElementTree import fromstring
from openpyxl.styles.numbers import BUILTIN_FORMATS
from xlsxwriter.utility import xl_col_to_name

from optimizer.writing import xlsx
from optimizer.writing.styles import (
    COLUMN_FORMATS,
    INDEX,
    MONEY,
    PERCENT,
    QUANTITY,
    RISK,
    style_sheet,
)

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"
VERSION = importlib.metadata.version("xlsxwriter")
MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
PACKAGE = "{http://schemas.openxmlformats.org/package/2006/relationships}"
RELATION = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
WHAT_TO_DO = (
    f"xlsxwriter {VERSION} no longer writes what optimizer/writing/xlsx.py splices the bulk "
    "rows into: adapt write_workbook/_fill_in and DIMENSION, COLUMN, ATTRIBUTE there, or cap "
    "xlsxwriter below this version in pyproject.toml"
)
COMPARISON = re.compile(r"(>=|<=|==|!=|>|<)\s*([0-9][0-9.]*)")


# The installed version


def xlsxwriter_requirement() -> str:
    """The xlsxwriter entry of the project's dependencies in pyproject.toml."""
    with PYPROJECT.open("rb") as handle:
        dependencies: list[str] = tomllib.load(handle)["project"]["dependencies"]
    found = [d for d in dependencies if re.match(r"xlsxwriter\s*[<>=!~(;\[]", d, re.IGNORECASE)]
    assert len(found) == 1, f"expected one xlsxwriter dependency in pyproject.toml: {found}"
    return found[0]


def release(version: str) -> tuple[int, ...]:
    """The release numbers of a version ("3.3.1" -> (3, 3, 1)), without any suffix."""
    return tuple(int(m.group()) if (m := re.match(r"\d+", p)) else 0 for p in version.split("."))


def within_plainly(version: str, requirement: str) -> bool:
    """Whether `version` meets the comparisons of `requirement`, without `packaging`."""
    checks = {
        ">=": tuple.__ge__,
        "<=": tuple.__le__,
        "==": tuple.__eq__,
        "!=": tuple.__ne__,
        ">": tuple.__gt__,
        "<": tuple.__lt__,
    }
    have = release(version)
    for operator, bound in COMPARISON.findall(requirement.split(";")[0]):
        wanted = release(bound)
        width = max(len(have), len(wanted))
        padded = (have + (0,) * width)[:width], (wanted + (0,) * width)[:width]
        if not checks[operator](*padded):
            return False
    return True


def within(version: str, requirement: str) -> bool:
    """Whether `version` meets `requirement`, by `packaging` when it is installed."""
    try:
        from packaging.requirements import Requirement
    except ImportError:
        return within_plainly(version, requirement)
    answer = Requirement(requirement).specifier.contains(version, prereleases=True)
    assert answer == within_plainly(version, requirement), "the plain parser must agree"
    return answer


def test_installed_xlsxwriter_is_within_the_checked_range() -> None:
    """The bulk writer was checked against the xlsxwriter versions pyproject.toml allows; it
    must keep an upper bound, and the installed version must be within it."""
    requirement = xlsxwriter_requirement()
    assert any(op in ("<", "<=") for op, _ in COMPARISON.findall(requirement)), (
        f"keep an upper bound on xlsxwriter in pyproject.toml ({requirement!r}): the bulk "
        "writer splices its rows into xlsxwriter's output"
    )
    assert within(VERSION, requirement), (
        f"xlsxwriter {VERSION} is outside the range the bulk writer was checked against; rerun "
        "tests/writing/test_xlsxwriter_internals.py against it, then widen the bound in "
        "pyproject.toml"
    )


# Reading the parts of a workbook


@dataclass(frozen=True)
class Cell:
    """A cell as Excel reads it: text whichever way it is stored, the format code behind `s`."""

    kind: str  # "text" (shared or inline), or the `t` attribute: "n", "b", ...
    value: str
    space: str | None  # xml:space of the text
    number_format: str
    children: tuple[str, ...]  # the elements in the cell, but for how text is stored
    other: tuple[str, ...]  # attributes besides r, s and t


@dataclass(frozen=True)
class Sheet:
    dimension: str
    rows: dict[str, tuple[dict[str, str], list[str]]]  # r -> attributes, references of cells
    cells: dict[str, Cell]


def tag(element: Element) -> str:
    return element.tag.removeprefix(MAIN)


def number_formats(archive: zipfile.ZipFile) -> list[str]:
    """The format code of each cellXfs entry of xl/styles.xml, by its index (a cell's `s`)."""
    styles = fromstring(archive.read("xl/styles.xml"))
    custom = {int(f.get("numFmtId")): f.get("formatCode") for f in styles.iter(f"{MAIN}numFmt")}
    formats = styles.find(f"{MAIN}cellXfs")
    assert formats is not None, f"xl/styles.xml has no cellXfs. {WHAT_TO_DO}"
    codes = []
    for xf in formats.findall(f"{MAIN}xf"):
        number = int(xf.get("numFmtId", "0"))
        codes.append(custom.get(number) or BUILTIN_FORMATS.get(number, f"built-in {number}"))
    return codes


def shared_strings(archive: zipfile.ZipFile) -> list[Element]:
    if "xl/sharedStrings.xml" not in archive.namelist():
        return []
    return fromstring(archive.read("xl/sharedStrings.xml")).findall(f"{MAIN}si")


def text_of(holder: Element) -> tuple[str, str | None]:
    """The text of an `<is>` or `<si>` element, and its xml:space; plain text, not rich."""
    assert [tag(child) for child in holder] == ["t"], "rich text where plain text was written"
    text = holder[0]
    return text.text or "", text.get(XML_SPACE)


def read_sheet(archive: zipfile.ZipFile, part: str) -> Sheet:
    """The dimension, rows and cells of a sheet part."""
    root = fromstring(archive.read(part))
    formats, shared = number_formats(archive), shared_strings(archive)
    dimension = root.find(f"{MAIN}dimension")
    data = root.find(f"{MAIN}sheetData")
    assert dimension is not None and data is not None, part
    rows: dict[str, tuple[dict[str, str], list[str]]] = {}
    cells: dict[str, Cell] = {}
    for row in data:
        attributes = {k: v for k, v in row.attrib.items() if k != "spans"}  # spans: optional
        rows[row.get("r", "")] = attributes, [c.get("r", "") for c in row]
        for c in row:
            kind, space, children = c.get("t", "n"), None, tuple(tag(e) for e in c)
            value = c.findtext(f"{MAIN}v") or ""
            if kind == "s":
                value, space = text_of(shared[int(value)])
                kind, children = "text", ()
            elif kind == "inlineStr":
                holder = c.find(f"{MAIN}is")
                assert holder is not None and children == ("is",), part
                value, space = text_of(holder)
                kind, children = "text", ()
            elif kind == "n" and value == "-0":
                value = "0"  # the bulk writer writes -0.0 as 0: the same number to Excel
            cells[c.get("r", "")] = Cell(
                kind,
                value,
                space,
                formats[int(c.get("s", "0"))],
                children,
                tuple(sorted(set(c.attrib) - {"r", "s", "t"})),
            )
    return Sheet(dimension.get("ref", ""), rows, cells)


def sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """The part of each sheet, by name, in the workbook's order, through workbook.xml.rels."""
    relations = fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in relations.iter(f"{PACKAGE}Relationship")}
    sheets = fromstring(archive.read("xl/workbook.xml")).iter(f"{MAIN}sheet")
    parts = {}
    for sheet in sheets:
        target = targets[sheet.get(RELATION)]
        parts[sheet.get("name", "")] = target[1:] if target.startswith("/") else f"xl/{target}"
    return parts


# Writing through the bulk path


@dataclass(frozen=True)
class Written:
    path: Path
    styled: bytes  # the workbook as xlsxwriter wrote it, before the bulk rows were spliced in
    bulk: frozenset[str]  # the parts the rows were spliced into


def write(path: Path, tables: dict[str, pd.DataFrame]) -> Written:
    """`write_workbook`, keeping what `_fill_in` was given."""
    seen: dict[str, Any] = {}
    fill_in = xlsx._fill_in

    def spy(styled: io.BytesIO, target: BinaryIO, bulk: dict[str, pd.DataFrame]) -> None:
        seen["styled"], seen["bulk"] = styled.getvalue(), frozenset(bulk)
        fill_in(styled, target, bulk)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(xlsx, "_fill_in", spy)
        xlsx.write_workbook(path, tables)
    return Written(path, seen["styled"], seen["bulk"])


def report_tables() -> dict[str, pd.DataFrame]:
    """Sheets like a run's output: the Summary and charted sheets cell by cell, the rest bulk."""
    return {
        "Summary": pd.DataFrame(
            {
                "item": ["status", "total_cost", "diversification_premium_percent"],
                "value": ["Optimal", 1234.5, 0.125],
            }
        ),
        "Allocation": pd.DataFrame(
            {
                "material": ["gallium", "gallium", "germanium", "indium"],
                "supplier": ["A & Co", "  B  ", "=C", "D"],
                "country": ["China", "Japan", "Germany", "Canada"],
                "quantity": [10.0, 2.5, 0.0, 1e6],
                "landed_unit_cost": [3.25, 4.0, 5.5, 0.1],
                "cost": [32.5, 10.0, 0.0, 1e5],
                "share": [0.8, 0.2, 1.0, 1 / 3],
                "tariff": [0.0, 0.05, 0.1, 0.25],
            }
        ),
        "Country shares": pd.DataFrame(
            {"material": ["gallium", "germanium"], "China": [0.8, 0.4], "Other": [0.2, 0.6]}
        ),
        "Countries": pd.DataFrame(
            {
                "material": ["gallium", "gallium", "germanium"],
                "country": ["China", "Japan", "Germany"],
                "quantity": [10.0, 2.5, 0.0],
                "cap": [0.8, 0.5, 1.0],
                "share": [0.8, 0.2, 0.0],
                "binding": [True, False, False],
            }
        ),
        "Materials": pd.DataFrame(
            {
                "material": ["gallium", "germanium"],
                "supplied": [12.5, 0.0],
                "hhi": [0.68, 1.0],
                "avg_risk": [55.0, 20.0],
                "risk_weighted_hhi": [0.4, np.nan],
            }
        ),
        "Infeasible": pd.DataFrame({"material": [], "reason": []}),
        "Frontier": pd.DataFrame(
            {
                "point": ["base", "1", "2", "3"],
                "factor": [1.0, 0.8, 0.6, 0.4],
                "status": ["optimal"] * 4,
                "total_cost": [100.0, 104.0, 111.0, 130.0],
                "objective": [100.0, 104.0, 111.0, 130.0],
                "avg_risk": [50.0, 40.0, 30.0, 20.0],
                "hhi": [1.0, 0.7, 0.5, 0.4],
                "shortfall": [0.0] * 4,
                "factor_of": ["max_country_share"] * 4,
            }
        ),
    }


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Written:
    return write(tmp_path_factory.mktemp("internals") / "out.xlsx", report_tables())


def test_the_nth_sheet_added_is_the_part_sheet_n(written: Written) -> None:
    """`write_workbook` names the part of a bulk sheet by the order it was added in
    (xl/worksheets/sheetN.xml): xlsxwriter must name them so, and the rows must land in the
    sheet with the table's name."""
    tables = report_tables()
    bulk = {n for n in tables if n not in xlsx.CELL_BY_CELL and len(tables[n])}
    assert bulk == {"Allocation", "Countries", "Materials"}, "the test no longer mixes the paths"
    with zipfile.ZipFile(written.path) as archive:
        parts = sheet_parts(archive)
        assert list(parts) == list(tables), f"sheets out of order. {WHAT_TO_DO}"
        for number, (name, part) in enumerate(parts.items(), 1):
            assert part == f"xl/worksheets/sheet{number}.xml", f"{name}: {part}. {WHAT_TO_DO}"
        assert written.bulk == {parts[name] for name in bulk}
        for name, table in tables.items():
            sheet = read_sheet(archive, parts[name])
            header = [sheet.cells.get(f"{xl_col_to_name(k)}1") for k in range(len(table.columns))]
            texts = [cell and cell.value for cell in header]
            assert texts == list(table.columns), f"{name} holds {texts}. {WHAT_TO_DO}"
            last = max(map(int, sheet.rows))
            assert last == len(table) + 1, f"{name} has {last} rows. {WHAT_TO_DO}"


def assigned_format(sheet: str, number: int, column: str) -> str | None:
    """The number format styles.style_sheet gives a column of a sheet that is not the Summary."""
    return PERCENT if sheet == "Country shares" and number > 0 else COLUMN_FORMATS.get(column)


def test_a_header_only_sheet_is_what_the_splice_expects(written: Written) -> None:
    """Before the splice, xlsxwriter's XML of each bulk sheet has one `<dimension>` (DIMENSION)
    and one `</sheetData>`, its `<sheetData>` holds only the header row, and each formatted
    column has a `<col>` that COLUMN and ATTRIBUTE read, whose style is the column's number
    format in xl/styles.xml: the rows spliced in take their `s` from it."""
    tables = report_tables()
    checked: set[str] = set()
    with zipfile.ZipFile(io.BytesIO(written.styled)) as source:
        parts = {part: name for name, part in sheet_parts(source).items()}
        formats = number_formats(source)
        for part in sorted(written.bulk):
            name, xml = parts[part], source.read(part).decode("utf-8")
            table = tables[name]
            assert len(xlsx.DIMENSION.findall(xml)) == 1, f"{name}: dimension. {WHAT_TO_DO}"
            assert xml.count("<sheetData>") == xml.count("</sheetData>") == 1, (
                f"{name}: no single <sheetData>...</sheetData>. {WHAT_TO_DO}"
            )
            data = xml[xml.index("<sheetData>") + len("<sheetData>") : xml.index("</sheetData>")]
            assert data.startswith('<row r="1"') and len(re.findall(r"<row\b", xml)) == 1, (
                f"{name}: <sheetData> holds more than the header row. {WHAT_TO_DO}"
            )
            root = fromstring(xml)
            elements = [e.attrib for e in root.iter(f"{MAIN}col")]
            parsed = [dict(xlsx.ATTRIBUTE.findall(m.group(1))) for m in xlsx.COLUMN.finditer(xml)]
            assert parsed == elements, f"{name}: COLUMN/ATTRIBUTE misread <col>. {WHAT_TO_DO}"
            assert all({"min", "max"} <= c.keys() for c in parsed), f"{name}: {parsed}"
            styles = xlsx._column_styles(xml, len(table.columns))
            for number, column in enumerate(table.columns):
                pattern = assigned_format(name, number, str(column))
                covering = [c for c in parsed if int(c["min"]) <= number + 1 <= int(c["max"])]
                assert len(covering) == 1, f"{name}.{column}: {covering}. {WHAT_TO_DO}"
                style = covering[0].get("style")
                if pattern is None:
                    assert style is None and styles[number] == "", f"{name}.{column}: {style}"
                    continue
                assert style is not None, f"{name}.{column}: no style on <col>. {WHAT_TO_DO}"
                assert styles[number] == f' s="{style}"', f"{name}.{column}: _column_styles"
                assert formats[int(style)] == pattern, (
                    f"{name}.{column}: cellXfs[{style}] is {formats[int(style)]!r}, not "
                    f"{pattern!r}. {WHAT_TO_DO}"
                )
                checked.add(pattern)
    assert checked == {MONEY, PERCENT, QUANTITY, INDEX, RISK}


# Parity with xlsxwriter's own cell-by-cell writing

HOSTILE_TEXT = [
    '=HYPERLINK("http://example.com","click")',
    "=1+1",
    "+1-2",
    "@SUM(A1)",
    "http://example.com",
    "bell\x07ring\x00nul\x1fend",
    "line\r\nbreak\ttab\x0bvt",
    "  padded  ",
    " leading",
    "trailing\t",
    "\n",
    "\xa0nbsp\u3000",
    "_x0041_",
    "_X0041_ _x004g_",
    "_x005F_x0041_",
    "&<>",
    "a & b < c > d \"q\" 'a' ]]>",
    "x" * 40_000,
    "",
    " ",
    "ünïcödé ✓ 😀",
    "lone \udcff surrogate",
    "123",
    "TRUE",
]
NUMBERS = [0.0, -0.0, 1e-7, 1e20, math.nan, math.inf, -math.inf, 1 / 3, 0.1 + 0.2, 2.0**53 + 2]
NUMBERS += [5e-324, 1.7976931348623157e308, -2.5, 123456789.123456789, 1e15, 1e16, 1e-5, 100.0]
MIXED: list[object] = [None, math.nan, pd.NA, True, np.bool_(False), 7, np.int64(-3), 2.5]
MIXED += [-0.0, math.inf, "=SUM(A1:A2)", " spaced ", pd.Timestamp(2024, 1, 2), 1e20, 1e-7]
MIXED += [np.float32(0.1), Decimal("1.5"), "_x0041_", "&", 2**62]


def cycled(values: list[Any], length: int) -> list[Any]:
    return [values[k % len(values)] for k in range(length)]


def hostile_table(texts: list[str]) -> pd.DataFrame:
    """Every kind of column the bulk writer renders its own way, full of edge cases."""
    rows = len(texts)
    return pd.DataFrame(
        {
            "text": texts,
            "cost": cycled(NUMBERS, rows),  # floats with blanks: cell by cell
            "share": cycled([0.125, 1 / 3, -0.0, 1e-7, 1e20, 1.0], rows),  # no blanks
            "quantity": np.array(cycled([0, -1, 2**62, -(2**53) - 1, 10**15, 7], rows)),
            "hhi": np.array(cycled([0.1, 0.5, 1.0], rows), dtype=np.float32),
            "binding": [k % 3 == 0 for k in range(rows)],
            "value": cycled(MIXED, rows),
            "unit": pd.array(cycled(["t", None, " kg"], rows), dtype="string"),
            "flag": cycled([True, None, False], rows),
            "count": pd.array(cycled([1, None, -4], rows), dtype="Int64"),
            "category": pd.Categorical(cycled(["a", "b & c", " d"], rows)),
            "when": cycled([pd.Timestamp(2024, 5, 6, 7, 8), pd.NaT], rows),
            "risk": [math.nan] * rows,
            "empty": [None] * rows,
            "last": ["end"] * rows,
        }
    )


def by_xlsxwriter(path: Path, name: str, table: pd.DataFrame) -> None:
    """The sheet written cell by cell by xlsxwriter in constant-memory mode (inline strings),
    with the options and column formats of `write_workbook` and the values of its
    cell-by-cell path."""
    book = xlsxwriter.Workbook(str(path), {**xlsx.WRITER_OPTIONS, "constant_memory": True})
    sheet = book.add_worksheet(name)
    xlsx._write_values(sheet, table, style_sheet(book, sheet, name, table))
    book.close()


def shown(cell: Cell) -> str:
    """A cell for a failure message, its text shortened."""
    value = cell.value if len(cell.value) < 80 else f"{cell.value[:40]!r}... ({len(cell.value)})"
    return repr(cell).replace(repr(cell.value), str(value), 1)


def assert_same_cells(tmp_path: Path, table: pd.DataFrame) -> None:
    """The bulk path writes the cells xlsxwriter writes: same references, types, values or
    texts, xml:space and number formats. Allowed: text shared or inline, -0 written as 0,
    rows without cells, `spans`."""
    written = write(tmp_path / "bulk.xlsx", {"Allocation": table})
    assert written.bulk == {"xl/worksheets/sheet1.xml"}, "the sheet was not written in bulk"
    by_xlsxwriter(tmp_path / "cells.xlsx", "Allocation", table)
    with (
        zipfile.ZipFile(written.path) as bulk_file,
        zipfile.ZipFile(tmp_path / "cells.xlsx") as cells_file,
    ):
        bulk = read_sheet(bulk_file, "xl/worksheets/sheet1.xml")
        cells = read_sheet(cells_file, "xl/worksheets/sheet1.xml")
    assert bulk.dimension == cells.dimension
    assert {r: row for r, row in bulk.rows.items() if row[1]} == cells.rows
    assert bulk.cells.keys() == cells.cells.keys()
    differing = [r for r, cell in cells.cells.items() if bulk.cells[r] != cell]
    assert not differing, "\n".join(
        f"{r}: bulk {shown(bulk.cells[r])}, xlsxwriter {shown(cells.cells[r])}" for r in differing
    )


def test_bulk_cells_are_the_cells_xlsxwriter_writes(tmp_path: Path) -> None:
    """Text that looks like a formula, a link or an escape, control characters, edge spaces,
    text too long for a cell, markup; numbers at the limits of a double, NaN and infinities;
    booleans; blanks; mixed columns: the bulk path's XML says to Excel what xlsxwriter's says,
    cell for cell."""
    assert_same_cells(tmp_path, hostile_table(HOSTILE_TEXT))


@pytest.mark.parametrize(
    "text", ["non\uffffcharacter \ufffe", "😀" * 20_000], ids=["noncharacters", "astral"]
)
def test_bulk_text_beyond_what_xlsxwriter_escapes_or_cuts(tmp_path: Path, text: str) -> None:
    """Noncharacters and text over Excel's limit in UTF-16 units (not in characters) are
    written as xlsxwriter writes them."""
    assert_same_cells(tmp_path, hostile_table(["plain", text, "end"]))
