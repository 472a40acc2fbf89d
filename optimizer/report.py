"""Turn a solved problem into the output tables of the contract (plain pandas DataFrames)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from optimizer.analysis import Analysis, FamilyCost, Frontier
from optimizer.diagnostics import Diagnostic
from optimizer.metrics import average_risk, country_amounts, hhi, material_cost, risk_weighted_hhi
from optimizer.model import Limit, LimitKind
from optimizer.models import Problem
from optimizer.scenarios import ScenarioOutcome
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
MATERIALS_COLUMNS = [
    "material",
    "demand",
    "supplied",
    "shortfall",
    "cost",
    "avg_risk",
    "hhi",
    "baseline_hhi",
    "risk_weighted_hhi",
    "baseline_risk_weighted_hhi",
]
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
CURRENT_MATERIAL_COLUMNS = ["current_cost", "current_avg_risk", "current_hhi"]
COMPARISON_COLUMNS = [
    "material",
    "country",
    "current_quantity",
    "current_share",
    "quantity",
    "share",
    "change",
]
LIMITS_COST_COLUMNS = [
    "family",
    "limits",
    "status_without",
    "total_cost_without",
    "cost",
    "share_of_total_cost",
]
SCENARIOS_COLUMNS = [
    "scenario",
    "status",
    "total_cost",
    "cost_change",
    "base_plan_shortfall",
    "shortfall",
]
FRONTIER_COLUMNS = [
    "status",
    "total_cost",
    "avg_risk",
    "hhi",
    "base_plan",
    "objective",
    "shortfall",
]


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


def invalid_tables(
    info: RunInfo, diagnostics: list[Diagnostic], solver: str | None = None
) -> dict[str, pd.DataFrame]:
    return _status_only(info, Status.INVALID, diagnostics, solver)


def error_tables(
    info: RunInfo, diagnostics: list[Diagnostic], solver: str | None = None
) -> dict[str, pd.DataFrame]:
    return _status_only(info, Status.ERROR, diagnostics, solver)


def _status_only(
    info: RunInfo, status: Status, diagnostics: list[Diagnostic], solver: str | None
) -> dict[str, pd.DataFrame]:
    """Summary (every contract row, blank where nothing was solved) and Diagnostics."""
    rows: list[tuple[str, object]] = [
        ("status", str(status)),
        ("total_cost", None),
        ("objective", None),
        ("solver", solver),
        ("solve_seconds", 0.0),
        ("baseline_cost", None),
        ("diversification_premium", None),
        ("errors", sum(d.level == "error" for d in diagnostics)),
    ]
    return {"Summary": summary_table(info, rows), "Diagnostics": diagnostics_table(diagnostics)}


def result_tables(
    info: RunInfo,
    problem: Problem,
    result: SolveResult,
    diagnostics: list[Diagnostic],
    analysis: Analysis | None = None,
) -> dict[str, pd.DataFrame]:
    """Every output sheet for a solved (or unsolvable) problem; plan sheets only with a plan."""
    analysis = analysis or Analysis()
    plan = result.plan
    cost = plan_cost(problem, plan) if plan is not None else None
    rows: list[tuple[str, object]] = [
        ("status", str(result.status)),
        ("total_cost", cost),
        ("objective", plan.objective if plan is not None else None),
        ("solver", result.solver),
        ("solve_seconds", round(result.seconds, 3)),
        ("baseline_cost", analysis.baseline_cost),
        ("diversification_premium", _difference(cost, analysis.baseline_cost)),
        ("diversification_premium_percent", _percent_of(cost, analysis.baseline_cost)),
    ]
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
    tables: dict[str, pd.DataFrame] = {}
    baseline = analysis.baseline.plan if analysis.baseline is not None else None
    current = current_plan(problem)
    if plan is not None:
        tables["Allocation"] = allocation_table(problem, plan)
        tables["Materials"] = materials_table(problem, plan, baseline, current)
        tables["Countries"] = countries_table(problem, plan)
        tables["Country shares"] = country_shares_table(problem, plan)
        tables["Constraints"] = constraints_table(problem, plan, result.limits, result.duals)
        if current is not None:
            tables["Current vs recommended"] = comparison_table(problem, plan, current)
            current_cost = plan_cost(problem, current)
            rows += [("current_cost", current_cost), ("savings_vs_current", current_cost - cost)]
        rows += glance_rows(tables)
    rows += [
        (f"scenario: {outcome.name}", scenario_verdict(outcome)) for outcome in analysis.scenarios
    ]
    if analysis.family_costs:
        tables["Limits cost"] = limits_cost_table(analysis.family_costs, cost)
    if problem.scenarios:
        tables["Scenarios"] = scenarios_table(analysis.scenarios)
    if analysis.frontier is not None:
        tables["Frontier"] = frontier_table(analysis.frontier)
    notes = [d for outcome in analysis.scenarios for d in outcome.diagnostics]
    tables["Diagnostics"] = diagnostics_table([*diagnostics, *notes])
    return {"Summary": summary_table(info, rows), **tables}


def glance_rows(tables: dict[str, pd.DataFrame]) -> list[tuple[str, object]]:
    """For a manager: the largest country exposures and how many materials a cap holds back."""
    countries = tables["Countries"]
    top = countries.sort_values("share", ascending=False, kind="stable").head(3)
    rows: list[tuple[str, object]] = [
        (f"top_exposure_{number}", f"{row.country}: {row.share:.0%} of {row.material}")
        for number, row in enumerate(top.itertuples(), 1)
    ]
    constraints = tables["Constraints"]
    capping = constraints["constraint"].isin(["country_cap", "group_max"])  # per material
    rows.append(("materials_capped", int(constraints.loc[capping, "material"].nunique())))
    return rows


def scenario_verdict(outcome: ScenarioOutcome) -> str:
    """One line per scenario: what re-planning costs, and what the plan would miss unchanged."""
    missed = outcome.base_plan_shortfall
    unchanged = (
        f"; unchanged, the plan would miss {missed:,.6g}" if missed and missed > ZERO else ""
    )
    if outcome.status is Status.INFEASIBLE:
        return f"no plan can meet the demand within the limits{unchanged}"
    if outcome.total_cost is None or outcome.cost_change is None:
        return f"{outcome.status}{unchanged}"
    base = outcome.total_cost - outcome.cost_change
    relative = f" ({outcome.cost_change / base:+.2%})" if base > ZERO else ""
    return f"re-planned for {outcome.cost_change:+,.0f}{relative}{unchanged}"


def current_plan(problem: Problem) -> Plan | None:
    """Today's allocation from `Offers.current_quantity`, when the workbook gives it."""
    if all(o.current_quantity is None for o in problem.offers):
        return None
    quantities = {o.index: o.current_quantity or 0.0 for o in problem.offers}
    shortfall = {
        name: max(
            0.0, m.quantity - sum(quantities[o.index] for o in problem.offers_by_material[name])
        )
        for name, m in problem.materials.items()
    }
    return Plan(quantities, shortfall, 0.0)


def comparison_table(problem: Problem, plan: Plan, current: Plan) -> pd.DataFrame:
    rows = []
    for name, material in problem.materials.items():
        now = country_amounts(problem, current, name)
        then = country_amounts(problem, plan, name)
        for country in [*now, *(c for c in then if c not in now)]:
            before, after = now.get(country, 0.0), then.get(country, 0.0)
            demand = material.quantity
            rows.append(
                (name, country, before, before / demand, after, after / demand, after - before)
            )
    return pd.DataFrame(rows, columns=COMPARISON_COLUMNS)


def country_shares_table(problem: Problem, plan: Plan, countries: int = 8) -> pd.DataFrame:
    """Share of each material's demand by country (the largest suppliers overall, the rest as
    'Other'), and the unmet share: the data behind the stacked-bar chart."""
    totals: dict[str, float] = {}
    by_material = {}
    for name, material in problem.materials.items():
        amounts = country_amounts(problem, plan, name)
        by_material[name] = {c: a / material.quantity for c, a in amounts.items()}
        for country, share in by_material[name].items():
            totals[country] = totals.get(country, 0.0) + share
    leading = sorted(totals, key=lambda c: -totals[c])[:countries]
    rows = []
    for name in sorted(problem.materials, key=lambda m: -problem.materials[m].quantity)[:25]:
        shares = by_material[name]
        other = sum(v for c, v in shares.items() if c not in leading)
        unmet = plan.shortfall.get(name, 0.0) / problem.materials[name].quantity
        rows.append((name, *(shares.get(c, 0.0) for c in leading), other, unmet))
    table = pd.DataFrame(rows, columns=["material", *leading, "Other", "unmet"])
    return table.loc[:, (table != 0).any(axis=0)]


def _difference(value: float | None, reference: float | None) -> float | None:
    return value - reference if value is not None and reference is not None else None


def _percent_of(value: float | None, reference: float | None) -> float | None:
    if value is None or reference is None or reference <= ZERO:
        return None
    return (value - reference) / reference


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


def materials_table(
    problem: Problem, plan: Plan, baseline: Plan | None = None, current: Plan | None = None
) -> pd.DataFrame:
    rows = []
    for name, material in problem.materials.items():
        supplied = sum(plan.quantities[o.index] for o in problem.offers_by_material[name])
        before = baseline is not None
        row: tuple[object, ...] = (
            name,
            material.quantity,
            supplied,
            plan.shortfall.get(name, 0.0),
            material_cost(problem, plan, name),
            average_risk(problem, plan, name),
            hhi(country_amounts(problem, plan, name)),
            hhi(country_amounts(problem, baseline, name)) if before else None,
            risk_weighted_hhi(problem, plan, name),
            risk_weighted_hhi(problem, baseline, name) if before else None,
        )
        if current is not None:
            row += (
                material_cost(problem, current, name),
                average_risk(problem, current, name),
                hhi(country_amounts(problem, current, name)),
            )
        rows.append(row)
    columns = MATERIALS_COLUMNS + (CURRENT_MATERIAL_COLUMNS if current is not None else [])
    return pd.DataFrame(rows, columns=columns)


def countries_table(problem: Problem, plan: Plan) -> pd.DataFrame:
    rows = []
    for name, material in problem.materials.items():
        for country, amount in country_amounts(problem, plan, name).items():
            cap = problem.country_cap(name, country)
            bound = cap * material.quantity
            binding = cap < 1 and bound - amount <= BINDING * max(1.0, bound)
            rows.append((name, country, amount, amount / material.quantity, cap, binding))
    return pd.DataFrame(rows, columns=COUNTRIES_COLUMNS)


def limits_cost_table(costs: list[FamilyCost], total_cost: float | None) -> pd.DataFrame:
    rows = [
        (
            str(c.family),
            c.limits,
            str(c.status_without),
            c.total_cost_without,
            c.cost,
            c.cost / total_cost if c.cost is not None and total_cost else None,
        )
        for c in costs
    ]
    return pd.DataFrame(rows, columns=LIMITS_COST_COLUMNS)


def scenarios_table(outcomes: list[ScenarioOutcome]) -> pd.DataFrame:
    rows = [
        (
            o.name,
            str(o.status),
            o.total_cost,
            o.cost_change,
            o.base_plan_shortfall,
            o.shortfall,
        )
        for o in outcomes
    ]
    return pd.DataFrame(rows, columns=SCENARIOS_COLUMNS)


def frontier_table(frontier: Frontier) -> pd.DataFrame:
    rows = [
        (
            "base plan" if p.base_plan else number,
            p.limit,
            str(p.status),
            p.total_cost,
            p.avg_risk,
            p.hhi,
            p.base_plan,
            p.objective,
            p.shortfall,
        )
        for number, p in enumerate(frontier.points)
    ]
    columns = ["point", frontier.setting, *FRONTIER_COLUMNS]
    return pd.DataFrame(rows, columns=columns)


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
