"""What the diversification costs and what could go wrong: the baseline plan, the cost of each
family of limits, the scenarios and the cost-risk frontier, all around one solved problem."""

from __future__ import annotations

import multiprocessing
import time
from collections import defaultdict
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from optimizer.contract.plan import ZERO, Plan
from optimizer.contract.problem import Problem
from optimizer.contract.status import SolveStatus
from optimizer.insight.metrics import average_risk, country_amounts, hhi, worst
from optimizer.insight.scenarios import ScenarioOutcome, run_scenario
from optimizer.model.build import BASELINE, FAMILY_OF, Family, build_model
from optimizer.model.solve import Session, SolveResult, run_model, solve
from optimizer.model.verify import plan_cost, plan_objective


@dataclass(frozen=True)
class FamilyCost:
    """What one family of limits costs: the plan's cost minus that of the plan without it."""

    family: Family
    limits: int
    status_without: SolveStatus
    total_cost_without: float | None
    cost: float | None
    shortfall_without: float | None = None  # the unmet demand of the plan without it
    objective_without: float | None = None  # and its objective


@dataclass(frozen=True)
class FrontierPoint:
    factor: float  # 1 for the base plan, under the workbook's own limits
    status: SolveStatus
    total_cost: float | None
    avg_risk: float | None  # the highest over the materials
    hhi: float | None  # the highest over the materials
    base_plan: bool = False
    objective: float | None = None  # with risk price and shortfall penalty
    shortfall: float | None = None


@dataclass(frozen=True)
class Frontier:
    """The base plan, then plans under tighter limits. `setting`: what a factor scales, each
    material's own value in the base plan ("max_avg_risk": its average risk;
    "max_country_share": its largest country share), or, with `survive`, "min_cover" itself."""

    setting: str
    points: list[FrontierPoint]


@dataclass
class Analysis:
    baseline: SolveResult | None = None
    baseline_cost: float | None = None
    scenarios: list[ScenarioOutcome] = field(default_factory=list)
    frontier: Frontier | None = None
    pending: Future[list[FamilyCost]] | None = None  # the family costs, still being worked out
    known: list[FamilyCost] = field(default_factory=list)

    @property
    def family_costs(self) -> list[FamilyCost]:
        """The cost of each family of limits, once its thread has worked them out."""
        self.wait()
        return self.known

    def wait(self) -> None:
        """Until the thread working out the family costs is done."""
        if self.pending is not None:
            self.known, self.pending = self.pending.result(), None


def analyse(problem: Problem, result: SolveResult, session: Session, workers: int = 1) -> Analysis:
    """Everything around the plan in `result`, the solve of `session` (which may have no
    plan); the scenarios run in `workers` processes when there are several.

    The cost of each family of limits is worked out in a thread meanwhile, and after this
    returns: HiGHS re-solves without holding Python's lock, so the caller can check the plan
    and write the report on the other core until `Analysis.family_costs` is read."""
    solver, time_limit = session.solver, session.time_limit
    if session.pooled:  # its solves fork worker processes: no thread solves meanwhile
        analysis = Analysis(known=family_costs(problem, result, session))
    else:
        thread = ThreadPoolExecutor(1, thread_name_prefix="family-costs")
        analysis = Analysis(pending=thread.submit(family_costs, problem, result, session))
        thread.shutdown(wait=False)
    analysis.baseline = baseline = baseline_plan(
        problem, solver, time_limit, session.workers, result.plan
    )
    base_objective = scenario_reference(problem, result, analysis)
    if baseline.plan is not None and baseline.status is SolveStatus.OPTIMAL:
        analysis.baseline_cost = plan_cost(problem, baseline.plan)
    jobs = [
        (problem, scenario, result.plan, base_objective, solver, time_limit)
        for scenario in problem.scenarios
    ]
    if workers > 1 and len(jobs) > 1 and not multiprocessing.current_process().daemon:
        analysis.wait()  # no process is forked while a thread solves
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(min(workers, len(jobs)), mp_context=context) as pool:
            analysis.scenarios = list(pool.map(run_scenario, *zip(*jobs, strict=True)))
    else:
        analysis.scenarios = [run_scenario(*job) for job in jobs]
    points = problem.settings.frontier_points
    if points is not None and points >= 2:
        analysis.frontier = frontier(problem, result, points, solver, time_limit)
    return analysis


def scenario_reference(problem: Problem, result: SolveResult, analysis: Analysis) -> float | None:
    """The objective a scenario's re-planned one is compared with: the plan's own, or, with
    `survive`, that of the plan without it (a scenario's re-solve drops `survive` too, so that
    what it changes is the disruption's doing, never the dropped reservations and stock).
    Waits for the family costs when it needs the plan without `survive`."""
    if result.plan is None:
        return None
    if not problem.settings.survive or not problem.scenarios:
        return plan_objective(problem, result.plan)
    without = [c for c in analysis.family_costs if c.family is Family.COVER]
    if not without:  # no disruption needed a cover row: the plan is the one without survive
        return plan_objective(problem, result.plan)
    if without[0].status_without is not SolveStatus.OPTIMAL:
        return None
    return without[0].objective_without


def baseline_plan(
    problem: Problem,
    solver: str,
    time_limit: float,
    workers: int = 1,
    start: Plan | None = None,
) -> SolveResult:
    """The cheapest plan with every share, group and risk limit removed and no risk price (it
    keeps the limits the contract keeps in the baseline: `BASELINE`). An integer model is
    solved from `start`, a plan it allows (the plan under every limit).

    Without minimum orders, fixed costs, supplier counts or CO2 caps that plan needs no solver: each
    material is bought from its cheapest offers first, up to their capacity, and whatever a
    shortfall penalty makes cheaper is left unmet."""
    integer = any(o.min_order or o.fixed_cost for o in problem.offers) or any(
        m.max_suppliers is not None or m.whole for m in problem.materials.values()
    )
    kept = any(m.max_avg_co2 is not None or m.min_award for m in problem.materials.values())
    if integer or kept or problem.tiered:  # not only the cheapest offers first
        return solve(problem, solver, time_limit, BASELINE, False, workers, start)
    started = time.perf_counter()
    penalty = problem.settings.shortfall_penalty
    data = problem.data
    eligible = data.landed < (np.inf if penalty is None else penalty)
    order = np.lexsort((data.landed, data.material))
    order = order[eligible[order]]
    upper = data.upper[order]
    material = data.material[order]
    count = len(problem.materials)
    demand = np.array([m.quantity for m in problem.materials.values()], dtype=np.float64)
    # Offers in order of cost within each material; each gets what its cheaper ones left.
    before = np.cumsum(upper) - upper
    first = np.searchsorted(material, np.arange(count))
    before -= before[np.minimum(first, len(before) - 1)][material] if len(before) else 0.0
    quantities = np.zeros(len(problem.offers))
    quantities[order] = np.clip(demand[material] - before, 0.0, upper)
    left = demand - np.bincount(data.material, weights=quantities, minlength=count)
    if penalty is None and (left > ZERO).any():
        return SolveResult(SolveStatus.INFEASIBLE, "none", time.perf_counter() - started)
    shortfall = (
        {}
        if penalty is None
        else dict(zip(problem.materials, np.maximum(left, 0.0).tolist(), strict=True))
    )
    plan = Plan(dict(enumerate(quantities.tolist())), shortfall, 0.0, array=quantities)
    objective = plan_cost(problem, plan) + (penalty or 0.0) * sum(shortfall.values())
    plan = Plan(plan.quantities, shortfall, objective, array=quantities)
    return SolveResult(SolveStatus.OPTIMAL, "none", time.perf_counter() - started, plan)


def valued_cost(problem: Problem, plan: Plan) -> float:
    """A plan's total cost plus its unmet demand valued at the shortfall penalty: what it costs
    when buying less is no saving (the contract's `diversification_premium`)."""
    unmet = sum(plan.shortfall.values())
    return plan_cost(problem, plan) + (problem.settings.shortfall_penalty or 0.0) * unmet


def family_costs(problem: Problem, result: SolveResult, session: Session) -> list[FamilyCost]:
    """Re-solve `session`'s model without each family of limits present in it, one family at a
    time. What a family costs is the difference in total cost with unmet demand valued at the
    shortfall penalty (`valued_cost`), so a limit that makes the plan buy less is no saving."""
    counts: dict[Family, int] = defaultdict(int)
    for limit in result.limits:
        family = FAMILY_OF[limit.kind]
        if family is not None:
            counts[family] += 1
    cost = valued_cost(problem, result.plan) if result.plan is not None else None
    free = _free_families(result, session)
    costs = []
    for family in Family:
        if family not in counts:
            continue
        without = _as_solved(result) if family in free else session.solve_without(family)
        cost_without = plan_cost(problem, without.plan) if without.plan is not None else None
        plan = without.plan
        unmet = sum(plan.shortfall.values()) if plan is not None else None
        objective = plan_objective(problem, plan) if plan is not None else None
        valued = valued_cost(problem, plan) if plan is not None else None
        saving = cost - valued if cost is not None and valued is not None else None
        costs.append(
            FamilyCost(
                family, counts[family], without.status, cost_without, saving, unmet, objective
            )
        )
    return costs


def _free_families(result: SolveResult, session: Session) -> set[Family]:
    """The families whose limits all have a dual of exactly 0 in the optimal plan of a linear
    model: without them that plan is still optimal (it and the other duals still meet every
    optimality condition), so they cost nothing and need no re-solve. Not so in an integer
    model, whose duals are those of the choice of offers fixed."""
    duals = result.duals
    if result.plan is None or result.status is not SolveStatus.OPTIMAL or duals is None:
        return set()
    if session.matrix.integer.any() or len(duals) != len(result.limits):
        return set()
    families = [FAMILY_OF[limit.kind] for limit in result.limits]
    priced = {family for family, dual in zip(families, duals.tolist(), strict=True) if dual}
    return set(families) - priced - {None}


def _as_solved(result: SolveResult) -> SolveResult:
    return SolveResult(result.status, result.solver, 0.0, result.plan, message=result.message)


def frontier(
    problem: Problem, result: SolveResult, points: int, solver: str, time_limit: float
) -> Frontier:
    """The base plan, then `points` plans that keep every limit of the workbook and add, for
    every material, a cap of a factor x that material's own value in the base plan: its average
    risk when offers carry risk scores, else its largest country share (as a cap on every
    country). The factors run evenly from 1 (excluded) down to the smallest at which all demand
    can still be met in full; where none is (a shortfall penalty lets demand go unmet even at
    the base plan's values), down to 0. Where demand can be met in full, every point meets it
    (`_in_full`), so that none costs less than the base plan by buying less; otherwise the points
    buy what the penalty makes worth it, compared in objective. With `survive`, `cover_sweep`
    instead."""
    if problem.settings.survive:
        return cover_sweep(problem, result, points, solver, time_limit)
    by_risk = any(o.risk > 0 for o in problem.offers)
    setting = "max_avg_risk" if by_risk else "max_country_share"
    base = _point(problem, result, 1.0, base_plan=True)
    if result.plan is None:
        return Frontier(setting, [base])
    reference = _base_values(problem, result.plan, by_risk)
    tightest = _tightest(problem, reference, by_risk, solver, time_limit)
    lowest = 0.0 if tightest is None or tightest > 1.0 else tightest
    found = [base]
    for k in range(1, points + 1):
        factor = 1.0 - (1.0 - lowest) * k / points
        capped = _capped(problem, reference, factor, setting)
        capped = capped if tightest is None or tightest > 1.0 else _in_full(capped)
        found.append(_point(capped, solve(capped, solver, time_limit, duals=False), factor))
    return Frontier(setting, found)


def cover_sweep(
    problem: Problem, result: SolveResult, points: int, solver: str, time_limit: float
) -> Frontier:
    """What a higher min_cover costs: the base plan at the workbook's own, then `points` plans
    with every material's min_cover raised by the same step, each up to 1. `factor` is the
    lowest min_cover in force (Settings' when every material takes it), which the step takes
    evenly to 1 at the last point."""
    lowest = min(m.min_cover for m in problem.materials.values())
    step = (1.0 - lowest) / points
    found = [_point(problem, result, lowest, base_plan=True)]
    for k in range(1, points + 1):
        raised = k * step
        materials = {
            name: m.model_copy(update={"min_cover": min(1.0, m.min_cover + raised)})
            for name, m in problem.materials.items()
        }
        changed = problem.replace(materials=materials)
        factor = min(1.0, lowest + raised)
        found.append(_point(changed, solve(changed, solver, time_limit, duals=False), factor))
    return Frontier("min_cover", found)


def _in_full(problem: Problem) -> Problem:
    """`problem` with all demand to be met: a frontier point that bought less could cost less
    than the base plan, which no tightening can make cheaper."""
    if problem.settings.shortfall_penalty is None:
        return problem
    return problem.replace(settings=problem.settings.model_copy(update={"shortfall_penalty": None}))


def _point(
    problem: Problem, result: SolveResult, factor: float, base_plan: bool = False
) -> FrontierPoint:
    plan = result.plan
    if plan is None:
        return FrontierPoint(factor, result.status, None, None, None, base_plan)
    return FrontierPoint(
        factor,
        result.status,
        plan_cost(problem, plan),
        worst([average_risk(problem, plan, m) for m in problem.materials]),
        worst([hhi(country_amounts(problem, plan, m, True)) for m in problem.materials]),
        base_plan,
        plan.objective,
        sum(plan.shortfall.values()),
    )


def _base_values(problem: Problem, plan: Plan, by_risk: bool) -> np.ndarray:
    """Per material, its value in the base plan: its average risk, or its largest country's
    share of its demand; NaN when nothing of it is supplied."""
    values = []
    for name, material in problem.materials.items():
        if by_risk:
            risk = average_risk(problem, plan, name)
            values.append(np.nan if risk is None else risk)
        else:
            amounts = country_amounts(problem, plan, name)
            largest = max(amounts.values(), default=0.0) / material.quantity
            values.append(largest if amounts else np.nan)
    return np.array(values, dtype=np.float64)


def _capped(problem: Problem, reference: np.ndarray, factor: float, setting: str) -> Problem:
    """`problem` with each material's cap `setting` at `factor` x its base-plan value (at or
    below its own: the base plan keeps it); a country's own cap stays where it is lower."""
    materials = {
        name: m if np.isnan(value) else m.model_copy(update={setting: factor * value})
        for (name, m), value in zip(problem.materials.items(), reference.tolist(), strict=True)
    }
    return problem.replace(materials=materials)


def _tightest(
    problem: Problem, reference: np.ndarray, by_risk: bool, solver: str, time_limit: float
) -> float | None:
    r"""min lambda such that, every limit of the workbook holding and all demand met in full
    (even where a shortfall penalty would allow less), each material's risk points are at most
    lambda x its base-plan average risk x its demand (by_risk: sum_o r_o x_o <= lambda rho_m D_m)
    or each country's share at most lambda x its largest base-plan share (sum_{O_mc} x_o <=
    lambda L_m D_m); None when demand cannot be met in full at all."""
    settings = problem.settings.model_copy(update={"shortfall_penalty": None})
    model = build_model(problem.replace(settings=settings))
    level = int(model.add_columns("lambda", 0.0, np.inf, -1, 1)[0])
    rows: list[int] = []
    columns: list[int] = []
    values: list[float] = []
    count = 0
    for (name, material), value in zip(problem.materials.items(), reference.tolist(), strict=True):
        if np.isnan(value):
            continue
        offers = problem.offers_by_material[name]
        groups: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for o in offers:
            # an offer counts toward its shipping country and its origin (contract, Origin)
            for home in ["all"] if by_risk else dict.fromkeys([o.country, o.origin or o.country]):
                groups[home].append((o.index, o.risk if by_risk else 1.0))
        for terms in groups.values():
            for index, coefficient in [*terms, (-1, -value * material.quantity)]:
                rows.append(count)
                columns.append(level if index < 0 else int(model.quantity[index]))
                values.append(coefficient)
            count += 1
    model.add_rows(
        "level", -np.inf, 0.0, np.array(rows), np.array(columns), np.array(values), -1, count
    )
    model.set_cost(np.array([level]), 1.0)
    solution = run_model(model, solver, time_limit)
    if solution.status is not SolveStatus.OPTIMAL or solution.values is None:
        return None
    return float(solution.values[level])
