"""What the diversification costs and what could go wrong: baseline and premium, concentration,
the cost of each family of limits, infeasibility explained in numbers, scenarios, the cost-risk
frontier, one workbook end to end, and random models checked against an independent highspy
formulation.

Problems are built in code with `make_problem`; every expected number is worked out by hand in
the comment beside it.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import highspy
import numpy as np
import openpyxl
import pandas as pd
import pytest

from optimizer.batch.pipeline import process_workbook
from optimizer.contract.diagnostics import Diagnostic, Level
from optimizer.contract.problem import (
    Country,
    Disruption,
    Group,
    Material,
    Offer,
    Problem,
    Scenario,
    Settings,
)
from optimizer.contract.status import SolveStatus as Status
from optimizer.insight.analysis import analyse, baseline_plan, family_costs
from optimizer.insight.explain import explain_infeasible
from optimizer.insight.metrics import country_amounts, hhi
from optimizer.insight.report import materials_table
from optimizer.insight.scenarios import base_plan_shortfall, disrupted, run_scenario
from optimizer.model.build import BASELINE, Family
from optimizer.model.solve import Session, SolveResult, solve
from optimizer.model.verify import plan_cost, verify

EXAMPLE = Path(__file__).resolve().parents[2] / "inputs" / "gallium.xlsx"
SOLVER = "highs"
TIME_LIMIT = 20.0
REL = 1e-7
ABS = 1e-6


def approx(value: float) -> Any:
    return pytest.approx(value, rel=REL, abs=ABS)


# --- factory ---------------------------------------------------------------------------------


def offer(
    supplier: str,
    country: str,
    price: float,
    capacity: float | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """An offer spec for `make_problem`; `material` defaults to "Ga"; other keys are Offer
    fields (risk, freight, tariff, ...)."""
    return {
        "supplier": supplier,
        "country": country,
        "unit_price": price,
        "capacity": capacity,
        "material": "Ga",
        **fields,
    }


def make_problem(
    offers: list[dict[str, Any]],
    demand: float | dict[str, Any] = 100.0,
    *,
    countries: dict[str, dict[str, Any]] | None = None,
    groups: dict[str, tuple[float | None, float | None]] | None = None,
    scenarios: list[Scenario] | None = None,
    **settings: Any,
) -> Problem:
    """A resolved Problem, defaults resolved as the contract says.

    `demand`: a quantity of "Ga", or material -> quantity or dict of Material fields.
    `countries`: name -> {max_share, group, risk, tariff, embargo}; `groups`: name ->
    (max_share, min_share); `settings`: Settings fields. An offer's blank risk and tariff
    take its country's; an embargoed country's offers are embargoed.
    """
    setting = Settings(**settings)
    specs: dict[str, Any] = demand if isinstance(demand, dict) else {"Ga": demand}
    materials: dict[str, Material] = {}
    for row, (name, spec) in enumerate(specs.items(), start=2):
        fields: dict[str, Any] = spec if isinstance(spec, dict) else {"quantity": spec}
        materials[name] = Material(
            name=name,
            quantity=float(fields["quantity"]),
            max_country_share=fields.get("max_country_share", setting.max_country_share),
            max_supplier_share=fields.get("max_supplier_share", setting.max_supplier_share),
            max_avg_risk=fields.get("max_avg_risk", setting.max_avg_risk),
            max_suppliers=fields.get("max_suppliers"),
            row=row,
            quantity_cell=f"B{row}",
        )
    homes = countries or {}
    resolved = {
        name: Country(
            name=name,
            max_share=spec.get("max_share"),
            group=spec.get("group"),
            risk=spec.get("risk"),
        )
        for name, spec in homes.items()
    }
    group_rows = {
        name: Group(name=name, max_share=high, min_share=low)
        for name, (high, low) in (groups or {}).items()
    }
    built = []
    for index, spec in enumerate(offers):
        home = homes.get(spec["country"], {})
        values: dict[str, Any] = {
            "index": index,
            "freight": 0.0,
            "tariff": home.get("tariff") or 0.0,
            "risk": home.get("risk") or 0.0,
            "min_order": None,
            "fixed_cost": None,
            "current_quantity": None,
            "embargoed": bool(home.get("embargo", False)),
            "row": index + 2,
        }
        values.update(spec)
        built.append(Offer(**values))
    return Problem(
        offers=built,
        materials=materials,
        countries=resolved,
        groups=group_rows,
        settings=setting,
        scenarios=scenarios or [],
    )


def hit(
    country: str | None = None,
    supplier: str | None = None,
    material: str | None = None,
    capacity: float = 1.0,
    price: float = 1.0,
) -> Disruption:
    return Disruption(
        country=country,
        supplier=supplier,
        material=material,
        capacity_factor=capacity,
        price_factor=price,
    )


def solved(problem: Problem) -> SolveResult:
    """Solve with HiGHS; insist on a proven optimum and a plan that passes `verify`."""
    result = solve(problem, SOLVER, TIME_LIMIT)
    assert result.status is Status.OPTIMAL, result.message
    assert result.plan is not None
    assert verify(problem, result.plan) == []
    return result


def non_increasing(costs: list[float | None]) -> bool:
    """Every cost known and none above the one before it (within ABS)."""
    return all(
        a is not None and b is not None and a >= b - ABS for a, b in itertools.pairwise(costs)
    )


def errors(diagnostics: list[Diagnostic]) -> list[str]:
    return [d.message for d in diagnostics if d.level is Level.ERROR]


def one_error_about(diagnostics: list[Diagnostic], material: str, prefix: str = "") -> str:
    found = [m for m in errors(diagnostics) if m.startswith(f"{prefix}{material}: ")]
    assert len(found) == 1, errors(diagnostics)
    return found[0]


# --- 1. baseline, premium, concentration, cost of each family --------------------------------

# China 100 @10 (risk 80), Japan 30 @12 (risk 20), Korea 100 @15 (risk 30); 100 units of Ga.
THREE = [
    offer("ChinaCo", "China", 10, 100),
    offer("JapanCo", "Japan", 12, 30),
    offer("KoreaCo", "Korea", 15, 100),
]
THREE_COUNTRIES: dict[str, dict[str, Any]] = {
    "China": {"max_share": 0.5, "risk": 80.0},
    "Japan": {"risk": 20.0},
    "Korea": {"risk": 30.0},
}


def test_baseline_cost_premium_and_concentration() -> None:
    problem = make_problem(THREE, countries=THREE_COUNTRIES)
    result = solved(problem)
    # China capped at 50: China 50 @10 + Japan 30 @12 + Korea 20 @15 = 500 + 360 + 300 = 1,160
    assert result.plan is not None
    assert result.plan.quantities == {0: approx(50), 1: approx(30), 2: approx(20)}
    assert plan_cost(problem, result.plan) == approx(1160)
    analysis = analyse(problem, result, Session(problem, SOLVER, TIME_LIMIT))
    # Baseline: no share limit, so all 100 from China @10 = 1,000; premium 1,160 - 1,000 = 160
    assert analysis.baseline_cost == approx(1000)
    assert analysis.baseline is not None and analysis.baseline.plan is not None
    assert analysis.baseline.plan.quantities == {0: approx(100), 1: approx(0), 2: approx(0)}
    assert analysis.scenarios == [] and analysis.frontier is None
    table = materials_table(problem, result.plan, analysis.baseline.plan).set_index("material")
    row = table.loc["Ga"]
    assert row["cost"] == approx(1160)
    # hhi = .5^2 + .3^2 + .2^2 = .25 + .09 + .04 = .38; baseline all China: 1
    assert row["hhi"] == approx(0.38)
    assert row["baseline_hhi"] == approx(1.0)
    # risk-weighted: .25 * .8 + .09 * .2 + .04 * .3 = .2 + .018 + .012 = .23; baseline 1 * .8
    assert row["risk_weighted_hhi"] == approx(0.23)
    assert row["baseline_risk_weighted_hhi"] == approx(0.8)
    # avg risk = (80*50 + 20*30 + 30*20) / 100 = (4000 + 600 + 600) / 100 = 52
    assert row["avg_risk"] == approx(52)
    # The only family present is the China cap: it costs the whole premium.
    [china] = analysis.family_costs
    assert (china.family, china.limits, china.status_without) == (
        Family.COUNTRY_CAPS,
        1,
        Status.OPTIMAL,
    )
    assert china.total_cost_without == approx(1000)
    assert china.cost == approx(160)


def test_risk_weighted_hhi_needs_every_supplying_country_scored() -> None:
    countries = {**THREE_COUNTRIES, "Korea": {}}  # Korea has no risk score
    problem = make_problem(THREE, countries=countries)
    plan = solved(problem).plan
    assert plan is not None
    assert hhi(country_amounts(problem, plan, "Ga")) == approx(0.38)
    row = materials_table(problem, plan).set_index("material").loc["Ga"]
    assert pd.isna(row["risk_weighted_hhi"])


def test_baseline_drops_risk_price_keeps_capacity_embargo_and_landed_cost() -> None:
    offers = [
        offer("RusCo", "Russia", 8, None, risk=90.0),  # embargoed, cheapest
        offer("ChinaCo", "China", 10, 60, risk=80.0),
        offer("JapanCo", "Japan", 10, 30, risk=20.0, tariff=0.2),  # landed 10 * 1.2 = 12
        offer("KoreaCo", "Korea", 14, None, risk=30.0, freight=1.0),  # landed 14 + 1 = 15
    ]
    countries = {"Russia": {"embargo": True}, "China": {"max_share": 0.5}}
    problem = make_problem(offers, countries=countries, risk_price=5.0)
    result = solved(problem)
    assert result.plan is not None
    # Objective per unit: China 10 + 5*80 = 410, Japan 12 + 5*20 = 112, Korea 15 + 5*30 = 165.
    # Japan 30, Korea 70: cost 360 + 1,050 = 1,410; objective 30*112 + 70*165 = 14,910
    assert result.plan.quantities == {0: 0, 1: approx(0), 2: approx(30), 3: approx(70)}
    assert result.plan.objective == approx(14910)
    assert plan_cost(problem, result.plan) == approx(1410)
    analysis = analyse(problem, result, Session(problem, SOLVER, TIME_LIMIT))
    # Baseline: no China cap, no risk price, Russia still embargoed, China capacity 60:
    # China 60 @10 + Japan 30 @12 + Korea 10 @15 = 600 + 360 + 150 = 1,110
    assert analysis.baseline is not None and analysis.baseline.plan is not None
    quantities = analysis.baseline.plan.quantities
    assert quantities == {0: 0, 1: approx(60), 2: approx(30), 3: approx(10)}
    assert analysis.baseline_cost == approx(1110)
    # Premium 1,410 - 1,110 = 300 (what the China cap and the risk price buy together)
    assert plan_cost(problem, result.plan) - analysis.baseline_cost == approx(300)


def _family_problem(**changes: Any) -> Problem:
    # ChinaCo1 @10, ChinaCo2 @11 (risk 80), JapanCo 30 @12 (risk 20), KoreaCo @15 (risk 40);
    # 100 units, every offer capped at 30% (JapanCo's 30 is its capacity anyway: no cap row),
    # China capped at 50%, average risk at most 50.
    offers = [
        offer("ChinaCo1", "China", 10, 100, risk=80.0),
        offer("ChinaCo2", "China", 11, 100, risk=80.0),
        offer("JapanCo", "Japan", 12, 30, risk=20.0),
        offer("KoreaCo", "Korea", 15, 100, risk=40.0),
    ]
    demand = {"Ga": {"quantity": 100, "max_supplier_share": 0.3, "max_avg_risk": 50.0, **changes}}
    return make_problem(offers, demand, countries={"China": {"max_share": 0.5}})


@pytest.mark.parametrize("warm", [True, False], ids=["re-solved", "built-again"])
def test_family_costs_each_family_alone(warm: bool) -> None:
    # "re-solved": HiGHS re-solves the solved model with the family's rows freed;
    # "built-again": the session has not solved, so each family's model is built and solved.
    problem = _family_problem()
    session = Session(problem, SOLVER, TIME_LIMIT)
    result = session.solve() if warm else solved(problem)
    assert result.plan is not None
    # Japan 30 is cheap and safe: always all of it. China C + Korea K = 70 and the risk cap
    # 80C + 20*30 + 40K <= 50*100 gives 80C + 40(70 - C) <= 4,400, C <= 40; K = 30 <= 30.
    # ChinaCo1 30 @10 + ChinaCo2 10 @11 + Japan 30 @12 + Korea 30 @15
    #   = 300 + 110 + 360 + 450 = 1,220
    assert result.plan.quantities == {0: approx(30), 1: approx(10), 2: approx(30), 3: approx(30)}
    assert plan_cost(problem, result.plan) == approx(1220)
    costs = {c.family: c for c in family_costs(problem, result, session)}
    assert set(costs) == {Family.SUPPLIER_CAPS, Family.COUNTRY_CAPS, Family.RISK_CAPS}
    # Supplier caps on ChinaCo1, ChinaCo2, KoreaCo (3); one China cap; one risk cap.
    assert {f: c.limits for f, c in costs.items()} == {
        Family.SUPPLIER_CAPS: 3,
        Family.COUNTRY_CAPS: 1,
        Family.RISK_CAPS: 1,
    }
    assert all(c.status_without is Status.OPTIMAL for c in costs.values())
    # Without supplier caps: still C <= 40 (risk), all of it from ChinaCo1:
    #   40 @10 + 30 @12 + 30 @15 = 400 + 360 + 450 = 1,210, i.e. 10 cheaper
    assert costs[Family.SUPPLIER_CAPS].total_cost_without == approx(1210)
    assert costs[Family.SUPPLIER_CAPS].cost == approx(10)
    # Without the China cap: the risk cap already holds China at 40 < 50: 1,220, costs 0
    assert costs[Family.COUNTRY_CAPS].total_cost_without == approx(1220)
    assert costs[Family.COUNTRY_CAPS].cost == approx(0)
    # Without the risk cap: China 50 (30 @10 + 20 @11), Japan 30, Korea 20:
    #   300 + 220 + 360 + 300 = 1,180, i.e. 40 cheaper
    assert costs[Family.RISK_CAPS].total_cost_without == approx(1180)
    assert costs[Family.RISK_CAPS].cost == approx(40)
    # Baseline: all from ChinaCo1 @10 = 1,000; premium 220 > 10 + 0 + 40: the families overlap
    baseline = solve(problem, SOLVER, TIME_LIMIT, BASELINE, duals=False)
    assert baseline.plan is not None
    assert plan_cost(problem, baseline.plan) == approx(1000)


def test_a_family_that_makes_the_plan_buy_less_is_no_saving() -> None:
    # ChinaCo @100 (800), KazCo @150, AusCo @200, 1,000 units, country cap 60%, unmet demand 120
    # a unit. With the cap: China 600, 400 unmet: 60,000 + 48,000 = 108,000. Without it: China
    # 800, 200 unmet: 80,000 + 24,000 = 104,000. The caps cost 4,000, not -20,000.
    problem = make_problem(
        [
            offer("ChinaCo", "China", 100, 800),
            offer("KazCo", "Kazakhstan", 150),
            offer("AusCo", "Australia", 200),
        ],
        {"Ga": {"quantity": 1000, "max_country_share": 0.6}},
        shortfall_penalty=120.0,
    )
    session = Session(problem, SOLVER, TIME_LIMIT)
    result = session.solve()
    costs = {c.family: c for c in family_costs(problem, result, session)}
    caps = costs[Family.COUNTRY_CAPS]
    assert (caps.total_cost_without, caps.shortfall_without) == (approx(80_000), approx(200))
    assert caps.cost == approx(4_000)


def test_a_family_without_a_priced_limit_is_not_re_solved_in_a_linear_model() -> None:
    # The China cap is slack (the risk cap holds China at 40 < 50): its dual is 0, so the plan
    # stays optimal without it, at no cost, and only the other two families are re-solved.
    problem = _family_problem()
    session = Session(problem, SOLVER, TIME_LIMIT)
    result = session.solve()
    re_solved: list[Family] = []
    solve_without = session.solve_without

    def recorded(family: Family) -> SolveResult:
        re_solved.append(family)
        return solve_without(family)

    session.solve_without = recorded  # type: ignore[method-assign]
    costs = {c.family: c for c in family_costs(problem, result, session)}
    assert re_solved == [Family.SUPPLIER_CAPS, Family.RISK_CAPS]
    assert costs[Family.COUNTRY_CAPS].status_without is Status.OPTIMAL
    assert costs[Family.COUNTRY_CAPS].total_cost_without == approx(1220)
    assert costs[Family.COUNTRY_CAPS].cost == 0
    assert costs[Family.RISK_CAPS].cost == approx(40)


def test_integer_analyses_shared_out_among_workers_agree() -> None:
    # 24 materials like the one above, each a MIP (at most 3 offers used, fixed costs): the
    # plan, the baseline and the cost of each family are the same solved in 2 processes.
    names = [f"M{m}" for m in range(24)]
    offers = [
        offer(f"{name}-{supplier}", country, price + m % 3, capacity, material=name, **extra)
        for m, name in enumerate(names)
        for supplier, country, price, capacity, extra in [
            ("China1", "China", 10, 100, {"risk": 80.0, "fixed_cost": 15.0}),
            ("China2", "China", 11, 100, {"risk": 80.0}),
            ("Japan", "Japan", 12, 30, {"risk": 20.0, "fixed_cost": 5.0 * m}),
            ("Korea", "Korea", 15, 100, {"risk": 40.0}),
        ]
    ]
    caps = {"max_supplier_share": 0.4, "max_avg_risk": 50.0, "max_suppliers": 3}
    demand = {name: {"quantity": 100, **caps} for name in names}
    problem = make_problem(offers, demand, countries={"China": {"max_share": 0.5}})
    found = []
    for workers in (1, 2):
        session = Session(problem, SOLVER, TIME_LIMIT, workers=workers)
        result = session.solve()
        assert result.status is Status.OPTIMAL and result.plan is not None
        analysis = analyse(problem, result, session, workers)
        costs = [(c.family, c.status_without, c.cost) for c in analysis.family_costs]
        found.append((result.plan.quantities, analysis.baseline_cost, costs))
    assert found[0][0] == found[1][0]
    assert found[0][1] == approx(found[1][1])
    assert [(f, s) for f, s, _ in found[0][2]] == [(f, s) for f, s, _ in found[1][2]]
    assert [c for _, _, c in found[0][2]] == approx([c for _, _, c in found[1][2]])
    assert len(found[0][2]) == 3


def test_family_costs_of_infeasible_model_show_which_family_blocks() -> None:
    # China capped at 50% and Japan has only 30: 80 < 100, no plan. Supplier cap 90% is not the
    # blocker: without it still 50 + 30 = 80.
    problem = make_problem(
        [offer("ChinaCo", "China", 10, 100), offer("JapanCo", "Japan", 12, 30)],
        {"Ga": {"quantity": 100, "max_supplier_share": 0.9}},
        countries={"China": {"max_share": 0.5}},
    )
    session = Session(problem, SOLVER, TIME_LIMIT)
    result = session.solve()
    assert result.status is Status.INFEASIBLE
    costs = {c.family: c for c in family_costs(problem, result, session)}
    assert costs[Family.SUPPLIER_CAPS].status_without is Status.INFEASIBLE
    assert costs[Family.SUPPLIER_CAPS].total_cost_without is None
    # Without the China cap: ChinaCo up to 90 (supplier cap): 90 @10 + 10 @12 = 1,020
    assert costs[Family.COUNTRY_CAPS].status_without is Status.OPTIMAL
    assert costs[Family.COUNTRY_CAPS].total_cost_without == approx(1020)
    assert costs[Family.COUNTRY_CAPS].cost is None  # no plan to compare with


# --- 2. infeasibility explained in numbers -------------------------------------------------


def test_explain_country_cap_and_capacity() -> None:
    # China 100 capped at 50%, Japan 30: at most 50 + 30 = 80 of 100 Ga. Ge (20 from Korea)
    # can be served and gets no row.
    problem = make_problem(
        [
            offer("ChinaCo", "China", 10, 100),
            offer("JapanCo", "Japan", 12, 30),
            offer("KoreaCo", "Korea", 9, 50, material="Ge"),
        ],
        {"Ga": 100, "Ge": 20},
        countries={"China": {"max_share": 0.5}},
    )
    assert solve(problem, SOLVER, TIME_LIMIT).status is Status.INFEASIBLE
    diagnostics = explain_infeasible(problem, SOLVER, 10)
    assert all(d.level is Level.ERROR for d in diagnostics)
    [row] = diagnostics
    # The row points at the cap to change first, China's own (no cells here: tests of the
    # cells are in test_explain.py).
    assert (row.sheet, row.cell) == ("Countries", "")
    # 100 - 30 (Japan) = 70 from China: 70% (700 + 360 = 1,060); or Japan's capacity to 50
    # (500 + 600 = 1,100).
    assert row.message == (
        "Ga: demand 100, at most 80 can be sourced within the limits. Holding it back: China "
        "capped at 50% (50); the capacity of JapanCo (30). To make a plan possible: raise the "
        "cap on China from 50% to 70% (then Ga costs 1,060); or raise the capacity of JapanCo "
        "from 30 to 50 (then Ga costs 1,100)."
    )


def test_explain_risk_cap() -> None:
    # Risk cap 40; China risk 80, Japan risk 20 with 30. Most sourceable: Japan 30 and China C
    # with 40C - 20*30 <= 0, C <= 15: 45. Least relaxation with all 100 supplied (China 70):
    # (80*70 + 20*30) / 100 = 62. Least capacity under the cap: Japan J with
    # 80(100 - J) + 20J <= 4,000, J = 66.67 (not the 55 the shortfall alone suggests).
    problem = make_problem(
        [
            offer("ChinaCo", "China", 10, 100, risk=80.0),
            offer("JapanCo", "Japan", 12, 30, risk=20.0),
        ],
        {"Ga": {"quantity": 100, "max_avg_risk": 40.0}},
    )
    assert solve(problem, SOLVER, TIME_LIMIT).status is Status.INFEASIBLE
    message = one_error_about(explain_infeasible(problem, SOLVER, 10), "Ga")
    assert "demand 100, at most 45 can be sourced" in message
    assert "average risk capped at 40" in message
    assert "raise the average-risk cap from 40 to 62" in message
    assert "raise the capacity of JapanCo from 30 to 66.67" in message


def test_explain_group_minimum_with_too_little_capacity() -> None:
    # Allied (Japan only, 30 of capacity) must supply at least 50% of 100: at most 30, so the
    # least relaxation lowers the minimum to 30%.
    problem = make_problem(
        [offer("ChinaCo", "China", 10, 100), offer("JapanCo", "Japan", 12, 30)],
        countries={"Japan": {"group": "Allied"}},
        groups={"Allied": (None, 0.5)},
    )
    assert solve(problem, SOLVER, TIME_LIMIT).status is Status.INFEASIBLE
    diagnostics = explain_infeasible(problem, SOLVER, 10)
    message = one_error_about(diagnostics, "Ga")
    assert "demand 100" in message
    assert "lower the minimum of group Allied from 50% to 30%" in message


def _spend_problem() -> Problem:
    # A: 100 only from China @10 (spend 1,000); B: 10 only from Japan @10 (spend 100). China
    # may have at most 50% of total spend, Japan too.
    return make_problem(
        [
            offer("ChinaCo", "China", 10, 100, material="A"),
            offer("JapanCo", "Japan", 10, 10, material="B"),
        ],
        {"A": 100, "B": 10},
        max_country_spend_share=0.5,
    )


def test_explain_spend_share_across_materials() -> None:
    problem = _spend_problem()
    assert solve(problem, SOLVER, TIME_LIMIT).status is Status.INFEASIBLE
    diagnostics = explain_infeasible(problem, SOLVER, 10)
    # Each country <= half the spend: 10 x_A = 10 x_B, so x_A <= x_B <= 10: at most 10 of A.
    message = one_error_about(diagnostics, "A")
    assert "A: demand 100, at most 10 can be sourced within the limits" in message
    assert "China capped at 50% of total spend" in message
    # All demand met: China 1,000 of 1,100 = 90.9%, rounded up to 0.1%: 91%. The cap is one
    # setting for every country, so the advice names the setting, not China.
    assert "raise the cap on any one country's share of total spend from 50% to 91%" in message


def test_explain_never_advises_adding_no_capacity() -> None:
    diagnostics = explain_infeasible(_spend_problem(), SOLVER, 10)
    for message in errors(diagnostics):
        assert "add 0 of capacity" not in message, message
    # B (10 of 10 sourceable) is not short of capacity; if it gets a row at all, it only names
    # the spend cap.
    for message in errors(diagnostics):
        if message.startswith("B: "):
            assert "of capacity" not in message, message


# --- 3. scenarios ----------------------------------------------------------------------------

# ChinaCo 80 @10 (China capped at 50%), JapanCo 30 @12, KoreaCo blank capacity @15,
# IndiaCo 100 @20. Base plan: China 50, Japan 30, Korea 20 = 500 + 360 + 300 = 1,160.
SCENARIO_OFFERS = [
    offer("ChinaCo", "China", 10, 80),
    offer("JapanCo", "Japan", 12, 30),
    offer("KoreaCo", "Korea", 15, None),
    offer("IndiaCo", "India", 20, 100),
]
BASE_COST = 1160.0


def _scenario_problem() -> Problem:
    return make_problem(SCENARIO_OFFERS, {"Ga": {"quantity": 100, "max_country_share": 0.5}})


SCENARIO_CASES = [
    # China halved: capacity 40 < base 50, shortfall 10. Re-planned: China 40, Japan 30,
    # Korea 30 = 400 + 360 + 450 = 1,210 (+50)
    ("china halved", [hit("China", capacity=0.5)], 1210.0, 10.0),
    # Two rows hit ChinaCo: 80 * 0.5 * 0.5 = 20, shortfall 30. China 20, Japan 30, Korea 50
    # = 200 + 360 + 750 = 1,310 (+150)
    (
        "double hit",
        [hit("China", capacity=0.5), hit(supplier="ChinaCo", capacity=0.5)],
        1310.0,
        30.0,
    ),
    # Korea's blank capacity counts as the demand 100 before the factor: 15, shortfall 20 - 15
    # = 5. China 50, Japan 30, Korea 15, India 5 = 500 + 360 + 225 + 100 = 1,185 (+25)
    ("korea blank", [hit("Korea", capacity=0.15)], 1185.0, 5.0),
    # China @15 ties Korea: Japan 30 @12 + 70 @15 = 360 + 1,050 = 1,410 (+250); no capacity lost
    ("china price", [hit("China", price=1.5)], 1410.0, 0.0),
    # Market-wide price doubling: the same plan at twice the price: 2,320 (+1,160)
    ("all prices", [hit(price=2.0)], 2320.0, 0.0),
    # Factors 2 and 0.5 on the same offer multiply to 1: nothing changes
    ("cancel", [hit("China", capacity=2.0), hit(supplier="ChinaCo", capacity=0.5)], 1160.0, 0.0),
]


@pytest.mark.parametrize(("name", "disruptions", "cost", "lost"), SCENARIO_CASES)
def test_scenario_cost_and_base_plan_shortfall(
    name: str, disruptions: list[Disruption], cost: float, lost: float
) -> None:
    problem = _scenario_problem()
    result = solved(problem)
    assert result.plan is not None
    assert plan_cost(problem, result.plan) == approx(BASE_COST)
    scenario = Scenario(name=name, disruptions=disruptions)
    outcome = run_scenario(problem, scenario, result.plan, BASE_COST, SOLVER, TIME_LIMIT)
    assert outcome.name == name
    assert outcome.status is Status.OPTIMAL
    assert outcome.total_cost == approx(cost)
    assert outcome.cost_change == approx(cost - BASE_COST)
    assert outcome.base_plan_shortfall == approx(lost)
    assert base_plan_shortfall(problem, scenario, result.plan) == approx(lost)
    assert outcome.shortfall == approx(0)
    assert outcome.diagnostics == []


def test_disrupted_applies_factors() -> None:
    problem = _scenario_problem()
    scenario = Scenario(
        name="mixed",
        disruptions=[
            hit("China", capacity=0.5, price=1.2),
            hit(supplier="ChinaCo", capacity=0.5, price=1.5),
            hit("Korea", material="Ga", capacity=0.3),
            hit("Japan", material="Ge", capacity=0.0),  # another material: hits nothing
        ],
    )
    changed = disrupted(problem, scenario)
    china, japan, korea, india = changed.offers
    assert china.capacity == approx(20)  # 80 * 0.5 * 0.5
    assert china.unit_price == approx(18)  # 10 * 1.2 * 1.5
    assert korea.capacity == approx(30)  # blank = demand 100, * 0.3
    assert korea.unit_price == approx(15)
    assert japan == problem.offers[1] and india == problem.offers[3]
    assert changed.scenarios == []
    assert problem.offers[0].capacity == 80  # the original problem is untouched


def test_infeasible_scenario_explained_with_its_name() -> None:
    problem = _scenario_problem()
    result = solved(problem)
    assert result.plan is not None
    # Every Ga offer at 20%: China 16, Japan 6, Korea 20 (of a blank = 100), India 20: 62 < 100.
    scenario = Scenario(name="Ga collapse", disruptions=[hit(material="Ga", capacity=0.2)])
    outcome = run_scenario(problem, scenario, result.plan, BASE_COST, SOLVER, TIME_LIMIT)
    assert outcome.status is Status.INFEASIBLE
    assert outcome.total_cost is None and outcome.cost_change is None
    # Base plan: China 50 - 16 = 34, Japan 30 - 6 = 24, Korea 20 - 20 = 0: 58 lost
    assert outcome.base_plan_shortfall == approx(58)
    # the workbook has a plan: a scenario without one is a warning, at the scenario's row
    assert [(d.level, d.sheet) for d in outcome.diagnostics] == [(Level.WARNING, "Scenarios")]
    message = outcome.diagnostics[0].message
    assert message.startswith("Scenario 'Ga collapse': Ga: demand 100, at most 62 can be sourced")
    # what the scenario cuts is the question, never advice: every offer is cut, so none is given
    assert "raise the capacity" not in message
    assert "No change of capacities, caps, floors" in message
    assert message.endswith("in the workbook was found that makes a plan possible under it.")


def test_scenario_advice_leaves_what_the_scenario_cuts_alone() -> None:
    problem = _scenario_problem()
    result = solved(problem)
    assert result.plan is not None
    # China 16, Japan 6, Korea 20 (of a blank = 100) and India at its 50% cap: 92 < 100. Adding
    # 8 to a cut offer would be cheapest, but the cut is the scenario: the cap moves instead,
    # India 58 @20: 160 + 72 + 300 + 1,160 = 1,692.
    cut = [hit(country, capacity=0.2) for country in ("China", "Japan", "Korea")]
    outcome = run_scenario(
        problem, Scenario(name="Three cut", disruptions=cut), result.plan, BASE_COST, SOLVER, 60
    )
    assert [d.level for d in outcome.diagnostics] == [Level.WARNING]
    message = outcome.diagnostics[0].message
    assert "at most 92 can be sourced" in message
    assert "India capped at 50% (50)" in message
    assert "raise the capacity" not in message
    assert "raise the cap on any one country's share from 50% to 58% (then Ga costs 1,692)" in (
        message
    )


# --- 4. the frontier: tests/insight/test_frontier.py ------------------------------------------


# --- 5. one workbook end to end ------------------------------------------------------------


def _sheet(path: Path, name: str) -> list[dict[str, Any]]:
    book = openpyxl.load_workbook(path, read_only=True)
    rows = list(book[name].iter_rows(values_only=True))
    book.close()
    header = [str(h) for h in rows[0]]
    return [dict(zip(header, row, strict=True)) for row in rows[1:]]


def test_workbook_end_to_end(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.remove(book.active)
    sheets: dict[str, list[list[Any]]] = {
        "Offers": [
            ["supplier", "country", "material", "unit_price", "capacity", "risk"],
            ["ChinaCo", "China", "Ga", 10, 100, 80],
            ["JapanCo", "Japan", "Ga", 14, 100, 20],
        ],
        "Demand": [["material", "quantity", "max_avg_risk"], ["Ga", 100, 50]],
        "Countries": [["country", "risk"], ["China", 80], ["Japan", 20]],
        "Settings": [["setting", "value"], ["frontier_points", 5]],
        "Scenarios": [
            ["scenario", "country", "supplier", "capacity_factor", "price_factor"],
            ["China cut", "China", None, 0.3, None],
            ["Japan dearer", None, "JapanCo", None, 1.5],
        ],
    }
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    path = tmp_path / "ga.xlsx"
    book.save(path)
    outcome = process_workbook(path, tmp_path / "out" / "ga_allocation.xlsx")
    assert outcome.status == "optimal", outcome.message
    assert outcome.output == tmp_path / "out" / "ga_allocation.xlsx"
    out = outcome.output
    names = openpyxl.load_workbook(out, read_only=True).sheetnames
    assert {"Summary", "Materials", "Scenarios", "Frontier", "Limits cost"} <= set(names)

    summary = {row["item"]: row["value"] for row in _sheet(out, "Summary")}
    # Risk cap 50: China 50, Japan 50 = 500 + 700 = 1,200; baseline all China 1,000
    assert summary["status"] == "optimal"
    assert summary["total_cost"] == approx(1200)
    assert summary["baseline_cost"] == approx(1000)
    assert summary["diversification_premium"] == approx(200)
    assert summary["diversification_premium_percent"] == approx(0.2)

    [material] = _sheet(out, "Materials")
    assert material["material"] == "Ga"
    assert material["hhi"] == approx(0.5)  # .5^2 + .5^2
    assert material["baseline_hhi"] == approx(1.0)
    assert material["risk_weighted_hhi"] == approx(0.25)  # .25 * .8 + .25 * .2
    assert material["baseline_risk_weighted_hhi"] == approx(0.8)

    scenarios = {row["scenario"]: row for row in _sheet(out, "Scenarios")}
    for column in ("scenario", "status", "total_cost", "cost_change", "base_plan_shortfall"):
        assert column in scenarios["China cut"]
    # China to 30: China 30, Japan 70 = 300 + 980 = 1,280 (+80); base plan loses 50 - 30 = 20
    cut = scenarios["China cut"]
    assert cut["status"] == "optimal"
    assert (cut["total_cost"], cut["cost_change"]) == (approx(1280), approx(80))
    assert cut["base_plan_shortfall"] == approx(20)
    # Japan @21: same split, 500 + 1,050 = 1,550 (+350); nothing lost
    dearer = scenarios["Japan dearer"]
    assert (dearer["total_cost"], dearer["cost_change"]) == (approx(1550), approx(350))
    assert dearer["base_plan_shortfall"] == approx(0)

    frontier_rows = _sheet(out, "Frontier")
    for column in ("point", "factor", "status", "total_cost", "objective", "avg_risk", "hhi"):
        assert column in frontier_rows[0]
    assert frontier_rows[0]["point"] == "base plan"
    assert (frontier_rows[0]["factor"], frontier_rows[0]["total_cost"]) == (1, approx(1200))
    # Caps of factor x the base plan's average risk 50, down to 20 / 50 = 0.4 (all Japan): under
    # cap R, Japan J = (8,000 - 100R) / 60 and the cost 1,000 + 4J.
    swept = frontier_rows[1:]
    assert [r["factor"] for r in swept] == [approx(v) for v in (0.88, 0.76, 0.64, 0.52, 0.4)]
    assert [r["avg_risk"] for r in swept] == [approx(v) for v in (44, 38, 32, 26, 20)]
    assert [r["total_cost"] for r in swept] == [approx(v) for v in (1240, 1280, 1320, 1360, 1400)]

    [risk] = _sheet(out, "Limits cost")
    for column in ("family", "limits", "status_without", "total_cost_without", "cost"):
        assert column in risk
    assert (risk["family"], risk["limits"], risk["status_without"]) == ("risk caps", 1, "optimal")
    assert risk["total_cost_without"] == approx(1000)
    assert risk["cost"] == approx(200)
    assert risk["share_of_total_cost"] == approx(200 / 1200)


def test_a_plan_that_fails_its_check_is_not_analysed_as_a_plan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The analysis starts before the plan is checked (its re-solves overlap the check); a plan
    that then fails is an error, and nothing is compared with it."""
    import optimizer.batch.pipeline

    monkeypatch.setattr(optimizer.batch.pipeline, "verify", lambda problem, plan: ["X supplies 1"])
    outcome = process_workbook(EXAMPLE, tmp_path / "out" / "gallium_allocation.xlsx")
    assert outcome.status == "error"
    assert outcome.output is not None
    summary = {row["item"]: row["value"] for row in _sheet(outcome.output, "Summary")}
    assert summary["status"] == "error"
    assert "breaks the limits" in summary["message"]
    assert summary["diversification_premium"] is None
    names = openpyxl.load_workbook(outcome.output, read_only=True).sheetnames
    assert "Allocation" not in names and "Limits cost" not in names


# --- 6. random models against an independent formulation ----------------------------------


def independent_cost(problem: Problem, limits: bool = True) -> float | None:
    """The cheapest landed cost, re-stated from the contract with highspy arrays (no package
    model code): demand met, 0 <= x <= min(capacity or demand, demand), embargoed offers 0,
    and with `limits` every supplier, country, group, risk and spend limit. None if
    infeasible. Only for models without risk price, minimum orders or fixed costs."""
    offers = problem.offers
    n = len(offers)
    landed = np.array([o.unit_price * (1 + o.tariff) + o.freight for o in offers])
    upper = np.zeros(n)
    for j, o in enumerate(offers):
        demand = problem.materials[o.material].quantity
        if not o.embargoed:
            upper[j] = demand if o.capacity is None else min(o.capacity, demand)
    inf = highspy.kHighsInf
    rows: list[tuple[float, float, dict[int, float]]] = []
    for name, material in problem.materials.items():
        demand = material.quantity
        mine = [j for j, o in enumerate(offers) if o.material == name]
        rows.append((demand, demand, {j: 1.0 for j in mine}))
        if not limits:
            continue
        for j in mine:
            rows.append((-inf, material.max_supplier_share * demand, {j: 1.0}))
        for country in {offers[j].country for j in mine}:
            cap = material.max_country_share
            own = problem.countries[country].max_share if country in problem.countries else None
            if own is not None:
                cap = min(cap, own)
            rows.append(
                (-inf, cap * demand, {j: 1.0 for j in mine if offers[j].country == country})
            )
        for group, spec in problem.groups.items():
            members = {
                j: 1.0
                for j in mine
                if offers[j].country in problem.countries
                and problem.countries[offers[j].country].group == group
            }
            if spec.max_share is not None:
                rows.append((-inf, spec.max_share * demand, members))
            if spec.min_share is not None:
                rows.append((spec.min_share * demand, inf, members))
        if material.max_avg_risk is not None:
            rows.append((-inf, 0.0, {j: offers[j].risk - material.max_avg_risk for j in mine}))
    share = problem.settings.max_country_spend_share
    if limits and share is not None:
        for country in {o.country for o in offers}:
            row = {j: -share * landed[j] for j in range(n)}
            for j, o in enumerate(offers):
                if o.country == country:
                    row[j] += landed[j]
            rows.append((-inf, 0.0, row))
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    empty_index = np.array([], dtype=np.int32)
    h.addCols(n, landed, np.zeros(n), upper, 0, empty_index, empty_index, np.array([]))
    for low, high, entries in rows:
        index = np.array(list(entries), dtype=np.int32)
        value = np.array(list(entries.values()), dtype=np.float64)
        h.addRow(low, high, len(index), index, value)
    h.run()
    status = h.getModelStatus()
    if status == highspy.HighsModelStatus.kOptimal:
        return float(h.getInfo().objective_function_value)
    assert status in (
        highspy.HighsModelStatus.kInfeasible,
        highspy.HighsModelStatus.kUnboundedOrInfeasible,
    ), str(status)
    return None


def my_disruption(problem: Problem, scenario: Scenario) -> Problem:
    """The scenario applied by the test itself: factors multiply, blank capacity = demand."""
    offers = []
    for o in problem.offers:
        capacity, price = 1.0, 1.0
        for d in scenario.disruptions:
            if all(
                want is None or want == have
                for want, have in (
                    (d.country, o.country),
                    (d.supplier, o.supplier),
                    (d.material, o.material),
                )
            ):
                capacity *= d.capacity_factor
                price *= d.price_factor
        demand = problem.materials[o.material].quantity
        base = demand if o.capacity is None else o.capacity
        offers.append(
            o.model_copy(update={"capacity": base * capacity, "unit_price": o.unit_price * price})
        )
    return problem.replace(offers=offers, scenarios=[])


def random_case(seed: int) -> tuple[Problem, Scenario]:
    """A small LP model (no risk price, minimum orders or fixed costs) and one scenario."""
    rng = random.Random(seed)
    pick: Callable[[list[Any]], Any] = rng.choice
    names = ["China", "Japan", "Korea", "India", "Chile"][: rng.randint(3, 5)]
    groups: dict[str, tuple[float | None, float | None]] = {}
    if rng.random() < 0.4:
        groups["G"] = (pick([None, 0.7, 0.8]), pick([None, 0.1, 0.2]))
    countries = {
        name: {
            "max_share": pick([None, None, 0.6, 0.8]),
            "group": pick([None, *groups]) if groups else None,
            "risk": float(rng.randint(0, 100)),
            "embargo": rng.random() < 0.05,
        }
        for name in names
    }
    demand: dict[str, Any] = {}
    offers = []
    for m in range(rng.randint(1, 2)):
        material = f"M{m}"
        quantity = rng.randint(5, 20) * 10
        demand[material] = {
            "quantity": float(quantity),
            "max_country_share": pick([1.0, 1.0, 0.7, 0.8]),
            "max_supplier_share": pick([1.0, 1.0, 0.6, 0.8]),
            "max_avg_risk": pick([None, None, 60.0, 75.0]),
        }
        for j in range(rng.randint(3, 6)):
            offers.append(
                offer(
                    f"S{m}{j}",
                    pick(names),
                    rng.randint(500, 2000) / 100,
                    pick([None, None, float(rng.randint(3, 10) * quantity // 10)]),
                    material=material,
                    freight=pick([0.0, 0.0, rng.randint(1, 20) / 10]),
                    tariff=pick([0.0, 0.0, 0.1, 0.25]),
                )
            )
    problem = make_problem(
        offers,
        demand,
        countries=countries,
        groups=groups,
        max_country_spend_share=pick([None, None, None, 0.8]),
    )
    disruptions = []
    for _ in range(rng.randint(1, 3)):
        target = rng.random()
        disruptions.append(
            hit(
                country=pick(names) if target < 0.5 else None,
                supplier=pick(offers)["supplier"] if 0.5 <= target < 0.8 else None,
                material=pick([None, *demand]),
                capacity=pick([0.0, 0.3, 0.5, 0.8, 1.0, 1.5]),
                price=pick([1.0, 1.0, 1.2, 2.0, 0.9]),
            )
        )
    return problem, Scenario(name=f"s{seed}", disruptions=disruptions)


RANDOM_SEEDS = range(20)


@pytest.mark.parametrize("seed", RANDOM_SEEDS)
def test_random_model_baseline_and_scenario(seed: int) -> None:
    problem, scenario = random_case(seed)
    result = solve(problem, SOLVER, TIME_LIMIT, duals=False)
    expected = independent_cost(problem)
    if expected is None:
        assert result.status is Status.INFEASIBLE
    else:
        assert result.status is Status.OPTIMAL
        assert result.plan is not None
        assert plan_cost(problem, result.plan) == approx(expected)

    baseline = solve(problem, SOLVER, TIME_LIMIT, BASELINE, duals=False)
    expected_baseline = independent_cost(problem, limits=False)
    if expected_baseline is None:
        assert baseline.status is Status.INFEASIBLE
    else:
        assert baseline.status is Status.OPTIMAL and baseline.plan is not None
        assert plan_cost(problem, baseline.plan) == approx(expected_baseline)
    greedy = baseline_plan(problem, SOLVER, TIME_LIMIT)  # a linear model's, without a solver
    assert greedy.status is baseline.status
    if greedy.plan is not None:
        assert plan_cost(problem, greedy.plan) == approx(expected_baseline)

    # The scenario: the package's disrupted problem equals the test's own, and the re-optimised
    # cost equals the independent optimum of either.
    mine = my_disruption(problem, scenario)
    theirs = disrupted(problem, scenario)
    for a, b in zip(mine.offers, theirs.offers, strict=True):
        demand = problem.materials[a.material].quantity
        b_capacity = demand if b.capacity is None else b.capacity
        assert a.capacity is not None
        assert min(a.capacity, demand) == approx(min(b_capacity, demand))
        assert a.unit_price == approx(b.unit_price)
    plan = result.plan if result.status is Status.OPTIMAL else None
    base_cost = plan_cost(problem, plan) if plan is not None else None
    outcome = run_scenario(problem, scenario, plan, base_cost, SOLVER, TIME_LIMIT)
    reference = independent_cost(mine)
    assert independent_cost(theirs) == (None if reference is None else approx(reference))
    if reference is None:
        assert outcome.status is Status.INFEASIBLE
        assert outcome.diagnostics and all(
            d.message.startswith(f"Scenario '{scenario.name}': ") for d in outcome.diagnostics
        )
    else:
        assert outcome.status is Status.OPTIMAL
        assert outcome.total_cost == approx(reference)
        if base_cost is not None:
            assert outcome.cost_change == approx(reference - base_cost)
    if plan is None:
        assert outcome.base_plan_shortfall is None
    else:
        # Sum over offers of the base quantity above capacity (blank = demand) times factors.
        lost = sum(
            max(0.0, plan.quantities[o.index] - c.capacity)
            for o, c in zip(problem.offers, mine.offers, strict=True)
            if c.capacity is not None
        )
        assert outcome.base_plan_shortfall == approx(lost)
        assert base_plan_shortfall(problem, scenario, plan) == approx(lost)


def test_random_models_cover_both_outcomes() -> None:
    """The seeds above exercise feasible and infeasible models and scenarios, and scenarios
    that cut the base plan."""
    base, scenario, cut = set(), set(), 0
    for seed in RANDOM_SEEDS:
        problem, disruption = random_case(seed)
        base.add(independent_cost(problem) is not None)
        scenario.add(independent_cost(my_disruption(problem, disruption)) is not None)
        plan = solve(problem, SOLVER, TIME_LIMIT, duals=False).plan
        cut += plan is not None and base_plan_shortfall(problem, disruption, plan) > 1.0
    assert base == {True, False}
    assert scenario == {True, False}
    assert cut >= 5
