"""Read the cells of a workbook's contract sheets, once each, keeping where every cell stands.

Values are read with python-calamine, which is fast but reads an Excel error value (`#N/A`)
or a formula without a saved value as a blank cell (and skips some). An `.xlsx`/`.xlsm` whose
sheets hold either is read with openpyxl (read-only, saved values) instead, which tells them
apart; in an `.xls`, `.ods` or `.xlsb` such cells are found in the file itself (`errors`) and
put in place of calamine's blanks. The totals rows of Excel tables come from their table parts.
The file's real format is taken from its content, and reading runs in a child process with a
memory and time limit, so that a file built to exhaust memory (a cell claimed at XFD1048576
makes calamine abort the whole interpreter) costs that file its verdict, never the batch.
An `.xlsx`'s sheets are scanned for those two kinds of cells while the child already reads with
calamine (the child is replaced when they are found); the other formats' scan runs in a second
child beside the first, under the same limits. The child's rows come back in one message,
marshalled when they hold only plain values: isolation costs little more than making the cells
a second time.
"""

from __future__ import annotations

import datetime as dt
import marshal
import multiprocessing
import os
import pickle
import resource
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import python_calamine
from defusedxml import DefusedXmlException
from openpyxl.worksheet._reader import FORMULA_TAG, WorkSheetParser

from optimizer.collector import collector_paused
from optimizer.contract.diagnostics import InvalidWorkbook, unreadable
from optimizer.reading.errors import EncryptedXls, Flag, flagged_cells
from optimizer.reading.filetype import (
    WORKBOOK_SUFFIXES,
    Format,
    claimed_cells,
    identify,
    needs_cell_types,
)
from optimizer.reading.tables import totals_rows

if not openpyxl.DEFUSEDXML:  # pragma: no cover - an install problem, not an input problem
    raise RuntimeError("defusedxml must be installed so that openpyxl parses XML safely")

MAX_COLUMNS = 1_000  # cells further right are never part of a contract table
MAX_ROWS = 1_048_576  # Excel's own limit
READ_MEMORY = 6 << 30  # bytes of address space the reading process may use
READ_SECONDS = 600
CALAMINE_SUFFIXES = {
    Format.XLSX: (".xlsx", ".xlsm"),
    Format.XLSB: (".xlsb",),
    Format.XLS: (".xls",),
    Format.ODS: (".ods",),
}
SCANNED = (Format.XLS, Format.ODS, Format.XLSB)  # calamine reads their error values as blanks
WITH_TABLES = (Format.XLSX, Format.XLSB)
MAX_DENSE_CELLS = 50_000_000  # a sheet claiming more is read cell by cell, not as one block


@dataclass(frozen=True)
class CellError:
    """An Excel error value such as `#DIV/0!` stored in a cell."""

    code: str


@dataclass(frozen=True)
class FormulaWithoutValue:
    """A formula whose result was never saved (files written by scripts, not by Excel)."""


FORMULA_WITHOUT_VALUE = FormulaWithoutValue()

Cell = str | float | int | bool | dt.datetime | dt.date | dt.time | dt.timedelta | CellError
Cell = Cell | FormulaWithoutValue | None


@dataclass(frozen=True)
class Sheet:
    """`rows[r][c]` is the cell in Excel row r + 1, column c + 1; blank cells are None."""

    name: str
    rows: list[list[Cell]]
    hidden: bool = False
    totals: tuple[int, ...] = ()  # Excel rows that are the totals row of an Excel table


@dataclass(frozen=True)
class Workbook:
    sheet_names: list[str]
    sheets: dict[str, Sheet]  # only the sheets that were asked for, by their name in the file


def read_workbook(
    path: Path,
    wanted: Callable[[str], bool],
    isolated: bool = True,
    reader: Reader | None = None,
) -> Workbook:
    """Read the sheets whose name passes `wanted`; raise InvalidWorkbook if it cannot be read.
    Any file is judged by its content: a workbook of another suffix is read, anything else is
    told what it is. Isolated, the reading runs in a child process: `reader`'s long-lived one
    when given (a batch), else a child of its own."""
    fmt = identify(path, named_as_workbook=path.suffix.lower() in WORKBOOK_SUFFIXES)
    # calamine would allocate every cell of a claimed range that large; openpyxl streams it
    dense = fmt is Format.XLSX and claimed_cells(path) > MAX_DENSE_CELLS
    reader_name = "openpyxl" if dense else "calamine"
    scan = reader_name == "calamine" and fmt is Format.XLSX  # error values, value-less formulas
    if not isolated or not can_fork():
        if scan and needs_cell_types(path):
            reader_name = "openpyxl"
        book = _read(path, fmt, reader_name, wanted)
        return _flagged(path, book, _scan(path, fmt, wanted)) if fmt in SCANNED else book
    start = reader.start if reader is not None else _Child
    child = start(_read, path, fmt, reader_name, wanted)
    scanner = _Child(_scan, path, fmt, wanted) if fmt in SCANNED else None  # beside the reader
    try:
        if scan and needs_cell_types(path):  # looked for while the child reads with calamine
            child.stop()
            reader_name = "openpyxl"
            child = start(_read, path, fmt, reader_name, wanted)
        kind, payload = child.result()
        if kind == "crash" and reader_name == "calamine" and fmt is Format.XLSX:
            child = start(_read, path, fmt, "openpyxl", wanted)  # bounded, streaming
            kind, payload = child.result()
        if kind == "ok" and scanner is not None:
            kind, flags = scanner.result()
            payload = _flagged(path, payload, flags) if kind == "ok" else flags
    finally:
        child.stop()
        if scanner is not None:
            scanner.stop()
    if kind == "ok":
        return payload
    if kind == "invalid":
        raise InvalidWorkbook(payload)
    if kind == "timeout":
        raise unreadable(
            f"{path.name} took more than {READ_SECONDS} s to read and was given up: it is "
            "far larger than a sourcing workbook should be, or damaged."
        )
    raise unreadable(
        f"{path.name} could not be read: reading it needed more than {READ_MEMORY >> 30} GiB of "
        "memory or crashed the reader (a damaged file, or a sheet that claims cells far beyond "
        "its data). Open it in Excel, delete empty rows and columns, and save it again."
    )


def can_fork() -> bool:
    """Whether reading may run in a child process: fork exists here, and this process may have
    children (a Dask worker's may not)."""
    return (
        "fork" in multiprocessing.get_all_start_methods()
        and not multiprocessing.current_process().daemon
    )


class Reader:
    """One long-lived reading process for many workbooks, with the memory and time limits of a
    reading child (`READ_MEMORY`, `READ_SECONDS`): it saves a new process per workbook, which
    costs more than reading a small workbook. A reader that crashes or overruns its time is
    replaced, and costs only that workbook its verdict."""

    def __init__(self) -> None:
        self._worker: _Worker | None = None

    def start(self, task: Callable[..., Any], *args: Any) -> _Request:
        """`task(*args)` handed to the reading process (a new one if there is none)."""
        if self._worker is None or not self._worker.alive():
            self._worker = _Worker()
        return _Request(self, self._worker, task, args)

    def discard(self, worker: _Worker) -> None:
        worker.stop()
        if self._worker is worker:
            self._worker = None

    def close(self) -> None:
        if self._worker is not None:
            self._worker.stop()
            self._worker = None

    def __enter__(self) -> Reader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Worker:
    """The process behind a `Reader`: it runs one task at a time, sent through a pipe."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("fork")
        self.connection, theirs = context.Pipe()
        self.process = context.Process(target=_serve, args=(theirs, self.connection), daemon=True)
        self.process.start()
        theirs.close()

    def alive(self) -> bool:
        return self.process.is_alive()

    def stop(self) -> None:
        self.process.kill()
        self.process.join()
        self.connection.close()


class _Request:
    """A task running in a `Reader`'s process: its `result`, or `stop` to give it up (which
    costs the reader its process)."""

    def __init__(
        self, reader: Reader, worker: _Worker, task: Callable[..., Any], args: tuple[Any, ...]
    ) -> None:
        self._reader, self._worker, self._done = reader, worker, False
        self._deadline = time.monotonic() + READ_SECONDS
        worker.connection.send((task, args))

    def result(self) -> tuple[str, Any]:
        """As `_Child.result`."""
        self._done = True
        try:
            if not self._worker.connection.poll(max(0.0, self._deadline - time.monotonic())):
                self._reader.discard(self._worker)
                return "timeout", None
            data = self._worker.connection.recv_bytes()
        except (EOFError, OSError):
            self._reader.discard(self._worker)
            return "crash", None
        return _decode(data)

    def stop(self) -> None:
        if not self._done:  # still at work: only a new process can be trusted to be idle
            self._reader.discard(self._worker)
            self._done = True


class _Child:
    """`task(*args)` (`_read` or `_scan`) in a forked process with a memory limit and a
    timeout, started at once; its result comes back through a pipe (`_encode`)."""

    def __init__(self, task: Callable[..., Any], *args: Any):
        context = multiprocessing.get_context("fork")
        self._deadline = time.monotonic() + READ_SECONDS
        self._receiver, sender = context.Pipe(duplex=False)
        self._process = context.Process(target=_child, args=(sender, task, args), daemon=True)
        self._process.start()
        sender.close()

    def result(self) -> tuple[str, Any]:
        """("ok", the task's result), ("invalid", diagnostics), ("timeout", None), or
        ("crash", None) when the reader died (calamine aborts the process when an allocation
        fails)."""
        try:
            if not self._receiver.poll(max(0.0, self._deadline - time.monotonic())):
                return "timeout", None
            data = self._receiver.recv_bytes()
        except EOFError:
            return "crash", None
        finally:
            self.stop()
        return _decode(data)

    def stop(self) -> None:
        self._process.kill()
        self._process.join()
        self._receiver.close()


def _child(sender: Any, task: Callable[..., Any], args: tuple[Any, ...]) -> None:
    _limited()
    sender.send_bytes(_encode(_outcome(task, args)))
    sender.close()


def _serve(connection: Any, parents: Any) -> None:
    """A `Reader`'s process: run each task it is sent, until its pipe closes (when the batch
    ends, or its process dies: the parent's end, copied into this process, is closed here)."""
    parents.close()
    _limited()
    while True:
        try:
            task, args = connection.recv()
        except (EOFError, OSError):
            return
        connection.send_bytes(_encode(_outcome(task, args)))


def _limited() -> None:
    """A reading process's limits: memory, and its own output kept out of the log (and off
    the pipes of whoever waits for the program's output to end)."""
    resource.setrlimit(resource.RLIMIT_AS, (READ_MEMORY, READ_MEMORY))
    with open(os.devnull, "w") as quiet:  # a crashing reader's own messages stay out of the log
        os.dup2(quiet.fileno(), 1)
        os.dup2(quiet.fileno(), 2)


def _outcome(task: Callable[..., Any], args: tuple[Any, ...]) -> tuple[str, Any]:
    try:
        return "ok", task(*args)
    except InvalidWorkbook as invalid:
        return "invalid", invalid.diagnostics
    except MemoryError:
        return "crash", None


def _encode(result: tuple[str, Any]) -> bytes:
    """The child's result as bytes: a workbook of plain values with marshal, several times
    faster than pickle (which keeps a memo of every cell); anything else (a date, an error
    value, diagnostics) with pickle."""
    kind, payload = result
    if kind == "ok" and isinstance(payload, Workbook):
        sheets = [
            (sheet.name, sheet.rows, sheet.hidden, sheet.totals)
            for sheet in payload.sheets.values()
        ]
        try:
            return b"m" + marshal.dumps((payload.sheet_names, sheets))
        except ValueError:  # not a plain value
            pass
    return b"p" + pickle.dumps(result, pickle.HIGHEST_PROTOCOL)


def _decode(data: bytes) -> tuple[str, Any]:
    with collector_paused():
        if data[:1] == b"m":
            names, sheets = marshal.loads(memoryview(data)[1:])
            return "ok", Workbook(
                names,
                {name: Sheet(name, rows, hidden, totals) for name, rows, hidden, totals in sheets},
            )
        return pickle.loads(memoryview(data)[1:])


def _read(path: Path, fmt: Format, reader: str, wanted: Callable[[str], bool]) -> Workbook:
    """The sheets, with the totals rows of their Excel tables (.xlsx, .xlsm, .xlsb)."""
    with _verdicts(path, fmt):
        if reader == "openpyxl":
            book = _read_with_openpyxl(path, wanted)
        else:
            book = _read_with_calamine(path, fmt, wanted)
        if fmt not in WITH_TABLES:
            return book
        totals = totals_rows(path, wanted)
        sheets = {
            name: Sheet(name, sheet.rows, sheet.hidden, totals.get(name, ()))
            for name, sheet in book.sheets.items()
        }
        return Workbook(book.sheet_names, sheets)


def _scan(path: Path, fmt: Format, wanted: Callable[[str], bool]) -> dict[str, list[Flag]]:
    """The cells of an .xls, .ods or .xlsb that calamine reads as blanks but are not."""
    with _verdicts(path, fmt):
        return flagged_cells(path, fmt, wanted)


@contextmanager
def _verdicts(path: Path, fmt: Format) -> Iterator[None]:
    """Any failure to read `path` as the verdict InvalidWorkbook, in words."""
    try:
        yield
    except (InvalidWorkbook, MemoryError):
        raise
    except (python_calamine.PasswordError, EncryptedXls) as exc:
        raise unreadable(_password_message(path)) from exc
    except Exception as exc:
        raise unreadable(_unreadable_message(path, fmt, exc)) from exc
    except BaseException as exc:  # a panic in calamine's Rust code is pyo3's PanicException
        if type(exc).__name__ != "PanicException":
            raise
        raise unreadable(_unreadable_message(path, fmt, exc)) from exc


def _password_message(path: Path) -> str:
    return (
        f"{path.name} could not be read: it is protected with a password. Save it again "
        "without a password and drop that copy in."
    )


def _unreadable_message(path: Path, fmt: Format, exc: Exception) -> str:
    if _caused_by(exc, DefusedXmlException):
        return (
            f"{path.name} could not be read: its XML declares entities or external references, "
            "which real workbooks never contain (the file may be malicious). Copy the data into "
            "a new workbook in Excel and save it again."
        )
    if "cell limit" in str(exc).lower():
        return (
            f"{path.name} could not be read: a sheet claims cells far beyond its data (up to the "
            "last row or column Excel allows). Open it in Excel, delete the empty rows and "
            "columns after the data, and save it again."
        )
    kind = {
        Format.XLSX: "Excel",
        Format.XLSB: "Excel binary",
        Format.XLS: "Excel 97-2003",
        Format.ODS: "OpenDocument",
    }
    detail = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
    return (
        f"{path.name} could not be read as an {kind[fmt]} workbook ({detail}). "
        "Open it in Excel and save it again as .xlsx."
    )


def _caused_by(exc: BaseException | None, kind: type[BaseException]) -> bool:
    """Whether `exc` or an exception it was raised from is a `kind` (readers wrap errors)."""
    for _ in range(20):
        if exc is None:
            return False
        if isinstance(exc, kind):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


class _CellParser(WorkSheetParser):
    """openpyxl's sheet parser, reading saved values and marking formulas that have none."""

    def parse_cell(self, element: Any) -> dict[str, Any]:
        cell = super().parse_cell(element)
        # an empty text saved as the result (`t="str"`: `=IF(A2="","",A2)`) is a blank cell
        no_value = cell["value"] is None and element.get("t") != "str"
        if no_value and element.find(FORMULA_TAG) is not None:
            cell["data_type"] = "f"
        return cell


def _openpyxl_value(cell: dict[str, Any]) -> Cell:
    data_type, value = cell["data_type"], cell["value"]
    if data_type == "e":
        return CellError(str(value))
    if data_type == "f":
        return FORMULA_WITHOUT_VALUE
    if isinstance(value, str) and value == "":
        return None
    return value


def _read_with_openpyxl(path: Path, wanted: Callable[[str], bool]) -> Workbook:
    with open(path, "rb") as handle:  # a handle: the format is the content's, not the suffix's
        return _openpyxl_sheets(
            openpyxl.load_workbook(handle, read_only=True, data_only=True, keep_links=False),
            wanted,
        )


def _openpyxl_sheets(book: Any, wanted: Callable[[str], bool]) -> Workbook:
    try:
        sheets: dict[str, Sheet] = {}
        for worksheet in book.worksheets:
            if not wanted(worksheet.title):
                continue
            rows: list[list[Cell]] = []
            with worksheet._get_source() as source:
                parser = _CellParser(
                    source,
                    worksheet._shared_strings,
                    data_only=True,
                    epoch=book.epoch,
                    date_formats=book._date_formats,
                    timedelta_formats=book._timedelta_formats,
                )
                for row_number, cells in parser.parse():
                    if row_number > MAX_ROWS:
                        break
                    values: list[Cell] = []
                    for cell in cells:
                        if cell["column"] > MAX_COLUMNS:
                            break
                        values.extend([None] * (cell["column"] - 1 - len(values)))
                        values.append(_openpyxl_value(cell))
                    rows.extend([] for _ in range(row_number - 1 - len(rows)))
                    rows.append(values)
            hidden = worksheet.sheet_state != "visible"
            sheets[worksheet.title] = Sheet(worksheet.title, rows, hidden)
        return Workbook(list(book.sheetnames), sheets)
    finally:
        book.close()


def _read_with_calamine(path: Path, fmt: Format, wanted: Callable[[str], bool]) -> Workbook:
    if path.suffix.lower() in CALAMINE_SUFFIXES[fmt] and _is_utf8(str(path)):
        return _calamine_sheets(python_calamine.CalamineWorkbook.from_path(str(path)), wanted)
    with open(path, "rb") as handle:  # misnamed, or a name calamine can't open: by content
        return _calamine_sheets(python_calamine.CalamineWorkbook.from_filelike(handle), wanted)


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _calamine_sheets(book: Any, wanted: Callable[[str], bool]) -> Workbook:
    try:
        sheets: dict[str, Sheet] = {}
        visible = {
            m.name: m.visible == python_calamine.SheetVisibleEnum.Visible
            for m in book.sheets_metadata
        }
        for name in book.sheet_names:
            if wanted(name):
                rows = _calamine_rows(book.get_sheet_by_name(name))
                sheets[name] = Sheet(name, rows, not visible.get(name, True))
        return Workbook(list(book.sheet_names), sheets)
    finally:
        book.close()


def _calamine_rows(sheet: Any) -> list[list[Cell]]:
    """The cells from A1 on, blanks (read as "") as None."""
    with collector_paused():
        rows: list[list[Any]] = sheet.to_python(skip_empty_area=False, nrows=MAX_ROWS)
        for number, row in enumerate(rows):
            if len(row) > MAX_COLUMNS:
                row = rows[number] = row[:MAX_COLUMNS]
            if "" in row:
                rows[number] = [None if value == "" else value for value in row]
        return rows


def _flagged(path: Path, book: Workbook, flags: dict[str, list[Flag]]) -> Workbook:
    """`book` with each flagged cell in place of what calamine read there (a blank), as
    `CellError` or `FORMULA_WITHOUT_VALUE`, adding the rows and cells calamine left out."""
    for name, found in flags.items():
        if found and name not in book.sheets:  # the scan and calamine disagree on its name
            raise unreadable(
                f"{path.name} could not be read: the error values in its sheet '{name}' could "
                "not be placed. Open it in Excel and save it again as .xlsx."
            )
        rows = book.sheets[name].rows if found else []
        for row, column, code in found:
            if row >= MAX_ROWS or column >= MAX_COLUMNS:
                continue
            if row >= len(rows):
                rows.extend([] for _ in range(row + 1 - len(rows)))
            cells = rows[row]
            if column >= len(cells):
                cells.extend([None] * (column + 1 - len(cells)))
            cells[column] = FORMULA_WITHOUT_VALUE if code is None else CellError(code)
    return book
