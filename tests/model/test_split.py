"""Models solved one material at a time (integer models without a limit across materials): a
part without any variable, a material with no offer, is decided without a solver: infeasible,
or solved with nothing in it when its rows allow that; never a solver error (HiGHS calls such a
model 'Empty')."""

from __future__ import annotations

import os
import threading
from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from optimizer.contract.problem import Material, Offer, Problem, Settings
from optimizer.contract.status import SolveStatus as Status
from optimizer.model import solve as solve_module
from optimizer.model.build import Matrix, build_model
from optimizer.model.solve import _by_material, run_matrix, run_model, solve
from optimizer.model.verify import verify

SOLVERS = ["highs", "cbc"]
TIME_LIMIT = 20.0


def make_problem(
    offers: list[dict[str, Any]], demand: dict[str, float], **settings: Any
) -> Problem:
    """Offers (supplier, country, material, unit_price, capacity, min_order) and demand."""
    built = [
        Offer(
            index=k,
            supplier=spec["supplier"],
            country=spec["country"],
            material=spec["material"],
            unit_price=spec["unit_price"],
            capacity=spec.get("capacity"),
            freight=0.0,
            tariff=0.0,
            risk=0.0,
            min_order=spec.get("min_order"),
            fixed_cost=None,
            current_quantity=None,
            embargoed=False,
            row=k + 2,
        )
        for k, spec in enumerate(offers)
    ]
    materials = {
        name: Material(
            name=name,
            quantity=quantity,
            max_country_share=1.0,
            max_supplier_share=1.0,
            max_avg_risk=None,
            max_suppliers=None,
            row=row,
        )
        for row, (name, quantity) in enumerate(demand.items(), start=2)
    }
    return Problem(
        offers=built, materials=materials, countries={}, groups={}, settings=Settings(**settings)
    )


# Ga: A (min order 10, so the model is an integer one) 80 @10 and B 60 @11; In: no offer.
OFFERS = [
    {"supplier": "A", "country": "X", "material": "Ga", "unit_price": 10, "capacity": 80,
     "min_order": 10.0},
    {"supplier": "B", "country": "Y", "material": "Ga", "unit_price": 11, "capacity": 60},
]  # fmt: skip


def empty(lower: list[float], upper: list[float]) -> Matrix:
    """A model with no variable and rows with these bounds."""
    rows = len(lower)
    return Matrix(
        np.zeros(0),
        np.zeros(0),
        np.zeros(0),
        np.zeros(0, dtype=bool),
        np.array(lower, dtype=np.float64),
        np.array(upper, dtype=np.float64),
        np.zeros(rows + 1, dtype=np.int32),
        np.zeros(0, dtype=np.int32),
        np.zeros(0),
        0.0,
        (),
        (("r", rows),),
    )


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_model_without_variables_is_decided_by_its_rows(solver: str) -> None:
    demand = run_matrix(empty([5.0], [5.0]), solver, TIME_LIMIT)  # a demand of 5, nothing to buy
    assert demand.status is Status.INFEASIBLE
    below = run_matrix(empty([-np.inf], [-5.0]), solver, TIME_LIMIT)  # at most -5
    assert below.status is Status.INFEASIBLE
    nothing = run_matrix(empty([0.0, -np.inf], [0.0, 3.0]), solver, TIME_LIMIT)
    assert nothing.status is Status.OPTIMAL
    assert nothing.values is not None and len(nothing.values) == 0
    assert nothing.objective == 0.0


def test_the_split_has_a_part_without_variables() -> None:
    problem = make_problem(OFFERS, {"Ga": 100, "In": 5})
    model = build_model(problem)
    parts = _by_material(model, model.matrix())
    assert parts is not None
    (ga_columns, ga_rows), (in_columns, in_rows) = parts
    assert (len(ga_columns), len(ga_rows)) == (3, 3)  # x_A, x_B, y_A; demand, use, min order
    assert (len(in_columns), len(in_rows)) == (0, 1)  # In's demand row alone


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_material_without_offers_makes_the_split_model_infeasible(solver: str) -> None:
    problem = make_problem(OFFERS, {"Ga": 100, "In": 5})
    model = build_model(problem)
    solution = run_model(model, solver, TIME_LIMIT)
    assert solution.status is Status.INFEASIBLE, solution.message
    result = solve(problem, solver, TIME_LIMIT)
    assert (result.status, result.plan) == (Status.INFEASIBLE, None)


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_material_without_offers_is_unmet_where_a_penalty_allows_it(solver: str) -> None:
    # With a shortfall penalty In's part has its unmet demand s_In: 5 unmet at 50 = 250.
    # Ga: A 80 @10 + B 20 @11 = 1,020. Objective 1,270.
    problem = make_problem(OFFERS, {"Ga": 100, "In": 5}, shortfall_penalty=50.0)
    result = solve(problem, solver, TIME_LIMIT)
    assert result.status is Status.OPTIMAL, result.message
    assert result.plan is not None and verify(problem, result.plan) == []
    assert result.plan.shortfall == pytest.approx({"Ga": 0.0, "In": 5.0})
    assert result.plan.objective == pytest.approx(1270)


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_linear_model_without_any_offer_is_infeasible(solver: str) -> None:
    # No variable at all in the whole model (HiGHS is handed linear models whole).
    problem = make_problem([], {"In": 5})
    result = solve(problem, solver, TIME_LIMIT)
    assert (result.status, result.plan) == (Status.INFEASIBLE, None)


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_a_solve_carries_the_solvers_own_account(solver: str) -> None:
    """Our status is proven; beside it the result keeps the solver's own words, and for an
    integer model solved by HiGHS its gap and nodes."""
    problem = Problem(
        offers=[
            Offer(
                index=0,
                supplier="A",
                country="X",
                material="m",
                unit_price=10.0,
                capacity=60.0,
                freight=0.0,
                tariff=0.0,
                risk=0.0,
                min_order=20.0,
                fixed_cost=None,
                current_quantity=None,
                embargoed=False,
                row=2,
            ),
            Offer(
                index=1,
                supplier="B",
                country="Y",
                material="m",
                unit_price=12.0,
                capacity=None,
                freight=0.0,
                tariff=0.0,
                risk=0.0,
                min_order=None,
                fixed_cost=None,
                current_quantity=None,
                embargoed=False,
                row=3,
            ),
        ],
        materials={
            "m": Material(
                name="m",
                quantity=100.0,
                max_country_share=1.0,
                max_supplier_share=1.0,
                max_avg_risk=None,
                max_suppliers=None,
                row=2,
            )
        },
        countries={},
        groups={},
        settings=Settings(),
    )
    result = solve(problem, solver, 30.0)
    assert result.status is Status.OPTIMAL
    assert result.plan is not None and result.plan.objective == pytest.approx(60 * 10 + 40 * 12)
    if solver == "highs":
        assert result.solver_status == "Optimal"
        assert result.mip_gap == pytest.approx(0.0, abs=1e-6)
        assert result.nodes is not None and result.nodes >= 0
    else:
        assert result.solver_status == "Optimal (Optimal Solution Found)"
        assert result.mip_gap is None and result.nodes is None
    assert result.seconds > 0


def many_materials(count: int) -> Problem:
    """`count` materials, each with three offers whose minimum orders make it an integer model."""
    offers = [
        {
            "supplier": f"S{m}-{k}",
            "country": f"C{k}",
            "material": f"M{m}",
            "unit_price": 10.0 + (m * 7 + k * 3) % 5,
            "capacity": 60.0,
            "min_order": 25.0,
        }
        for m in range(count)
        for k in range(3)
    ]
    return make_problem(offers, {f"M{m}": 70.0 + m % 4 for m in range(count)})


@pytest.mark.parametrize("solver", SOLVERS)
def test_materials_shared_out_among_workers_give_the_same_plan(solver: str) -> None:
    problem = many_materials(40)
    alone = solve(problem, solver, TIME_LIMIT)
    shared = solve(problem, solver, TIME_LIMIT, workers=2)
    assert alone.status is shared.status is Status.OPTIMAL
    assert alone.plan is not None and shared.plan is not None
    assert shared.plan.quantities == alone.plan.quantities
    assert shared.plan.objective == pytest.approx(alone.plan.objective)
    assert verify(problem, shared.plan) == []


def test_materials_shared_out_stop_at_the_first_part_without_a_plan() -> None:
    problem = many_materials(40)
    materials = dict(problem.materials)
    materials["M3"] = materials["M3"].model_copy(update={"quantity": 500.0})  # beyond capacity
    result = solve(problem.replace(materials=materials), "highs", TIME_LIMIT, workers=2)
    assert result.status is Status.INFEASIBLE
    assert result.plan is None


def test_a_start_plan_leaves_the_optimum_as_it_is() -> None:
    problem = many_materials(12)
    plan = solve(problem, "highs", TIME_LIMIT).plan
    assert plan is not None and plan.array is not None
    cold = solve(problem, "highs", TIME_LIMIT, duals=False)
    warm = solve(problem, "highs", TIME_LIMIT, duals=False, start=plan)
    assert warm.status is Status.OPTIMAL and warm.plan is not None and cold.plan is not None
    assert warm.plan.objective == pytest.approx(cold.plan.objective)
    # A start that breaks the limits (every offer at its capacity) is not taken as a plan.
    wrong = replace(plan, array=np.full(len(plan.array), 60.0))
    broken = solve(problem, "highs", TIME_LIMIT, duals=False, start=wrong)
    assert broken.status is Status.OPTIMAL and broken.plan is not None
    assert broken.plan.objective == pytest.approx(cold.plan.objective)
    assert verify(problem, broken.plan) == []


def test_parts_solved_in_threads_give_the_plan_of_one_thread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """HiGHS solves the parts of one process in a thread per core; each part one program."""
    if len(os.sched_getaffinity(0)) < 2:
        pytest.skip("one core: no threads")
    problem = many_materials(40)
    monkeypatch.setattr(solve_module, "PARTS_TOGETHER", 1)
    monkeypatch.setattr(solve_module, "PARTS_PER_WORKER", 1)
    threads: set[str] = set()
    solve_part = solve_module._solve_part

    def spied(*args: Any) -> Any:
        threads.add(threading.current_thread().name)
        return solve_part(*args)

    monkeypatch.setattr(solve_module, "_solve_part", spied)
    shared = solve(problem, "highs", TIME_LIMIT)
    assert any(name.startswith("parts") for name in threads)
    monkeypatch.setattr(solve_module.os, "sched_getaffinity", lambda _: {0})
    threads.clear()
    alone = solve(problem, "highs", TIME_LIMIT)
    assert threads == {threading.current_thread().name}
    assert alone.status is shared.status is Status.OPTIMAL
    assert alone.plan is not None and shared.plan is not None
    assert shared.plan.quantities == alone.plan.quantities
    assert verify(problem, shared.plan) == []
