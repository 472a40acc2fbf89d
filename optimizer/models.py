"""Typed models of a validated workbook: one per input row kind, and the resolved `Problem`."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Sequence
from functools import cached_property
from itertools import repeat
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict

from optimizer.cells import Amount, Count, Positive, Risk, Share, Text, YesNo

M = TypeVar("M", bound=BaseModel)


class Row(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class OfferRow(Row):
    supplier: Text
    country: Text
    material: Text
    unit_price: Amount
    capacity: Amount | None = None
    freight: Amount = 0.0
    tariff: Share | None = None
    risk: Risk | None = None
    min_order: Amount | None = None
    fixed_cost: Amount | None = None
    current_quantity: Amount | None = None


class DemandRow(Row):
    material: Text
    quantity: Positive
    max_country_share: Share | None = None
    max_supplier_share: Share | None = None
    max_avg_risk: Risk | None = None
    max_suppliers: Count | None = None


class CountryRow(Row):
    country: Text
    risk: Risk | None = None
    max_share: Share | None = None
    tariff: Share | None = None
    group: Text | None = None
    embargo: YesNo = False


class GroupRow(Row):
    group: Text
    max_share: Share | None = None
    min_share: Share | None = None


class Settings(Row):
    max_country_share: Share = 1.0
    max_supplier_share: Share = 1.0
    max_avg_risk: Risk | None = None
    risk_price: Amount = 0.0
    max_country_spend_share: Share | None = None
    shortfall_penalty: Amount | None = None
    solver: str = "highs"
    time_limit: Positive = 60.0
    frontier_points: Count | None = None


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

    @property
    def landed_unit_cost(self) -> float:
        return self.unit_price * (1 + self.tariff) + self.freight


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


class Country(Row):
    name: str
    max_share: float | None
    group: str | None
    risk: float | None = None  # the Countries sheet's risk score, for governance-weighted HHI


class Group(Row):
    name: str
    max_share: float | None
    min_share: float | None


class ScenarioRow(Row):
    scenario: Text
    country: Text | None = None
    supplier: Text | None = None
    material: Text | None = None
    capacity_factor: Amount = 1.0
    price_factor: Amount = 1.0


class Disruption(Row):
    """One row of a scenario: which offers it hits and how. Blank country, supplier and material
    mean every offer."""

    country: str | None
    supplier: str | None
    material: str | None
    capacity_factor: float
    price_factor: float

    def hits(self, offer: Offer) -> bool:
        return (
            self.country in (None, offer.country)
            and self.supplier in (None, offer.supplier)
            and self.material in (None, offer.material)
        )


class Scenario(Row):
    name: str
    disruptions: list[Disruption]


class Problem(BaseModel):
    """Everything the optimiser needs, validated and resolved, keyed by the workbook's own names."""

    model_config = ConfigDict(frozen=True)

    offers: list[Offer]
    materials: dict[str, Material]
    countries: dict[str, Country]
    groups: dict[str, Group]
    settings: Settings
    scenarios: list[Scenario] = []

    @cached_property
    def offers_by_material(self) -> dict[str, list[Offer]]:
        by_material: dict[str, list[Offer]] = {name: [] for name in self.materials}
        for offer in self.offers:
            by_material[offer.material].append(offer)
        return by_material

    def upper_bound(self, offer: Offer) -> float:
        """Most the offer can supply: its capacity, at most the demand; 0 if embargoed."""
        if offer.embargoed:
            return 0.0
        demand = self.materials[offer.material].quantity
        return demand if offer.capacity is None else min(offer.capacity, demand)

    def country_cap(self, material: str, country: str) -> float:
        """Lowest of the material's (or default) country cap and the country's own cap."""
        cap = self.materials[material].max_country_share
        own = self.countries[country].max_share if country in self.countries else None
        return cap if own is None else min(cap, own)

    def group_of(self, country: str) -> str | None:
        entry = self.countries.get(country)
        return entry.group if entry is not None and entry.group in self.groups else None

    def replace(self, **changes: object) -> Problem:
        """A new problem with some fields changed (never a copy that shares cached values)."""
        fields = {name: getattr(self, name) for name in type(self).model_fields}
        return Problem.model_validate({**fields, **changes})


def construct_all(model: type[M], **columns: Sequence[Any]) -> list[M]:
    """One `model` per row of `columns` (the values of every field, row by row), from values
    that are already valid and of the field's type: what `model.model_construct(**row)` makes,
    without its work per field, which would cost more than the rest of validation.

    The models are frozen, so they share one set of the fields set (pydantic copies it before a
    change). Each step runs as a `map`, in C, which is faster than a loop."""
    names = tuple(model.model_fields)
    count = len(columns[names[0]]) if names[0] in columns else 0
    if set(columns) != set(names) or any(len(values) != count for values in columns.values()):
        raise TypeError(f"{model.__name__} needs as many values of each of the fields {names}")
    if not model.model_config.get("frozen"):
        raise TypeError(f"{model.__name__} is not frozen")
    rows = zip(*(columns[name] for name in names), strict=True)
    fields = list(map(dict.copy, repeat(dict.fromkeys(names), count)))
    _run(map(dict.update, fields, map(zip, repeat(names), rows)))
    instances = list(map(model.__new__, repeat(model, count)))
    for attribute, values in (
        ("__dict__", fields),
        ("__pydantic_fields_set__", repeat(set(names))),
        ("__pydantic_extra__", repeat(None)),
        ("__pydantic_private__", repeat(None)),
    ):
        _run(map(object.__setattr__, instances, repeat(attribute), values))
    return instances


def _run(steps: Iterator[object]) -> None:
    deque(steps, maxlen=0)
