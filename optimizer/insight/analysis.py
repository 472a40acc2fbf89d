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
from optimizer.model.build import BASELINE, FAMILY_OF, Family, Variant, build_model
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


@dataclass(frozen=True)
class FrontierPoint:
    limit: float | None  # None for the base plan, under the workbook's own limits
    status: SolveStatus
    total_cost: float | None
    avg_risk: float | None
    hhi: float | None
    base_plan: bool = False
    objective: float | None = None  # with risk price and shortfall penalty
    shortfall: float | None = None


@dataclass(frozen=True)
class Frontier:
    setting: str  # the swept limit: "max_avg_risk" or "max_country_share"
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
    thread = ThreadPoolExecutor(1, thread_name_prefix="family-costs")
    analysis = Analysis(pending=thread.submit(family_costs, problem, result, session))
    thread.shutdown(wait=False)
    analysis.baseline = baseline = baseline_plan(problem, solver, time_limit)
    base_objective = plan_objective(problem, result.plan) if result.plan is not None else None
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


def baseline_plan(problem: Problem, solver: str, time_limit: float) -> SolveResult:
    """The cheapest plan with every share, group and risk limit removed and no risk price.

    Without minimum orders, fixed costs or supplier counts that plan needs no solver: each
    material is bought from its cheapest offers first, up to their capacity, and whatever a
    shortfall penalty makes cheaper is left unmet."""
    integer = any(o.min_order or o.fixed_cost for o in problem.offers) or any(
        m.max_suppliers is not None for m in problem.materials.values()
    )
    if integer:
        return solve(problem, solver, time_limit, BASELINE, duals=False)
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


def family_costs(problem: Problem, result: SolveResult, session: Session) -> list[FamilyCost]:
    """Re-solve `session`'s model without each family of limits present in it, one family at a
    time."""
    counts: dict[Family, int] = defaultdict(int)
    for limit in result.limits:
        family = FAMILY_OF[limit.kind]
        if family is not None:
            counts[family] += 1
    cost = plan_cost(problem, result.plan) if result.plan is not None else None
    costs = []
    for family in Family:
        if family not in counts:
            continue
        without = session.solve_without(family)
        cost_without = plan_cost(problem, without.plan) if without.plan is not None else None
        saving = cost - cost_without if cost is not None and cost_without is not None else None
        costs.append(FamilyCost(family, counts[family], without.status, cost_without, saving))
    return costs


def frontier(
    problem: Problem, result: SolveResult, points: int, solver: str, time_limit: float
) -> Frontier:
    """Sweep one limit, applied to every material alike, from its tightest feasible value to
    the value where it stops binding: the average-risk cap when offers carry risk scores, else
    the country cap (every country's own cap is then replaced by the swept value too)."""
    by_risk = any(o.risk > 0 for o in problem.offers)
    family = Family.RISK_CAPS if by_risk else Family.COUNTRY_CAPS
    setting = "max_avg_risk" if by_risk else "max_country_share"
    point_list = [_point(problem, result, None, base_plan=True)]
    loose = solve(problem, solver, time_limit, Variant(without=frozenset({family})), False)
    if loose.plan is None:
        return Frontier(setting, point_list)
    if by_risk:
        loosest = worst([average_risk(problem, loose.plan, m) for m in problem.materials])
    else:
        loosest = max(
            max(country_amounts(problem, loose.plan, m).values(), default=0.0) / m_.quantity
            for m, m_ in problem.materials.items()
        )
    tightest = _tightest(problem, family, solver, time_limit)
    if loosest is None or tightest is None:
        return Frontier(setting, point_list)
    step = (max(loosest, tightest) - tightest) / (points - 1)
    for value in (tightest + step * k for k in range(points)):
        capped = _uniform_cap(problem, setting, value)
        solved = solve(capped, solver, time_limit, duals=False)
        point_list.append(_point(capped, solved, value))
    return Frontier(setting, point_list)


def _point(
    problem: Problem, result: SolveResult, limit: float | None, base_plan: bool = False
) -> FrontierPoint:
    plan = result.plan
    if plan is None:
        return FrontierPoint(limit, result.status, None, None, None, base_plan)
    return FrontierPoint(
        limit,
        result.status,
        plan_cost(problem, plan),
        worst([average_risk(problem, plan, m) for m in problem.materials]),
        worst([hhi(country_amounts(problem, plan, m)) for m in problem.materials]),
        base_plan,
        plan.objective,
        sum(plan.shortfall.values()),
    )


def _uniform_cap(problem: Problem, setting: str, value: float) -> Problem:
    materials = {
        name: m.model_copy(update={setting: value}) for name, m in problem.materials.items()
    }
    if setting == "max_avg_risk":
        return problem.replace(materials=materials)
    countries = {
        name: c.model_copy(update={"max_share": None}) for name, c in problem.countries.items()
    }
    return problem.replace(materials=materials, countries=countries)


def _tightest(problem: Problem, family: Family, solver: str, time_limit: float) -> float | None:
    r"""min lambda such that every material's average risk (or every country's share) is at most
    lambda, all other limits holding: sum_o r_o x_o <= lambda D_m (resp. sum_{O_mc} x_o <=
    lambda D_m), demand met in full even where a shortfall penalty would allow less (else the
    tightest plan would buy nothing); 0 when demand cannot be met in full at all."""
    settings = problem.settings.model_copy(update={"shortfall_penalty": None})
    model = build_model(problem.replace(settings=settings), Variant(without=frozenset({family})))
    level = int(model.add_columns("lambda", 0.0, np.inf, -1, 1)[0])
    rows: list[int] = []
    columns: list[int] = []
    values: list[float] = []
    count = 0
    for name, material in problem.materials.items():
        offers = problem.offers_by_material[name]
        if family is Family.RISK_CAPS:
            groups = {"all": [(o.index, o.risk) for o in offers]}
        else:
            groups = defaultdict(list)
            for o in offers:
                groups[o.country].append((o.index, 1.0))
        for terms in groups.values():
            for index, coefficient in [*terms, (-1, -material.quantity)]:
                rows.append(count)
                columns.append(level if index < 0 else int(model.quantity[index]))
                values.append(coefficient)
            count += 1
    model.add_rows(
        "level", -np.inf, 0.0, np.array(rows), np.array(columns), np.array(values), -1, count
    )
    model.set_cost(np.array([level]), 1.0)
    solution = run_model(model, solver, time_limit)
    if solution.status is SolveStatus.INFEASIBLE and problem.settings.shortfall_penalty is not None:
        return 0.0
    if solution.status is not SolveStatus.OPTIMAL or solution.values is None:
        return None
    return float(solution.values[level])
