"""Check a plan against every limit of the problem, recomputed from the data, not the model.

A plan that fails is a bug (or numerical trouble in the solver) and is never written as a
recommendation. Tolerances are relative: 1e-6 of the quantity, risk or spend involved.
"""

from __future__ import annotations

from collections import defaultdict

from optimizer.models import Problem
from optimizer.solve import ZERO, Plan

TOLERANCE = 1e-6


def plan_cost(problem: Problem, plan: Plan) -> float:
    """Landed cost plus the fixed costs of the offers used (no risk price, no penalty)."""
    landed = sum(o.landed_unit_cost * plan.quantities[o.index] for o in problem.offers)
    fixed = sum(o.fixed_cost or 0.0 for o in problem.offers if plan.quantities[o.index] > ZERO)
    return landed + fixed


def plan_objective(problem: Problem, plan: Plan) -> float:
    risk_price = problem.settings.risk_price
    risk = sum(o.risk * plan.quantities[o.index] for o in problem.offers)
    penalty = (problem.settings.shortfall_penalty or 0.0) * sum(plan.shortfall.values())
    return plan_cost(problem, plan) + risk_price * risk + penalty


def verify(problem: Problem, plan: Plan) -> list[str]:
    """Every violated limit, in words; an empty list means the plan is feasible."""
    problems: list[str] = []
    q = plan.quantities
    for name, material in problem.materials.items():
        demand = material.quantity
        tol = TOLERANCE * max(1.0, demand)
        offers = problem.offers_by_material[name]
        supplied = sum(q[o.index] for o in offers)
        shortfall = plan.shortfall.get(name, 0.0)
        if shortfall < -tol or (problem.settings.shortfall_penalty is None and shortfall > tol):
            problems.append(f"{name}: shortfall {shortfall:g} is not allowed")
        if abs(supplied + shortfall - demand) > tol:
            problems.append(
                f"{name}: supplied {supplied:g} + shortfall {shortfall:g} "
                f"differs from the demand {demand:g}"
            )
        by_country: dict[str, float] = defaultdict(float)
        by_group: dict[str, float] = defaultdict(float)
        used = 0
        for o in offers:
            x = q[o.index]
            by_country[o.country] += x
            group = problem.group_of(o.country)
            if group is not None:
                by_group[group] += x
            used += x > ZERO
            if x < -tol or x > problem.upper_bound(o) + tol:
                problems.append(
                    f"{name}: {o.supplier} supplies {x:g}, outside 0 to {problem.upper_bound(o):g}"
                )
            if x > material.max_supplier_share * demand + tol:
                problems.append(f"{name}: {o.supplier} supplies {x:g}, above its share cap")
            if o.min_order and ZERO < x < o.min_order - tol:
                problems.append(f"{name}: {o.supplier} supplies {x:g}, below its minimum order")
        for country, amount in by_country.items():
            if amount > problem.country_cap(name, country) * demand + tol:
                problems.append(f"{name}: {country} supplies {amount:g}, above its cap")
        for group, spec in problem.groups.items():
            amount = by_group.get(group, 0.0)
            if spec.max_share is not None and amount > spec.max_share * demand + tol:
                problems.append(f"{name}: group {group} supplies {amount:g}, above its cap")
            if spec.min_share is not None and amount < spec.min_share * demand - tol:
                problems.append(f"{name}: group {group} supplies {amount:g}, below its floor")
        if material.max_avg_risk is not None:
            risk = sum(o.risk * q[o.index] for o in offers)
            if risk > material.max_avg_risk * supplied + 100 * tol:
                problems.append(f"{name}: average risk {risk / supplied:g} is above the cap")
        if material.max_suppliers is not None and used > material.max_suppliers:
            problems.append(f"{name}: {used} offers used, more than {material.max_suppliers}")
    cap = problem.settings.max_country_spend_share
    if cap is not None:
        spend: dict[str, float] = defaultdict(float)
        for o in problem.offers:
            spend[o.country] += o.landed_unit_cost * q[o.index]
        total = sum(spend.values())
        for country, amount in spend.items():
            if amount > cap * total + TOLERANCE * max(1.0, total):
                problems.append(f"{country}: {amount / total:.4%} of total spend, above the cap")
    objective = plan_objective(problem, plan)
    if objective > plan.objective + TOLERANCE * max(1.0, abs(plan.objective)):
        problems.append(f"the plan costs {objective:g}, more than the solver's {plan.objective:g}")
    return problems
