"""Say, per material, why no plan exists, in numbers: how much the limits let us source against
the demand, which limits hold it back, and the smallest change of each family of limits that
would make a plan possible.

Two kinds of solve do it, so it works for every model (linear or integer): the least-shortfall
model (source as much as the limits allow) and, per family, the least-relaxation model.
"""

from __future__ import annotations

import math

import numpy as np

from optimizer.contract.diagnostics import Diagnostic, error
from optimizer.contract.problem import Problem
from optimizer.contract.status import SolveStatus
from optimizer.model.build import FAMILY_OF, Limit, LimitKind, Variant
from optimizer.model.solve import SolveResult, solve

TOLERANCE = 1e-6


def amount(value: float) -> str:
    """A quantity or sum of money as an analyst writes it: 112,000 or 37.5."""
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def percent(share: float, up: bool = True) -> str:
    """A share rounded (up for caps, down for floors) to 0.1%, so the advice is enough."""
    tenths = share * 1000
    rounded = math.ceil(tenths - 1e-6) if up else math.floor(tenths + 1e-6)
    return f"{rounded / 10:g}%"


def explain_infeasible(
    problem: Problem, solver: str, time_limit: float, prefix: str = ""
) -> list[Diagnostic]:
    """One error per material that cannot be served, naming the numbers; `prefix` names a
    scenario."""
    reach = solve(problem, solver, time_limit, Variant(least_shortfall=True))
    families = {FAMILY_OF[limit.kind] for limit in reach.limits} - {None}
    fixes = {
        family: solve(problem, solver, time_limit, Variant(relax=family), duals=False)
        for family in sorted(f for f in families if f is not None)
    }
    rows = []
    for name, material in problem.materials.items():
        short = reach.plan.shortfall.get(name, 0.0) if reach.plan else None
        ways = [w for fix in fixes.values() for w in _relaxations(problem, fix, name)]
        if (short is None and not ways) or (
            short is not None and short <= TOLERANCE * material.quantity
        ):
            continue
        if short is None:
            text = f"{name}: demand {amount(material.quantity)} cannot be met within the limits."
        else:
            most = material.quantity - short
            text = (
                f"{name}: demand {amount(material.quantity)}, at most {amount(most)} can be "
                "sourced within the limits."
            )
            holding = _holding_back(problem, reach, name)
            if holding:
                text += f" Holding it back: {'; '.join(holding)}."
            ways.append(
                f"add {amount(short)} of capacity from suppliers and countries that are not at "
                "their caps"
            )
        if ways:
            text += f" To make a plan possible: {'; or '.join(ways)}."
        rows.append(error("Demand", material.quantity_cell, prefix + text))
    if not rows:
        rows.append(
            error(
                "",
                "",
                prefix
                + "No plan meets every limit together ("
                + "; ".join(
                    f"{name}: demand {amount(m.quantity)}" for name, m in problem.materials.items()
                )
                + "), although each material alone could be served: relax the limits that tie "
                "materials or suppliers together (minimum orders, the number of suppliers, the "
                "share of spend) one at a time.",
            )
        )
    return rows


def _holding_back(problem: Problem, reach: SolveResult, material: str) -> list[str]:
    """The limits whose relaxation would let more of `material` be sourced (non-zero dual)."""
    demand = problem.materials[material].quantity
    parts: list[str] = []
    capacity_offers: list[Limit] = []
    duals = reach.duals if reach.duals is not None else np.zeros(len(reach.limits))
    for limit, dual in zip(reach.limits, duals.tolist(), strict=True):
        if limit.material not in (material, "") or abs(dual) < 1e-9:
            continue
        share = limit.bound / demand
        match limit.kind:
            case LimitKind.CAPACITY if limit.bound > 0:
                capacity_offers.append(limit)
            case LimitKind.COUNTRY_CAP:
                parts.append(f"{limit.subject} capped at {percent(share)} ({amount(limit.bound)})")
            case LimitKind.SUPPLIER_CAP:
                parts.append(
                    f"supplier {limit.subject} capped at {percent(share)} ({amount(limit.bound)})"
                )
            case LimitKind.GROUP_MAX:
                parts.append(
                    f"group {limit.subject} capped at {percent(share)} ({amount(limit.bound)})"
                )
            case LimitKind.GROUP_MIN:
                parts.append(
                    f"group {limit.subject} must supply at least {percent(share, up=False)} "
                    f"({amount(limit.bound)})"
                )
            case LimitKind.RISK_CAP:
                parts.append(f"average risk capped at {amount(limit.bound)}")
            case LimitKind.SPEND_CAP:
                parts.append(f"{limit.subject} capped at {percent(limit.bound)} of total spend")
    if capacity_offers:
        total = sum(limit.bound for limit in capacity_offers)
        names = ", ".join(limit.subject for limit in capacity_offers[:5])
        more = f" and {len(capacity_offers) - 5} more" if len(capacity_offers) > 5 else ""
        parts.append(f"the capacity of {names}{more} ({amount(total)} in all)")
    return parts


def _relaxations(problem: Problem, fix: SolveResult, material: str) -> list[str]:
    """The changes of one family's limits for `material` that the least relaxation found."""
    if fix.status is not SolveStatus.OPTIMAL or fix.plan is None:
        return []
    plan = fix.plan
    total_spend = sum(o.landed_unit_cost * plan.quantities[o.index] for o in problem.offers)
    demand = problem.materials[material].quantity
    ways = []
    for limit in fix.limits:
        extra = plan.relaxation.get(limit.name, 0.0)
        if limit.material not in (material, "") or extra <= TOLERANCE * max(1.0, limit.bound):
            continue
        old, new = limit.bound / demand, (limit.bound + extra) / demand
        match limit.kind:
            case LimitKind.COUNTRY_CAP:
                ways.append(
                    f"raise the cap on {limit.subject} from {percent(old)} to {percent(new)}"
                )
            case LimitKind.SUPPLIER_CAP:
                ways.append(
                    f"raise the cap on supplier {limit.subject} from {percent(old)} to "
                    f"{percent(new)}"
                )
            case LimitKind.GROUP_MAX:
                ways.append(
                    f"raise the cap on group {limit.subject} from {percent(old)} to {percent(new)}"
                )
            case LimitKind.GROUP_MIN:
                new = (limit.bound - extra) / demand
                ways.append(
                    f"lower the minimum of group {limit.subject} from {percent(old, up=False)} to "
                    f"{percent(new, up=False)}"
                )
            case LimitKind.RISK_CAP:
                ways.append(
                    f"raise the average-risk cap from {amount(limit.bound)} to "
                    f"{amount(math.ceil((limit.bound + extra) * 100) / 100)}"
                )
            case LimitKind.SPEND_CAP:
                new = limit.bound + extra / max(total_spend, 1e-9)
                ways.append(
                    f"raise the cap on {limit.subject}'s share of total spend from "
                    f"{percent(limit.bound)} to {percent(new)}"
                )
    if len(ways) > 1:
        return [" and ".join(ways)]
    return ways
