"""Validate a workbook's sheets once, at the boundary, into a `Problem`.

Every problem is collected with its `Sheet!Cell`, what was found and what is accepted;
`validate` raises `InvalidWorkbook` with all of them, or returns the problem and warnings.
Sheets are checked a column at a time (a workbook may hold hundreds of thousands of offers),
with the messages and the order of the checks of one cell after the other.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Hashable, Iterable, Iterator
from dataclasses import dataclass, field
from operator import itemgetter
from types import NoneType
from typing import Any, TypeVar

import numpy as np
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter
from pydantic import BaseModel

from optimizer.collector import collector_paused
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
    SETTINGS_BY_KEY,
    SHEETS,
    SHEETS_BY_KEY,
    Kind,
    SheetSpec,
    normalize,
)
from optimizer.reading.cells import ABSURD, CONVERTERS, CellProblem, Cells, convert_column, describe
from optimizer.reading.rows import CountryRow, DemandRow, GroupRow, OfferRow, ScenarioRow
from optimizer.reading.workbook import Cell, Sheet, Workbook

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")
K = TypeVar("K", bound=Hashable)

HEADER_SEARCH_ROWS = 11  # the header row may have up to ten rows of titles above it


def is_contract_sheet(name: str) -> bool:
    return normalize(name) in SHEETS_BY_KEY


@dataclass
class Table:
    """A contract sheet's data rows, column by column: `columns[name].values[i]` is the cell of
    column `name` in Excel row `rows[i]`, None when blank; rows with every cell blank are left
    out. Each column is checked and converted as a whole (see `optimizer.reading.cells.Cells`)."""

    spec: SheetSpec
    sheet: str  # the sheet's name as written in the workbook
    letters: dict[str, str]  # column name -> column letter
    rows: list[int]
    columns: dict[str, Cells]
    _converted: dict[str, tuple[list[Any], dict[int, str]]] = field(default_factory=dict)

    def ref(self, column: str, row: int) -> str:
        return f"{self.letters[column]}{row}"

    def records(self) -> Iterator[tuple[int, dict[str, Cell]]]:
        """Each row as `(excel_row, {column: cell})`, blanks left out."""
        for i, row in enumerate(self.rows):
            yield (
                row,
                {
                    name: cells.values[i]
                    for name, cells in self.columns.items()
                    if cells.values[i] is not None
                },
            )

    def converted(self, column: str) -> tuple[list[Any], dict[int, str]]:
        """The column's values (None where blank or not acceptable) and problems by position."""
        if column not in self._converted:
            kind = next(c.kind for c in self.spec.columns if c.name == column)
            self._converted[column] = convert_column(kind, self.columns[column])
        return self._converted[column]

    def complete(self, column: str) -> bool:
        """Whether every row has an acceptable cell in `column`."""
        return (
            column in self.columns
            and NoneType not in self.columns[column].types
            and not self.converted(column)[1]
        )

    def text(self, column: str) -> list[str | None]:
        """The text of `column` in every row where it is readable, valid row or not, so that a
        bad cell elsewhere in a row hides no duplicate and makes no false unknown name."""
        if column not in self.columns:
            return [None] * len(self.rows)
        return self.converted(column)[0]

    def names(self, column: str) -> set[str]:
        return set(self.text(column)) - {None}


@dataclass
class Collector:
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def add(self, diagnostic: Diagnostic) -> None:
        self.diagnostics.append(diagnostic)

    @property
    def has_errors(self) -> bool:
        return any(d.level is Level.ERROR for d in self.diagnostics)


def validate(workbook: Workbook) -> tuple[Problem, list[Diagnostic]]:
    """Return the resolved problem and the warnings, or raise InvalidWorkbook with every error."""
    with collector_paused():
        return _validate(workbook)


def _validate(workbook: Workbook) -> tuple[Problem, list[Diagnostic]]:
    found = Collector()
    tables = _find_tables(workbook, found)
    setting_rows: dict[str, int] = {}
    settings = _settings(tables.get("settings"), found, setting_rows)
    groups = _groups(tables.get("groups"), found)
    countries, defaults = _countries(tables.get("countries"), tables.get("groups"), found)
    offers_table, demand_table = tables.get("offers"), tables.get("demand")
    materials = _materials(demand_table, settings, found) if demand_table else {}
    offers: list[Offer] = []
    if offers_table is not None and demand_table is not None:
        material_names = demand_table.names("material")
        offers = _offers(
            offers_table,
            materials,
            material_names,
            _names(tables, "countries", "country"),
            defaults,
            settings,
            found,
        )
    scenarios = _scenarios(tables, found)
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
    )
    return problem, _sorted(found.diagnostics)


def _sorted(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    return sorted(diagnostics, key=lambda d: LEVEL_ORDER[d.level])


# --- sheets, header rows and columns ---------------------------------------------------------


def _find_tables(workbook: Workbook, found: Collector) -> dict[str, Table]:
    by_key: dict[str, str] = {}
    for name in workbook.sheet_names:
        key = normalize(name)
        if key == normalize(INSTRUCTIONS):
            continue
        if key not in SHEETS_BY_KEY:
            found.add(warning(name, "", f"Sheet '{name}' is not used by the optimizer; ignored."))
        elif key in by_key:
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
    tables: dict[str, Table] = {}
    for spec in SHEETS:
        key = normalize(spec.name)
        if key not in by_key:
            if spec.required:
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
        if key in by_key and by_key[key] in workbook.sheets:
            table = _table(spec, workbook.sheets[by_key[key]], found)
            if table is not None:
                tables[key] = table
    return tables


def _table(spec: SheetSpec, sheet: Sheet, found: Collector) -> Table | None:
    if sheet.hidden:
        found.add(warning(sheet.name, "", f"Sheet '{sheet.name}' is hidden; it was read anyway."))
    required = {c.name for c in spec.required_columns}
    known = {normalize(c.name): c.name for c in spec.columns}
    header_index = None
    for index, row in enumerate(sheet.rows[:HEADER_SEARCH_ROWS]):
        names = {normalize(v) for v in row if isinstance(v, str)}
        if required <= names:
            header_index = index
            break
    if header_index is None:
        found.add(_missing_header(spec, sheet))
        return None
    header_row = header_index + 1
    letters: dict[str, str] = {}
    positions: dict[str, int] = {}
    for position, value in enumerate(sheet.rows[header_index]):
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        letter = get_column_letter(position + 1)
        name = known.get(normalize(value)) if isinstance(value, str) else None
        if name is None:
            found.add(
                warning(
                    sheet.name,
                    f"{letter}{header_row}",
                    f"Column '{describe(value).strip(chr(39))}' is not used by the "
                    "optimizer; ignored.",
                )
            )
        elif name in letters:
            found.add(
                error(
                    sheet.name,
                    f"{letter}{header_row}",
                    f"Column '{name}' appears twice ({letters[name]}{header_row} and "
                    f"{letter}{header_row}); keep only one.",
                )
            )
        else:
            letters[name], positions[name] = letter, position
    data = sheet.rows[header_index + 1 :]
    width = max(positions.values(), default=-1) + 1
    if data and min(map(len, data)) < width:
        data = [row if len(row) >= width else [*row, *[None] * (width - len(row))] for row in data]
    columns = {
        name: _blanked(Cells.of(list(map(itemgetter(p), data)))) for name, p in positions.items()
    }
    rows = list(range(header_index + 2, header_index + 2 + len(data)))
    if columns and all(NoneType in cells.types for cells in columns.values()):
        blank_row = (None,) * len(columns)
        every = zip(*(cells.values for cells in columns.values()), strict=True)
        keep = [i for i, cells in enumerate(every) if cells != blank_row]
        rows = [rows[i] for i in keep]
        columns = {
            name: Cells([cells.values[i] for i in keep], cells.types)
            for name, cells in columns.items()
        }
    return Table(spec, sheet.name, letters, rows, columns)


def _blanked(cells: Cells) -> Cells:
    """`cells` with every blank one (None, or text of nothing but spaces) as None."""
    if not any(issubclass(t, str) for t in cells.types):
        return cells
    if cells.types <= {str, NoneType} and "" not in cells.stripped:
        return cells
    return Cells.of([None if _blank(cell) else cell for cell in cells.values])


def _blank(value: Cell) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _missing_header(spec: SheetSpec, sheet: Sheet) -> Diagnostic:
    required = [c.name for c in spec.required_columns]
    best_row, best_names = 0, set[str]()
    for index, row in enumerate(sheet.rows[:HEADER_SEARCH_ROWS]):
        names = {normalize(v) for v in row if isinstance(v, str)}
        if len(names & set(required)) > len(best_names & set(required)):
            best_row, best_names = index, names
    missing = [name for name in required if name not in best_names]
    if not any(sheet.rows[:HEADER_SEARCH_ROWS]):
        return error(
            sheet.name,
            "A1",
            f"Sheet '{sheet.name}' is empty; it needs a header row "
            f"with the columns {', '.join(required)}.",
        )
    return error(
        sheet.name,
        f"A{best_row + 1}",
        f"No header row with all required columns ({', '.join(required)}) in the first "
        f"{HEADER_SEARCH_ROWS} rows; missing: {', '.join(missing)}.",
    )


LARGEST = 1e10  # numbers beyond this range make the model badly scaled for the solver
SMALLEST = 1e-6


def _cell_warnings(table: Table, found: Collector) -> None:
    """Text Excel cannot store as it is, and magnitudes that would make the model badly scaled,
    row by row; only the cells that a check of the whole column singles out are looked at."""
    flagged: list[tuple[int, int, Diagnostic]] = []
    for order, (column, cells) in enumerate(table.columns.items()):
        for i in _unusual(cells):
            for diagnostic in _cell_warning(table, column, table.rows[i], cells.values[i]):
                flagged.append((i, order, diagnostic))
    flagged.sort(key=lambda item: item[:2])
    for *_, diagnostic in flagged:
        found.add(diagnostic)


def _unusual(cells: Cells) -> list[int]:
    """The positions of every cell that may need a warning (and some that don't)."""
    values, types = cells.values, cells.types
    unusual: set[int] = set()
    if any(issubclass(t, str) for t in types):
        text = (
            values
            if types <= {str, NoneType}
            else [c if isinstance(c, str) else "" for c in values]
        )
        control = ILLEGAL_CHARACTERS_RE.search("".join(filter(None, text)))
        if control or max(map(len, filter(None, text)), default=0) > EXCEL_MAX_TEXT:
            unusual.update(i for i, c in enumerate(text) if c)
    if types & {float, int}:
        size = np.abs(cells.numbers)
        unusual.update(np.flatnonzero((size > LARGEST) | ((size > 0) & (size < SMALLEST))).tolist())
    others = types - {str, float, int, NoneType}
    if others:  # bool, dates, errors; and subclasses of int and float
        unusual.update(i for i, c in enumerate(values) if type(c) in others)
    return sorted(unusual)


def _cell_warning(table: Table, column: str, row: int, value: Cell) -> list[Diagnostic]:
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
        if len(value) > EXCEL_MAX_TEXT:
            found.append(
                warning(
                    table.sheet,
                    table.ref(column, row),
                    f"{column} is {len(value):,} characters long; the output keeps the "
                    f"first {EXCEL_MAX_TEXT:,}, Excel's limit.",
                )
            )
    elif isinstance(value, int | float) and not isinstance(value, bool):
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


@dataclass
class Parsed:
    """The rows of a table whose every cell is acceptable: their Excel rows and, for every field
    of the row model, the values in those rows (a blank cell gives the field's default)."""

    rows: list[int]
    columns: dict[str, list[Any]]

    def models(self, model: type[M]) -> list[tuple[int, M]]:
        return list(zip(self.rows, construct_all(model, **self.columns), strict=True))


def _parse(table: Table, model: type[BaseModel], found: Collector) -> Parsed:
    """Validate every data row for `model`, a column at a time, collecting every cell's problem
    in the order of the rows, then of the model's fields."""
    _cell_warnings(table, found)
    kinds = {c.name: c.kind for c in table.spec.columns}
    problems: list[tuple[int, int, Diagnostic]] = []
    columns: dict[str, list[Any]] = {}
    for order, (name, spec) in enumerate(model.model_fields.items()):
        if name in table.columns:
            values, bad = table.converted(name)
            blanks = bool(bad) or NoneType in table.columns[name].types
        else:
            values, bad, blanks = [None] * len(table.rows), {}, True
        for i, message in bad.items():
            problems.append(
                (i, order, error(table.sheet, table.ref(name, table.rows[i]), f"{name} {message}."))
            )
        if blanks and spec.is_required():
            letter = table.letters.get(name)
            for i, value in enumerate(values):
                if value is None and i not in bad:
                    cell = f"{letter}{table.rows[i]}" if letter else ""
                    message = f"{name} is blank; expected {EXPECTED[kinds[name]]}."
                    problems.append((i, order, error(table.sheet, cell, message)))
        elif blanks and spec.default is not None:
            values = [spec.default if value is None else value for value in values]
        columns[name] = values
    problems.sort(key=lambda item: item[:2])
    for *_, diagnostic in problems:
        found.add(diagnostic)
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
    for row, name, first in repeats:
        found.add(
            error(
                table.sheet,
                table.ref(key, row),
                f"{key} '{name}' appears again (first in row {first}); each may appear only once.",
            )
        )
    return _unrepeated(parsed, repeats)


def _unrepeated(parsed: Parsed, repeats: list[tuple[int, Any, int]]) -> list[int]:
    """The positions in `parsed` of the rows that are not `repeats`."""
    later = {row for row, *_ in repeats}
    return [i for i, row in enumerate(parsed.rows) if row not in later]


# --- one function per sheet --------------------------------------------------------------------


def _settings(table: Table | None, found: Collector, rows: dict[str, int]) -> Settings | None:
    """The settings, with the row of each one set in `rows`."""
    if table is None:
        return Settings()
    values: dict[str, Any] = {}
    seen: dict[str, int] = {}
    for row, cells in table.records():
        name_cell = cells.get("setting")
        if name_cell is None:
            found.add(
                error(
                    table.sheet,
                    table.ref("setting", row),
                    "setting is blank but the row has a value; name the setting.",
                )
            )
            continue
        key = normalize(name_cell)
        spec = SETTINGS_BY_KEY.get(key)
        if spec is None:
            found.add(
                warning(
                    table.sheet,
                    table.ref("setting", row),
                    f"Setting {describe(name_cell)} is not known; ignored. Known "
                    f"settings: {', '.join(SETTINGS_BY_KEY)}.",
                )
            )
            continue
        if key in seen:
            found.add(
                error(
                    table.sheet,
                    table.ref("setting", row),
                    f"Setting '{spec.name}' appears again (first in row {seen[key]}).",
                )
            )
            continue
        seen[key] = row
        value = cells.get("value")
        if value is not None:
            rows[spec.name] = row
        if value is None:
            continue
        try:
            if spec.kind is None:
                word = normalize(value)
                if word not in spec.choices:
                    raise CellProblem(f"is {describe(value)}; expected {' or '.join(spec.choices)}")
                values[spec.name] = word
            else:
                values[spec.name] = CONVERTERS[spec.kind](value)
        except CellProblem as problem:
            cell = table.ref("value", row) if "value" in table.letters else ""
            found.add(error(table.sheet, cell, f"{spec.name} {problem}."))
    return Settings.model_validate(values)


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
    table: Table | None, groups_table: Table | None, found: Collector
) -> tuple[dict[str, Country], dict[str, CountryDefaults]]:
    if table is None:
        return {}, {}
    groups = groups_table.names("group") if groups_table else set()
    parsed = _parse(table, CountryRow, found)
    items = parsed.models(CountryRow)
    rows = {items[i][1].country: items[i] for i in _duplicates(table, parsed, "country", found)}
    countries: dict[str, Country] = {}
    for name, (row, item) in rows.items():
        if item.group is not None and item.group not in groups:
            message = f"group '{item.group}' is not listed in the Groups sheet"
            if groups_table is not None:
                found.add(
                    error(
                        table.sheet,
                        table.ref("group", row),
                        f"{message}{_did_you_mean(item.group, groups)}; add it there or "
                        "correct the name.",
                    )
                )
            else:
                found.add(
                    warning(
                        table.sheet,
                        table.ref("group", row),
                        f"{message} (there is no Groups sheet), so it has no effect.",
                    )
                )
        countries[name] = Country(
            name=name, max_share=item.max_share, group=item.group, risk=item.risk, row=row
        )
    defaults = {
        name: CountryDefaults(item.risk, item.tariff, item.embargo)
        for name, (_, item) in rows.items()
    }
    return countries, defaults


def _did_you_mean(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.75)
    return f" (did you mean '{close[0]}'?)" if close else ""


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
        for name in ("max_country_share", "max_supplier_share", "max_avg_risk")
        if getattr(defaults, name) is not None
    }
    blank = [column[name] for name in defaultable]
    defaulted = (
        [
            frozenset(
                name for name, value in zip(defaultable, values, strict=True) if value is None
            )
            for values in zip(*blank, strict=True)
        ]
        if blank
        else [frozenset()] * len(rows)
    )
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
    )
    return {material.name: material for material in materials}


def _filled(values: list[T | None], default: T) -> list[T]:
    """`values` with the default for every None."""
    if default is None or None not in values:
        return values  # type: ignore[return-value]
    if values.count(None) == len(values):
        return [default] * len(values)
    return [default if value is None else value for value in values]


def _offers(
    table: Table,
    materials: dict[str, Material],
    material_names: set[str],
    country_names: set[str],
    country_defaults: dict[str, CountryDefaults],
    settings: Settings | None,
    found: Collector,
) -> list[Offer]:
    """Offers with their defaults resolved; names are checked against every row of Demand and
    Countries (`*_names`), so a bad cell there raises no second, false error here."""
    parsed = _parse(table, OfferRow, found)
    risk_matters = settings is not None and (
        settings.risk_price > 0 or any(m.max_avg_risk is not None for m in materials.values())
    )
    suppliers, offered = table.text("supplier"), table.text("material")
    if table.complete("supplier") and table.complete("material"):
        pairs: list[tuple[str, str] | None] = list(zip(suppliers, offered, strict=True))
    else:
        pairs = [
            None if supplier is None or material is None else (supplier, material)
            for supplier, material in zip(suppliers, offered, strict=True)
        ]
    repeats = _repeats(table.rows, pairs)
    for row, (supplier, material), first in repeats:
        found.add(
            error(
                table.sheet,
                table.ref("supplier", row),
                f"supplier '{supplier}' already offers '{material}' in row "
                f"{first}; each (supplier, material) pair may appear only once.",
            )
        )
    column = parsed.columns
    keep = _unrepeated(parsed, repeats) if repeats else None  # None: every row
    offered_names = set(column["material"])
    if not offered_names <= materials.keys() or (
        country_names and not set(column["country"]) <= country_names
    ):
        every = range(len(parsed.rows)) if keep is None else keep
        keep = _known_names(table, parsed, every, materials, material_names, country_names, found)
    if keep is not None:
        rows = [parsed.rows[i] for i in keep]
        column = {name: [values[i] for i in keep] for name, values in column.items()}
        offered_names = set(column["material"])
    else:
        rows = parsed.rows
    countries = column["country"]
    tariffs = {name: d.tariff for name, d in country_defaults.items() if d.tariff is not None}
    risks = {name: d.risk for name, d in country_defaults.items() if d.risk is not None}
    embargoed = {name for name, d in country_defaults.items() if d.embargo}
    tariff = _filled_by_country(column["tariff"], countries, tariffs, 0.0)
    risk = _filled_by_country(column["risk"], countries, risks, None)
    unscored = [i for i, value in enumerate(risk) if value is None] if None in risk else []
    min_order, capacity = column["min_order"], column["capacity"]
    flagged: list[tuple[int, int, Diagnostic]] = []  # (offer, check, warning): offer by offer
    if risk_matters:
        cell = "risk" if "risk" in table.letters else "supplier"
        for i in unscored:
            message = (
                f"No risk score for '{column['supplier'][i]}' ({countries[i]}) in Offers or "
                "Countries; its risk is taken as 0."
            )
            flagged.append((i, 0, warning(table.sheet, table.ref(cell, rows[i]), message)))
    if any(min_order):
        for i, (least, most) in enumerate(zip(min_order, capacity, strict=True)):
            if least and most is not None and least > most:
                message = (
                    f"min_order {describe(least)} is above the capacity {describe(most)}; "
                    "this offer can never be used."
                )
                flagged.append(
                    (i, 1, warning(table.sheet, table.ref("min_order", rows[i]), message))
                )
    for *_, diagnostic in sorted(flagged, key=lambda item: item[:2]):
        found.add(diagnostic)
    offers = construct_all(
        Offer,
        index=range(len(rows)),
        supplier=column["supplier"],
        country=countries,
        material=column["material"],
        unit_price=column["unit_price"],
        capacity=capacity,
        freight=column["freight"],
        tariff=tariff,
        risk=_filled(risk, 0.0),
        min_order=min_order,
        fixed_cost=column["fixed_cost"],
        current_quantity=column["current_quantity"],
        embargoed=[country in embargoed for country in countries]
        if embargoed
        else [False] * len(rows),
        row=rows,
    )
    if unscored and not risk_matters:
        found.add(
            warning(
                table.sheet,
                "",
                f"{_offers_count(len(unscored))} no risk score in Offers or Countries (first in "
                f"row {rows[unscored[0]]}); their risk is taken as 0. This matters only with a "
                "risk cap or a risk price.",
            )
        )
    if not table.rows:
        found.add(
            error(
                table.sheet, "", "The Offers sheet lists no offer; add one row per supplier offer."
            )
        )
    for name, material in materials.items():
        if name not in offered_names and not found.has_errors:
            found.add(
                warning(
                    DEMAND.name,
                    material.quantity_cell,
                    f"No offer for material '{name}'; its demand cannot be met.",
                )
            )
    return offers


def _known_names(
    table: Table,
    parsed: Parsed,
    keep: Iterable[int],
    materials: dict[str, Material],
    material_names: set[str],
    country_names: set[str],
    found: Collector,
) -> list[int]:
    """The positions in `keep` of the offers whose material has a valid Demand row and whose
    country is listed (or only looks unlisted); an error or a note for each other one."""
    known = []
    for i in keep:
        row = parsed.rows[i]
        material, country = parsed.columns["material"][i], parsed.columns["country"][i]
        if material not in material_names:
            listed = ", ".join(sorted(material_names)) or "none"
            found.add(
                error(
                    table.sheet,
                    table.ref("material", row),
                    f"material '{material}' is not in the Demand sheet"
                    f"{_did_you_mean(material, material_names)}; materials there: "
                    f"{listed}.",
                )
            )
            continue
        if material not in materials:
            continue  # its Demand row has an error of its own
        if country_names and country not in country_names:
            hint = _did_you_mean(country, country_names)
            if hint:
                found.add(
                    error(
                        table.sheet,
                        table.ref("country", row),
                        f"country '{country}' is not in the Countries sheet{hint}; "
                        "correct the spelling or add the country there.",
                    )
                )
                continue
            found.add(
                info(
                    table.sheet,
                    table.ref("country", row),
                    f"country '{country}' is not in the Countries sheet; only the "
                    "default limits apply to it.",
                )
            )
        known.append(i)
    return known


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


def _names(tables: dict[str, Table], sheet: str, column: str) -> set[str]:
    table = tables.get(sheet)
    return table.names(column) if table is not None else set()


def _offers_count(count: int) -> str:
    return "1 offer has" if count == 1 else f"{count:,} offers have"


def _scenarios(tables: dict[str, Table], found: Collector) -> list[Scenario]:
    """Rows with the same scenario name form one scenario; every name they use must exist."""
    table = tables.get("scenarios")
    if table is None:
        return []
    known = {
        "country": _names(tables, "offers", "country") | _names(tables, "countries", "country"),
        "supplier": _names(tables, "offers", "supplier"),
        "material": _names(tables, "demand", "material"),
    }
    scenarios: dict[str, list[Disruption]] = {}
    for row, item in _parse(table, ScenarioRow, found).models(ScenarioRow):
        for column, names in known.items():
            name = getattr(item, column)
            if name is not None and name not in names:
                found.add(
                    error(
                        table.sheet,
                        table.ref(column, row),
                        f"{column} '{name}' does not appear in the workbook"
                        f"{_did_you_mean(name, names)}; correct the name.",
                    )
                )
        disruption = Disruption(
            country=item.country,
            supplier=item.supplier,
            material=item.material,
            capacity_factor=item.capacity_factor,
            price_factor=item.price_factor,
        )
        scenarios.setdefault(item.scenario, []).append(disruption)
    return [Scenario(name=name, disruptions=rows) for name, rows in scenarios.items()]
