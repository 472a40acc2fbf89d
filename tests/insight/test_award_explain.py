"""Why no plan exists under the award rules of issue 15 (origin, max_avg_co2, min_award,
min_countries, price tiers), with advice that has been tried: hand-computed Diagnostics rows,
and a property test of random models where every printed advice, applied by the test's own
code, gives a plan."""

from __future__ import annotations

from typing import Any

import pytest

from optimizer.contract.problem import Problem, Sources
from tests.insight.test_explain import (
    LETTERS,
    explained,
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
