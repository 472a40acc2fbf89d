"""The typed inputs of a validated workbook, every default resolved: offers, materials,
countries, groups, settings and scenarios, gathered in a `Problem`, with the offers' data as
arrays (`OfferData`) for the model, the check of a plan and the report."""

from __future__ import annotations

import operator
from collections import deque
from collections.abc import Iterator, Sequence
from functools import cached_property
from itertools import repeat
from typing import Any, NamedTuple, TypeVar

import numpy as np
from pydantic import BaseModel, ConfigDict

from optimizer.contract import rules

M = TypeVar("M", bound=BaseModel)


class Row(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Settings(Row):
    """The Settings sheet, after validation (see `optimizer.contract.schema.SETTING_SPECS`)."""

    max_country_share: float = 1.0
    max_supplier_share: float = 1.0
    max_avg_risk: float | None = None
    risk_price: float = 0.0
    max_country_spend_share: float | None = None
    shortfall_penalty: float | None = None
    solver: str = "highs"
    time_limit: float = 60.0
    frontier_points: int | None = None
    currency: str | None = None  # the workbook's currency code, shown with every amount
    survive: tuple[str, ...] = ()  # disruptions every plan must withstand (see Resilience)
    min_cover: float = 1.0
    country_floor: float = 0.05
    discount: str = "all_units"  # how price tiers apply: all_units or incremental


class Offer(Row):
    """One offer with every default resolved; `index` is its position in `Problem.offers`."""

    index: int
    supplier: str
    country: str
    material: str
    unit_price: float
    capacity: float | None
    freight: float
    tariff: float
    risk: float
    min_order: float | None
    fixed_cost: float | None
    current_quantity: float | None
    embargoed: bool
    row: int  # Excel row in the Offers sheet
    origin: str | None = None  # where the material was first produced, when not `country`
    currency: str | None = None  # the currency its money was given in (already converted)
    reserve_price: float | None = None  # per unit of capacity reserved; None: not reservable
    co2: float | None = None  # emissions per unit
    tiers: tuple[tuple[float, float], ...] = ()  # (tier_from, unit_price) of each price tier
    rows: tuple[int, ...] = ()  # Excel rows of its further price tiers
    held: bool = False  # its capacity is a scenario's: advice never raises it

    @property
    def landed_unit_cost(self) -> float:
        return rules.landed_unit_cost(self.unit_price, self.tariff, self.freight)


class Material(Row):
    """One material's demand with its caps resolved against the settings."""

    name: str
    quantity: float
    max_country_share: float
    max_supplier_share: float
    max_avg_risk: float | None
    max_suppliers: int | None
    row: int
    quantity_cell: str = ""  # where the demand stands, e.g. "B3"
    defaulted: frozenset[str] = frozenset()  # fields blank in its row, taken from Settings
    unit: str | None = None  # its unit of quantity (t, kg, pcs)
    whole: bool = False  # counted in pieces: bought, reserved and stocked in whole units
    min_award: float | None = None
    min_countries: int | None = None
    max_avg_co2: float | None = None
    stock: float = 0.0  # units on hand that can stand in for lost supply
    stock_cost: float | None = None  # per unit of stock added; None: none can be added
    max_stock: float | None = None  # None: up to the demand
    min_cover: float = 1.0  # its own, else Settings min_cover


class Country(Row):
    name: str
    max_share: float | None
    group: str | None
    risk: float | None = None  # the Countries sheet's risk score, for governance-weighted HHI
    row: int = 0  # Excel row in the Countries sheet
    embargo: bool = False  # no offer from or originating in it may be used


class Group(Row):
    name: str
    max_share: float | None
    min_share: float | None
    row: int = 0  # Excel row in the Groups sheet


class Sources(Row):
    """Where the workbook's values stand, so that a message points at the cell that defines a
    limit (`Countries!C5`, `Settings!B2`)."""

    sheets: dict[str, str] = {}  # contract sheet ("Offers") -> its name in the workbook
    letters: dict[str, dict[str, str]] = {}  # contract sheet -> column -> column letter
    settings: dict[str, int] = {}  # setting name -> its row in the Settings sheet

    def cell(self, sheet: str, column: str, row: int) -> tuple[str, str]:
        """The sheet's name as written and the cell of `column` in `row` ("" when the sheet has
        no such column)."""
        letter = self.letters.get(sheet, {}).get(column)
        return self.sheets.get(sheet, sheet), f"{letter}{row}" if letter else ""

    def setting(self, name: str) -> tuple[str, str] | None:
        """Where the Settings sheet sets `name`, if it does."""
        row = self.settings.get(name)
        return None if row is None else self.cell("Settings", "value", row)


class Disruption(Row):
    """One row of a scenario: which offers it hits and how. Blank country, supplier and material
    mean every offer."""

    country: str | None
    supplier: str | None
    material: str | None
    capacity_factor: float
    price_factor: float

    def hits(self, offer: Offer) -> bool:
        """Whether this row hits `offer`: its country is the one the offer ships from or
        originates in, its supplier the offer's, its material the offer's (blank: any)."""
        return (
            self.country in (None, offer.country, offer.origin)
            and self.supplier in (None, offer.supplier)
            and self.material in (None, offer.material)
        )


class Scenario(Row):
    name: str
    disruptions: list[Disruption]
    row: int = 0  # Excel row of its first line in the Scenarios sheet

    def factors(self, offer: Offer) -> tuple[float, float]:
        """The factors on the offer's capacity and price: those of every row that hits it,
        multiplied (1, 1 when none does)."""
        capacity, price = 1.0, 1.0
        for disruption in self.disruptions:
            if disruption.hits(offer):
                capacity *= disruption.capacity_factor
                price *= disruption.price_factor
        return capacity, price


class Problem(BaseModel):
    """Everything the optimiser needs, validated and resolved, keyed by the workbook's own names."""

    model_config = ConfigDict(frozen=True)

    offers: list[Offer]
    materials: dict[str, Material]
    countries: dict[str, Country]
    groups: dict[str, Group]
    settings: Settings
    scenarios: list[Scenario] = []
    sources: Sources = Sources()
    rates: dict[str, float] = {}  # currency code (as the Rates sheet writes it) -> its rate

    @cached_property
    def offers_by_material(self) -> dict[str, list[Offer]]:
        by_material: dict[str, list[Offer]] = {name: [] for name in self.materials}
        for offer in self.offers:
            by_material[offer.material].append(offer)
        return by_material

    @cached_property
    def data(self) -> OfferData:
        """The offers' data as arrays, made once per problem: the model, the check of a plan and
        the report all read them."""
        return OfferData.of(self)

    def country_cap(self, material: str, country: str) -> float:
        """The cap on `country`'s share of `material` (`rules.country_cap`)."""
        own = self.countries[country].max_share if country in self.countries else None
        return float(
            rules.country_cap(
                self.materials[material].max_country_share, np.nan if own is None else own
            )
        )

    @cached_property
    def tiered(self) -> list[int]:
        """The indices of the offers with price tiers."""
        return [o.index for o in self.offers if len(o.tiers) > 1]

    @cached_property
    def ladder(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every price tier of the offers with tiers, offer by offer and in order: its offer's
        index, its tier_from and its landed unit cost (tariff and freight added)."""
        tiers = [(o, b, p) for o in self.tiered for b, p in self.offers[o].tiers]
        offer = np.array([o for o, _, _ in tiers], dtype=np.int64)
        start = np.array([b for _, b, _ in tiers], dtype=np.float64)
        price = np.array([p for _, _, p in tiers], dtype=np.float64)
        tariff = np.array([self.offers[o].tariff for o in offer.tolist()], dtype=np.float64)
        freight = np.array([self.offers[o].freight for o in offer.tolist()], dtype=np.float64)
        return offer, start, rules.landed_unit_cost(price, tariff, freight)

    def landed_paid(self, quantities: np.ndarray) -> np.ndarray:
        """Each offer's landed unit cost as paid for `quantities` (by offer index): its landed
        unit cost, or for an offer with price tiers the average over the units bought
        (`rules.tiered_unit_price`), tariff and freight added as for any price."""
        landed = self.data.landed
        if not self.tiered:
            return landed
        paid = landed.copy()  # an offer not bought pays its first tier's price
        discount = self.settings.discount
        for i in self._bought_tiered(quantities):
            offer = self.offers[i]
            price = rules.tiered_unit_price(float(quantities[i]), offer.tiers, discount)
            paid[i] = rules.landed_unit_cost(price, offer.tariff, offer.freight)
        return paid

    def tiers_reached(self, quantities: np.ndarray) -> np.ndarray:
        """Each offer's price tier reached for `quantities`, counting from 1 (0 for an offer
        without tiers)."""
        reached = np.zeros(len(self.offers), dtype=np.int64)
        reached[self.tiered] = 1  # an offer not bought reaches its first tier
        discount = self.settings.discount
        for i in self._bought_tiered(quantities):
            starts = [start for start, _ in self.offers[i].tiers]
            reached[i] = rules.tier_reached(float(quantities[i]), starts, discount) + 1
        return reached

    def _bought_tiered(self, quantities: np.ndarray) -> list[int]:
        tiered = np.array(self.tiered, dtype=np.int64)
        return tiered[quantities[tiered] > 0].tolist()

    def group_of(self, country: str) -> str | None:
        entry = self.countries.get(country)
        return entry.group if entry is not None and entry.group in self.groups else None

    def replace(self, **changes: object) -> Problem:
        """A new problem with some fields changed (never a copy that shares cached values)."""
        fields = {name: getattr(self, name) for name in type(self).model_fields}
        return Problem.model_validate({**fields, **changes})


def construct_all(model: type[M], **columns: Sequence[Any]) -> list[M]:
    """One `model` per row of `columns` (the values of fields, row by row; a field not given
    takes its default), from values that are already valid and of the field's type: what
    `model.model_construct(**row)` makes, without its work per field, which would cost more than
    the rest of validation.

    The models are frozen, so they share one set of the fields set (pydantic copies it before a
    change). Each step runs as a `map`, in C, which is faster than a loop."""
    spec = model.model_fields
    names = tuple(spec)
    given = tuple(name for name in names if name in columns)
    count = len(columns[given[0]]) if given else 0
    missing = [name for name in names if name not in columns and spec[name].is_required()]
    if missing or set(columns) - set(names) or any(len(v) != count for v in columns.values()):
        raise TypeError(f"{model.__name__} needs as many values of each of the fields {names}")
    if not model.model_config.get("frozen"):
        raise TypeError(f"{model.__name__} is not frozen")
    template = {name: spec[name].get_default(call_default_factory=True) for name in names}
    rows = zip(*(columns[name] for name in given), strict=True)
    fields = list(map(dict.copy, repeat(template, count)))
    _run(map(dict.update, fields, map(zip, repeat(given), rows)))
    instances = list(map(model.__new__, repeat(model, count)))
    for attribute, values in (
        ("__dict__", fields),
        ("__pydantic_fields_set__", repeat(set(given))),
        ("__pydantic_extra__", repeat(None)),
        ("__pydantic_private__", repeat(None)),
    ):
        _run(map(object.__setattr__, instances, repeat(attribute), values))
    return instances


def _run(steps: Iterator[object]) -> None:
    deque(steps, maxlen=0)


class OfferData(NamedTuple):
    """The offers' data as arrays, in offer order (offer.index is the position)."""

    material: np.ndarray  # material number, in the order of `problem.materials`
    country: np.ndarray  # country number, in order of first appearance
    countries: list[str]
    upper: np.ndarray  # u_o
    landed: np.ndarray
    risk: np.ndarray
    demand: np.ndarray  # D_m of the offer's material
    fixed_cost: np.ndarray
    min_order: np.ndarray
    capacity: np.ndarray  # inf where blank
    embargoed: np.ndarray
    suppliers: list[str]
    material_cap: np.ndarray  # per material: its max_country_share, else the default
    own_cap: np.ndarray  # per country of `countries`: its own max_share, NaN when it has none
    origin: np.ndarray  # country number where it was first produced (`country` when blank)
    reserve_price: np.ndarray  # NaN where nothing can be reserved
    co2: np.ndarray  # NaN where blank

    def country_cap(self, material: np.ndarray, country: np.ndarray) -> np.ndarray:
        """The cap on each (material number, country number)'s share (`rules.country_cap`)."""
        return rules.country_cap(self.material_cap[material], self.own_cap[country])

    def counted(self) -> tuple[np.ndarray, np.ndarray]:
        """The (offer, country) pairs of every country rule (contract, section Origin): each
        offer under the country it ships from and, when different, under its origin."""
        offers = np.arange(len(self.material))
        other = np.flatnonzero(self.origin != self.country)
        return (
            np.concatenate([offers, other]),
            np.concatenate([self.country, self.origin[other]]),
        )

    @classmethod
    def of(cls, problem: Problem) -> OfferData:
        """The arrays of `problem` (read them as `problem.data`, made once per problem)."""
        number = {name: k for k, name in enumerate(problem.materials)}
        fields = operator.attrgetter(
            "material",
            "country",
            "capacity",
            "embargoed",
            "unit_price",
            "tariff",
            "freight",
            "risk",
            "fixed_cost",
            "min_order",
            "supplier",
            "origin",
            "reserve_price",
            "co2",
        )
        offers = problem.offers
        columns = list(zip(*map(fields, offers), strict=True)) or [()] * 14
        materials, country_names, capacity, embargoed, price, tariff, freight, *rest = columns
        risk, fixed, minimum, suppliers, origins, reserve, co2 = rest
        origin_names = [o or c for o, c in zip(origins, country_names, strict=True)]
        countries = list(dict.fromkeys([*country_names, *origin_names]))
        country_number = {name: k for k, name in enumerate(countries)}
        quantity = np.array([m.quantity for m in problem.materials.values()], dtype=np.float64)
        material = np.array([number[m] for m in materials], dtype=np.int64)
        demand = quantity[material] if len(offers) else np.zeros(0)
        most = np.array([np.inf if c is None else c for c in capacity], dtype=np.float64)
        barred = np.array(embargoed, dtype=bool)
        own = [problem.countries.get(c) for c in countries]
        return cls(
            material,
            np.array([country_number[c] for c in country_names], dtype=np.int64),
            countries,
            rules.most_supplied(most, demand, barred).reshape(-1),
            rules.landed_unit_cost(
                np.array(price, np.float64),
                np.array(tariff, np.float64),
                np.array(freight, np.float64),
            ),
            np.array(risk, dtype=np.float64),
            demand,
            np.array([f or 0.0 for f in fixed], dtype=np.float64),
            np.array([m or 0.0 for m in minimum], dtype=np.float64),
            most,
            barred,
            list(suppliers),
            np.array([m.max_country_share for m in problem.materials.values()], dtype=np.float64),
            np.array(
                [np.nan if c is None or c.max_share is None else c.max_share for c in own],
                dtype=np.float64,
            ),
            np.array([country_number[c] for c in origin_names], dtype=np.int64),
            np.array([np.nan if r is None else r for r in reserve], dtype=np.float64),
            np.array([np.nan if c is None else c for c in co2], dtype=np.float64),
        )
