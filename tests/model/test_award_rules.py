"""The award rules of issue 15, hand-computed on small problems with both solvers: an offer
counted toward its shipping country and its origin, the average-CO2 cap, minimum awards, the
minimum number of countries and price tiers (all-units and incremental)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from optimizer.contract.plan import Plan
from optimizer.contract.problem import Problem
from optimizer.contract.status import SolveStatus as Status
from optimizer.insight.analysis import baseline_plan
from optimizer.insight.report import OfferArrays, countries_table, materials_table
from optimizer.model.solve import solve
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
