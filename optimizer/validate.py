"""Validate a workbook's sheets once, at the boundary, into a `Problem`.

Every problem is collected with its `Sheet!Cell`, what was found and what is accepted;
`validate` raises `InvalidWorkbook` with all of them, or returns the problem and warnings.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter
from pydantic import BaseModel, ValidationError

from optimizer.cells import ABSURD, CONVERTERS, CellProblem, describe, to_text
from optimizer.diagnostics import (
    LEVEL_ORDER,
    Diagnostic,
    InvalidWorkbook,
    Level,
    error,
    info,
    warning,
)
from optimizer.models import (
    Country,
    CountryRow,
    DemandRow,
    Disruption,
    Group,
    GroupRow,
    Material,
    Offer,
    OfferRow,
    Problem,
    Scenario,
    ScenarioRow,
    Settings,
)
from optimizer.read import Cell, Sheet, Workbook
from optimizer.schema import (
    DEMAND,
    SETTINGS_BY_KEY,
    SHEETS,
    SHEETS_BY_KEY,
    Kind,
    SheetSpec,
    normalize,
)
from optimizer.template import INSTRUCTIONS
from optimizer.write import EXCEL_MAX_TEXT

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")

HEADER_SEARCH_ROWS = 11  # the header row may have up to ten rows of titles above it


def is_contract_sheet(name: str) -> bool:
    return normalize(name) in SHEETS_BY_KEY


@dataclass
class Table:
    """A contract sheet's data rows: `(excel_row, {column: cell})`, blanks left out."""

    spec: SheetSpec
    sheet: str  # the sheet's name as written in the workbook
    letters: dict[str, str]  # column name -> column letter
    rows: list[tuple[int, dict[str, Cell]]]

    def ref(self, column: str, row: int) -> str:
        return f"{self.letters[column]}{row}"

    def names(self, column: str) -> dict[int, str]:
        """The text of `column` in every row where it is readable, valid row or not, so that a
        bad cell elsewhere in a row hides no duplicate and makes no false unknown name."""
        names = {}
        for row, cells in self.rows:
            try:
                names[row] = to_text(cells[column]) if column in cells else None
            except CellProblem:
                continue
            if names[row] is None:
                del names[row]
        return names


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
    found = Collector()
    tables = _find_tables(workbook, found)
    settings = _settings(tables.get("settings"), found)
    groups = _groups(tables.get("groups"), found)
    countries, defaults = _countries(tables.get("countries"), tables.get("groups"), found)
    offers_table, demand_table = tables.get("offers"), tables.get("demand")
    materials = _materials(demand_table, settings, found) if demand_table else {}
    offers: list[Offer] = []
    if offers_table is not None and demand_table is not None:
        material_names = set(demand_table.names("material").values())
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
    rows: list[tuple[int, dict[str, Cell]]] = []
    for index in range(header_index + 1, len(sheet.rows)):
        row = sheet.rows[index]
        cells = {name: row[p] for name, p in positions.items() if p < len(row)}
        cells = {name: v for name, v in cells.items() if not _blank(v)}
        if cells:
            rows.append((index + 1, cells))
    return Table(spec, sheet.name, letters, rows)


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


def _cell_warnings(table: Table, row: int, cells: dict[str, Cell], found: Collector) -> None:
    """Text Excel cannot store as it is, and magnitudes that would make the model badly scaled."""
    for column, value in cells.items():
        if isinstance(value, str):
            if ILLEGAL_CHARACTERS_RE.search(value):
                found.add(
                    warning(
                        table.sheet,
                        table.ref(column, row),
                        f"{column} holds control characters that Excel cannot store; they are "
                        "left out in the output.",
                    )
                )
            if len(value) > EXCEL_MAX_TEXT:
                found.add(
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
                continue  # an error of its own (see `_parse_rows`)
            if size > LARGEST or 0 < size < SMALLEST:
                found.add(
                    warning(
                        table.sheet,
                        table.ref(column, row),
                        f"{column} is {value:g}, an extreme magnitude: when numbers differ by "
                        "more than about a billion times the solver loses accuracy. Check the "
                        "unit (kg or t, dollars or millions).",
                    )
                )


def _parse_rows(table: Table, model: type[M], found: Collector) -> list[tuple[int, M]]:
    """Validate each data row into `model`, collecting every cell's problem."""
    parsed: list[tuple[int, M]] = []
    for row, cells in table.rows:
        _cell_warnings(table, row, cells, found)
        try:
            parsed.append((row, model.model_validate(cells)))
        except ValidationError as exc:
            for problem in exc.errors():
                column = str(problem["loc"][0])
                if problem["type"] == "missing":
                    column_spec = next(c for c in table.spec.columns if c.name == column)
                    letter = table.letters.get(column)
                    cell = f"{letter}{row}" if letter else ""
                    found.add(
                        error(
                            table.sheet,
                            cell,
                            f"{column} is blank; expected {EXPECTED[column_spec.kind]}.",
                        )
                    )
                else:
                    found.add(
                        error(table.sheet, table.ref(column, row), f"{column} {problem['msg']}.")
                    )
    return parsed


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


def _duplicates(
    table: Table, rows: list[tuple[int, M]], key: str, found: Collector
) -> dict[str, tuple[int, M]]:
    """The valid rows by their `key`, each name once; every repeat is an error."""
    first: dict[str, int] = {}
    for row, name in table.names(key).items():
        if name in first:
            found.add(
                error(
                    table.sheet,
                    table.ref(key, row),
                    f"{key} '{name}' appears again (first in row {first[name]}); "
                    "each may appear only once.",
                )
            )
        else:
            first[name] = row
    return {
        getattr(item, key): (row, item)
        for row, item in rows
        if first.get(getattr(item, key)) == row
    }


# --- one function per sheet --------------------------------------------------------------------


def _settings(table: Table | None, found: Collector) -> Settings | None:
    if table is None:
        return Settings()
    values: dict[str, Any] = {}
    seen: dict[str, int] = {}
    for row, cells in table.rows:
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
    rows = _duplicates(table, _parse_rows(table, GroupRow, found), "group", found)
    groups: dict[str, Group] = {}
    for name, (row, item) in rows.items():
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
        groups[name] = Group(name=name, max_share=item.max_share, min_share=item.min_share)
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
    groups = set(groups_table.names("group").values()) if groups_table else set()
    rows = _duplicates(table, _parse_rows(table, CountryRow, found), "country", found)
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
            name=name, max_share=item.max_share, group=item.group, risk=item.risk
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
    rows = _duplicates(table, _parse_rows(table, DemandRow, found), "material", found)
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
    return {
        name: Material(
            name=name,
            quantity=item.quantity,
            max_country_share=_first(item.max_country_share, defaults.max_country_share),
            max_supplier_share=_first(item.max_supplier_share, defaults.max_supplier_share),
            max_avg_risk=_first(item.max_avg_risk, defaults.max_avg_risk),
            max_suppliers=item.max_suppliers,
            row=row,
            quantity_cell=table.ref("quantity", row),
        )
        for name, (row, item) in rows.items()
    }


def _first(value: T | None, default: T) -> T:
    return default if value is None else value


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
    rows = _parse_rows(table, OfferRow, found)
    risk_matters = settings is not None and (
        settings.risk_price > 0 or any(m.max_avg_risk is not None for m in materials.values())
    )
    suppliers, offered = table.names("supplier"), table.names("material")
    first: dict[tuple[str, str], int] = {}
    for row in sorted(suppliers.keys() & offered.keys()):
        key = (suppliers[row], offered[row])
        if key in first:
            found.add(
                error(
                    table.sheet,
                    table.ref("supplier", row),
                    f"supplier '{key[0]}' already offers '{key[1]}' in row "
                    f"{first[key]}; each (supplier, material) pair may appear only once.",
                )
            )
        else:
            first[key] = row
    offers: list[Offer] = []
    unscored: list[int] = []
    for row, item in rows:
        if first.get((item.supplier, item.material)) != row:
            continue
        if item.material not in material_names:
            listed = ", ".join(sorted(material_names)) or "none"
            found.add(
                error(
                    table.sheet,
                    table.ref("material", row),
                    f"material '{item.material}' is not in the Demand sheet"
                    f"{_did_you_mean(item.material, material_names)}; materials there: "
                    f"{listed}.",
                )
            )
            continue
        if item.material not in materials:
            continue  # its Demand row has an error of its own
        if country_names and item.country not in country_names:
            hint = _did_you_mean(item.country, country_names)
            if hint:
                found.add(
                    error(
                        table.sheet,
                        table.ref("country", row),
                        f"country '{item.country}' is not in the Countries sheet{hint}; "
                        "correct the spelling or add the country there.",
                    )
                )
                continue
            found.add(
                info(
                    table.sheet,
                    table.ref("country", row),
                    f"country '{item.country}' is not in the Countries sheet; only the "
                    "default limits apply to it.",
                )
            )
        defaults = country_defaults.get(item.country, CountryDefaults(None, None, False))
        risk = _first(item.risk, defaults.risk)
        if risk is None:
            unscored.append(row)
        if risk is None and risk_matters:
            found.add(
                warning(
                    table.sheet,
                    table.ref("risk" if "risk" in table.letters else "supplier", row),
                    f"No risk score for '{item.supplier}' ({item.country}) in Offers or "
                    "Countries; its risk is taken as 0.",
                )
            )
        if item.min_order and item.capacity is not None and item.min_order > item.capacity:
            found.add(
                warning(
                    table.sheet,
                    table.ref("min_order", row),
                    f"min_order {describe(item.min_order)} is above the capacity "
                    f"{describe(item.capacity)}; this offer can never be used.",
                )
            )
        offers.append(
            Offer(
                index=len(offers),
                supplier=item.supplier,
                country=item.country,
                material=item.material,
                unit_price=item.unit_price,
                capacity=item.capacity,
                freight=item.freight,
                tariff=_first(item.tariff, _first(defaults.tariff, 0.0)),
                risk=_first(risk, 0.0),
                min_order=item.min_order,
                fixed_cost=item.fixed_cost,
                current_quantity=item.current_quantity,
                embargoed=defaults.embargo,
                row=row,
            )
        )
    if unscored and not risk_matters:
        found.add(
            warning(
                table.sheet,
                "",
                f"{_offers_count(len(unscored))} no risk score in Offers or Countries (first in "
                f"row {unscored[0]}); their risk is taken as 0. This matters only with a risk cap "
                "or a risk price.",
            )
        )
    if not table.rows:
        found.add(
            error(
                table.sheet, "", "The Offers sheet lists no offer; add one row per supplier offer."
            )
        )
    offered = {o.material for o in offers}
    for name, material in materials.items():
        if name not in offered and not found.has_errors:
            found.add(
                warning(
                    DEMAND.name,
                    material.quantity_cell,
                    f"No offer for material '{name}'; its demand cannot be met.",
                )
            )
    return offers


def _names(tables: dict[str, Table], sheet: str, column: str) -> set[str]:
    table = tables.get(sheet)
    return set(table.names(column).values()) if table is not None else set()


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
    for row, item in _parse_rows(table, ScenarioRow, found):
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
