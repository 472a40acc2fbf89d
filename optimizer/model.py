r"""Build the linear (or mixed-integer) program of a sourcing problem.

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
Every row that is a limit an analyst set is kept as a `Limit` with our own keys, so results
are read back through those keys and never by parsing PuLP's names.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from pulp import (
    LpAffineExpression,
    LpBinary,
    LpConstraint,
    LpConstraintEQ,
    LpConstraintGE,
    LpConstraintLE,
    LpMinimize,
    LpProblem,
    LpVariable,
)

from optimizer.models import Problem

FULL_SHARE = 1.0 - 1e-12  # a share cap at (or above) 100% can never bind


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


@dataclass(frozen=True)
class Limit:
    """A limit the analyst set, as one row (or, for capacity, one variable bound) of the model.

    `bound` is in the limit's own unit: quantity for capacity, supplier, country and group
    limits; risk points for average-risk caps; the share of total spend for spend caps.
    """

    kind: LimitKind
    material: str  # "" when the limit spans all materials
    subject: str  # the supplier, country, group or material it is about
    offers: tuple[int, ...]
    bound: float
    constraint: LpConstraint | None = None

    @property
    def name(self) -> str:
        return f"{self.kind}[{self.material}|{self.subject}]"


@dataclass
class SourcingModel:
    problem: Problem
    lp: LpProblem
    quantity: dict[int, LpVariable] = field(default_factory=dict)
    shortfall: dict[str, LpVariable] = field(default_factory=dict)
    used: dict[int, LpVariable] = field(default_factory=dict)
    total_spend: LpVariable | None = None
    limits: list[Limit] = field(default_factory=list)
    demand: dict[str, LpConstraint] = field(default_factory=dict)
    fixed_cost: float = 0.0  # fixed costs already decided (for a model with fixed choices)
    relaxation: dict[str, LpVariable] = field(default_factory=dict)  # Limit.name -> e_l

    def add(self, rows: Iterable[tuple[str, LpConstraint]]) -> None:
        self.lp.extend(dict(rows))


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
    model = SourcingModel(problem, LpProblem("sourcing", LpMinimize))
    add_quantities(model, fixed_use, variant.least_shortfall)
    add_use_decisions(model, fixed_use)
    add_demand(model)
    add_capacity_limits(model)
    if Family.SUPPLIER_CAPS not in variant.without:
        add_supplier_caps(model)
    if Family.COUNTRY_CAPS not in variant.without:
        add_country_caps(model)
    if Family.GROUP_SHARES not in variant.without:
        add_group_shares(model)
    if Family.RISK_CAPS not in variant.without:
        add_risk_caps(model)
    if Family.SPEND_CAPS not in variant.without:
        add_spend_caps(model)
    add_min_orders(model)
    add_max_suppliers(model)
    if variant.relax is not None:
        add_relaxations(model, variant.relax)
        set_least_relaxation_objective(model)
    elif variant.least_shortfall:
        set_least_shortfall_objective(model)
    else:
        risk_price = variant.risk_price
        set_objective(model, problem.settings.risk_price if risk_price is None else risk_price)
    return model


def add_quantities(
    model: SourcingModel, fixed_use: Mapping[int, bool] | None, least_shortfall: bool = False
) -> None:
    r"""x_o in [0, u_o]; with fixed choices x_o in [min_order_o, u_o] if used, else x_o = 0.

    Embargoes live here: u_o = 0 for an offer from an embargoed country.
    """
    problem = model.problem
    for offer in problem.offers:
        upper = problem.upper_bound(offer)
        lower = 0.0
        if fixed_use is not None and offer.index in fixed_use:
            if fixed_use[offer.index]:
                lower = min(offer.min_order or 0.0, upper)
            else:
                upper = 0.0
        model.quantity[offer.index] = model.lp.add_variable(
            f"x_{offer.index}", lowBound=lower, upBound=upper
        )
    if problem.settings.shortfall_penalty is not None or least_shortfall:
        for number, material in enumerate(problem.materials):
            model.shortfall[material] = model.lp.add_variable(f"s_{number}", lowBound=0)


def add_use_decisions(model: SourcingModel, fixed_use: Mapping[int, bool] | None) -> None:
    r"""y_o binary for offers with a min order or fixed cost, and all offers of a material with
    a cap on the number of suppliers. With fixed choices there are no y; their fixed costs are
    a constant."""
    problem = model.problem
    for material, offers in problem.offers_by_material.items():
        every = problem.materials[material].max_suppliers is not None
        for offer in offers:
            if problem.upper_bound(offer) <= 0 or not (
                every or offer.min_order or offer.fixed_cost
            ):
                continue
            if fixed_use is None:
                model.used[offer.index] = model.lp.add_variable(f"y_{offer.index}", cat=LpBinary)
            elif fixed_use.get(offer.index):
                model.fixed_cost += offer.fixed_cost or 0.0


def add_demand(model: SourcingModel) -> None:
    r"""sum_{o in O_m} x_o + s_m = D_m for every material m."""
    problem = model.problem
    rows = []
    for number, (name, material) in enumerate(problem.materials.items()):
        terms = [(model.quantity[o.index], 1.0) for o in problem.offers_by_material[name]]
        if name in model.shortfall:
            terms.append((model.shortfall[name], 1.0))
        row = LpConstraint(
            LpAffineExpression(terms), LpConstraintEQ, f"demand_{number}", material.quantity
        )
        model.demand[name] = row
        rows.append((f"demand_{number}", row))
    model.add(rows)


def add_capacity_limits(model: SourcingModel) -> None:
    r"""x_o <= capacity_o, kept as the variable's upper bound (its dual is the reduced cost)."""
    problem = model.problem
    for offer in problem.offers:
        capacity = offer.capacity
        if capacity is None or offer.embargoed:
            continue
        if capacity <= problem.materials[offer.material].quantity:
            model.limits.append(
                Limit(LimitKind.CAPACITY, offer.material, offer.supplier, (offer.index,), capacity)
            )


def add_supplier_caps(model: SourcingModel) -> None:
    r"""x_o <= sigma_m D_m, for offers whose cap is below what they could supply anyway."""
    problem = model.problem
    rows = []
    for offer in problem.offers:
        material = problem.materials[offer.material]
        bound = material.max_supplier_share * material.quantity
        if bound < problem.upper_bound(offer):
            name = f"supplier_cap_{offer.index}"
            row = LpConstraint(
                LpAffineExpression([(model.quantity[offer.index], 1.0)]),
                LpConstraintLE,
                name,
                bound,
            )
            model.limits.append(
                Limit(
                    LimitKind.SUPPLIER_CAP,
                    offer.material,
                    offer.supplier,
                    (offer.index,),
                    bound,
                    row,
                )
            )
            rows.append((name, row))
    model.add(rows)


def add_country_caps(model: SourcingModel) -> None:
    r"""sum_{o in O_mc} x_o <= kappa_mc D_m, kappa_mc = min(material's or default cap,
    country's own cap)."""
    problem = model.problem
    rows = []
    for m_number, (name, material) in enumerate(problem.materials.items()):
        by_country: dict[str, list[int]] = defaultdict(list)
        for offer in problem.offers_by_material[name]:
            by_country[offer.country].append(offer.index)
        for c_number, (country, offers) in enumerate(by_country.items()):
            cap = problem.country_cap(name, country)
            if cap >= FULL_SHARE:
                continue
            row_name = f"country_cap_{m_number}_{c_number}"
            row = LpConstraint(
                LpAffineExpression([(model.quantity[o], 1.0) for o in offers]),
                LpConstraintLE,
                row_name,
                cap * material.quantity,
            )
            model.limits.append(
                Limit(
                    LimitKind.COUNTRY_CAP,
                    name,
                    country,
                    tuple(offers),
                    cap * material.quantity,
                    row,
                )
            )
            rows.append((row_name, row))
    model.add(rows)


def add_group_shares(model: SourcingModel) -> None:
    r"""gamma^min_g D_m <= sum_{o in O_mg} x_o <= gamma^max_g D_m for every group and material.

    A minimum share applies even when the group has no offer for the material.
    """
    problem = model.problem
    rows = []
    for m_number, (name, material) in enumerate(problem.materials.items()):
        members: dict[str, list[int]] = {group: [] for group in problem.groups}
        for offer in problem.offers_by_material[name]:
            group = problem.group_of(offer.country)
            if group is not None:
                members[group].append(offer.index)
        for g_number, (group, offers) in enumerate(members.items()):
            spec = problem.groups[group]
            expression = LpAffineExpression([(model.quantity[o], 1.0) for o in offers])
            if spec.max_share is not None and spec.max_share < FULL_SHARE and offers:
                row_name = f"group_max_{m_number}_{g_number}"
                bound = spec.max_share * material.quantity
                row = LpConstraint(expression, LpConstraintLE, row_name, bound)
                model.limits.append(
                    Limit(LimitKind.GROUP_MAX, name, group, tuple(offers), bound, row)
                )
                rows.append((row_name, row))
            if spec.min_share:
                row_name = f"group_min_{m_number}_{g_number}"
                bound = spec.min_share * material.quantity
                row = LpConstraint(expression.copy(), LpConstraintGE, row_name, bound)
                model.limits.append(
                    Limit(LimitKind.GROUP_MIN, name, group, tuple(offers), bound, row)
                )
                rows.append((row_name, row))
    model.add(rows)


def add_risk_caps(model: SourcingModel) -> None:
    r"""sum_{o in O_m} r_o x_o <= R_m sum_{o in O_m} x_o, i.e. sum (r_o - R_m) x_o <= 0:
    the average risk of what is supplied is at most R_m."""
    problem = model.problem
    rows = []
    for number, (name, material) in enumerate(problem.materials.items()):
        cap = material.max_avg_risk
        offers = problem.offers_by_material[name]
        if cap is None or all(o.risk <= cap for o in offers):
            continue
        row_name = f"risk_cap_{number}"
        terms = [(model.quantity[o.index], o.risk - cap) for o in offers]
        row = LpConstraint(LpAffineExpression(terms), LpConstraintLE, row_name, 0.0)
        model.limits.append(
            Limit(LimitKind.RISK_CAP, name, name, tuple(o.index for o in offers), cap, row)
        )
        rows.append((row_name, row))
    model.add(rows)


def add_spend_caps(model: SourcingModel) -> None:
    r"""sum_{o from c} l_o x_o <= S t for every country c; t = sum_o l_o x_o is the total spend."""
    problem = model.problem
    cap = problem.settings.max_country_spend_share
    if cap is None or cap >= FULL_SHARE:
        return
    total = model.total_spend = model.lp.add_variable("t", lowBound=0)
    by_country: dict[str, list[int]] = defaultdict(list)
    for offer in problem.offers:
        by_country[offer.country].append(offer.index)
    spend = [(model.quantity[o.index], o.landed_unit_cost) for o in problem.offers]
    rows = [
        (
            "total_spend",
            LpConstraint(
                LpAffineExpression([*spend, (total, -1.0)]), LpConstraintEQ, "total_spend", 0.0
            ),
        )
    ]
    for number, (country, offers) in enumerate(by_country.items()):
        row_name = f"spend_cap_{number}"
        terms = [(model.quantity[o], problem.offers[o].landed_unit_cost) for o in offers]
        row = LpConstraint(
            LpAffineExpression([*terms, (total, -cap)]), LpConstraintLE, row_name, 0.0
        )
        model.limits.append(Limit(LimitKind.SPEND_CAP, "", country, tuple(offers), cap, row))
        rows.append((row_name, row))
    model.add(rows)


def add_min_orders(model: SourcingModel) -> None:
    r"""min_order_o y_o <= x_o <= u_o y_o: an offer is either unused or used from its minimum."""
    problem = model.problem
    rows = []
    for index, used in model.used.items():
        offer = problem.offers[index]
        x = model.quantity[index]
        upper = problem.upper_bound(offer)
        rows.append(
            (
                f"use_{index}",
                LpConstraint(
                    LpAffineExpression([(x, 1.0), (used, -upper)]),
                    LpConstraintLE,
                    f"use_{index}",
                    0.0,
                ),
            )
        )
        if offer.min_order:
            rows.append(
                (
                    f"min_order_{index}",
                    LpConstraint(
                        LpAffineExpression([(x, 1.0), (used, -offer.min_order)]),
                        LpConstraintGE,
                        f"min_order_{index}",
                        0.0,
                    ),
                )
            )
    model.add(rows)


def add_max_suppliers(model: SourcingModel) -> None:
    r"""sum_{o in O_m} y_o <= K_m."""
    problem = model.problem
    rows = []
    for number, (name, material) in enumerate(problem.materials.items()):
        used = [
            model.used[o.index] for o in problem.offers_by_material[name] if o.index in model.used
        ]
        if material.max_suppliers is None or len(used) <= material.max_suppliers:
            continue
        row_name = f"max_suppliers_{number}"
        rows.append(
            (
                row_name,
                LpConstraint(
                    LpAffineExpression([(y, 1.0) for y in used]),
                    LpConstraintLE,
                    row_name,
                    material.max_suppliers,
                ),
            )
        )
    model.add(rows)


def set_objective(model: SourcingModel, risk_price: float) -> None:
    r"""min sum_o (l_o + rho r_o) x_o + sum_o f_o y_o + pi sum_m s_m."""
    problem = model.problem
    terms = [
        (model.quantity[o.index], o.landed_unit_cost + risk_price * o.risk) for o in problem.offers
    ]
    terms += [(used, problem.offers[i].fixed_cost or 0.0) for i, used in model.used.items()]
    penalty = problem.settings.shortfall_penalty or 0.0
    terms += [(s, penalty) for s in model.shortfall.values()]
    model.lp.setObjective(LpAffineExpression(terms, constant=model.fixed_cost))


def add_relaxations(model: SourcingModel, family: Family) -> None:
    r"""An elastic e_l >= 0 on every limit l of `family`, in the limit's own unit:
    expr_l - e_l <= rhs_l for caps, expr_l + e_l >= rhs_l for floors; for an average-risk cap
    sum (r_o - R_m) x_o <= D_m e_l (e_l in risk points, as all demand is met)."""
    demand = {name: m.quantity for name, m in model.problem.materials.items()}
    for number, limit in enumerate(model.limits):
        if limit.constraint is None or FAMILY_OF[limit.kind] is not family:
            continue
        relaxation = model.lp.add_variable(f"relax_{number}", lowBound=0)
        coefficient = {
            LimitKind.GROUP_MIN: 1.0,
            LimitKind.RISK_CAP: -demand.get(limit.material, 1.0),
        }.get(limit.kind, -1.0)
        limit.constraint.addInPlace(LpAffineExpression([(relaxation, coefficient)]))
        model.relaxation[limit.name] = relaxation


def set_least_relaxation_objective(model: SourcingModel) -> None:
    r"""min sum_l w_l e_l, with e_l weighed as a share: 1/D_m for quantities, 1/100 for risk
    points, 1/(total demand at average landed cost) for spend."""
    problem = model.problem
    offers = problem.offers
    average_cost = sum(o.landed_unit_cost for o in offers) / max(len(offers), 1)
    spend_scale = max(sum(m.quantity for m in problem.materials.values()) * average_cost, 1.0)
    weights = {LimitKind.RISK_CAP: 0.01, LimitKind.SPEND_CAP: 1 / spend_scale}
    terms = []
    for limit in model.limits:
        if limit.name in model.relaxation:
            weight = weights.get(limit.kind) or 1 / problem.materials[limit.material].quantity
            terms.append((model.relaxation[limit.name], weight))
    model.lp.setObjective(LpAffineExpression(terms))


def set_least_shortfall_objective(model: SourcingModel) -> None:
    r"""min sum_m s_m D_max / D_m: source as much of every material as the limits allow, each
    material's unmet share weighed alike (scaled by the largest demand so no weight is tiny)."""
    materials = model.problem.materials
    largest = max((m.quantity for m in materials.values()), default=1.0)
    terms = [(s, largest / materials[name].quantity) for name, s in model.shortfall.items()]
    model.lp.setObjective(LpAffineExpression(terms))
