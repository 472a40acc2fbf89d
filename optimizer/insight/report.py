"""Turn a solved problem into the output tables of the contract (plain pandas DataFrames)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import chain
from operator import attrgetter
from typing import Any

import numpy as np
import pandas as pd

from optimizer.contract.diagnostics import Diagnostic
from optimizer.contract.plan import ZERO, Plan
from optimizer.contract.problem import OfferData, Problem
from optimizer.contract.status import SolveStatus, Status
from optimizer.insight.analysis import Analysis, FamilyCost, Frontier
from optimizer.insight.overview import OVERVIEW_COLUMNS, overview_table
from optimizer.insight.resilience import (
    RESILIENCE_COLUMNS,
    Exposure,
    exposure,
    resilience_table,
    worst_cases,
)
from optimizer.insight.scenarios import ScenarioOutcome
from optimizer.insight.summary import (
    SUMMARY_COLUMNS,
    Row,
    RunInfo,
    run_rows,
    setting_rows,
    summary_table,
)
from optimizer.model.build import Family, Limit, LimitKind
from optimizer.model.solve import SolveResult
from optimizer.model.verify import plan_cost, reserve_cost, stock_cost

BINDING = 1e-6  # relative slack under which a limit counts as binding

ALLOCATION_COLUMNS = [
    "material",
    "supplier",
    "country",
    "quantity",
    "share",
    "landed_unit_cost",
    "cost",
    "reserved",
    "unit_price",
    "tariff",
    "freight",
    "risk",
    "fixed_cost",
    "origin",
    "tier",
    "co2",
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
    "unit",
    "stock_added",
    "worst_disruption",
    "worst_cover",
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
    "shortfall",
    "objective",
    "cost_change",
    "base_plan_shortfall",
]
FRONTIER_COLUMNS = [
    "point",
    "factor",
    "status",
    "total_cost",
    "objective",
    "avg_risk",
    "hhi",
    "shortfall",
    "factor_of",
]


SHEET_COLUMNS = {  # the columns of each output sheet, also when it has no rows
    "Overview": OVERVIEW_COLUMNS,
    "Resilience": RESILIENCE_COLUMNS,
    "Summary": SUMMARY_COLUMNS,
    "Allocation": ALLOCATION_COLUMNS,
    "Materials": MATERIALS_COLUMNS,
    "Countries": COUNTRIES_COLUMNS,
    "Constraints": CONSTRAINTS_COLUMNS,
    "Limits cost": LIMITS_COST_COLUMNS,
    "Scenarios": SCENARIOS_COLUMNS,
    "Frontier": FRONTIER_COLUMNS,
    "Diagnostics": DIAGNOSTICS_COLUMNS,
}


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
    rows: list[Row] = [
        ("status", str(status)),
        *((item, None) for item in PLAN_FIGURES),
        ("currency", None),
        ("errors", sum(d.level == "error" for d in diagnostics)),
        *run_rows(info, solver, 0.0),
    ]
    tables = {"Summary": summary_table(rows), "Diagnostics": diagnostics_table(diagnostics)}
    return {"Overview": overview_table(info, status, None, diagnostics, tables), **tables}


PLAN_FIGURES = (  # the contract's figures of a plan, blank when there is none
    "total_cost",
    "objective",
    "baseline_cost",
    "diversification_premium",
    "reserve_cost",
    "stock_cost",
    "resilience_cost",
)


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
    baseline = analysis.baseline.plan if analysis.baseline is not None else None
    current = current_plan(problem) if plan is not None else None
    tables: dict[str, pd.DataFrame] = {}
    if plan is not None:
        offers = OfferArrays.of(problem)
        seen = exposure(problem, plan)
        tables["Allocation"] = allocation_table(problem, plan, offers)
        tables["Materials"] = materials_table(problem, plan, baseline, current, offers, seen)
        tables["Countries"] = countries_table(problem, plan, offers)
        tables["Country shares"] = country_shares_table(problem, plan, offers=offers)
        tables["Constraints"] = constraints_table(
            problem, plan, result.limits, result.duals, offers, seen
        )
        if current is not None:
            tables["Current vs recommended"] = comparison_table(problem, plan, current, offers)
        tables["Resilience"] = resilience_table(problem, seen)
    if analysis.family_costs:
        tables["Limits cost"] = limits_cost_table(
            analysis.family_costs, plan_cost(problem, plan) if plan is not None else None
        )
    if problem.scenarios:
        tables["Scenarios"] = scenarios_table(analysis.scenarios)
    if analysis.frontier is not None:
        tables["Frontier"] = frontier_table(analysis.frontier)
    notes = [d for outcome in analysis.scenarios for d in outcome.diagnostics]
    tables["Diagnostics"] = diagnostics_table([*diagnostics, *notes])
    tables = {
        "Summary": summary_table(summary_rows(info, problem, result, analysis, current, tables)),
        **tables,
    }
    tables = {name: tidy(table) for name, table in tables.items()}
    plans = {"plan": plan, "baseline": baseline, "current": current}
    page = overview_table(
        info, Status.of(result.status), problem, diagnostics, tables, plans, analysis.scenarios
    )
    return {"Overview": page, **tables}


SIGNIFICANT = 9  # digits of a figure written out, as of a quantity: 96000.00000000001 is 96000


def tidy(table: pd.DataFrame) -> pd.DataFrame:
    """`table` with its numbers cut to SIGNIFICANT digits: the binary noise of sums and products
    (700.6999999999999) is not a figure anyone computed. Only the columns that change are
    replaced; in a column of mixed values (Summary's `value`), the floats."""
    if not len(table):
        return table
    floats = [name for name, kind in table.dtypes.items() if kind == np.float64]
    changed: dict[str, Any] = {}
    if floats:
        block = table[floats].to_numpy()
        rounded = significant(block)
        same = (rounded == block) | np.isnan(block)
        changed = {name: rounded[:, k] for k, name in enumerate(floats) if not same[:, k].all()}
    if "value" in table.columns and table["value"].dtype == object:
        values = table["value"].tolist()
        if any(type(v) is float for v in values):
            changed["value"] = [
                float(significant(np.array([v]))[0]) if type(v) is float else v for v in values
            ]
    return table.assign(**changed) if changed else table


def significant(values: np.ndarray) -> np.ndarray:
    """`values` rounded to SIGNIFICANT significant digits (NaN, inf and 0 as they are)."""
    out = values.copy()
    some = np.isfinite(values) & (values != 0)
    x = values[some]
    digits = SIGNIFICANT - 1 - np.floor(np.log10(np.abs(x)))
    up = 10.0 ** np.abs(digits)  # multiply then divide, or divide then multiply: exact powers
    out[some] = np.where(digits >= 0, np.round(x * up) / up, np.round(x / up) * up)
    return out


def resilience_cost(problem: Problem, plan: Plan, costs: list[FamilyCost]) -> float | None:
    """What withstanding the disruptions of `survive` costs: the plan's total cost minus that
    of the same workbook without `survive` (the re-solve without the cover family), each plus
    its unmet demand at the shortfall penalty; 0 without `survive` or when no disruption needs
    a cover row; None when the plan without `survive` is not known."""
    found = [c for c in costs if c.family is Family.COVER]
    if not problem.settings.survive or not found:
        return 0.0
    return found[0].cost  # (`family_costs` values unmet demand at the penalty)


def summary_rows(
    info: RunInfo,
    problem: Problem,
    result: SolveResult,
    analysis: Analysis,
    current: Plan | None,
    tables: dict[str, pd.DataFrame],
) -> list[Row]:
    """The Summary's rows: the plan's figures, what de-risking costs, a manager's glance, the
    scenarios, where the result comes from, and the settings in force."""
    plan, settings = result.plan, problem.settings
    penalty = settings.shortfall_penalty or 0.0
    rows: list[Row] = [("status", str(result.status))]
    if plan is None:
        rows += [(item, None) for item in PLAN_FIGURES]
    else:
        cost, shortfall = plan_cost(problem, plan), sum(plan.shortfall.values())
        baseline = analysis.baseline.plan if analysis.baseline is not None else None
        premium = _difference(cost, analysis.baseline_cost)
        if premium is not None and baseline is not None:
            premium += penalty * (shortfall - sum(baseline.shortfall.values()))
        risk = float(problem.data.risk @ plan.in_offer_order(len(problem.offers)))
        rows += [
            ("total_cost", cost),
            ("objective", plan.objective),
            ("baseline_cost", analysis.baseline_cost),
            ("diversification_premium", premium),
            ("reserve_cost", reserve_cost(problem, plan)),
            ("stock_cost", stock_cost(problem, plan)),
            ("resilience_cost", resilience_cost(problem, plan, analysis.family_costs)),
            ("diversification_premium_percent", _share_of(premium, analysis.baseline_cost)),
            ("total_demand", sum(m.quantity for m in problem.materials.values())),
            ("total_shortfall", shortfall),
            ("risk_cost", settings.risk_price * risk),
            ("shortfall_cost", penalty * shortfall),
        ]
    rows += [
        ("currency", settings.currency),
        ("materials", len(problem.materials)),
        ("offers", len(problem.offers)),
    ]
    if result.message:
        rows.append(("message", result.message))
    if plan is not None:
        if current is not None:
            current_cost = plan_cost(problem, current)
            rows += [
                ("current_cost", current_cost),
                ("change_vs_current", plan_cost(problem, plan) - current_cost),
            ]
        rows += glance_rows(tables)
    rows += [
        (f"scenario: {outcome.name}", scenario_verdict(outcome)) for outcome in analysis.scenarios
    ]
    rows += run_rows(info, result.solver, result.seconds)
    rows += [
        ("solver_status", result.solver_status or None),
        ("mip_gap", result.mip_gap),
        ("nodes", result.nodes),
    ]
    rows += setting_rows(settings)
    return rows


@dataclass(frozen=True)
class OfferArrays:
    """The offers as arrays (the problem's OfferData) and the materials' demand."""

    data: OfferData
    materials: list[str]
    demand: np.ndarray  # per material

    @classmethod
    def of(cls, problem: Problem) -> OfferArrays:
        demand = _floats(m.quantity for m in problem.materials.values())
        return cls(problem.data, list(problem.materials), demand)

    def of_plan(self, plan: Plan) -> np.ndarray:
        """The plan's quantity of every offer, by Offer.index (its position)."""
        return plan.in_offer_order(len(self.data.material))

    def per_material(self, values: np.ndarray) -> np.ndarray:
        """Sums of `values` (one per offer) per material, added up in offer order."""
        return np.bincount(self.data.material, weights=values, minlength=len(self.materials))


def _field(objects: Iterable[object], name: str) -> list[Any]:
    """One field of every object (of the limits, a list per field: a tuple per limit would
    wake the garbage collector for every few thousand of them)."""
    return list(map(attrgetter(name), objects))


def _floats(values: Iterable[float]) -> np.ndarray:
    return np.fromiter(values, dtype=np.float64)


def _ints(values: Iterable[int]) -> np.ndarray:
    return np.fromiter(values, dtype=np.int64)


@dataclass(frozen=True)
class CountryAmounts:
    """Quantity per material and supplying country (offers above ZERO): by material, then
    countries in the order they first supply it."""

    material: np.ndarray
    country: np.ndarray
    amount: np.ndarray

    @classmethod
    def of(cls, offers: OfferArrays, x: np.ndarray, by_origin: bool = False) -> CountryAmounts:
        """Each offer counted toward its country and its origin (as the country rules count
        it), or with `by_origin` once, under its origin (where production concentrates)."""
        data = offers.data
        if by_origin:
            counted, country = np.arange(len(x)), data.origin
        else:
            counted, country = data.counted()
        used = x[counted] > ZERO
        width = max(len(data.countries), 1)
        pair = data.material[counted[used]] * width + country[used]
        pairs, first, inverse = np.unique(pair, return_index=True, return_inverse=True)
        amount = np.bincount(inverse, weights=x[counted[used]], minlength=len(pairs))
        order = np.lexsort((first, pairs // width))
        return cls(pairs[order] // width, pairs[order] % width, amount[order])

    def hhi(self, offers: OfferArrays, weight: np.ndarray | float = 1.0) -> np.ndarray:
        """Herfindahl index of each material's country shares, each square times `weight`
        (one per country, NaN for unknown: the index is then unknown); NaN with no supply."""
        count = len(offers.materials)
        total = np.bincount(self.material, weights=self.amount, minlength=count)
        squares = (self.amount / total[self.material]) ** 2 * weight
        value = np.bincount(self.material, weights=squares, minlength=count)
        return np.where(total > ZERO, value, np.nan)

    def risk_weighted_hhi(self, problem: Problem, offers: OfferArrays) -> np.ndarray:
        """Sum over countries of share squared times risk/100, when every supplying country
        has a risk score in the Countries sheet."""
        scores = [
            problem.countries[c].risk if c in problem.countries else None
            for c in offers.data.countries
        ]
        risk = np.array([np.nan if r is None else r / 100 for r in scores], dtype=np.float64)
        return self.hhi(offers, risk[self.country])


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
    capped = list(dict.fromkeys(constraints.loc[capping, "material"]))
    more = f" and {len(capped) - MOST_NAMED} more" if len(capped) > MOST_NAMED else ""
    rows.append(("materials_capped", ", ".join(capped[:MOST_NAMED]) + more or None))
    return rows


MOST_NAMED = 20  # materials named in one Summary cell


def scenario_verdict(outcome: ScenarioOutcome) -> str:
    """One line per scenario: what re-planning costs (in objective, so unmet demand counts at
    its penalty), what it leaves unmet, and what the plan would miss unchanged."""
    missed = outcome.base_plan_shortfall
    unchanged = (
        f"; unchanged, the plan would miss {missed:,.6g}" if missed and missed > ZERO else ""
    )
    if outcome.status is SolveStatus.INFEASIBLE:
        return f"no plan can meet the demand within the limits{unchanged}"
    if outcome.objective is None or outcome.cost_change is None:
        return f"{outcome.status}{unchanged}"
    base = outcome.objective - outcome.cost_change
    relative = f" ({outcome.cost_change / base:+.2%})" if base > ZERO else ""
    unmet = f", leaving {outcome.shortfall:,.6g} unmet" if (outcome.shortfall or 0) > ZERO else ""
    return f"re-planned for {outcome.cost_change:+,.0f}{relative}{unmet}{unchanged}"


def current_plan(problem: Problem) -> Plan | None:
    """Today's allocation from `Offers.current_quantity`, when the workbook gives it."""
    current = _field(problem.offers, "current_quantity")
    if all(q is None for q in current):
        return None
    quantities = {index: q or 0.0 for index, q in enumerate(current)}  # index = Offer.index
    material = problem.data.material
    bought = _floats(quantities.values())
    supplied = np.bincount(material, weights=bought, minlength=len(problem.materials)).tolist()
    shortfall = {
        name: max(0.0, m.quantity - s)
        for (name, m), s in zip(problem.materials.items(), supplied, strict=True)
    }
    return Plan(quantities, shortfall, 0.0, array=bought)


def comparison_table(
    problem: Problem, plan: Plan, current: Plan, offers: OfferArrays | None = None
) -> pd.DataFrame:
    """Per material: today's countries in their order, then the plan's new ones."""
    offers = offers or OfferArrays.of(problem)
    width = max(len(offers.data.countries), 1)
    now = CountryAmounts.of(offers, offers.of_plan(current))
    then = CountryAmounts.of(offers, offers.of_plan(plan))
    now_pair = now.material * width + now.country
    then_pair = then.material * width + then.country
    pair = np.concatenate([now_pair, then_pair[~np.isin(then_pair, now_pair)]])
    pair = pair[np.argsort(pair // width, kind="stable")]
    material = pair // width
    demand = offers.demand[material]
    before = _lookup(pair, now_pair, now.amount)
    after = _lookup(pair, then_pair, then.amount)
    columns = [
        _names(offers.materials, material),
        _names(offers.data.countries, pair % width),
        before,
        before / demand,
        after,
        after / demand,
        after - before,
    ]
    return pd.DataFrame(dict(zip(COMPARISON_COLUMNS, columns, strict=True)))


def _lookup(keys: np.ndarray, known: np.ndarray, values: np.ndarray) -> np.ndarray:
    """values[j] where known[j] == key, for each key; 0 for keys not known."""
    if not len(known):
        return np.zeros(len(keys))
    order = np.argsort(known)
    at = order[np.minimum(np.searchsorted(known, keys, sorter=order), len(known) - 1)]
    return np.where(known[at] == keys, values[at], 0.0)


def _names(names: list[str], codes: np.ndarray) -> list[str]:
    return [names[k] for k in codes.tolist()]


def country_shares_table(
    problem: Problem, plan: Plan, countries: int = 8, offers: OfferArrays | None = None
) -> pd.DataFrame:
    """Share of each material's demand by country (the largest suppliers overall, the rest as
    'Other'), and the unmet share: the data behind the stacked-bar chart."""
    offers = offers or OfferArrays.of(problem)
    amounts = CountryAmounts.of(offers, offers.of_plan(plan), by_origin=True)  # sums to 1
    share = amounts.amount / offers.demand[amounts.material]
    totals = np.bincount(amounts.country, weights=share, minlength=len(offers.data.countries))
    _, first = np.unique(amounts.country, return_index=True)
    seen = amounts.country[np.sort(first)].tolist()  # in the order they first supply
    leading = sorted(seen, key=lambda c: -totals[c])[:countries]
    names = [offers.data.countries[c] for c in leading]
    rows = []
    for m in np.argsort(-offers.demand, kind="stable")[:25].tolist():
        start, stop = np.searchsorted(amounts.material, [m, m + 1]).tolist()
        shares = dict(
            zip(amounts.country[start:stop].tolist(), share[start:stop].tolist(), strict=True)
        )
        other = sum(v for c, v in shares.items() if c not in leading)
        unmet = plan.shortfall.get(offers.materials[m], 0.0) / offers.demand[m]
        rows.append((offers.materials[m], *(shares.get(c, 0.0) for c in leading), other, unmet))
    table = pd.DataFrame(rows, columns=["material", *names, "Other", "unmet"])
    return table.loc[:, (table != 0).any(axis=0)]


def _difference(value: float | None, reference: float | None) -> float | None:
    return value - reference if value is not None and reference is not None else None


def _share_of(value: float | None, reference: float | None) -> float | None:
    if value is None or reference is None or reference <= ZERO:
        return None
    return value / reference


def allocation_table(
    problem: Problem, plan: Plan, offers: OfferArrays | None = None
) -> pd.DataFrame:
    offers = offers or OfferArrays.of(problem)
    data, x = offers.data, offers.of_plan(plan)
    reserved = plan.reserved_in_offer_order(len(x))
    used = np.flatnonzero((x > ZERO) | (reserved > ZERO))
    # the offers' own fields, in one pass over them (each read once, far apart in memory)
    chosen = map(attrgetter(*OFFER_FIELDS), map(problem.offers.__getitem__, used.tolist()))
    supplier, unit_price, tariff, freight = list(zip(*chosen, strict=True)) or [()] * 4
    material, quantity, landed = data.material[used], x[used], problem.landed_paid(x)[used]
    price = np.array(unit_price, dtype=np.float64)
    tier = problem.tiers_reached(x)[used]
    if problem.tiered:  # the average unit price paid, before tariff and freight
        tiered = tier > 0
        price[tiered] = (landed[tiered] - np.array(freight)[tiered]) / (
            1 + np.array(tariff)[tiered]
        )
    columns = [
        _names(offers.materials, material),
        list(supplier),
        _names(data.countries, data.country[used]),
        quantity,
        quantity / offers.demand[material],
        landed,
        quantity * landed,
        reserved[used],
        price,
        np.array(tariff, dtype=np.float64),
        np.array(freight, dtype=np.float64),
        data.risk[used],
        data.fixed_cost[used],
        _names(data.countries, data.origin[used]),
        np.where(tier > 0, tier, np.nan),
        data.co2[used],
    ]
    return pd.DataFrame(dict(zip(ALLOCATION_COLUMNS, columns, strict=True)))


OFFER_FIELDS = ("supplier", "unit_price", "tariff", "freight")


def materials_table(
    problem: Problem,
    plan: Plan,
    baseline: Plan | None = None,
    current: Plan | None = None,
    offers: OfferArrays | None = None,
    seen: Exposure | None = None,
) -> pd.DataFrame:
    offers = offers or OfferArrays.of(problem)
    x = offers.of_plan(plan)
    worst, worst_cover = worst_cases(problem, seen or exposure(problem, plan))
    amounts = CountryAmounts.of(offers, x, by_origin=True)
    nothing = np.full(len(offers.materials), np.nan)
    before = (
        CountryAmounts.of(offers, offers.of_plan(baseline), by_origin=True)
        if baseline is not None
        else None
    )
    columns = [
        offers.materials,
        offers.demand,
        offers.per_material(x),
        [plan.shortfall.get(name, 0.0) for name in offers.materials],
        _material_cost(problem, offers, x) + _resilience_cost(problem, plan, offers),
        _average_risk(offers, x),
        amounts.hhi(offers),
        before.hhi(offers) if before is not None else nothing,
        [m.unit for m in problem.materials.values()],
        [plan.stock_added.get(name, 0.0) for name in offers.materials],
        worst,
        worst_cover,
        amounts.risk_weighted_hhi(problem, offers),
        before.risk_weighted_hhi(problem, offers) if before is not None else nothing,
    ]
    names = list(MATERIALS_COLUMNS)
    if current is not None:
        now = offers.of_plan(current)
        columns += [
            _material_cost(problem, offers, now),
            _average_risk(offers, now),
            CountryAmounts.of(offers, now, by_origin=True).hhi(offers),
        ]
        names += CURRENT_MATERIAL_COLUMNS
    return pd.DataFrame(dict(zip(names, columns, strict=True)))


def _material_cost(problem: Problem, offers: OfferArrays, x: np.ndarray) -> np.ndarray:
    """Landed cost (as paid, price tiers and all) plus the fixed costs of the offers used, per
    material."""
    paid = x * problem.landed_paid(x)
    return offers.per_material(paid + np.where(x > ZERO, offers.data.fixed_cost, 0.0))


def _resilience_cost(problem: Problem, plan: Plan, offers: OfferArrays) -> np.ndarray:
    """Reservation fees and the cost of the stock added, per material."""
    reserved = plan.reserved_in_offer_order(len(offers.data.material))
    fees = offers.per_material(np.nan_to_num(offers.data.reserve_price) * reserved)
    stock = _floats(
        (m.stock_cost or 0.0) * plan.stock_added.get(name, 0.0)
        for name, m in problem.materials.items()
    )
    return fees + stock


def _average_risk(offers: OfferArrays, x: np.ndarray) -> np.ndarray:
    """Quantity-weighted average risk per material; NaN with nothing supplied."""
    supplied = offers.per_material(x)
    risk = offers.per_material(offers.data.risk * x)
    return np.divide(risk, supplied, out=np.full(len(supplied), np.nan), where=supplied > ZERO)


def countries_table(
    problem: Problem, plan: Plan, offers: OfferArrays | None = None
) -> pd.DataFrame:
    offers = offers or OfferArrays.of(problem)
    amounts = CountryAmounts.of(offers, offers.of_plan(plan))
    cap = offers.data.country_cap(amounts.material, amounts.country)
    demand = offers.demand[amounts.material]
    bound = cap * demand
    binding = (cap < 1) & (bound - amounts.amount <= BINDING * np.maximum(1.0, bound))
    columns = [
        _names(offers.materials, amounts.material),
        _names(offers.data.countries, amounts.country),
        amounts.amount,
        amounts.amount / demand,
        cap,
        binding,
    ]
    return pd.DataFrame(dict(zip(COUNTRIES_COLUMNS, columns, strict=True)))


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
            o.shortfall,
            o.objective,
            o.cost_change,
            o.base_plan_shortfall,
        )
        for o in outcomes
    ]
    return pd.DataFrame(rows, columns=SCENARIOS_COLUMNS)


def frontier_table(frontier: Frontier) -> pd.DataFrame:
    """The base plan (`point` "base plan"), then the points 1 to N; `factor_of` says what the
    factor scales."""
    scales = FACTOR_OF[frontier.setting]
    rows = [
        (
            "base plan" if p.base_plan else number,
            p.factor,
            str(p.status),
            p.total_cost,
            p.objective,
            p.avg_risk,
            p.hhi,
            p.shortfall,
            scales,
        )
        for number, p in enumerate(frontier.points)
    ]
    return pd.DataFrame(rows, columns=FRONTIER_COLUMNS)


FACTOR_OF = {
    "max_avg_risk": "each material's average risk in the base plan",
    "max_country_share": "each material's largest country share in the base plan",
    "min_cover": "min_cover",
}


UNITS = {
    LimitKind.CAPACITY: "quantity",
    LimitKind.SUPPLIER_CAP: "quantity",
    LimitKind.COUNTRY_CAP: "quantity",
    LimitKind.GROUP_MAX: "quantity",
    LimitKind.GROUP_MIN: "quantity",
    LimitKind.RISK_CAP: "risk points",
    LimitKind.SPEND_CAP: "currency",
    LimitKind.COVER: "quantity",
    LimitKind.CO2_CAP: "co2 per unit",
    LimitKind.MIN_AWARD: "quantity",
    LimitKind.MIN_COUNTRIES: "countries",
}


def constraints_table(
    problem: Problem,
    plan: Plan,
    limits: list[Limit],
    duals: np.ndarray | None,
    offers: OfferArrays | None = None,
    seen: Exposure | None = None,
) -> pd.DataFrame:
    """The binding limits, each with limit, value and slack in its unit, and its shadow price:
    how much the objective falls per unit the limit is relaxed (blank when the duals are not
    known). `duals` holds the dual of each of `limits`, in their order; `seen`, the plan's
    exposure, when already at hand."""
    offers = offers or OfferArrays.of(problem)
    data, x = offers.data, offers.of_plan(plan)
    reserved = plan.reserved_in_offer_order(len(x))
    kind = _ints(map(KIND_CODES.__getitem__, map(attrgetter("kind"), limits)))
    bound = _floats(map(attrgetter("bound"), limits))
    members = _field(limits, "offers")
    owner = np.repeat(np.arange(len(limits)), _ints(map(len, members)))  # of each pair
    at = _ints(chain.from_iterable(members))  # (limit, offer) pairs: the offer

    def total(values: np.ndarray) -> np.ndarray:
        return np.bincount(owner, weights=values[at], minlength=len(limits))

    risk_cap = kind == KIND_CODES[LimitKind.RISK_CAP]
    co2_cap = kind == KIND_CODES[LimitKind.CO2_CAP]
    spend_cap = kind == KIND_CODES[LimitKind.SPEND_CAP]
    floor = np.isin(kind, [KIND_CODES[k] for k in FLOOR_KINDS])
    award = kind == KIND_CODES[LimitKind.MIN_AWARD]
    counted = np.flatnonzero(kind == KIND_CODES[LimitKind.MIN_COUNTRIES])
    capacity = kind == KIND_CODES[LimitKind.CAPACITY]
    value = total(x)
    if plan.reserved is not None:  # an offer's capacity holds what is bought and reserved
        value = np.where(capacity, total(x + reserved), value)
    cover = np.flatnonzero(kind == KIND_CODES[LimitKind.COVER])
    if len(cover):  # value: what the disruption leaves
        seen = seen or exposure(problem, plan)
        value[cover] = _available(problem, seen, [limits[k] for k in cover.tolist()])
    per_unit = np.where(risk_cap | co2_cap, value, 1.0)
    if risk_cap.any():  # value: the average risk
        risk = np.divide(total(data.risk * x), value, out=np.zeros(len(value)), where=value > ZERO)
        value = np.where(risk_cap, risk, value)
    if co2_cap.any():  # value: the average co2
        co2 = total(np.nan_to_num(data.co2) * x)
        value = np.where(
            co2_cap, np.divide(co2, value, out=np.zeros(len(value)), where=value > ZERO), value
        )
    if len(counted):  # value: the countries of origin that supply at least country_floor
        value[counted] = _countries_reached(problem, x, [limits[k] for k in counted.tolist()])
    share = np.where(spend_cap, bound, np.nan)
    if spend_cap.any():  # bound: a share of the total spend
        landed = problem.landed_paid(x)
        bound = np.where(spend_cap, bound * float(landed @ x), bound)
        value = np.where(spend_cap, total(landed * x), value)
    slack = np.where(floor, value - bound, bound - value)
    slack = np.where(award & (value <= ZERO), np.inf, slack)  # an offer not used: no award
    kept = np.flatnonzero(slack <= BINDING * np.maximum(1.0, np.abs(bound)))
    binding = [limits[i] for i in kept.tolist()]
    material = _field(binding, "material")
    demand = dict(zip(offers.materials, offers.demand.tolist(), strict=True))
    of_material = _floats(demand.get(name, np.nan) for name in material)  # "" spans them all
    per_material = np.isin(kind[kept], [KIND_CODES[k] for k in PER_MATERIAL_QUANTITY])
    names = [limit.name for limit in binding]
    dual = np.full(len(kept), np.nan) if duals is None else duals[kept]
    dual = np.where(kind[kept] == KIND_CODES[LimitKind.MIN_COUNTRIES], np.nan, dual)  # a count
    sign = np.where(floor[kept], 1.0, -1.0)
    columns = [
        KIND_NAMES[kind[kept]].tolist(),
        material,
        _field(binding, "subject"),
        bound[kept],
        value[kept],
        np.maximum(slack[kept], 0.0),
        np.maximum(0.0, sign * dual * per_unit[kept]) + 0.0,
        KIND_UNITS[kind[kept]].tolist(),
        np.where(per_material, bound[kept] / of_material, share[kept]),
        names,
    ]
    return pd.DataFrame(dict(zip(CONSTRAINTS_COLUMNS, columns, strict=True)))


def _countries_reached(problem: Problem, x: np.ndarray, limits: list[Limit]) -> np.ndarray:
    """For each min_countries limit, how many countries of origin supply at least country_floor
    of its material (an offer counts once, under its origin)."""
    data = problem.data
    floor = problem.settings.country_floor
    reached = []
    for limit in limits:
        material = problem.materials[limit.material]
        offers = np.array(limit.offers, dtype=np.int64)
        by_origin = np.bincount(data.origin[offers], weights=x[offers])
        least = max(floor * material.quantity, 1e-5 * max(material.quantity, 1.0))
        slack = 1e-6 * max(material.quantity, 1.0)
        reached.append(int((by_origin >= least - slack).sum()))
    return np.array(reached, dtype=np.float64)


def _available(problem: Problem, found: Exposure, limits: list[Limit]) -> np.ndarray:
    """What the disruption of each cover limit leaves of its material (`Losses.available`)."""
    names = list(problem.materials)
    left = {
        (names[m], name): value
        for m, name, value in zip(
            found.losses.material.tolist(), found.losses.name, found.available.tolist(), strict=True
        )
    }
    return _floats(left[limit.material, limit.subject] for limit in limits)


KINDS = list(LimitKind)
KIND_CODES = {kind: code for code, kind in enumerate(KINDS)}
KIND_NAMES = np.array([str(kind) for kind in KINDS], dtype=object)
KIND_UNITS = np.array([UNITS[kind] for kind in KINDS], dtype=object)
FLOOR_KINDS = [LimitKind.GROUP_MIN, LimitKind.COVER, LimitKind.MIN_AWARD, LimitKind.MIN_COUNTRIES]
PER_MATERIAL_QUANTITY = [  # limits whose `limit_share` is of the material's demand
    LimitKind.MIN_AWARD,
    LimitKind.SUPPLIER_CAP,
    LimitKind.COUNTRY_CAP,
    LimitKind.GROUP_MAX,
    LimitKind.GROUP_MIN,
    LimitKind.COVER,
]
