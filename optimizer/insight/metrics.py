"""Figures of one plan, per material: supply by country, concentration, risk and cost."""

from __future__ import annotations

from collections import defaultdict

from optimizer.contract.plan import ZERO, Plan
from optimizer.contract.problem import Problem


def country_amounts(
    problem: Problem, plan: Plan, material: str, by_origin: bool = False
) -> dict[str, float]:
    """Quantity supplied by each country that supplies anything, in offer order: an offer counts
    toward its country and its origin, as every country rule counts it, or (`by_origin`, where
    production concentrates, for the HHI) once, under its origin."""
    amounts: dict[str, float] = defaultdict(float)
    for offer in problem.offers_by_material[material]:
        quantity = plan.quantities[offer.index]
        if quantity > ZERO:
            origin = offer.origin or offer.country
            if not by_origin:
                amounts[offer.country] += quantity
            if by_origin or origin != offer.country:
                amounts[origin] += quantity
    return dict(amounts)


def hhi(amounts: dict[str, float], weights: dict[str, float] | None = None) -> float | None:
    """Herfindahl index of the shares of `amounts` (0-1), each square optionally weighted;
    None when nothing is supplied."""
    total = sum(amounts.values())
    if total <= ZERO:
        return None
    return sum(
        (a / total) ** 2 * (1.0 if weights is None else weights[k]) for k, a in amounts.items()
    )


def average_risk(problem: Problem, plan: Plan, material: str) -> float | None:
    offers = problem.offers_by_material[material]
    supplied = sum(plan.quantities[o.index] for o in offers)
    if supplied <= ZERO:
        return None
    return sum(o.risk * plan.quantities[o.index] for o in offers) / supplied


def worst(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return max(known) if known else None
