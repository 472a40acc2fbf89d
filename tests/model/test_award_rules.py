"""The award rules of issue 15, hand-computed on small problems with both solvers: an offer
counted toward its shipping country and its origin, the average-CO2 cap, minimum awards, the
minimum number of countries and price tiers (all-units and incremental)."""

from __future__ import annotations

import itertools
import random
from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from optimizer.contract.plan import Plan
from optimizer.contract.problem import Disruption, Problem, Scenario
from optimizer.contract.status import SolveStatus as Status
from optimizer.insight.analysis import baseline_plan
from optimizer.insight.overview import FAMILY_WORDS
from optimizer.insight.report import (
    OfferArrays,
    allocation_table,
    countries_table,
    materials_table,
)
from optimizer.insight.scenarios import disrupted, run_scenario
from optimizer.model.build import Family, Variant, build_model
from optimizer.model.solve import _start_values, run_matrix, solve
from optimizer.model.verify import verify
from tests.model.test_model import (
    assert_plan,
    binding,
    make_problem,
    offer,
    shadow,
    solved,
    solver_param,
)


def with_material(problem: Problem, **fields: Any) -> Problem:
    """`problem` with these Material fields set on its material "m"."""
    material = problem.materials["m"].model_copy(update=fields)
    return problem.replace(materials={"m": material})


def plan_of(problem: Problem, quantities: dict[int, float]) -> Plan:
    q = np.array([quantities.get(o.index, 0.0) for o in problem.offers])
    return Plan(dict(enumerate(q.tolist())), {"m": 0.0}, 1e12, array=q)


# --- origin ----------------------------------------------------------------------------------


def _japan_refined(**settings: Any) -> Problem:
    """A refines in Japan gallium first produced in China; B ships from China; C from Korea."""
    return make_problem(
        [
            offer("A", "Japan", 10, origin="China"),
            offer("B", "China", 11),
            offer("C", "Korea", 13),
        ],
        **settings,
    )


@solver_param
def test_an_offer_counts_toward_its_country_and_its_origin(solver: str) -> None:
    # Every country <= 50: A counts toward Japan and China, so A 50 fills China too and B
    # (China) stays out: A 50 @10 + C 50 @13 = 1150 (were A Japanese only: A 50 + B 50 = 1050).
    problem = _japan_refined(max_country_share=0.5)
    result = solved(problem, solver)
    assert_plan(problem, result, {0: 50, 2: 50}, 1150)
    table = countries_table(problem, result.plan)
    rows = {(r.country, r.quantity) for r in table.itertuples()}
    assert rows == {("Japan", 50), ("China", 50), ("Korea", 50)}
    assert bool(table.set_index("country").loc["China", "binding"])
    materials = materials_table(problem, result.plan, offers=OfferArrays.of(problem))
    assert materials["hhi"].iloc[0] == pytest.approx(0.5)  # China 50%, Korea 50%, by origin


def test_verify_counts_the_origin() -> None:
    problem = _japan_refined(max_country_share=0.5)
    assert verify(problem, plan_of(problem, {0: 50, 1: 50})) == [
        "m: China supplies 100, above its cap"
    ]


@solver_param
def test_a_group_counts_an_offer_once(solver: str) -> None:
    # Group G = Japan + China <= 60: A (Japan, from China) counts once, A 60 @10 + C 40 @13.
    problem = make_problem(
        [
            offer("A", "Japan", 10, origin="China"),
            offer("B", "China", 11),
            offer("C", "Korea", 13),
        ],
        countries={"Japan": {"group": "G"}, "China": {"group": "G"}, "Korea": {}},
        groups={"G": (0.6, None)},
    )
    assert_plan(problem, solved(problem, solver), {0: 60, 2: 40}, 1120)


@solver_param
def test_a_group_of_the_origin_alone(solver: str) -> None:
    # G = China only, at least 30: A (Japan, from China) meets it: A 100 @10 = 1000.
    problem = make_problem(
        [offer("A", "Japan", 10, origin="China"), offer("C", "Korea", 9)],
        countries={"China": {"group": "G"}},
        groups={"G": (None, 0.3)},
    )
    assert_plan(problem, solved(problem, solver), {0: 30, 1: 70}, 930)


@solver_param
def test_spend_share_counts_the_origin(solver: str) -> None:
    # China's spend <= 50%: A (Japan, from China) @10 and B (China) @11, 50 each, C (Korea) @20.
    # China spends on A and B: 10 a + 11 b <= 20 c once all are used (at a 50: 500 + 11 b
    # <= 20 (50 - b) <=> b <= 500 / 31). Were A Japanese only, A 50 + B 50 would do (1050).
    problem = make_problem(
        [
            offer("A", "Japan", 10, 50, origin="China"),
            offer("B", "China", 11, 50),
            offer("C", "Korea", 20),
        ],
        max_country_spend_share=0.5,
    )
    b = 500 / 31
    c = 50 - b
    assert_plan(problem, solved(problem, solver), {0: 50, 1: b, 2: c}, 500 + 11 * b + 20 * c)


def test_an_origin_under_embargo_bars_the_offer() -> None:
    problem = make_problem(
        [offer("A", "Japan", 10, origin="China", embargoed=True), offer("C", "Korea", 13)]
    )
    assert_plan(problem, solved(problem, "highs"), {1: 100}, 1300)


@solver_param
def test_the_shadow_price_of_an_origin_cap(solver: str) -> None:
    # China (origin of A) <= 50: one more unit of China's cap moves a unit from C @13 to A @10.
    problem = make_problem(
        [offer("A", "Japan", 10, origin="China"), offer("C", "Korea", 13)],
        countries={"China": {"max_share": 0.5}},
    )
    result = solved(problem, solver)
    assert_plan(problem, result, {0: 50, 1: 50}, 1150)
    assert shadow(problem, result, "country_cap", "China") == pytest.approx(3)


# --- max_avg_co2 -----------------------------------------------------------------------------


def _co2_problem(cap: float) -> Problem:
    """A @10 emits 10 a unit, B @14 emits 2; the average must be at most `cap`."""
    problem = make_problem([offer("A", "X", 10, co2=10.0), offer("B", "Y", 14, co2=2.0)])
    return with_material(problem, max_avg_co2=cap)


@solver_param
def test_a_co2_cap_that_binds(solver: str) -> None:
    # (10 - 5) a <= (5 - 2) b, a + b = 100: a 37.5, b 62.5 = 375 + 875 = 1250. Raising the cap
    # to E moves a to 100 (E - 2) / 8: 12.5 units of A a point, each 4 cheaper: 50 a point.
    problem = _co2_problem(5.0)
    result = solved(problem, solver)
    assert_plan(problem, result, {0: 37.5, 1: 62.5}, 1250)
    assert shadow(problem, result, "co2_cap", "m") == pytest.approx(50)
    row = binding(problem, result).set_index("constraint").loc["co2_cap"]
    assert (row["limit"], row["value"]) == pytest.approx((5.0, 5.0))


@solver_param
def test_a_co2_cap_above_the_cheapest_does_not_bind(solver: str) -> None:
    problem = _co2_problem(10.0)
    assert_plan(problem, solved(problem, solver), {0: 100}, 1000)


def test_verify_checks_the_co2_cap() -> None:
    problem = _co2_problem(5.0)
    assert verify(problem, plan_of(problem, {0: 50, 1: 50})) == [
        "m: average CO2 6 is above the cap"
    ]


def test_the_baseline_keeps_the_co2_cap() -> None:
    problem = _co2_problem(5.0)
    baseline = baseline_plan(problem, "highs", 30)
    assert baseline.plan is not None
    assert baseline.plan.quantities == pytest.approx({0: 37.5, 1: 62.5})


# --- min_award -------------------------------------------------------------------------------


@solver_param
def test_min_award_keeps_small_awards_out(solver: str) -> None:
    # A @10 (80), B @12 (25), C @15: cheapest A 80 + B 20 = 1040, but an offer used must supply
    # 30: B (25 at most) can never be used, A 80 + C 20 neither: A 70 + C 30 = 700 + 450.
    problem = with_material(
        make_problem([offer("A", "X", 10, 80), offer("B", "Y", 12, 25), offer("C", "Z", 15)]),
        min_award=0.3,
    )
    result = solved(problem, solver)
    assert_plan(problem, result, {0: 70, 2: 30}, 1150)
    table = binding(problem, result)
    row = table[table["constraint"] == "min_award"].set_index("subject").loc["C"]
    assert (row["limit"], row["value"]) == pytest.approx((30, 30))
    assert "B" not in set(table[table["constraint"] == "min_award"]["subject"])


def test_verify_checks_the_min_award() -> None:
    problem = with_material(
        make_problem([offer("A", "X", 10, 80), offer("B", "Y", 12, 25)]), min_award=0.3
    )
    assert verify(problem, plan_of(problem, {0: 80, 1: 20})) == [
        "m: B supplies 20, below the minimum award of 30"
    ]


# --- min_countries ---------------------------------------------------------------------------


def _four_origins(count: int) -> Problem:
    """A China @10; B ships from Japan gallium first produced in China @11; C Korea @12; D India
    @13; at least `count` countries of origin must each supply 20%."""
    problem = make_problem(
        [
            offer("A", "China", 10),
            offer("B", "Japan", 11, origin="China"),
            offer("C", "Korea", 12),
            offer("D", "India", 13),
        ],
        country_floor=0.2,
    )
    return with_material(problem, min_countries=count)


@solver_param
@pytest.mark.parametrize(
    ("count", "quantities", "cost"),
    [
        (1, {0: 100}, 1000),
        (2, {0: 80, 2: 20}, 1040),  # B is Chinese by origin: Korea's 20 @12 it is
        (3, {0: 60, 2: 20, 3: 20}, 1100),
    ],
)
def test_min_countries_counts_origins(
    solver: str, count: int, quantities: dict[int, float], cost: float
) -> None:
    problem = _four_origins(count)
    result = solved(problem, solver)
    assert_plan(problem, result, quantities, cost)
    if count > 1:
        row = binding(problem, result).set_index("constraint").loc["min_countries"]
        assert (row["limit"], row["value"]) == (count, count)


@solver_param
def test_min_countries_beyond_the_origins_is_infeasible(solver: str) -> None:
    assert solve(_four_origins(4), solver, 30).status is Status.INFEASIBLE


def test_verify_checks_min_countries() -> None:
    problem = _four_origins(2)
    assert verify(problem, plan_of(problem, {0: 80, 1: 20})) == [
        "m: 1 countries of origin supply at least 0.2 of it, fewer than 2"
    ]


@solver_param
def test_the_baseline_drops_min_countries_and_keeps_min_award(solver: str) -> None:
    problem = with_material(_four_origins(3), min_award=0.3)
    baseline = baseline_plan(problem, solver, 30)
    assert baseline.plan is not None
    assert baseline.plan.quantities == pytest.approx({0: 100, 1: 0, 2: 0, 3: 0})
    problem = with_material(
        make_problem([offer("A", "X", 10, 80), offer("B", "Y", 12, 25), offer("C", "Z", 15)]),
        min_award=0.3,
        min_countries=3,
    )
    baseline = baseline_plan(problem, solver, 30)
    assert baseline.plan is not None
    assert baseline.plan.quantities == pytest.approx({0: 70, 1: 0, 2: 30})


# --- price tiers -----------------------------------------------------------------------------

TIERS = ((0.0, 10.0), (100.0, 9.0), (200.0, 8.0))  # A: 10 a unit, 9 from 100, 8 from 200


def _tiered(
    demand: float, discount: str, b_capacity: float | None = None, **fields: Any
) -> Problem:
    """A with TIERS; B at 9.5 flat."""
    return make_problem(
        [
            offer("A", "X", 10, tiers=TIERS, **fields),
            offer("B", "Y", 9.5, b_capacity),
        ],
        demand,
        discount=discount,
    )


@solver_param
@pytest.mark.parametrize(
    ("demand", "quantities", "cost", "tier"),
    [
        (100, {0: 100}, 900, 2),  # exactly at tier_from 100: 9 on all 100 (B: 950)
        (99, {1: 99}, 940.5, None),  # just below: A 990, B 940.5
        (150, {0: 150}, 1350, 2),  # A 150 @9 beats B 1425 and A 100 + B 50 = 1375
        (200, {0: 200}, 1600, 3),  # exactly at 200: 8 on all
    ],
)
def test_all_units_tiers(
    solver: str, demand: float, quantities: dict[int, float], cost: float, tier: int | None
) -> None:
    problem = _tiered(demand, "all_units")
    result = solved(problem, solver)
    assert_plan(problem, result, quantities, cost)
    table = allocation_table(problem, result.plan).set_index("supplier")
    if tier is not None:
        assert table.loc["A", "tier"] == tier
        assert table.loc["A", "landed_unit_cost"] == pytest.approx(cost / demand)
        assert table.loc["A", "cost"] == pytest.approx(cost)
        assert table.loc["A", "unit_price"] == pytest.approx(cost / demand)


@solver_param
@pytest.mark.parametrize(
    ("demand", "b_capacity", "quantities", "cost", "tier"),
    [
        (100, None, {1: 100}, 950, None),  # A's first 100 cost 10 each: B 950
        (150, None, {1: 150}, 1425, None),  # A 1000 + 450 = 1450 > B 1425
        (300, None, {0: 300}, 2700, 3),  # A 1000 + 900 + 800 = 2700 < B 2850
        (200, 50.0, {0: 200}, 1900, 2),  # exactly at 200: A 1900 (tier 2, none at 8 yet)
    ],
)
def test_incremental_tiers(
    solver: str,
    demand: float,
    b_capacity: float | None,
    quantities: dict[int, float],
    cost: float,
    tier: int | None,
) -> None:
    problem = _tiered(demand, "incremental", b_capacity)
    result = solved(problem, solver)
    assert_plan(problem, result, quantities, cost)
    if tier is not None:
        table = allocation_table(problem, result.plan).set_index("supplier")
        assert table.loc["A", "tier"] == tier
        assert table.loc["A", "landed_unit_cost"] == pytest.approx(cost / demand)


@solver_param
def test_all_units_against_incremental_on_the_same_offers(solver: str) -> None:
    # Demand 200, B 50 at most @9.5. All-units: A 200 @8 = 1600. Incremental: A 200 costs
    # 1000 + 900 = 1900, A 150 + B 50 = 1450 + 475 = 1925: A 200 = 1900.
    all_units = _tiered(200, "all_units", 50.0)
    incremental = _tiered(200, "incremental", 50.0)
    assert_plan(all_units, solved(all_units, solver), {0: 200}, 1600)
    assert_plan(incremental, solved(incremental, solver), {0: 200}, 1900)


@solver_param
def test_tiers_with_tariff_and_freight(solver: str) -> None:
    # A's landed cost: 10 x 1.1 + 1 = 12, 9 x 1.1 + 1 = 10.9 from 100; B 11.5: A 100 = 1090.
    problem = _tiered(100, "all_units", tariff=0.1, freight=1.0)
    problem = problem.replace(
        offers=[problem.offers[0], problem.offers[1].model_copy(update={"unit_price": 11.5})]
    )
    assert_plan(problem, solved(problem, solver), {0: 100}, 1090)


@solver_param
def test_a_tier_beyond_the_capacity_is_never_reached(solver: str) -> None:
    # A holds 150: its tier from 200 is out of reach; A 150 @9 + B 50 @9.5 = 1825.
    problem = _tiered(200, "all_units", capacity=150.0)
    assert_plan(problem, solved(problem, solver), {0: 150, 1: 50}, 1825)


@solver_param
def test_tiers_under_a_country_cap_and_per_material(solver: str) -> None:
    # Two materials apart (an integer model, solved one material at a time). m1: every country
    # at most 60%, so A stays below its tier from 100: A 40 @10 + B 60 @9.5 = 970 (A 60 + B 40
    # costs 980). m2: A 100 @9 = 900.
    problem = make_problem(
        [
            offer("A", "X", 10, tiers=TIERS, material="m1"),
            offer("B", "Y", 9.5, material="m1"),
            offer("A", "X", 10, tiers=TIERS, material="m2"),
            offer("B", "Y", 9.5, material="m2"),
        ],
        {"m1": {"quantity": 100, "max_country_share": 0.6}, "m2": 100},
    )
    assert_plan(problem, solved(problem, solver), {0: 40, 1: 60, 2: 100}, 970 + 900)


@solver_param
def test_tiers_under_a_spend_cap(solver: str) -> None:
    # Spend in X at most 50%: A (X) all-units, B (Y) 9.5. A 100 @9 spends 900: not allowed
    # alone. A a + B b = 100 with spend_A <= spend_B: A below 100 pays 10: 10 a <= 9.5 b,
    # a = 48.72, cost 2 x 487.18 = 974.36; A 100 at 9 would need B to spend 900 as well.
    problem = _tiered(100, "all_units")
    problem = problem.replace(
        settings=problem.settings.model_copy(update={"max_country_spend_share": 0.5})
    )
    a = 950 / 19.5
    assert_plan(problem, solved(problem, solver), {0: a, 1: 100 - a}, 20 * a)


def test_verify_prices_tiers_by_the_contract() -> None:
    problem = _tiered(100, "incremental")
    # A 100 costs 1000 incremental: a solver's claim of 900 fails the check
    plan = Plan({0: 100.0, 1: 0.0}, {"m": 0.0}, 900.0, array=np.array([100.0, 0.0]))
    assert verify(problem, plan) == ["the plan costs 1000, more than the solver's 900"]


# --- random tiered models against an independent formulation ---------------------------------


def random_tiered_problem(seed: int) -> Problem:
    """One material, two to four offers, some with two or three price tiers, capacities,
    origins, a country cap and sometimes an average-CO2 cap."""
    rng = random.Random(seed)
    pick = rng.choice
    offers = []
    for j in range(pick([2, 3, 4])):
        price = float(pick([10, 11, 12]))
        tiers: tuple[tuple[float, float], ...] = ()
        if pick([True, True, False]):
            steps = sorted(rng.sample([20.0, 40.0, 50.0, 70.0], pick([1, 2])))
            prices = [price]
            for _ in steps:
                prices.append(prices[-1] - pick([0.5, 1.0, 2.0]))
            tiers = tuple(zip([0.0, *steps], prices, strict=True))
        offers.append(
            offer(
                f"S{j}",
                pick(["China", "Japan", "Korea"]),
                price,
                pick([None, 30.0, 60.0, 90.0]),
                origin=pick([None, None, "China"]),
                tiers=tiers,
                tariff=pick([0.0, 0.1]),
                freight=pick([0.0, 0.5]),
                co2=float(pick([1, 3, 6])),
            )
        )
    problem = make_problem(
        offers,
        float(pick([60, 80, 100])),
        max_country_share=pick([1.0, 0.6, 0.8]),
        discount=pick(["all_units", "incremental"]),
    )
    if pick([False, True]):
        problem = with_material(problem, max_avg_co2=4.0)
    return problem


def independent_tiered_optimum(problem: Problem) -> float | None:
    """The cheapest plan, every offer's tier (the highest it reaches) chosen by enumeration and
    each choice a linear program (scipy), written from the contract: all-units, quantity in
    [b_k, b_k+1] at price p_k; incremental, the units below b_k at their tiers' prices and the
    rest at p_k."""
    from scipy.optimize import linprog

    offers = problem.offers
    material = problem.materials["m"]
    demand = material.quantity
    incremental = problem.settings.discount == "incremental"
    choices = [range(max(len(o.tiers), 1)) for o in offers]
    best = None
    countries = {c for o in offers for c in (o.country, o.origin) if c}
    for choice in itertools.product(*choices):
        cost, constant, lower, upper = [], 0.0, [], []
        for o, k in zip(offers, choice, strict=True):
            tiers = o.tiers or ((0.0, o.unit_price),)
            most = min(o.capacity if o.capacity is not None else demand, demand)
            start = tiers[k][0]
            end = tiers[k + 1][0] if k + 1 < len(tiers) else most
            if start > most:
                break
            landed = [p * (1 + o.tariff) + o.freight for _, p in tiers]
            cost.append(landed[k])
            lower.append(start)
            upper.append(min(end, most))
            if incremental:  # the units below b_k at the lower tiers' prices
                constant += (
                    sum(landed[j] * (tiers[j + 1][0] - tiers[j][0]) for j in range(k))
                    - landed[k] * start
                )
        else:
            rows, bounds = [], []
            for country in countries:
                rows.append([1.0 if country in (o.country, o.origin) else 0.0 for o in offers])
                bounds.append(material.max_country_share * demand)
            if material.max_avg_co2 is not None:
                rows.append([(o.co2 or 0.0) - material.max_avg_co2 for o in offers])
                bounds.append(0.0)
            done = linprog(
                cost,
                A_ub=np.array(rows),
                b_ub=np.array(bounds),
                A_eq=np.ones((1, len(offers))),
                b_eq=[demand],
                bounds=list(zip(lower, upper, strict=True)),
                method="highs",
            )
            if done.status == 0:
                value = float(done.fun) + constant
                best = value if best is None else min(best, value)
    return best


@pytest.mark.parametrize("seed", range(30))
def test_random_tiered_model_matches_an_independent_formulation(seed: int) -> None:
    problem = random_tiered_problem(seed)
    reference = independent_tiered_optimum(problem)
    for solver in ("highs", "cbc"):
        result = solve(problem, solver, 30)
        if reference is None:
            assert result.status is Status.INFEASIBLE, solver
            continue
        assert result.status is Status.OPTIMAL, (solver, result.message)
        assert result.plan is not None
        assert verify(problem, result.plan) == []
        assert result.plan.objective == pytest.approx(reference, rel=1e-6, abs=1e-6), solver


@solver_param
def test_a_scenario_price_factor_scales_every_tier(solver: str) -> None:
    # A's prices rise by a half in the scenario: 15, 13.5 from 100, 12 from 200; B @9.5 wins.
    problem = _tiered(200, "all_units")
    spike = Scenario(
        name="spike",
        disruptions=[
            Disruption(
                country=None,
                supplier="A",
                material=None,
                capacity_factor=1.0,
                price_factor=1.5,
            )
        ],
    )
    hit = disrupted(problem, spike)
    assert hit.offers[0].tiers == ((0.0, 15.0), (100.0, 13.5), (200.0, 12.0))
    outcome = run_scenario(problem, spike, None, None, solver, 30)
    assert outcome.total_cost == pytest.approx(1900)  # B 200 @9.5


def test_every_family_has_words_in_the_overview() -> None:
    assert {str(family) for family in Family} <= set(FAMILY_WORDS)


@pytest.mark.parametrize("seed", range(25))
def test_random_award_models_solvers_agree(seed: int) -> None:
    """Origins, CO2 caps, minimum awards and country counts: HiGHS and CBC find the same optimum
    (or both none), and each plan passes the check."""
    from tests.insight.test_award_explain import random_award_problem

    problem = random_award_problem(seed)
    results = [solve(problem, solver, 30) for solver in ("highs", "cbc")]
    assert results[0].status is results[1].status, [r.message for r in results]
    if results[0].status is Status.OPTIMAL:
        for result in results:
            assert result.plan is not None
            assert verify(problem, result.plan) == []
        objectives = [r.plan.objective for r in results if r.plan is not None]
        assert objectives[0] == pytest.approx(objectives[1], rel=1e-6, abs=1e-6)


def test_an_incremental_offer_full_at_a_tier_from_prices_its_next_unit_at_that_tier() -> None:
    # A: 10 a unit, 6 from 50, capacity 50; B 12; 100 units, incremental. A's 50 (500) and B's
    # 50 (600): 1,100. One more unit of A's capacity is its 51st, at 6, instead of one of B's
    # at 12: the capacity's shadow price is 6, not 12 - 10. (At a tier's start the linear
    # model is degenerate: HiGHS gives this value, CBC may give another valid dual; README.)
    solver = "highs"
    problem = make_problem(
        [offer("A", "X", 10, 50, tiers=((0.0, 10.0), (50.0, 6.0))), offer("B", "Y", 12)],
        100,
        discount="incremental",
    )
    result = solved(problem, solver)
    assert_plan(problem, result, {0: 50, 1: 50}, 1100)
    assert shadow(problem, result, "capacity", "A") == pytest.approx(6)


# --- starts: the integer choices a plan makes ------------------------------------------------


def _random_integer_problem(seed: int) -> Problem:
    from tests.insight.test_award_explain import random_award_problem

    return random_tiered_problem(seed) if seed % 2 else random_award_problem(seed)


@pytest.mark.parametrize("seed", range(20))
def test_the_choices_a_plan_makes_allow_that_plan(seed: int) -> None:
    """The integer columns a plan's quantities set (use, price tiers, country counts), fixed in
    the model, leave room for that very plan: what a re-solve is started from."""
    problem = _random_integer_problem(seed)
    result = solve(problem, "highs", 30)
    if result.plan is None:
        pytest.skip("no plan to start from")
    model = build_model(problem)
    matrix = model.matrix()
    start = _start_values(model, result.plan.array)
    if not matrix.integer.any():  # a linear model: nothing to start from
        assert start is None
        return
    assert start is not None
    given = ~np.isnan(start)
    assert given.sum() == matrix.integer.sum()  # every choice, and nothing else
    fixed = replace(
        matrix,
        col_lower=np.where(given, start, matrix.col_lower),
        col_upper=np.where(given, start, matrix.col_upper),
    )
    again = run_matrix(fixed, "highs", 30)
    assert again.status is Status.OPTIMAL
    assert again.objective == pytest.approx(result.plan.objective, rel=1e-9, abs=1e-6)


@pytest.mark.parametrize("seed", range(20))
def test_a_re_solve_from_the_plan_finds_the_cold_optimum(seed: int) -> None:
    problem = _random_integer_problem(seed)
    plan = solve(problem, "highs", 30).plan
    if plan is None:
        pytest.skip("no plan to start from")
    for family in (Family.COUNTRY_CAPS, Family.CO2_CAPS):
        variant = Variant(without=frozenset({family}))
        cold = solve(problem, "highs", 30, variant, duals=False)
        warm = solve(problem, "highs", 30, variant, duals=False, start=plan)
        assert cold.plan is not None and warm.plan is not None
        assert warm.plan.objective == pytest.approx(cold.plan.objective, rel=1e-9, abs=1e-6)
