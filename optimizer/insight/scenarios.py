"""Stress tests: re-optimise under each disruption, and see what it would do to the base plan.

A scenario's solve is a plain function of plain data (`run_scenario`), so scenarios can run
in any order, in any process.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from optimizer.contract.diagnostics import Diagnostic, warning
from optimizer.contract.plan import Plan
from optimizer.contract.problem import Problem, Scenario
from optimizer.contract.status import SolveStatus
from optimizer.insight.explain import explain_infeasible
from optimizer.model.solve import solve
from optimizer.model.verify import plan_cost, plan_objective, verify


@dataclass(frozen=True)
class ScenarioOutcome:
    name: str
    status: SolveStatus
    total_cost: float | None  # of the re-optimised plan's purchases
    cost_change: float | None  # its objective minus the base plan's: unmet demand is no saving
    base_plan_shortfall: float | None  # what the base plan would miss, with no re-planning
    shortfall: float | None  # what the re-optimised plan leaves unmet (with a penalty set)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    objective: float | None = None  # total cost plus risk price and shortfall penalties


def disrupted(problem: Problem, scenario: Scenario) -> Problem:
    """The problem with the scenario's factors applied: a blank capacity counts as the
    material's demand before its factor applies; factors of several rows multiply. It answers
    "what if this happens", so it has no disruption to withstand (`survive` dropped), and
    advice never raises a capacity the scenario sets (`Offer.held`)."""
    offers = []
    for offer in problem.offers:
        capacity_factor, price_factor = scenario.factors(offer)
        if capacity_factor == 1 and price_factor == 1:
            offers.append(offer)
            continue
        demand = problem.materials[offer.material].quantity
        capacity = demand if offer.capacity is None else offer.capacity
        changes = {
            "capacity": capacity * capacity_factor,
            "unit_price": offer.unit_price * price_factor,
            "tiers": tuple((start, price * price_factor) for start, price in offer.tiers),
            "held": capacity_factor != 1,
        }
        offers.append(offer.model_copy(update=changes))
    settings = problem.settings.model_copy(update={"survive": ()})
    return problem.replace(offers=offers, scenarios=[], settings=settings)


def base_plan_shortfall(problem: Problem, scenario: Scenario, plan: Plan) -> float:
    """Sum over offers of the base quantity above the offer's changed capacity."""
    hit = disrupted(problem, scenario)
    return sum(
        max(0.0, plan.quantities[o.index] - o.capacity)
        for o in hit.offers
        if o.capacity is not None
    )


def run_scenario(
    problem: Problem,
    scenario: Scenario,
    base_plan: Plan | None,
    base_objective: float | None,
    solver: str,
    time_limit: float,
) -> ScenarioOutcome:
    hit = disrupted(problem, scenario)
    lost = base_plan_shortfall(problem, scenario, base_plan) if base_plan is not None else None
    result = solve(hit, solver, time_limit, duals=False)
    prefix = f"Scenario '{scenario.name}': "
    sheet, cell = problem.sources.cell("Scenarios", "scenario", scenario.row)
    if result.status is SolveStatus.INFEASIBLE:
        # warnings (the workbook itself has a plan) at the cell of the limit that stands in the
        # way, else at the scenario's row
        notes = [
            warning(note.sheet, note.cell, note.message)
            for note in explain_infeasible(hit, solver, time_limit, prefix, (sheet, cell))
        ]
        return ScenarioOutcome(scenario.name, result.status, None, None, lost, None, notes)
    plan = result.plan
    violations = verify(hit, plan) if plan is not None else []
    if plan is None or violations:
        message = result.message or f"the plan breaks the limits: {'; '.join(violations[:3])}"
        status = (
            SolveStatus.TIME_LIMIT if result.status is SolveStatus.TIME_LIMIT else SolveStatus.ERROR
        )
        return ScenarioOutcome(
            scenario.name, status, None, None, lost, None, [warning(sheet, cell, prefix + message)]
        )
    cost = plan_cost(hit, plan)
    objective = plan_objective(hit, plan)
    change = objective - base_objective if base_objective is not None else None
    shortfall = sum(plan.shortfall.values())
    return ScenarioOutcome(
        scenario.name, result.status, cost, change, lost, shortfall, objective=objective
    )
