"""Say, per material, why no plan exists, in numbers, and what change of the workbook would make
one possible; every change advised has been tried.

1. The least-shortfall model sources as much of each material as the limits allow and comes as
   close to its group floors as it can: a material left short, or under a floor, cannot be
   served, and the limits with a non-zero dual are what hold it back.
2. For each lever (capacities, minimum orders, supplier counts, and each family of caps and
   floors), a relaxation model finds the least move of the workbook's values that makes a plan
   possible, for each material it can; all levers together are tried for a material no single
   lever helps.
3. Each move becomes `Advice`: changes of cells, rounded the way that relaxes (shares to 0.1%,
   quantities and risk points to 0.01), then verified: the problem with exactly those changes is
   solved again and its plan checked. Only verified advice is shown, the cheapest plan first.

Without a limit across materials each material is a problem of its own: its advice changes only
values its rows read, and is verified on that material alone. With a cap on a country's share of
total spend the materials are one problem, and each advice a change of the whole workbook.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace

import numpy as np

from optimizer.contract.diagnostics import Diagnostic, error
from optimizer.contract.plan import ZERO, Plan
from optimizer.contract.problem import Material, Problem
from optimizer.contract.status import SolveStatus
from optimizer.model.build import (
    LAST_RESORT,
    Knob,
    Lever,
    Limit,
    LimitKind,
    Variant,
    build_model,
    levers_of,
    relaxation_sizes,
    ties_materials,
)
from optimizer.model.solve import Session, SolveResult, run_model, solve
from optimizer.model.verify import verify

TOLERANCE = 1e-6  # a material is short when more than this share of its demand is unmet
SLACK = 1e-6  # a move this small (a share, or a share of the demand) is the solver's tolerance
ADVICE_SHOWN = 3  # advice printed per material, the cheapest first
SHARES, AMOUNTS = 1000, 100  # advised shares are whole tenths of a percent; quantities cents
FLOORS = {  # values that relax as they fall
    ("Groups", "min_share"),
    ("Offers", "min_order"),
    ("Demand", "min_cover"),
    ("Settings", "min_cover"),
    ("Demand", "min_award"),
    ("Demand", "min_countries"),
}
Cell = tuple[str, str, str]  # contract sheet, column (or setting), subject


def amount(value: float) -> str:
    """A quantity or sum of money as an analyst writes it: 112,000 or 37.5."""
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def percent(share: float) -> str:
    """A share as a percentage, to two decimals at most: 50%, 33.33%."""
    return f"{share * 100:,.2f}".rstrip("0").rstrip(".") + "%"


@dataclass(frozen=True)
class Change:
    """One value of the workbook changed: its contract sheet and column (or setting), its
    subject (the offer's index in `Problem.offers`, the material, country, group or setting)
    and what it is and would be."""

    sheet: str
    column: str
    subject: str
    old: float | None
    new: float

    @property
    def cell(self) -> Cell:
        return self.sheet, self.column, self.subject


@dataclass(frozen=True)
class Advice:
    """Changes that together make a plan possible for `material` ("" when the materials are
    one problem and the advice is for the whole workbook). `verified`: the problem with exactly
    these changes was solved again and its plan passed the check; `objective` and `cost` are
    that plan's (of the material alone, when it is a problem of its own)."""

    material: str
    lever: Lever | None  # None when several levers move at once
    changes: tuple[Change, ...]
    verified: bool = False
    objective: float | None = None
    cost: float | None = None
    shortfall: float = 0.0  # what that plan leaves unmet, where a penalty allows it


@dataclass(frozen=True)
class Blocker:
    """What holds a material back, in words and numbers, and the cell that defines it."""

    text: str
    sheet: str = ""
    cell: str = ""
    alone: bool = False  # enough on its own to stop the material (an embargo, a group floor)


@dataclass(frozen=True)
class Verdict:
    """Why one material cannot be served, and the verified advice, cheapest first."""

    material: str
    demand: float
    most: float | None  # the most the limits let us source, when that is short of the demand
    blockers: tuple[Blocker, ...]
    advice: tuple[Advice, ...]


@dataclass(frozen=True)
class Explanation:
    verdicts: list[Verdict]
    candidates: list[Advice]  # every advice worked out, verified or not
    note: str = ""  # said instead of verdicts when no material could be named


def explain_infeasible(
    problem: Problem,
    solver: str,
    time_limit: float,
    prefix: str = "",
    instead_of_demand: tuple[str, str] | None = None,
) -> list[Diagnostic]:
    """One error per material that cannot be served, naming the numbers; `prefix` names a
    scenario (whose capacities are those it leaves) and `instead_of_demand` its cell, where a
    row goes that would otherwise stand at the material's demand."""
    return diagnostics(problem, explain(problem, solver, time_limit), prefix, instead_of_demand)


def explain(problem: Problem, solver: str, time_limit: float) -> Explanation:
    """Why `problem` has no plan, material by material, with verified advice."""
    reach = solve(problem, solver, time_limit, Variant(least_shortfall=True))
    if reach.status is not SolveStatus.OPTIMAL or reach.plan is None:
        message = reach.message or f"the solver ended with status '{reach.status}'"
        return Explanation([], [], f"Why no plan exists could not be worked out: {message}")
    short = _short(problem, reach)
    if not short:
        return Explanation(
            [],
            [],
            "The solver found no plan, yet the limits let every material be sourced in full: "
            "the solver may have failed on this workbook; try the other one (Settings: solver).",
        )
    candidates = _advise(problem, list(short), solver, time_limit)
    held = _held(problem, reach, set(short))
    working: dict[str, list[Advice]] = defaultdict(list)
    for advice in candidates:
        if advice.verified:
            working[advice.material].append(advice)
    verdicts = []
    for name, (unmet, gaps) in short.items():
        material = problem.materials[name]
        shown = sorted(working[name] + working[""], key=lambda a: (a.objective, len(a.changes)))
        verdicts.append(
            Verdict(
                name,
                material.quantity,
                material.quantity - unmet if unmet else None,
                tuple(
                    _blockers(problem, reach, held.get(name, []), name, gaps, (solver, time_limit))
                ),
                tuple(shown[:ADVICE_SHOWN]),
            )
        )
    return Explanation(verdicts, candidates)


def _short(problem: Problem, reach: SolveResult) -> dict[str, tuple[float, dict[Limit, float]]]:
    """The materials the least-shortfall plan leaves short (where no penalty allows it), under
    a group floor or below the cover of a disruption: unmet demand, and the gap of each such
    floor or cover."""
    assert reach.plan is not None
    plan, allowed = reach.plan, problem.settings.shortfall_penalty is not None
    gaps: dict[str, dict[Limit, float]] = defaultdict(dict)
    for limit in reach.limits:
        if limit.kind not in GAPPED:
            continue
        gap = plan.relaxation.get(limit.name, 0.0)
        if gap > _tiny(problem, limit.material):
            gaps[limit.material][limit] = gap
    short = {}
    for name in problem.materials:
        unmet = 0.0 if allowed else plan.shortfall.get(name, 0.0)
        unmet = unmet if unmet > _tiny(problem, name) else 0.0
        if unmet or gaps[name]:
            short[name] = (unmet, gaps[name])
    return short


GAPPED = (
    LimitKind.GROUP_MIN,
    LimitKind.COVER,
    LimitKind.MIN_COUNTRIES,
)  # limits with a gap in an elastic model


def _tiny(problem: Problem, material: str) -> float:
    return TOLERANCE * max(1.0, problem.materials[material].quantity)


# --- advice: relaxations, read as changes of cells, then verified --------------------------


def _advise(problem: Problem, blocked: list[str], solver: str, time_limit: float) -> list[Advice]:
    """Advice from each lever alone, then from all levers at once for the materials (or the
    workbook) no single lever helps."""
    found: list[Advice] = []
    present: set[Lever] = set()
    levers = levers_of(problem)
    for lever in (lever for lever in Lever if lever in levers):
        advice, moved = _relaxed(problem, blocked, frozenset({lever}), solver, time_limit)
        found += advice
        if moved:
            present.add(lever)
    helped = {a.material for a in found if a.verified}
    rest = [] if "" in helped else [m for m in blocked if m not in helped]
    if rest and len(present) > 1:
        found += _relaxed(problem, rest, frozenset(present), solver, time_limit)[0]
    return found


def _relaxed(
    problem: Problem,
    materials: list[str],
    levers: frozenset[Lever],
    solver: str,
    time_limit: float,
) -> tuple[list[Advice], bool]:
    """The advice of one relaxation of `levers` for `materials`, verified; and whether the
    levers have anything to move for them."""
    coupled = ties_materials(problem)
    if coupled:  # the whole workbook, but for materials no change of a value can serve
        scope, origin = restricted(problem, [m for m in problem.materials if _servable(problem, m)])
    elif 2 * len(materials) < len(problem.materials):
        scope, origin = restricted(problem, materials)
    else:  # most materials: the others cost the relaxation nothing, and a copy would
        scope, origin = problem, None
    session = Session(scope, solver, time_limit, Variant(relax=levers))
    if not session.model.knobs:
        return [], False
    result = session.solve(duals=False)
    if result.status is not SolveStatus.OPTIMAL or result.plan is None:
        return [], True
    sizes = relaxation_sizes(session.model, result.plan, whole=coupled)
    within = {key: size * (1 + 1e-9) + 1e-12 for key, size in sizes.items()}
    cheapest = session.solve_within(within)
    if cheapest.status is SolveStatus.OPTIMAL and cheapest.plan is not None:
        result = cheapest  # the same least move, and the cheapest plan with it
    fixed = _fixed(scope, result)
    needs = _needs(problem, scope, origin, result)
    lever = next(iter(levers)) if len(levers) == 1 else None
    if coupled:
        if len(fixed) < len(scope.materials):
            return [], True
        changes = _merged(change for need in needs.values() for change in need.values())
        if not changes:
            return [], True
        return [_verified_whole(problem, Advice("", lever, changes), solver, time_limit)], True
    advice = []
    for name in materials:
        if name not in fixed or not needs.get(name):
            continue
        advice.append(Advice(name, lever, tuple(needs[name].values())))
    return _verified_apart(problem, advice, solver, time_limit), True


def _servable(problem: Problem, material: str) -> bool:
    """Whether any change of the workbook's values could serve `material`: it has an offer from
    a country not under embargo."""
    return any(not offer.embargoed for offer in problem.offers_by_material[material])


def _fixed(scope: Problem, result: SolveResult) -> set[str]:
    """The materials the relaxation's plan serves without its last resort: no unmet demand
    (unless a penalty allows it) and no gap under a group floor."""
    assert result.plan is not None
    plan, allowed = result.plan, scope.settings.shortfall_penalty is not None
    left: dict[str, float] = defaultdict(float)
    for limit in result.limits:
        if limit.kind in GAPPED:
            left[limit.material] += plan.relaxation.get(limit.name, 0.0)
    if not allowed:
        for name, unmet in plan.shortfall.items():
            left[name] += unmet
    return {name for name in scope.materials if left[name] <= _tiny(scope, name)}


def _needs(
    problem: Problem, scope: Problem, origin: list[int] | None, result: SolveResult
) -> dict[str, dict[Cell, Change]]:
    """Per material, the changes of cells its knobs moved to (a value several materials share
    has one knob per material: each material's own need)."""
    assert result.plan is not None
    per_material: dict[str, dict[Cell, Change]] = defaultdict(dict)
    for knob in result.knobs:
        moved = result.plan.relaxation.get(knob.name, 0.0)
        if moved <= _noise(problem, knob):
            continue
        change = _change(problem, scope, origin, result.plan, knob, moved)
        if change is not None:
            per_material[knob.material][change.cell] = change
    return per_material


def _noise(problem: Problem, knob: Knob) -> float:
    """The largest move of `knob` that is the solver's tolerance rather than a need."""
    if knob.column in ("capacity", "min_order", "max_stock"):
        return SLACK * max(1.0, problem.materials[knob.material].quantity)
    return 0.0 if knob.column == "max_country_spend_share" else SLACK


def _change(
    problem: Problem,
    scope: Problem,
    origin: list[int] | None,
    plan: Plan,
    knob: Knob,
    moved: float,
) -> Change | None:
    """The change of `knob`'s cell that its move `moved` (in the knob's unit) asks for, rounded
    the way that relaxes; None when the rounded value is the old one."""
    sheet, column, subject = knob.sheet, knob.column, knob.subject
    if sheet == "Offers":
        index = int(subject) if origin is None else origin[int(subject)]
        subject = str(index)
    old = _value(problem, sheet, column, subject)
    if old is None:
        return None
    demand = problem.materials[knob.material].quantity if knob.material else math.inf
    quantity = SLACK * max(1.0, demand if knob.material else 1.0)
    if column in ("capacity", "max_stock"):
        new = min(_up(old + moved, _quantity_steps(old + moved), quantity), demand)
    elif column == "min_order":
        new = max(_down(old - moved, _quantity_steps(old - moved), quantity), 0.0)
    elif column == "max_suppliers":
        new = old + math.ceil(moved - SLACK)
    elif column == "min_countries":
        new = max(old - math.ceil(moved - SLACK), 0)
    elif column == "max_avg_risk":
        average = _average_risk(scope, plan, knob.material)
        new = min(_up(average, AMOUNTS, 100 * SLACK), 100.0)
    elif column == "max_avg_co2":
        average = _average_of(scope, plan, knob.material, np.nan_to_num(scope.data.co2))
        new = _up(average, AMOUNTS, max(old, 1.0) * SLACK)
    elif column == "max_country_spend_share":
        new = min(_up(_largest_spend_share(scope, plan), SHARES, SLACK), 1.0)
    elif column in ("min_share", "min_cover", "min_award"):
        new = max(_down(old - moved, SHARES, SLACK), 0.0)
    else:
        new = min(_up(old + moved, SHARES, SLACK), 1.0)
    if not _looser(sheet, column, new, old):
        return None
    return Change(sheet, column, subject, old, new)


def _value(problem: Problem, sheet: str, column: str, subject: str) -> float | None:
    """The value of a cell as `problem` holds it."""
    match sheet:
        case "Offers":
            return getattr(problem.offers[int(subject)], column)
        case "Demand":
            return getattr(problem.materials[subject], column)
        case "Countries":
            return getattr(problem.countries[subject], column)
        case "Groups":
            return getattr(problem.groups[subject], column)
        case "Settings":
            return getattr(problem.settings, column)
    raise ValueError(f"no value {sheet}.{column}")


def _looser(sheet: str, column: str, new: float, old: float) -> bool:
    return new < old if (sheet, column) in FLOORS else new > old


def _merged(changes: Iterable[Change]) -> tuple[Change, ...]:
    """One change per cell, the loosest of those asked for it."""
    widest: dict[Cell, Change] = {}
    for change in changes:
        known = widest.get(change.cell)
        if known is None or _looser(change.sheet, change.column, change.new, known.new):
            widest[change.cell] = change
    return tuple(widest.values())


def _up(value: float, steps: float, slack: float) -> float:
    """`value` rounded up to 1/steps; a value at most `slack` above a multiple is taken as that
    multiple (the solver's tolerance, not a need)."""
    return math.ceil((value - slack) * steps) / steps


def _down(value: float, steps: float, slack: float) -> float:
    return math.floor((value + slack) * steps) / steps


def _quantity_steps(value: float) -> float:
    """Steps per unit to round a quantity to: five significant digits, and cents at most
    (55,000 and 66.67)."""
    return min(AMOUNTS, 10.0 ** (4 - math.floor(math.log10(max(abs(value), 1e-9)))))


def _average_risk(scope: Problem, plan: Plan, material: str) -> float:
    """The quantity-weighted average risk of `material` in the plan: the cap the plan needs."""
    return _average_of(scope, plan, material, scope.data.risk)


def _average_of(scope: Problem, plan: Plan, material: str, values: np.ndarray) -> float:
    """The quantity-weighted average of `values` (one per offer) over `material`'s supply."""
    data = scope.data
    q = plan.in_offer_order(len(scope.offers))
    mine = data.material == list(scope.materials).index(material)
    supplied = float(q[mine].sum())
    return float(values[mine] @ q[mine]) / supplied if supplied > ZERO else 0.0


def _largest_spend_share(scope: Problem, plan: Plan) -> float:
    """The largest country's share of the plan's total spend: the cap the plan needs."""
    data = scope.data
    q = plan.in_offer_order(len(scope.offers))
    counted, country = data.counted()
    landed = scope.landed_paid(q)
    spend = np.bincount(country, weights=(landed * q)[counted], minlength=len(data.countries))
    total = float(landed @ q)
    return float(spend.max()) / total if total > 0 else 0.0


def restricted(problem: Problem, materials: Iterable[str]) -> tuple[Problem, list[int]]:
    """The problem of `materials` alone (their offers numbered anew), and each offer's index in
    `problem`."""
    keep = set(materials)
    offers = [o for o in problem.offers if o.material in keep]
    renumbered = [
        o if o.index == k else o.model_copy(update={"index": k}) for k, o in enumerate(offers)
    ]
    part = problem.replace(
        offers=renumbered,
        materials={name: m for name, m in problem.materials.items() if name in keep},
        scenarios=problem.scenarios if "scenarios" in problem.settings.survive else [],
    )
    return part, [o.index for o in offers]


def applied(problem: Problem, changes: Iterable[Change]) -> Problem:
    """`problem` with the changes made as an analyst would make them in the workbook: a setting
    changes every material that took it from Settings; a country's or a group's value every
    material it applies to."""
    offers = list(problem.offers)
    materials = dict(problem.materials)
    countries, groups, settings = dict(problem.countries), dict(problem.groups), problem.settings
    for change in changes:
        new: float | int = int(change.new) if change.column == "max_suppliers" else change.new
        subject, column = change.subject, change.column
        match change.sheet:
            case "Offers":
                offers[int(subject)] = offers[int(subject)].model_copy(update={column: new})
            case "Demand":
                material = materials[subject]
                update = {column: new, "defaulted": material.defaulted - {column}}
                materials[subject] = material.model_copy(update=update)
            case "Countries":
                countries[subject] = countries[subject].model_copy(update={column: new})
            case "Groups":
                groups[subject] = groups[subject].model_copy(update={column: new})
            case "Settings":
                settings = settings.model_copy(update={column: new})
                for name, material in materials.items():
                    if column in material.defaulted:
                        materials[name] = material.model_copy(update={column: new})
    return problem.replace(
        offers=offers, materials=materials, countries=countries, groups=groups, settings=settings
    )


def apply_advice(problem: Problem, advice: Advice) -> Problem:
    """The problem an advice makes possible: `problem` with its changes, restricted to its
    material when that is a problem of its own; an advice for the whole workbook leaves aside
    the materials that no change of a value can serve (no offer outside an embargo), which have
    their own rows."""
    changed = applied(problem, advice.changes)
    if advice.material:
        return restricted(changed, [advice.material])[0]
    servable = [m for m in problem.materials if _servable(problem, m)]
    return changed if len(servable) == len(problem.materials) else restricted(changed, servable)[0]


def _verified_whole(problem: Problem, advice: Advice, solver: str, time_limit: float) -> Advice:
    changed = apply_advice(problem, advice)
    plan = _checked_plan(changed, solver, time_limit)
    return advice if plan is None else _with_plan([advice], changed, plan)[0]


def _verified_apart(
    problem: Problem, advice: list[Advice], solver: str, time_limit: float
) -> list[Advice]:
    """Each advice verified on its material alone. Those whose material reads no other value
    of another advice (a value two materials share is changed once, for both) are solved
    together, in one model; the others, and any that model leaves unsettled, one by one."""
    changes = _merged(c for a in advice for c in a.changes)
    loosest = {change.cell: change.new for change in changes}
    touching = _touching(problem, changes, [a.material for a in advice])

    def agrees(one: Advice) -> bool:
        own = {change.cell: change.new for change in one.changes}
        return all(own.get(cell) == loosest[cell] for cell in touching[one.material])

    together = [a for a in advice if agrees(a)]
    alone = [a for a in advice if not agrees(a)]
    done, unsettled = _verified_together(applied(problem, changes), together, solver, time_limit)
    for one in alone + unsettled:
        part = apply_advice(problem, one)
        plan = _checked_plan(part, solver, time_limit)
        done += [one] if plan is None else _with_plan([one], part, plan)
    return done


def _verified_together(
    changed: Problem, advice: list[Advice], solver: str, time_limit: float
) -> tuple[list[Advice], list[Advice]]:
    """The advice verified in one model of their materials in `changed` (the problem with all
    their changes); and those left to verify one by one. When that model has no plan, the
    least-shortfall model tells which materials it cannot serve (their advice fails: the
    materials are apart) and the others are solved together again."""
    if not advice:
        return [], []
    part = restricted(changed, [a.material for a in advice])[0]
    plan = _checked_plan(part, solver, time_limit)
    if plan is not None:
        return _with_plan(advice, part, plan), []
    reach = solve(part, solver, time_limit, Variant(least_shortfall=True), duals=False)
    if reach.status is not SolveStatus.OPTIMAL or reach.plan is None:
        return [], advice
    short = _short(part, reach)
    served = [a for a in advice if a.material not in short]
    failed = [a for a in advice if a.material in short]
    if not served:
        return failed, []
    part = restricted(changed, [a.material for a in served])[0]
    plan = _checked_plan(part, solver, time_limit)
    return (failed + _with_plan(served, part, plan), []) if plan else (failed, served)


def _with_plan(advice: list[Advice], problem: Problem, plan: Plan) -> list[Advice]:
    """The advice, verified by `plan` of `problem` (the problem with their changes): each
    with what that plan costs for its material (for the whole plan, when it has none)."""
    objective, cost = _objectives(problem, plan)
    everything = list(problem.materials)
    verified = []
    for one in advice:
        names = [one.material] if one.material else everything
        verified.append(
            replace(
                one,
                verified=True,
                objective=sum(objective[name] for name in names),
                cost=sum(cost[name] for name in names),
                shortfall=sum(plan.shortfall.get(name, 0.0) for name in names),
            )
        )
    return verified


def _touching(
    problem: Problem, changes: Iterable[Change], materials: list[str]
) -> dict[str, set[Cell]]:
    """Per material of `materials`, the cells of `changes` that its rows read: its offers' and
    its own, the settings it took, the caps of the countries it has offers from, the caps of
    their groups and every group floor."""
    touched: dict[str, set[Cell]] = {name: set() for name in materials}
    by_country: dict[str, set[str]] = defaultdict(set)
    by_group: dict[str, set[str]] = defaultdict(set)
    for name in materials:
        for offer in problem.offers_by_material[name]:
            for country in {offer.country, offer.origin or offer.country}:
                by_country[country].add(name)
                by_group[problem.group_of(country) or ""].add(name)
    for change in changes:
        match change.sheet, change.column:
            case "Offers", _:
                readers = {problem.offers[int(change.subject)].material}
            case "Demand", _:
                readers = {change.subject}
            case "Settings", column:
                readers = {
                    name
                    for name in materials
                    if column in problem.materials[name].defaulted
                    or column == "max_country_spend_share"
                }
            case "Countries", _:
                readers = by_country[change.subject]
            case "Groups", "min_share":
                readers = set(materials)  # a floor applies to every material
            case _:
                readers = by_group[change.subject]
        for name in readers & touched.keys():
            touched[name].add(change.cell)
    return touched


def _checked_plan(problem: Problem, solver: str, time_limit: float) -> Plan | None:
    """The cheapest plan of `problem`, if the solver proves one and it passes the check."""
    result = solve(problem, solver, time_limit, duals=False)
    if result.status is not SolveStatus.OPTIMAL or result.plan is None:
        return None
    return None if verify(problem, result.plan) else result.plan


def _objectives(problem: Problem, plan: Plan) -> tuple[dict[str, float], dict[str, float]]:
    """Per material, what the solver minimised and the plan's cost (landed plus fixed costs,
    reservation fees and stock added)."""
    data, settings = problem.data, problem.settings
    q = plan.in_offer_order(len(problem.offers))
    reserved = plan.reserved_in_offer_order(len(problem.offers))
    count = len(problem.materials)
    paid = (
        problem.landed_paid(q) * q
        + data.fixed_cost * (q > ZERO)
        + np.nan_to_num(data.reserve_price) * reserved
    )
    stock = [
        (m.stock_cost or 0.0) * plan.stock_added.get(n, 0.0) for n, m in problem.materials.items()
    ]
    cost = np.bincount(data.material, weights=paid, minlength=count) + np.array(stock)
    risk = np.bincount(data.material, weights=data.risk * q, minlength=count)
    penalty = settings.shortfall_penalty or 0.0
    names = list(problem.materials)
    unmet = np.array([plan.shortfall.get(name, 0.0) for name in names])
    objective = cost + settings.risk_price * risk + penalty * unmet
    return dict(zip(names, objective.tolist(), strict=True)), dict(
        zip(names, cost.tolist(), strict=True)
    )


# --- what holds a material back ----------------------------------------------------------


def _held(problem: Problem, reach: SolveResult, materials: set[str]) -> dict[str, list[Limit]]:
    """The limits of the least-shortfall model with a non-zero dual, per material of
    `materials` (a limit across materials for each of them)."""
    duals = reach.duals if reach.duals is not None else np.zeros(len(reach.limits))
    held: dict[str, list[Limit]] = defaultdict(list)
    for limit, dual in zip(reach.limits, duals.tolist(), strict=True):
        if abs(dual) < 1e-9:
            continue
        for name in materials if limit.material == "" else (limit.material,):
            if name in materials:
                held[name].append(limit)
    return held


def _blockers(
    problem: Problem,
    reach: SolveResult,
    held: list[Limit],
    name: str,
    gaps: dict[Limit, float],
    solving: tuple[str, float],
) -> list[Blocker]:
    """What keeps `name` from being served, in numbers: its offers' absence or embargo, the
    group floors it cannot reach, the disruptions it cannot withstand, the limits the
    least-shortfall plan holds it back with, the number of offers it may use and minimum orders
    above what an offer may supply."""
    material = problem.materials[name]
    offers = problem.offers_by_material[name]
    if not offers:
        return [Blocker(f"no offer in {problem.sources.sheets.get('Offers', 'Offers')} is for it")]
    found = _embargoes(problem, name)
    floors = {
        limit.subject: gap for limit, gap in gaps.items() if limit.kind is LimitKind.GROUP_MIN
    }
    for group, gap in floors.items():
        share = problem.groups[group].min_share or 0.0
        need = share * material.quantity
        sheet, cell = _where(problem, Change("Groups", "min_share", group, share, share))
        found.append(
            Blocker(
                f"group {group} must supply at least {percent(share)} of it ({amount(need)}"
                f"{_at(sheet, cell)}) but can supply at most {amount(max(need - gap, 0.0))} "
                "within the other limits",
                sheet,
                cell,
                alone=True,
            )
        )
    covers = [limit for limit in gaps if limit.kind is LimitKind.COVER]
    binding = [limit for limit in held if limit.kind is LimitKind.COVER and limit not in covers]
    found += _covers(problem, name, covers, binding, *solving)
    if any(limit.kind is LimitKind.MIN_COUNTRIES for limit in gaps):
        found.append(_too_few_countries(problem, name))
    found += _holding_back(problem, reach, held, name, skip_floors=bool(floors))
    assert reach.plan is not None
    q = reach.plan.in_offer_order(len(problem.offers))
    count = material.max_suppliers
    if count is not None and sum(q[o.index] > ZERO for o in offers) >= count:
        sheet, cell = _where(problem, Change("Demand", "max_suppliers", name, count, count))
        each = material.max_supplier_share * material.quantity
        largest = sorted((min(problem.data.upper[o.index], each) for o in offers), reverse=True)
        most = amount(sum(largest[:count]))
        which = "the largest" if count == 1 else f"the {count} largest"
        found.append(
            Blocker(
                f"at most {count} of its offers may be used{_paren(sheet, cell)}, and {which} "
                f"can supply {most}",
                sheet,
                cell,
            )
        )
    found += _minimum_orders(problem, name)
    found += _minimum_awards(problem, name)
    return found


def _minimum_awards(problem: Problem, name: str) -> list[Blocker]:
    """The offers that can never supply the material's minimum award (capacity, their supplier
    cap and their countries' caps), listed at the award's cell."""
    material = problem.materials[name]
    if not material.min_award:
        return []
    demand = material.quantity
    least = material.min_award * demand
    short = []
    for offer in problem.offers_by_material[name]:
        if offer.embargoed:
            continue
        most = min(
            float(problem.data.upper[offer.index]),
            material.max_supplier_share * demand,
            problem.country_cap(name, offer.country) * demand,
            problem.country_cap(name, offer.origin or offer.country) * demand,
        )
        if least > most + _tiny(problem, name):
            short.append(f"{offer.supplier} ({amount(most)})")
    if not short:
        return []
    sheet, cell = _where(problem, Change("Demand", "min_award", name, 0, 0))
    share = f"{percent(material.min_award)}, {amount(least)}{_at(sheet, cell)}"
    return [
        Blocker(
            f"the minimum award ({share}) is more than {_listed(short)} can supply", sheet, cell
        )
    ]


def _too_few_countries(problem: Problem, name: str) -> Blocker:
    """A material whose min_countries the least-shortfall plan cannot reach: how many countries
    it needs, at what share, and how many its offers come from."""
    material = problem.materials[name]
    sheet, cell = _where(problem, Change("Demand", "min_countries", name, 0, 0))
    origins = {o.origin or o.country for o in problem.offers_by_material[name] if not o.embargoed}
    floor, count = problem.settings.country_floor, material.min_countries or 0
    why = (
        f"its usable offers originate in {_counted(len(origins), 'country', 'countries')}"
        if len(origins) < count
        else f"within the other limits fewer than {count} can supply that much"
    )
    return Blocker(
        f"at least {count} countries of origin must each supply {percent(floor)} of it"
        f"{_paren(sheet, cell)}, but {why}",
        sheet,
        cell,
        alone=True,
    )


def _counted(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}" if count else f"no {one}"


def _covers(
    problem: Problem,
    name: str,
    covers: list[Limit],
    binding: list[Limit],
    solver: str,
    time_limit: float,
) -> list[Blocker]:
    """The disruptions of `name` that the least-shortfall plan leaves below what min_cover
    requires: each that cannot leave enough even alone, with the most it can leave within the
    other limits; those that can each alone but not all at once, together with the covers that
    plan meets only just (`binding`: the other side of the conflict)."""
    if not covers:
        return []
    material = problem.materials[name]
    sheet, cell = _where(problem, _cover_cell(material))
    share = f"min_cover {percent(material.min_cover)}{_at(sheet, cell)}"
    found, together = [], []
    for limit in covers:
        most = _most_available(problem, limit, solver, time_limit)
        if most is not None and most >= limit.bound - _tiny(problem, name):
            together.append(_when(limit.subject))
            continue
        kept = "" if most is None else f"at most {amount(most)} of "
        text = f"{_when(limit.subject)}, {kept}the required {amount(limit.bound)} ({share})"
        found.append(Blocker(f"{text} can be available", sheet, cell, alone=True))
    if together:
        together += [_when(limit.subject) for limit in binding]
        need = amount(covers[0].bound)
        text = (
            f"the required {need} ({share}) cannot stay available in each of these at once, "
            f"though in any one of them alone: {_listed(together)}"
        )
        found.append(Blocker(text, sheet, cell, alone=True))
    return found


def _most_available(problem: Problem, limit: Limit, solver: str, time_limit: float) -> float | None:
    """The most the disruption of cover `limit` can leave of its material within the other
    limits, the material's other disruptions aside: its required amount less the least gap of
    its row in the least-shortfall model, where unmet demand and gaps under group floors cost
    far more (they are the other limits' last resort). None when that is not known."""
    scope = problem if ties_materials(problem) else restricted(problem, [limit.material])[0]
    model = build_model(scope, Variant(least_shortfall=True))
    gap = model.relaxation[limit.name]
    floors = [model.relaxation.get(o.name) for o in model.limits if o.kind is LimitKind.GROUP_MIN]
    last = [*model.shortfall.values(), *(c for c in floors if c is not None)]
    demand = problem.materials[limit.material].quantity
    model.set_cost(np.array([gap, *last]), np.array([1 / demand] + [LAST_RESORT] * len(last)))
    solution = run_model(model, solver, max(time_limit, 1.0))
    if solution.status is not SolveStatus.OPTIMAL or solution.values is None:
        return None
    return max(limit.bound - float(solution.values[gap]), 0.0)


def _cover_cell(material: Material) -> Change:
    """The min_cover a material takes: its own in Demand, or the setting."""
    if "min_cover" in material.defaulted:
        return _setting("min_cover")
    return Change("Demand", "min_cover", material.name, 0, 0)


def _when(disruption: str) -> str:
    """A disruption's name ("country China", "supplier Pavlodar", "scenario Export ban") as the
    start of a sentence."""
    kind, _, subject = disruption.partition(" ")
    match kind:
        case "country":
            return f"if {subject} stops supplying it"
        case "supplier":
            return f"if supplier {subject} stops supplying it"
    return f"in scenario {subject}"


def _embargoes(problem: Problem, name: str) -> list[Blocker]:
    """The embargoes that bar offers of `name`, with what those offers could supply."""
    offers = problem.offers_by_material[name]
    demand = problem.materials[name].quantity
    barred: dict[str, list[str]] = defaultdict(list)
    for offer in offers:
        if offer.embargoed:
            most = min(float(problem.data.capacity[offer.index]), demand)
            barring = [c for c in (offer.country, offer.origin) if c and _embargoed(problem, c)]
            country = barring[0] if barring else offer.country
            barred[country].append(f"{offer.supplier} ({amount(most)})")
    where = {country: _embargo_where(problem, country) for country in barred}
    if barred and sum(map(len, barred.values())) == len(offers):
        places = _listed([f"{country}{_paren(*where[country])}" for country in barred])
        first = where[next(iter(barred))]
        text = f"every offer of it is from a country under embargo: {places}"
        return [Blocker(text, *first, alone=True)]
    return [
        Blocker(
            f"the embargo on {country}{_paren(*where[country])} bars {_listed(suppliers)}",
            *where[country],
        )
        for country, suppliers in barred.items()
    ]


def _embargoed(problem: Problem, country: str) -> bool:
    entry = problem.countries.get(country)
    return entry is not None and entry.embargo


def _embargo_where(problem: Problem, country: str) -> tuple[str, str]:
    entry = problem.countries.get(country)
    return problem.sources.cell("Countries", "embargo", entry.row) if entry else ("", "")


def _holding_back(
    problem: Problem,
    reach: SolveResult,
    held: list[Limit],
    material: str,
    skip_floors: bool,
) -> list[Blocker]:
    """The limits whose relaxation would let more of `material` be sourced (`held`: those with
    a non-zero dual)."""
    demand = problem.materials[material].quantity
    found: list[Blocker] = []
    capacity: list[tuple[str, float]] = []
    assert reach.plan is not None
    q = reach.plan.quantities
    for limit in held:
        subject, bound = limit.subject, limit.bound
        capped = f"capped at {percent(bound / demand)}"
        match limit.kind:
            case LimitKind.CAPACITY:
                if q[limit.offers[0]] >= bound - _tiny(problem, material):  # else: left unused
                    capacity.append((subject, bound))
                continue
            case LimitKind.COUNTRY_CAP:
                where = _country_cap_where(problem, material, subject)
                text, figure = f"{subject} {capped}", _most(problem, material, bound)
            case LimitKind.SUPPLIER_CAP:
                where = _material_cap_where(problem, material, "max_supplier_share")
                text, figure = f"supplier {subject} {capped}", _most(problem, material, bound)
            case LimitKind.GROUP_MAX:
                where = _where(problem, Change("Groups", "max_share", subject, 0, 0))
                text, figure = f"group {subject} {capped}", _most(problem, material, bound)
            case LimitKind.GROUP_MIN if not skip_floors:
                where = _where(problem, Change("Groups", "min_share", subject, 0, 0))
                share = percent(bound / demand)
                text, figure = f"group {subject} must supply at least {share}", amount(bound)
            case LimitKind.RISK_CAP:
                where = _material_cap_where(problem, material, "max_avg_risk")
                text, figure = f"average risk capped at {amount(bound)}", ""
            case LimitKind.MIN_AWARD:
                where = _material_cap_where(problem, material, "min_award")
                share = percent(bound / demand)
                text, figure = f"{subject}, if used, must supply at least {share}", amount(bound)
            case LimitKind.CO2_CAP:
                where = _material_cap_where(problem, material, "max_avg_co2")
                text, figure = f"average CO2 capped at {amount(bound)} per unit", ""
            case LimitKind.SPEND_CAP:
                where = _where(problem, _setting("max_country_spend_share"))
                text, figure = f"{subject} capped at {percent(bound)} of total spend", ""
            case _:
                continue
        sheet, cell = where
        notes = [note for note in (figure, f"{sheet}!{cell}" if cell else "") if note]
        found.append(Blocker(f"{text} ({', '.join(notes)})" if notes else text, sheet, cell))
    if capacity:
        shown = [f"{supplier} ({amount(most)})" for supplier, most in capacity[:5]]
        more = len(capacity) - len(shown)
        listed = _listed(shown + ([f"{more} more"] if more else []))
        total = f" ({amount(sum(most for _, most in capacity))} in all)" if more else ""
        found.append(Blocker(f"the capacity of {listed}{total}"))
    return found


def _most(problem: Problem, name: str, bound: float) -> str:
    """A cap in units, and the whole units it allows of a material counted in pieces."""
    material = problem.materials[name]
    if not material.whole or float(bound).is_integer():
        return amount(bound)
    return f"{amount(bound)}, so {math.floor(bound)} whole {material.unit or 'units'}"


def _minimum_orders(problem: Problem, name: str) -> list[Blocker]:
    """Offers whose minimum order is above what they may supply (capacity, their supplier cap
    and their country's cap), so that they can never be used."""
    material = problem.materials[name]
    demand = material.quantity
    found = []
    for offer in problem.offers_by_material[name]:
        minimum = offer.min_order or 0.0
        if minimum <= 0 or offer.embargoed:
            continue
        most = min(
            float(problem.data.upper[offer.index]),
            material.max_supplier_share * demand,
            problem.country_cap(name, offer.country) * demand,
            problem.country_cap(name, offer.origin or offer.country) * demand,
        )
        if most > _tiny(problem, name) and minimum > most + _tiny(problem, name):
            # (an offer that may supply nothing is held back by what says so, not its minimum)
            sheet, cell = _where(problem, Change("Offers", "min_order", str(offer.index), 0, 0))
            found.append(
                Blocker(
                    f"the minimum order of {offer.supplier} ({amount(minimum)}{_at(sheet, cell)}) "
                    f"is more than it may supply ({amount(most)})",
                    sheet,
                    cell,
                )
            )
    return found


def _listed(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


# --- where a value stands, and the rows of the Diagnostics sheet --------------------------


def _setting(name: str) -> Change:
    return Change("Settings", name, name, 0, 0)


def _where(problem: Problem, change: Change) -> tuple[str, str]:
    """The sheet (as the workbook names it) and cell that hold the value `change` is about."""
    sources, subject, column = problem.sources, change.subject, change.column
    match change.sheet:
        case "Offers":
            return sources.cell("Offers", column, problem.offers[int(subject)].row)
        case "Demand":
            return sources.cell("Demand", column, problem.materials[subject].row)
        case "Countries":
            return sources.cell("Countries", column, problem.countries[subject].row)
        case "Groups":
            return sources.cell("Groups", column, problem.groups[subject].row)
    return sources.setting(column) or (sources.sheets.get("Settings", "Settings"), "")


def _material_cap_where(problem: Problem, name: str, column: str) -> tuple[str, str]:
    """A material's cap: its own cell in Demand, or the Settings cell it took."""
    if column in problem.materials[name].defaulted:
        return _where(problem, _setting(column))
    return _where(problem, Change("Demand", column, name, 0, 0))


def _country_cap_where(problem: Problem, name: str, country: str) -> tuple[str, str]:
    """A country's cap on a material: the country's own max_share when that is the lower, else
    the material's cap (`rules.country_cap`)."""
    own = problem.countries.get(country)
    cap = problem.materials[name].max_country_share
    if own is not None and own.max_share is not None and own.max_share < cap:
        return _where(problem, Change("Countries", "max_share", country, 0, 0))
    return _material_cap_where(problem, name, "max_country_share")


def _demand_where(problem: Problem, name: str) -> tuple[str, str]:
    material = problem.materials[name]
    sheet, cell = problem.sources.cell("Demand", "quantity", material.row)
    return sheet, cell or material.quantity_cell


def _at(sheet: str, cell: str) -> str:
    return f", {sheet}!{cell}" if cell else ""


def _paren(sheet: str, cell: str) -> str:
    return f" ({sheet}!{cell})" if cell else ""


def diagnostics(
    problem: Problem,
    explanation: Explanation,
    prefix: str = "",
    instead_of_demand: tuple[str, str] | None = None,
) -> list[Diagnostic]:
    """One error row per material that cannot be served, at the cell of the first advice's
    first change (the demand's when that is a capacity); without advice, at the cell of what
    alone stops it (an embargo, a group floor), else at the demand (or `instead_of_demand`).
    `prefix` names a scenario."""
    if not explanation.verdicts:
        sheet, cell = instead_of_demand or ("", "")
        return [error(sheet, cell, prefix + (explanation.note or "No plan meets every limit."))]
    rows = []
    for verdict in explanation.verdicts:
        sheet, cell = instead_of_demand or _demand_where(problem, verdict.material)
        if verdict.advice:
            first = verdict.advice[0].changes[0]
            if first.cell[:2] != ("Offers", "capacity"):
                sheet, cell = _where(problem, first)
        else:
            stops = [b for b in verdict.blockers if b.alone and b.cell]
            if stops:
                sheet, cell = stops[0].sheet, stops[0].cell
        rows.append(error(sheet, cell, prefix + _message(problem, verdict, bool(prefix))))
    return rows


def _message(problem: Problem, verdict: Verdict, scenario: bool) -> str:
    name = verdict.material
    text = f"{name}: demand {amount(verdict.demand)}"
    if verdict.most is not None:
        text += f", at most {amount(verdict.most)} can be sourced within the limits."
    else:
        text += "."
    if verdict.blockers:
        text += f" Holding it back: {'; '.join(b.text for b in verdict.blockers)}."
    if verdict.advice:
        ways = [_advice_text(problem, advice, name) for advice in verdict.advice]
        text += f" To make a plan possible: {'; or '.join(ways)}."
    elif any(not o.embargoed for o in problem.offers_by_material[name]):
        values = "capacities, caps, floors, minimum orders"
        values += (
            ", supplier counts, min_cover or max_stock"
            if problem.settings.survive
            else (" or supplier counts")
        )
        where = (
            " in the workbook was found that makes a plan possible under it"
            if scenario
            else (" was found that makes a plan possible")
        )
        text += f" No change of {values}{where}."
    return text


def _advice_text(problem: Problem, advice: Advice, row: str) -> str:
    changes = " and ".join(_change_text(problem, c, row) for c in advice.changes)
    whose = row
    if not advice.material:
        aside = [m for m in problem.materials if not _servable(problem, m)]
        whose = f"the plan without {_listed(aside)}" if aside else "the plan"
    unmet = f", with {amount(advice.shortfall)} unmet" if advice.shortfall > ZERO else ""
    return f"{changes} (then {whose} costs {amount(advice.cost or 0.0)}{unmet})"


KEPT = "that must stay available in a disruption"


def _change_text(problem: Problem, change: Change, row: str) -> str:
    """A change in words, with the cell to make it in."""
    at = _paren(*_where(problem, change))
    subject, column = change.subject, change.column
    old, new = change.old or 0.0, change.new
    shares = f"from {percent(old)} to {percent(new)}"
    of = f" of {subject}" if change.sheet == "Demand" and subject != row else ""
    place, cell = _where(problem, change)
    named = f"{column}, {place}!{cell}" if cell else f"{column} in {place}"  # and where it is
    match change.sheet, column:
        case "Offers", _:
            offer = problem.offers[int(subject)]
            who = (
                offer.supplier
                if offer.material == row
                else f"{offer.supplier} for {offer.material}"
            )
            numbers = f"from {amount(old)} to {amount(new)}"
            if column == "min_order":
                return f"lower the minimum order of {who}{at} {numbers}"
            return f"raise the capacity of {who}{at} {numbers}"
        case "Demand", "max_suppliers":
            return f"raise the number of offers that may be used{of}{at} from {old:g} to {new:g}"
        case "Demand", "max_avg_risk":
            return f"raise the average-risk cap{of}{at} from {amount(old)} to {amount(new)}"
        case "Settings", "max_avg_risk":
            return f"raise the default average-risk cap{at} from {amount(old)} to {amount(new)}"
        case "Demand", "min_award":
            return f"lower the share an offer used must supply{of}{at} {shares}"
        case "Demand", "min_countries":
            numbers = f"from {old:g} to {new:g}"
            return f"lower the number of countries that must each supply{of}{at} {numbers}"
        case "Demand", "max_avg_co2":
            return f"raise the average-CO2 cap{of}{at} from {amount(old)} to {amount(new)}"
        case "Demand", "max_country_share":
            return f"raise the cap on any one country's share{of}{at} {shares}"
        case "Settings", "max_country_share":
            return f"raise the default cap on any one country's share{at} {shares}"
        case "Demand", "max_supplier_share":
            return f"raise the cap on any one supplier's share{of}{at} {shares}"
        case "Settings", "max_supplier_share":
            return f"raise the default cap on any one supplier's share{at} {shares}"
        case "Settings", "max_country_spend_share":
            return f"raise the cap on any one country's share of total spend{at} {shares}"
        case "Countries", _:
            return f"raise the cap on {subject}{at} {shares}"
        case "Groups", "min_share":
            return f"lower the minimum of group {subject}{at} {shares}"
        case "Demand", "min_cover":
            whose = f"of {subject}'s demand" if of else "of its demand"
            return f"lower the share {whose} {KEPT} ({named}) {shares}"
        case "Settings", "min_cover":
            return f"lower the default share of demand {KEPT} ({named}) {shares}"
        case "Demand", "max_stock":
            numbers = f"from {amount(old)} to {amount(new)}"
            return f"raise the most stock that may be added{of} ({named}) {numbers}"
    return f"raise the cap on group {subject}{at} {shares}"
