"""Turn a solved problem into the output tables of the contract (plain pandas DataFrames)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import pandas as pd

from optimizer.diagnostics import Diagnostic
from optimizer.model import Limit, LimitKind
from optimizer.models import Problem
from optimizer.solve import ZERO, Plan, SolveResult, Status
from optimizer.verify import plan_cost

BINDING = 1e-6  # relative slack under which a limit counts as binding

SUMMARY_COLUMNS = ["item", "value"]
ALLOCATION_COLUMNS = [
    "material",
    "supplier",
    "country",
    "quantity",
    "share",
    "landed_unit_cost",
    "cost",
    "unit_price",
    "tariff",
    "freight",
    "risk",
    "fixed_cost",
]
MATERIALS_COLUMNS = ["material", "demand", "supplied", "shortfall", "cost", "avg_risk", "hhi"]
COUNTRIES_COLUMNS = ["material", "country", "quantity", "share", "cap", "binding"]
CONSTRAINTS_COLUMNS = [
    "constraint",
    "material",
    "subject",
    "limit",
    "value",
    "slack",
    "shadow_price",
    "unit",
    "limit_share",
    "id",
]
DIAGNOSTICS_COLUMNS = ["level", "sheet", "cell", "message"]


@dataclass(frozen=True)
class RunInfo:
    """What the Summary says about the run itself."""

    input_file: str
    input_sha256: str


def summary_table(info: RunInfo, rows: list[tuple[str, object]]) -> pd.DataFrame:
    head = [("input_file", info.input_file), ("input_sha256", info.input_sha256)]
    return pd.DataFrame(rows[:1] + head + rows[1:], columns=SUMMARY_COLUMNS)


def diagnostics_table(diagnostics: list[Diagnostic]) -> pd.DataFrame:
    return pd.DataFrame(
        [(str(d.level), d.sheet, d.cell, d.message) for d in diagnostics],
        columns=DIAGNOSTICS_COLUMNS,
    )


def invalid_tables(info: RunInfo, diagnostics: list[Diagnostic]) -> dict[str, pd.DataFrame]:
    errors = sum(d.level == "error" for d in diagnostics)
    summary = summary_table(info, [("status", str(Status.INVALID)), ("errors", errors)])
    return {"Summary": summary, "Diagnostics": diagnostics_table(diagnostics)}


def result_tables(
    info: RunInfo,
    problem: Problem,
    result: SolveResult,
    diagnostics: list[Diagnostic],
) -> dict[str, pd.DataFrame]:
    """Every output sheet for a solved (or unsolvable) problem; plan sheets only with a plan."""
    plan = result.plan
    rows: list[tuple[str, object]] = [("status", str(result.status))]
    if plan is not None:
        rows += [("total_cost", plan_cost(problem, plan)), ("objective", plan.objective)]
    else:
        rows += [("total_cost", None), ("objective", None)]
    rows += [("solver", result.solver), ("solve_seconds", round(result.seconds, 3))]
    if plan is not None:
        rows += [
            ("total_demand", sum(m.quantity for m in problem.materials.values())),
            ("total_shortfall", sum(plan.shortfall.values())),
            ("risk_cost", problem.settings.risk_price * _risk_units(problem, plan)),
            (
                "shortfall_cost",
                (problem.settings.shortfall_penalty or 0.0) * sum(plan.shortfall.values()),
            ),
        ]
    rows += [("materials", len(problem.materials)), ("offers", len(problem.offers))]
    if result.message:
        rows.append(("message", result.message))
    tables = {"Summary": summary_table(info, rows)}
    if plan is not None:
        tables["Allocation"] = allocation_table(problem, plan)
        tables["Materials"] = materials_table(problem, plan)
        tables["Countries"] = countries_table(problem, plan)
        tables["Constraints"] = constraints_table(problem, plan, result.limits, result.duals)
    tables["Diagnostics"] = diagnostics_table(diagnostics)
    return tables


def _risk_units(problem: Problem, plan: Plan) -> float:
    return sum(o.risk * plan.quantities[o.index] for o in problem.offers)


def allocation_table(problem: Problem, plan: Plan) -> pd.DataFrame:
    rows = []
    for o in problem.offers:
        x = plan.quantities[o.index]
        if x <= ZERO:
            continue
        demand = problem.materials[o.material].quantity
        rows.append(
            (
                o.material,
                o.supplier,
                o.country,
                x,
                x / demand,
                o.landed_unit_cost,
                x * o.landed_unit_cost,
                o.unit_price,
                o.tariff,
                o.freight,
                o.risk,
                o.fixed_cost or 0.0,
            )
        )
    return pd.DataFrame(rows, columns=ALLOCATION_COLUMNS)


def hhi(amounts: dict[str, float]) -> float | None:
    """Herfindahl index of the shares of `amounts` (0-1); None when nothing is supplied."""
    total = sum(amounts.values())
    if total <= ZERO:
        return None
    return sum((a / total) ** 2 for a in amounts.values())


def _country_amounts(problem: Problem, plan: Plan, material: str) -> dict[str, float]:
    amounts: dict[str, float] = defaultdict(float)
    for o in problem.offers_by_material[material]:
        if plan.quantities[o.index] > ZERO:
            amounts[o.country] += plan.quantities[o.index]
    return dict(amounts)


def materials_table(problem: Problem, plan: Plan) -> pd.DataFrame:
    rows = []
    for name, material in problem.materials.items():
        offers = problem.offers_by_material[name]
        q = [plan.quantities[o.index] for o in offers]
        supplied = sum(q)
        cost = sum(
            x * o.landed_unit_cost + (o.fixed_cost or 0.0) * (x > ZERO)
            for x, o in zip(q, offers, strict=True)
        )
        risk = sum(x * o.risk for x, o in zip(q, offers, strict=True))
        rows.append(
            (
                name,
                material.quantity,
                supplied,
                plan.shortfall.get(name, 0.0),
                cost,
                risk / supplied if supplied > ZERO else None,
                hhi(_country_amounts(problem, plan, name)),
            )
        )
    return pd.DataFrame(rows, columns=MATERIALS_COLUMNS)


def countries_table(problem: Problem, plan: Plan) -> pd.DataFrame:
    rows = []
    for name, material in problem.materials.items():
        for country, amount in _country_amounts(problem, plan, name).items():
            cap = problem.country_cap(name, country)
            bound = cap * material.quantity
            binding = cap < 1 and bound - amount <= BINDING * max(1.0, bound)
            rows.append((name, country, amount, amount / material.quantity, cap, binding))
    return pd.DataFrame(rows, columns=COUNTRIES_COLUMNS)


UNITS = {
    LimitKind.CAPACITY: "quantity",
    LimitKind.SUPPLIER_CAP: "quantity",
    LimitKind.COUNTRY_CAP: "quantity",
    LimitKind.GROUP_MAX: "quantity",
    LimitKind.GROUP_MIN: "quantity",
    LimitKind.RISK_CAP: "risk points",
    LimitKind.SPEND_CAP: "currency",
}


def constraints_table(
    problem: Problem, plan: Plan, limits: list[Limit], duals: dict[str, float]
) -> pd.DataFrame:
    """The binding limits, each with limit, value and slack in its unit, and its shadow price:
    how much the objective falls per unit the limit is relaxed."""
    q = plan.quantities
    total_spend = sum(o.landed_unit_cost * q[o.index] for o in problem.offers)
    rows = []
    for limit in limits:
        value = sum(q[i] for i in limit.offers)
        bound, share, per_unit = limit.bound, None, 1.0
        if limit.kind is LimitKind.RISK_CAP:
            risk = sum(problem.offers[i].risk * q[i] for i in limit.offers)
            value = risk / value if value > ZERO else 0.0
            per_unit = sum(q[i] for i in limit.offers)
        elif limit.kind is LimitKind.SPEND_CAP:
            share = limit.bound
            bound = limit.bound * total_spend
            value = sum(problem.offers[i].landed_unit_cost * q[i] for i in limit.offers)
        elif limit.kind is not LimitKind.CAPACITY:
            share = limit.bound / problem.materials[limit.material].quantity
        slack = value - bound if limit.kind is LimitKind.GROUP_MIN else bound - value
        if slack > BINDING * max(1.0, abs(bound)):
            continue
        dual = duals.get(limit.name)
        shadow = None
        if dual is not None:
            sign = 1.0 if limit.kind is LimitKind.GROUP_MIN else -1.0
            shadow = max(0.0, sign * dual * per_unit) + 0.0
        rows.append(
            (
                str(limit.kind),
                limit.material,
                limit.subject,
                bound,
                value,
                max(slack, 0.0),
                shadow,
                UNITS[limit.kind],
                share,
                limit.name,
            )
        )
    return pd.DataFrame(rows, columns=CONSTRAINTS_COLUMNS)
