"""Why no plan exists, and advice that is true when followed (issue 11, point 10).

- Hand-computed cases, each with the exact Diagnostics row expected (message, sheet and cell),
  for every kind of limit, for a material that cannot be served even on its own, and for limits
  across materials; both solvers.
- A property test: for random infeasible models of every kind, every printed advice, applied to
  the problem by this test's own code (from the typed `Advice`, never from the message), gives a
  problem with a plan, which this test solves and checks itself.

Problems are built in code with `make_problem`, which resolves defaults and records where each
value stands (`Sources`, `Material.defaulted`) as the reader does. Its sheets' columns:

    Offers     A supplier  B country  C material  D unit_price  E capacity  F risk  G min_order
               H fixed_cost  I reserve_price
    Demand     A material  B quantity  C max_country_share  D max_supplier_share  E max_avg_risk
               F max_suppliers  G stock  H stock_cost  I max_stock  J min_cover
    Countries  A country  B max_share  C group  D risk  E embargo
    Groups     A group  B max_share  C min_share
    Settings   A setting  B value: one row per setting given, in the order given, from row 2

The property test runs ADVICE_EXAMPLES random models per solver (default: 80 with HiGHS and 15
with CBC, the same ones on every run). Setting ADVICE_EXAMPLES draws new ones on every run and
shrinks a failure to a small example:

    ADVICE_EXAMPLES=500 python -m pytest tests/insight/test_explain.py -k property
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

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
    Sources,
)
from optimizer.contract.status import SolveStatus as Status
from optimizer.insight.explain import (
    Advice,
    Change,
    apply_advice,
    explain,
    explain_infeasible,
)
from optimizer.insight.scenarios import run_scenario
from optimizer.model.build import Lever, ties_materials
from optimizer.model.solve import solve
from optimizer.model.verify import verify
from optimizer.reading.validate import is_contract_sheet, validate
from optimizer.reading.workbook import read_workbook

SOLVERS = ["highs", "cbc"]
TIME_LIMIT = 20.0

# --- factory ---------------------------------------------------------------------------------

LETTERS = {
    "Offers": dict(
        zip(
            [
                "supplier",
                "country",
                "material",
                "unit_price",
                "capacity",
                "risk",
                "min_order",
                "fixed_cost",
                "reserve_price",
            ],
            "ABCDEFGHI",
            strict=True,
        )
    ),
    "Demand": dict(
        zip(
            [
                "material",
                "quantity",
                "max_country_share",
                "max_supplier_share",
                "max_avg_risk",
                "max_suppliers",
                "stock",
                "stock_cost",
                "max_stock",
                "min_cover",
            ],
            "ABCDEFGHIJ",
            strict=True,
        )
    ),
    "Countries": dict(
        zip(["country", "max_share", "group", "risk", "embargo"], "ABCDE", strict=True)
    ),
    "Groups": dict(zip(["group", "max_share", "min_share"], "ABC", strict=True)),
    "Settings": {"setting": "A", "value": "B"},
}
CAPS = ("max_country_share", "max_supplier_share", "max_avg_risk", "min_cover")
STOCK = ("stock", "stock_cost", "max_stock")


def offer(
    supplier: str, country: str, price: float, capacity: float | None = None, **fields: Any
) -> dict[str, Any]:
    """An offer spec; `material` defaults to "Ga"; other keys are Offer fields."""
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
    **settings: Any,
) -> Problem:
    """A resolved Problem, as the reader makes it from a workbook laid out as the module
    docstring says.

    `demand`: a quantity of "Ga", or material -> quantity or dict of Demand fields (a cap left
    out takes the setting's value and is recorded as taken from Settings). `countries`: name ->
    {max_share, group, risk, embargo}; `groups`: name -> (max_share, min_share); `settings`:
    Settings fields. An offer's blank risk takes its country's.
    """
    setting = Settings(**settings)
    specs: dict[str, Any] = demand if isinstance(demand, dict) else {"Ga": demand}
    materials: dict[str, Material] = {}
    for row, (name, spec) in enumerate(specs.items(), start=2):
        fields: dict[str, Any] = spec if isinstance(spec, dict) else {"quantity": spec}
        defaulted = frozenset(
            cap for cap in CAPS if cap not in fields and getattr(setting, cap) is not None
        )
        materials[name] = Material(
            name=name,
            quantity=float(fields["quantity"]),
            max_country_share=fields.get("max_country_share", setting.max_country_share),
            max_supplier_share=fields.get("max_supplier_share", setting.max_supplier_share),
            max_avg_risk=fields.get("max_avg_risk", setting.max_avg_risk),
            max_suppliers=fields.get("max_suppliers"),
            row=row,
            quantity_cell=f"B{row}",
            defaulted=defaulted,
            min_cover=fields.get("min_cover", setting.min_cover),
            **{name: fields[name] for name in STOCK if name in fields},
        )
    homes = countries or {}
    resolved = {
        name: Country(
            name=name,
            max_share=spec.get("max_share"),
            group=spec.get("group"),
            risk=spec.get("risk"),
            row=row,
        )
        for row, (name, spec) in enumerate(homes.items(), start=2)
    }
    group_rows = {
        name: Group(name=name, max_share=high, min_share=low, row=row)
        for row, (name, (high, low)) in enumerate((groups or {}).items(), start=2)
    }
    built = []
    for index, spec in enumerate(offers):
        home = homes.get(spec["country"], {})
        values: dict[str, Any] = {
            "index": index,
            "freight": 0.0,
            "tariff": 0.0,
            "risk": home.get("risk") or 0.0,
            "min_order": None,
            "fixed_cost": None,
            "current_quantity": None,
            "embargoed": bool(home.get("embargo", False)),
            "row": index + 2,
        }
        values.update(spec)
        built.append(Offer(**values))
    sources = Sources(
        sheets={sheet: sheet for sheet in LETTERS},
        letters=LETTERS,
        settings={name: row for row, name in enumerate(settings, start=2)},
    )
    return Problem(
        offers=built,
        materials=materials,
        countries=resolved,
        groups=group_rows,
        settings=setting,
        sources=sources,
    )


def rows(diagnostics: list[Diagnostic]) -> list[tuple[str, str, str]]:
    """The rows as (sheet, cell, message); every one must be an error."""
    assert all(d.level is Level.ERROR for d in diagnostics), diagnostics
    return [(d.sheet, d.cell, d.message) for d in diagnostics]


def explained(problem: Problem, solver: str) -> list[tuple[str, str, str]]:
    """The Diagnostics rows of an infeasible problem."""
    assert solve(problem, solver, TIME_LIMIT, duals=False).status is Status.INFEASIBLE
    return rows(explain_infeasible(problem, solver, TIME_LIMIT))


solver_param = pytest.mark.parametrize("solver", SOLVERS)

# --- caps: the advice, and the cell that defines each cap --------------------------------------


@solver_param
def test_country_cap_of_the_country_and_capacity(solver: str) -> None:
    # China 100 @10 capped at 50% (its own cap, Countries!B2), Japan 30 @12: at most 80 of 100
    # Ga. Ge (20 from Korea) can be served and gets no row.
    # China at 70% + Japan 30: 700 + 360 = 1,060; Japan's capacity to 50: 500 + 600 = 1,100.
    problem = make_problem(
        [
            offer("ChinaCo", "China", 10, 100),
            offer("JapanCo", "Japan", 12, 30),
            offer("KoreaCo", "Korea", 9, 50, material="Ge"),
        ],
        {"Ga": 100, "Ge": 20},
        countries={"China": {"max_share": 0.5}},
    )
    assert explained(problem, solver) == [
        (
            "Countries",
            "B2",
            "Ga: demand 100, at most 80 can be sourced within the limits. Holding it back: "
            "China capped at 50% (50, Countries!B2); the capacity of JapanCo (30). To make a "
            "plan possible: raise the cap on China (Countries!B2) from 50% to 70% (then Ga "
            "costs 1,060); or raise the capacity of JapanCo (Offers!E3) from 30 to 50 (then Ga "
            "costs 1,100).",
        )
    ]


def test_the_cheapest_advice_comes_first_and_capacity_points_at_the_demand() -> None:
    # As above with Japan @8: Japan's capacity to 50 costs 500 + 400 = 900, China at 70%
    # 700 + 240 = 940. The first advice is a capacity: the row points at the demand.
    problem = make_problem(
        [offer("ChinaCo", "China", 10, 100), offer("JapanCo", "Japan", 8, 30)],
        countries={"China": {"max_share": 0.5}},
    )
    [(sheet, cell, message)] = explained(problem, "highs")
    assert (sheet, cell) == ("Demand", "B2")
    assert message.endswith(
        "To make a plan possible: raise the capacity of JapanCo (Offers!E3) from 30 to 50 "
        "(then Ga costs 900); or raise the cap on China (Countries!B2) from 50% to 70% (then "
        "Ga costs 940)."
    )


def test_a_default_cap_points_at_its_setting() -> None:
    # Every country at most 30% (Settings!B2 in the second row of Settings): three countries
    # supply 90 of 100. The least default that works is 1/3, rounded up to 33.4%: X 33.4 @10
    # + Y 33.4 @11 + Z 33.2 @12 = 334 + 367.4 + 398.4 = 1,099.8.
    problem = make_problem(
        [offer("XCo", "X", 10, 100), offer("YCo", "Y", 11, 100), offer("ZCo", "Z", 12, 100)],
        max_country_share=0.3,
    )
    assert explained(problem, "highs") == [
        (
            "Settings",
            "B2",
            "Ga: demand 100, at most 90 can be sourced within the limits. Holding it back: X "
            "capped at 30% (30, Settings!B2); Y capped at 30% (30, Settings!B2); Z capped at 30% "
            "(30, Settings!B2). To make a plan possible: raise the default cap on any one "
            "country's share (Settings!B2) from 30% to 33.4% (then Ga costs 1,099.8).",
        )
    ]


def test_a_cap_the_material_and_the_country_share_needs_both_raised() -> None:
    # Ga's own cap 50% (Demand!C2) and China's 50% (Countries!B2): a tie, so the cap is the
    # material's cell; China must reach 70%, so both cells must be raised.
    problem = make_problem(
        [offer("ChinaCo", "China", 10, 100), offer("JapanCo", "Japan", 12, 30)],
        {"Ga": {"quantity": 100, "max_country_share": 0.5}},
        countries={"China": {"max_share": 0.5}},
    )
    assert explained(problem, "highs") == [
        (
            "Demand",
            "C2",
            "Ga: demand 100, at most 80 can be sourced within the limits. Holding it back: "
            "China capped at 50% (50, Demand!C2); the capacity of JapanCo (30). To make a plan "
            "possible: raise the cap on any one country's share (Demand!C2) from 50% to 70% and "
            "raise the cap on China (Countries!B2) from 50% to 70% (then Ga costs 1,060); or "
            "raise the capacity of JapanCo (Offers!E3) from 30 to 50 (then Ga costs 1,100).",
        )
    ]


@solver_param
def test_supplier_cap_of_the_material(solver: str) -> None:
    # Each supplier at most 40% of Ga (Demand!D2): two offers supply 80. 50% is the least:
    # A 50 @10 + B 50 @12 = 1,100. (Adding capacity cannot help: both are at their caps.)
    problem = make_problem(
        [offer("A", "X", 10), offer("B", "Y", 12)],
        {"Ga": {"quantity": 100, "max_supplier_share": 0.4}},
    )
    assert explained(problem, solver) == [
        (
            "Demand",
            "D2",
            "Ga: demand 100, at most 80 can be sourced within the limits. Holding it back: "
            "supplier A capped at 40% (40, Demand!D2); supplier B capped at 40% (40, Demand!D2). "
            "To make a plan possible: raise the cap on any one supplier's share (Demand!D2) from "
            "40% to 50% (then Ga costs 1,100).",
        )
    ]


@solver_param
def test_risk_cap_and_the_least_capacity_under_it(solver: str) -> None:
    # Average risk at most 40 (Demand!E2); China risk 80 (100), Japan risk 20 (30). Most
    # sourceable: Japan 30 and China C with 40C <= 20 x 30: C = 15, 45 in all.
    # Cap: all 100 supplied, China 70: (80 x 70 + 20 x 30) / 100 = 62; cost 700 + 360 = 1,060.
    # Capacity: Japan J, China 100 - J, 80(100 - J) + 20J <= 4,000: J = 66.67 (not the 55 the
    # shortfall alone suggests); 333.33 + 800 = 1,133.33.
    problem = make_problem(
        [
            offer("ChinaCo", "China", 10, 100, risk=80.0),
            offer("JapanCo", "Japan", 12, 30, risk=20.0),
        ],
        {"Ga": {"quantity": 100, "max_avg_risk": 40.0}},
    )
    assert explained(problem, solver) == [
        (
            "Demand",
            "E2",
            "Ga: demand 100, at most 45 can be sourced within the limits. Holding it back: "
            "average risk capped at 40 (Demand!E2); the capacity of JapanCo (30). To make a plan "
            "possible: raise the average-risk cap (Demand!E2) from 40 to 62 (then Ga costs "
            "1,060); or raise the capacity of JapanCo (Offers!E3) from 30 to 66.67 (then Ga "
            "costs 1,133.33).",
        )
    ]


@solver_param
def test_risk_cap_with_a_shortfall_penalty(solver: str) -> None:
    # Group G (China, risk 80) must supply 50% of 100; the default average-risk cap is 40
    # (Settings!B2); Japan (risk 20) has 30; unmet demand costs 100 a unit. Buying China 50 and
    # Japan 30 leaves 20 unmet, at an average risk of (4,000 + 600) / 80 = 57.5: the cap must
    # reach 57.5, not the 54 that counting the unmet 20 as supplied would give.
    # Objective 500 + 360 + 2,000 = 2,860. The group floor: China 15 (600 / 40), Japan 30:
    # floor 15%, cost 150 + 360 = 510 and 55 unmet: 5,500 more, so it comes second.
    problem = make_problem(
        [offer("ChinaCo", "China", 10, 100), offer("JapanCo", "Japan", 12, 30, risk=20.0)],
        countries={"China": {"group": "G", "risk": 80.0}},
        groups={"G": (None, 0.5)},
        max_avg_risk=40.0,
        shortfall_penalty=100.0,
    )
    assert explained(problem, solver) == [
        (
            "Settings",
            "B2",
            "Ga: demand 100. Holding it back: group G must supply at least 50% of it (50, "
            "Groups!C2) but can supply at most 15 within the other limits; average risk capped "
            "at 40 (Settings!B2); the capacity of JapanCo (30). To make a plan possible: raise "
            "the default average-risk cap (Settings!B2) from 40 to 57.5 (then Ga costs 860, "
            "with 20 unmet); or lower the minimum of group G (Groups!C2) from 50% to 15% (then "
            "Ga costs 510, with 55 unmet).",
        )
    ]


@solver_param
def test_spend_cap_across_materials(solver: str) -> None:
    # A: 100 only from China @10 (1,000); B: 10 only from Japan @10 (100); any one country at
    # most 50% of total spend (Settings!B2): 10 x_A <= 10 x_B, so at most 10 of A. Raising the
    # cap: China 1,000 of 1,100 = 90.9%, up to 0.1%: 91%. The cap is one setting for every
    # country: the advice names the setting, not China.
    problem = make_problem(
        [
            offer("ChinaCo", "China", 10, 100, material="A"),
            offer("JapanCo", "Japan", 10, 10, material="B"),
        ],
        {"A": 100, "B": 10},
        max_country_spend_share=0.5,
    )
    assert explained(problem, solver) == [
        (
            "Settings",
            "B2",
            "A: demand 100, at most 10 can be sourced within the limits. Holding it back: China "
            "capped at 50% of total spend (Settings!B2). To make a plan possible: raise the cap "
            "on any one country's share of total spend (Settings!B2) from 50% to 91% (then the "
            "plan costs 1,100).",
        )
    ]


def test_cap_advice_holds_under_a_spend_cap_across_materials() -> None:
    # Ga: China 100 @10 capped at 50%, Japan 30 @10; Ge: 20 from Korea @10. Any one country at
    # most 55% of total spend (Settings!B2). On Ga alone, China at 70% would do; but then
    # China spends 700 of 1,200 = 58.3% > 55%, so the country cap alone is no advice. Japan's
    # capacity to 50 is: China 500 of 1,200 = 41.7%. The spend cap alone cannot help (China's
    # cap stays); both caps together: China 70% and spend 58.4% (700 / 1,200, rounded up).
    problem = make_problem(
        [
            offer("ChinaCo", "China", 10, 100),
            offer("JapanCo", "Japan", 10, 30),
            offer("KoreaCo", "Korea", 10, 100, material="Ge"),
        ],
        {"Ga": 100, "Ge": 20},
        countries={"China": {"max_share": 0.5}},
        max_country_spend_share=0.55,
    )
    [(sheet, cell, message)] = explained(problem, "highs")
    assert (sheet, cell) == ("Demand", "B2")
    assert message.endswith(
        "To make a plan possible: raise the capacity of JapanCo (Offers!E3) from 30 to 50 "
        "(then the plan costs 1,200)."
    )


# --- a material that cannot be served even on its own ------------------------------------------


@solver_param
def test_group_minimum_beyond_the_group(solver: str) -> None:
    # Allied (Japan only, 30 of capacity) must supply 50% of Ga: lower the floor to 30%
    # (China 70 @10 + Japan 30 @12 = 1,060), or Japan's capacity to 50 (500 + 600 = 1,100).
    # Ge has no Allied offer at all: only a floor of 0% lets it be served (Korea 20 @9 = 180).
    problem = make_problem(
        [
            offer("ChinaCo", "China", 10, 100),
            offer("JapanCo", "Japan", 12, 30),
            offer("KoreaCo", "Korea", 9, 50, material="Ge"),
        ],
        {"Ga": 100, "Ge": 20},
        countries={"Japan": {"group": "Allied"}},
        groups={"Allied": (None, 0.5)},
    )
    assert explained(problem, solver) == [
        (
            "Groups",
            "C2",
            "Ga: demand 100. Holding it back: group Allied must supply at least 50% of it (50, "
            "Groups!C2) but can supply at most 30 within the other limits; the capacity of "
            "JapanCo (30). To make a plan possible: lower the minimum of group Allied (Groups!C2) "
            "from 50% to 30% (then Ga costs 1,060); or raise the capacity of JapanCo (Offers!E3) "
            "from 30 to 50 (then Ga costs 1,100).",
        ),
        (
            "Groups",
            "C2",
            "Ge: demand 20. Holding it back: group Allied must supply at least 50% of it (10, "
            "Groups!C2) but can supply at most 0 within the other limits. To make a plan "
            "possible: lower the minimum of group Allied (Groups!C2) from 50% to 0% (then Ge "
            "costs 180).",
        ),
    ]


@solver_param
def test_minimum_order_above_the_capacity(solver: str) -> None:
    # A (60) must take at least 70 if used, so only B's 30 can be bought. Raising A's capacity
    # to 70 is the least change (B would need 70 more): A 70 + B 30 = 1,000. Ge is served.
    problem = make_problem(
        [
            offer("A", "X", 10, 60, min_order=70.0),
            offer("B", "Y", 10, 30),
            offer("C", "Z", 9, 50, material="Ge"),
        ],
        {"Ga": 100, "Ge": 20},
    )
    assert explained(problem, solver) == [
        (
            "Demand",
            "B2",
            "Ga: demand 100, at most 30 can be sourced within the limits. Holding it back: the "
            "capacity of B (30); the minimum order of A (70, Offers!G2) is more than it may "
            "supply (60). To make a plan possible: raise the capacity of A (Offers!E2) from 60 "
            "to 70 (then Ga costs 1,000).",
        )
    ]


@solver_param
def test_max_suppliers_never_advises_capacity_it_forbids(solver: str) -> None:
    # One offer at most (Demand!F2): the largest, A, has 60. New capacity from B or C cannot
    # be used; A's capacity to 100 can: 1,000. Or two offers: A 60 @10 + B 40 @11 = 1,040.
    problem = make_problem(
        [offer("A", "X", 10, 60), offer("B", "Y", 11, 50), offer("C", "Z", 12, 30)],
        {"Ga": {"quantity": 100, "max_suppliers": 1}},
    )
    assert explained(problem, solver) == [
        (
            "Demand",
            "B2",
            "Ga: demand 100, at most 60 can be sourced within the limits. Holding it back: the "
            "capacity of A (60); at most 1 of its offers may be used (Demand!F2), and the "
            "largest can supply 60. To make a plan possible: raise the capacity of A (Offers!E2) "
            "from 60 to 100 (then Ga costs 1,000); or raise the number of offers that may be "
            "used (Demand!F2) from 1 to 2 (then Ga costs 1,040).",
        )
    ]


@solver_param
def test_zero_capacity_everywhere(solver: str) -> None:
    # Both offers of Ga have no capacity; the cheaper one is raised. Ge is served.
    problem = make_problem(
        [
            offer("A", "X", 12, 0),
            offer("B", "Y", 10, 0),
            offer("C", "Z", 9, 50, material="Ge"),
        ],
        {"Ga": 100, "Ge": 20},
    )
    assert explained(problem, solver) == [
        (
            "Demand",
            "B2",
            "Ga: demand 100, at most 0 can be sourced within the limits. Holding it back: the "
            "capacity of A (0) and B (0). To make a plan possible: raise the capacity of B "
            "(Offers!E3) from 0 to 100 (then Ga costs 1,000).",
        )
    ]


@solver_param
def test_every_supplying_country_embargoed(solver: str) -> None:
    # Ga's only offers come from Russia and Belarus, both under embargo: no limit's change
    # helps, and the row says why in numbers. Ge is served.
    problem = make_problem(
        [
            offer("RusCo", "Russia", 8, 150),
            offer("BelCo", "Belarus", 9),
            offer("C", "Z", 9, 50, material="Ge"),
        ],
        {"Ga": 100, "Ge": 20},
        countries={"Russia": {"embargo": True}, "Belarus": {"embargo": True}},
    )
    assert explained(problem, solver) == [
        (
            "Countries",
            "E2",
            "Ga: demand 100, at most 0 can be sourced within the limits. Holding it back: every "
            "offer of it is from a country under embargo: Russia (Countries!E2) and Belarus "
            "(Countries!E3).",
        )
    ]


def test_embargo_named_beside_what_else_holds_back() -> None:
    # RusCo (embargoed) would have covered it; the rest supply 60.
    problem = make_problem(
        [offer("RusCo", "Russia", 8, 150), offer("A", "X", 10, 60)],
        countries={"Russia": {"embargo": True}},
    )
    [(_, _, message)] = explained(problem, "highs")
    assert message.startswith(
        "Ga: demand 100, at most 60 can be sourced within the limits. Holding it back: the "
        "embargo on Russia (Countries!E2) bars RusCo (100); the capacity of A (60)."
    )


@solver_param
def test_a_material_without_offers_in_an_integer_workbook(solver: str) -> None:
    # Minimum orders make the model an integer one, solved one material at a time; In has no
    # offer at all. That part is infeasible (HiGHS used to call it 'Empty': an error).
    problem = make_problem(
        [offer("A", "X", 10, 80, min_order=10.0), offer("B", "Y", 11, 60)],
        {"Ga": 100, "In": 5},
    )
    result = solve(problem, solver, TIME_LIMIT)
    assert result.status is Status.INFEASIBLE, result.message
    assert explained(problem, solver) == [
        (
            "Demand",
            "B3",
            "In: demand 5, at most 0 can be sourced within the limits. Holding it back: no "
            "offer in Offers is for it.",
        )
    ]


@solver_param
def test_each_material_that_cannot_be_served_gets_its_own_row(solver: str) -> None:
    # Three materials, each blocked by something of its own, none by a limit across materials.
    problem = make_problem(
        [
            offer("A", "X", 10, 40),  # Ga: 40 of 100
            offer("B", "Y", 10, 60, material="Ge", min_order=80.0),  # Ge: B unusable
            offer("C", "Z", 10, 100, material="In"),  # In: served
        ],
        {"Ga": 100, "Ge": 50, "In": 10},
    )
    found = explained(problem, solver)
    assert [message.split(":")[0] for _, _, message in found] == ["Ga", "Ge"]
    assert not any("although each material" in message for _, _, message in found)


# --- the typed advice ----------------------------------------------------------------------


def test_advice_is_typed_and_applies_to_the_problem() -> None:
    problem = make_problem(
        [offer("ChinaCo", "China", 10, 100), offer("JapanCo", "Japan", 12, 30)],
        countries={"China": {"max_share": 0.5}},
    )
    [verdict] = explain(problem, "highs", TIME_LIMIT).verdicts
    assert (verdict.material, verdict.demand, verdict.most) == ("Ga", 100, 80)
    cap, capacity = verdict.advice
    assert cap == Advice(
        "Ga",
        Lever.COUNTRY_CAPS,
        (Change("Countries", "max_share", "China", 0.5, 0.7),),
        verified=True,
        objective=pytest.approx(1060),
        cost=pytest.approx(1060),
    )
    assert capacity.changes == (Change("Offers", "capacity", "1", 30, 50),)
    changed = apply_advice(problem, cap)
    assert changed.countries["China"].max_share == 0.7
    assert problem.countries["China"].max_share == 0.5  # the problem itself is untouched
    result = solve(changed, "highs", TIME_LIMIT)
    assert result.status is Status.OPTIMAL and result.plan is not None
    assert verify(changed, result.plan) == []


def test_advice_that_fails_when_tried_is_never_printed(monkeypatch: pytest.MonkeyPatch) -> None:
    # Ga and Ge each need 20 more capacity. Ga's advice is made 1 too small: tried, it leaves
    # Ga without a plan, so it is not printed; Ge's, tried with it in one model and then apart,
    # still is.
    import optimizer.insight.explain as module

    problem = make_problem(
        [offer("A", "X", 10, 80), offer("B", "Y", 10, 30, material="Ge")],
        {"Ga": 100, "Ge": 50},
    )
    worked_out = module._change

    def short_of_one(*args: Any) -> Change | None:
        change = worked_out(*args)
        if change is not None and change.subject == "0":
            change = replace(change, new=change.new - 1)
        return change

    monkeypatch.setattr(module, "_change", short_of_one)
    explanation = explain(problem, "highs", TIME_LIMIT)
    assert [(a.material, a.changes, a.verified) for a in explanation.candidates] == [
        ("Ga", (Change("Offers", "capacity", "0", 80, 99),), False),
        ("Ge", (Change("Offers", "capacity", "1", 30, 50),), True),
    ]
    ga, ge = explanation.verdicts
    assert ga.advice == ()
    assert [a.changes for a in ge.advice] == [(Change("Offers", "capacity", "1", 30, 50),)]
    [ga_row, _] = rows(module.diagnostics(problem, explanation))
    assert ga_row[2].endswith(
        "No change of capacities, caps, floors, minimum orders or supplier counts was found "
        "that makes a plan possible."
    )


def test_a_setting_changes_every_material_that_took_it() -> None:
    problem = make_problem(
        [offer("A", "X", 10, 100), offer("B", "Y", 10, 100, material="Ge")],
        {"Ga": 100, "Ge": {"quantity": 10, "max_country_share": 0.2}},
        max_country_share=0.3,
    )
    change = Change("Settings", "max_country_share", "max_country_share", 0.3, 0.5)
    changed = apply_advice(problem, Advice("", None, (change,)))
    assert changed.settings.max_country_share == 0.5
    assert changed.materials["Ga"].max_country_share == 0.5  # taken from Settings
    assert changed.materials["Ge"].max_country_share == 0.2  # its own


# --- scenarios and real workbooks ------------------------------------------------------------


def test_an_infeasible_scenario_points_at_the_cells_too() -> None:
    # Base: China 80 @10 capped at 50% (Countries!B2), Japan 30 @12, Korea blank @15: optimal.
    # Korea cut off: China 50 + Japan 30 = 80 < 100. China's cap to 70%: 700 + 360 = 1,060;
    # or 20 more capacity, from Japan (500 + 600 = 1,100) rather than Korea (500 + 360 + 300 =
    # 1,160): the cheapest plan among the least changes.
    problem = make_problem(
        [
            offer("ChinaCo", "China", 10, 80),
            offer("JapanCo", "Japan", 12, 30),
            offer("KoreaCo", "Korea", 15),
        ],
        countries={"China": {"max_share": 0.5}},
    )
    base = solve(problem, "highs", TIME_LIMIT)
    assert base.status is Status.OPTIMAL and base.plan is not None
    scenario = Scenario(
        name="Korea out",
        disruptions=[
            Disruption(
                country="Korea",
                supplier=None,
                material=None,
                capacity_factor=0.0,
                price_factor=1.0,
            )
        ],
    )
    outcome = run_scenario(problem, scenario, base.plan, 1160.0, "highs", TIME_LIMIT)
    assert outcome.status is Status.INFEASIBLE
    # a warning (the workbook has a plan) at the cell of the first advice; JapanCo's capacity,
    # which the scenario leaves alone, is the workbook's own
    assert [(d.level, d.sheet, d.cell, d.message) for d in outcome.diagnostics] == [
        (
            Level.WARNING,
            "Countries",
            "B2",
            "Scenario 'Korea out': Ga: demand 100, at most 80 can be sourced within the limits. "
            "Holding it back: China capped at 50% (50, Countries!B2); the capacity of JapanCo "
            "(30) and KoreaCo (0). To make a plan possible: raise the cap on China "
            "(Countries!B2) from 50% to 70% (then Ga costs 1,060); or raise the capacity of "
            "JapanCo (Offers!E3) from 30 to 50 (then Ga costs 1,100).",
        )
    ]


def test_a_real_workbook_points_at_its_own_cells(tmp_path: Path) -> None:
    # The Settings sheet sets max_country_share in its third row; Countries names China in its
    # second row with max_share in column C (after a risk column); Demand has no cap column.
    sheets: dict[str, list[list[Any]]] = {
        "Offers": [
            ["supplier", "country", "material", "unit_price", "capacity"],
            ["ChinaCo", "China", "Ga", 10, 100],
            ["JapanCo", "Japan", "Ga", 12, 100],
            ["KoreaCo", "Korea", "Ga", 15, 100],
            ["ChinaCo", "China", "Ge", 10, 100],
            ["JapanCo", "Japan", "Ge", 12, 10],
        ],
        "Demand": [["material", "quantity"], ["Ga", 100], ["Ge", 50]],
        "Countries": [["country", "risk", "max_share"], ["Japan", 20, None], ["China", 80, 0.4]],
        "Settings": [["setting", "value"], ["solver", "highs"], ["max_country_share", 0.3]],
    }
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, table in sheets.items():
        sheet = book.create_sheet(name)
        for row in table:
            sheet.append(row)
    path = tmp_path / "book.xlsx"
    book.save(path)
    problem, _ = validate(read_workbook(path, is_contract_sheet, isolated=False))
    # Ga: China, Japan and Korea at most 30% each (the default, Settings!B3): 90 of 100; the
    # default to 33.4% (China 33.4 @10 + Japan 33.4 @12 + Korea 33.2 @15 = 1,232.8).
    # Ge: China 30% (the default is the lower) and Japan's capacity 10: 25 of 50. China needs
    # 80%, so the default must rise to 80% (Settings!B3) and China's own 40% too
    # (Countries!C3): 400 + 120 = 520. More capacity alone cannot help (Japan is capped too).
    assert rows(explain_infeasible(problem, "highs", TIME_LIMIT)) == [
        (
            "Settings",
            "B3",
            "Ga: demand 100, at most 90 can be sourced within the limits. Holding it back: "
            "China capped at 30% (30, Settings!B3); Japan capped at 30% (30, Settings!B3); Korea "
            "capped at 30% (30, Settings!B3). To make a plan possible: raise the default cap on "
            "any one country's share (Settings!B3) from 30% to 33.4% (then Ga costs 1,232.8).",
        ),
        (
            "Settings",
            "B3",
            "Ge: demand 50, at most 25 can be sourced within the limits. Holding it back: China "
            "capped at 30% (15, Settings!B3); the capacity of JapanCo (10). To make a plan "
            "possible: raise the default cap on any one country's share (Settings!B3) from 30% "
            "to 80% and raise the cap on China (Countries!C3) from 40% to 80% (then Ge costs "
            "520).",
        ),
    ]


# --- property: every printed advice, applied, gives a plan ------------------------------------

EXAMPLES = os.environ.get("ADVICE_EXAMPLES")
LONG_RUN = EXAMPLES is not None


def property_settings(examples: int) -> Any:
    return settings(
        max_examples=int(EXAMPLES) if LONG_RUN else examples,
        deadline=None,
        database=None,
        derandomize=not LONG_RUN,  # CI: the same examples on every run
        phases=list(Phase) if LONG_RUN else [p for p in Phase if p is not Phase.shrink],
        suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow],
    )


COUNTRIES = ["China", "Japan", "Korea", "India"]


def random_problem(pick: Callable[[list[Any]], Any]) -> Problem:
    """A small problem with any of the limits: country caps (default, a material's own, a
    country's own), supplier caps, a group's cap and floor, average-risk caps, a cap on a
    country's share of spend, capacities (blank, zero, small), embargoes, minimum orders, fixed
    costs, supplier counts, a shortfall penalty, and disruptions to withstand (the loss of a
    country or a supplier, a min_cover of the settings' or a material's own, reserve prices,
    stock on hand, stock costs and max_stock); `pick` chooses each value from a list."""
    names = COUNTRIES[: pick([2, 3, 4])]
    group = pick([None, (None, 0.5), (0.6, None), (0.6, 0.2), (None, 0.8)])
    countries = {
        name: {
            "max_share": pick([None, None, 0.4, 0.6]),
            "group": pick([None, "G"]) if group else None,
            "risk": float(pick([10, 30, 50, 80])),
            "embargo": pick([False] * 9 + [True]),
        }
        for name in names
    }
    setting_values: dict[str, Any] = {}
    for name, choices in (
        ("max_country_share", [0.35, 0.5, 0.7]),
        ("max_supplier_share", [0.4, 0.6]),
        ("max_avg_risk", [30.0, 45.0]),
        ("max_country_spend_share", [0.45, 0.7]),
        ("shortfall_penalty", [60.0]),
        ("survive", [("country",), ("supplier",), ("country", "supplier")]),
        ("min_cover", [0.5, 0.8]),
    ):
        if pick([False, False, False, True]):
            setting_values[name] = pick(choices)
    demand: dict[str, Any] = {}
    offers = []
    for m in range(pick([1, 1, 2, 3])):
        material = f"M{m}"
        spec: dict[str, Any] = {"quantity": float(pick([50, 100, 120]))}
        for name, choices in (
            ("max_country_share", [0.4, 0.6]),
            ("max_supplier_share", [0.5]),
            ("max_avg_risk", [35.0, 60.0]),
        ):
            if pick([False, False, False, True]):
                spec[name] = pick(choices)
        spec["max_suppliers"] = pick([None, None, None, 1, 2])
        if "survive" in setting_values:
            for name, choices in (
                ("min_cover", [0.6, 1.0]),
                ("stock", [10.0, 30.0]),
                ("stock_cost", [4.0, 9.0]),
                ("max_stock", [10.0, 40.0]),
            ):
                if pick([False, True]):
                    spec[name] = pick(choices)
        demand[material] = spec
        for j in range(pick([0, 2, 2, 3, 3, 4, 4, 4])):
            offers.append(
                offer(
                    f"S{m}{j}",
                    pick(names),
                    float(pick([8, 10, 12, 15, 20])),
                    pick([None, None, 0.0, 20.0, 40.0, 60.0, 100.0]),
                    material=material,
                    min_order=pick([None, None, None, 10.0, 30.0, 70.0]),
                    fixed_cost=pick([None, None, None, 100.0]),
                    risk=pick([None, None, 20.0, 70.0]),
                    reserve_price=pick([None, None, 1.0, 3.0]),
                )
            )
    for spec in offers:
        if spec["risk"] is None:
            spec["risk"] = countries[spec["country"]]["risk"]
    return make_problem(
        offers,
        demand,
        countries=countries,
        groups={"G": group} if group else {},
        **setting_values,
    )


@st.composite
def sourcing_problems(draw: st.DrawFn) -> Problem:
    """`random_problem`, each value drawn by hypothesis (so that a failure shrinks)."""
    return random_problem(lambda values: draw(st.sampled_from(values)))


def own_apply(problem: Problem, advice: Advice) -> Problem:
    """The advice applied as an analyst would edit the workbook, written from the contract and
    not from the package's code: a setting changes every material that left the cell blank; a
    country's or a group's value every material; then, when the materials are separate problems
    (no cap on a country's share of spend), the advised material alone, else every material
    that has an offer outside an embargo (the others cannot be served whatever changes)."""
    offers = list(problem.offers)
    materials = dict(problem.materials)
    countries, groups = dict(problem.countries), dict(problem.groups)
    setting = problem.settings.model_dump()
    for change in advice.changes:
        value: Any = int(change.new) if change.column == "max_suppliers" else change.new
        if change.sheet == "Offers":
            position = int(change.subject)
            offers[position] = offers[position].model_copy(update={change.column: value})
        elif change.sheet == "Demand":
            spec = materials[change.subject]
            materials[change.subject] = spec.model_copy(
                update={change.column: value, "defaulted": spec.defaulted - {change.column}}
            )
        elif change.sheet == "Countries":
            countries[change.subject] = countries[change.subject].model_copy(
                update={change.column: value}
            )
        elif change.sheet == "Groups":
            groups[change.subject] = groups[change.subject].model_copy(
                update={change.column: value}
            )
        else:
            assert change.sheet == "Settings", change
            setting[change.column] = value
            for name, spec in materials.items():
                if change.column in spec.defaulted:
                    materials[name] = spec.model_copy(update={change.column: value})
    if advice.material:
        assert not ties_materials(problem)
        keep = {advice.material}
    else:  # the whole workbook, but for materials without an offer outside an embargo
        keep = {o.material for o in problem.offers if not o.embargoed}
    offers = [o for o in offers if o.material in keep]
    materials = {name: spec for name, spec in materials.items() if name in keep}
    return Problem(
        offers=[o.model_copy(update={"index": k}) for k, o in enumerate(offers)],
        materials=materials,
        countries=countries,
        groups=groups,
        settings=Settings(**setting),
        sources=problem.sources,
    )


def has_plan(problem: Problem, solver: str) -> bool:
    """Whether `problem` has a plan: the solver proves one and it passes the check."""
    result = solve(problem, solver, TIME_LIMIT, duals=False)
    if result.status is Status.INFEASIBLE:
        return False
    assert result.status is Status.OPTIMAL and result.plan is not None, result.message
    assert verify(problem, result.plan) == []
    return True


def alone(problem: Problem, material: str) -> Problem:
    offers = [o for o in problem.offers if o.material == material]
    return problem.replace(
        offers=[o.model_copy(update={"index": k}) for k, o in enumerate(offers)],
        materials={material: problem.materials[material]},
    )


def check_advice(problem: Problem, solver: str) -> None:
    assert not has_plan(problem, solver)
    explanation = explain(problem, solver, TIME_LIMIT)
    assert explanation.verdicts, explanation.note
    coupled = ties_materials(problem)
    if not coupled:  # exactly the materials that cannot be served on their own have a row
        blocked = {name for name in problem.materials if not has_plan(alone(problem, name), solver)}
        assert {v.material for v in explanation.verdicts} == blocked
    for verdict in explanation.verdicts:
        objectives = [advice.objective for advice in verdict.advice]
        assert objectives == sorted(objectives)  # type: ignore[type-var]
        for advice in verdict.advice:
            assert advice.verified
            assert advice.material == ("" if coupled else verdict.material)
            for change in advice.changes:  # every change relaxes its value
                assert change.old is not None
                relaxes = (
                    change.new < change.old if change.column in FALLING else change.new > change.old
                )
                assert relaxes, change
            mine = own_apply(problem, advice)
            assert mine == apply_advice(problem, advice)
            assert has_plan(mine, solver), advice
    first = [v.advice[0] for v in explanation.verdicts if v.advice]
    if not coupled and len(first) == len(explanation.verdicts):
        # every row's first advice followed at once: a plan for the whole workbook
        everything = Advice("", None, tuple(c for a in first for c in a.changes))
        loosest: dict[tuple[str, str, str], Change] = {}
        for change in everything.changes:
            known = loosest.get(change.cell)
            floor = change.column in FALLING
            if known is None or (change.new < known.new if floor else change.new > known.new):
                loosest[change.cell] = change
        whole = own_apply(problem, Advice("", None, tuple(loosest.values())))
        assert has_plan(whole, solver)


FALLING = ("min_order", "min_share", "min_cover")  # values that relax as they fall


def infeasible(problem: Problem) -> bool:
    return solve(problem, "highs", TIME_LIMIT, duals=False).status is Status.INFEASIBLE


@property_settings(80)
@given(sourcing_problems().filter(infeasible))
def test_property_printed_advice_gives_a_plan_highs(problem: Problem) -> None:
    check_advice(problem, "highs")


@property_settings(15)
@given(sourcing_problems().filter(infeasible))
def test_property_printed_advice_gives_a_plan_cbc(problem: Problem) -> None:
    check_advice(problem, "cbc")


def test_property_models_are_of_every_kind() -> None:
    """The random models of the property test are not degenerate: infeasible ones come with
    each limit, integer features and a shortfall penalty, and their printed advice moves
    values of many kinds (here drawn with Python's own generator, seeds 0 to 59)."""
    found = [random_problem(random.Random(seed).choice) for seed in range(60)]
    sample = [problem for problem in found if infeasible(problem)]
    assert len(sample) >= 30
    kinds: set[str] = set()
    for problem in sample:
        materials = problem.materials.values()
        setting = problem.settings
        kinds |= {
            kind
            for kind, present in {
                "default country cap": setting.max_country_share < 1,
                "material's country cap": any(
                    "max_country_share" not in m.defaulted and m.max_country_share < 1
                    for m in materials
                ),
                "country's own cap": any(c.max_share for c in problem.countries.values()),
                "supplier cap": any(m.max_supplier_share < 1 for m in materials),
                "group cap": any(g.max_share for g in problem.groups.values()),
                "group floor": any(g.min_share for g in problem.groups.values()),
                "risk cap": any(m.max_avg_risk is not None for m in materials),
                "spend cap": ties_materials(problem),
                "zero capacity": any(o.capacity == 0 for o in problem.offers),
                "embargo": any(o.embargoed for o in problem.offers),
                "minimum order": any(o.min_order for o in problem.offers),
                "fixed cost": any(o.fixed_cost for o in problem.offers),
                "supplier count": any(m.max_suppliers for m in materials),
                "shortfall penalty": setting.shortfall_penalty is not None,
                "country loss": "country" in setting.survive,
                "supplier loss": "supplier" in setting.survive,
                "material's min_cover": any("min_cover" not in m.defaulted for m in materials),
                "reservation": any(o.reserve_price for o in problem.offers) and setting.survive,
                "stock cost": any(m.stock_cost for m in materials) and setting.survive,
            }.items()
            if present
        }
    assert len(kinds) == 19, kinds
    advised = {
        (change.sheet, change.column)
        for problem in sample[:20]
        for verdict in explain(problem, "highs", TIME_LIMIT).verdicts
        for advice in verdict.advice
        for change in advice.changes
    }
    assert len(advised) >= 8, advised
