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

Objective (minimise):
    sum_o (l_o + rho r_o) x_o + sum_o f_o y_o + pi sum_m s_m
with landed unit cost l_o = price_o (1 + tariff_o) + freight_o, risk price rho, risk r_o,
fixed cost f_o and shortfall penalty pi.

Each family of constraints has its own function below; `build_model` reads like their list.
A family adds its rows in one block of arrays (row, column, coefficient), so a model of
hundreds of thousands of offers is built in numpy, not one Python object per term; `Matrix`
hands it to HiGHS as it is and to PuLP (for CBC) as a PuLP problem. Every row that is a limit
an analyst set is kept as a `Limit` with our own keys, so results are read back through those
keys and never by parsing a solver's names.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import NamedTuple

import numpy as np

from optimizer.contract.problem import OfferData, Problem

FULL_SHARE = 1.0 - 1e-12  # a share cap at (or above) 100% can never bind
INF = float("inf")


class LimitKind(StrEnum):
    CAPACITY = "capacity"
    SUPPLIER_CAP = "supplier_cap"
    COUNTRY_CAP = "country_cap"
    GROUP_MAX = "group_max"
    GROUP_MIN = "group_min"
    RISK_CAP = "risk_cap"
    SPEND_CAP = "spend_cap"


class Family(StrEnum):
    """The diversification limits an analyst sets, as families that can be dropped together."""

    SUPPLIER_CAPS = "supplier caps"
    COUNTRY_CAPS = "country caps"
    GROUP_SHARES = "group shares"
    RISK_CAPS = "risk caps"
    SPEND_CAPS = "spend caps"


EVERY_FAMILY = frozenset(Family)
FAMILY_OF = {
    LimitKind.CAPACITY: None,
    LimitKind.SUPPLIER_CAP: Family.SUPPLIER_CAPS,
    LimitKind.COUNTRY_CAP: Family.COUNTRY_CAPS,
    LimitKind.GROUP_MAX: Family.GROUP_SHARES,
    LimitKind.GROUP_MIN: Family.GROUP_SHARES,
    LimitKind.RISK_CAP: Family.RISK_CAPS,
    LimitKind.SPEND_CAP: Family.SPEND_CAPS,
}


class Limit(NamedTuple):
    """A limit the analyst set, as one row (or, for capacity, one variable bound) of the model.

    `bound` is in the limit's own unit: quantity for capacity, supplier, country and group
    limits; risk points for average-risk caps; the share of total spend for spend caps.
    """

    kind: LimitKind
    material: str  # "" when the limit spans all materials
    subject: str  # the supplier, country, group or material it is about
    offers: tuple[int, ...]
    bound: float
    row: int | None = None  # None for capacity, a bound of the offer's variable

    @property
    def name(self) -> str:
        return self.kind + "[" + self.material + "|" + self.subject + "]"


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
        """The columns' (or rows') names: each block's prefix and a number within the block."""
        blocks = self.row_names if of_rows else self.col_names
        return [f"{prefix}_{k}" for prefix, count in blocks for k in range(count)]


@dataclass
class SourcingModel:
    """The model under construction: columns and blocks of rows, and our keys into them."""

    problem: Problem
    quantity: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    shortfall: dict[str, int] = field(default_factory=dict)
    used: dict[int, int] = field(default_factory=dict)  # offer index -> column of y_o
    total_spend: int | None = None
    limits: list[Limit] = field(default_factory=list)
    demand: dict[str, int] = field(default_factory=dict)  # material -> row
    fixed_cost: float = 0.0  # fixed costs already decided (for a model with fixed choices)
    relaxation: dict[str, int] = field(default_factory=dict)  # Limit.name -> column of e_l
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
        integer: bool = False,
    ) -> np.ndarray:
        """`count` new columns (named prefix_0, ...) and their numbers."""
        if count is None:
            count = max(np.size(lower), np.size(upper), np.size(material))
        self._col_lower.append(np.broadcast_to(np.asarray(lower, dtype=np.float64), (count,)))
        self._col_upper.append(np.broadcast_to(np.asarray(upper, dtype=np.float64), (count,)))
        self._integer.append(np.full(count, integer))
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
        start = np.zeros(self.rows + 1, dtype=np.int32)
        np.cumsum(np.bincount(rows.astype(np.int64), minlength=self.rows), out=start[1:])
        return Matrix(
            cost,
            _joined(self._col_lower),
            col_upper,
            _joined(self._integer).astype(bool),
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
    (the smallest relaxation of one family's limits that makes the model feasible).
    """

    without: frozenset[Family] = frozenset()
    risk_price: float | None = None
    least_shortfall: bool = False
    relax: Family | None = None


CHEAPEST = Variant()
BASELINE = Variant(without=EVERY_FAMILY, risk_price=0.0)


def build_model(
    problem: Problem, variant: Variant = CHEAPEST, fixed_use: Mapping[int, bool] | None = None
) -> SourcingModel:
    """The model of `problem`, in the order of the module docstring; `fixed_use` fixes which
    offers are used (the LP of a solved integer model, for its duals)."""
    model = SourcingModel(problem)
    data = problem.data
    add_quantities(model, data, fixed_use, variant.least_shortfall)
    add_use_decisions(model, data, fixed_use)
    add_demand(model, data)
    add_capacity_limits(model, data)
    if Family.SUPPLIER_CAPS not in variant.without:
        add_supplier_caps(model, data, elastic=variant.relax is Family.SUPPLIER_CAPS)
    if Family.COUNTRY_CAPS not in variant.without:
        add_country_caps(model, data)
    if Family.GROUP_SHARES not in variant.without:
        add_group_shares(model, data)
    if Family.RISK_CAPS not in variant.without:
        add_risk_caps(model, data)
    if Family.SPEND_CAPS not in variant.without:
        add_spend_caps(model, data)
    add_min_orders(model, data)
    add_max_suppliers(model)
    if variant.relax is not None:
        add_relaxations(model, variant.relax)
        set_least_relaxation_objective(model, data)
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
    least_shortfall: bool = False,
) -> None:
    r"""x_o in [0, u_o]; with fixed choices x_o in [min_order_o, u_o] if used, else x_o = 0.

    Embargoes live here: u_o = 0 for an offer from an embargoed country.
    """
    problem = model.problem
    lower = np.zeros(len(problem.offers))
    upper = data.upper.copy()
    for index, used in (fixed_use or {}).items():
        if used:
            lower[index] = min(problem.offers[index].min_order or 0.0, upper[index])
        else:
            upper[index] = 0.0
    model.quantity = model.add_columns("x", lower, upper, data.material)
    if problem.settings.shortfall_penalty is not None or least_shortfall:
        columns = model.add_columns(
            "s", 0.0, INF, np.arange(len(problem.materials)), len(problem.materials)
        )
        model.shortfall = dict(zip(problem.materials, columns.tolist(), strict=True))


def add_use_decisions(
    model: SourcingModel, data: OfferData, fixed_use: Mapping[int, bool] | None
) -> None:
    r"""y_o binary for offers with a min order or fixed cost, and all offers of a material with
    a cap on the number of suppliers. With fixed choices there are no y; their fixed costs are
    a constant."""
    problem = model.problem
    counted = np.array([m.max_suppliers is not None for m in problem.materials.values()])
    switched = (data.min_order > 0) | (data.fixed_cost > 0)
    if len(counted):
        switched |= counted[data.material]
    needs = np.flatnonzero(switched & (data.upper > 0)).tolist()
    if fixed_use is not None:
        model.fixed_cost += sum(
            problem.offers[i].fixed_cost or 0.0 for i in needs if fixed_use.get(i)
        )
        return
    if needs:
        offers = np.array(needs)
        columns = model.add_columns("y", 0.0, 1.0, data.material[offers], integer=True)
        model.used = dict(zip(needs, columns.tolist(), strict=True))


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


def add_capacity_limits(model: SourcingModel, data: OfferData) -> None:
    r"""x_o <= capacity_o, kept as the variable's upper bound (its dual is the reduced cost)."""
    offers = np.flatnonzero(~data.embargoed & (data.capacity <= data.demand))
    names = list(model.problem.materials)
    materials, capacity = data.material[offers].tolist(), data.capacity[offers].tolist()
    suppliers = data.suppliers
    model.limits.extend(
        Limit(LimitKind.CAPACITY, names[m], suppliers[o], (o,), c)
        for o, m, c in zip(offers.tolist(), materials, capacity, strict=True)
    )


def add_supplier_caps(model: SourcingModel, data: OfferData, elastic: bool = False) -> None:
    r"""x_o <= sigma_m D_m, for offers whose cap is below what they could supply anyway.

    The cap is kept as the variable's upper bound (its dual is then the reduced cost), which
    makes the model smaller and faster to solve; as a row only when it is to be relaxed.
    """
    problem = model.problem
    share = np.array([m.max_supplier_share for m in problem.materials.values()])
    bound = share[data.material] * data.demand if len(data.material) else np.zeros(0)
    offers = np.flatnonzero(bound < data.upper)
    if elastic:
        numbers = model.add_rows(
            "supplier_cap",
            -INF,
            bound[offers],
            np.arange(len(offers)),
            model.quantity[offers],
            1.0,
            data.material[offers],
            len(offers),
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


def add_country_caps(model: SourcingModel, data: OfferData) -> None:
    r"""sum_{o in O_mc} x_o <= kappa_mc D_m, kappa_mc = min(material's or default cap,
    country's own cap)."""
    problem = model.problem
    pairs, offers_of = _grouped(data.material, data.country, len(data.countries))
    materials = list(problem.materials.items())
    rows = []
    for (m, c), offers in zip(pairs, offers_of, strict=True):
        name, material = materials[m]
        cap = problem.country_cap(name, data.countries[c])
        if cap < FULL_SHARE:
            rows.append((m, c, offers, cap * material.quantity))
    _add_share_rows(model, "country_cap", LimitKind.COUNTRY_CAP, rows, data.countries, -INF)


def add_group_shares(model: SourcingModel, data: OfferData) -> None:
    r"""gamma^min_g D_m <= sum_{o in O_mg} x_o <= gamma^max_g D_m for every group and material.

    A minimum share applies even when the group has no offer for the material.
    """
    problem = model.problem
    if not problem.groups:
        return
    groups = list(problem.groups)
    number = {group: k for k, group in enumerate(groups)}
    group_of_country = np.array(
        [number.get(problem.group_of(c) or "", -1) for c in data.countries], dtype=np.int64
    )
    group = group_of_country[data.country] if len(data.country) else np.zeros(0, np.int64)
    positions = np.flatnonzero(group >= 0).tolist()
    pairs, offers_of = _grouped(data.material[positions], group[positions], len(groups))
    members = {
        pair: [positions[k] for k in offers] for pair, offers in zip(pairs, offers_of, strict=True)
    }
    caps, floors = [], []
    for m, material in enumerate(problem.materials.values()):
        for g, spec in enumerate(problem.groups.values()):
            offers = members.get((m, g), [])
            if spec.max_share is not None and spec.max_share < FULL_SHARE and offers:
                caps.append((m, g, offers, spec.max_share * material.quantity))
            if spec.min_share:
                floors.append((m, g, offers, spec.min_share * material.quantity))
    _add_share_rows(model, "group_max", LimitKind.GROUP_MAX, caps, groups, -INF)
    _add_share_rows(model, "group_min", LimitKind.GROUP_MIN, floors, groups, INF)


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


def add_risk_caps(model: SourcingModel, data: OfferData) -> None:
    r"""sum_{o in O_m} r_o x_o <= R_m sum_{o in O_m} x_o, i.e. sum (r_o - R_m) x_o <= 0:
    the average risk of what is supplied is at most R_m."""
    problem = model.problem
    caps = np.array(
        [np.nan if m.max_avg_risk is None else m.max_avg_risk for m in problem.materials.values()]
    )
    cap = caps[data.material] if len(data.material) else np.zeros(0)
    above = np.zeros(len(caps), dtype=bool)
    np.logical_or.at(above, data.material, data.risk > cap)
    capped = np.flatnonzero(above)
    if not len(capped):
        return
    row_of = np.full(len(caps), -1)
    row_of[capped] = np.arange(len(capped))
    offers = np.flatnonzero(above[data.material])
    numbers = model.add_rows(
        "risk_cap",
        -INF,
        0.0,
        row_of[data.material[offers]],
        model.quantity[offers],
        data.risk[offers] - cap[offers],
        capped,
        len(capped),
    )
    names = list(problem.materials)
    for m, row in zip(capped.tolist(), numbers.tolist(), strict=True):
        name = names[m]
        members = tuple(o.index for o in problem.offers_by_material[name])
        model.limits.append(Limit(LimitKind.RISK_CAP, name, name, members, float(caps[m]), row))


def add_spend_caps(model: SourcingModel, data: OfferData) -> None:
    r"""sum_{o from c} l_o x_o <= S t for every country c; t = sum_o l_o x_o is the total spend."""
    problem = model.problem
    cap = problem.settings.max_country_spend_share
    if cap is None or cap >= FULL_SHARE:
        return
    total = model.total_spend = int(model.add_columns("t", 0.0, INF, -1, 1)[0])
    offers = len(problem.offers)
    model.add_rows(
        "total_spend",
        0.0,
        0.0,
        np.zeros(offers + 1, np.int64),
        np.append(model.quantity, total),
        np.append(data.landed, -1.0),
        -1,
        1,
    )
    count = len(data.countries)
    numbers = model.add_rows(
        "spend_cap",
        -INF,
        0.0,
        np.concatenate([data.country, np.arange(count)]),
        np.concatenate([model.quantity, np.full(count, total)]),
        np.concatenate([data.landed, np.full(count, -cap)]),
        -1,
        count,
    )
    for c, (country, row) in enumerate(zip(data.countries, numbers.tolist(), strict=True)):
        members = tuple(np.flatnonzero(data.country == c).tolist())
        model.limits.append(Limit(LimitKind.SPEND_CAP, "", country, members, cap, row))


def add_min_orders(model: SourcingModel, data: OfferData) -> None:
    r"""min_order_o y_o <= x_o <= u_o y_o: an offer is either unused or used from its minimum."""
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
        np.concatenate([np.ones(count), -data.upper[offers]]),
        data.material[offers],
        count,
    )
    minimum = np.array([problem.offers[i].min_order or 0.0 for i in offers.tolist()])
    ordered = np.flatnonzero(minimum > 0)
    model.add_rows(
        "min_order",
        0.0,
        INF,
        np.tile(np.arange(len(ordered)), 2),
        np.concatenate([model.quantity[offers[ordered]], used[ordered]]),
        np.concatenate([np.ones(len(ordered)), -minimum[ordered]]),
        data.material[offers[ordered]],
        len(ordered),
    )


def add_max_suppliers(model: SourcingModel) -> None:
    r"""sum_{o in O_m} y_o <= K_m."""
    problem = model.problem
    rows, columns, bounds, materials = [], [], [], []
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
    model.add_rows(
        "max_suppliers", -INF, np.array(bounds), rows, columns, 1.0, materials, len(bounds)
    )


def set_objective(model: SourcingModel, data: OfferData, risk_price: float) -> None:
    r"""min sum_o (l_o + rho r_o) x_o + sum_o f_o y_o + pi sum_m s_m."""
    problem = model.problem
    penalty = problem.settings.shortfall_penalty or 0.0
    columns = [model.quantity, list(model.used.values()), list(model.shortfall.values())]
    costs = [
        data.landed + risk_price * data.risk,
        [problem.offers[i].fixed_cost or 0.0 for i in model.used],
        [penalty] * len(model.shortfall),
    ]
    model.set_cost(
        np.concatenate([np.asarray(c, dtype=np.int64) for c in columns]),
        np.concatenate([np.asarray(c, dtype=np.float64) for c in costs]),
    )


def add_relaxations(model: SourcingModel, family: Family) -> None:
    r"""An elastic e_l >= 0 on every limit l of `family`, in the limit's own unit:
    expr_l - e_l <= rhs_l for caps, expr_l + e_l >= rhs_l for floors; for an average-risk cap
    sum (r_o - R_m) x_o <= D_m e_l (e_l in risk points, as all demand is met)."""
    demand = {name: m.quantity for name, m in model.problem.materials.items()}
    number = {name: k for k, name in enumerate(demand)}
    relaxed = [
        limit for limit in model.limits if limit.row is not None and FAMILY_OF[limit.kind] is family
    ]
    columns = model.add_columns(
        "relax", 0.0, INF, np.array([number.get(lim.material, -1) for lim in relaxed])
    )
    coefficients = [
        {
            LimitKind.GROUP_MIN: 1.0,
            LimitKind.RISK_CAP: -demand.get(limit.material, 1.0),
        }.get(limit.kind, -1.0)
        for limit in relaxed
    ]
    model.add_entries(np.array([limit.row for limit in relaxed]), columns, coefficients)
    model.relaxation = {
        limit.name: column for limit, column in zip(relaxed, columns.tolist(), strict=True)
    }


def set_least_relaxation_objective(model: SourcingModel, data: OfferData) -> None:
    r"""min sum_l w_l e_l, with e_l weighed as a share: 1/D_m for quantities, 1/100 for risk
    points, 1/(total demand at average landed cost) for spend."""
    problem = model.problem
    average_cost = float(data.landed.mean()) if len(data.landed) else 0.0
    spend_scale = max(sum(m.quantity for m in problem.materials.values()) * average_cost, 1.0)
    weights = {LimitKind.RISK_CAP: 0.01, LimitKind.SPEND_CAP: 1 / spend_scale}
    columns, costs = [], []
    for limit in model.limits:
        if limit.name in model.relaxation:
            weight = weights.get(limit.kind) or 1 / problem.materials[limit.material].quantity
            columns.append(model.relaxation[limit.name])
            costs.append(weight)
    model.set_cost(np.array(columns, dtype=np.int64), np.array(costs))


def set_least_shortfall_objective(model: SourcingModel) -> None:
    r"""min sum_m s_m D_max / D_m: source as much of every material as the limits allow, each
    material's unmet share weighed alike (scaled by the largest demand so no weight is tiny)."""
    materials = model.problem.materials
    largest = max((m.quantity for m in materials.values()), default=1.0)
    model.set_cost(
        np.array(list(model.shortfall.values()), dtype=np.int64),
        np.array([largest / materials[name].quantity for name in model.shortfall]),
    )
