"""Why no plan exists under the award rules of issue 15 (origin, max_avg_co2, min_award,
min_countries, price tiers), with advice that has been tried: hand-computed Diagnostics rows,
and a property test of random models where every printed advice, applied by the test's own
code, gives a plan."""

from __future__ import annotations

import random
from typing import Any

import pytest

from optimizer.contract.problem import Problem, Sources
from tests.insight import test_explain as explain_tests
from tests.insight.test_explain import (
    FALLING,
    LETTERS,
    check_advice,
    explained,
    infeasible,
    make_problem,
    offer,
)

SOLVERS = ["highs", "cbc"]
solver_param = pytest.mark.parametrize("solver", SOLVERS)
AWARD_COLUMNS = {"max_avg_co2": "K", "min_award": "L", "min_countries": "M"}


def award_problem(
    offers: list[dict[str, Any]], demand: dict[str, dict[str, Any]], **settings: Any
) -> Problem:
    """`make_problem`, with the Demand columns of the award rules (K max_avg_co2, L min_award,
    M min_countries) set from `demand` and placed in the sheet."""
    plain = {
        name: {k: v for k, v in spec.items() if k not in AWARD_COLUMNS}
        for name, spec in demand.items()
    }
    problem = make_problem(offers, plain, **settings)
    materials = {
        name: m.model_copy(update={k: v for k, v in demand[name].items() if k in AWARD_COLUMNS})
        for name, m in problem.materials.items()
    }
    letters = {**LETTERS, "Demand": {**LETTERS["Demand"], **AWARD_COLUMNS}}
    sources = Sources(
        sheets=problem.sources.sheets, letters=letters, settings=problem.sources.settings
    )
    return problem.replace(materials=materials, sources=sources)


@solver_param
def test_a_co2_cap_too_tight_for_the_capacity(solver: str) -> None:
    # A emits 10 a unit (capacity 50), B 2 (capacity 30); the average at most 5: 5a <= 3b, so at
    # most 30 + 18 = 48. Cap: A 70 + B 30 averages 7.6, costs 700 + 420 = 1,120. Capacity: B
    # 62.5 and A 37.5 average 5 and cost 375 + 875 = 1,250.
    problem = award_problem(
        [offer("A", "X", 10, 100, co2=10.0), offer("B", "Y", 14, 30, co2=2.0)],
        {"Ga": {"quantity": 100, "max_avg_co2": 5.0}},
    )
    assert explained(problem, solver) == [
        (
            "Demand",
            "K2",
            "Ga: demand 100, at most 48 can be sourced within the limits. Holding it back: "
            "average CO2 capped at 5 per unit (Demand!K2); the capacity of B (30). To make a plan "
            "possible: raise the average-CO2 cap (Demand!K2) from 5 to 7.6 (then Ga costs "
            "1,120); or raise the capacity of B (Offers!E3) from 30 to 62.5 (then Ga costs "
            "1,250).",
        )
    ]


@solver_param
def test_a_min_award_no_two_offers_can_meet(solver: str) -> None:
    # Each offer can supply 60 and must supply 70 if used: no plan. The least move of the award
    # is to 50% (A 50 @10 + B 50 @12 = 1,100; A 60 + B 40 would need 40%); the least capacity
    # raise is A's (cheaper) to 100: A 100 = 1,000.
    problem = award_problem(
        [offer("A", "X", 10, 60), offer("B", "Y", 12, 60)],
        {"Ga": {"quantity": 100, "min_award": 0.7}},
    )
    assert explained(problem, solver) == [
        (
            "Demand",
            "B2",  # the first advice is a capacity: the row stands at the demand
            "Ga: demand 100, at most 0 can be sourced within the limits. Holding it back: the "
            "minimum award (70%, 70, Demand!L2) is more than A (60) and B (60) can supply. To "
            "make a plan possible: raise the capacity of A (Offers!E2) from 60 to 100 (then Ga "
            "costs 1,000); or lower the share an offer used must supply (Demand!L2) from 70% to "
            "50% (then Ga costs 1,100).",
        )
    ]


@solver_param
def test_min_countries_beyond_the_origins(solver: str) -> None:
    # Three countries of origin (B ships from Japan but is Chinese by origin); four must supply
    # 20% each. Three: A 60 @10 + C 20 @12 + D 20 @13 = 1,100.
    problem = award_problem(
        [
            offer("A", "China", 10),
            offer("B", "Japan", 11, origin="China"),
            offer("C", "Korea", 12),
            offer("D", "India", 13),
        ],
        {"Ga": {"quantity": 100, "min_countries": 4}},
        country_floor=0.2,
    )
    assert explained(problem, solver) == [
        (
            "Demand",
            "M2",
            "Ga: demand 100. Holding it back: at least 4 countries of origin must each supply "
            "20% of it (Demand!M2), but its usable offers originate in 3 countries. To make a "
            "plan possible: lower the number of countries that must each supply (Demand!M2) "
            "from 4 to 3 (then Ga costs 1,100).",
        )
    ]


def random_award_problem(seed: int) -> Problem:
    """A small problem with the award rules: offers shipped from one country and produced in
    another, CO2 per unit and average-CO2 caps, minimum awards and country counts, with the
    older limits now and then (country caps, capacities, a shortfall penalty)."""
    rng = random.Random(seed)
    pick = rng.choice
    names = ["China", "Japan", "Korea", "India"][: pick([2, 3, 4])]
    settings: dict[str, Any] = {"country_floor": pick([0.05, 0.2, 0.3])}
    if pick([False, False, True]):
        settings["max_country_share"] = pick([0.5, 0.7])
    if pick([False, False, False, True]):
        settings["shortfall_penalty"] = 60.0
    demand: dict[str, dict[str, Any]] = {}
    offers = []
    for m in range(pick([1, 1, 2])):
        material = f"M{m}"
        spec: dict[str, Any] = {"quantity": float(pick([50, 100]))}
        if pick([False, True]):
            spec["max_avg_co2"] = pick([3.0, 5.0, 8.0])
        if pick([False, True]):
            spec["min_award"] = pick([0.2, 0.35, 0.6])
        if pick([False, True]):
            spec["min_countries"] = pick([2, 3, 4])
        demand[material] = spec
        for j in range(pick([2, 3, 4])):
            offers.append(
                offer(
                    f"S{m}{j}",
                    pick(names),
                    float(pick([8, 10, 12, 15])),
                    pick([None, 20.0, 40.0, 60.0]),
                    material=material,
                    origin=pick([None, None, pick(names)]),
                    co2=float(pick([1, 2, 4, 9])),
                )
            )
    for spec_offer in offers:
        if spec_offer["origin"] == spec_offer["country"]:
            spec_offer["origin"] = None
    return award_problem(offers, demand, **settings)


def _infeasible_seeds(count: int) -> list[int]:
    found, seed = [], 0
    while len(found) < count:
        if infeasible(random_award_problem(seed)):
            found.append(seed)
        seed += 1
    return found


@pytest.mark.parametrize(("solver", "count"), [("highs", 30), ("cbc", 8)])
def test_property_printed_advice_gives_a_plan(
    solver: str, count: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(explain_tests, "FALLING", (*FALLING, "min_award", "min_countries"))
    for seed in _infeasible_seeds(count):
        check_advice(random_award_problem(seed), solver)


@solver_param
@pytest.mark.parametrize(("discount", "cost"), [("all_units", "990"), ("incremental", "1,030")])
def test_capacity_advice_is_priced_by_the_tiers(solver: str, discount: str, cost: str) -> None:
    # A: 10, 9 from 40, 50 at most; B 12, 30 at most; 80 of 100. A raised to 70: all-units
    # 70 x 9 + 30 x 12 = 990; incremental 40 x 10 + 30 x 9 + 360 = 1,030.
    problem = award_problem(
        [offer("A", "X", 10, 50, tiers=((0.0, 10.0), (40.0, 9.0))), offer("B", "Y", 12, 30)],
        {"Ga": {"quantity": 100}},
        discount=discount,
    )
    assert explained(problem, solver) == [
        (
            "Demand",
            "B2",
            "Ga: demand 100, at most 80 can be sourced within the limits. Holding it back: the "
            "capacity of A (50) and B (30). To make a plan possible: raise the capacity of A "
            f"(Offers!E2) from 50 to 70 (then Ga costs {cost}).",
        )
    ]
