"""What tightening costs (contract, output sheet Frontier): the base plan, then plans that keep
every limit and add, per material, a cap of a factor x that material's own value in the base
plan, the factors running from 1 down to the smallest at which all demand can be met; with
`survive`, a sweep of min_cover up to 1. No point costs less than the base plan.

Every expected number is worked out by hand in the comment beside it.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from resilience_cases import make_problem, offer

from optimizer.contract.problem import Problem
from optimizer.contract.status import SolveStatus as Status
from optimizer.insight.analysis import Frontier, frontier
from optimizer.model.solve import SolveResult, solve
from optimizer.model.verify import verify

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "model"))
import test_model  # the random models of the model's own tests
import test_resilience

SOLVER = "highs"
TIME_LIMIT = 20.0


def approx(value: float) -> Any:
    return pytest.approx(value, rel=1e-7, abs=1e-6)


def solved(problem: Problem, solver: str = SOLVER) -> SolveResult:
    result = solve(problem, solver, TIME_LIMIT)
    assert result.status is Status.OPTIMAL, result.message
    assert result.plan is not None and verify(problem, result.plan) == []
    return result


def never_below_the_base_plan(curve: Frontier) -> None:
    """Every point solved costs at least the base plan, in objective (unmet demand counted at
    its penalty, risk at its price) and, without unmet demand, in total cost."""
    base, *points = curve.points
    assert base.base_plan and base.objective is not None and base.total_cost is not None
    for point in points:
        if point.status is not Status.OPTIMAL:
            continue
        assert point.objective is not None and point.total_cost is not None
        assert point.objective >= base.objective - 1e-6 * max(1.0, abs(base.objective)), curve
        if not point.shortfall and not base.shortfall:
            assert point.total_cost >= base.total_cost - 1e-6 * max(1.0, base.total_cost), curve


RISKY = [
    offer("ChinaCo", "China", 10, 100, risk=80.0),
    offer("JapanCo", "Japan", 14, 100, risk=20.0),
]


def test_risk_caps_of_a_factor_of_the_base_plans_average_risk() -> None:
    # Base plan under the cap of 50: China 50, Japan 50 = 1,200 (average risk 50). All Japan
    # (risk 20) is the tightest: factor 20 / 50 = 0.4. Five points 0.88 ... 0.4, caps 44 ... 20;
    # under cap R, Japan J = (8,000 - 100R) / 60 and the cost 1,000 + 4J.
    problem = make_problem(RISKY, {"Ga": {"quantity": 100, "max_avg_risk": 50.0}})
    curve = frontier(problem, solved(problem), 5, SOLVER, TIME_LIMIT)
    assert curve.setting == "max_avg_risk"
    base, *points = curve.points
    assert (base.base_plan, base.factor, base.total_cost, base.avg_risk) == (
        True,
        1.0,
        approx(1200),
        approx(50),
    )
    assert [p.factor for p in points] == [approx(f) for f in (0.88, 0.76, 0.64, 0.52, 0.4)]
    assert [p.avg_risk for p in points] == [approx(r) for r in (44, 38, 32, 26, 20)]
    assert [p.total_cost for p in points] == [approx(c) for c in (1240, 1280, 1320, 1360, 1400)]
    # hhi: Japan's share .6, .7, .8, .9, 1
    assert [p.hhi for p in points] == [approx(h) for h in (0.52, 0.58, 0.68, 0.82, 1.0)]
    assert all(p.status is Status.OPTIMAL and p.shortfall == 0 for p in points)
    never_below_the_base_plan(curve)


def test_each_material_is_capped_at_its_own_average_risk() -> None:
    # Ga as above (base 1,200, average risk 50); Ge: GeChina risk 80 @20, GeKorea risk 40 @21,
    # no cap: all China, 2,000, average risk 80. One cap for both would loosen Ga's and make
    # the plan cheaper than the base plan; a cap per material never does. Ga needs a factor of
    # 0.4 (all Japan), Ge 0.5 (all Korea): the last point is 0.5.
    #   0.75: Ga cap 37.5, J = 70.833, 1,283.33; Ge cap 60, Korea 50: 1,000 + 1,050 = 2,050
    #   0.5:  Ga cap 25, J = 91.667, 1,366.67; Ge cap 40, all Korea: 2,100
    problem = make_problem(
        [
            *RISKY,
            offer("GeChina", "China", 20, 100, risk=80.0, material="Ge"),
            offer("GeKorea", "Korea", 21, 100, risk=40.0, material="Ge"),
        ],
        {"Ga": {"quantity": 100, "max_avg_risk": 50.0}, "Ge": 100},
    )
    curve = frontier(problem, solved(problem), 2, SOLVER, TIME_LIMIT)
    base, *points = curve.points
    assert base.total_cost == approx(3200) and base.avg_risk == approx(80)
    assert [p.factor for p in points] == [approx(0.75), approx(0.5)]
    assert [p.total_cost for p in points] == [approx(10000 / 3), approx(10400 / 3)]
    assert [p.avg_risk for p in points] == [approx(60), approx(40)]  # the highest: Ge's
    never_below_the_base_plan(curve)


def test_without_risk_scores_every_country_is_capped_at_the_largest_base_share() -> None:
    # China @10, Japan @12, Korea @15, 100 each; China's own cap 50%: base plan China 50, Japan
    # 50 = 1,100, largest share 0.5. Three countries supply all 100 only if each may have 1/3:
    # factor 2/3. Points 5/6 (each country at most 41.67: 416.67 + 500 + 250 = 1,166.67) and 2/3
    # (33.33 each: 333.33 + 400 + 500 = 1,233.33).
    problem = make_problem(
        [
            offer("ChinaCo", "China", 10, 100),
            offer("JapanCo", "Japan", 12, 100),
            offer("KoreaCo", "Korea", 15, 100),
        ],
        countries={"China": {"max_share": 0.5}},
    )
    curve = frontier(problem, solved(problem), 2, SOLVER, TIME_LIMIT)
    assert curve.setting == "max_country_share"
    base, *points = curve.points
    assert base.total_cost == approx(1100) and base.hhi == approx(0.5)
    assert [p.factor for p in points] == [approx(5 / 6), approx(2 / 3)]
    assert [p.total_cost for p in points] == [approx(3500 / 3), approx(3700 / 3)]
    never_below_the_base_plan(curve)


def test_with_unmet_demand_allowed_the_sweep_runs_to_zero_and_never_costs_less() -> None:
    # China risk 80 @10 (100), Japan risk 20 @14 (30), unmet demand 50 a unit, cap 50. Base
    # plan: China <= Japan, so 30 and 30, 40 unmet: 720, objective 2,720. Meeting all demand
    # needs China 70 (average risk 62 > 50): no factor up to 1 does, so the factors run down to
    # 0; each point buys less and leaves more unmet, never costing less in objective.
    problem = make_problem(
        [
            offer("ChinaCo", "China", 10, 100, risk=80.0),
            offer("JapanCo", "Japan", 14, 30, risk=20.0),
        ],
        {"Ga": {"quantity": 100, "max_avg_risk": 50.0}},
        shortfall_penalty=50.0,
    )
    curve = frontier(problem, solved(problem), 5, SOLVER, TIME_LIMIT)
    base, *points = curve.points
    assert (base.total_cost, base.objective, base.shortfall) == (approx(720), approx(2720), 40)
    assert [p.factor for p in points] == [approx(f) for f in (0.8, 0.6, 0.4, 0.2, 0.0)]
    # cap 40: China <= Japan / 2 = 15: 570, 55 unmet: 570 + 2,750 = 3,320
    assert (points[0].total_cost, points[0].objective) == (approx(570), approx(3320))
    never_below_the_base_plan(curve)


def test_with_survive_the_points_sweep_min_cover_up_to_one() -> None:
    # The two-country case of the model's tests at min_cover 50%: 1,100. Step (1 - 0.5) / 2:
    # 75% (China lost leaves v + a >= 75: 75 reserved at 2, 1,150) and 100% (80 reserved and 20
    # of stock at 5, 1,260).
    problem = test_resilience.china_japan(0.5, min_cover=0.5)
    curve = frontier(problem, solved(problem), 2, SOLVER, TIME_LIMIT)
    assert curve.setting == "min_cover"
    assert [p.factor for p in curve.points] == [approx(0.5), approx(0.75), approx(1.0)]
    assert [p.total_cost for p in curve.points] == [approx(1100), approx(1150), approx(1260)]
    assert curve.points[0].base_plan
    never_below_the_base_plan(curve)


def test_a_materials_own_min_cover_moves_by_the_same_step() -> None:
    # Settings' min_cover 50%, Ge's own 20%: the factor is the lowest in force, 20%, and the step
    # takes it to 100% in two points, 40% each. Ge: GeChina @20, GeKorea @25 up to 40 reservable
    # at 3, demand 40: 20% (8 reserved, 24), then 60% (24 reserved, 72), then 100% (40
    # reserved, 120). Ga (from 50%) goes to 90% (80 reserved and 10 of stock: 1,210) and then
    # 100% (1,260).
    problem = make_problem(
        [
            offer("ChinaCo", "China", 10),
            offer("JapanCo", "Japan", 14, 80, reserve_price=2.0),
            offer("GeChina", "China", 20, material="Ge"),
            offer("GeKorea", "Korea", 25, 40, material="Ge", reserve_price=3.0),
        ],
        {
            "Ga": {"quantity": 100, "stock_cost": 5.0, "max_stock": 30.0},
            "Ge": {"quantity": 40, "min_cover": 0.2},
        },
        survive=("country",),
        min_cover=0.5,
    )
    curve = frontier(problem, solved(problem), 2, SOLVER, TIME_LIMIT)
    assert [p.factor for p in curve.points] == [approx(0.2), approx(0.6), approx(1.0)]
    assert [p.total_cost for p in curve.points] == [
        approx(1100 + 824),
        approx(1210 + 872),
        approx(1260 + 920),
    ]
    never_below_the_base_plan(curve)


@pytest.mark.parametrize("seed", range(0, 30, 3))
def test_no_point_of_a_random_model_costs_less_than_its_base_plan(seed: int) -> None:
    for problem in (test_model.random_problem(seed), test_resilience.random_problem(seed)):
        result = solve(problem, SOLVER, TIME_LIMIT)
        if result.plan is None:
            continue
        never_below_the_base_plan(frontier(problem, result, 3, SOLVER, TIME_LIMIT))


def test_where_demand_can_be_met_in_full_every_point_meets_it() -> None:
    # ChinaCo @100 (800), KazCo @150 and AusCo @200 (blank), 1,000 units, country cap 60%,
    # unmet demand 120 a unit: the base plan buys China's 600 and leaves 400 unmet (60,000).
    # Tightening the largest share to 53.3% (factor 8/9) with every unit bought: China 533.3,
    # Kazakhstan 466.7 @150 = 123,333.33; never cheaper than the base plan by buying less.
    problem = make_problem(
        [
            offer("ChinaCo", "China", 100, 800),
            offer("KazCo", "Kazakhstan", 150),
            offer("AusCo", "Australia", 200),
        ],
        {"Ga": {"quantity": 1000, "max_country_share": 0.6}},
        shortfall_penalty=120.0,
    )
    curve = frontier(problem, solved(problem), 4, SOLVER, TIME_LIMIT)
    base, *points = curve.points
    assert (base.total_cost, base.shortfall) == (approx(60_000), approx(400))
    assert all(p.shortfall == approx(0) for p in points)
    assert points[0].factor == approx(8 / 9)
    assert points[0].total_cost == approx(370_000 / 3)
    assert all(p.total_cost is not None and p.total_cost > base.total_cost for p in points)
    never_below_the_base_plan(curve)


def test_the_sweep_ends_where_origin_still_lets_all_demand_be_met() -> None:
    # A China 10, B Japan of Chinese origin 11, C Korea 15 (no risk scores: a country cap).
    # Base plan: all from A, China's share 100%. B counts toward China too, so only China and
    # Korea can supply: the smallest largest share is 50% (factor 0.5, not 1/3 as if Japan
    # were a third source); 3 points: 5/6, 2/3, 1/2, the last still meeting all demand.
    problem = make_problem(
        [
            offer("A", "China", 10),
            offer("B", "Japan", 11, origin="China"),
            offer("C", "Korea", 15),
        ]
    )
    curve = frontier(problem, solved(problem), 3, SOLVER, TIME_LIMIT)
    base, *points = curve.points
    assert base.hhi == approx(1.0)
    assert [p.factor for p in points] == [approx(5 / 6), approx(2 / 3), approx(0.5)]
    assert all(p.status is Status.OPTIMAL for p in points)
    assert points[-1].total_cost == approx(50 * 10 + 50 * 15)
    never_below_the_base_plan(curve)
