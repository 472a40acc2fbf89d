"""The contract's newer inputs, the reader's part (issues 13, 14 and 15): currencies and the Rates
sheet, units, origin, price tiers, resilience and award rules, and the new settings, also as
overrides of `optimizer.solve`.

Workbooks are built in memory as the reader delivers them (`Sheet`, `Workbook`), so that each
test states exactly which cells hold what.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

import optimizer
from optimizer.contract.diagnostics import InvalidWorkbook, Level
from optimizer.contract.problem import Offer, Problem
from optimizer.contract.rules import offer_risk
from optimizer.reading.validate import validate
from optimizer.reading.workbook import Sheet, Workbook

Rows = list[list[Any]]
ERROR, WARNING, INFO = Level.ERROR, Level.WARNING, Level.INFO
OFFERS = ["supplier", "country", "material", "unit_price", "capacity", "risk"]  # columns A..F


def base() -> dict[str, Rows]:
    """A valid workbook without diagnostics: two offers of Ga, in the workbook's currency."""
    return {
        "Offers": [
            [*OFFERS],
            ["ChinaCo", "China", "Ga", 10, 100, 60],
            ["JapanCo", "Japan", "Ga", 12, 300, 10],
        ],
        "Demand": [["material", "quantity"], ["Ga", 100]],
    }


def with_column(sheets: dict[str, Rows], sheet: str, name: str, *values: Any) -> dict[str, Rows]:
    """`sheets` with a column `name` added to `sheet`, its cells `values` from row 2 on (blank
    after them)."""
    rows = sheets[sheet]
    rows[0].append(name)
    for i, row in enumerate(rows[1:]):
        row.append(values[i] if i < len(values) else None)
    return sheets


def book(sheets: dict[str, Rows]) -> Workbook:
    return Workbook(
        list(sheets), {name: Sheet(name, rows, False, ()) for name, rows in sheets.items()}
    )


def outcome(
    sheets: dict[str, Rows], **overrides: Any
) -> tuple[Problem | None, list[tuple[Level, str, str]]]:
    """The problem (None when invalid) and every diagnostic as (level, Sheet!Cell, message)."""
    try:
        problem, found = validate(book(sheets), overrides)
    except InvalidWorkbook as invalid:
        problem, found = None, invalid.diagnostics
    return problem, [(d.level, f"{d.sheet}!{d.cell}", d.message) for d in found]


def diagnostics(sheets: dict[str, Rows], **overrides: Any) -> list[tuple[Level, str, str]]:
    return outcome(sheets, **overrides)[1]


def solved(sheets: dict[str, Rows], **overrides: Any) -> Problem:
    problem, found = outcome(sheets, **overrides)
    assert problem is not None, found
    return problem


def offer(problem: Problem, supplier: str) -> Offer:
    return next(o for o in problem.offers if o.supplier == supplier)


def test_a_workbook_without_the_new_columns_gets_their_defaults() -> None:
    problem = solved(base())

    china = offer(problem, "ChinaCo")
    assert (china.origin, china.currency, china.reserve_price, china.co2) == (
        None,
        None,
        None,
        None,
    )
    assert (china.tiers, china.rows, china.row) == ((), (), 2)
    ga = problem.materials["Ga"]
    assert (ga.unit, ga.whole, ga.stock, ga.stock_cost, ga.max_stock, ga.min_cover) == (
        None,
        False,
        0.0,
        None,
        None,
        1.0,
    )
    assert (ga.min_award, ga.min_countries, ga.max_avg_co2) == (None, None, None)
    settings = problem.settings
    assert (settings.currency, settings.survive, settings.min_cover) == (None, (), 1.0)
    assert (settings.country_floor, settings.discount) == (0.05, "all_units")
    assert problem.rates == {}


# --- currencies and the Rates sheet ----------------------------------------------------------


def euro_sheets() -> dict[str, Rows]:
    """A USD workbook whose Japanese offer is priced in euros, at 1.08 dollars a euro."""
    sheets = base()
    sheets["Offers"] = [
        [*OFFERS, "freight", "fixed_cost", "reserve_price", "currency"],
        ["ChinaCo", "China", "Ga", 10, 100, 60, 1, None, None, None],
        ["JapanCo", "Japan", "Ga", 12.5, 300, 10, 2, 100, 3, " eur "],
    ]
    sheets["Settings"] = [["setting", "value"], ["currency", "USD"]]
    sheets["Rates"] = [["currency", "rate"], ["EUR", 1.08]]
    return sheets


def test_every_money_column_of_an_offer_is_converted_into_the_workbooks_currency() -> None:
    problem = solved(euro_sheets())

    japan = offer(problem, "JapanCo")
    assert japan.currency == "eur"  # the code as given
    assert japan.unit_price == pytest.approx(12.5 * 1.08)
    assert japan.freight == pytest.approx(2 * 1.08)
    assert japan.fixed_cost == pytest.approx(100 * 1.08)
    assert japan.reserve_price == pytest.approx(3 * 1.08)
    assert japan.landed_unit_cost == pytest.approx((12.5 + 2) * 1.08)
    china = offer(problem, "ChinaCo")  # blank: the workbook's currency, as given
    assert (china.currency, china.unit_price, china.freight) == (None, 10.0, 1.0)
    assert problem.settings.currency == "USD"
    assert problem.rates == {"EUR": 1.08}


def test_an_offer_in_the_workbooks_own_currency_needs_no_rate() -> None:
    sheets = euro_sheets()
    sheets["Offers"][1][-1] = "usd"
    sheets["Rates"].append(["Usd", 1])

    problem = solved(sheets)

    assert offer(problem, "ChinaCo").unit_price == 10.0


def test_an_offer_currency_without_a_rate_is_an_error_at_its_first_cell() -> None:
    sheets = euro_sheets()
    sheets["Offers"].append(["KoreaCo", "Korea", "Ga", 900, None, 20, None, None, None, "JPY"])
    sheets["Offers"].append(["TaiwanCo", "Taiwan", "Ga", 950, None, 20, None, None, None, "jpy"])

    assert diagnostics(sheets) == [
        (
            ERROR,
            "Offers!J4",
            "currency 'JPY' has no rate (2 rows name it; this is the first); add it to the Rates "
            "sheet with the value of one JPY in USD.",
        )
    ]


def test_without_a_rates_sheet_the_error_says_to_add_one() -> None:
    sheets = euro_sheets()
    del sheets["Rates"]

    assert diagnostics(sheets) == [
        (
            ERROR,
            "Offers!J3",
            "currency 'eur' has no rate; add it to a Rates sheet (currency, rate) with the value "
            "of one eur in USD.",
        )
    ]


@pytest.mark.parametrize(("rate", "found"), [(0, "0"), (-1.08, "-1.08")])
def test_a_rate_of_zero_or_below_is_an_error(rate: float, found: str) -> None:
    sheets = euro_sheets()
    sheets["Rates"][1][1] = rate

    assert diagnostics(sheets) == [
        (ERROR, "Rates!B2", f"rate is {found}; expected a number above 0."),
    ]


def test_currencies_named_without_the_workbooks_currency_are_errors_at_their_cells() -> None:
    sheets = euro_sheets()
    del sheets["Settings"]

    assert diagnostics(sheets) == [
        (
            ERROR,
            "Rates!A2",
            "currency 'EUR' has a rate, but Settings gives no currency for the workbook; add the "
            "setting currency (e.g. USD), the currency the rates convert into.",
        ),
        (
            ERROR,
            "Offers!J3",
            "currency 'eur' is named, but Settings gives no currency for the workbook; add the "
            "setting currency (e.g. USD), the currency every amount is converted into.",
        ),
    ]


def test_a_rate_for_the_workbooks_own_currency_must_say_1() -> None:
    sheets = euro_sheets()
    sheets["Rates"].append([" usd", 0.93])

    assert diagnostics(sheets) == [
        (
            ERROR,
            "Rates!B3",
            "rate is 0.93, but 'usd' is the workbook's own currency (Settings currency); its rate "
            "must be 1.",
        )
    ]


def test_a_currency_with_two_rates_is_an_error() -> None:
    sheets = euro_sheets()
    sheets["Rates"].append(["Eur", 1.1])

    assert diagnostics(sheets) == [
        (
            ERROR,
            "Rates!A3",
            "currency 'Eur' appears again (first in Rates!A2 as 'EUR'); give each currency one "
            "rate.",
        )
    ]


def test_a_number_is_no_currency_code() -> None:
    sheets = euro_sheets()
    sheets["Offers"][2][-1] = 1.08

    assert diagnostics(sheets) == [
        (ERROR, "Offers!J3", "currency is 1.08; expected a currency code such as USD."),
    ]


def test_a_price_tier_in_another_currency_is_converted_too() -> None:
    sheets = euro_sheets()
    with_column(sheets, "Offers", "tier_from", None, None)
    sheets["Offers"].append(["JapanCo", None, "Ga", 10, None, None, None, None, None, None, 200])

    japan = offer(solved(sheets), "JapanCo")

    assert japan.tiers == (
        (0.0, pytest.approx(12.5 * 1.08)),
        (200.0, pytest.approx(10 * 1.08)),
    )
    assert japan.unit_price == pytest.approx(12.5 * 1.08)


# --- units -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("unit", "whole"),
    [
        ("pcs", True),
        ("PCS", True),
        (" Pieces ", True),
        ("units", True),
        ("ea", True),
        ("t", False),
        ("kg", False),
        (None, False),
    ],
)
def test_pieces_mean_whole_units(unit: str | None, whole: bool) -> None:
    sheets = with_column(base(), "Demand", "unit", unit)

    ga = solved(sheets).materials["Ga"]

    assert ga.whole is whole
    assert ga.unit == (unit.strip() if unit else None)


def test_a_fractional_quantity_of_pieces_is_an_error() -> None:
    sheets = with_column(base(), "Demand", "unit", "pcs")
    sheets["Demand"][1][1] = 7.5

    assert diagnostics(sheets) == [
        (
            ERROR,
            "Demand!B2",
            "quantity is 7.5, but 'Ga' is counted in pcs (whole units); give a whole number.",
        )
    ]


def test_fractional_stock_of_pieces_is_an_error_at_its_cell() -> None:
    sheets = with_column(base(), "Demand", "unit", "pcs")
    sheets = with_column(sheets, "Demand", "stock", 0.3)
    sheets = with_column(sheets, "Demand", "max_stock", 2)

    found = diagnostics(sheets)

    assert [(level, cell) for level, cell, _ in found if level is ERROR] == [(ERROR, "Demand!D2")]
    assert (
        "stock is 0.3, but 'Ga' is counted in pcs (whole units); give a whole number."
        in found[0][2]
    )


def test_a_header_unit_other_than_the_materials_unit_is_a_warning_at_the_header() -> None:
    sheets = with_column(base(), "Demand", "unit", "t")
    sheets["Offers"][0][4] = "Capacity (kg)"
    sheets["Demand"][0][1] = "Quantity (tonnes)"  # the same unit as t

    problem, found = outcome(sheets)

    assert problem is not None
    assert problem.offers[0].capacity == 100.0  # a note, never a conversion
    assert found == [
        (
            WARNING,
            "Offers!E1",
            "capacity's header gives the unit kg, but Demand counts every material in t; "
            "quantities are read in each material's own unit (Demand.unit), never converted by a "
            "header. Check the numbers, then correct the header or the unit.",
        )
    ]


def test_with_materials_in_several_units_a_header_unit_names_the_others() -> None:
    sheets = with_column(base(), "Demand", "unit", "t", "pcs")
    sheets["Demand"].append(["Ge", 5, "pcs"])
    sheets["Offers"].append(["JapanCo", "Japan", "Ge", 50, 10, 10])
    sheets["Offers"][0][3] = "Unit Price [USD/t]"

    assert diagnostics(sheets) == [
        (
            WARNING,
            "Offers!D1",
            "unit_price's header gives the unit t, but Demand counts 'Ge' in pcs; quantities are "
            "read in each material's own unit (Demand.unit), never converted by a header. Check "
            "the numbers, then correct the header or the unit.",
        )
    ]


def test_a_note_that_is_no_unit_is_not_compared() -> None:
    sheets = with_column(base(), "Demand", "unit", "t")
    sheets["Offers"][0][4] = "Capacity (per year)"

    assert diagnostics(sheets) == []


def test_a_header_currency_other_than_the_rows_is_a_warning_at_the_header() -> None:
    sheets = euro_sheets()
    sheets["Offers"][0][3] = "Unit Price [USD/kg]"
    sheets["Offers"][0][7] = "Fixed Cost (EUR)"

    assert diagnostics(sheets) == [
        (
            WARNING,
            "Offers!D1",
            "unit_price's header gives the currency USD, but offers here are priced in eur; "
            "amounts are read in each offer's own currency (Offers.currency, blank = the "
            "workbook's), never converted by a header. Check the numbers, then correct the "
            "header or the currency.",
        ),
        (
            WARNING,
            "Offers!H1",
            "fixed_cost's header gives the currency EUR, but offers here are priced in USD; "
            "amounts are read in each offer's own currency (Offers.currency, blank = the "
            "workbook's), never converted by a header. Check the numbers, then correct the "
            "header or the currency.",
        ),
    ]


def test_a_header_currency_that_agrees_is_quiet() -> None:
    sheets = base()
    sheets["Offers"][0][3] = "Unit Price [usd/kg]"
    sheets["Settings"] = [["setting", "value"], ["currency", "USD"]]

    assert diagnostics(sheets) == []


# --- origin ----------------------------------------------------------------------------------


def origin_sheets() -> dict[str, Rows]:
    """Japan's offer of Ga was first produced in China."""
    sheets = with_column(base(), "Offers", "origin", None, " china ")
    sheets["Offers"][1][5] = sheets["Offers"][2][5] = None  # risk: the countries'
    sheets["Countries"] = [["country", "risk", "embargo"], ["China", 70, None], ["Japan", 10, None]]
    return sheets


def test_origin_is_a_country_name_and_blank_means_the_country() -> None:
    problem = solved(origin_sheets())

    assert offer(problem, "ChinaCo").origin is None
    assert offer(problem, "JapanCo").origin == "China"  # spelt as at its first appearance


def test_an_origin_equal_to_the_country_is_blank() -> None:
    sheets = origin_sheets()
    sheets["Offers"][1][-1] = "CHINA"

    assert offer(solved(sheets), "ChinaCo").origin is None


def test_blank_risk_is_the_higher_of_the_countrys_and_the_origins() -> None:
    problem = solved(origin_sheets())

    assert offer(problem, "JapanCo").risk == 70.0  # Japan 10, its origin China 70
    assert offer(problem, "ChinaCo").risk == 70.0


def test_offer_risk_is_nan_aware() -> None:
    nan = float("nan")
    assert offer_risk(nan, 10.0, 70.0) == 70.0
    assert offer_risk(nan, 10.0, nan) == 10.0
    assert offer_risk(nan, nan, 70.0) == 70.0
    assert offer_risk(5.0, 10.0, 70.0) == 5.0


def test_an_embargoed_origin_embargoes_the_offer() -> None:
    sheets = origin_sheets()
    sheets["Countries"][1][2] = "yes"

    problem = solved(sheets)

    assert offer(problem, "JapanCo").embargoed
    assert offer(problem, "ChinaCo").embargoed


def test_an_origin_not_in_countries_gets_what_an_unlisted_country_gets() -> None:
    sheets = origin_sheets()
    sheets["Offers"][2][-1] = "Kazakhstan"
    sheets["Offers"].append(["KoreaCo", "Japan", "Ga", 13, 10, 10, "Chna"])

    assert diagnostics(sheets) == [
        (
            ERROR,
            "Offers!G4",
            "origin 'Chna' is not in the Countries sheet (did you mean 'China'?); correct the "
            "spelling or add the country there.",
        ),
        (
            INFO,
            "Offers!G3",
            "origin 'Kazakhstan' is not in the Countries sheet; only the default limits apply to "
            "it.",
        ),
    ]


def test_a_scenario_may_name_a_country_that_is_only_an_origin() -> None:
    sheets = origin_sheets()
    del sheets["Countries"]
    sheets["Offers"][2][-1] = "Kazakhstan"
    sheets["Scenarios"] = [["scenario", "country"], ["Ban", "kazakhstan"]]

    problem = solved(sheets)

    assert problem.scenarios[0].disruptions[0].country == "Kazakhstan"


# --- price tiers -----------------------------------------------------------------------------


def tier_sheets() -> dict[str, Rows]:
    """ChinaCo's offer in three price tiers, the later rows giving only their price."""
    sheets = with_column(base(), "Offers", "tier_from", None, None)
    sheets["Offers"][1:2] = [
        ["ChinaCo", "China", "Ga", 10, 100, 60, None],
        ["ChinaCo", None, "Ga", 8, None, None, 500],
        ["chinaco", None, "GA", 9, None, None, 200],
    ]
    return sheets


def test_rows_of_one_pair_with_different_tier_from_are_one_offer() -> None:
    problem = solved(tier_sheets())

    assert [o.supplier for o in problem.offers] == ["ChinaCo", "JapanCo"]
    china = problem.offers[0]
    assert china.tiers == ((0.0, 10.0), (200.0, 9.0), (500.0, 8.0))
    assert china.unit_price == 10.0  # its first tier's
    assert (china.row, china.rows) == (2, (3, 4))
    assert (china.country, china.capacity) == ("China", 100.0)  # given on its first row only
    japan = problem.offers[1]
    assert (japan.index, japan.tiers, japan.rows, japan.row) == (1, (), (), 5)


def test_an_offers_shared_values_may_stand_on_any_of_its_rows() -> None:
    sheets = tier_sheets()
    sheets["Offers"][1][1:5:3] = [None, None]  # country and capacity on a later row
    sheets["Offers"][3][1:5:3] = ["China", 100]

    china = solved(sheets).offers[0]

    assert (china.country, china.capacity, china.row) == ("China", 100.0, 2)


def test_a_freight_on_a_later_tier_row_is_the_offers_and_blank_everywhere_is_0() -> None:
    sheets = with_column(tier_sheets(), "Offers", "freight", None, 1.5, None, None)

    china, japan = solved(sheets).offers

    assert (china.freight, japan.freight) == (1.5, 0.0)


def test_a_price_rising_with_the_quantity_is_an_error_at_its_cell() -> None:
    sheets = tier_sheets()
    sheets["Offers"][3][3] = 10.5  # from 200

    assert diagnostics(sheets) == [
        (
            ERROR,
            "Offers!D4",
            "unit_price 10.5 from tier_from 200 is above 10 from tier_from 0 (Offers!D2); a price "
            "tier may not cost more per unit than a lower one.",
        )
    ]


def test_a_first_tier_above_0_is_an_error_at_its_cell() -> None:
    sheets = tier_sheets()
    sheets["Offers"][1][6] = 50

    assert diagnostics(sheets) == [
        (
            ERROR,
            "Offers!G2",
            "tier_from is 50, the lowest of this offer's price tiers, but an offer's first price "
            "tier must start at 0 (type 0 or leave it blank), or below 50 it has no price.",
        )
    ]


def test_a_single_offer_from_a_quantity_above_0_is_an_error_too() -> None:
    sheets = with_column(base(), "Offers", "tier_from", None, 20)

    assert diagnostics(sheets) == [
        (
            ERROR,
            "Offers!G3",
            "tier_from is 20 but an offer's first price tier must start at 0 (type 0 or leave it "
            "blank), or below 20 it has no price.",
        )
    ]


def test_a_single_offer_from_0_has_no_tiers() -> None:
    sheets = with_column(base(), "Offers", "tier_from", 0, None)

    assert [o.tiers for o in solved(sheets).offers] == [(), ()]


def test_different_values_across_an_offers_rows_are_an_error_at_the_later_cell() -> None:
    sheets = tier_sheets()
    sheets["Offers"][3][4] = 120  # capacity 100 in row 2
    sheets["Offers"][2][1] = "Japan"  # country China in row 2

    assert diagnostics(sheets) == [
        (
            ERROR,
            "Offers!B3",
            "country is 'Japan', but Offers!B2 of the same offer ('ChinaCo', 'Ga') says 'China'; "
            "the price tiers of one offer share every column but unit_price and tier_from: give "
            "its country on one row and leave it blank on the others.",
        ),
        (
            ERROR,
            "Offers!E4",
            "capacity is 120, but Offers!E2 of the same offer ('chinaco', 'GA') says 100; the "
            "price tiers of one offer share every column but unit_price and tier_from: give its "
            "capacity on one row and leave it blank on the others.",
        ),
    ]


def test_the_same_value_repeated_on_an_offers_rows_is_no_conflict() -> None:
    sheets = tier_sheets()
    sheets["Offers"][2][1] = "CHINA"
    sheets["Offers"][2][4] = 100

    assert solved(sheets).offers[0].capacity == 100.0


def test_an_offer_without_a_country_on_any_row_is_an_error() -> None:
    sheets = tier_sheets()
    sheets["Offers"][1][1] = None

    assert diagnostics(sheets) == [
        (
            ERROR,
            "Offers!B2",
            "country is blank in every row of this offer (rows 2, 3 and 4); expected a name in "
            "one of them.",
        )
    ]


def test_a_blank_country_of_a_single_offer_keeps_its_message() -> None:
    sheets = tier_sheets()
    sheets["Offers"][4][1] = None

    assert diagnostics(sheets) == [(ERROR, "Offers!B5", "country is blank; expected a name.")]


def test_the_same_pair_with_the_same_tier_from_is_a_duplicate() -> None:
    sheets = tier_sheets()
    sheets["Offers"].append(["ChinaCo", None, "Ga", 7, None, None, 200])

    assert diagnostics(sheets) == [
        (
            ERROR,
            "Offers!A6",
            "supplier 'ChinaCo' already offers 'Ga' with tier_from 200 in Offers!A4 (as 'chinaco' "
            "and 'GA'); each price tier of an offer needs its own tier_from (blank means 0).",
        )
    ]


def test_a_blank_tier_from_and_0_are_the_same_tier() -> None:
    sheets = tier_sheets()
    sheets["Offers"].append(["ChinaCo", None, "Ga", 7, None, None, 0])

    assert diagnostics(sheets) == [
        (
            ERROR,
            "Offers!A6",
            "supplier 'ChinaCo' already offers 'Ga' with tier_from 0 in Offers!A2; each price tier "
            "of an offer needs its own tier_from (blank means 0).",
        )
    ]


def test_the_same_pair_without_tier_from_keeps_the_duplicate_error() -> None:
    sheets = with_column(base(), "Offers", "tier_from", None, None)
    sheets["Offers"].append(["ChinaCo", "China", "Ga", 9, 100, 60, None])

    assert diagnostics(sheets) == [
        (
            ERROR,
            "Offers!A4",
            "supplier 'ChinaCo' already offers 'Ga' in Offers!A2; each (supplier, material) pair "
            "may appear only once.",
        )
    ]


# --- resilience ------------------------------------------------------------------------------


def test_resilience_columns_are_read() -> None:
    sheets = with_column(base(), "Offers", "reserve_price", None, 0.5)
    with_column(sheets, "Demand", "stock", None)
    with_column(sheets, "Demand", "stock_cost", 2)
    with_column(sheets, "Demand", "max_stock", None)
    sheets["Demand"].append(["Ge", 10, 4, 3, 6])
    sheets["Offers"].append(["JapanCo", "Japan", "Ge", 50, 10, 10, None])

    problem = solved(sheets)

    assert [o.reserve_price for o in problem.offers] == [None, 0.5, None]
    ga, ge = problem.materials["Ga"], problem.materials["Ge"]
    assert (ga.stock, ga.stock_cost, ga.max_stock) == (0.0, 2.0, None)
    assert (ge.stock, ge.stock_cost, ge.max_stock) == (4.0, 3.0, 6.0)


@pytest.mark.parametrize(
    ("sheet", "column", "value", "cell", "message"),
    [
        (
            "Offers",
            "reserve_price",
            -1,
            "G2",
            "reserve_price is -1; expected a number of 0 or more.",
        ),
        ("Demand", "stock", -5, "C2", "stock is -5; expected a number of 0 or more."),
        ("Demand", "stock_cost", -1, "C2", "stock_cost is -1; expected a number of 0 or more."),
        (
            "Demand",
            "max_stock",
            "lots",
            "C2",
            "max_stock is 'lots', which is not a number; expected a number of 0 or more.",
        ),
        (
            "Demand",
            "min_cover",
            80,
            "C2",
            "min_cover is 80, above 1; shares are fractions: write 80% (or 0.8).",
        ),
    ],
)
def test_resilience_values_out_of_range_are_errors(
    sheet: str, column: str, value: Any, cell: str, message: str
) -> None:
    sheets = with_column(base(), sheet, column, value)

    assert diagnostics(sheets) == [(ERROR, f"{sheet}!{cell}", message)]


def test_min_cover_is_the_materials_own_else_the_settings() -> None:
    sheets = with_column(base(), "Demand", "min_cover", None)
    sheets["Demand"].append(["Ge", 10, "60%"])
    sheets["Offers"].append(["JapanCo", "Japan", "Ge", 50, 10, 10])
    sheets["Settings"] = [["setting", "value"], ["min_cover", "80%"]]

    problem = solved(sheets)

    assert problem.settings.min_cover == 0.8
    assert problem.materials["Ga"].min_cover == 0.8
    assert "min_cover" in problem.materials["Ga"].defaulted  # its value stands in Settings
    assert problem.materials["Ge"].min_cover == 0.6
    assert "min_cover" not in problem.materials["Ge"].defaulted


def test_a_max_stock_without_a_stock_cost_is_a_warning() -> None:
    sheets = with_column(base(), "Demand", "max_stock", 10)

    assert diagnostics(sheets) == [
        (
            WARNING,
            "Demand!C2",
            "max_stock has no effect: 'Ga' has no stock_cost, so no stock can be added.",
        )
    ]


@pytest.mark.parametrize(
    ("written", "words"),
    [
        ("country", ("country",)),
        ("Country, SUPPLIER", ("country", "supplier")),
        (" supplier ,country,supplier ", ("supplier", "country")),
        ("scenarios, country", ("scenarios", "country")),
    ],
)
def test_survive_is_one_or_more_words_in_the_order_given(
    written: str, words: tuple[str, ...]
) -> None:
    sheets = base()
    sheets["Settings"] = [["setting", "value"], ["survive", written]]
    sheets["Scenarios"] = [["scenario", "country"], ["Ban", "China"]]

    assert solved(sheets).settings.survive == words


@pytest.mark.parametrize(
    ("written", "message"),
    [
        (
            "country, contry",
            "survive names 'contry', which is not one of its choices (did you mean 'country'?); "
            "expected one or more of country, supplier, scenarios, separated by commas.",
        ),
        (
            "country; supplier",
            "survive names 'country; supplier', which is not one of its choices; expected one or "
            "more of country, supplier, scenarios, separated by commas.",
        ),
        (
            "port, strike",
            "survive names 'port' and 'strike', which are not one of its choices; expected one "
            "or more of country, supplier, scenarios, separated by commas.",
        ),
        (
            ",",
            "survive is ','; expected one or more of country, supplier, scenarios, separated by "
            "commas.",
        ),
        (
            3,
            "survive is 3; expected one or more of country, supplier, scenarios, separated by "
            "commas.",
        ),
    ],
)
def test_survive_with_another_word_is_an_error_at_its_cell(written: Any, message: str) -> None:
    sheets = base()
    sheets["Settings"] = [["setting", "value"], ["survive", written]]

    assert diagnostics(sheets) == [(ERROR, "Settings!B2", message)]


@pytest.mark.parametrize("scenarios", [None, [["scenario", "country"]]])
def test_survive_scenarios_without_scenario_rows_is_an_error_at_its_cell(
    scenarios: Rows | None,
) -> None:
    sheets = base()
    sheets["Settings"] = [["setting", "value"], ["time_limit", 30], ["survive", "scenarios"]]
    if scenarios is not None:
        sheets["Scenarios"] = scenarios

    assert diagnostics(sheets) == [
        (
            ERROR,
            "Settings!B3",
            "survive names scenarios, but the workbook has no Scenarios rows; add them to a "
            "Scenarios sheet, or remove scenarios from survive.",
        )
    ]


# --- award rules -----------------------------------------------------------------------------


def test_award_rules_are_read() -> None:
    sheets = with_column(base(), "Offers", "co2", 12, 3.5)
    with_column(sheets, "Demand", "min_award", "20%")
    with_column(sheets, "Demand", "min_countries", 2)
    with_column(sheets, "Demand", "max_avg_co2", 8)
    sheets["Settings"] = [
        ["setting", "value"],
        ["country_floor", 0.1],
        ["discount", " Incremental "],
    ]

    problem = solved(sheets)

    ga = problem.materials["Ga"]
    assert (ga.min_award, ga.min_countries, ga.max_avg_co2) == (0.2, 2, 8.0)
    assert [o.co2 for o in problem.offers] == [12.0, 3.5]
    assert (problem.settings.country_floor, problem.settings.discount) == (0.1, "incremental")


@pytest.mark.parametrize(
    ("sheet", "column", "value", "message"),
    [
        (
            "Demand",
            "min_award",
            30,
            "min_award is 30, above 1; shares are fractions: write 30% (or 0.3).",
        ),
        ("Demand", "min_countries", 0, "min_countries is 0; expected a whole number of 1 or more."),
        (
            "Demand",
            "min_countries",
            1.5,
            "min_countries is 1.5; expected a whole number of 1 or more.",
        ),
        ("Demand", "max_avg_co2", -2, "max_avg_co2 is -2; expected a number of 0 or more."),
        ("Offers", "co2", -1, "co2 is -1; expected a number of 0 or more."),
    ],
)
def test_award_values_out_of_range_are_errors(
    sheet: str, column: str, value: Any, message: str
) -> None:
    sheets = with_column(base(), sheet, column, value)
    cell = "G2" if sheet == "Offers" else "C2"

    assert diagnostics(sheets) == [(ERROR, f"{sheet}!{cell}", message)]


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("discount", "bulk", "discount is 'bulk'; expected all_units or incremental."),
        (
            "country_floor",
            5,
            "country_floor is 5, above 1; shares are fractions: write 5% (or 0.05).",
        ),
        (
            "min_cover",
            -0.5,
            "min_cover is -0.5; expected a share from 0% to 100% (or a fraction from 0 to 1).",
        ),
        ("currency", 42, "currency is 42; expected a currency code such as USD."),
    ],
)
def test_new_settings_out_of_range_are_errors(setting: str, value: Any, message: str) -> None:
    sheets = base()
    sheets["Settings"] = [["setting", "value"], [setting, value]]

    assert diagnostics(sheets) == [(ERROR, "Settings!B2", message)]


def test_a_blank_co2_is_an_error_when_its_material_has_a_co2_cap() -> None:
    sheets = with_column(base(), "Offers", "co2", 12, None)
    with_column(sheets, "Demand", "max_avg_co2", 8)
    sheets["Demand"].append(["Ge", 10, None])
    sheets["Offers"].append(["JapanCo", "Japan", "Ge", 50, 10, 10, None])  # Ge has no cap

    assert diagnostics(sheets) == [
        (
            ERROR,
            "Offers!G3",
            "co2 is blank, but 'Ga' has a max_avg_co2; give this offer's emissions per unit.",
        )
    ]


def test_a_co2_cap_without_a_co2_column_is_an_error_at_the_cap() -> None:
    sheets = with_column(base(), "Demand", "max_avg_co2", 8)

    assert diagnostics(sheets) == [
        (
            ERROR,
            "Demand!C2",
            "max_avg_co2 of 'Ga' needs the co2 of each of its offers, but the Offers sheet has no "
            "co2 column; add one with each offer's emissions per unit.",
        )
    ]


# --- the new settings as overrides -------------------------------------------------------------


def frames(sheets: dict[str, Rows]) -> dict[str, pd.DataFrame]:
    """`sheets` as DataFrames whose columns are the header row."""
    return {name: pd.DataFrame(rows[1:], columns=rows[0]) for name, rows in sheets.items()}


def test_new_settings_are_overrides_of_solve() -> None:
    result = optimizer.solve(
        frames(base()),
        survive="country",
        min_cover=0.5,
        country_floor="10%",
        discount="Incremental",
        currency=" USD ",
    )

    assert result.status != "invalid", result.message
    summary = result.summary
    assert summary["setting: survive"] == "country"
    assert summary["setting: min_cover"] == 0.5
    assert summary["setting: country_floor"] == 0.1
    assert summary["setting: discount"] == "incremental"
    assert summary["setting: currency"] == "USD"


def test_an_override_wins_over_the_settings_sheet() -> None:
    sheets = base()
    sheets["Settings"] = [["setting", "value"], ["survive", "supplier"], ["min_cover", 0.9]]

    problem = solved(sheets, survive=["country", "Supplier"], min_cover=0.5)

    assert problem.settings.survive == ("country", "supplier")
    assert (problem.settings.min_cover, problem.materials["Ga"].min_cover) == (0.5, 0.5)
    assert problem.sources.setting("survive") is None  # the run's value, not the sheet's


@pytest.mark.parametrize(
    ("override", "message"),
    [
        (
            {"survive": "scenarios"},
            "survive given for this run names scenarios, but the workbook has no Scenarios rows; "
            "add them to a Scenarios sheet, or remove scenarios from survive.",
        ),
        (
            {"survive": "countries"},
            "survive given for this run names 'countries', which is not one of its choices (did "
            "you mean 'country'?); expected one or more of country, supplier, scenarios, "
            "separated by commas.",
        ),
        (
            {"discount": "bulk"},
            "discount given for this run is 'bulk'; expected all_units or incremental.",
        ),
    ],
)
def test_a_bad_override_of_a_new_setting_makes_the_result_invalid(
    override: dict[str, Any], message: str
) -> None:
    result = optimizer.solve(frames(base()), **override)

    assert result.status == "invalid"
    assert result.message == message


def test_an_empty_survive_override_drops_the_workbooks() -> None:
    sheets = base()
    sheets["Settings"] = [["setting", "value"], ["survive", "country"]]

    assert solved(sheets, survive="").settings.survive == ()
