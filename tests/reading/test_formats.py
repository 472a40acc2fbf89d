"""File formats as the reader sees them: an Excel error value is a `CellError` at its cell in
.xlsx, .xls, .ods and .xlsb alike (never a blank: a blank capacity means unlimited), a formula
without a saved value is `FORMULA_WITHOUT_VALUE`, an .xlsb is read whatever its suffix, the
totals rows of Excel tables are known, and a file that is not a workbook is told what it is.

Every workbook is built in code inside `tmp_path`; the .xlsb ones with `xlsb_writer`.
"""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from html import escape
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlsxwriter
import xlwt
from click.testing import CliRunner
from conftest import write_with_xlsxwriter
from odf.opendocument import OpenDocumentSpreadsheet
from odf.table import Table as OdfTable
from odf.table import TableCell, TableRow
from odf.text import P
from xlsb_writer import (
    DIVIDE_BY_ZERO,
    ERROR_CODES,
    NA_FORMULA,
    Error,
    Formula,
    Table,
    write_xlsb,
)

from optimizer.batch.pipeline import load_problem
from optimizer.cli import main
from optimizer.contract.diagnostics import InvalidWorkbook, Level
from optimizer.reading.filetype import Format, identify
from optimizer.reading.workbook import (
    FORMULA_WITHOUT_VALUE,
    WORKBOOK_SUFFIXES,
    Cell,
    CellError,
    Workbook,
    read_workbook,
)

SOFFICE = shutil.which("soffice")
Rows = list[list[Any]]
OFFERS = ["supplier", "country", "material", "unit_price", "capacity"]  # capacity is column E


def contract_rows(capacity: Any = 30) -> dict[str, Rows]:
    """Two offers and a demand; the second offer's capacity (Offers!E3) is `capacity`."""
    return {
        "Offers": [
            OFFERS,
            ["ChinaCo", "China", "Ga", 10, 100],
            ["JapanCo", "Japan", "Ga", 12, capacity],
        ],
        "Demand": [["material", "quantity"], ["Ga", 100]],
    }


def read(path: Path, isolated: bool = True) -> Workbook:
    return read_workbook(path, lambda _: True, isolated=isolated)


def cell(book: Workbook, sheet: str, row: int, column: int) -> Cell:
    """The cell at 1-based (row, column); None when it is blank or beyond the data."""
    rows = book.sheets[sheet].rows
    if row > len(rows) or column > len(rows[row - 1]):
        return None
    return rows[row - 1][column - 1]


def verdict(path: Path) -> str:
    """The one message of a file that cannot be read."""
    with pytest.raises(InvalidWorkbook) as caught:
        read(path)
    (only,) = caught.value.diagnostics
    assert only.level is Level.ERROR
    return only.message


# --- writers for what the shared helpers cannot write ------------------------------------------


def write_xls(path: Path, sheets: dict[str, Rows]) -> Path:
    """An .xls written by xlwt: an `Error` is an error value (a BOOLERR record), a string
    starting with "=" a formula, saved (as xlwt saves every formula) without a result."""
    book = xlwt.Workbook()
    for name, rows in sheets.items():
        sheet = book.add_sheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if isinstance(value, Error):
                    sheet.row(r).set_cell_error(c, ERROR_CODES[value.code])  # xlwt misnames #N/A
                elif isinstance(value, str) and value.startswith("="):
                    sheet.write(r, c, xlwt.Formula(value[1:]))
                elif value is not None:
                    sheet.write(r, c, value)
    book.save(str(path))
    return path


ODS_NAMESPACES = " ".join(
    f'xmlns:{prefix}="{uri}"'
    for prefix, uri in {
        "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
        "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
        "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
        "of": "urn:oasis:names:tc:opendocument:xmlns:of:1.2",
        "calcext": "urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0",
    }.items()
)


def write_ods_xml(path: Path, tables: dict[str, list[str]]) -> Path:
    """An .ods whose tables are given as the XML of their rows, as LibreOffice writes them."""
    body = "".join(
        f'<table:table table:name="{escape(name)}">{"".join(rows)}</table:table>'
        for name, rows in tables.items()
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet"
        )
        archive.writestr(
            "META-INF/manifest.xml",
            '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest='
            '"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">'
            '<manifest:file-entry manifest:full-path="/" manifest:media-type='
            '"application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry '
            'manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
            "</manifest:manifest>",
        )
        archive.writestr(
            "content.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ODS_NAMESPACES} '
            f'office:version="1.3"><office:body><office:spreadsheet>{body}'
            "</office:spreadsheet></office:body></office:document-content>",
        )
    return path


def ods_row(*cells: Any, repeated: int = 1) -> str:
    """A row of cells: text, numbers, None (blank) or the XML of a cell."""
    xml = []
    for value in cells:
        if value is None:
            xml.append("<table:table-cell/>")
        elif isinstance(value, str) and value.startswith("<table:"):
            xml.append(value)
        elif isinstance(value, int | float):
            xml.append(
                f'<table:table-cell office:value-type="float" office:value="{value}" '
                f'calcext:value-type="float"><text:p>{value}</text:p></table:table-cell>'
            )
        else:
            xml.append(
                '<table:table-cell office:value-type="string" calcext:value-type="string">'
                f"<text:p>{escape(str(value))}</text:p></table:table-cell>"
            )
    repeat = f' table:number-rows-repeated="{repeated}"' if repeated > 1 else ""
    return f"<table:table-row{repeat}>{''.join(xml)}</table:table-row>"


def ods_error(code: str, formula: str = "of:=NA()") -> str:
    """A formula cell whose result is an error value, as LibreOffice saves it."""
    return (
        f'<table:table-cell table:formula="{formula}" office:value-type="string" '
        f'office:string-value="" calcext:value-type="error"><text:p>{code}</text:p>'
        "</table:table-cell>"
    )


def ods_rows(sheets: dict[str, Rows]) -> dict[str, list[str]]:
    return {name: [ods_row(*row) for row in rows] for name, rows in sheets.items()}


def write_odfpy(path: Path, sheets: dict[str, Rows]) -> Path:
    """An .ods written by odfpy: a string starting with "=" is a formula saved without a value
    (odfpy computes nothing)."""
    document = OpenDocumentSpreadsheet()
    for name, rows in sheets.items():
        table = OdfTable(name=name)
        for row in rows:
            table_row = TableRow()
            for value in row:
                if isinstance(value, str) and value.startswith("="):
                    table_row.addElement(TableCell(formula=f"of:{value}"))
                elif isinstance(value, int | float):
                    number = TableCell(valuetype="float", value=value)
                    number.addElement(P(text=str(value)))
                    table_row.addElement(number)
                else:
                    text = TableCell(valuetype="string")
                    text.addElement(P(text="" if value is None else str(value)))
                    table_row.addElement(text)
            table.addElement(table_row)
        document.spreadsheet.addElement(table)
    document.save(str(path))
    return path


def write_xlsx_na(path: Path, sheets: dict[str, Rows], ref: str = "E3") -> Path:
    """An .xlsx written by xlsxwriter with =NA() at Offers!`ref`, saved with its result."""
    return write_with_xlsxwriter(path, sheets, {("Offers", ref): ("=NA()", "#N/A")})


def libreoffice(source: Path, target_format: str, folder: Path) -> Path:
    """`source` converted by LibreOffice (which computes every formula) to `target_format`."""
    assert SOFFICE is not None
    subprocess.run(
        [
            SOFFICE,
            "--headless",
            f"-env:UserInstallation=file://{folder}/profile",
            "--convert-to",
            target_format,
            "--outdir",
            str(folder),
            str(source),
        ],
        capture_output=True,
        timeout=180,
        check=True,
    )
    return folder / f"{source.stem}.{target_format}"


# --- an error value at its cell, in every format -------------------------------------------


def na_workbook(tmp_path: Path, fmt: str) -> Path:
    """A workbook with #N/A as Offers!E3 (the capacity of the second offer), in `fmt`."""
    path = tmp_path / f"offers.{fmt}"
    if fmt == "xlsx":
        return write_xlsx_na(path, contract_rows(None))
    if fmt == "xls":
        return write_xls(path, contract_rows(Error("#N/A")))
    if fmt == "ods":
        return write_ods_xml(path, ods_rows(contract_rows(ods_error("#N/A"))))
    return write_xlsb(path, contract_rows(Error("#N/A")))


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods", "xlsb"])
@pytest.mark.parametrize("isolated", [True, False])
def test_na_capacity_is_a_cell_error_in_every_format(
    tmp_path: Path, fmt: str, isolated: bool
) -> None:
    book = read(na_workbook(tmp_path, fmt), isolated=isolated)

    assert cell(book, "Offers", 3, 5) == CellError("#N/A")
    assert cell(book, "Offers", 2, 5) == 100
    assert cell(book, "Offers", 3, 1) == "JapanCo"


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods", "xlsb"])
def test_na_capacity_is_an_error_at_its_cell(tmp_path: Path, fmt: str) -> None:
    with pytest.raises(InvalidWorkbook) as caught:
        load_problem(na_workbook(tmp_path, fmt))

    errors = [d for d in caught.value.diagnostics if d.level is Level.ERROR]
    assert [(d.sheet, d.cell) for d in errors] == [("Offers", "E3")]
    assert "#N/A" in errors[0].message


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
@pytest.mark.parametrize("fmt", ["xls", "ods"])
def test_error_values_saved_by_libreoffice_are_cell_errors(tmp_path: Path, fmt: str) -> None:
    source = write_with_xlsxwriter(
        tmp_path / "source.xlsx",
        {"Offers": [OFFERS, ["ChinaCo", "China", "Ga", 10, 100]]},
        {
            ("Offers", "E3"): ("=NA()", "#N/A"),
            ("Offers", "E4"): ("=1/0", "#DIV/0!"),
            ("Offers", "E5"): ('=IF(E2>0,"","x")', ""),
            ("Offers", "E6"): ("=E2*2", 200),
        },
    )

    book = read(libreoffice(source, fmt, tmp_path))

    assert [cell(book, "Offers", row, 5) for row in (2, 3, 4, 5, 6)] == [
        100,
        CellError("#N/A"),
        CellError("#DIV/0!"),
        None,  # a formula whose result is an empty text is a blank cell
        200,
    ]


def test_xlsb_formula_with_an_error_result_is_read_though_calamine_skips_it(
    tmp_path: Path,
) -> None:
    path = write_xlsb(
        tmp_path / "formulas.xlsb",
        {
            "Offers": [
                OFFERS,
                ["ChinaCo", "China", "Ga", 10, Formula(Error("#DIV/0!"), DIVIDE_BY_ZERO)],
                ["JapanCo", "Japan", "Ga", 12, Formula(30.0)],
                ["KoreaCo", "Korea", "Ga", 15, Formula("")],
                [None, None, None, None, Formula(Error("#N/A"), NA_FORMULA)],  # a row of its own
            ]
        },
    )

    book = read(path)

    assert [cell(book, "Offers", row, 5) for row in (2, 3, 4, 5)] == [
        CellError("#DIV/0!"),
        30.0,
        None,  # a formula in .xlsb always has its result saved: an empty text is a blank
        CellError("#N/A"),
    ]
    assert len(book.sheets["Offers"].rows) == 5


CODES = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A")


def test_xls_error_codes_and_sheets(tmp_path: Path) -> None:
    path = write_xls(
        tmp_path / "codes.xls",
        {
            "Notes": [["a note"]],
            "Offers": [[Error(code) for code in CODES]],
        },
    )

    book = read(path)

    assert book.sheets["Offers"].rows[0] == [CellError(code) for code in CODES]
    assert book.sheets["Notes"].rows == [["a note"]]


def test_ods_error_after_repeated_rows_and_cells(tmp_path: Path) -> None:
    path = write_ods_xml(
        tmp_path / "repeated.ods",
        {
            "Notes": [ods_row("a note", ods_error("#REF!"))],
            "Offers": [
                ods_row(*OFFERS),
                ods_row(repeated=3),
                ods_row(
                    "ChinaCo",
                    '<table:table-cell table:number-columns-repeated="3"/>',
                    ods_error("#DIV/0!", "of:=1/0"),
                ),
                ods_row(None, ods_error("#N/A"), repeated=2),
                "<table:table-row><table:covered-table-cell/>"
                '<table:table-cell table:formula="of:=SQRT(-1)" office:value-type="string" '
                'office:string-value=""><text:p>Err:502</text:p></table:table-cell>'
                "</table:table-row>",
                ods_row(
                    ods_error("#N/A"),
                    '<table:table-cell table:number-columns-repeated="2"/>',
                    ods_error("#REF!"),
                    "text",
                    ods_error("#NUM!"),
                ),
            ],
        },
    )

    book = read(path, isolated=False)

    assert cell(book, "Offers", 5, 5) == CellError("#DIV/0!")
    assert cell(book, "Offers", 6, 2) == CellError("#N/A")
    assert cell(book, "Offers", 7, 2) == CellError("#N/A")
    assert cell(book, "Offers", 8, 2) == CellError("Err:502")  # older LibreOffice's error text
    assert cell(book, "Notes", 1, 2) == CellError("#REF!")
    flagged = [
        (r, c)
        for r, row in enumerate(book.sheets["Offers"].rows, 1)
        for c, value in enumerate(row, 1)
        if isinstance(value, CellError)
    ]
    assert cell(book, "Offers", 9, 4) == CellError("#REF!")
    assert flagged == [(5, 5), (6, 2), (7, 2), (8, 2), (9, 1), (9, 4), (9, 6)]


# --- formulas without a saved value ------------------------------------------------------------


def test_xls_formula_written_by_xlwt_has_no_value(tmp_path: Path) -> None:
    path = write_xls(tmp_path / "xlwt.xls", contract_rows("=E2*2"))

    assert cell(read(path), "Offers", 3, 5) == FORMULA_WITHOUT_VALUE


def test_ods_formula_written_by_odfpy_has_no_value(tmp_path: Path) -> None:
    path = write_odfpy(tmp_path / "odfpy.ods", contract_rows("=[.E2]*2"))

    assert cell(read(path), "Offers", 3, 5) == FORMULA_WITHOUT_VALUE


def test_ods_formula_with_an_empty_result_is_blank_when_libreoffice_saved_it(
    tmp_path: Path,
) -> None:
    empty_text = (
        '<table:table-cell table:formula="of:=IF(1;&quot;&quot;;1)"><text:p/></table:table-cell>'
    )
    path = write_ods_xml(tmp_path / "empty.ods", ods_rows(contract_rows(empty_text)))

    assert cell(read(path), "Offers", 3, 5) is None


def test_xlsx_formula_with_an_empty_text_result_is_blank(tmp_path: Path) -> None:
    path = write_with_xlsxwriter(
        tmp_path / "text.xlsx", contract_rows(None), {("Offers", "E3"): ('=IF(1,"x","")', "x")}
    )
    _rewrite(path, "xl/worksheets/sheet1.xml", b"<v>x</v>", b"<v></v>")  # as Excel saves ""

    assert cell(read(path), "Offers", 3, 5) is None


def test_xlsx_formula_written_by_openpyxl_has_no_value(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Offers"
    for row in contract_rows("=E2*2")["Offers"]:
        sheet.append(row)
    book.save(tmp_path / "openpyxl.xlsx")

    assert cell(read(tmp_path / "openpyxl.xlsx"), "Offers", 3, 5) == FORMULA_WITHOUT_VALUE


def _rewrite(path: Path, part: str, old: bytes, new: bytes) -> None:
    with zipfile.ZipFile(path) as archive:
        parts = {info.filename: archive.read(info) for info in archive.infolist()}
    assert old in parts[part]
    parts[part] = parts[part].replace(old, new)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)


# --- .xlsb, whatever its name ------------------------------------------------------------------


def test_xlsb_is_read_like_xlsx(tmp_path: Path) -> None:
    sheets = contract_rows()
    xlsb = write_xlsb(tmp_path / "offers.xlsb", sheets)
    xlsx = write_with_xlsxwriter(tmp_path / "offers.xlsx", sheets, {})

    assert identify(xlsb) is Format.XLSB
    problem, diagnostics = load_problem(xlsb)
    expected, expected_diagnostics = load_problem(xlsx)
    assert problem.model_dump() == expected.model_dump()
    assert diagnostics == expected_diagnostics


def test_xlsb_renamed_to_xlsx_is_read_by_its_content(tmp_path: Path) -> None:
    xlsb = write_xlsb(tmp_path / "offers.xlsb", contract_rows(Error("#N/A")))
    renamed = tmp_path / "offers.xlsx"
    shutil.copy(xlsb, renamed)

    assert identify(renamed) is Format.XLSB
    assert read(renamed).sheets["Offers"].rows == read(xlsb).sheets["Offers"].rows
    assert cell(read(renamed), "Offers", 3, 5) == CellError("#N/A")


def test_xlsb_is_a_workbook_suffix() -> None:
    assert WORKBOOK_SUFFIXES == (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods")


def test_xlsb_in_a_folder_with_na_capacity_exits_2_with_the_cell_in_diagnostics(
    tmp_path: Path,
) -> None:
    folder, out = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    write_xlsb(folder / "offers.xlsb", contract_rows(Error("#N/A")))

    result = CliRunner().invoke(main, ["run", str(folder), "--out", str(out)])

    assert result.exit_code == 2, result.output
    book = openpyxl.load_workbook(out / "offers_allocation.xlsx", read_only=True)
    rows = [
        [str(value) for value in row] for row in book["Diagnostics"].iter_rows(values_only=True)
    ]
    assert any("Offers" in row and "E3" in row and any("#N/A" in v for v in row) for row in rows)


def test_xlsb_with_a_truncated_sheet_gets_a_verdict(tmp_path: Path) -> None:
    path = write_xlsb(tmp_path / "truncated.xlsb", contract_rows())
    with zipfile.ZipFile(path) as archive:
        data = archive.read("xl/worksheets/sheet1.bin")
    _rewrite(path, "xl/worksheets/sheet1.bin", data, data[: len(data) // 2])

    assert verdict(path).startswith("truncated.xlsb could not be read as an Excel binary workbook")


# --- totals rows of Excel tables ---------------------------------------------------------------


def test_totals_row_of_an_xlsx_table(tmp_path: Path) -> None:
    path = tmp_path / "tables.xlsx"
    book = xlsxwriter.Workbook(str(path))
    offers = book.add_worksheet("Offers")
    offers.write(0, 0, "Offers of the quarter")
    offers.add_table(
        "A3:E6",
        {
            "data": [["ChinaCo", "China", "Ga", 10, 100], ["JapanCo", "Japan", "Ga", 12, 30]],
            "total_row": True,
            "columns": [{"header": header} for header in OFFERS[:4]]
            + [{"header": "capacity", "total_function": "sum"}],
        },
    )
    demand = book.add_worksheet("Demand")
    demand.add_table(
        "A1:B2",
        {"data": [["Ga", 100]], "columns": [{"header": "material"}, {"header": "quantity"}]},
    )
    book.close()

    read_book = read(path)

    assert read_book.sheets["Offers"].totals == (6,)
    assert read_book.sheets["Demand"].totals == ()
    assert cell(read_book, "Offers", 6, 5) is not None  # the row is still there, marked


def test_totals_row_when_openpyxl_reads_the_workbook(tmp_path: Path) -> None:
    path = tmp_path / "tables.xlsx"
    book = xlsxwriter.Workbook(str(path))
    offers = book.add_worksheet("Offers")
    offers.add_table(
        "A1:E4",
        {
            "data": [["ChinaCo", "China", "Ga", 10, 100], ["JapanCo", "Japan", "Ga", 12, None]],
            "total_row": True,
            "columns": [{"header": header} for header in OFFERS],
        },
    )
    offers.write_formula("E3", "=NA()", None, "#N/A")  # an error value: openpyxl reads it
    book.close()

    read_book = read(path)

    assert cell(read_book, "Offers", 3, 5) == CellError("#N/A")
    assert read_book.sheets["Offers"].totals == (4,)


def test_totals_row_of_an_xlsb_table(tmp_path: Path) -> None:
    rows = contract_rows()
    rows["Offers"].append(["Total", None, None, None, 130])
    path = write_xlsb(
        tmp_path / "tables.xlsb",
        rows,
        {"Offers": [Table(1, 4, (1, 5), totals=True)], "Demand": [Table(1, 2, (1, 2))]},
    )

    book = read(path)

    assert book.sheets["Offers"].totals == (4,)
    assert book.sheets["Demand"].totals == ()
    assert cell(book, "Offers", 4, 1) == "Total"


@pytest.mark.parametrize("fmt", ["xlsx", "xlsb"])
def test_totals_row_is_not_read_as_an_offer(tmp_path: Path, fmt: str) -> None:
    rows = contract_rows()
    rows["Offers"].append(["Total", None, None, None, 130])
    if fmt == "xlsb":
        tables = {"Offers": [Table(1, 4, (1, 5), totals=True)]}
        path = write_xlsb(tmp_path / "offers.xlsb", rows, tables)
    else:
        path = tmp_path / "offers.xlsx"
        book = xlsxwriter.Workbook(str(path))
        book.add_worksheet("Offers").add_table(
            "A1:E4",
            {
                "data": rows["Offers"][1:3],
                "total_row": True,
                "columns": [{"header": "supplier", "total_string": "Total"}]
                + [{"header": header} for header in OFFERS[1:4]]
                + [{"header": "capacity", "total_function": "sum"}],
            },
        )
        demand = book.add_worksheet("Demand")
        for number, row in enumerate(rows["Demand"]):
            demand.write_row(number, 0, row)
        book.close()

    problem, diagnostics = load_problem(path)

    assert [offer.supplier for offer in problem.offers] == ["ChinaCo", "JapanCo"]
    notes = [(d.sheet, d.cell, d.message) for d in diagnostics if d.level is Level.INFO]
    assert notes == [
        (
            "Offers",
            "A4",
            "row 4 is the totals row of an Excel table; it is not read as an offer.",
        )
    ]


# --- files that are not workbooks --------------------------------------------------------------

CSV = b"supplier,country,material,unit_price\nA,China,Ga,10\n"
NOT_WORKBOOKS = {
    "offers.csv": (
        CSV,
        "offers.csv is a text (CSV) file, not a workbook (.xlsx, .xlsm, .xlsb, .xls or .ods): "
        "open it in Excel and save it as .xlsx.",
    ),
    "notes.txt": (
        b"Offers for next quarter\n",
        "notes.txt is a text (CSV) file, not a workbook (.xlsx, .xlsm, .xlsb, .xls or .ods): "
        "open it in Excel and save it as .xlsx.",
    ),
    "offers": (
        CSV,
        "offers is a text (CSV) file, not a workbook (.xlsx, .xlsm, .xlsb, .xls or .ods): "
        "open it in Excel and save it as .xlsx.",
    ),
    "export.html": (
        b"<!DOCTYPE html><html><table><tr><td>1</td></tr></table></html>",
        "export.html is a web page or XML file, not a workbook (.xlsx, .xlsm, .xlsb, .xls or "
        ".ods): open it in Excel and save it as .xlsx.",
    ),
    "report.pdf": (
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + bytes(range(256)) * 4,
        "report.pdf is a PDF document, not a workbook (.xlsx, .xlsm, .xlsb, .xls or .ods). Use "
        "the workbook the PDF was made from, or copy its tables into Excel and save them as "
        ".xlsx.",
    ),
    "photo.png": (
        b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4,
        "photo.png is not a workbook (.xlsx, .xlsm, .xlsb, .xls or .ods): its content is neither "
        "Excel nor OpenDocument. Check that the right file was named.",
    ),
    "empty.csv": (
        b"",
        "empty.csv could not be read: the file is empty (0 bytes). Open the workbook, save it "
        "again and drop it in.",
    ),
}


@pytest.mark.parametrize("name", list(NOT_WORKBOOKS))
def test_file_that_is_not_a_workbook_is_told_what_it_is(tmp_path: Path, name: str) -> None:
    content, message = NOT_WORKBOOKS[name]
    (tmp_path / name).write_bytes(content)

    assert verdict(tmp_path / name) == message


def test_csv_named_as_a_workbook_keeps_its_verdict(tmp_path: Path) -> None:
    (tmp_path / "offers.xlsx").write_bytes(CSV)

    assert verdict(tmp_path / "offers.xlsx") == (
        "offers.xlsx could not be read: it is a text (CSV) file with a workbook's name, not a "
        "workbook. Open it in Excel and save it again as .xlsx."
    )


@pytest.mark.parametrize("name", ["offers", "offers.xlsx.bak", "offers.csv"])
def test_workbook_with_another_name_is_read_by_its_content(tmp_path: Path, name: str) -> None:
    write_xlsb(tmp_path / name, contract_rows(Error("#REF!")))

    assert cell(read(tmp_path / name), "Offers", 3, 5) == CellError("#REF!")
