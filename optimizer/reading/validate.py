"""Validate a workbook's sheets once, at the boundary, into a `Problem`.

Every problem is collected with its `Sheet!Cell`, what was found and what is accepted;
`validate` raises `InvalidWorkbook` with all of them, or returns the problem and warnings.
Every sheet is checked whatever the others hold, and the names of every row whatever its other
cells hold, so that one run reports every mistake.
Sheets are checked a column at a time (a workbook may hold hundreds of thousands of offers),
with the messages and the order of the checks of one cell after the other.

Sheet names, column headers and setting names are matched by `optimizer.reading.headers`: a
header may carry a note (`Capacity (kg)`, kept in `Table.notes`; `(%)` makes a share column's
plain numbers percentages), and one close to a known name is an error naming it.
Names of materials, countries, suppliers, groups and scenarios match across sheets by their key
(`optimizer.reading.names.name_key`: ignoring case and ordinary spaces); each is spelt everywhere
as at its first appearance, in the contract's sheet order (Offers, Demand, Countries, Groups,
Settings, Scenarios) and rows top-down. Names that only look alike are errors.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from operator import itemgetter
from types import NoneType
from typing import Any, TypeVar

import numpy as np
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter
from pydantic import BaseModel

from optimizer.collector import collector_paused
from optimizer.contract import rules
from optimizer.contract.diagnostics import (
    LEVEL_ORDER,
    Diagnostic,
    InvalidWorkbook,
    Level,
    error,
    info,
    warning,
)
from optimizer.contract.problem import (
    Country,
    Disruption,
    Group,
    Material,
    Offer,
    Problem,
    Scenario,
    Settings,
    Sources,
    construct_all,
)
from optimizer.contract.schema import (
    DEMAND,
    EXCEL_MAX_TEXT,
    INSTRUCTIONS,
    SETTING_SPECS,
    SETTINGS,
    SETTINGS_BY_KEY,
    SHEETS,
    SHEETS_BY_KEY,
    Kind,
    SettingSpec,
    SheetSpec,
    excel_length,
    normalize,
)
from optimizer.reading.cells import (
    ABSURD,
    CONVERTERS,
    CURRENCY_CODE,
    SHOWN,
    SPACES,
    CellProblem,
    Cells,
    convert_column,
    describe,
    quoted,
    reject_special,
    to_percent,
)
from optimizer.reading.headers import (
    HeaderKind,
    HeaderMatch,
    ambiguous,
    match_headers,
    message,
    split_note,
)
from optimizer.reading.names import (
    closest,
    describe_look_alike,
    name_keys,
    odd_characters,
    skeleton,
    skeletons,
    suspects,
)
from optimizer.reading.rows import (
    CountryRow,
    DemandRow,
    GroupRow,
    OfferRow,
    RateRow,
    ScenarioRow,
)
from optimizer.reading.workbook import Cell, CellError, FormulaWithoutValue, Sheet, Workbook

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")
K = TypeVar("K", bound=Hashable)

HEADER_SEARCH_ROWS = 11  # the header row may have up to ten rows of titles above it
ROW_NOUNS = {  # what one data row of each contract sheet is, for messages
    "Offers": "an offer",
    "Demand": "a material",
    "Countries": "a country",
    "Groups": "a group",
    "Settings": "a setting",
    "Rates": "a rate",
    "Scenarios": "a scenario",
}
# The columns that hold names, as (sheet, column, kind of name), in the contract's sheet order:
# a name is spelt everywhere as at its first appearance in this order, rows top-down.
NAME_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("offers", "supplier", "supplier"),
    ("offers", "country", "country"),
    ("offers", "origin", "country"),
    ("offers", "material", "material"),
    ("demand", "material", "material"),
    ("countries", "country", "country"),
    ("countries", "group", "group"),
    ("groups", "group", "group"),
    ("scenarios", "scenario", "scenario"),
    ("scenarios", "country", "country"),
    ("scenarios", "supplier", "supplier"),
    ("scenarios", "material", "material"),
)
NAMED = {(sheet, column) for sheet, column, _ in NAME_COLUMNS}
LABEL = len("scenario ")  # the longest word an output puts before a name ("supplier ", too)
LISTED_IN = {  # the sheet whose rows list each kind of name
    "supplier": "offers",
    "country": "countries",
    "material": "demand",
    "group": "groups",
    "scenario": "scenarios",
}
MOST_LISTED = 10  # names listed in a message about a name that is not among them

Odd = dict[str, set[str]]  # kind of name -> the names reported as looking like another one


def is_contract_sheet(name: str) -> bool:
    return normalize(name) in SHEETS_BY_KEY


@dataclass
class Table:
    """A contract sheet's data rows, column by column: `columns[name].values[i]` is the cell of
    column `name` in Excel row `rows[i]`, None when blank; rows with every cell blank and the
    totals rows of Excel tables are left out. Each column is checked and converted as a whole
    (see `optimizer.reading.cells.Cells`)."""

    spec: SheetSpec
    sheet: str  # the sheet's name as written in the workbook
    letters: dict[str, str]  # column name -> column letter
    rows: list[int]
    columns: dict[str, Cells]
    notes: dict[str, str | None] = field(default_factory=dict)  # column -> its header's note
    header_row: int = 1
    spelt: dict[str, list[str | None]] = field(default_factory=dict)  # see `text`
    unique: set[str] = field(default_factory=set)  # name columns with a different name per row
    _converted: dict[str, tuple[list[Any], dict[int, str]]] = field(default_factory=dict)
    _names: dict[str, set[str]] = field(default_factory=dict)

    def ref(self, column: str, row: int) -> str:
        return f"{self.letters[column]}{row}"

    def kind(self, column: str) -> Kind:
        return next(c.kind for c in self.spec.columns if c.name == column)

    def percent(self, column: str) -> bool:
        """Whether the column's header says `(%)`: its plain numbers are percentages."""
        note = self.notes.get(column)
        return note is not None and "%" in note

    def converted(self, column: str) -> tuple[list[Any], dict[int, str]]:
        """The column's values (None where blank or not acceptable) and problems by position."""
        if column not in self._converted:
            cells = self.columns[column]
            self._converted[column] = convert_column(self.kind(column), cells, self.percent(column))
        return self._converted[column]

    def complete(self, column: str) -> bool:
        """Whether every row has an acceptable cell in `column`."""
        return (
            column in self.columns
            and NoneType not in self.columns[column].types
            and not self.converted(column)[1]
        )

    def written(self, column: str) -> list[str | None]:
        """The text of `column` in every row where it is readable, as written (without the
        ordinary spaces around it)."""
        if column not in self.columns:
            return [None] * len(self.rows)
        return self.converted(column)[0]

    def text(self, column: str) -> list[str | None]:
        """The text of `column` in every row where it is readable, valid row or not, so that a
        bad cell elsewhere in a row hides no duplicate and makes no false unknown name; a name
        spelt as at its first appearance in the workbook (`spelt`)."""
        return self.spelt.get(column) or self.written(column)

    def names(self, column: str) -> set[str]:
        """The names (or other text) of `column`, each once."""
        if column not in self._names:
            names = set(self.text(column))
            names.discard(None)
            self._names[column] = names  # type: ignore[assignment]
        return self._names[column]

    def respell(self, column: str, spelling: dict[str, str]) -> None:
        """Spell the names of `column` as `spelling` says (written -> first spelling)."""
        self.spelt[column] = [None if v is None else spelling[v] for v in self.written(column)]
        self._names.pop(column, None)


@dataclass
class Collector:
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def add(self, diagnostic: Diagnostic) -> None:
        self.diagnostics.append(diagnostic)

    def add_sorted(self, flagged: list[tuple[int, int, Diagnostic]]) -> None:
        """Add the diagnostics of `(position, check, diagnostic)`: row by row, then check."""
        flagged.sort(key=lambda item: item[:2])
        for *_, diagnostic in flagged:
            self.add(diagnostic)

    @property
    def has_errors(self) -> bool:
        return any(d.level is Level.ERROR for d in self.diagnostics)


def validate(
    workbook: Workbook, overrides: Mapping[str, object] | None = None
) -> tuple[Problem, list[Diagnostic]]:
    """Return the resolved problem and the warnings, or raise InvalidWorkbook with every error.
    `overrides` (setting name -> value, from the command line or `optimizer.solve`) win over
    the Settings sheet; an unknown setting name raises TypeError."""
    with collector_paused():
        return _validate(workbook, overrides or {})


def _validate(
    workbook: Workbook, overrides: Mapping[str, object]
) -> tuple[Problem, list[Diagnostic]]:
    found = Collector()
    tables = _find_tables(workbook, found)
    odd = _match_names(tables, found)
    setting_rows: dict[str, int] = {}
    settings = _settings(tables.get("settings"), found, setting_rows, overrides)
    groups = _groups(tables.get("groups"), found)
    unread = {
        normalize(name) for name in workbook.sheet_names
    } - tables.keys()  # errors of their own
    countries, defaults = _countries(
        tables.get("countries"), tables.get("groups"), "groups" in unread, odd, found
    )
    demand_table = tables.get("demand")
    materials = _materials(demand_table, settings, found) if demand_table else {}
    currencies, rates = _rates(
        tables.get("rates"),
        settings or Settings(),
        "currency" in setting_rows,
        "rates" in unread,
        found,
    )
    offers = (
        _offers(tables, materials, defaults, settings, currencies, odd, found)
        if "offers" in tables
        else []
    )
    scenarios = _scenarios(tables, odd, found)
    _survive(settings, tables, "scenarios" in unread, setting_rows, found)
    _header_notes(tables, materials, offers, currencies, found)
    if found.has_errors or settings is None:
        raise InvalidWorkbook(_sorted(found.diagnostics))
    problem = Problem(
        offers=offers,
        materials=materials,
        countries=countries,
        groups=groups,
        settings=settings,
        scenarios=scenarios,
        sources=Sources(
            sheets={table.spec.name: table.sheet for table in tables.values()},
            letters={table.spec.name: table.letters for table in tables.values()},
            settings=setting_rows,
        ),
        rates=rates,
    )
    return problem, _sorted(found.diagnostics)


def _sorted(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    return sorted(diagnostics, key=lambda d: LEVEL_ORDER[d.level])


# --- sheets, header rows and columns ---------------------------------------------------------


def _find_tables(workbook: Workbook, found: Collector) -> dict[str, Table]:
    """The contract sheets the workbook has, by key; a sheet whose name is close to a contract
    sheet's is an error, any other sheet a warning (the template's Instructions are skipped)."""
    names = [name for name in workbook.sheet_names if normalize(name) != normalize(INSTRUCTIONS)]
    by_key: dict[str, str] = {}
    meant: set[str] = set()  # contract sheets that a misspelt sheet probably is
    matches = match_headers(names, [s.name for s in SHEETS])
    present = {m.column for m in matches if m.kind is HeaderKind.EXACT and m.note is None}
    for name, match in zip(names, matches, strict=True):
        if match.kind is HeaderKind.EXACT and match.note is not None:
            # a sheet name carries no note: `Offers (old)` is another sheet
            match = HeaderMatch(HeaderKind.HOLDS, match.text, holds=(match.column or "",))
        elif match.kind is HeaderKind.CLOSE and match.column in present:
            # another sheet beside the contract sheet it resembles (`Offer` beside `Offers`)
            kind = HeaderKind.HOLDS if match.holds else HeaderKind.UNKNOWN
            match = replace(match, kind=kind, column=None)
        if match.kind is HeaderKind.EXACT:
            key = normalize(name)
            if key in by_key:
                found.add(
                    error(
                        name,
                        "",
                        f"Sheets '{by_key[key]}' and '{name}' have the same name; "
                        "keep only one of them.",
                    )
                )
            else:
                by_key[key] = name
        elif match.kind is HeaderKind.CLOSE:
            found.add(error(name, "", message(_shown(match), "sheet") or ""))
            meant.add(match.column or "")
        elif match.kind is not HeaderKind.BLANK:
            found.add(warning(name, "", message(_shown(match), "sheet") or ""))
    tables: dict[str, Table] = {}
    for spec in SHEETS:
        key = normalize(spec.name)
        if key not in by_key:
            if spec.required and spec.name not in meant:
                sheets = ", ".join(workbook.sheet_names) or "none"
                found.add(
                    error(
                        spec.name,
                        "",
                        f"The workbook has no '{spec.name}' sheet "
                        f"({spec.help}). Sheets found: {sheets}.",
                    )
                )
            continue
        if by_key[key] in workbook.sheets:
            table = _table(spec, workbook.sheets[by_key[key]], found)
            if table is not None:
                tables[key] = table
    return tables


def _shown(match: HeaderMatch, value: Cell = "") -> HeaderMatch:
    """`match` with its text as a message shows it: a number as written, a long text cut."""
    text = match.text if isinstance(value, str) else describe(value)
    return replace(match, text=text if len(text) <= SHOWN else f"{text[:SHOWN]}...")


def _table(spec: SheetSpec, sheet: Sheet, found: Collector) -> Table | None:
    if sheet.hidden:
        found.add(warning(sheet.name, "", f"Sheet '{sheet.name}' is hidden; it was read anyway."))
    required = {c.name for c in spec.required_columns}
    known = {normalize(c.name): c.name for c in spec.columns}
    header_index = next(
        (
            index
            for index, row in enumerate(sheet.rows[:HEADER_SEARCH_ROWS])
            if required <= _spelt_out(row, known)
        ),
        None,
    )
    if header_index is None:
        header_index = _header_with_close_names(spec, sheet)
    if header_index is None:
        for diagnostic in _missing_header(spec, sheet):
            found.add(diagnostic)
        return None
    header_row = header_index + 1
    letters, positions, notes = _header(
        spec, sheet.name, sheet.rows[header_index], header_row, found
    )
    data = sheet.rows[header_index + 1 :]
    rows = list(range(header_index + 2, header_index + 2 + len(data)))
    if sheet.totals:
        first = get_column_letter(min(positions.values(), default=0) + 1)
        data, rows = _without_totals(spec, sheet, data, rows, first, found)
    width = max(positions.values(), default=-1) + 1
    if data and min(map(len, data)) < width:
        data = [row if len(row) >= width else [*row, *[None] * (width - len(row))] for row in data]
    columns = {
        name: _blanked(Cells.of(list(map(itemgetter(p), data)))) for name, p in positions.items()
    }
    if columns and all(NoneType in cells.types for cells in columns.values()):
        blank_row = (None,) * len(columns)
        every = zip(*(cells.values for cells in columns.values()), strict=True)
        keep = [i for i, cells in enumerate(every) if cells != blank_row]
        rows = [rows[i] for i in keep]
        columns = {
            name: Cells([cells.values[i] for i in keep], cells.types)
            for name, cells in columns.items()
        }
    return Table(spec, sheet.name, letters, rows, columns, notes, header_row)


def _header_with_close_names(spec: SheetSpec, sheet: Sheet) -> int | None:
    """The first row that holds every required column, some only by a name close to it
    (`Unit Prise`): an error at that cell, yet its values are read as that column's, so that
    the sheet's other mistakes are reported in the same run."""
    required = {c.name for c in spec.required_columns}
    names = [c.name for c in spec.columns]
    for index, row in enumerate(sheet.rows[:HEADER_SEARCH_ROWS]):
        matches = match_headers(row, names)
        held = {m.column for m in matches if m.kind in (HeaderKind.EXACT, HeaderKind.CLOSE)}
        if required <= held:
            return index
    return None


def _spelt_out(row: list[Cell], known: dict[str, str]) -> set[str]:
    """The known column names (`known`: by key) that cells of `row` spell exactly, a note in
    brackets after the name allowed."""
    keys = (normalize(split_note(value)[0]) for value in row if isinstance(value, str))
    return {known[key] for key in keys if key in known}


def _header(
    spec: SheetSpec, sheet: str, header: list[Cell], header_row: int, found: Collector
) -> tuple[dict[str, str], dict[str, int], dict[str, str | None]]:
    """The letter, position and note of each known column in the header row; an error or a
    warning for every other header cell that is not blank (`optimizer.reading.headers`)."""
    kinds = {c.name: c.kind for c in spec.columns}
    letters: dict[str, str] = {}
    positions: dict[str, int] = {}
    notes: dict[str, str | None] = {}
    matches = match_headers(header, list(kinds))
    exact: dict[str, str] = {}  # column -> the cell that spells it out first
    for position, match in enumerate(matches):
        if match.kind is HeaderKind.EXACT and match.column is not None:
            exact.setdefault(match.column, f"{get_column_letter(position + 1)}{header_row}")
    for position, (value, match) in enumerate(zip(header, matches, strict=True)):
        letter = get_column_letter(position + 1)
        cell = f"{letter}{header_row}"
        problem = _special(value, "the column's name")
        if problem:
            found.add(error(sheet, cell, f"The column header {problem}."))
        elif match.kind is HeaderKind.CLOSE and match.column in exact:
            text = ambiguous(
                _shown(match, value), f"{sheet}!{cell}", f"{sheet}!{exact[match.column]}"
            )
            found.add(error(sheet, cell, text))
        elif match.kind is HeaderKind.CLOSE:
            found.add(error(sheet, cell, message(_shown(match, value)) or ""))
            if match.column is not None and match.column not in letters:
                # read as the column it is close to, only to report its cells' mistakes too:
                # the error above already stops the workbook
                letters[match.column], positions[match.column] = letter, position
                notes[match.column] = match.note
        elif match.kind in (HeaderKind.HOLDS, HeaderKind.UNKNOWN) and (
            (home := _elsewhere(spec, value)) is not None
        ):
            found.add(error(sheet, cell, _misplaced(_shown(match, value).text, sheet, home)))
        elif match.kind in (HeaderKind.HOLDS, HeaderKind.UNKNOWN):
            found.add(warning(sheet, cell, message(_shown(match, value)) or ""))
        elif match.kind is HeaderKind.EXACT and match.column is not None:
            name = match.column
            if name in letters:
                found.add(
                    error(
                        sheet,
                        cell,
                        f"Column '{name}' appears twice ({letters[name]}{header_row} and "
                        f"{cell}); keep only one.",
                    )
                )
                continue
            letters[name], positions[name], notes[name] = letter, position, match.note
            if match.percent and kinds[name] is not Kind.SHARE:
                found.add(error(sheet, cell, _not_a_share(spec, name, _shown(match).text)))
    return letters, positions, notes


def _elsewhere(spec: SheetSpec, value: Cell) -> str | None:
    """Where a header that is no column of `spec` belongs when it names a column of another
    sheet or a setting exactly (a note after it allowed): "Demand", or "" for a setting."""
    if not isinstance(value, str):
        return None
    key = normalize(split_note(value)[0])
    for other in SHEETS:
        if other is not spec and key in {normalize(c.name) for c in other.columns}:
            return other.name
    if spec is not SETTINGS and key in SETTINGS_BY_KEY:
        return ""
    return None


def _misplaced(header: str, sheet: str, home: str) -> str:
    """The error for a column that belongs elsewhere (`home`: its sheet, "" for a setting): its
    values would be dropped."""
    if not home:
        return (
            f"Column '{header}' is a setting, not a column of {sheet}: its values are not read "
            f"here. Give it as a row of the {SETTINGS.name} sheet (setting, value), or give the "
            "column a clearly different name if it means something else."
        )
    return (
        f"Column '{header}' is a column of the {home} sheet, not of {sheet}: its values are not "
        f"read here. Move it to the {home} sheet, or give it a clearly different name if it "
        "means something else."
    )


def _not_a_share(spec: SheetSpec, column: str, header: str) -> str:
    """The error for a `%` in the header of a column that is not a share."""
    kind = next(c.kind for c in spec.columns if c.name == column)
    text = f"Column '{header}' marks its numbers as percentages, but {column} is not a share"
    if spec.name == SETTINGS.name:
        return (
            f"{text}. Remove the '%' from the header; to give a share setting as a percentage, "
            "put the (%) after the setting's name: 'max_country_share (%)'."
        )
    return f"{text}: it holds {EXPECTED[kind]}. Remove the '%' from the header."


def _special(value: Cell, expected: str) -> str | None:
    """What is wrong with a cell that holds an Excel error value or a formula without a saved
    value where a name should be (`expected`), else None."""
    if not isinstance(value, CellError | FormulaWithoutValue):
        return None
    try:
        reject_special(value, expected)
    except CellProblem as problem:
        return str(problem)
    return None  # pragma: no cover - both are rejected


def _without_totals(
    spec: SheetSpec,
    sheet: Sheet,
    data: list[list[Cell]],
    rows: list[int],
    letter: str,
    found: Collector,
) -> tuple[list[list[Cell]], list[int]]:
    """`data` and `rows` without the totals rows of the sheet's Excel tables, each noted."""
    totals = set(sheet.totals)
    keep = [i for i, row in enumerate(rows) if row not in totals]
    for row in sorted(totals.intersection(rows)):
        found.add(
            info(
                sheet.name,
                f"{letter}{row}",
                f"row {row} is the totals row of an Excel table; it is not read as "
                f"{ROW_NOUNS[spec.name]}.",
            )
        )
    return [data[i] for i in keep], [rows[i] for i in keep]


def _blanked(cells: Cells) -> Cells:
    """`cells` with every blank one (None, or text of nothing but spaces) as None."""
    if not any(issubclass(t, str) for t in cells.types):
        return cells
    if cells.types <= {str, NoneType} and "" not in cells.stripped:
        return cells
    return Cells.of([None if _blank(cell) else cell for cell in cells.values])


def _blank(value: Cell) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _missing_header(spec: SheetSpec, sheet: Sheet) -> list[Diagnostic]:
    """Why no row holds the sheet's required columns: at the cells of the row that holds most of
    them, header cells close to a missing column or holding an error value; then what else is
    missing."""
    required = [c.name for c in spec.required_columns]
    top = sheet.rows[:HEADER_SEARCH_ROWS]
    if not any(top):
        return [
            error(
                sheet.name,
                "A1",
                f"Sheet '{sheet.name}' is empty; it needs a header row "
                f"with the columns {', '.join(required)}.",
            )
        ]
    known = {normalize(c.name): c.name for c in spec.columns}
    spelt = [_spelt_out(row, known) for row in top]
    counts = [len(names.intersection(required)) for names in spelt]
    best = counts.index(max(counts))
    missing = [name for name in required if name not in spelt[best]]
    found: list[Diagnostic] = []
    hints: list[str] = []
    for position, (value, match) in enumerate(
        zip(top[best], match_headers(top[best], list(known.values())), strict=True)
    ):
        cell = f"{get_column_letter(position + 1)}{best + 1}"
        problem = _special(value, "the column's name")
        if problem:
            found.append(error(sheet.name, cell, f"The column header {problem}."))
        elif match.kind is HeaderKind.CLOSE and match.column in missing:
            found.append(error(sheet.name, cell, message(_shown(match, value)) or ""))
            missing.remove(match.column)
        elif match.kind is HeaderKind.HOLDS and set(match.holds).intersection(missing):
            holds = " or ".join(h for h in match.holds if h in missing)
            hints.append(
                f" '{_shown(match).text}' in {cell} was not taken for {holds} because it has "
                "other words too."
            )
    if missing:
        found.append(
            error(
                sheet.name,
                f"A{best + 1}",
                f"No header row with all required columns ({', '.join(required)}) in the first "
                f"{HEADER_SEARCH_ROWS} rows; missing: {', '.join(missing)}.{''.join(hints)}",
            )
        )
    return found


NONCHARACTER = re.compile("[\ufffe\uffff]")  # Excel cannot store these either
CANNOT_STORE = re.compile(f"{ILLEGAL_CHARACTERS_RE.pattern}|{NONCHARACTER.pattern}")
LARGEST = 1e10  # numbers beyond this range make the model badly scaled for the solver
SMALLEST = 1e-6


def _cell_warnings(table: Table, found: Collector, magnitudes: bool = True) -> None:
    """Text Excel cannot store as it is, and (with `magnitudes`) magnitudes that would make the
    model badly scaled, row by row; only the cells that a check of the whole column singles out
    are looked at."""
    flagged: list[tuple[int, int, Diagnostic]] = []
    for order, (column, cells) in enumerate(table.columns.items()):
        for i in _unusual(cells):
            cell = cells.values[i]
            for diagnostic in _cell_warning(table, column, table.rows[i], cell, magnitudes):
                flagged.append((i, order, diagnostic))
    found.add_sorted(flagged)


def _unusual(cells: Cells) -> list[int]:
    """The positions of every cell that may need a warning (and some that don't)."""
    values, types = cells.values, cells.types
    unusual: set[int] = set()
    if any(issubclass(t, str) for t in types):
        text = cells.text
        # Excel counts UTF-16 units: a text of more than half the limit may be too long
        control = not cells.printable and CANNOT_STORE.search(text)
        if control or (len(text) > EXCEL_MAX_TEXT // 2 and _longest(cells) > EXCEL_MAX_TEXT // 2):
            unusual.update(i for i, c in enumerate(values) if isinstance(c, str))
    if types & {float, int}:
        size = np.abs(cells.numbers)
        unusual.update(np.flatnonzero((size > LARGEST) | ((size > 0) & (size < SMALLEST))).tolist())
    others = types - {str, float, int, NoneType}
    if others:  # bool, dates, errors; and subclasses of int and float
        unusual.update(i for i, c in enumerate(values) if type(c) in others)
    return sorted(unusual)


def _longest(cells: Cells) -> int:
    """The length of the column's longest text."""
    if cells.types <= {str, NoneType}:
        return max(map(len, filter(None, cells.values)), default=0)
    return max((len(v) for v in cells.values if isinstance(v, str)), default=0)


def _cell_warning(
    table: Table, column: str, row: int, value: Cell, magnitudes: bool = True
) -> list[Diagnostic]:
    """The warnings of one cell (see `_cell_warnings`)."""
    found: list[Diagnostic] = []
    if isinstance(value, str):
        if ILLEGAL_CHARACTERS_RE.search(value):
            found.append(
                warning(
                    table.sheet,
                    table.ref(column, row),
                    f"{column} holds control characters that Excel cannot store; they are "
                    "left out in the output.",
                )
            )
        if NONCHARACTER.search(value):
            found.append(
                warning(
                    table.sheet,
                    table.ref(column, row),
                    f"{column} holds a noncharacter (U+FFFE or U+FFFF) that Excel cannot store; "
                    "it is left out in the output.",
                )
            )
        length = excel_length(value.strip(SPACES))  # what the output would carry, as Excel counts
        if length > EXCEL_MAX_TEXT:
            found.append(
                warning(
                    table.sheet,
                    table.ref(column, row),
                    f"{column} is {length:,} characters long; the output keeps the "
                    f"first {EXCEL_MAX_TEXT:,}, Excel's limit.",
                )
            )
        elif length > EXCEL_MAX_TEXT - LABEL and (table.spec.name.lower(), column) in NAMED:
            found.append(
                warning(
                    table.sheet,
                    table.ref(column, row),
                    f"{column} is {length:,} characters long; where an output puts a word before "
                    f"it (such as 'scenario' in the Resilience sheet) it is cut to "
                    f"{EXCEL_MAX_TEXT:,}, Excel's limit.",
                )
            )
    elif magnitudes and isinstance(value, int | float) and not isinstance(value, bool):
        size = abs(value)
        if not math.isfinite(size) or size > ABSURD:
            return found  # an error of its own (see `_parse`)
        if size > LARGEST or 0 < size < SMALLEST:
            found.append(
                warning(
                    table.sheet,
                    table.ref(column, row),
                    f"{column} is {value:g}, an extreme magnitude: when numbers differ by "
                    "more than about a billion times the solver loses accuracy. Check the "
                    "unit (kg or t, dollars or millions).",
                )
            )
    return found


# --- names across sheets -----------------------------------------------------------------------


def _match_names(tables: dict[str, Table], found: Collector) -> Odd:
    """Spell every name of every name column as at its first appearance (`Table.respell`), and
    report every name that only looks like another one of its kind; return those names, by
    kind, so that they get no second error."""
    sources: dict[str, list[tuple[Table, str]]] = {kind: [] for kind in LISTED_IN}
    for sheet, column, kind in NAME_COLUMNS:
        table = tables.get(sheet)
        if table is not None and column in table.columns:
            sources[kind].append((table, column))
    odd: Odd = {}
    for kind, columns in sources.items():
        # only a name with a character that `skeleton` changes can look like another one
        plain = not any(odd_characters(table.columns[column].text) for table, column in columns)
        if len(columns) == 1 and _one_spelling(*columns[0]):  # each name spelt as written
            if plain:
                odd[kind] = set()
                continue
            names = list(columns[0][0].names(columns[0][1]))
            spelling = dict(zip(name_keys(names), names, strict=True))
        else:
            spelling = _spell(columns)
        odd[kind] = set() if plain else _look_alikes(kind, columns, spelling, tables, found)
    return odd


def _one_spelling(table: Table, column: str) -> bool:
    """Whether every name in the column is spelt one way only (its key's one spelling there).
    Notes in `Table.unique` a column whose every row holds a different name."""
    cells = table.columns[column]
    if not _plain_keys(cells):
        names = table.names(column)
        return len(set(name_keys(list(names)))) == len(names)
    texts = table.written(column)
    if (
        table.complete(column)
        and len(set(texts[:_SAMPLE])) > min(len(texts), _SAMPLE) // 2  # mostly different names
        and len(set(map(str.casefold, texts))) == len(texts)  # keyed at once: each row differs
    ):
        table.unique.add(column)
        return True
    names = table.names(column)
    return len(set(map(str.casefold, names))) == len(names)


_SAMPLE = 1_000  # rows that tell whether a column holds mostly different names


def _plain_keys(cells: Cells) -> bool:
    """Whether the key of every (trimmed) text of the column is its case fold."""
    return cells.printable and "  " not in cells.text


def _spell(columns: list[tuple[Table, str]]) -> dict[str, str]:
    """Each name's first spelling among `columns` (in order, rows top-down), by key; every
    column whose names are spelt otherwise is respelt."""
    spelling: dict[str, str] = {}
    keyed: list[tuple[Table, str, list[str], list[str]]] = []
    for table, column in columns:
        if _one_spelling(table, column):  # the order of the names does not matter
            names = list(table.names(column))
            keys = name_keys(names)
            own = dict(zip(keys, names, strict=True))
        else:  # several spellings of a name: the first one wins
            names = [name for name in dict.fromkeys(table.written(column)) if name is not None]
            keys = name_keys(names)
            own = dict(zip(reversed(keys), reversed(names), strict=True))
        own.update(spelling)  # the earlier columns win
        spelling = own
        keyed.append((table, column, names, keys))
    for table, column, names, keys in keyed:
        spelt = list(map(spelling.__getitem__, keys))
        if spelt != names:
            table.respell(column, dict(zip(names, spelt, strict=True)))
    return spelling


def _look_alikes(
    kind: str,
    columns: list[tuple[Table, str]],
    spelling: dict[str, str],
    tables: dict[str, Table],
    found: Collector,
) -> set[str]:
    """Report every cell whose name only looks like another name of its kind (a plain one, else
    the one in the sheet that lists them, else the first); return the names of both sides, which
    need no second error (as an unknown name, say)."""
    odd = suspects(list(spelling.values()))
    looks = skeletons(odd)
    counts = Counter(looks)
    shared = {look for look, count in counts.items() if count > 1} | (counts.keys() & spelling)
    alike: dict[str, list[str]] = {}  # skeleton -> names that look so (if any other does)
    for name, look in zip(odd, looks, strict=True):
        if look in shared:
            alike.setdefault(look, []).append(name)
    for look, names in alike.items():
        plain = spelling.get(look)  # the name whose key is what these look like, if any
        if plain is not None and plain not in names:
            names.append(plain)
    groups = [names for names in alike.values() if len(names) > 1]
    if not groups:
        return set()
    listing = tables.get(LISTED_IN[kind])
    listed = listing.names(kind) if listing is not None and kind in listing.columns else set()
    involved = {name for names in groups for name in names}
    plain = {name for name in involved if spelling.get(skeleton(name)) == name}
    first = _first_cells(involved, columns)
    reference: dict[str, str] = {}  # odd name -> the name it looks like
    for names in groups:
        other = min(names, key=lambda n: (n not in plain, n not in listed, first[n][:2]))
        reference.update((name, other) for name in names if name != other)
    cited = _first_cells(involved, sorted(columns, key=lambda c: c[0] is not listing))
    flagged: list[tuple[int, int, Diagnostic]] = []
    for order, (table, column) in enumerate(columns):
        for i, (name, written) in enumerate(
            zip(table.text(column), table.written(column), strict=True)
        ):
            if name is None or name not in reference or written is None:
                continue
            other = reference[name]
            flagged.append(
                (
                    order,
                    i,
                    error(
                        table.sheet,
                        table.ref(column, table.rows[i]),
                        f"{column} {describe_look_alike(written, other)}, so it does not match "
                        f"the {kind} in {cited[other][2]}; retype it.",
                    ),
                )
            )
    found.add_sorted(flagged)
    return involved


def _first_cells(
    names: set[str], columns: list[tuple[Table, str]]
) -> dict[str, tuple[int, int, str]]:
    """Where each of `names` first appears among `columns`: (column, position, `Sheet!Cell`)."""
    first: dict[str, tuple[int, int, str]] = {}
    for order, (table, column) in enumerate(columns):
        for i, name in enumerate(table.text(column)):
            if name in names and name not in first:
                first[name] = (order, i, f"{table.sheet}!{table.ref(column, table.rows[i])}")
    return first


def _unknown(name: str, known: Iterable[str]) -> str:
    """A "did you mean" for a name that is not among `known`, or nothing."""
    other = closest(name, known)
    return f" (did you mean {quoted(other)}?)" if other else ""


def _listed(names: set[str]) -> str:
    """Some of `names`, for a message."""
    shown = sorted(names)[:MOST_LISTED]
    more = len(names) - len(shown)
    return ", ".join(shown) + (f" and {more:,} more" if more else "") if shown else "none"


# --- rows --------------------------------------------------------------------------------------


@dataclass
class Parsed:
    """The rows of a table whose every cell is acceptable: their Excel rows and, for every field
    of the row model, the values in those rows (a blank cell gives the field's default)."""

    rows: list[int]
    columns: dict[str, list[Any]]

    def models(self, model: type[M]) -> list[tuple[int, M]]:
        return list(zip(self.rows, construct_all(model, **self.columns), strict=True))


def _parse(
    table: Table, model: type[BaseModel], found: Collector, left_blank: Iterable[str] = ()
) -> Parsed:
    """Validate every data row for `model`, a column at a time, collecting every cell's problem
    in the order of the rows, then of the model's fields. Names are spelt as at their first
    appearance in the workbook. A blank cell of a field in `left_blank` is None: neither an error
    (for a required field) nor the field's default; the caller resolves it."""
    _cell_warnings(table, found)
    kinds = {c.name: c.kind for c in table.spec.columns}
    problems: list[tuple[int, int, Diagnostic]] = []
    columns: dict[str, list[Any]] = {}
    for order, (name, spec) in enumerate(model.model_fields.items()):
        if name in table.columns:
            values, bad = table.converted(name)
            values = table.spelt.get(name, values)
            blanks = bool(bad) or NoneType in table.columns[name].types
        else:
            values, bad, blanks = [None] * len(table.rows), {}, True
        for i, problem in bad.items():
            problems.append(
                (i, order, error(table.sheet, table.ref(name, table.rows[i]), f"{name} {problem}."))
            )
        if blanks and name not in left_blank:
            if spec.is_required():
                letter = table.letters.get(name)
                for i, value in enumerate(values):
                    if value is None and i not in bad:
                        cell = f"{letter}{table.rows[i]}" if letter else ""
                        blank = f"{name} is blank; expected {EXPECTED[kinds[name]]}."
                        problems.append((i, order, error(table.sheet, cell, blank)))
            elif spec.default is not None:
                values = [spec.default if value is None else value for value in values]
        columns[name] = values
    found.add_sorted(problems)
    if not problems:
        return Parsed(table.rows, columns)
    bad_rows = {i for i, *_ in problems}
    keep = [i for i in range(len(table.rows)) if i not in bad_rows]
    return Parsed(
        [table.rows[i] for i in keep],
        {name: [values[i] for i in keep] for name, values in columns.items()},
    )


EXPECTED = {
    Kind.TEXT: "a name",
    Kind.AMOUNT: "a number of 0 or more",
    Kind.POSITIVE: "a number above 0",
    Kind.SHARE: "a share such as 40%",
    Kind.RISK: "a risk score from 0 to 100",
    Kind.COUNT: "a whole number of 1 or more",
    Kind.YES_NO: "yes or no",
    Kind.FACTOR: "a number of 0 or more",
    Kind.CURRENCY: CURRENCY_CODE,
}


def _repeats(rows: list[int], keys: list[K | None]) -> list[tuple[int, K, int]]:
    """`(row, key, first row of the key)` for every row whose key (not None) an earlier row
    has."""
    if len(set(keys)) == len(keys):
        return []
    first: dict[K, int] = {}
    repeats = []
    for row, key in zip(rows, keys, strict=True):
        if key is None:
            continue
        if key in first:
            repeats.append((row, key, first[key]))
        else:
            first[key] = row
    return repeats


def _duplicates(table: Table, parsed: Parsed, key: str, found: Collector) -> list[int]:
    """The positions in `parsed` of the valid rows that are the first of their `key`; every
    repeat of a name, valid row or not, is an error."""
    repeats = _repeats(table.rows, table.text(key))
    if repeats:
        written = dict(zip(table.rows, table.written(key), strict=True))
        for row, _, first in repeats:
            spelt = f" as {quoted(written[first] or '')}" if written[first] != written[row] else ""
            found.add(
                error(
                    table.sheet,
                    table.ref(key, row),
                    f"{key} {quoted(written[row] or '')} appears again (first in "
                    f"{table.sheet}!{table.ref(key, first)}{spelt}); each may appear only once.",
                )
            )
    return _unrepeated(parsed, repeats)


def _unrepeated(parsed: Parsed, repeats: list[tuple[int, Any, int]]) -> list[int]:
    """The positions in `parsed` of the rows that are not `repeats`."""
    later = {row for row, *_ in repeats}
    return [i for i, row in enumerate(parsed.rows) if row not in later]


# --- one function per sheet --------------------------------------------------------------------


def _settings(
    table: Table | None, found: Collector, rows: dict[str, int], overrides: Mapping[str, object]
) -> Settings | None:
    """The settings, with the row of each one set in `rows`; `overrides` win over the sheet.
    Setting names are matched like headers: a note after the name is allowed (`(%)` makes a
    share's plain number a percentage), and a name close to a known one is an error."""
    values: dict[str, Any] = {}
    for name, value in overrides.items():
        spec = SETTINGS_BY_KEY.get(normalize(name))
        if spec is None:
            raise TypeError(f"'{name}' is not a setting; settings: {', '.join(SETTINGS_BY_KEY)}")
        if value is None:  # as if its cell were blank: the default, whatever the sheet says
            values[spec.name] = Settings.model_fields[spec.name].default
            continue
        try:
            values[spec.name] = _setting_value(spec, value)
        except CellProblem as problem:
            found.add(error("", "", f"{spec.name} given for this run {problem}."))
    given = set(values)
    if table is None:
        _check_settings(values, rows, None, found)
        return Settings.model_validate(values)
    _cell_warnings(table, found, magnitudes=False)
    names = table.columns["setting"].values
    cells = table.columns["value"].values if "value" in table.columns else [None] * len(names)
    matches = match_headers(names, [spec.name for spec in SETTING_SPECS])
    exact: dict[str, str] = {}  # setting -> the cell that names it first
    for row, match in zip(table.rows, matches, strict=True):
        if match.kind is HeaderKind.EXACT and match.column is not None:
            exact.setdefault(match.column, f"{table.sheet}!{table.ref('setting', row)}")
    seen: dict[str, int] = {}
    for row, name_cell, value, match in zip(table.rows, names, cells, matches, strict=True):
        name_ref = table.ref("setting", row)
        value_ref = table.ref("value", row) if "value" in table.letters else ""
        problem = _special(name_cell, "the setting's name")
        if name_cell is None:
            found.add(
                error(
                    table.sheet,
                    name_ref,
                    "setting is blank but the row has a value; name the setting.",
                )
            )
        elif problem:
            found.add(error(table.sheet, name_ref, f"setting {problem}."))
        elif match.kind is HeaderKind.CLOSE and match.column in exact:
            here = f"{table.sheet}!{name_ref}"
            text = ambiguous(_shown(match, name_cell), here, exact[match.column], "setting")
            found.add(error(table.sheet, name_ref, text))
        elif match.kind is HeaderKind.CLOSE:
            found.add(
                error(table.sheet, name_ref, message(_shown(match, name_cell), "setting") or "")
            )
        elif match.kind is HeaderKind.HOLDS:
            found.add(
                warning(table.sheet, name_ref, message(_shown(match, name_cell), "setting") or "")
            )
        elif match.kind is not HeaderKind.EXACT:
            found.add(
                warning(
                    table.sheet,
                    name_ref,
                    f"Setting {describe(name_cell)} is not known; ignored. Known "
                    f"settings: {', '.join(SETTINGS_BY_KEY)}.",
                )
            )
        elif (spec := SETTINGS_BY_KEY[normalize(match.column)]).name in seen:
            found.add(
                error(
                    table.sheet,
                    name_ref,
                    f"Setting '{spec.name}' appears again (first in "
                    f"{table.sheet}!{table.ref('setting', seen[spec.name])}).",
                )
            )
        elif match.percent and spec.kind is not Kind.SHARE:
            seen[spec.name] = row
            found.add(
                error(
                    table.sheet,
                    name_ref,
                    f"Setting '{_shown(match).text}' marks its value as a percentage, but "
                    f"{spec.name} is not a share: it is {_setting_expected(spec)}. Remove the "
                    "'%' from its name.",
                )
            )
        else:
            seen[spec.name] = row
            if value is None or spec.name in given:
                continue
            rows[spec.name] = row
            try:
                values[spec.name] = _setting_value(spec, value, match.percent)
            except CellProblem as problem:
                found.add(error(table.sheet, value_ref, f"{spec.name} {problem}."))
    _check_settings(values, rows, table, found)
    return Settings.model_validate(values)


def _check_settings(
    values: dict[str, Any], rows: dict[str, int], table: Table | None, found: Collector
) -> None:
    """What a setting's own kind allows but the contract does not act on: a frontier of one
    point (it needs two or more)."""
    if values.get("frontier_points") == 1:
        row = rows.get("frontier_points")
        sheet, cell = (table.sheet, table.ref("value", row)) if table and row else ("", "")
        given = "" if row else " given for this run"
        found.add(
            error(
                sheet,
                cell,
                f"frontier_points{given} is 1, but a frontier needs 2 or more points; give 2 "
                "or more, or leave it blank for no frontier.",
            )
        )


def _setting_value(spec: SettingSpec, value: object, percent: bool = False) -> object:
    """The value of one setting, converted as its kind says (`to_percent` for a share whose
    name says `(%)`); CellProblem if it is not one."""
    if spec.several:
        return _words(spec, value)
    if spec.kind is None:
        reject_special(value, " or ".join(spec.choices))
        word = normalize(value)
        if word not in spec.choices:
            raise CellProblem(f"is {describe(value)}; expected {' or '.join(spec.choices)}")
        return word
    if percent and spec.kind is Kind.SHARE:
        return to_percent(value)
    return CONVERTERS[spec.kind](value)


def _words(spec: SettingSpec, value: object) -> tuple[str, ...]:
    """The words of a setting that takes one or more of its choices, comma-separated (`country,
    Supplier`), each once in the order given; case and spaces do not matter. An override may
    also give them as a list, and "" or an empty list for none."""
    expected = f"one or more of {', '.join(spec.choices)}, separated by commas"
    if isinstance(value, list | tuple):
        value = ",".join(map(str, value))
    reject_special(value, expected)
    if not isinstance(value, str):
        raise CellProblem(f"is {describe(value)}; expected {expected}")
    written = [word.strip() for word in value.split(",") if word.strip()]
    wrong = [word for word in written if normalize(word) not in spec.choices]
    if wrong:
        listed = " and ".join(map(quoted, wrong))
        verb = "is" if len(wrong) == 1 else "are"
        hint = _unknown(wrong[0], spec.choices) if len(wrong) == 1 else ""
        raise CellProblem(
            f"names {listed}, which {verb} not one of its choices{hint}; expected {expected}"
        )
    if not written and value.strip():
        raise CellProblem(f"is {describe(value)}; expected {expected}")
    return tuple(dict.fromkeys(map(normalize, written)))


def _survive(
    settings: Settings | None,
    tables: dict[str, Table],
    scenarios_unread: bool,
    rows: dict[str, int],
    found: Collector,
) -> None:
    """`survive` may name scenarios only when the Scenarios sheet has rows (when that sheet could
    not be read, its own error says why)."""
    if settings is None or "scenarios" not in settings.survive or scenarios_unread:
        return
    table = tables.get("scenarios")
    if table is not None and table.rows:
        return
    fix = "add them to a Scenarios sheet, or remove scenarios from survive"
    if "survive" in rows:
        sheet = tables["settings"]
        message = f"survive names scenarios, but the workbook has no Scenarios rows; {fix}."
        found.add(error(sheet.sheet, sheet.ref("value", rows["survive"]), message))
    else:
        message = (
            f"survive given for this run names scenarios, but the workbook has no Scenarios "
            f"rows; {fix}."
        )
        found.add(error("", "", message))


def _setting_expected(spec: SettingSpec) -> str:
    if spec.several:
        return f"one or more of {', '.join(spec.choices)}"
    return EXPECTED[spec.kind] if spec.kind is not None else " or ".join(spec.choices)


def _groups(table: Table | None, found: Collector) -> dict[str, Group]:
    if table is None:
        return {}
    parsed = _parse(table, GroupRow, found)
    items = parsed.models(GroupRow)
    groups: dict[str, Group] = {}
    for row, item in (items[i] for i in _duplicates(table, parsed, "group", found)):
        name = item.group
        if (
            item.min_share is not None
            and item.max_share is not None
            and (item.min_share > item.max_share)
        ):
            found.add(
                error(
                    table.sheet,
                    table.ref("min_share", row),
                    f"min_share {item.min_share:.0%} of group '{name}' is above its "
                    f"max_share {item.max_share:.0%}.",
                )
            )
        groups[name] = Group(name=name, max_share=item.max_share, min_share=item.min_share, row=row)
    return groups


@dataclass(frozen=True)
class CountryDefaults:
    """What a country gives its offers when their own cells are blank."""

    risk: float | None
    tariff: float | None
    embargo: bool


def _countries(
    table: Table | None,
    groups_table: Table | None,
    groups_unread: bool,
    odd: Odd,
    found: Collector,
) -> tuple[dict[str, Country], dict[str, CountryDefaults]]:
    """The countries; every group they name must be listed in Groups (unless that sheet could
    not be read: its own error says why)."""
    if table is None:
        return {}, {}
    parsed = _parse(table, CountryRow, found)
    items = parsed.models(CountryRow)
    rows = {items[i][1].country: items[i] for i in _duplicates(table, parsed, "country", found)}
    if not groups_unread:
        _country_groups(table, groups_table, odd, found)
    countries = {
        name: Country(
            name=name,
            max_share=item.max_share,
            group=item.group,
            risk=item.risk,
            row=row,
            embargo=bool(item.embargo),
        )
        for name, (row, item) in rows.items()
    }
    defaults = {
        name: CountryDefaults(item.risk, item.tariff, item.embargo)
        for name, (_, item) in rows.items()
    }
    return countries, defaults


def _country_groups(table: Table, groups_table: Table | None, odd: Odd, found: Collector) -> None:
    """Every country's group (valid row or not) must be listed in Groups; without a Groups
    sheet, groups have no effect."""
    groups = groups_table.names("group") if groups_table is not None else set()
    for row, name, written in zip(
        table.rows, table.text("group"), table.written("group"), strict=True
    ):
        if name is None or name in groups or name in odd["group"]:
            continue
        text = f"group {quoted(written or '')} is not listed in the Groups sheet"
        if groups_table is not None:
            found.add(
                error(
                    table.sheet,
                    table.ref("group", row),
                    f"{text}{_unknown(name, groups)}; add it there or correct the name.",
                )
            )
        else:
            found.add(
                warning(
                    table.sheet,
                    table.ref("group", row),
                    f"{text} (there is no Groups sheet), so it has no effect.",
                )
            )


def _materials(table: Table, settings: Settings | None, found: Collector) -> dict[str, Material]:
    parsed = _parse(table, DemandRow, found)
    keep = _duplicates(table, parsed, "material", found)
    if not table.rows:
        found.add(
            error(
                table.sheet,
                "",
                "The Demand sheet lists no material; add one row per "
                "material with the quantity to source.",
            )
        )
    defaults = settings or Settings()
    rows = [parsed.rows[i] for i in keep]
    column = {name: [values[i] for i in keep] for name, values in parsed.columns.items()}
    defaultable = {
        name: getattr(defaults, name)
        for name in ("max_country_share", "max_supplier_share", "max_avg_risk", "min_cover")
        if getattr(defaults, name) is not None
    }
    defaulted = _blank_fields(column, list(defaultable), len(rows))
    materials = construct_all(
        Material,
        name=column["material"],
        quantity=column["quantity"],
        max_country_share=_filled(column["max_country_share"], defaults.max_country_share),
        max_supplier_share=_filled(column["max_supplier_share"], defaults.max_supplier_share),
        max_avg_risk=_filled(column["max_avg_risk"], defaults.max_avg_risk),
        max_suppliers=column["max_suppliers"],
        row=rows,
        quantity_cell=[table.ref("quantity", row) for row in rows],
        defaulted=defaulted,
        **_resilience_and_awards(table, rows, column, defaults, found),
    )
    return {material.name: material for material in materials}


def _blank_fields(
    column: dict[str, list[Any]], names: list[str], count: int
) -> list[frozenset[str]]:
    """For each of `count` rows, which of the fields `names` are blank (None) in `column`; rows
    that leave the same fields blank share one set."""
    if not names:
        return [frozenset()] * count
    sets: dict[tuple[bool, ...], frozenset[str]] = {}
    blanks = zip(*([value is None for value in column[name]] for name in names), strict=True)
    return [
        sets[flags]
        if flags in sets
        else sets.setdefault(flags, frozenset(n for n, b in zip(names, flags, strict=True) if b))
        for flags in blanks
    ]


# The Demand columns read as they are (blank: the field's default), when the sheet has them.
AS_GIVEN = ("min_award", "min_countries", "max_avg_co2", "stock", "stock_cost", "max_stock")
# Units that count whole pieces (`Demand.unit`), as `unit_key` writes them.
WHOLE = "pcs"


def _resilience_and_awards(
    table: Table,
    rows: list[int],
    column: dict[str, list[Any]],
    settings: Settings,
    found: Collector,
) -> dict[str, list[Any]]:
    """The values of the materials' fields that the Demand sheet's newer columns give (only
    those it has, so that a workbook without them pays nothing); a fractional quantity of a
    material counted in pieces is an error, and a max_stock without a stock_cost a warning."""
    fields = {name: column[name] for name in AS_GIVEN if name in table.columns}
    if "min_cover" in table.columns or settings.min_cover != Settings().min_cover:
        fields["min_cover"] = _filled(column["min_cover"], settings.min_cover)
    if "unit" in table.columns:
        fields["unit"] = column["unit"]
        fields["whole"] = [unit is not None and unit_key(unit) == WHOLE for unit in column["unit"]]
        counted = [c for c in ("quantity", "stock", "max_stock") if c in table.columns]
        for k, (row, name, unit, whole) in enumerate(
            zip(rows, column["material"], column["unit"], fields["whole"], strict=True)
        ):
            for amount in counted:
                value = column[amount][k]
                if whole and value is not None and not float(value).is_integer():
                    found.add(
                        error(
                            table.sheet,
                            table.ref(amount, row),
                            f"{amount} is {describe(value)}, but {quoted(name)} is counted in "
                            f"{unit} (whole units); give a whole number.",
                        )
                    )
    if "max_stock" in table.columns:
        costs = column["stock_cost"]
        stocks = zip(rows, column["material"], column["max_stock"], costs, strict=True)
        for row, name, most, cost in stocks:
            if most is not None and cost is None:
                found.add(
                    warning(
                        table.sheet,
                        table.ref("max_stock", row),
                        f"max_stock has no effect: {quoted(name)} has no stock_cost, so no stock "
                        "can be added.",
                    )
                )
    return fields


def _filled(values: list[T | None], default: T) -> list[T]:
    """`values` with the default for every None."""
    if default is None or None not in values:
        return values  # type: ignore[return-value]
    if values.count(None) == len(values):
        return [default] * len(values)
    return [default if value is None else value for value in values]


# The columns an offer's price tiers share: given on one of its rows, blank (or the same) on
# the others. Only unit_price and tier_from differ from tier to tier.
SHARED = (
    "country",
    "capacity",
    "freight",
    "tariff",
    "risk",
    "min_order",
    "fixed_cost",
    "current_quantity",
    "origin",
    "currency",
    "reserve_price",
    "co2",
)
MONEY = ("unit_price", "freight", "fixed_cost", "reserve_price")  # in the offer's currency
Tiers = tuple[tuple[float, float], ...]  # (tier_from, unit_price) of each price tier


def _offers(
    tables: dict[str, Table],
    materials: dict[str, Material],
    country_defaults: dict[str, CountryDefaults],
    settings: Settings | None,
    currencies: Currencies,
    odd: Odd,
    found: Collector,
) -> list[Offer]:
    """Offers with their defaults resolved, the rows of each offer's price tiers merged into it
    and its money converted into the workbook's currency. Every row's names are checked (valid
    row or not) against every row of Demand and Countries, so that a bad cell there raises no
    second, false error here and a bad cell here hides no misspelt name."""
    table = tables["offers"]
    tiered = _given(table, "tier_from")
    # an offer's price tiers leave its country and freight blank on all rows but one
    parsed = _parse(table, OfferRow, found, left_blank=("country", "freight") if tiered else ())
    risk_matters = settings is not None and (
        settings.risk_price > 0 or any(m.max_avg_risk is not None for m in materials.values())
    )
    dropped = {row for row, *_ in _offer_repeats(table, tiered, found)}
    if tiered:
        _tier_checks(table, dropped, found)
    dropped |= _offer_names(table, tables.get("demand"), tables.get("countries"), odd, found)
    if _given(table, "currency"):
        _offer_currencies(table, currencies, found)
    column = parsed.columns
    if dropped or not table.names("material") <= materials.keys():
        keep = [
            i
            for i, (row, material) in enumerate(zip(parsed.rows, column["material"], strict=True))
            if material in materials and row not in dropped
        ]
        rows = [parsed.rows[i] for i in keep]
        column = {name: [values[i] for i in keep] for name, values in column.items()}
    else:
        rows = parsed.rows
    further: list[tuple[int, ...]] = []
    tiers: list[Tiers] = []
    if tiered:
        column, rows, further, tiers = _merged(column, rows, table.columns.keys())
    countries = column["country"]
    origins = (
        [None if o == c else o for o, c in zip(column["origin"], countries, strict=True)]
        if "origin" in table.columns
        else []
    )
    tariffs = {name: d.tariff for name, d in country_defaults.items() if d.tariff is not None}
    risks = {name: d.risk for name, d in country_defaults.items() if d.risk is not None}
    embargoed = {name for name, d in country_defaults.items() if d.embargo}
    tariff = _filled_by_country(column["tariff"], countries, tariffs, 0.0)
    risk = _risks(column["risk"], countries, origins, risks)
    unscored = [i for i, value in enumerate(risk) if value is None] if None in risk else []
    min_order, capacity = column["min_order"], column["capacity"]
    flagged: list[tuple[int, int, Diagnostic]] = []  # (offer, check, warning): offer by offer
    cell = "risk" if "risk" in table.letters else "supplier"  # where a missing risk shows
    if risk_matters:
        for i in unscored:
            origin = f", origin {origins[i]}" if origins and origins[i] else ""
            message = (
                f"No risk score for {quoted(column['supplier'][i])} ({countries[i]}{origin}) in "
                "Offers or Countries; its risk is taken as 0."
            )
            flagged.append((i, 0, warning(table.sheet, table.ref(cell, rows[i]), message)))
    if any(min_order):
        for i, (least, most) in enumerate(zip(min_order, capacity, strict=True)):
            if least and most is not None and least > most:
                message = (
                    f"min_order {describe(least)} is above the capacity {describe(most)}; "
                    "this offer can never be used."
                )
                row = _row_with(table, "min_order", rows[i], further[i] if further else ())
                flagged.append((i, 1, warning(table.sheet, table.ref("min_order", row), message)))
    found.add_sorted(flagged)
    _co2_given(table, tables.get("demand"), materials, column, rows, found)
    money, tiers = _in_workbook_currency(table, column, tiers, currencies)
    extra: dict[str, list[Any]] = {
        name: column[name] for name in ("currency", "co2") if name in table.columns
    }
    if "reserve_price" in table.columns:
        extra["reserve_price"] = money["reserve_price"]
    if origins:
        extra["origin"] = origins
    if tiered:
        extra["tiers"], extra["rows"] = tiers, further
    offers = construct_all(
        Offer,
        index=range(len(rows)),
        supplier=column["supplier"],
        country=countries,
        material=column["material"],
        unit_price=money["unit_price"],
        capacity=capacity,
        freight=money["freight"],
        tariff=tariff,
        risk=_filled(risk, 0.0),
        min_order=min_order,
        fixed_cost=money["fixed_cost"],
        current_quantity=column["current_quantity"],
        embargoed=_embargoed(countries, origins, embargoed),
        row=rows,
        **extra,
    )
    if unscored and not risk_matters:
        found.add(
            warning(
                table.sheet,
                "",
                f"{_offers_count(len(unscored))} no risk score in Offers or Countries (first in "
                f"{table.sheet}!{table.ref(cell, rows[unscored[0]])}); "
                f"{'its' if len(unscored) == 1 else 'their'} risk is "
                "taken as 0. This matters only with a risk cap or a risk price.",
            )
        )
    if not table.rows:
        found.add(
            error(
                table.sheet, "", "The Offers sheet lists no offer; add one row per supplier offer."
            )
        )
    offered = table.names("material")
    for name, material in materials.items():
        if name not in offered and name not in odd["material"]:
            found.add(
                warning(
                    DEMAND.name,
                    material.quantity_cell,
                    f"No offer for material {quoted(name)}; its demand cannot be met.",
                )
            )
    return offers


def _given(table: Table, column: str) -> bool:
    """Whether the table has `column` with at least one cell that is not blank."""
    return column in table.columns and bool(table.columns[column].types - {NoneType})


def _risks(
    own: list[float | None],
    countries: list[str],
    origins: list[str | None],
    defaults: dict[str, float],
) -> list[float | None]:
    """Each offer's risk (`rules.offer_risk`): its own, else the higher of its country's and its
    origin's; None where none is known."""
    if not defaults or None not in own:
        return own
    country = np.array([defaults.get(c, np.nan) for c in countries], dtype=np.float64)
    origin = (
        np.array([np.nan if o is None else defaults.get(o, np.nan) for o in origins])
        if origins
        else np.nan
    )
    risk = rules.offer_risk(np.array(own, dtype=np.float64), country, origin)
    return [None if math.isnan(r) else r for r in risk.tolist()]


def _embargoed(countries: list[str], origins: list[str | None], embargoed: set[str]) -> list[bool]:
    """Whether each offer ships from or originates in an embargoed country."""
    if not embargoed:
        return [False] * len(countries)
    if not origins:
        return [country in embargoed for country in countries]
    return [c in embargoed or o in embargoed for c, o in zip(countries, origins, strict=True)]


def _in_workbook_currency(
    table: Table, column: dict[str, list[Any]], tiers: list[Tiers], currencies: Currencies
) -> tuple[dict[str, list[Any]], list[Tiers]]:
    """The offers' money columns and price tiers, each amount times the rate of its offer's
    currency."""
    money = {name: column[name] for name in MONEY}
    if not _given(table, "currency"):
        return money, tiers
    rate = list(map(currencies.rate, column["currency"]))
    if rate.count(1.0) == len(rate):
        return money, tiers
    money = {
        name: [None if v is None else v * r for v, r in zip(values, rate, strict=True)]
        for name, values in money.items()
    }
    if tiers:
        tiers = [tuple((f, p * r) for f, p in t) for t, r in zip(tiers, rate, strict=True)]
    return money, tiers


def _row_with(table: Table, column: str, row: int, further: tuple[int, ...]) -> int:
    """The first of an offer's rows (`row`, then `further`) whose `column` cell is not blank."""
    cells = table.columns[column].values
    for candidate in (row, *further):
        if cells[bisect_left(table.rows, candidate)] is not None:
            return candidate
    return row


def _co2_given(
    table: Table,
    demand: Table | None,
    materials: dict[str, Material],
    column: dict[str, list[Any]],
    rows: list[int],
    found: Collector,
) -> None:
    """Every offer of a material with a max_avg_co2 must give its co2: an error at each blank
    co2 cell (at the material's max_avg_co2 when Offers has no co2 column)."""
    capped = {name for name, m in materials.items() if m.max_avg_co2 is not None}
    if not capped:
        return
    if "co2" not in table.columns:
        for name in capped:
            cell = demand.ref("max_avg_co2", materials[name].row) if demand is not None else ""
            message = (
                f"max_avg_co2 of {quoted(name)} needs the co2 of each of its offers, but the "
                "Offers sheet has no co2 column; add one with each offer's emissions per unit."
            )
            found.add(error(DEMAND.name if demand is None else demand.sheet, cell, message))
        return
    for row, material, co2 in zip(rows, column["material"], column["co2"], strict=True):
        if co2 is None and material in capped:
            message = (
                f"co2 is blank, but {quoted(material)} has a max_avg_co2; give this offer's "
                "emissions per unit."
            )
            found.add(error(table.sheet, table.ref("co2", row), message))


def _offer_repeats(
    table: Table, tiered: bool, found: Collector
) -> list[tuple[int, tuple[Any, ...], int]]:
    """Every row (valid or not) whose (supplier, material) pair an earlier row has, each with an
    error: `(row, key, first row)`. With price tiers the key is (supplier, material, tier_from):
    rows of one pair with different tier_from values are the tiers of one offer."""
    suppliers, offered = table.text("supplier"), table.text("material")
    if "supplier" in table.unique:
        return []  # every supplier makes one offer
    tier_from: list[Any] = []
    if tiered:
        tier_from, bad = table.converted("tier_from")
        keys: list[tuple[Any, ...] | None] = [
            None if s is None or m is None or i in bad else (s, m, t or 0.0)
            for i, (s, m, t) in enumerate(zip(suppliers, offered, tier_from, strict=True))
        ]
    elif table.complete("supplier") and table.complete("material"):
        keys = list(zip(suppliers, offered, strict=True))
    else:
        keys = [
            None if supplier is None or material is None else (supplier, material)
            for supplier, material in zip(suppliers, offered, strict=True)
        ]
    repeats = _repeats(table.rows, keys)
    if repeats:
        written = dict(
            zip(
                table.rows,
                zip(table.written("supplier"), table.written("material"), strict=True),
                strict=True,
            )
        )
        tiers = dict(zip(table.rows, tier_from, strict=True)) if tiered else {}
        for row, key, first in repeats:
            (supplier, material), (first_supplier, first_material) = written[row], written[first]
            spelt = (
                f" (as {quoted(first_supplier or '')} and {quoted(first_material or '')})"
                if (supplier, material) != (first_supplier, first_material)
                else ""
            )
            offers = f"supplier {quoted(supplier or '')} already offers {quoted(material or '')}"
            at = f"{table.sheet}!{table.ref('supplier', first)}"
            if tiers.get(row) is not None or tiers.get(first) is not None:
                message = (
                    f"{offers} with tier_from {describe(key[2])} in {at}{spelt}; each "
                    "price tier of an offer needs its own tier_from (blank means 0)."
                )
            else:
                message = (
                    f"{offers} in {at}{spelt}; each (supplier, material) pair may appear only once."
                )
            found.add(error(table.sheet, table.ref("supplier", row), message))
    return repeats


def _tier_checks(table: Table, dropped: set[int], found: Collector) -> None:
    """The rules of price tiers, on every row (valid or not) that repeats no other: each offer
    names its country on one of its rows; a shared column has one value across the offer's
    rows; its lowest tier_from is 0; and no tier's price is above a lower tier's."""
    tier_from, tier_bad = table.converted("tier_from")
    prices, price_bad = table.converted("unit_price")
    countries, country_bad = table.text("country"), table.converted("country")[1]
    shared = [(name, *_comparable(table, name)) for name in SHARED if name in table.columns]
    flagged: list[tuple[int, int, Diagnostic]] = []
    for positions in _offer_rows(table, dropped):
        if len(positions) == 1:  # most offers: no tiers to compare
            i = positions[0]
            if countries[i] is None and i not in country_bad:
                flagged.append(_no_country(table, positions))
            if tier_from[i] and i not in tier_bad:
                flagged.append(_first_tier(table, tier_from[i], i, False))
            continue
        if all(countries[i] is None and i not in country_bad for i in positions):
            flagged.append(_no_country(table, positions))
        for name, keys, shown in shared:
            if len({keys[i] for i in positions} - {None}) > 1:
                flagged += _conflicts(table, name, keys, shown, positions)
        if any(i in tier_bad for i in positions) or all(tier_from[i] is None for i in positions):
            continue
        ladder = sorted((tier_from[i] or 0.0, i) for i in positions)
        if ladder[0][0] != 0:
            flagged.append(_first_tier(table, ladder[0][0], ladder[0][1], True))
        cheapest: tuple[float, int] | None = None  # the lowest price of the lower tiers
        for tier, i in ladder:
            if prices[i] is None or i in price_bad:
                continue
            if cheapest is not None and prices[i] > prices[cheapest[1]]:
                flagged.append(_rising(table, prices, (tier, i), cheapest))
            elif cheapest is None or prices[i] < prices[cheapest[1]]:
                cheapest = (tier, i)
    found.add_sorted(flagged)


def _no_country(table: Table, positions: list[int]) -> tuple[int, int, Diagnostic]:
    """The error of an offer (its rows' positions) that names its country on none of its rows,
    at its first row."""
    if len(positions) == 1:
        message = f"country is blank; expected {EXPECTED[Kind.TEXT]}."
    else:
        listed = _and([str(table.rows[i]) for i in positions])
        message = (
            f"country is blank in every row of this offer (rows {listed}); expected "
            f"{EXPECTED[Kind.TEXT]} in one of them."
        )
    cell = table.ref("country", table.rows[positions[0]])
    return positions[0], 0, error(table.sheet, cell, message)


def _first_tier(table: Table, lowest: float, at: int, several: bool) -> tuple[int, int, Diagnostic]:
    """The error of an offer whose lowest tier_from (at position `at`) is not 0."""
    whose = ", the lowest of this offer's price tiers," if several else ""
    message = (
        f"tier_from is {describe(lowest)}{whose} but an offer's first price tier must start at 0 "
        f"(type 0 or leave it blank), or below {describe(lowest)} it has no price."
    )
    return at, 2, error(table.sheet, table.ref("tier_from", table.rows[at]), message)


def _rising(
    table: Table, prices: list[Any], tier: tuple[float, int], lower: tuple[float, int]
) -> tuple[int, int, Diagnostic]:
    """The error of a price tier (tier_from, position) that costs more than a `lower` one."""
    (start, i), (low_start, j) = tier, lower
    message = (
        f"unit_price {describe(prices[i])} from tier_from {describe(start)} is above "
        f"{describe(prices[j])} from tier_from {describe(low_start)} "
        f"({table.sheet}!{table.ref('unit_price', table.rows[j])}); a "
        "price tier may not cost more per unit than a lower one."
    )
    return i, 3, error(table.sheet, table.ref("unit_price", table.rows[i]), message)


def _offer_rows(table: Table, dropped: set[int]) -> list[list[int]]:
    """The positions of each offer's rows, in sheet order, by (supplier, material); a row
    without both names, or a repeat (`dropped`), is on its own."""
    groups: dict[object, list[int]] = {}
    pairs = zip(table.rows, table.text("supplier"), table.text("material"), strict=True)
    for i, (row, supplier, material) in enumerate(pairs):
        if row not in dropped:
            key = i if supplier is None or material is None else (supplier, material)
            groups.setdefault(key, []).append(i)
    return list(groups.values())


def _comparable(table: Table, column: str) -> tuple[list[Any], list[Any]]:
    """The values of `column` as two rows' values are compared (names by key, currency codes
    ignoring case, numbers as read; None where blank or not acceptable) and as a message shows
    them."""
    if column in ("country", "origin"):
        return table.text(column), table.written(column)
    values = table.converted(column)[0]
    if column == "currency":
        return [None if v is None else code_key(v) for v in values], values
    return values, values


def _conflicts(
    table: Table, column: str, keys: list[Any], shown: list[Any], positions: list[int]
) -> list[tuple[int, int, Diagnostic]]:
    """An error at each cell of an offer's rows whose `column` differs from the first value
    given on them."""
    flagged: list[tuple[int, int, Diagnostic]] = []
    first: int | None = None
    for i in positions:
        if keys[i] is None:
            continue
        if first is None:
            first = i
        elif keys[i] != keys[first]:
            supplier, material = table.written("supplier")[i], table.written("material")[i]
            message = (
                f"{column} is {describe(shown[i])}, but "
                f"{table.sheet}!{table.ref(column, table.rows[first])} of the same offer "
                f"({quoted(supplier or '')}, {quoted(material or '')}) says "
                f"{describe(shown[first])}; the price tiers of one offer share every column but "
                f"unit_price and tier_from: give its {column} on one row and leave it blank on "
                "the others."
            )
            flagged.append((i, 1, error(table.sheet, table.ref(column, table.rows[i]), message)))
    return flagged


def _merged(
    column: dict[str, list[Any]], rows: list[int], given: Iterable[str]
) -> tuple[dict[str, list[Any]], list[int], list[tuple[int, ...]], list[Tiers]]:
    """One offer per (supplier, material) of the valid rows: its first row's values, with the
    first value given on any of its rows of each shared column and the price of its lowest
    tier; its first row, its further rows and its tiers `(tier_from, unit_price)` by tier_from
    (none for an offer of one row). `given`: the columns the sheet has (the others are blank).
    A freight blank on every row is 0; an offer that names no country (an error already) is
    left out."""
    groups: dict[tuple[str, str], list[int]] = {}
    for i, pair in enumerate(zip(column["supplier"], column["material"], strict=True)):
        groups.setdefault(pair, []).append(i)
    offers = list(groups.values())
    merged = {
        name: [values[p[0]] for p in offers] if name in given else [None] * len(offers)
        for name, values in column.items()
    }
    shared = [name for name in SHARED if name in given]
    tiers: list[Tiers] = [()] * len(offers)
    for k, positions in enumerate(offers):
        if len(positions) == 1:
            continue
        for name in shared:
            if merged[name][k] is None:
                values = column[name]
                merged[name][k] = next(
                    (values[i] for i in positions if values[i] is not None), None
                )
        ladder = sorted((column["tier_from"][i] or 0.0, column["unit_price"][i]) for i in positions)
        merged["unit_price"][k] = ladder[0][1]
        tiers[k] = tuple(ladder)
    merged["freight"] = _filled(merged["freight"], 0.0)  # blank on each of the offer's rows
    first = [rows[p[0]] for p in offers]
    further = [tuple(rows[i] for i in p[1:]) for p in offers]
    if None in merged["country"]:
        keep = [k for k, country in enumerate(merged["country"]) if country is not None]
        merged = {name: [values[k] for k in keep] for name, values in merged.items()}
        first, further, tiers = ([values[k] for k in keep] for values in (first, further, tiers))
    return merged, first, further, tiers


def _offer_names(
    table: Table, demand: Table | None, countries: Table | None, odd: Odd, found: Collector
) -> set[int]:
    """The rows whose material is not in Demand or whose country (or origin) is a misspelling of
    one in Countries, each with an error (a country merely not listed there gets a note)."""
    materials = demand.names("material") if demand is not None else None
    listed = countries.names("country") if countries is not None else None
    check_materials = materials is not None and not table.names("material") <= materials
    places = [
        (order, column)
        for order, column in enumerate(("country", "origin"), 1)
        if listed is not None and column in table.columns and not table.names(column) <= listed
    ]
    if not (check_materials or places):
        return set()
    hints: dict[str, str] = {}  # material -> its "did you mean", found once
    near: dict[str, str] = {}  # country -> its "did you mean"
    flagged: list[tuple[int, int, Diagnostic]] = []
    dropped: set[int] = set()
    if check_materials:
        for i, (material, written) in enumerate(
            zip(table.text("material"), table.written("material"), strict=True)
        ):
            if material is None or material in materials or material in odd["material"]:  # type: ignore[operator]
                continue
            if material not in hints:
                hints[material] = _unknown(material, materials)  # type: ignore[arg-type]
            message = (
                f"material {quoted(written or '')} is not in the Demand sheet"
                f"{hints[material]}; materials there: {_listed(materials)}."  # type: ignore[arg-type]
            )
            row = table.rows[i]
            flagged.append((i, 0, error(table.sheet, table.ref("material", row), message)))
            dropped.add(row)
    for order, column in places:
        for i, (country, written) in enumerate(
            zip(table.text(column), table.written(column), strict=True)
        ):
            if country is None or country in listed or country in odd["country"]:  # type: ignore[operator]
                continue
            if country not in near:
                near[country] = _unknown(country, listed)  # type: ignore[arg-type]
            row = table.rows[i]
            cell = table.ref(column, row)
            if near[country]:
                message = (
                    f"{column} {quoted(written or '')} is not in the Countries sheet"
                    f"{near[country]}; correct the spelling or add the country there."
                )
                flagged.append((i, order, error(table.sheet, cell, message)))
                dropped.add(row)
            else:
                message = (
                    f"{column} {quoted(written or '')} is not in the Countries sheet; "
                    "only the default limits apply to it."
                )
                flagged.append((i, order, info(table.sheet, cell, message)))
    found.add_sorted(flagged)
    return dropped


def _filled_by_country(
    values: list[T | None], countries: list[str], defaults: dict[str, T], default: T | None
) -> list[T | None]:
    """`values` with the country's default (else `default`) for every None."""
    if not defaults or None not in values:
        return _filled(values, default)
    return [
        defaults.get(country, default) if value is None else value
        for value, country in zip(values, countries, strict=True)
    ]


def _offers_count(count: int) -> str:
    return "1 offer has" if count == 1 else f"{count:,} offers have"


# Where the names a scenario uses must appear.
SCENARIO_NAMES = {
    "country": "Offers or Countries sheet",
    "supplier": "Offers sheet",
    "material": "Demand sheet",
}


def _scenarios(tables: dict[str, Table], odd: Odd, found: Collector) -> list[Scenario]:
    """Rows with the same scenario name form one scenario; every name they use, in every row
    (valid or not), must appear in the workbook."""
    table = tables.get("scenarios")
    if table is None:
        return []
    parsed = _parse(table, ScenarioRow, found)
    offers, countries, demand = tables.get("offers"), tables.get("countries"), tables.get("demand")
    known: dict[str, set[str]] = {}
    if offers is not None:  # else that sheet's own error says it all
        listed = countries.names("country") if countries is not None else set()
        known["country"] = offers.names("country") | listed
        if "origin" in offers.columns:
            known["country"] |= offers.names("origin")
        known["supplier"] = offers.names("supplier")
    if demand is not None:
        known["material"] = demand.names("material")
    flagged: list[tuple[int, int, Diagnostic]] = []
    for order, (column, names) in enumerate(known.items()):
        hints: dict[str, str] = {}
        for i, (name, written) in enumerate(
            zip(table.text(column), table.written(column), strict=True)
        ):
            if name is None or name in names or name in odd[column]:
                continue
            if name not in hints:
                hints[name] = _unknown(name, names)
            flagged.append(
                (
                    i,
                    order,
                    error(
                        table.sheet,
                        table.ref(column, table.rows[i]),
                        f"{column} {quoted(written or '')} does not appear in the "
                        f"{SCENARIO_NAMES[column]}{hints[name]}; correct the name.",
                    ),
                )
            )
    found.add_sorted(flagged)
    scenarios: dict[str, list[Disruption]] = {}
    first: dict[str, int] = {}
    for row, item in parsed.models(ScenarioRow):
        first.setdefault(item.scenario, row)
        disruption = Disruption(
            country=item.country,
            supplier=item.supplier,
            material=item.material,
            capacity_factor=item.capacity_factor,
            price_factor=item.price_factor,
        )
        scenarios.setdefault(item.scenario, []).append(disruption)
    return [
        Scenario(name=name, disruptions=rows, row=first[name]) for name, rows in scenarios.items()
    ]


# --- currencies and units ----------------------------------------------------------------------


def code_key(code: str) -> str:
    """How currency codes are compared: ignoring case and the spaces around them."""
    return code.strip().casefold()


@dataclass(frozen=True)
class Currencies:
    """The workbook's currency and the rates that convert other currencies into it."""

    own: str | None = None  # Settings currency, as written
    named: bool = False  # the Settings sheet names a currency (readable or not)
    rates: dict[str, float] = field(default_factory=dict)  # code_key -> rate, valid rows
    listed: set[str] = field(default_factory=set)  # code_key of every Rates row, valid or not
    sheet: str | None = None  # the Rates sheet as the workbook names it; None without one
    unread: bool = False  # the workbook has a Rates sheet that could not be read

    @property
    def own_key(self) -> str | None:
        return None if self.own is None else code_key(self.own)

    def rate(self, code: str | None) -> float:
        """What one unit of `code` is worth in the workbook's currency (1 for blank, for the
        workbook's own, and for a currency without a rate, an error of its own)."""
        if code is None:
            return 1.0
        key = code_key(code)
        return 1.0 if key == self.own_key else self.rates.get(key, 1.0)


def _rates(
    table: Table | None, settings: Settings, named: bool, unread: bool, found: Collector
) -> tuple[Currencies, dict[str, float]]:
    """The currencies of the workbook and the Rates sheet's rates (as written, for `Problem`).
    Each currency appears once; naming any needs the workbook's own currency (Settings), whose
    own row, if any, must say 1."""
    own = settings.currency
    if table is None:
        return Currencies(own, named, unread=unread), {}
    parsed = _parse(table, RateRow, found)
    codes = table.written("currency")
    keys = [None if code is None else code_key(code) for code in codes]
    repeats = _repeats(table.rows, keys)
    written = dict(zip(table.rows, codes, strict=True))
    for row, _, first in repeats:
        spelt = f" as {quoted(written[first] or '')}" if written[first] != written[row] else ""
        message = (
            f"currency {quoted(written[row] or '')} appears again (first in "
            f"{table.sheet}!{table.ref('currency', first)}{spelt}); "
            "give each currency one rate."
        )
        found.add(error(table.sheet, table.ref("currency", row), message))
    if own is None and not named:
        for row, code in written.items():
            if code is not None:
                message = (
                    f"currency {quoted(code)} has a rate, but Settings gives no currency for the "
                    "workbook; add the setting currency (e.g. USD), the currency the rates "
                    "convert into."
                )
                found.add(error(table.sheet, table.ref("currency", row), message))
    rates: dict[str, float] = {}
    spelt_rates: dict[str, float] = {}
    later = {row for row, *_ in repeats}
    for row, item in parsed.models(RateRow):
        if row in later:
            continue
        key = code_key(item.currency)
        if own is not None and key == code_key(own) and item.rate != 1:
            message = (
                f"rate is {describe(item.rate)}, but {quoted(item.currency)} is the workbook's "
                "own currency (Settings currency); its rate must be 1."
            )
            found.add(error(table.sheet, table.ref("rate", row), message))
        rates[key] = item.rate
        spelt_rates[item.currency] = item.rate
    listed = {key for key in keys if key is not None}
    return Currencies(own, named, rates, listed, table.sheet, unread), spelt_rates


def _offer_currencies(table: Table, currencies: Currencies, found: Collector) -> None:
    """Every currency named in Offers (valid row or not) other than the workbook's needs a rate,
    and any needs the workbook's currency: an error at the first cell naming it."""
    codes = table.converted("currency")[0]
    first: dict[str, list[int]] = {}  # code_key -> [its first position, rows naming it]
    for i, code in enumerate(codes):
        if code is not None:
            entry = first.setdefault(code_key(code), [i, 0])
            entry[1] += 1
    for key, (i, count) in first.items():
        if key == currencies.own_key:
            continue
        code = codes[i]
        also = f" ({count:,} rows name it; this is the first)" if count > 1 else ""
        if currencies.own is None:
            if currencies.named:
                continue  # the setting's own error says why it could not be read
            message = (
                f"currency {quoted(code)} is named, but Settings gives no currency for the "
                f"workbook{also}; add the setting currency (e.g. USD), the currency every "
                "amount is converted into."
            )
        elif currencies.unread or key in currencies.listed:
            continue
        else:
            where = "the Rates sheet" if currencies.sheet else "a Rates sheet (currency, rate)"
            message = (
                f"currency {quoted(code)} has no rate{also}; add it to {where} with the value "
                f"of one {code} in {currencies.own}."
            )
        found.add(error(table.sheet, table.ref("currency", table.rows[i]), message))


# Spellings of the common units, without spaces and dots, by the one that stands for them all.
UNITS = {
    "t": "t ton tons tonne tonnes mt metricton metrictons metrictonne metrictonnes",
    "kg": "kg kgs kilo kilos kilogram kilograms kilogramme kilogrammes",
    "g": "g gram grams gramme grammes",
    "lb": "lb lbs pound pounds",
    WHOLE: "pcs pc piece pieces unit units ea each",
}
UNIT_SPELLINGS = {spelling: unit for unit, words in UNITS.items() for spelling in words.split()}
# ISO 4217 codes taken for a currency in a header note (`Unit Price [USD/kg]`), besides the
# codes the workbook names; a sign only where it is unambiguous.
_ISO_CODES = (
    "usd eur gbp jpy cny chf cad aud nzd krw inr brl mxn zar sek nok dkk pln czk huf ron try "
    "rub sgd hkd twd thb idr myr php vnd sar aed ils kzt clp pen cop ars"
)
CURRENCY_CODES = frozenset(_ISO_CODES.split())
CURRENCY_SIGNS = {"€": "eur", "£": "gbp"}
_PER = re.compile(r"\s*(?:/|\bper\b)\s*", re.IGNORECASE)
# Columns whose header note may give a unit (quantities: the note; per unit: after its `/`)
# or a currency (before its `/`), by sheet.
QUANTITIES = {
    "offers": ("capacity", "min_order", "current_quantity", "tier_from"),
    "demand": ("quantity", "stock", "max_stock"),
}
PER_UNIT = {
    "offers": ("unit_price", "freight", "reserve_price", "co2"),
    "demand": ("stock_cost", "max_avg_co2"),
}
AMOUNTS = {
    "offers": ("unit_price", "freight", "fixed_cost", "reserve_price"),
    "demand": ("stock_cost",),
}


def unit_key(unit: str) -> str:
    """How units are compared: ignoring case, spaces and dots, each spelling of a common unit
    as that unit (`Tonnes` = `t`, `pieces` = `pcs`)."""
    key = re.sub(r"[\s.]+", "", unit).casefold()
    return UNIT_SPELLINGS.get(key, key)


def _header_notes(
    tables: dict[str, Table],
    materials: dict[str, Material],
    offers: list[Offer],
    currencies: Currencies,
    found: Collector,
) -> None:
    """A warning at each header whose note gives a unit that is not the unit of every material
    in Demand (when Demand gives units), or a currency other than that of the rows (the offers'
    currencies, the workbook's for Demand). A note is never a conversion."""
    units: dict[str, str] | None = None  # material -> its unit, found when a note needs them
    priced: dict[str, str] | None = None  # the offers' currencies: code_key -> as written
    for sheet in ("offers", "demand"):
        table = tables.get(sheet)
        if table is None:
            continue
        for column, note in table.notes.items():
            if note is None:
                continue
            before, after = [*_PER.split(note, maxsplit=1), None][:2]
            cell = f"{table.letters[column]}{table.header_row}"
            unit = None
            if column in QUANTITIES[sheet]:
                unit = before
            elif column in PER_UNIT[sheet]:
                unit = after
            if unit:
                if units is None:
                    units = {name: m.unit for name, m in materials.items() if m.unit is not None}
                message = _unit_note(column, unit, units)
                if message:
                    found.add(warning(table.sheet, cell, message))
            if before and column in AMOUNTS[sheet]:
                if priced is None:
                    priced = _priced(offers, currencies)
                own = {code_key(currencies.own): currencies.own} if currencies.own else {}
                rows = priced if sheet == "offers" else own
                message = _currency_note(sheet, column, before, rows, {**own, **priced})
                if message:
                    found.add(warning(table.sheet, cell, message))


def _priced(offers: list[Offer], currencies: Currencies) -> dict[str, str]:
    """The currencies the offers are priced in (blank: the workbook's, if it has one), by
    code_key, as first written."""
    priced: dict[str, str] = {}
    for offer in offers:
        code = offer.currency or currencies.own
        if code is not None:
            priced.setdefault(code_key(code), code)
    return priced


def _unit_note(column: str, unit: str, units: dict[str, str]) -> str | None:
    """The warning for a header note that gives `unit` in `column`, if a material (by name, its
    unit) is in another unit; None when the note is no unit the tool knows."""
    key = unit_key(unit)
    if not units or (key not in UNITS and key not in map(unit_key, units.values())):
        return None
    other = {name: u for name, u in units.items() if unit_key(u) != key}
    if not other:
        return None
    if len(other) == len(units) and len({unit_key(u) for u in other.values()}) == 1:
        in_what = f"every material in {next(iter(other.values()))}"
    else:
        shown = [f"{quoted(name)} in {u}" for name, u in list(other.items())[:3]]
        more = len(other) - len(shown)
        in_what = _and([*shown, f"{more:,} more"] if more else shown)
    return (
        f"{column}'s header gives the unit {unit}, but Demand counts {in_what}; quantities are "
        "read in each material's own unit (Demand.unit), never converted by a header. Check the "
        "numbers, then correct the header or the unit."
    )


def _currency_note(
    sheet: str, column: str, text: str, rows: dict[str, str], named: dict[str, str]
) -> str | None:
    """The warning for a header note that gives the currency `text` in `column`, if rows are
    priced in another one (`rows`, by code_key); None when `text` is no currency code (a common
    one, or one the workbook names: `named`)."""
    key = CURRENCY_SIGNS.get(text.strip(), code_key(text))
    if key not in CURRENCY_CODES and key not in named:
        return None
    other = sorted(code for k, code in rows.items() if k != key)
    if not other:
        return None
    if sheet == "offers":
        in_what = f"offers here are priced in {_and(other)}"
        rule = "each offer's own currency (Offers.currency, blank = the workbook's)"
    else:
        in_what = f"the workbook's currency is {other[0]}"
        rule = "the workbook's currency (Settings currency)"
    return (
        f"{column}'s header gives the currency {text.strip()}, but {in_what}; amounts are read "
        f"in {rule}, never converted by a header. Check the numbers, then correct the header or "
        "the currency."
    )


def _and(items: list[str]) -> str:
    """`a`, `a and b`, `a, b and c`."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"
