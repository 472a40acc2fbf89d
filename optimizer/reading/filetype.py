"""What a file really is, from its bytes, before any parser touches it.

People e-mail workbooks that are HTML pages or CSV files renamed to `.xlsx`, password-protected
(an OLE container), truncated, or zip bombs. Each gets a verdict that says what the file is and
what to do, and only a file that looks like a workbook is handed to a reader.
"""

from __future__ import annotations

import re
import zipfile
from enum import StrEnum
from pathlib import Path

from optimizer.contract.diagnostics import InvalidWorkbook, unreadable

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
MAX_MEMBERS = 10_000
MAX_UNCOMPRESSED = 4 << 30  # 4 GiB of XML is far beyond any real sourcing workbook
MAX_RATIO = 200  # XML compresses about 10-20 times; hundreds means a bomb


WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods")  # what a folder's workbooks end in
SUFFIXES_IN_WORDS = ".xlsx, .xlsm, .xlsb, .xls or .ods"


class Format(StrEnum):
    XLSX = "xlsx"  # also .xlsm: Office Open XML
    XLSB = "xlsb"  # Excel binary workbook: Office Open XML parts holding binary records
    XLS = "xls"  # Excel 97-2003 (OLE container)
    ODS = "ods"


def identify(path: Path, named_as_workbook: bool = True) -> Format:
    """The workbook format of `path` by its content; raise InvalidWorkbook for anything else,
    saying what the file is (a lock file of Excel or LibreOffice by its name: its content says
    nothing of the workbook it locks). `named_as_workbook`: its suffix is a workbook's (a file
    of another suffix was named on purpose, and is told what it is rather than that it is
    damaged)."""
    with open(path, "rb") as handle:
        head = handle.read(512)
    name = path.name
    if not head.startswith((OLE_MAGIC, ZIP_MAGIC)) and (lock := _lock_message(name)):
        raise unreadable(lock)
    if not head:
        raise unreadable(
            f"{name} could not be read: the file is empty (0 bytes). Open the workbook, save it "
            "again and drop it in."
        )
    if head.startswith(OLE_MAGIC):
        return _ole(path)
    if head.startswith(ZIP_MAGIC):
        return _zip(path)
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    web = text.startswith((b"<!doctype html", b"<html", b"<table", b"<?xml", b"<"))
    if not named_as_workbook:
        raise unreadable(_not_a_workbook(name, head, web))
    if web:
        raise unreadable(
            f"{name} could not be read: it is a web page or XML file with a workbook's name, "
            "not a workbook (often an export from a web system). Open it in Excel and save it "
            "again as .xlsx."
        )
    if _looks_like_text(head):
        raise unreadable(
            f"{name} could not be read: it is a text (CSV) file with a workbook's name, not a "
            "workbook. Open it in Excel and save it again as .xlsx."
        )
    raise unreadable(
        f"{name} could not be read: its content is neither Excel nor OpenDocument. Check "
        "that the right file was dropped in, and save it again from Excel as .xlsx."
    )


def _lock_message(name: str) -> str | None:
    """The verdict on a lock file (`~$plan.xlsx` of Excel, `.~lock.plan.xlsx#` of LibreOffice),
    which a spreadsheet program keeps beside a workbook while it is open; None for another
    name."""
    if name.startswith("~$") and len(name) > 2:
        program, workbook = "Excel", name[2:]
    elif name.startswith(".~lock.") and name.endswith("#") and len(name) > len(".~lock.#"):
        program, workbook = "LibreOffice", name[len(".~lock.") : -1]
    else:
        return None
    return (
        f"{name} is the lock file {program} keeps while '{workbook}' is open, not a workbook; "
        f"run the workbook itself ({workbook}), after closing it."
    )


def _not_a_workbook(name: str, head: bytes, web: bool) -> str:
    """The verdict on a file that neither is a workbook nor is named like one: what it is."""
    if head.startswith(b"%PDF"):
        return (
            f"{name} is a PDF document, not a workbook ({SUFFIXES_IN_WORDS}). Use the workbook "
            "the PDF was made from, or copy its tables into Excel and save them as .xlsx."
        )
    if web:
        kind = "a web page or XML file"
    elif _looks_like_text(head):
        kind = "a text (CSV) file"
    else:
        return (
            f"{name} is not a workbook ({SUFFIXES_IN_WORDS}): its content is neither Excel nor "
            "OpenDocument. Check that the right file was named."
        )
    return (
        f"{name} is {kind}, not a workbook ({SUFFIXES_IN_WORDS}): open it in Excel and save it "
        "as .xlsx."
    )


def _looks_like_text(head: bytes) -> bool:
    try:
        decoded = head.decode("utf-8")
    except UnicodeDecodeError:
        decoded = head.decode("latin-1")
    printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in decoded)
    return printable >= 0.95 * len(decoded)


def _ole(path: Path) -> Format:
    """An OLE container: an Excel 97-2003 workbook, or an encrypted (password) workbook."""
    with open(path, "rb") as handle:
        content = handle.read(1 << 20)
    if "EncryptionInfo".encode("utf-16-le") in content or b"EncryptedPackage" in content:
        raise unreadable(
            f"{path.name} could not be read: it is protected with a password. Save it again "
            "without a password (File > Info > Protect Workbook) and drop that copy in."
        )
    return Format.XLS


def _zip(path: Path) -> Format:
    """An Office Open XML or OpenDocument archive, checked against zip bombs and XML entities;
    an archive that breaks while being checked is damaged."""
    try:
        return _checked_zip(path)
    except InvalidWorkbook:
        raise
    except Exception as exc:
        raise _damaged(path, exc) from exc


def _damaged(path: Path, exc: Exception) -> InvalidWorkbook:
    return unreadable(
        f"{path.name} could not be read: the file is damaged or incomplete ({exc}). It may "
        "not have finished copying; copy it or save it again."
    )


def _checked_zip(path: Path) -> Format:
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            names = {m.filename for m in members}
            mimetype = archive.read("mimetype")[:100] if "mimetype" in names else b""
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise _damaged(path, exc) from exc
    if len(members) > MAX_MEMBERS:
        raise _bomb(path, f"it holds {len(members):,} parts")
    unpacked = sum(m.file_size for m in members)
    packed = sum(m.compress_size for m in members) or 1
    if unpacked > MAX_UNCOMPRESSED:
        raise _bomb(path, f"it would unpack to {unpacked / 2**30:,.1f} GiB")
    if unpacked > 100 << 20 and unpacked / packed > MAX_RATIO:
        raise _bomb(path, f"it would unpack to {unpacked / packed:,.0f} times its size")
    _refuse_xml_entities(path)
    if "xl/workbook.xml" in names or any(n.endswith("/workbook.xml") for n in names):
        return Format.XLSX
    if "xl/workbook.bin" in names:
        return Format.XLSB
    if mimetype.startswith(b"application/vnd.oasis.opendocument.spreadsheet"):
        return Format.ODS
    if "EncryptionInfo" in names:
        raise unreadable(
            f"{path.name} could not be read: it is protected with a password. Save it again "
            "without a password and drop that copy in."
        )
    raise unreadable(
        f"{path.name} could not be read: it is a zip archive but not a workbook (no Excel or "
        "OpenDocument spreadsheet inside). Unpack it, or open the workbook in Excel and save it "
        "again as .xlsx."
    )


def _refuse_xml_entities(path: Path) -> None:
    """No XML part of a workbook has a document type declaration; one that does may expand
    entities ("billion laughs") or fetch external files, whichever reader parses it."""
    with zipfile.ZipFile(path) as archive:
        for member in archive.infolist():
            if not member.filename.endswith((".xml", ".rels", ".vml")):
                continue
            if _declares_entities(archive, member):
                raise unreadable(
                    f"{path.name} could not be read: its XML declares entities or external "
                    "references, which real workbooks never contain (the file may be "
                    "malicious). Copy the data into a new workbook in Excel and save it again."
                )


_ROOT = re.compile(rb"<(?![?!])")  # the first element: the prolog ends there
MAX_PROLOG = 1 << 26


def _declares_entities(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> bool:
    """Whether the XML prolog, however long (comments can pad it), has a DOCTYPE or ENTITY."""
    prolog = b""
    with archive.open(member) as stream:
        while chunk := stream.read(1 << 16):
            prolog += chunk
            root = _ROOT.search(prolog)
            head = prolog if root is None else prolog[: root.start()]
            if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                return True
            if root is not None:
                return False
            if len(prolog) > MAX_PROLOG:
                return True  # no real workbook part has megabytes before its first element
    return False


def _bomb(path: Path, why: str) -> InvalidWorkbook:
    return unreadable(
        f"{path.name} could not be read: {why}, far more than any real workbook (a damaged "
        "or malicious file). Save the workbook again from Excel and drop it in."
    )


def has_macros(path: Path) -> bool:
    with zipfile.ZipFile(path) as archive:
        return any(name.lower().endswith("vbaproject.bin") for name in archive.namelist())


_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def claimed_cells(path: Path) -> int:
    """The largest range any sheet of an .xlsx declares (its `dimension`), in cells."""
    largest = 0
    with zipfile.ZipFile(path) as archive:
        for member in archive.infolist():
            if not member.filename.startswith("xl/worksheets/"):
                continue
            with archive.open(member) as stream:
                found = _DIMENSION.search(stream.read(4096))
            if found and found.group(3):
                rows = int(found.group(4)) - int(found.group(2)) + 1
                columns = _column_number(found.group(3)) - _column_number(found.group(1)) + 1
                largest = max(largest, rows * columns)
    return largest


# What python-calamine reads as a blank cell, so that only openpyxl's cell types tell apart: an
# error value (a cell of type "e"), and a formula without a saved value, `</f>` or `<f .../>` with
# no `<v>` (or an empty one) before the end of its cell. Each pattern starts with a literal
# (`t=`, `f>`, `/>`) that the regex engine finds at memory speed, so a sheet is scanned about as
# fast as it is decompressed; a match on `/>` counts only when that element is an `f`.
_ERROR_CELL = re.compile(rb"""t=["']e["'](?<!\wt=["']e["'])""")  # an attribute `t`, not `ht`
_CELL_END = rb"\s*(?:<(?:\w+:)?v\s*/>|<(?:\w+:)?v>\s*</(?:\w+:)?v>)?\s*</(?:\w+:)?c>"
_FORMULA_END = re.compile(rb"f>" + _CELL_END)
_ELEMENT_END = re.compile(rb"/>" + _CELL_END)
_FORMULA_START = re.compile(rb"<(?:\w+:)?f[\s/]")
_CHUNK = 1 << 22
_OVERLAP = 256  # a match may straddle two chunks


def needs_cell_types(path: Path) -> bool:
    """Whether any sheet of an Office Open XML workbook holds an Excel error value or a formula
    without a saved value, which python-calamine would read as a blank cell."""
    with zipfile.ZipFile(path) as archive:
        for member in archive.infolist():
            if not member.filename.startswith("xl/worksheets/"):
                continue
            with archive.open(member) as stream:
                tail = b""
                while chunk := stream.read(_CHUNK):
                    if _blank_to_calamine(tail + chunk):
                        return True
                    tail = chunk[-_OVERLAP:]
    return False


def _blank_to_calamine(xml: bytes) -> bool:
    if _ERROR_CELL.search(xml) or _FORMULA_END.search(xml):
        return True
    for end in _ELEMENT_END.finditer(xml):
        start = xml.rfind(b"<", 0, end.start())
        if start >= 0 and _FORMULA_START.match(xml, start):
            return True
    return False
