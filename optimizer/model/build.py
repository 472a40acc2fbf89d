r"""Build the linear (or mixed-integer) program of a sourcing problem, as arrays.

Sets: offers :math:`o`, materials :math:`m` with their offers :math:`O_m`, countries
:math:`c` (offers :math:`O_{mc}`), groups :math:`g` (offers :math:`O_{mg}`).

Variables:
    x_o >= 0            quantity bought from offer o, at most u_o = min(capacity_o, D_m),
                        0 when the offer's country is under embargo
    s_m >= 0            unmet demand of material m (only when a shortfall penalty is set)
    y_o in {0, 1}       offer o is used (only where min_order, fixed_cost or max_suppliers
                        need it)
    t >= 0              total spend (only with a cap on a country's share of spend)
    v_o >= 0            capacity reserved at offer o without buying it, a_m >= 0 stock added to
                        material m, R_m = sum_{o in O_m} v_o (only with cover rows: `survive`)

x_o, v_o and a_m are whole numbers for a material counted in pieces (`Material.whole`).

Objective (minimise):
    sum_o (l_o + rho r_o) x_o + sum_o f_o y_o + pi sum_m s_m + sum_o p_o v_o + sum_m k_m a_m
with landed unit cost l_o = price_o (1 + tariff_o) + freight_o, risk price rho, risk r_o,
fixed cost f_o, shortfall penalty pi, reserve price p_o and stock cost k_m.

Each family of constraints has its own function below; `build_model` reads like their list.
A family adds its rows in one block of arrays (row, column, coefficient), so a model of
hundreds of thousands of offers is built in numpy, not one Python object per term; `Matrix`
hands it to HiGHS as it is and to PuLP (for CBC) as a PuLP problem. Every row that is a limit
an analyst set is kept as a `Limit` with our own keys, so results are read back through those
keys and never by parsing a solver's names.

Why no plan exists is asked of two more models of the same rows (`Variant`). The least-shortfall
model sources as much of each material as the limits allow. A relaxation model lets chosen
values of the workbook move (`Lever`: capacities, caps, floors, minimum orders, supplier
counts), each as an elastic column e >= 0 of a `Knob`, and minimises how far they move. Both
keep a last resort, unmet demand s_m and a group floor's gap g_mg, so that they always have a
plan; a relaxation prices them far above any move of a value, so a material whose plan still
leaves either is one that its lever cannot make possible.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import partial
from typing import NamedTuple

import numpy as np

from optimizer.contract.disruptions import Losses, capacity, losses, required
from optimizer.contract.plan import ZERO, Plan
from optimizer.contract.problem import Material, OfferData, Problem

FULL_SHARE = 1.0 - 1e-12  # a share cap at (or above) 100% can never bind
INF = float("inf")
LAST_RESORT = 1e4  # a relaxation's price of a share of unmet demand or of a group floor's gap


class LimitKind(StrEnum):
    CAPACITY = "capacity"
    SUPPLIER_CAP = "supplier_cap"
    COUNTRY_CAP = "country_cap"
    GROUP_MAX = "group_max"
    GROUP_MIN = "group_min"
    RISK_CAP = "risk_cap"
    SPEND_CAP = "spend_cap"
    COVER = "cover"
    CO2_CAP = "co2_cap"
    MIN_AWARD = "min_award"
    MIN_COUNTRIES = "min_countries"


class Family(StrEnum):
    """The diversification limits an analyst sets, as families that can be dropped together."""

    SUPPLIER_CAPS = "supplier caps"
    COUNTRY_CAPS = "country caps"
    GROUP_SHARES = "group shares"
    RISK_CAPS = "risk caps"
    SPEND_CAPS = "spend caps"
    COVER = "cover"
    CO2_CAPS = "co2 caps"
    MIN_AWARDS = "minimum awards"
    MIN_COUNTRIES = "country counts"


class Lever(StrEnum):
    """What an analyst can change in the workbook to make a plan possible, one family of values
    at a time (a relaxation model moves the values of the levers it is given)."""

    CAPACITY = "capacity"
    MIN_ORDERS = "minimum orders"
    SUPPLIER_COUNTS = "supplier counts"
    SUPPLIER_CAPS = "supplier caps"
    COUNTRY_CAPS = "country caps"
    GROUP_SHARES = "group shares"
    RISK_CAPS = "risk caps"
    SPEND_CAPS = "spend caps"
    COVER = "min cover"
    STOCK = "max stock"
    CO2_CAPS = "co2 caps"
    MIN_AWARDS = "minimum awards"
    MIN_COUNTRIES = "country counts"


EVERY_FAMILY = frozenset(Family)
# the baseline keeps capacities, embargoes, min_order, fixed_cost, max_suppliers, min_award,
# max_avg_co2 and price tiers (contract, Summary baseline_cost); it drops every other family
BASELINE_DROPS = EVERY_FAMILY - {Family.CO2_CAPS, Family.MIN_AWARDS}
FAMILY_OF = {
    LimitKind.CAPACITY: None,
    LimitKind.SUPPLIER_CAP: Family.SUPPLIER_CAPS,
    LimitKind.COUNTRY_CAP: Family.COUNTRY_CAPS,
    LimitKind.GROUP_MAX: Family.GROUP_SHARES,
    LimitKind.GROUP_MIN: Family.GROUP_SHARES,
    LimitKind.RISK_CAP: Family.RISK_CAPS,
    LimitKind.SPEND_CAP: Family.SPEND_CAPS,
    LimitKind.COVER: Family.COVER,
    LimitKind.CO2_CAP: Family.CO2_CAPS,
    LimitKind.MIN_AWARD: Family.MIN_AWARDS,
    LimitKind.MIN_COUNTRIES: Family.MIN_COUNTRIES,
}


class Limit(NamedTuple):
    """A limit the analyst set, as one row (or, for capacity, one variable bound) of the model.

    `bound` is in the limit's own unit: quantity for capacity, supplier, country and group
    limits and for the cover of a disruption (its subject: "country China"); risk points for
    average-risk caps; the share of total spend for spend caps.
    """

    kind: LimitKind
    material: str  # "" when the limit spans all materials
    subject: str  # the supplier, country, group or material it is about
    offers: tuple[int, ...]
    bound: float
    row: int | None = None  # None for a bound of the offer's variable (capacity, supplier cap)

    @property
    def name(self) -> str:
        return self.kind + "[" + self.material + "|" + self.subject + "]"


class Knob(NamedTuple):
    """A value of the workbook that a relaxation model may move, as one elastic column: the
    contract sheet and column (or setting) that holds it, the material whose rows it relaxes,
    and its subject: the offer's index (Offers), the material (Demand), the country, the group
    or the setting's name. A value several materials share (a setting, a country's cap, a
    group's share) has one column per material, so the materials stay apart; the workbook then
    needs the largest move of any of them."""

    lever: Lever
    sheet: str
    column: str
    material: str
    subject: str

    @property
    def name(self) -> str:
        return f"{self.sheet}.{self.column}[{self.material}|{self.subject}]"


def material_knob(lever: Lever, material: Material, column: str) -> Knob:
    """The knob of one of `material`'s caps: its own cell in Demand, or the setting it took."""
    if column in material.defaulted:
        return Knob(lever, "Settings", column, material.name, column)
    return Knob(lever, "Demand", column, material.name, material.name)


def levers_of(problem: Problem) -> set[Lever]:
    """The levers whose relaxation of `problem` has something to move (read from its data, a
    little generously: a lever named here may still find nothing)."""
    data = problem.data
    materials = list(problem.materials.values())
    usable = ~data.embargoed
    present = {
        Lever.CAPACITY: bool((growable(problem) & (data.capacity < data.demand)).any()),
        Lever.MIN_ORDERS: bool((usable & (data.min_order > 0)).any()),
        Lever.SUPPLIER_COUNTS: any(m.max_suppliers is not None for m in materials),
        Lever.SUPPLIER_CAPS: any(m.max_supplier_share < FULL_SHARE for m in materials),
        Lever.COUNTRY_CAPS: bool((data.material_cap < FULL_SHARE).any())
        or any(
            c.max_share is not None and c.max_share < FULL_SHARE for c in problem.countries.values()
        ),
        Lever.GROUP_SHARES: any(
            g.max_share is not None or g.min_share for g in problem.groups.values()
        ),
        Lever.RISK_CAPS: any(m.max_avg_risk is not None for m in materials),
        Lever.CO2_CAPS: any(m.max_avg_co2 is not None for m in materials),
        Lever.MIN_AWARDS: any(m.min_award for m in materials),
        Lever.MIN_COUNTRIES: any(m.min_countries for m in materials),
        Lever.SPEND_CAPS: ties_materials(problem),
        Lever.COVER: bool(problem.settings.survive) and any(m.min_cover > 0 for m in materials),
        Lever.STOCK: bool(problem.settings.survive)
        and any(
            m.stock_cost is not None and m.max_stock is not None and m.max_stock < m.quantity
            for m in materials
        ),
    }
    return {lever for lever, found in present.items() if found}


def ties_materials(problem: Problem) -> bool:
    """Whether a limit spans materials (a cap on a country's share of total spend), so that the
    model cannot be taken apart by material."""
    cap = problem.settings.max_country_spend_share
    return cap is not None and cap < FULL_SHARE


@dataclass(frozen=True)
class Matrix:
    """A model as a solver takes it: min cost x + offset, col_lower <= x <= col_upper,
    row_lower <= A x <= row_upper, A in compressed rows (start, index, value)."""

    cost: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    integer: np.ndarray  # bool per column
    row_lower: np.ndarray
    row_upper: np.ndarray
    start: np.ndarray  # int32, one more than there are rows
    index: np.ndarray  # int32
    value: np.ndarray
    offset: float
    col_names: tuple[tuple[str, int], ...]  # (prefix, count) blocks: names prefix_0, prefix_1...
    row_names: tuple[tuple[str, int], ...]

    @property
    def columns(self) -> int:
        return len(self.cost)

    @property
    def rows(self) -> int:
        return len(self.row_lower)

    def names(self, of_rows: bool = False) -> list[str]:
        """The columns' (or rows') names: each block's prefix and a number, counted on over the
        blocks of the same prefix so that every name is unique."""
        blocks = self.row_names if of_rows else self.col_names
        seen: dict[str, int] = defaultdict(int)
        names = []
        for prefix, count in blocks:
            names += [f"{prefix}_{k}" for k in range(seen[prefix], seen[prefix] + count)]
            seen[prefix] += count
        return names


@dataclass(frozen=True)
class Cover:
    """The disruptions a plan must withstand (`survive`) and what each must leave of its
    material; `rows`: those that need a row, because the stock on hand alone does not cover
    them."""

    losses: Losses
    required: np.ndarray  # per disruption: min_cover x demand
    rows: np.ndarray  # the disruptions that need a row

    @classmethod
    def of(cls, problem: Problem) -> Cover | None:
        """The cover of `problem`, None when it has nothing to withstand."""
        if not problem.settings.survive:
            return None
        found = losses(problem, problem.settings.survive)
        need = required(problem, found)
        stock = np.array([m.stock for m in problem.materials.values()], dtype=np.float64)
        rows = np.flatnonzero(need > stock[found.material])
        return cls(found, need, rows) if len(rows) else None

    def materials(self) -> np.ndarray:
        """The numbers of the materials that have a cover row, in order."""
        return np.unique(self.losses.material[self.rows])


@dataclass(frozen=True)
class Switches:
    """Integer columns whose values a plan's quantities decide (`of(quantities)`): a plan of
    the model then has them as they are, whatever else it is solved with."""

    columns: np.ndarray
    of: Callable[[np.ndarray], np.ndarray]


@dataclass
class SourcingModel:
    """The model under construction: columns and blocks of rows, and our keys into them."""

    problem: Problem
    upper: np.ndarray = field(default_factory=lambda: np.zeros(0))  # u_o, as this model has it
    quantity: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    shortfall: dict[str, int] = field(default_factory=dict)
    cover: Cover | None = None  # the disruptions it withstands (none without `survive`)
    reservable: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # offers
    reserve: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # their v_o
    stock: dict[str, int] = field(default_factory=dict)  # material -> column of a_m
    reserved_total: dict[int, int] = field(default_factory=dict)  # material number -> R_m
    used: dict[int, int] = field(default_factory=dict)  # offer index -> column of y_o
    tier_offer: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    tier_column: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # w_ok
    tier_landed: np.ndarray = field(default_factory=lambda: np.zeros(0))  # l_ok of each w_ok
    switches: list[Switches] = field(default_factory=list)  # z columns set by the quantities
    total_spend: int | None = None
    limits: list[Limit] = field(default_factory=list)
    demand: dict[str, int] = field(default_factory=dict)  # material -> row
    fixed_cost: float = 0.0  # fixed costs already decided (for a model with fixed choices)
    relaxation: dict[str, int] = field(default_factory=dict)  # Knob.name -> column of e_k;
    # also Limit.name -> column of g_l, the gap left under a group floor
    knobs: list[Knob] = field(default_factory=list)
    gaps: list[int] = field(default_factory=list)  # columns of the floors' gaps g_l
    _knob_weights: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)
    row_material: list[np.ndarray] = field(default_factory=list)  # material number, -1 for all
    col_material: list[np.ndarray] = field(default_factory=list)
    _col_lower: list[np.ndarray] = field(default_factory=list)
    _col_upper: list[np.ndarray] = field(default_factory=list)
    _integer: list[np.ndarray] = field(default_factory=list)
    _col_names: list[tuple[str, int]] = field(default_factory=list)
    _row_lower: list[np.ndarray] = field(default_factory=list)
    _row_upper: list[np.ndarray] = field(default_factory=list)
    _row_names: list[tuple[str, int]] = field(default_factory=list)
    _entries: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=list)
    _cost: tuple[np.ndarray, np.ndarray] | None = None
    _tightened: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)
    columns: int = 0
    rows: int = 0

    def add_columns(
        self,
        prefix: str,
        lower: np.ndarray | float,
        upper: np.ndarray | float,
        material: np.ndarray | int,
        count: int | None = None,
        integer: np.ndarray | bool = False,
    ) -> np.ndarray:
        """`count` new columns (named prefix_0, ...) and their numbers."""
        if count is None:
            count = max(np.size(lower), np.size(upper), np.size(material))
        self._col_lower.append(np.broadcast_to(np.asarray(lower, dtype=np.float64), (count,)))
        self._col_upper.append(np.broadcast_to(np.asarray(upper, dtype=np.float64), (count,)))
        self._integer.append(np.broadcast_to(np.asarray(integer, dtype=bool), (count,)))
        self.col_material.append(np.broadcast_to(np.asarray(material, dtype=np.int64), (count,)))
        self._col_names.append((prefix, count))
        numbers = np.arange(self.columns, self.columns + count)
        self.columns += count
        return numbers

    def add_rows(
        self,
        prefix: str,
        lower: np.ndarray | float,
        upper: np.ndarray | float,
        row: np.ndarray,
        column: np.ndarray,
        value: np.ndarray | float,
        material: np.ndarray | int,
        count: int,
    ) -> np.ndarray:
        """`count` new rows (named prefix_0, ...) with entries at (row, column), `row`
        counting from 0 within the block; returns the rows' numbers."""
        self._row_lower.append(np.broadcast_to(np.asarray(lower, dtype=np.float64), (count,)))
        self._row_upper.append(np.broadcast_to(np.asarray(upper, dtype=np.float64), (count,)))
        self.row_material.append(np.broadcast_to(np.asarray(material, dtype=np.int64), (count,)))
        self._row_names.append((prefix, count))
        row = np.asarray(row, dtype=np.int64)
        self.add_entries(row + self.rows, column, value)
        numbers = np.arange(self.rows, self.rows + count)
        self.rows += count
        return numbers

    def add_entries(self, row: np.ndarray, column: np.ndarray, value: np.ndarray | float) -> None:
        """Coefficients at (row, column) of rows already added."""
        row = np.asarray(row, dtype=np.int64)
        values = np.broadcast_to(np.asarray(value, dtype=np.float64), row.shape)
        self._entries.append((row, np.asarray(column, dtype=np.int64), values))

    def tighten(self, column: np.ndarray, upper: np.ndarray) -> None:
        """Lower the upper bounds of `column` to `upper` (where that is lower)."""
        self._tightened.append((np.asarray(column, dtype=np.int64), np.asarray(upper, np.float64)))

    def add_knobs(
        self,
        knobs: list[Knob],
        upper: np.ndarray | float,
        weight: np.ndarray | float,
        material: np.ndarray | int,
    ) -> np.ndarray:
        """One elastic column 0 <= e_k <= `upper` per knob, priced `weight` a unit in a
        relaxation's objective; returns the columns."""
        columns = self.add_columns("relax", 0.0, upper, material, len(knobs))
        self.knobs.extend(knobs)
        self.relaxation.update(zip((k.name for k in knobs), columns.tolist(), strict=True))
        weights = np.broadcast_to(np.asarray(weight, dtype=np.float64), columns.shape)
        self._knob_weights.append((columns, weights))
        return columns

    def knob_weights(self) -> tuple[np.ndarray, np.ndarray]:
        """The knobs' columns and their prices."""
        if not self._knob_weights:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        columns, weights = zip(*self._knob_weights, strict=True)
        return np.concatenate(columns), np.concatenate(weights)

    def set_cost(self, column: np.ndarray, value: np.ndarray | float) -> None:
        column = np.asarray(column, dtype=np.int64)
        self._cost = (column, np.broadcast_to(np.asarray(value, dtype=np.float64), column.shape))

    def matrix(self) -> Matrix:
        cost = np.zeros(self.columns)
        if self._cost is not None:
            np.add.at(cost, *self._cost)
        rows, columns, values = (
            np.concatenate([e[k] for e in self._entries]) if self._entries else np.zeros(0)
            for k in range(3)
        )
        keep = values != 0
        rows, columns, values = rows[keep], columns[keep], values[keep]
        order = np.lexsort((columns, rows))
        col_upper = _joined(self._col_upper).copy()
        for column, upper in self._tightened:
            col_upper[column] = np.minimum(col_upper[column], upper)
        col_lower = _joined(self._col_lower)
        integer = _joined(self._integer).astype(bool)
        if integer.any():  # whole numbers within the bounds, so every solver reads them alike
            col_upper = np.where(integer, np.floor(col_upper + 1e-9), col_upper)
            col_lower = np.where(integer, np.ceil(col_lower - 1e-9), col_lower)
        start = np.zeros(self.rows + 1, dtype=np.int32)
        np.cumsum(np.bincount(rows.astype(np.int64), minlength=self.rows), out=start[1:])
        return Matrix(
            cost,
            col_lower,
            col_upper,
            integer,
            _joined(self._row_lower),
            _joined(self._row_upper),
            start,
            columns[order].astype(np.int32),
            values[order].astype(np.float64),
            self.fixed_cost,
            tuple(self._col_names),
            tuple(self._row_names),
        )

    def materials_of_rows(self) -> np.ndarray:
        return _joined(self.row_material).astype(np.int64)

    def materials_of_columns(self) -> np.ndarray:
        return _joined(self.col_material).astype(np.int64)


def _joined(parts: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(parts) if parts else np.zeros(0)


@dataclass(frozen=True)
class Variant:
    """Which model of a problem to build.

    `without` leaves out whole families of limits; `risk_price` overrides the setting (the
    baseline plan drops every family and prices risk at 0). Two goals can replace the cost:
    `least_shortfall` (how much of each material the limits let us source at most) and `relax`
    (the smallest move of the values of these levers that makes a plan possible). A relaxation
    `within` sizes (per material, or "" for the whole model: see `relaxation_sizes`) keeps the
    cost as its goal: the cheapest plan among the moves no larger than those.
    """

    without: frozenset[Family] = frozenset()
    risk_price: float | None = None
    least_shortfall: bool = False
    relax: frozenset[Lever] = frozenset()
    within: Mapping[str, float] | None = field(default=None, hash=False)

    @property
    def elastic(self) -> bool:
        """Whether the model has the last resort: unmet demand and gaps under group floors."""
        return self.least_shortfall or bool(self.relax)


CHEAPEST = Variant()
BASELINE = Variant(without=BASELINE_DROPS, risk_price=0.0)


def build_model(
    problem: Problem,
    variant: Variant = CHEAPEST,
    fixed_use: Mapping[int, bool] | None = None,
    fixed_plan: np.ndarray | None = None,
) -> SourcingModel:
    """The model of `problem`, in the order of the module docstring; `fixed_use` fixes which
    offers are used and `fixed_plan` (the quantities of a solved plan) every other choice of
    an integer model: the countries counted toward min_countries and the price tiers reached
    (the LP of a solved integer model, for its duals)."""
    data = problem.data
    relax = variant.relax
    upper = data.upper
    if Lever.CAPACITY in relax:  # an offer whose capacity may grow, up to the demand
        upper = np.where(growable(problem), data.demand, upper)
    model = SourcingModel(problem, upper)
    if Family.COVER not in variant.without:
        model.cover = Cover.of(problem)
    add_quantities(model, data, fixed_use, variant.elastic)
    add_reserves(model, data, Lever.STOCK in relax)
    add_use_decisions(model, data, fixed_use)
    add_price_tiers(model, data, fixed_plan, _most_bought(model, data, variant))
    add_demand(model, data)
    add_capacity_limits(model, data, Lever.CAPACITY in relax)
    if Family.SUPPLIER_CAPS not in variant.without:
        add_supplier_caps(model, data, Lever.SUPPLIER_CAPS in relax)
    if Family.COUNTRY_CAPS not in variant.without:
        add_country_caps(model, data, Lever.COUNTRY_CAPS in relax)
    if Family.GROUP_SHARES not in variant.without:
        add_group_shares(model, data, Lever.GROUP_SHARES in relax, variant.elastic)
    if Family.RISK_CAPS not in variant.without:
        add_risk_caps(model, data, Lever.RISK_CAPS in relax)
    if Family.SPEND_CAPS not in variant.without:
        add_spend_caps(model, data, Lever.SPEND_CAPS in relax)
    if Family.CO2_CAPS not in variant.without:
        add_co2_caps(model, data, Lever.CO2_CAPS in relax)
    if model.cover is not None:
        add_cover(model, data, Lever.COVER in relax, variant.elastic)
    add_min_orders(model, data, Lever.MIN_ORDERS in relax)
    add_max_suppliers(model, Lever.SUPPLIER_COUNTS in relax)
    if Family.MIN_AWARDS not in variant.without:
        add_min_awards(model, data, fixed_use, Lever.MIN_AWARDS in relax)
    if Family.MIN_COUNTRIES not in variant.without:
        add_min_countries(model, data, fixed_plan, Lever.MIN_COUNTRIES in relax, variant.elastic)
    if relax and variant.within is not None:
        add_relaxation_bounds(model, variant.within)
    if relax and variant.within is None:
        set_least_relaxation_objective(model)
    elif variant.least_shortfall:
        set_least_shortfall_objective(model)
    else:
        risk_price = variant.risk_price
        set_objective(
            model, data, problem.settings.risk_price if risk_price is None else risk_price
        )
    return model


def add_quantities(
    model: SourcingModel,
    data: OfferData,
    fixed_use: Mapping[int, bool] | None,
    elastic: bool = False,
) -> None:
    r"""x_o in [0, u_o]; with fixed choices x_o in [min_order_o, u_o] if used, else x_o = 0;
    s_m >= 0 where a shortfall penalty allows unmet demand, and in an elastic model.

    Embargoes live here: u_o = 0 for an offer from an embargoed country (`model.upper`; when
    capacities may grow, u_o = D_m for every other offer). At an offer whose capacity can be
    reserved, x_o <= D_m only: its capacity is the row x_o + v_o <= c_o (`add_capacity_limits`).
    x_o is a whole number for a material counted in pieces.
    """
    problem = model.problem
    lower = np.zeros(len(problem.offers))
    upper = model.upper.copy()
    if model.cover is not None:
        model.reservable = reservable(model.problem, model.cover)
        upper[model.reservable] = data.demand[model.reservable]
    for index, used in (fixed_use or {}).items():
        if used:
            lower[index] = min(problem.offers[index].min_order or 0.0, upper[index])
        else:
            upper[index] = 0.0
    whole = _whole(problem)
    integer = whole[data.material] if whole.any() else False
    model.quantity = model.add_columns("x", lower, upper, data.material, integer=integer)
    if problem.settings.shortfall_penalty is not None or elastic:
        columns = model.add_columns(
            "s", 0.0, INF, np.arange(len(problem.materials)), len(problem.materials)
        )
        model.shortfall = dict(zip(problem.materials, columns.tolist(), strict=True))


def _whole(problem: Problem) -> np.ndarray:
    """Per material: whether it is counted in pieces (bought, reserved and stocked whole)."""
    return np.array([m.whole for m in problem.materials.values()], dtype=bool)


def reservable(problem: Problem, cover: Cover) -> np.ndarray:
    """The offers whose capacity can be reserved: with a reserve price, not under embargo, with
    some capacity, of a material that has a cover row."""
    data = problem.data
    has_row = np.zeros(len(problem.materials), dtype=bool)
    has_row[cover.materials()] = True
    held = ~np.isnan(data.reserve_price) & (capacity(problem) > 0)
    return np.flatnonzero(held & has_row[data.material])


def add_reserves(model: SourcingModel, data: OfferData, relax: bool = False) -> None:
    r"""v_o >= 0 at each reservable offer (`reservable`; bounded by its capacity row), and
    R_m = sum_{o in O_m} v_o for each material with one; a_m in [0, A_m] for each material with a
    stock cost and a cover row, A_m its max_stock (blank: D_m). Only in a model with cover rows:
    without them nothing is reserved or added. Whole numbers for a material counted in pieces.

    Relaxed: a_m - e_m <= A_m as a row, a_m <= D_m, e_m <= D_m - A_m units priced 1/D_m.
    """
    cover = model.cover
    if cover is None:
        return
    problem = model.problem
    whole = _whole(problem)
    held = model.reservable
    material = data.material[held]
    model.reserve = model.add_columns("v", 0.0, INF, material, len(held), whole[material])
    owners = np.unique(material)
    totals = model.add_columns("R", 0.0, INF, owners, len(owners))
    model.reserved_total = dict(zip(owners.tolist(), totals.tolist(), strict=True))
    row_of = np.zeros(len(problem.materials), dtype=np.int64)
    row_of[owners] = np.arange(len(owners))
    model.add_rows(
        "reserved",
        0.0,
        0.0,
        np.concatenate([np.arange(len(owners)), row_of[material]]),
        np.concatenate([totals, model.reserve]),
        np.concatenate([np.ones(len(owners)), -np.ones(len(held))]),
        owners,
        len(owners),
    )
    materials = list(problem.materials.values())
    stocked = [m for m in cover.materials().tolist() if materials[m].stock_cost is not None]
    demand = np.array([materials[m].quantity for m in stocked], dtype=np.float64)
    most = np.array([materials[m].max_stock for m in stocked], dtype=np.float64)  # NaN where blank
    most = np.where(np.isnan(most), demand, np.minimum(most, demand))
    grow = np.flatnonzero(most < demand) if relax else np.zeros(0, np.int64)
    upper = most.copy()
    upper[grow] = demand[grow]
    owners = np.array(stocked, dtype=np.int64)
    columns = model.add_columns("a", 0.0, upper, owners, len(stocked), whole[owners])
    model.stock = {materials[m].name: c for m, c in zip(stocked, columns.tolist(), strict=True)}
    if len(grow):
        names = [materials[stocked[k]].name for k in grow.tolist()]
        knobs = [Knob(Lever.STOCK, "Demand", "max_stock", name, name) for name in names]
        owner = owners[grow]
        added = model.add_knobs(knobs, demand[grow] - most[grow], 1 / demand[grow], owner)
        count = len(grow)
        model.add_rows(
            "max_stock",
            -INF,
            most[grow],
            np.tile(np.arange(count), 2),
            np.concatenate([columns[grow], added]),
            np.concatenate([np.ones(count), -np.ones(count)]),
            owner,
            count,
        )


def add_use_decisions(
    model: SourcingModel, data: OfferData, fixed_use: Mapping[int, bool] | None
) -> None:
    r"""y_o binary for offers with a min order or fixed cost, and all offers of a material with
    a cap on the number of suppliers or a minimum award. With fixed choices there are no y;
    their fixed costs are a constant."""
    problem = model.problem
    counted = np.array(
        [m.max_suppliers is not None or bool(m.min_award) for m in problem.materials.values()]
    )
    switched = (data.min_order > 0) | (data.fixed_cost > 0)
    if len(counted):
        switched |= counted[data.material]
    needs = np.flatnonzero(switched & (model.upper > 0)).tolist()
    if fixed_use is not None:
        model.fixed_cost += sum(
            problem.offers[i].fixed_cost or 0.0 for i in needs if fixed_use.get(i)
        )
        return
    if needs:
        offers = np.array(needs)
        columns = model.add_columns("y", 0.0, 1.0, data.material[offers], integer=True)
        model.used = dict(zip(needs, columns.tolist(), strict=True))
        model.switches.append(Switches(columns, partial(_bought, offers)))


def _bought(offers: np.ndarray, quantities: np.ndarray) -> np.ndarray:
    """y_o (1 or 0): whether the plan buys from offer o."""
    return (quantities[offers] > ZERO).astype(np.float64)


def _most_bought(model: SourcingModel, data: OfferData, variant: Variant) -> np.ndarray:
    """The most each offer can supply under the caps of one offer alone that this model keeps
    fixed: u_o, its supplier cap and the caps of its country and its origin (the relaxation of
    price tiers is the tighter for it)."""
    most = model.upper.copy()
    if not len(most):
        return most
    materials = list(model.problem.materials.values())
    if Family.SUPPLIER_CAPS not in variant.without and Lever.SUPPLIER_CAPS not in variant.relax:
        share = np.array([m.max_supplier_share for m in materials], dtype=np.float64)
        most = np.minimum(most, share[data.material] * data.demand)
    if Family.COUNTRY_CAPS not in variant.without and Lever.COUNTRY_CAPS not in variant.relax:
        for place in (data.country, data.origin):
            most = np.minimum(most, data.country_cap(data.material, place) * data.demand)
    return most


def add_price_tiers(
    model: SourcingModel, data: OfferData, fixed_plan: np.ndarray | None, most: np.ndarray
) -> None:
    r"""The price tiers of an offer o (contract, section Price tiers): tier k from b_k (b_0 = 0
    < b_1 < ... ; those above u_o cannot be reached and are left out) at landed unit cost
    l_ok, non-increasing in k. x_o = sum_k w_ok, w_ok >= 0 priced l_ok (x_o itself then priced
    only its risk); z_ok in {0, 1} for k >= 1, b_T = u_o for the last tier T:

    all_units (the quantity w_ok sits in the one tier reached, at that tier's price):
        w_o0 + b_1 sum_{k>=1} z_ok <= b_1,  sum_{k>=1} z_ok <= 1,
        b_k z_ok <= w_ok <= b_{k+1} z_ok  (k >= 1)
    incremental (segment k holds the units from b_k to b_{k+1}, filled in order):
        0 <= w_ok <= b_{k+1} - b_k,  w_o,k-1 >= (b_k - b_{k-1}) z_ok,  w_ok <= (b_{k+1} - b_k) z_ok

    At b_{k+1} both tiers hold the quantity; the lower price wins, as the contract wants. Only
    offers with tiers get w and z. With a fixed plan, each z_ok is fixed to the tier reached.
    u_o here is `most`: also below the offer's supplier cap and its countries' caps where the
    model keeps them (no plan buys more; the linear relaxation is the tighter, so that more
    materials need no branching).
    """
    problem = model.problem
    tier, start, landed = problem.ladder
    kept = (most[tier] > 0) & (start <= most[tier])  # tiers above u_o cannot be reached
    if not kept.any():
        return
    tier, start, landed = tier[kept], start[kept], landed[kept]
    incremental = problem.settings.discount == "incremental"
    # with the tiers fixed (for the duals), the last one open up to the demand: a cap or a
    # capacity that binds is then x_o's bound or row alone, and has its shadow price
    last = most[tier] if fixed_plan is None else np.maximum(most[tier], data.demand[tier])
    followed = np.r_[tier[1:] == tier[:-1], False]  # a further tier of the same offer follows
    end = np.where(followed, np.r_[start[1:], 0.0], last)
    first = np.r_[True, tier[1:] != tier[:-1]]  # the first tier of each offer (b = 0)
    material = data.material[tier]
    width = end - start
    columns = model.add_columns("w", 0.0, width if incremental else end, material, len(tier))
    model.tier_offer, model.tier_column = tier, columns
    model.tier_landed = landed
    rest = np.flatnonzero(~first)  # tiers k >= 1: their z_ok
    if fixed_plan is None:
        z = model.add_columns("tier", 0.0, 1.0, material[rest], len(rest), integer=True)
    else:
        value = tier_switches(tier[rest], start[rest], fixed_plan, incremental)
        z = model.add_columns("tier", value, value, material[rest], len(rest))
    model.switches.append(
        Switches(z, partial(tier_switches, tier[rest], start[rest], incremental=incremental))
    )
    offers = tier[first]
    count = len(offers)
    owner = np.cumsum(first) - 1  # each tier's offer, numbered in `offers`
    model.add_rows(  # x_o - sum_k w_ok = 0
        "tiers",
        0.0,
        0.0,
        np.concatenate([np.arange(count), owner]),
        np.concatenate([model.quantity[offers], columns]),
        np.concatenate([np.ones(count), -np.ones(len(tier))]),
        data.material[offers],
        count,
    )
    size = len(rest)
    if incremental:
        model.add_rows(  # w_o,k-1 - (b_k - b_{k-1}) z_ok >= 0
            "tier_full",
            0.0,
            INF,
            np.tile(np.arange(size), 2),
            np.concatenate([columns[rest - 1], z]),
            np.concatenate([np.ones(size), -width[rest - 1]]),
            material[rest],
            size,
        )
        model.add_rows(  # w_ok - (b_{k+1} - b_k) z_ok <= 0
            "tier_open",
            -INF,
            0.0,
            np.tile(np.arange(size), 2),
            np.concatenate([columns[rest], z]),
            np.concatenate([np.ones(size), -width[rest]]),
            material[rest],
            size,
        )
        return
    model.add_rows(  # b_k z_ok <= w_ok <= b_{k+1} z_ok
        "tier_from",
        0.0,
        INF,
        np.tile(np.arange(size), 2),
        np.concatenate([columns[rest], z]),
        np.concatenate([np.ones(size), -start[rest]]),
        material[rest],
        size,
    )
    model.add_rows(
        "tier_to",
        -INF,
        0.0,
        np.tile(np.arange(size), 2),
        np.concatenate([columns[rest], z]),
        np.concatenate([np.ones(size), -end[rest]]),
        material[rest],
        size,
    )
    base = np.flatnonzero(first)
    base_of = np.full(len(problem.offers), -1, dtype=np.int64)
    base_of[tier[base]] = np.arange(count)
    row = base_of[tier[rest]]
    model.add_rows(  # w_o0 + b_1 sum_{k>=1} z_ok <= b_1
        "tier_base",
        -INF,
        end[base],
        np.concatenate([np.arange(count), row]),
        np.concatenate([columns[base], z]),
        np.concatenate([np.ones(count), end[base][row]]),
        material[base],
        count,
    )
    model.add_rows(  # sum_{k>=1} z_ok <= 1
        "tier_one", -INF, 1.0, row, z, 1.0, material[base], count
    )


def tier_switches(
    tier: np.ndarray, start: np.ndarray, quantities: np.ndarray, incremental: bool
) -> np.ndarray:
    """z_ok (1 or 0) for tiers k >= 1 of offers `tier`, starting at `start`, given the
    quantities bought: incremental, every tier whose start the quantity reaches (its next unit
    is bought at that tier's price); all-units, the highest such tier of each offer."""
    bought = quantities[tier]
    reach = bought >= start - 1e-9 * np.maximum(1.0, bought)
    if incremental:
        return reach.astype(np.float64)
    # the starts ascend, so an offer that reaches a tier reaches every earlier one
    higher = np.r_[(tier[1:] == tier[:-1]) & reach[1:], False]  # its next tier reached too
    return (reach & ~higher).astype(np.float64)


def add_demand(model: SourcingModel, data: OfferData) -> None:
    r"""sum_{o in O_m} x_o + s_m = D_m for every material m."""
    problem = model.problem
    count = len(problem.materials)
    demand = np.array([m.quantity for m in problem.materials.values()], dtype=np.float64)
    row, column = data.material, model.quantity
    if model.shortfall:
        row = np.concatenate([row, np.arange(count)])
        column = np.concatenate([column, list(model.shortfall.values())])
    numbers = model.add_rows("demand", demand, demand, row, column, 1.0, np.arange(count), count)
    model.demand = dict(zip(problem.materials, numbers.tolist(), strict=True))


def growable(problem: Problem) -> np.ndarray:
    """The offers whose capacity advice may raise: not under embargo, and not set by the
    scenario being explained (a scenario's cut is the question, not a lever)."""
    data = problem.data
    held = np.fromiter((o.held for o in problem.offers), bool, len(problem.offers))
    return ~data.embargoed & ~held


def add_capacity_limits(model: SourcingModel, data: OfferData, relax: bool = False) -> None:
    r"""x_o <= capacity_o, kept as the variable's upper bound (its dual is the reduced cost);
    at an offer whose capacity can be reserved, x_o + v_o <= c_o as a row (c_o: its capacity,
    blank = D_m), what it holds bought and reserved together.

    Relaxed (the bound is then D_m): x_o (+ v_o) - e_o <= capacity_o for every offer not under
    embargo whose capacity is below its demand, e_o <= D_m - capacity_o units priced 1/D_m each.
    """
    held = model.reservable
    row_of = np.full(len(data.material), -1, dtype=np.int64)
    if len(held):
        count = len(held)
        row_of[held] = model.add_rows(
            "hold",
            -INF,
            capacity(model.problem)[held],
            np.tile(np.arange(count), 2),
            np.concatenate([model.quantity[held], model.reserve]),
            1.0,
            data.material[held],
            count,
        )
    offers = np.flatnonzero(~data.embargoed & (data.capacity <= data.demand))
    names = list(model.problem.materials)
    materials, most = data.material[offers].tolist(), data.capacity[offers].tolist()
    suppliers = data.suppliers
    rows = [None if r < 0 else r for r in row_of[offers].tolist()]
    model.limits.extend(
        Limit(LimitKind.CAPACITY, names[m], suppliers[o], (o,), c, row)
        for o, m, c, row in zip(offers.tolist(), materials, most, rows, strict=True)
    )
    if not relax:
        return
    grow = offers[(data.capacity[offers] < data.demand[offers]) & growable(model.problem)[offers]]
    count, material, demand = len(grow), data.material[grow], data.demand[grow]
    knobs = [
        Knob(Lever.CAPACITY, "Offers", "capacity", names[m], str(o))
        for o, m in zip(grow.tolist(), material.tolist(), strict=True)
    ]
    columns = model.add_knobs(knobs, demand - data.capacity[grow], 1 / demand, material)
    in_row = row_of[grow] >= 0  # the knob joins the offer's capacity row
    model.add_entries(row_of[grow][in_row], columns[in_row], -1.0)
    alone = ~in_row
    count = int(alone.sum())
    model.add_rows(
        "capacity",
        -INF,
        data.capacity[grow][alone],
        np.tile(np.arange(count), 2),
        np.concatenate([model.quantity[grow][alone], columns[alone]]),
        np.concatenate([np.ones(count), -np.ones(count)]),
        material[alone],
        count,
    )


def add_supplier_caps(model: SourcingModel, data: OfferData, relax: bool = False) -> None:
    r"""x_o <= sigma_m D_m, for offers whose cap is below what they could supply anyway.

    The cap is kept as the variable's upper bound (its dual is then the reduced cost), which
    makes the model smaller and faster to solve. Relaxed, it is a row
    x_o - D_m a_m <= sigma_m D_m, with one share a_m <= 1 - sigma_m per material (its own cap
    or the setting it took) priced 1.
    """
    problem = model.problem
    materials = list(problem.materials.values())
    share = np.array([m.max_supplier_share for m in materials])
    bound = share[data.material] * data.demand if len(data.material) else np.zeros(0)
    offers = np.flatnonzero(bound < model.upper)
    if relax:
        capped = np.unique(data.material[offers])
        knobs = [
            material_knob(Lever.SUPPLIER_CAPS, materials[m], "max_supplier_share")
            for m in capped.tolist()
        ]
        column_of = np.zeros(len(materials), dtype=np.int64)
        column_of[capped] = model.add_knobs(knobs, 1 - share[capped], 1.0, capped)
        count = len(offers)
        numbers = model.add_rows(
            "supplier_cap",
            -INF,
            bound[offers],
            np.tile(np.arange(count), 2),
            np.concatenate([model.quantity[offers], column_of[data.material[offers]]]),
            np.concatenate([np.ones(count), -data.demand[offers]]),
            data.material[offers],
            count,
        ).tolist()
    else:
        model.tighten(model.quantity[offers], bound[offers])
        numbers = [None] * len(offers)
    model.limits.extend(
        Limit(LimitKind.SUPPLIER_CAP, o.material, o.supplier, (o.index,), cap, row)
        for o, cap, row in zip(
            (problem.offers[i] for i in offers.tolist()),
            bound[offers].tolist(),
            numbers,
            strict=True,
        )
    )


def add_country_caps(model: SourcingModel, data: OfferData, relax: bool = False) -> None:
    r"""sum_{o in O_mc} x_o <= kappa_mc D_m, kappa_mc = min(material's or default cap,
    country's own cap); O_mc: the offers of m that ship from c or originate in c.

    Relaxed, each of the two caps has its row and its share: sum x_o - D_m b_m <= M_m D_m for
    the material's cap M_m (its own or the setting it took) and sum x_o - D_m f_mc <= O_c D_m
    for the country's own cap O_c, b_m <= 1 - M_m and f_mc <= 1 - O_c priced 1.
    """
    problem = model.problem
    pairs, offers_of = _country_members(data)
    materials = list(problem.materials.items())
    if relax:
        _add_relaxed_country_caps(model, data, pairs, offers_of)
        return
    quantity = np.array([material.quantity for _, material in materials], dtype=np.float64)
    material = np.fromiter((m for m, _ in pairs), np.int64, len(pairs))
    cap = data.country_cap(material, np.fromiter((c for _, c in pairs), np.int64, len(pairs)))
    capped, bound = (cap < FULL_SHARE).tolist(), (cap * quantity[material]).tolist()
    rows = [
        (m, c, offers, limit)
        for (m, c), offers, kept, limit in zip(pairs, offers_of, capped, bound, strict=True)
        if kept
    ]
    _add_share_rows(model, "country_cap", LimitKind.COUNTRY_CAP, rows, data.countries, -INF)


def _country_members(data: OfferData) -> tuple[list[tuple[int, int]], list[list[int]]]:
    """The distinct (material, country) pairs and the offers each counts (`OfferData.counted`:
    those that ship from the country or originate in it), in offer order."""
    offers, countries = data.counted()
    pairs, positions = _grouped(data.material[offers], countries, len(data.countries))
    if len(offers) == len(data.material):  # each offer once, in order: its positions
        return pairs, positions
    return pairs, [sorted(offers[p].tolist()) for p in positions]


def _add_relaxed_country_caps(
    model: SourcingModel,
    data: OfferData,
    pairs: list[tuple[int, int]],
    offers_of: list[list[int]],
) -> None:
    """The rows and knobs of `add_country_caps`, relaxed."""
    problem = model.problem
    materials = list(problem.materials.values())
    material = np.array([m for m, _ in pairs], dtype=np.int64)
    country = np.array([c for _, c in pairs], dtype=np.int64)
    quantity = np.array([m.quantity for m in materials])
    cap, own = data.material_cap[material], data.own_cap[country]
    by_material, by_country = cap < FULL_SHARE, own < FULL_SHARE  # NaN: no cap of its own
    capped = np.unique(material[by_material])
    knobs = [
        material_knob(Lever.COUNTRY_CAPS, materials[m], "max_country_share")
        for m in capped.tolist()
    ]
    column_of = np.zeros(len(materials), dtype=np.int64)
    column_of[capped] = model.add_knobs(knobs, 1 - data.material_cap[capped], 1.0, capped)
    own_knobs = [
        Knob(Lever.COUNTRY_CAPS, "Countries", "max_share", materials[m].name, data.countries[c])
        for m, c in zip(material[by_country].tolist(), country[by_country].tolist(), strict=True)
    ]
    own_columns = model.add_knobs(own_knobs, 1 - own[by_country], 1.0, material[by_country])
    first, second = np.flatnonzero(by_material).tolist(), np.flatnonzero(by_country).tolist()
    rows = [(int(material[k]), offers_of[k], float(cap[k] * quantity[material[k]])) for k in first]
    rows += [
        (int(material[k]), offers_of[k], float(own[k] * quantity[material[k]])) for k in second
    ]
    if not rows:
        return
    columns = np.concatenate([column_of[material[first]], own_columns])
    demand = quantity[np.concatenate([material[first], material[second]])]
    _add_relaxed_rows(model, "country_cap", rows, columns, -demand, floor=False)


def _add_relaxed_rows(
    model: SourcingModel,
    prefix: str,
    rows: list[tuple[int, list[int], float]],
    knob_columns: np.ndarray,
    knob_values: np.ndarray,
    floor: bool,
) -> np.ndarray:
    """One row sum_{o in offers} x_o + v e <= bound (>= bound for a floor) per (material
    number, offers, bound), with its knob's column e and coefficient v."""
    numbers, members, bounds = zip(*rows, strict=True)
    sizes = [len(offers) for offers in members]
    offers = np.fromiter(itertools.chain.from_iterable(members), np.int64, sum(sizes))
    count = len(rows)
    lower, upper = (np.array(bounds), INF) if floor else (-INF, np.array(bounds))
    return model.add_rows(
        prefix,
        lower,
        upper,
        np.concatenate([np.repeat(np.arange(count), sizes), np.arange(count)]),
        np.concatenate([model.quantity[offers], knob_columns]),
        np.concatenate([np.ones(len(offers)), knob_values]),
        np.array(numbers),
        count,
    )


def add_group_shares(
    model: SourcingModel, data: OfferData, relax: bool = False, gaps: bool = False
) -> None:
    r"""gamma^min_g D_m <= sum_{o in O_mg} x_o <= gamma^max_g D_m for every group and material;
    O_mg: the offers of m whose country, origin or both belong to g (each counted once).

    A minimum share applies even when the group has no offer for the material. Relaxed, with a
    share per material and group: sum x_o - D_m h_mg <= gamma^max_g D_m, h_mg <= 1 - gamma^max_g,
    and sum x_o + D_m l_mg >= gamma^min_g D_m, l_mg <= gamma^min_g, priced 1. With `gaps`
    (every elastic model), a floor also has its gap g >= 0: sum x_o + g >= gamma^min_g D_m.
    """
    problem = model.problem
    if not problem.groups:
        return
    groups = list(problem.groups)
    offers_in, group = group_members(problem, data)
    pairs, offers_of = _grouped(data.material[offers_in], group, len(groups))
    members = {
        pair: sorted(offers_in[k] for k in offers)
        for pair, offers in zip(pairs, offers_of, strict=True)
    }
    caps, floors = [], []
    for m, material in enumerate(problem.materials.values()):
        for g, spec in enumerate(problem.groups.values()):
            offers = members.get((m, g), [])
            if spec.max_share is not None and spec.max_share < FULL_SHARE and offers:
                caps.append((m, g, offers, spec.max_share * material.quantity))
            if spec.min_share:
                floors.append((m, g, offers, spec.min_share * material.quantity))
    start = len(model.limits)
    _add_share_rows(model, "group_max", LimitKind.GROUP_MAX, caps, groups, -INF)
    _add_share_rows(model, "group_min", LimitKind.GROUP_MIN, floors, groups, INF)
    added = model.limits[start:]
    if not added or not (relax or gaps):
        return
    material_number = {name: k for k, name in enumerate(problem.materials)}
    materials = np.array([material_number[limit.material] for limit in added])
    demand = np.array([problem.materials[limit.material].quantity for limit in added])
    share = np.array([limit.bound for limit in added]) / demand
    floor = np.array([limit.kind is LimitKind.GROUP_MIN for limit in added])
    rows = np.array([limit.row for limit in added])
    if relax:
        knobs = [
            Knob(
                Lever.GROUP_SHARES,
                "Groups",
                "min_share" if is_floor else "max_share",
                limit.material,
                limit.subject,
            )
            for limit, is_floor in zip(added, floor.tolist(), strict=True)
        ]
        columns = model.add_knobs(knobs, np.where(floor, share, 1 - share), 1.0, materials)
        model.add_entries(rows, columns, np.where(floor, demand, -demand))
    if gaps and floor.any():
        columns = model.add_columns("gap", 0.0, INF, materials[floor])
        model.add_entries(rows[floor], columns, 1.0)
        model.gaps.extend(columns.tolist())
        floors_added = [limit for limit, is_floor in zip(added, floor, strict=True) if is_floor]
        model.relaxation.update(
            zip((limit.name for limit in floors_added), columns.tolist(), strict=True)
        )


def group_members(problem: Problem, data: OfferData) -> tuple[list[int], np.ndarray]:
    """The distinct (offer, group number) pairs: an offer belongs to the group of its country
    and to that of its origin, once when both are the same."""
    number = {group: k for k, group in enumerate(problem.groups)}
    group_of_country = np.array(
        [number.get(problem.group_of(c) or "", -1) for c in data.countries], dtype=np.int64
    )
    offers, countries = data.counted()
    group = group_of_country[countries] if len(countries) else np.zeros(0, np.int64)
    keys = np.unique((offers * max(len(number), 1) + group)[group >= 0])
    width = max(len(number), 1)
    return (keys // width).tolist(), keys % width


def _grouped(
    first: np.ndarray, second: np.ndarray, size: int
) -> tuple[list[tuple[int, int]], list[list[int]]]:
    """The distinct (first, second) pairs, by first and then by first appearance, and the
    positions holding each."""
    size = max(size, 1)
    keys, first_seen, inverse = np.unique(
        first * size + second, return_index=True, return_inverse=True
    )
    order = np.lexsort((first_seen, keys // size)).tolist()
    positions = np.argsort(inverse, kind="stable").tolist()
    ends = np.cumsum(np.bincount(inverse, minlength=len(keys))).tolist()
    starts = [0, *ends[:-1]]
    pairs = list(zip((keys // size).tolist(), (keys % size).tolist(), strict=True))
    return [pairs[k] for k in order], [positions[starts[k] : ends[k]] for k in order]


def _add_share_rows(
    model: SourcingModel,
    prefix: str,
    kind: LimitKind,
    rows: list[tuple[int, int, list[int], float]],
    subjects: list[str],
    unbounded: float,
) -> None:
    """One row sum_{o in offers} x_o <= bound (>= bound when `unbounded` is +inf) per
    (material, subject, offers, bound)."""
    if not rows:
        return
    materials = list(model.problem.materials)
    numbers, subject_numbers, members, bound_list = zip(*rows, strict=True)
    bounds = np.array(bound_list, dtype=np.float64)
    sizes = [len(offers) for offers in members]
    offers = np.fromiter(itertools.chain.from_iterable(members), np.int64, sum(sizes))
    lower, upper = (bounds, unbounded) if unbounded > 0 else (unbounded, bounds)
    row_numbers = model.add_rows(
        prefix,
        lower,
        upper,
        np.repeat(np.arange(len(rows)), sizes),
        model.quantity[offers],
        1.0,
        np.array(numbers),
        len(rows),
    )
    model.limits.extend(
        Limit(kind, materials[m], subjects[c], tuple(offers_), bound, row)
        for m, c, offers_, bound, row in zip(
            numbers, subject_numbers, members, bound_list, row_numbers.tolist(), strict=True
        )
    )


def add_risk_caps(model: SourcingModel, data: OfferData, relax: bool = False) -> None:
    r"""sum_{o in O_m} r_o x_o <= R_m sum_{o in O_m} x_o, i.e. sum (r_o - R_m) x_o <= 0:
    the average risk of what is supplied is at most R_m.

    Relaxed: sum (r_o - R_m) x_o - D_m rho_m <= 0, rho_m <= 100 - R_m risk points priced 1/100
    (exactly the cap's rise when all demand is met; with less supplied, the cap the plan needs
    is its own average risk, which the explanation reads from the plan).
    """
    materials = model.problem.materials.values()
    caps = np.array([np.nan if m.max_avg_risk is None else m.max_avg_risk for m in materials])
    capped, numbers = _add_average_caps(
        model, data, caps, data.risk, "risk_cap", LimitKind.RISK_CAP
    )
    if relax and len(capped):
        room = np.maximum(100 - caps[capped], 0.0)
        _add_average_knobs(model, capped, numbers, Lever.RISK_CAPS, "max_avg_risk", room, 0.01)


def add_co2_caps(model: SourcingModel, data: OfferData, relax: bool = False) -> None:
    r"""sum_{o in O_m} (e_o - E_m) x_o <= 0: the quantity-weighted average co2 e_o of what is
    supplied of m is at most its max_avg_co2 E_m (like the risk cap; a row only for a material
    with an offer above its cap).

    Relaxed: sum (e_o - E_m) x_o - D_m eps_m <= 0, eps_m <= max_o e_o - E_m priced 1/max_o e_o
    (a share of the material's highest co2 per unit).
    """
    materials = model.problem.materials.values()
    caps = np.array([np.nan if m.max_avg_co2 is None else m.max_avg_co2 for m in materials])
    co2 = np.nan_to_num(data.co2)  # blank only where its material has no cap (validation)
    capped, numbers = _add_average_caps(model, data, caps, co2, "co2_cap", LimitKind.CO2_CAP)
    if relax and len(capped):
        highest = np.zeros(len(caps))
        np.maximum.at(highest, data.material, co2)
        room = np.maximum(highest[capped] - caps[capped], 0.0)
        price = 1 / np.maximum(highest[capped], 1e-9)
        _add_average_knobs(model, capped, numbers, Lever.CO2_CAPS, "max_avg_co2", room, price)


def _add_average_caps(
    model: SourcingModel,
    data: OfferData,
    caps: np.ndarray,
    values: np.ndarray,
    prefix: str,
    kind: LimitKind,
) -> tuple[np.ndarray, np.ndarray]:
    """One row sum_{o in O_m} (v_o - C_m) x_o <= 0 per material m with a cap C_m (`caps`, NaN:
    none) and an offer above it (`values` v_o per offer): the material numbers and their rows."""
    cap = caps[data.material] if len(data.material) else np.zeros(0)
    above = np.zeros(len(caps), dtype=bool)
    np.logical_or.at(above, data.material, values > cap)
    capped = np.flatnonzero(above)
    if not len(capped):
        return capped, capped
    row_of = np.full(len(caps), -1)
    row_of[capped] = np.arange(len(capped))
    offers = np.flatnonzero(above[data.material])
    numbers = model.add_rows(
        prefix,
        -INF,
        0.0,
        row_of[data.material[offers]],
        model.quantity[offers],
        values[offers] - cap[offers],
        capped,
        len(capped),
    )
    problem = model.problem
    names = list(problem.materials)
    for m, row in zip(capped.tolist(), numbers.tolist(), strict=True):
        name = names[m]
        members = tuple(o.index for o in problem.offers_by_material[name])
        model.limits.append(Limit(kind, name, name, members, float(caps[m]), row))
    return capped, numbers


def _add_average_knobs(
    model: SourcingModel,
    capped: np.ndarray,
    rows: np.ndarray,
    lever: Lever,
    column: str,
    room: np.ndarray,
    price: float | np.ndarray,
) -> None:
    """The relaxation of the average caps of `capped` materials: a knob of at most `room` in
    each cap's row, with the material's demand as coefficient, priced `price` a unit."""
    materials = list(model.problem.materials.values())
    knobs = [material_knob(lever, materials[m], column) for m in capped.tolist()]
    columns = model.add_knobs(knobs, room, price, capped)
    demand = np.array([materials[m].quantity for m in capped.tolist()])
    model.add_entries(rows, columns, -demand)


def spend_terms(model: SourcingModel, data: OfferData) -> tuple[np.ndarray, ...]:
    """The spend of each offer as terms (offer, column, landed unit cost): l_o x_o, or for an
    offer with price tiers l_ok w_ok for each of its tiers."""
    plain = np.ones(len(data.material), dtype=bool)
    plain[model.tier_offer] = False
    offers = np.flatnonzero(plain)
    return (
        np.concatenate([offers, model.tier_offer]),
        np.concatenate([model.quantity[offers], model.tier_column]),
        np.concatenate([data.landed[offers], model.tier_landed]),
    )


def add_spend_caps(model: SourcingModel, data: OfferData, relax: bool = False) -> None:
    r"""sum_{o from c} l_o x_o <= S t for every country c (the offers that ship from c or
    originate in it); t = sum_o l_o x_o is the total spend (for an offer with price tiers, l_o
    x_o reads sum_k l_ok w_ok).

    Relaxed: sum_{o from c} l_o x_o - S t - E <= 0 with one E >= 0 in money, priced
    1/(total demand x average landed cost); the cap the plan needs is its largest country's
    share of its spend, which the explanation reads from the plan.
    """
    problem = model.problem
    cap = problem.settings.max_country_spend_share
    if cap is None or cap >= FULL_SHARE:
        return
    total = model.total_spend = int(model.add_columns("t", 0.0, INF, -1, 1)[0])
    offer, column, landed = spend_terms(model, data)
    model.add_rows(
        "total_spend",
        0.0,
        0.0,
        np.zeros(len(column) + 1, np.int64),
        np.append(column, total),
        np.append(landed, -1.0),
        -1,
        1,
    )
    count = len(data.countries)
    counted, country = data.counted()
    # each term of an offer under each country it counts toward
    term_of = np.argsort(offer, kind="stable")
    starts = np.searchsorted(offer[term_of], np.arange(len(data.material) + 1))
    sizes = starts[counted + 1] - starts[counted]
    terms = term_of[_ranges(starts[counted], sizes)]
    numbers = model.add_rows(
        "spend_cap",
        -INF,
        0.0,
        np.concatenate([np.repeat(country, sizes), np.arange(count)]),
        np.concatenate([column[terms], np.full(count, total)]),
        np.concatenate([landed[terms], np.full(count, -cap)]),
        -1,
        count,
    )
    for c, (country_name, row) in enumerate(zip(data.countries, numbers.tolist(), strict=True)):
        members = tuple(sorted(counted[country == c].tolist()))
        model.limits.append(Limit(LimitKind.SPEND_CAP, "", country_name, members, cap, row))
    if relax:
        name = "max_country_spend_share"
        average_cost = float(data.landed.mean()) if len(data.landed) else 0.0
        quantity = sum(m.quantity for m in problem.materials.values())
        scale = max(quantity * average_cost, 1.0)
        [column] = model.add_knobs(
            [Knob(Lever.SPEND_CAPS, "Settings", name, "", name)], INF, 1 / scale, -1
        )
        model.add_entries(numbers, np.full(count, column), -1.0)


def add_cover(
    model: SourcingModel, data: OfferData, relax: bool = False, gaps: bool = False
) -> None:
    r"""What each disruption k of material m that `survive` names leaves is at least
    kappa_m D_m (`contract.disruptions`: it hits the offers H_k, each keeping a share f_o of its
    capacity c_o):

        sum_{o in O_m} (x_o + v_o) - sum_{o in H_k} (x_o + v_o)
            + sum_{o in H_k, f_o > 0} min(x_o + v_o, f_o c_o) + stock_m + a_m >= kappa_m D_m

    Written with the demand row (sum_{o in O_m} x_o = D_m - s_m), R_m and a column
    0 <= w_ko <= f_o c_o with w_ko <= x_o + v_o for each offer the disruption cuts to a share, a
    row holds only the offers the disruption hits:

        -s_m + R_m + a_m - sum_{o in H_k} (x_o + v_o) + sum_{o in H_k, f_o > 0} w_ko
            >= kappa_m D_m - D_m - stock_m

    A disruption that the stock on hand covers alone has no row (`Cover.rows`).

    Relaxed: + D_m e_m on each row of m, e_m <= kappa_m priced 1 (its min_cover lowered by e_m).
    With `gaps` (every elastic model), each row also has its gap g_k >= 0: the last resort.
    """
    cover = model.cover
    assert cover is not None
    problem = model.problem
    found, kept = cover.losses, cover.rows
    materials = list(problem.materials.values())
    demand = np.array([m.quantity for m in materials], dtype=np.float64)
    stock = np.array([m.stock for m in materials], dtype=np.float64)
    material = found.material[kept]
    count = len(kept)
    sizes = np.diff(found.start)[kept]
    at = _ranges(found.start[kept], sizes)  # the hits of the kept disruptions
    hit_row = np.repeat(np.arange(count), sizes)
    hit_offer = found.offer[at]
    reserve_of = np.full(len(data.material), -1, dtype=np.int64)
    reserve_of[model.reservable] = model.reserve
    reserved = reserve_of[hit_offer] >= 0
    partial = found.factor[at] > 0
    kept_share = (found.factor[at] * capacity(problem)[hit_offer])[partial]
    shares = model.add_columns(
        "w", 0.0, kept_share, data.material[hit_offer[partial]], len(kept_share)
    )

    def by_material(columns: Mapping[object, int], keys: list[object]) -> tuple[np.ndarray, ...]:
        """The rows of materials that have a column in `columns`, and those columns."""
        column = np.array([columns.get(k, -1) for k in keys], dtype=np.int64)[material]
        has = column >= 0
        return np.flatnonzero(has), column[has]

    names = [m.name for m in materials]
    numbers = list(range(len(materials)))
    short_rows, short_columns = by_material(model.shortfall, names)
    total_rows, total_columns = by_material(model.reserved_total, numbers)
    stock_rows, stock_columns = by_material(model.stock, names)
    lower = cover.required[kept] - demand[material] - stock[material]
    rows = model.add_rows(
        "cover",
        lower,
        INF,
        np.concatenate(
            [hit_row, hit_row[reserved], hit_row[partial], short_rows, total_rows, stock_rows]
        ),
        np.concatenate(
            [
                model.quantity[hit_offer],
                reserve_of[hit_offer[reserved]],
                shares,
                short_columns,
                total_columns,
                stock_columns,
            ]
        ),
        np.concatenate(
            [
                -np.ones(len(hit_offer) + int(reserved.sum())),
                np.ones(len(shares)),
                -np.ones(len(short_rows)),
                np.ones(len(total_rows) + len(stock_rows)),
            ]
        ),
        material,
        count,
    )
    cut = hit_offer[partial]
    held = reserve_of[cut] >= 0
    pieces = len(cut)
    model.add_rows(
        "partial",
        -INF,
        0.0,
        np.concatenate([np.arange(pieces), np.arange(pieces), np.flatnonzero(held)]),
        np.concatenate([shares, model.quantity[cut], reserve_of[cut[held]]]),
        np.concatenate([np.ones(pieces), -np.ones(pieces + int(held.sum()))]),
        data.material[cut],
        pieces,
    )
    offers = found.offer.tolist()
    starts = found.start.tolist()
    model.limits.extend(
        Limit(
            LimitKind.COVER,
            names[m],
            found.name[k],
            tuple(offers[starts[k] : starts[k + 1]]),
            need,
            row,
        )
        for k, m, need, row in zip(
            kept.tolist(),
            material.tolist(),
            cover.required[kept].tolist(),
            rows.tolist(),
            strict=True,
        )
    )
    if relax:
        owners = np.unique(material)
        knobs = [material_knob(Lever.COVER, materials[m], "min_cover") for m in owners.tolist()]
        share = np.array([materials[m].min_cover for m in owners.tolist()], dtype=np.float64)
        columns = model.add_knobs(knobs, share, 1.0, owners)
        column_of = np.zeros(len(materials), dtype=np.int64)
        column_of[owners] = columns
        model.add_entries(rows, column_of[material], demand[material])
    if gaps:
        columns = model.add_columns("gap", 0.0, INF, material, count)
        model.add_entries(rows, columns, 1.0)
        model.gaps.extend(columns.tolist())
        added = model.limits[-count:] if count else []
        model.relaxation.update(zip((limit.name for limit in added), columns.tolist(), strict=True))


def _ranges(starts: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """The positions start, start + 1, ..., start + size - 1 of each (start, size), joined."""
    total = int(sizes.sum())
    if not total:
        return np.zeros(0, dtype=np.int64)
    ends = np.cumsum(sizes)
    return np.arange(total) - np.repeat(ends - sizes - starts, sizes)


def add_min_orders(model: SourcingModel, data: OfferData, relax: bool = False) -> None:
    r"""min_order_o y_o <= x_o <= u_o y_o: an offer is either unused or used from its minimum.

    Relaxed: x_o - min_order_o y_o + e_o >= 0, the minimum lowered by e_o <= min_order_o units
    priced 1/D_m each.
    """
    if not model.used:
        return
    problem = model.problem
    offers = np.array(list(model.used))
    used = np.array(list(model.used.values()))
    count = len(offers)
    model.add_rows(
        "use",
        -INF,
        0.0,
        np.tile(np.arange(count), 2),
        np.concatenate([model.quantity[offers], used]),
        np.concatenate([np.ones(count), -model.upper[offers]]),
        data.material[offers],
        count,
    )
    minimum = np.array([problem.offers[i].min_order or 0.0 for i in offers.tolist()])
    ordered = np.flatnonzero(minimum > 0)
    numbers = model.add_rows(
        "min_order",
        0.0,
        INF,
        np.tile(np.arange(len(ordered)), 2),
        np.concatenate([model.quantity[offers[ordered]], used[ordered]]),
        np.concatenate([np.ones(len(ordered)), -minimum[ordered]]),
        data.material[offers[ordered]],
        len(ordered),
    )
    if relax and len(ordered):
        names = list(problem.materials)
        lowered = offers[ordered]
        material = data.material[lowered]
        knobs = [
            Knob(Lever.MIN_ORDERS, "Offers", "min_order", names[m], str(o))
            for o, m in zip(lowered.tolist(), material.tolist(), strict=True)
        ]
        columns = model.add_knobs(knobs, minimum[ordered], 1 / data.demand[lowered], material)
        model.add_entries(numbers, columns, 1.0)


def add_max_suppliers(model: SourcingModel, relax: bool = False) -> None:
    r"""sum_{o in O_m} y_o <= K_m.

    Relaxed: sum y_o - k_m <= K_m, k_m more offers priced 1 each.
    """
    problem = model.problem
    rows, columns, bounds, materials, room = [], [], [], [], []
    for number, (name, material) in enumerate(problem.materials.items()):
        if material.max_suppliers is None:
            continue
        used = [
            model.used[o.index] for o in problem.offers_by_material[name] if o.index in model.used
        ]
        if len(used) <= material.max_suppliers:
            continue
        rows += [len(bounds)] * len(used)
        columns += used
        bounds.append(float(material.max_suppliers))
        materials.append(number)
        room.append(len(used) - material.max_suppliers)
    numbers = model.add_rows(
        "max_suppliers", -INF, np.array(bounds), rows, columns, 1.0, materials, len(bounds)
    )
    if relax and bounds:
        names = list(problem.materials)
        knobs = [
            Knob(Lever.SUPPLIER_COUNTS, "Demand", "max_suppliers", names[m], names[m])
            for m in materials
        ]
        added = model.add_knobs(knobs, np.array(room, dtype=np.float64), 1.0, np.array(materials))
        model.add_entries(numbers, added, -1.0)


def add_min_awards(
    model: SourcingModel,
    data: OfferData,
    fixed_use: Mapping[int, bool] | None,
    relax: bool = False,
) -> None:
    r"""x_o >= a_m D_m y_o for every offer o of a material m with a minimum award a_m: an offer
    used at all supplies at least that share of the demand (x_o <= u_o y_o is `add_min_orders`'
    row). With fixed choices, x_o >= a_m D_m for each offer used.

    Relaxed: x_o - a_m D_m y_o + D_m e_m >= 0, the award lowered by a share e_m <= a_m priced 1.
    """
    problem = model.problem
    materials = list(problem.materials.values())
    award = np.array([m.min_award or 0.0 for m in materials], dtype=np.float64)
    if not len(award) or not (award > 0).any():
        return
    switched = fixed_use is None
    choices = model.used if fixed_use is None else fixed_use  # the same offers, in one order
    offers = np.array([i for i in choices if award[data.material[i]] > 0], np.int64)
    material = data.material[offers]
    least = award[material] * data.demand[offers]
    count = len(offers)
    if switched:
        used = np.array([model.used[i] for i in offers.tolist()], dtype=np.int64)
        lower: np.ndarray | float = 0.0
    else:  # x_o >= a_m D_m where used, x_o >= 0 (its bound already) where not
        used = np.zeros(0, dtype=np.int64)
        assert fixed_use is not None
        lower = np.where([fixed_use[i] for i in offers.tolist()], least, 0.0)
    numbers = model.add_rows(
        "min_award",
        lower,
        INF,
        np.tile(np.arange(count), 2) if switched else np.arange(count),
        np.concatenate([model.quantity[offers], used]),
        np.concatenate([np.ones(count), -least if switched else np.zeros(0)]),
        material,
        count,
    )
    names, suppliers = list(problem.materials), data.suppliers
    model.limits.extend(
        Limit(LimitKind.MIN_AWARD, names[m], suppliers[o], (o,), bound, row)
        for o, m, bound, row in zip(
            offers.tolist(), material.tolist(), least.tolist(), numbers.tolist(), strict=True
        )
    )
    if relax and count:
        owners = np.unique(material)
        knobs = [material_knob(Lever.MIN_AWARDS, materials[m], "min_award") for m in owners]
        columns = model.add_knobs(knobs, award[owners], 1.0, owners)
        column_of = np.zeros(len(materials), dtype=np.int64)
        column_of[owners] = columns
        model.add_entries(numbers, column_of[material], data.demand[offers])


def origin_pairs(
    data: OfferData, wanted: np.ndarray
) -> tuple[list[tuple[int, int]], list[list[int]]]:
    """The distinct (material, origin) pairs of the materials `wanted` (a bool per material) and
    the offers of each: where production concentrates, each offer once, under its origin."""
    offers = np.flatnonzero(wanted[data.material]) if len(wanted) else np.zeros(0, np.int64)
    pairs, positions = _grouped(data.material[offers], data.origin[offers], len(data.countries))
    return pairs, [offers[p].tolist() for p in positions]


def add_min_countries(
    model: SourcingModel,
    data: OfferData,
    fixed_plan: np.ndarray | None,
    relax: bool = False,
    gaps: bool = False,
) -> None:
    r"""sum_c z_mc >= K_m for a material m with min_countries K_m, z_mc in {0, 1} for each
    country c some offer of m originates in, and sum_{o of m from origin c} x_o >= F_m z_mc:
    at least K_m countries of origin each supply at least F_m = f D_m, f the Settings
    country_floor (a 1e-5 share when f is 0). With a fixed plan, z_mc is fixed to whether c
    supplies that much in it.

    Relaxed: sum_c z_mc + e_m >= K_m, e_m <= K_m countries fewer priced 1 each. With `gaps`
    (every elastic model), each row also has its gap g_m >= 0 in units of the material, a
    country short counting as F_m: sum_c z_mc + g_m / F_m >= K_m, the last resort.
    """
    problem = model.problem
    materials = list(problem.materials.values())
    least = np.array([m.min_countries or 0 for m in materials], dtype=np.float64)
    if not len(least) or not (least > 0).any():
        return
    floor = problem.settings.country_floor
    pairs, offers_of = origin_pairs(data, least > 0)
    material = np.array([m for m, _ in pairs], dtype=np.int64)
    demand = np.array([m.quantity for m in materials], dtype=np.float64)
    each = np.maximum(floor * demand, 1e-5 * np.maximum(demand, 1.0))  # a country supplies some
    count = len(pairs)
    reached = partial(
        floors_reached, offers_of, each[material], 1e-6 * np.maximum(1.0, demand[material])
    )
    if fixed_plan is None:
        counts = model.add_columns("z", 0.0, 1.0, material, count, integer=True)
    else:
        value = reached(fixed_plan)
        counts = model.add_columns("z", value, value, material)
    model.switches.append(Switches(counts, reached))
    sizes = [len(offers) for offers in offers_of]
    members = np.fromiter(itertools.chain.from_iterable(offers_of), np.int64, sum(sizes))
    model.add_rows(
        "country_floor",
        0.0,
        INF,
        np.concatenate([np.repeat(np.arange(count), sizes), np.arange(count)]),
        np.concatenate([model.quantity[members], counts]),
        np.concatenate([np.ones(len(members)), -each[material]]),
        material,
        count,
    )
    owners = np.flatnonzero(least > 0)
    row_of = np.zeros(len(materials), dtype=np.int64)
    row_of[owners] = np.arange(len(owners))
    numbers = model.add_rows(
        "min_countries", least[owners], INF, row_of[material], counts, 1.0, owners, len(owners)
    )
    names = list(problem.materials)
    for m, row in zip(owners.tolist(), numbers.tolist(), strict=True):
        name = names[m]
        offers = tuple(o.index for o in problem.offers_by_material[name])
        model.limits.append(
            Limit(LimitKind.MIN_COUNTRIES, name, name, offers, float(least[m]), row)
        )
    if relax:
        knobs = [
            material_knob(Lever.MIN_COUNTRIES, materials[m], "min_countries")
            for m in owners.tolist()
        ]
        columns = model.add_knobs(knobs, least[owners], 1.0, owners)
        model.add_entries(numbers, columns, 1.0)
    if gaps:
        columns = model.add_columns("gap", 0.0, INF, owners, len(owners))
        model.add_entries(numbers, columns, 1 / each[owners])
        model.gaps.extend(columns.tolist())
        added = model.limits[-len(owners) :]
        model.relaxation.update(zip((limit.name for limit in added), columns.tolist(), strict=True))


def floors_reached(
    offers_of: list[list[int]], each: np.ndarray, slack: np.ndarray, quantities: np.ndarray
) -> np.ndarray:
    """z_mc (1 or 0): whether the offers of each (material, origin) pair supply its floor."""
    supplied = np.array([quantities[offers].sum() for offers in offers_of], np.float64)
    return (supplied >= each - slack).astype(np.float64)


def set_objective(model: SourcingModel, data: OfferData, risk_price: float) -> None:
    r"""min sum_o (l_o + rho r_o) x_o + sum_o f_o y_o + pi sum_m s_m + sum_o p_o v_o
    + sum_m k_m a_m, an offer with price tiers priced by its tiers' columns: l_o x_o there reads
    sum_k l_ok w_ok (`add_price_tiers`)."""
    model.set_cost(*objective_costs(model, data, risk_price))


def objective_costs(
    model: SourcingModel, data: OfferData, risk_price: float
) -> tuple[np.ndarray, np.ndarray]:
    """The columns `set_objective` prices, and their prices."""
    problem = model.problem
    penalty = problem.settings.shortfall_penalty or 0.0
    landed = data.landed
    if len(model.tier_offer):  # priced by their tiers' columns instead
        landed = landed.copy()
        landed[model.tier_offer] = 0.0
    columns = [
        model.quantity,
        model.tier_column,
        list(model.used.values()),
        list(model.shortfall.values()),
        model.reserve,
        list(model.stock.values()),
    ]
    costs = [
        landed + risk_price * data.risk,
        model.tier_landed,
        [problem.offers[i].fixed_cost or 0.0 for i in model.used],
        [penalty] * len(model.shortfall),
        data.reserve_price[model.reservable],
        [problem.materials[name].stock_cost or 0.0 for name in model.stock],
    ]
    return (
        np.concatenate([np.asarray(c, dtype=np.int64) for c in columns]),
        np.concatenate([np.asarray(c, dtype=np.float64) for c in costs]),
    )


def _last_resort(model: SourcingModel, weight: float, unmet: bool) -> tuple[list[int], list[float]]:
    """The columns of unmet demand (with `unmet`) and of the floors' gaps, each priced `weight`
    a share of its material's demand."""
    demand = [m.quantity for m in model.problem.materials.values()]
    material = model.materials_of_columns()
    columns = (list(model.shortfall.values()) if unmet else []) + model.gaps
    return columns, [weight / demand[material[c]] for c in columns]


def set_least_relaxation_objective(model: SourcingModel) -> None:
    r"""min sum_k w_k e_k + W (sum_m s_m / D_m + sum_l g_l / D_m): the least weighted move of the
    levers' values (w_k as each family's docstring says: 1 a share, 1/D_m a unit of quantity,
    1/100 a risk point), with unmet demand (unless a shortfall penalty allows it, then it is
    free) and the floors' gaps as the last resort at W = LAST_RESORT."""
    model.set_cost(*_relaxation_prices(model))


def _relaxation_prices(model: SourcingModel) -> tuple[np.ndarray, np.ndarray]:
    """The columns a relaxation's objective prices, and their prices."""
    knobs, weights = model.knob_weights()
    unmet = model.problem.settings.shortfall_penalty is None
    columns, prices = _last_resort(model, LAST_RESORT, unmet)
    return (
        np.concatenate([knobs, np.array(columns, dtype=np.int64)]),
        np.concatenate([weights, np.array(prices, dtype=np.float64)]),
    )


def relaxation_sizes(model: SourcingModel, plan: Plan, whole: bool) -> dict[str, float]:
    """The size of a relaxation's move in `plan`, sum_k w_k e_k + W (s + g) as its objective
    prices it, per material (or all of it under "" when `whole`)."""
    columns, prices = _relaxation_prices(model)
    value = {column: plan.relaxation.get(name, 0.0) for name, column in model.relaxation.items()}
    value.update(
        {column: plan.shortfall.get(name, 0.0) for name, column in model.shortfall.items()}
    )
    material = model.materials_of_columns()
    materials = list(model.problem.materials)
    sizes: dict[str, float] = defaultdict(float)
    for column, price in zip(columns.tolist(), prices.tolist(), strict=True):
        key = "" if whole or material[column] < 0 else materials[material[column]]
        sizes[key] += price * value.get(column, 0.0)
    return dict(sizes)


def add_relaxation_bounds(model: SourcingModel, within: Mapping[str, float]) -> None:
    r"""sum_{k of m} w_k e_k + W (s_m + sum_l g_l) <= size_m for each material m of `within`
    (for "", every column of the relaxation's objective): no move larger than the least one."""
    upper, row, column, value, material = relaxation_bounds(model, within)
    model.add_rows("relaxation", -INF, upper, row, column, value, material, len(upper))


def relaxation_bounds(
    model: SourcingModel, within: Mapping[str, float]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The rows of `add_relaxation_bounds`: their upper bounds, their entries (row, column,
    value; in order of rows) and their materials."""
    columns, prices = _relaxation_prices(model)
    material = model.materials_of_columns()[columns]
    number = {name: k for k, name in enumerate(model.problem.materials)}
    keys = list(within)
    rows, entries, values, owners = [np.zeros(0, np.int64)], [columns[:0]], [prices[:0]], []
    for k, key in enumerate(keys):
        mine = np.ones(len(columns), bool) if key == "" else material == number[key]
        rows.append(np.full(int(mine.sum()), k))
        entries.append(columns[mine])
        values.append(prices[mine])
        owners.append(-1 if key == "" else number[key])
    return (
        np.array([within[key] for key in keys], dtype=np.float64),
        np.concatenate(rows),
        np.concatenate(entries),
        np.concatenate(values),
        np.array(owners, dtype=np.int64),
    )


def set_least_shortfall_objective(model: SourcingModel) -> None:
    r"""min sum_m (s_m + sum_l g_l) D_max / D_m: source as much of every material as the limits
    allow and come as close to its group floors, each material's unmet share weighed alike
    (scaled by the largest demand so no weight is tiny)."""
    largest = max((m.quantity for m in model.problem.materials.values()), default=1.0)
    columns, prices = _last_resort(model, largest, unmet=True)
    model.set_cost(np.array(columns, dtype=np.int64), np.array(prices, dtype=np.float64))
