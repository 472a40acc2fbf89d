"""Say, per material, why no plan exists: how much the limits allow against the demand."""

from __future__ import annotations

from collections import defaultdict

from optimizer.diagnostics import Diagnostic, error
from optimizer.models import Problem


def most_sourceable(problem: Problem, material: str) -> float:
    """Most of `material` that capacities, supplier, country and group caps allow together.

    Each country belongs to at most one group, so the caps nest and the maximum is exact:
    offers are capped by capacity and supplier share, countries by their cap, groups by theirs.
    """
    spec = problem.materials[material]
    demand = spec.quantity
    by_country: dict[str, float] = defaultdict(float)
    for offer in problem.offers_by_material[material]:
        by_country[offer.country] += min(
            problem.upper_bound(offer), spec.max_supplier_share * demand
        )
    by_group: dict[str | None, float] = defaultdict(float)
    for country, amount in by_country.items():
        capped = min(amount, problem.country_cap(material, country) * demand)
        by_group[problem.group_of(country)] += capped
    total = 0.0
    for group, amount in by_group.items():
        cap = problem.groups[group].max_share if group is not None else None
        total += amount if cap is None else min(amount, cap * demand)
    return total


def explain_infeasible(problem: Problem) -> list[Diagnostic]:
    """One error row per material that cannot be served; a general one if none is short."""
    rows = []
    for name, spec in problem.materials.items():
        most = most_sourceable(problem, name)
        if problem.settings.shortfall_penalty is None and most < spec.quantity * (1 - 1e-9):
            rows.append(
                error(
                    "Demand",
                    spec.quantity_cell,
                    f"{name}: demand {spec.quantity:,.6g}, but the offers' capacity and "
                    f"the supplier, country and group caps allow at most {most:,.6g}. "
                    "Raise a cap, add capacity or lower the demand.",
                )
            )
    if not rows:
        rows.append(
            error(
                "",
                "",
                "No plan meets every limit together: check the average-risk "
                "caps, group minimum shares, minimum orders, the maximum number "
                "of suppliers and the cap on a country's share of spend.",
            )
        )
    return rows
