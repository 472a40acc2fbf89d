"""Check a plan against every limit of the problem, recomputed from the data, not the model.

A plan that fails is a bug (or numerical trouble in the solver) and is never written as a
recommendation. Tolerances are relative: 1e-6 of the quantity, risk or spend involved.
"""

from __future__ import annotations

import numpy as np

from optimizer.contract.disruptions import capacity, losses, required
from optimizer.contract.plan import ZERO, Plan
from optimizer.contract.problem import Problem

TOLERANCE = 1e-6


def _quantities(problem: Problem, plan: Plan) -> np.ndarray:
    return plan.in_offer_order(len(problem.offers))


def plan_cost(problem: Problem, plan: Plan, q: np.ndarray | None = None) -> float:
    """Landed cost plus the fixed costs of the offers used, the reservation fees and the cost
    of the stock added (no risk price, no penalty); `q`: the plan's quantities as an array, when
    already at hand."""
    data = problem.data
    q = _quantities(problem, plan) if q is None else q
    bought = float(problem.landed_paid(q) @ q + data.fixed_cost[q > ZERO].sum())
    return bought + reserve_cost(problem, plan) + stock_cost(problem, plan)


def reserve_cost(problem: Problem, plan: Plan) -> float:
    """The fees of the capacity the plan reserves."""
    if plan.reserved is None:
        return 0.0
    reserved = plan.reserved_in_offer_order(len(problem.offers))
    return float(np.nan_to_num(problem.data.reserve_price) @ reserved)


def stock_cost(problem: Problem, plan: Plan) -> float:
    """The cost of the stock the plan adds."""
    return 0.0 + sum(
        (problem.materials[name].stock_cost or 0.0) * added
        for name, added in plan.stock_added.items()
    )


def plan_objective(problem: Problem, plan: Plan, q: np.ndarray | None = None) -> float:
    q = _quantities(problem, plan) if q is None else q
    risk = float(problem.data.risk @ q)
    penalty = (problem.settings.shortfall_penalty or 0.0) * sum(plan.shortfall.values())
    return plan_cost(problem, plan, q) + problem.settings.risk_price * risk + penalty


def verify(problem: Problem, plan: Plan) -> list[str]:
    """Every violated limit, in words, material by material; an empty list means the plan is
    feasible."""
    offers = problem.offers
    names = list(problem.materials)
    materials = list(problem.materials.values())
    count = len(names)
    data = problem.data
    q = _quantities(problem, plan)
    material = data.material
    demand = np.array([m.quantity for m in materials], dtype=np.float64)
    tol = TOLERANCE * np.maximum(1.0, demand)
    found: list[tuple[int, int, int, str]] = []  # material, check, position, text

    shortfall = np.array([plan.shortfall.get(name, 0.0) for name in names], dtype=np.float64)
    supplied = np.bincount(material, weights=q, minlength=count)
    not_allowed = shortfall < -tol
    if problem.settings.shortfall_penalty is None:
        not_allowed |= shortfall > tol
    for m in np.flatnonzero(not_allowed).tolist():
        found.append((m, 0, 0, f"{names[m]}: shortfall {shortfall[m]:g} is not allowed"))
    for m in np.flatnonzero(np.abs(supplied + shortfall - demand) > tol).tolist():
        found.append(
            (
                m,
                1,
                0,
                f"{names[m]}: supplied {supplied[m]:g} + shortfall {shortfall[m]:g} "
                f"differs from the demand {demand[m]:g}",
            )
        )

    capacity = np.array([np.inf if o.capacity is None else o.capacity for o in offers])
    embargoed = np.array([o.embargoed for o in offers], dtype=bool)
    upper = np.where(embargoed, 0.0, np.minimum(capacity, demand[material]))
    share_cap = np.array([m.max_supplier_share for m in materials])[material] * demand[material]
    minimum = data.min_order
    offer_tol = tol[material]
    outside = (q < -offer_tol) | (q > upper + offer_tol)
    above_share = q > share_cap + offer_tol
    below_minimum = (minimum > 0) & (q > ZERO) & (q < minimum - offer_tol)
    for i in np.flatnonzero(outside | above_share | below_minimum).tolist():
        o, m, x = offers[i], int(material[i]), q[i]
        if outside[i]:
            text = f"{o.supplier} supplies {x:g}, outside 0 to {upper[i]:g}"
            found.append((m, 2, 3 * i, f"{names[m]}: {text}"))
        if above_share[i]:
            found.append(
                (m, 2, 3 * i + 1, f"{names[m]}: {o.supplier} supplies {x:g}, above its share cap")
            )
        if below_minimum[i]:
            found.append(
                (
                    m,
                    2,
                    3 * i + 2,
                    f"{names[m]}: {o.supplier} supplies {x:g}, below its minimum order",
                )
            )

    # an offer counts toward the country it ships from and, when another, its origin
    countries = data.countries
    other = np.flatnonzero(data.origin != data.country)
    counted = np.concatenate([np.arange(len(offers)), other])
    country = np.concatenate([data.country, data.origin[other]])
    size = max(len(countries), 1)
    keys, first, inverse = np.unique(
        material[counted] * size + country, return_index=True, return_inverse=True
    )
    amounts = np.bincount(inverse, weights=q[counted], minlength=len(keys))
    pair_material, pair_country = keys // size, keys % size
    own = [problem.countries.get(c) for c in countries]
    own_cap = np.array([1.0 if c is None or c.max_share is None else c.max_share for c in own])
    material_cap = np.array([m.max_country_share for m in materials])
    cap = np.minimum(material_cap[pair_material], own_cap[pair_country])  # the lower applies
    above = amounts > cap * demand[pair_material] + tol[pair_material]
    for k in np.flatnonzero(above).tolist():
        m, c = int(pair_material[k]), int(pair_country[k])
        text = f"{names[m]}: {countries[c]} supplies {amounts[k]:g}, above its cap"
        found.append((m, 3, int(counted[first[k]]), text))

    if problem.groups:
        groups = list(problem.groups)
        group_number = {g: k for k, g in enumerate(groups)}
        of_country = np.array(
            [group_number.get(problem.group_of(c) or "", -1) for c in countries], dtype=np.int64
        )
        group = of_country[country] if len(country) else np.zeros(0, np.int64)
        # once per offer, also when its country and its origin are of the same group
        belongs = np.zeros((len(offers), len(groups)), dtype=bool)
        belongs[counted[group >= 0], group[group >= 0]] = True
        by_group = np.zeros((count, len(groups)))
        np.add.at(by_group, material, belongs * q[:, None])
        for g, (name, spec) in enumerate(problem.groups.items()):
            for m in range(count):
                amount = by_group[m, g]
                if spec.max_share is not None and amount > spec.max_share * demand[m] + tol[m]:
                    text = f"group {name} supplies {amount:g}, above its cap"
                    found.append((m, 4, 2 * g, f"{names[m]}: {text}"))
                if spec.min_share is not None and amount < spec.min_share * demand[m] - tol[m]:
                    text = f"group {name} supplies {amount:g}, below its floor"
                    found.append((m, 4, 2 * g + 1, f"{names[m]}: {text}"))

    risk = np.bincount(material, weights=problem.data.risk * q, minlength=count)
    used = np.bincount(material, weights=(q > ZERO).astype(np.float64), minlength=count)
    co2 = np.bincount(material, weights=np.nan_to_num(data.co2) * q, minlength=count)
    for m, spec in enumerate(materials):
        cap = spec.max_avg_risk
        if cap is not None and risk[m] > cap * supplied[m] + 100 * tol[m]:
            average = risk[m] / supplied[m]
            found.append((m, 5, 0, f"{names[m]}: average risk {average:g} is above the cap"))
        co2_cap = spec.max_avg_co2
        if co2_cap is not None and co2[m] > co2_cap * supplied[m] + max(co2_cap, 1.0) * tol[m]:
            average = co2[m] / supplied[m]
            found.append((m, 7, 0, f"{names[m]}: average CO2 {average:g} is above the cap"))
        if spec.max_suppliers is not None and used[m] > spec.max_suppliers:
            text = f"{int(used[m])} offers used, more than {spec.max_suppliers}"
            found.append((m, 6, 0, f"{names[m]}: {text}"))

    found += _awards(problem, q, tol)
    problems = [text for *_, text in sorted(found)]
    cap = problem.settings.max_country_spend_share
    if cap is not None:
        landed = problem.landed_paid(q)
        spend = np.bincount(country, weights=(landed * q)[counted], minlength=len(countries))
        total = float(landed @ q)
        for c, amount in enumerate(spend.tolist()):
            if amount > cap * total + TOLERANCE * max(1.0, total):
                problems.append(
                    f"{countries[c]}: {amount / total:.4%} of total spend, above the cap"
                )
    problems += _resilience(problem, plan, q)
    objective = plan_objective(problem, plan, q)
    if objective > plan.objective + TOLERANCE * max(1.0, abs(plan.objective)):
        problems.append(f"the plan costs {objective:g}, more than the solver's {plan.objective:g}")
    return problems


def _awards(problem: Problem, q: np.ndarray, tol: np.ndarray) -> list[tuple[int, int, int, str]]:
    """min_award: every offer used supplies at least its share of its material's demand;
    min_countries: that many countries of origin (an offer counts under its origin, once) each
    supply at least country_floor of the demand."""
    found: list[tuple[int, int, int, str]] = []
    data = problem.data
    names = list(problem.materials)
    materials = list(problem.materials.values())
    demand = np.array([m.quantity for m in materials], dtype=np.float64)
    award = np.array([m.min_award or 0.0 for m in materials], dtype=np.float64)
    if len(award) and (award > 0).any():
        least = (award * demand)[data.material]
        below = (q > ZERO) & (q < least - tol[data.material])
        for i in np.flatnonzero(below).tolist():
            m = int(data.material[i])
            supplier = problem.offers[i].supplier
            text = f"{supplier} supplies {q[i]:g}, below the minimum award of {least[i]:g}"
            found.append((m, 8, i, f"{names[m]}: {text}"))
    counts = np.array([m.min_countries or 0 for m in materials], dtype=np.int64)
    if len(counts) and (counts > 0).any():
        floor = problem.settings.country_floor
        width = max(len(data.countries), 1)
        by_origin = np.bincount(
            data.material * width + data.origin, weights=q, minlength=len(materials) * width
        ).reshape(len(materials), width)
        reach = (by_origin >= (floor * demand - tol)[:, None]) & (by_origin > ZERO)
        enough = reach.sum(axis=1)
        for m in np.flatnonzero(enough < counts).tolist():
            text = (
                f"{enough[m]} countries of origin supply at least {floor:.4g} of it, "
                f"fewer than {counts[m]}"
            )
            found.append((m, 9, 0, f"{names[m]}: {text}"))
    return found


def _resilience(problem: Problem, plan: Plan, q: np.ndarray) -> list[str]:
    """Reservations only where a reserve price allows them (and only with `survive`), bought and
    reserved within each offer's capacity, stock added within max_stock where a stock cost
    allows it, whole units for a material counted in pieces, and every disruption that
    `survive` names leaving at least min_cover x demand (recomputed from the data)."""
    found: list[str] = []
    names = list(problem.materials)
    materials = list(problem.materials.values())
    data = problem.data
    demand = np.array([m.quantity for m in materials], dtype=np.float64)
    tol = TOLERANCE * np.maximum(1.0, demand)[data.material]
    survive = problem.settings.survive
    v = plan.reserved_in_offer_order(len(problem.offers))
    allowed = ~np.isnan(data.reserve_price) & ~data.embargoed & bool(survive)
    outside = (v < -tol) | ((v > tol) & ~allowed)
    above = (v > tol) & (q + v > capacity(problem) + tol)  # what is bought alone: above
    for i in np.flatnonzero(outside | above).tolist():
        o = problem.offers[i]
        if outside[i]:
            found.append(f"{o.material}: {o.supplier} has {v[i]:g} reserved, which it may not")
        if above[i]:
            text = f"{o.supplier} holds {q[i]:g} bought and {v[i]:g} reserved, above its capacity"
            found.append(f"{o.material}: {text}")
    added = np.array([plan.stock_added.get(name, 0.0) for name in names], dtype=np.float64)
    for m, (name, spec) in enumerate(problem.materials.items()):
        most = 0.0 if spec.stock_cost is None or not survive else spec.max_stock
        most = spec.quantity if most is None else most
        slack = TOLERANCE * max(1.0, spec.quantity)
        if added[m] < -slack or added[m] > most + slack:
            found.append(f"{name}: {added[m]:g} stock added, outside 0 to {most:g}")
    whole = np.array([m.whole for m in materials], dtype=bool)
    if whole.any():
        pieces = whole[data.material]
        for i in np.flatnonzero(pieces & ((_fraction(q) > 1e-6) | (_fraction(v) > 1e-6))).tolist():
            o = problem.offers[i]
            found.append(f"{o.material}: {o.supplier} has {q[i]:g} + {v[i]:g}, not whole units")
        for m in np.flatnonzero(whole & (_fraction(added) > 1e-6)).tolist():
            found.append(f"{names[m]}: {added[m]:g} stock added, not whole units")
    if survive:
        disruptions = losses(problem, survive)
        need = required(problem, disruptions)
        available = disruptions.available(problem, q, v, added)
        short = available < need - TOLERANCE * np.maximum(1.0, need)
        for k in np.flatnonzero(short).tolist():
            m = int(disruptions.material[k])
            text = f"{disruptions.name[k]} leaves {available[k]:g}, below the {need[k]:g} required"
            found.append(f"{names[m]}: {text}")
    return found


def _fraction(values: np.ndarray) -> np.ndarray:
    """How far each value is from the nearest whole number."""
    return np.abs(values - np.round(values))
