"""Issue 11 ("Trust"), the validator's part: headers with units and close names, names that
match ignoring case and spaces (and look-alikes that are errors), every mistake of a workbook
in one run, totals rows, text cut to Excel's limit and Excel error values.

Workbooks are built in memory as the reader delivers them (`Sheet`, `Workbook`), so that each
test states exactly which cells hold what.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optimizer.contract.diagnostics import Diagnostic, InvalidWorkbook, Level
from optimizer.contract.problem import Problem
from optimizer.contract.schema import EXCEL_MAX_TEXT, SHEETS, Kind
from optimizer.reading import names
from optimizer.reading.cells import CONVERTERS, CellProblem, Cells, convert_column, to_percent
from optimizer.reading.names import name_key, name_keys, skeleton, suspects
from optimizer.reading.validate import Collector, _find_tables, validate
from optimizer.reading.workbook import FORMULA_WITHOUT_VALUE, CellError, Sheet, Workbook

Rows = list[list[Any]]
ERROR, WARNING, INFO = Level.ERROR, Level.WARNING, Level.INFO
CYRILLIC_C = "\N{CYRILLIC CAPITAL LETTER ES}"
CYRILLIC_A = "\N{CYRILLIC SMALL LETTER A}"
NBSP = "\N{NO-BREAK SPACE}"
ZWSP = "\N{ZERO WIDTH SPACE}"


def base() -> dict[str, Rows]:
    """A valid workbook without diagnostics: two offers of Ga, China embargoed."""
    return {
        "Offers": [
            ["supplier", "country", "material", "unit_price", "capacity", "risk"],
            ["ChinaCo", "China", "Ga", 10, 100, 60],
            ["JapanCo", "Japan", "Ga", 12, 300, 10],
        ],
        "Demand": [["material", "quantity", "max_country_share"], ["Ga", 100, 0.6]],
        "Countries": [
            ["country", "embargo", "group"],
            ["China", "yes", "FEOC"],
            ["Japan", None, "G7"],
        ],
        "Groups": [["group", "max_share"], ["FEOC", 0.5], ["G7", None]],
    }


def book(sheets: dict[str, Rows], totals: dict[str, tuple[int, ...]] | None = None) -> Workbook:
    totals = totals or {}
    return Workbook(
        list(sheets),
        {name: Sheet(name, rows, False, totals.get(name, ())) for name, rows in sheets.items()},
    )


def outcome(
    sheets: dict[str, Rows], totals: dict[str, tuple[int, ...]] | None = None
) -> tuple[Problem | None, list[tuple[Level, str, str]]]:
    """The problem (None when invalid) and every diagnostic as (level, Sheet!Cell, message)."""
    try:
        problem, diagnostics = validate(book(sheets, totals))
    except InvalidWorkbook as invalid:
        problem, diagnostics = None, invalid.diagnostics
    return problem, [shown(d) for d in diagnostics]


def shown(d: Diagnostic) -> tuple[Level, str, str]:
    return d.level, f"{d.sheet}!{d.cell}", d.message


def diagnostics(sheets: dict[str, Rows], **kwargs: Any) -> list[tuple[Level, str, str]]:
    return outcome(sheets, **kwargs)[1]


def solved(sheets: dict[str, Rows]) -> Problem:
    problem, found = outcome(sheets)
    assert problem is not None, found
    return problem


def test_the_base_workbook_is_valid_and_quiet() -> None:
    assert outcome(base())[1] == []


def test_a_frontier_of_one_point_is_an_error_at_its_cell() -> None:
    sheets = base()
    sheets["Settings"] = [["setting", "value"], ["frontier_points", 1]]
    assert diagnostics(sheets) == [
        (
            ERROR,
            "Settings!B2",
            "frontier_points is 1, but a frontier needs 2 or more points; give 2 or more, or "
            "leave it blank for no frontier.",
        )
    ]


# --- 1. headers with units and notes, close names --------------------------------------------


def test_headers_with_units_are_read_as_their_columns() -> None:
    sheets = base()
    sheets["Offers"][0] = [
        "Supplier",
        "Country",
        "Material",
        "Unit Price [USD/kg]",
        "Capacity (kg)",
        "Risk (0-100)",
    ]
    sheets["Demand"][0] = ["Material", "Quantity (t)", "Max Country Share (%)"]
    sheets["Demand"][1][2] = 40

    problem = solved(sheets)

    china = problem.offers[0]
    assert (china.unit_price, china.capacity, china.risk) == (10.0, 100.0, 60.0)
    assert problem.materials["Ga"].quantity == 100.0
    assert problem.materials["Ga"].max_country_share == 0.4  # 40 under (%) is 40%


def test_each_columns_header_note_is_kept_on_its_table() -> None:
    sheets = base()
    sheets["Offers"][0][3:5] = ["Unit Price [USD/kg]", "Capacity (kg)"]
    sheets["Demand"][0][1:3] = ["Quantity (t)", "Max Country Share (%)"]
    sheets["Demand"][1][2] = 40

    tables = _find_tables(book(sheets), Collector())

    assert tables["offers"].notes == {
        "supplier": None,
        "country": None,
        "material": None,
        "unit_price": "USD/kg",
        "capacity": "kg",
        "risk": None,
    }
    assert tables["demand"].notes["quantity"] == "t"
    assert tables["demand"].percent("max_country_share")
    assert not tables["demand"].percent("quantity")


@pytest.mark.parametrize(
    ("cell", "share"),
    [(0, 0.0), (40, 0.4), (100, 1.0), (2.5, 0.025), ("40%", 0.4), ("0.5%", 0.005), (" 35 ", 0.35)],
)
def test_plain_numbers_under_a_percent_header_are_percentages(cell: Any, share: float) -> None:
    sheets = base()
    sheets["Countries"][0].append("Max Share (%)")
    sheets["Countries"][1].append(cell)

    problem = solved(sheets)

    assert problem.countries["China"].max_share == pytest.approx(share)


def test_a_fraction_under_a_percent_header_is_an_error() -> None:
    sheets = base()
    sheets["Demand"][0][2] = "Max Country Share (%)"
    sheets["Demand"][1][2] = 0.4

    assert diagnostics(sheets) == [
        (
            ERROR,
            "Demand!C2",
            "max_country_share is 0.4, which under a (%) header could mean 0.4% or 40% (a cell "
            "formatted as a percentage); type 40 for 40%, or the text 0.4% for 0.4% (if the "
            "column is formatted as percentages, remove the (%) from its header instead).",
        )
    ]


def test_one_under_a_percent_header_is_an_error_too() -> None:
    """1 could be 1% or a percentage-formatted 100%: taken as 1% it would make a cap 100 times
    tighter, taken as 100% it would drop a 1% cap. Neither may happen silently."""
    sheets = base()
    sheets["Demand"][0][2] = "Max Country Share (%)"
    sheets["Demand"][1][2] = 1

    assert diagnostics(sheets) == [
        (
            ERROR,
            "Demand!C2",
            "max_country_share is 1, which under a (%) header could mean 1% or 100% (a cell "
            "formatted as a percentage); type 100 for 100%, or the text 1% for 1% (if the column "
            "is formatted as percentages, remove the (%) from its header instead).",
        )
    ]


def test_more_than_a_hundred_percent_is_an_error() -> None:
    sheets = base()
    sheets["Demand"][0][2] = "Max Country Share (%)"
    sheets["Demand"][1][2] = 140

    assert diagnostics(sheets) == [
        (
            ERROR,
            "Demand!C2",
            "max_country_share is 140; expected a percentage from 0 to 100 (the header's (%) "
            "makes 40 mean 40%).",
        )
    ]


@pytest.mark.parametrize("seed", range(3))
def test_percent_columns_convert_as_cell_by_cell(seed: int) -> None:
    rnd = random.Random(seed)
    odd = [None, 0, -0.0, 0.4, 1, 1.0, 1.5, 40, 100, 100.5, -3, "40%", "x", True, CellError("#N/A")]
    cells = [rnd.choice(odd) if rnd.random() < 0.5 else rnd.uniform(0, 120) for _ in range(400)]

    values, problems = convert_column(Kind.SHARE, Cells.of(cells), percent=True)

    for i, cell in enumerate(cells):
        if cell is None:
            assert (values[i], i in problems) == (None, False)
            continue
        try:
            expected = to_percent(cell)
        except CellProblem as problem:
            assert (values[i], problems[i]) == (None, str(problem)), cell
        else:
            assert (repr(values[i]), i in problems) == (repr(expected), False), cell


def test_percent_on_a_column_that_is_not_a_share_is_an_error_at_the_header() -> None:
    sheets = base()
    sheets["Offers"][0][5] = "Risk (%)"

    assert diagnostics(sheets) == [
        (
            ERROR,
            "Offers!F1",
            "Column 'Risk (%)' marks its numbers as percentages, but risk is not a share: it "
            "holds a risk score from 0 to 100. Remove the '%' from the header.",
        )
    ]


def test_a_header_close_to_a_column_is_an_error_naming_it() -> None:
    sheets = base()
    sheets["Demand"][0][2] = "Max Contry Share"

    assert diagnostics(sheets) == [
        (
            ERROR,
            "Demand!C1",
            "Column 'Max Contry Share' is not a known column; did you mean 'max_country_share'? "
            "Rename it to 'max_country_share' so that its values are read, or give it a clearly "
            "different name if it means something else: a limit the tool cannot read is never "
            "dropped silently.",
        )
    ]


def test_the_same_words_reordered_are_close_too() -> None:
    sheets = base()
    sheets["Demand"][0][2] = "Share Max Country (%)"

    found, value = diagnostics(sheets)

    assert found[:2] == (ERROR, "Demand!C1")
    assert "did you mean 'max_country_share'?" in found[2]
    # its cells are still read as that column's, so their mistakes show in the same run: 0.6
    # under a (%) header could be 0.6% or 60%
    assert value[:2] == (ERROR, "Demand!C2")
    assert "could mean 0.6% or 60%" in value[2]


def test_a_misspelt_required_header_hides_no_other_mistake() -> None:
    sheets = base()
    sheets["Offers"][0][3] = "unit prise"  # required: no row spells out every required column
    sheets["Offers"][1][4] = "lots"  # capacity
    sheets["Offers"][0] += ["Max Country Share (%)"]  # a Demand column, in Offers
    sheets["Offers"][1] += [40]

    found = diagnostics(sheets)

    assert [(level, cell) for level, cell, _ in found] == [
        (ERROR, "Offers!D1"),
        (ERROR, "Offers!G1"),
        (ERROR, "Offers!E2"),
    ]
    assert "did you mean 'unit_price'?" in found[0][2]
    assert found[1][2] == (
        "Column 'Max Country Share (%)' is a column of the Demand sheet, not of Offers: its "
        "values are not read here. Move it to the Demand sheet, or give it a clearly different "
        "name if it means something else."
    )
    assert "capacity is 'lots'" in found[2][2]


def test_a_header_that_only_looks_like_a_column_says_what_differs() -> None:
    sheets = base()
    sheets["Offers"][0][4] = f"{CYRILLIC_C}apacity"

    assert diagnostics(sheets) == [
        (
            ERROR,
            "Offers!E1",
            f"Column '{CYRILLIC_C}apacity' is not a known column: '{CYRILLIC_C}apacity' looks "
            "like 'capacity' but its first letter is Cyrillic; retype it so that its values "
            "are read.",
        )
    ]


def test_headers_holding_a_name_among_other_words_and_unknown_headers_are_warnings() -> None:
    sheets = base()
    sheets["Offers"][0] += ["Min Order Qty", "Notes", "Capcity"]
    sheets["Offers"][1] += [5, "call first", 7]

    problem, found = outcome(sheets)

    assert problem is None
    assert found == [
        (
            ERROR,
            "Offers!I1",
            "Column 'Capcity' (Offers!I1) is not a known column but is close to 'capacity', the "
            "column in Offers!E1: two columns for one limit are ambiguous, and only Offers!E1 "
            "would be read. Keep one of them, or give 'Capcity' a clearly different name if it "
            "means something else.",
        ),
        (
            WARNING,
            "Offers!G1",
            "Column 'Min Order Qty' is not used: it was not taken for 'min_order' because its "
            "name has other words too. Rename it to 'min_order' if that is what it means.",
        ),
        (WARNING, "Offers!H1", "Column 'Notes' is not used by the optimizer; ignored."),
    ]


def test_a_misspelt_required_column_is_named_at_its_cell() -> None:
    sheets = base()
    sheets["Offers"][0][3] = "Unit Prise"

    assert diagnostics(sheets) == [
        (
            ERROR,
            "Offers!D1",
            "Column 'Unit Prise' is not a known column; did you mean 'unit_price'? Rename it to "
            "'unit_price' so that its values are read, or give it a clearly different name if "
            "it means something else: a limit the tool cannot read is never dropped silently.",
        )
    ]


def test_a_required_column_holding_other_words_is_explained_in_the_missing_header_error() -> None:
    sheets = base()
    sheets["Offers"][0][0] = "Supplier ID"

    assert diagnostics(sheets) == [
        (
            ERROR,
            "Offers!A1",
            "No header row with all required columns (supplier, country, material, unit_price) "
            "in the first 11 rows; missing: supplier. 'Supplier ID' in A1 was not taken for "
            "supplier because it has other words too.",
        )
    ]


@pytest.mark.parametrize(
    ("sheet", "meant"), [("Countrys", "Countries"), ("Groupz", "Groups"), ("Setting", "Settings")]
)
def test_a_sheet_close_to_a_contract_sheet_is_an_error(sheet: str, meant: str) -> None:
    sheets = base()
    sheets[sheet] = sheets.pop(meant) if meant in sheets else [["setting", "value"]]

    found = diagnostics(sheets)

    assert found[0] == (
        ERROR,
        f"{sheet}!",
        f"Sheet '{sheet}' is not a known sheet; did you mean '{meant}'? Rename it to '{meant}' "
        "so that it is read, or give it a clearly different name if it means something else: a "
        "limit the tool cannot read is never dropped silently.",
    )


@pytest.mark.parametrize(("sheet", "meant"), [("Offer", "Offers"), ("Demnd", "Demand")])
def test_a_misspelt_required_sheet_is_one_error(sheet: str, meant: str) -> None:
    sheets = base()
    sheets[sheet] = sheets.pop(meant)

    found = [f for f in diagnostics(sheets) if f[0] is ERROR]

    assert [where for _, where, _ in found] == [f"{sheet}!"]  # no second "no Offers sheet"
    assert f"did you mean '{meant}'?" in found[0][2]


def test_other_sheets_are_warnings_and_instructions_are_skipped_silently() -> None:
    sheets = base()
    sheets["Instructions"] = [["How to fill in this workbook"]]
    sheets["Read me"] = [["notes"]]
    sheets["Offers (old)"] = [["supplier"]]
    sheets["Countrys"] = [["a leftover copy"]]  # close to Countries, which is there

    assert diagnostics(sheets) == [
        (WARNING, "Read me!", "Sheet 'Read me' is not used by the optimizer; ignored."),
        (
            WARNING,
            "Offers (old)!",
            "Sheet 'Offers (old)' is not used: it was not taken for 'Offers' because its name "
            "has other words too. Rename it to 'Offers' if that is what it means.",
        ),
        (WARNING, "Countrys!", "Sheet 'Countrys' is not used by the optimizer; ignored."),
    ]


def test_a_setting_close_to_a_known_one_is_an_error_and_others_stay_warnings() -> None:
    sheets = base()
    sheets["Settings"] = [
        ["setting", "value"],
        ["max_contry_share", 0.5],
        ["colour", "blue"],
        ["default max_avg_risk", 30],
    ]

    assert diagnostics(sheets) == [
        (
            ERROR,
            "Settings!A2",
            "Setting 'max_contry_share' is not a known setting; did you mean "
            "'max_country_share'? Rename it to 'max_country_share' so that its value is used, or "
            "give it a clearly different name if it means something else: a limit the tool "
            "cannot read is never dropped silently.",
        ),
        (
            WARNING,
            "Settings!A3",
            "Setting 'colour' is not known; ignored. Known settings: max_country_share, "
            "max_supplier_share, max_avg_risk, risk_price, max_country_spend_share, "
            "shortfall_penalty, solver, time_limit, frontier_points, currency, survive, min_cover, "
            "country_floor, discount.",
        ),
        (
            WARNING,
            "Settings!A4",
            "Setting 'default max_avg_risk' is not used: it was not taken for 'max_avg_risk' "
            "because its name has other words too. Rename it to 'max_avg_risk' if that is what "
            "it means.",
        ),
    ]


def test_setting_names_may_carry_a_unit_and_a_percent() -> None:
    sheets = base()
    sheets["Settings"] = [
        ["Setting", "Value"],
        ["Max Supplier Share (%)", 30],
        ["Time Limit (s)", 20],
    ]

    problem = solved(sheets)

    assert (problem.settings.max_supplier_share, problem.settings.time_limit) == (0.3, 20.0)


def test_percent_on_a_setting_that_is_not_a_share_is_an_error() -> None:
    sheets = base()
    sheets["Settings"] = [["setting", "value"], ["time_limit (%)", 20]]

    assert diagnostics(sheets) == [
        (
            ERROR,
            "Settings!A2",
            "Setting 'time_limit (%)' marks its value as a percentage, but time_limit is not a "
            "share: it is a number above 0. Remove the '%' from its name.",
        )
    ]


# --- 2. names match ignoring case and spaces; look-alikes are errors ------------------------


def test_an_embargo_applies_whatever_the_case_and_spaces_of_the_country() -> None:
    sheets = base()
    sheets["Offers"][1][1] = "  CHINA "
    sheets["Countries"][1][0] = "china"

    problem = solved(sheets)

    china = problem.offers[0]
    assert (china.country, china.embargoed) == ("CHINA", True)
    assert list(problem.countries) == ["CHINA", "Japan"]  # spelt as in Offers, read first


def test_names_match_across_every_sheet_and_keep_their_first_spelling() -> None:
    sheets = base()
    sheets["Offers"].append(["chinaco", "JAPAN", "ge", 9, 10, 5])
    sheets["Demand"].append(["GE ", 20])
    sheets["Countries"][2][2] = "g7"
    sheets["Groups"][2][0] = "G7"
    sheets["Scenarios"] = [
        ["scenario", "country", "supplier", "material", "capacity_factor"],
        ["Export ban", "china", None, "GA", 0],
        ["EXPORT  BAN", None, "CHINACO", None, 0.5],
    ]

    problem = solved(sheets)

    assert [(o.supplier, o.country, o.material) for o in problem.offers] == [
        ("ChinaCo", "China", "Ga"),
        ("JapanCo", "Japan", "Ga"),
        ("ChinaCo", "Japan", "ge"),
    ]
    assert list(problem.materials) == ["Ga", "ge"]  # Offers comes before Demand
    assert problem.countries["Japan"].group == "g7"  # Countries comes before Groups
    assert list(problem.groups) == ["FEOC", "g7"]
    assert problem.group_of("Japan") == "g7"
    (scenario,) = problem.scenarios
    assert scenario.name == "Export ban"
    assert [(d.country, d.supplier, d.material) for d in scenario.disruptions] == [
        ("China", None, "Ga"),
        (None, "ChinaCo", None),
    ]


def test_the_same_supplier_and_material_in_another_case_is_a_duplicate_pair() -> None:
    sheets = base()
    sheets["Offers"].append(["chinaco ", "China", "GA", 9, 10, 5])

    assert diagnostics(sheets) == [
        (
            ERROR,
            "Offers!A4",
            "supplier 'chinaco' already offers 'GA' in Offers!A2 (as 'ChinaCo' and 'Ga'); each "
            "(supplier, material) pair may appear only once.",
        )
    ]


def test_a_material_in_another_case_is_the_same_material_twice() -> None:
    sheets = base()
    sheets["Demand"].append(["GA", 50])

    assert diagnostics(sheets) == [
        (
            ERROR,
            "Demand!A3",
            "material 'GA' appears again (first in Demand!A2 as 'Ga'); each may appear only once.",
        )
    ]


def test_a_cyrillic_letter_is_an_error_that_says_so() -> None:
    sheets = base()
    sheets["Offers"][1][1] = f"{CYRILLIC_C}hina"

    assert diagnostics(sheets) == [
        (
            ERROR,
            "Offers!B2",
            f"country '{CYRILLIC_C}hina' looks like 'China' but its first letter is Cyrillic, so "
            "it does not match the country in Countries!A2; retype it.",
        )
    ]


def test_the_odd_name_is_reported_where_it_is_even_in_the_sheet_that_lists_it() -> None:
    sheets = base()
    sheets["Countries"][1][0] = f"China{NBSP}"

    assert diagnostics(sheets) == [
        (
            ERROR,
            "Countries!A2",
            f"country 'China{NBSP}' looks like 'China' but it holds a non-breaking space at the "
            "end, so it does not match the country in Offers!B2; retype it.",
        )
    ]


def test_a_look_alike_material_gets_no_second_error_as_unknown() -> None:
    sheets = base()
    sheets["Demand"][1][0] = f"G{CYRILLIC_A}"

    assert diagnostics(sheets) == [
        (
            ERROR,
            "Demand!A2",
            f"material 'G{CYRILLIC_A}' looks like 'Ga' but its second letter is Cyrillic, so it "
            "does not match the material in Offers!C2; retype it.",
        )
    ]


def test_look_alikes_within_one_column_are_errors_too() -> None:
    """Without a Countries sheet each spelling would get its own country cap."""
    sheets = base()
    del sheets["Countries"], sheets["Groups"]
    sheets["Offers"][2][1] = f"Chi{ZWSP}na"

    assert diagnostics(sheets) == [
        (
            ERROR,
            "Offers!B3",
            f"country 'Chi{ZWSP}na' looks like 'China' but it holds an invisible zero-width space "
            "after 'Chi', so it does not match the country in Offers!B2; retype it.",
        )
    ]


@settings(database=None, max_examples=300)
@given(st.text(alphabet=f"aZé \t|\x1f{NBSP}{ZWSP}{CYRILLIC_C}\u0301\u2019ǅ\uff21ß", max_size=10))
def test_a_name_that_is_no_suspect_looks_exactly_like_its_key(text: str) -> None:
    if not suspects([text]):
        assert skeleton(text) == name_key(text)


# --- 8. every mistake in one run -------------------------------------------------------------


def five_mistakes() -> dict[str, Rows]:
    """A bad number and a misspelt country in one offer, an unknown material in another, a group
    missing from Groups, a scenario naming an unknown supplier."""
    sheets = base()
    sheets["Offers"][2] = ["JapanCo", "Japn", "Ga", "lots", 30, 10]
    sheets["Offers"].append(["KoreaCo", "Japan", "Copper", 15, 50, 20])
    sheets["Countries"].append(["Korea", None, "G8"])
    sheets["Scenarios"] = [["scenario", "supplier", "capacity_factor"], ["Ban", "AcmeCo", 0]]
    return sheets


def test_five_independent_mistakes_are_all_reported_in_one_run() -> None:
    found = [f for f in diagnostics(five_mistakes()) if f[0] is ERROR]

    assert found == [
        (
            ERROR,
            "Countries!C4",
            "group 'G8' is not listed in the Groups sheet; add it there or correct the name.",
        ),
        (
            ERROR,
            "Offers!D3",
            "unit_price is 'lots', which is not a number; expected a number of 0 or more.",
        ),
        (
            ERROR,
            "Offers!B3",
            "country 'Japn' is not in the Countries sheet (did you mean 'Japan'?); correct the "
            "spelling or add the country there.",
        ),
        (ERROR, "Offers!C4", "material 'Copper' is not in the Demand sheet; materials there: Ga."),
        (
            ERROR,
            "Scenarios!B2",
            "supplier 'AcmeCo' does not appear in the Offers sheet; correct the name.",
        ),
    ]


def test_offers_are_checked_when_demand_cannot_be_read() -> None:
    sheets = base()
    sheets["Demand"][0][1] = "amount"  # no quantity column: the sheet cannot be read
    sheets["Offers"][1][3] = -5

    found = [where for level, where, _ in diagnostics(sheets) if level is ERROR]

    assert found == ["Demand!A1", "Offers!D2"]


def test_names_in_rows_with_a_bad_cell_are_checked() -> None:
    sheets = base()
    sheets["Countries"][2] = ["Japan", "maybe", "G8"]  # a bad embargo and an unknown group
    sheets["Demand"][1][1] = 0  # Ga's quantity is bad, and its offer names a misspelt country
    sheets["Offers"][1][1] = "Chna"
    sheets["Scenarios"] = [["scenario", "supplier", "capacity_factor"], ["Ban", "AcmeCo", "half"]]

    found = [where for level, where, _ in diagnostics(sheets) if level is ERROR]

    assert sorted(found) == [
        "Countries!B3",
        "Countries!C3",
        "Demand!B2",
        "Offers!B2",
        "Scenarios!B2",
        "Scenarios!C2",
    ]


# --- 9. totals rows, text cut to Excel's limit, Excel error values ---------------------------


def test_the_totals_row_of_an_excel_table_is_not_data() -> None:
    sheets = base()
    sheets["Offers"].append(["Total", None, None, 22, 400, None])
    sheets["Demand"].append(["Total", 100])

    problem, found = outcome(sheets, totals={"Offers": (4,), "Demand": (3,)})

    assert problem is not None
    assert [o.supplier for o in problem.offers] == ["ChinaCo", "JapanCo"]
    assert list(problem.materials) == ["Ga"]
    assert found == [
        (
            INFO,
            "Offers!A4",
            "row 4 is the totals row of an Excel table; it is not read as an offer.",
        ),
        (
            INFO,
            "Demand!A3",
            "row 3 is the totals row of an Excel table; it is not read as a material.",
        ),
    ]


def test_a_totals_row_under_title_rows_and_blank_rows_is_found_by_its_excel_row() -> None:
    sheets = base()
    sheets["Offers"][:0] = [["Offers 2025"], []]
    sheets["Offers"] += [[], ["Total", None, None, 22]]

    problem, found = outcome(sheets, totals={"Offers": (7,)})

    assert problem is not None and len(problem.offers) == 2
    assert found == [
        (
            INFO,
            "Offers!A7",
            "row 7 is the totals row of an Excel table; it is not read as an offer.",
        )
    ]


LONG = "x" * (EXCEL_MAX_TEXT + 10)


def long_texts() -> dict[str, Rows]:
    """The base workbook with a text too long for Excel in a cell of every sheet whose text an
    output can carry: a supplier, a group (in Countries and Groups), a setting's name and
    value, a scenario's name."""
    sheets = base()
    sheets["Offers"][1][0] = LONG
    sheets["Countries"][2][2] = LONG
    sheets["Groups"][2][0] = LONG
    sheets["Settings"] = [["setting", "value"], ["time_limit", 30], [LONG, LONG]]
    sheets["Scenarios"] = [["scenario", "country", "capacity_factor"], [LONG, "China", 0]]
    return sheets


@pytest.mark.parametrize(
    ("cell", "column"),
    [
        ("Offers!A2", "supplier"),
        ("Countries!C3", "group"),
        ("Groups!A3", "group"),
        ("Settings!A3", "setting"),
        ("Settings!B3", "value"),
        ("Scenarios!A2", "scenario"),
    ],
)
def test_text_longer_than_excel_allows_gets_a_warning_at_its_cell(cell: str, column: str) -> None:
    found = [f for f in diagnostics(long_texts()) if f[1] == cell and "characters long" in f[2]]

    assert found == [
        (
            WARNING,
            cell,
            f"{column} is 32,777 characters long; the output keeps the first 32,767, Excel's "
            "limit.",
        )
    ]


def test_a_name_cut_only_behind_a_word_of_an_output_gets_a_warning_too() -> None:
    sheets = base()
    sheets["Scenarios"] = [["scenario", "capacity_factor"], ["x" * 32_760, 0]]

    assert diagnostics(sheets) == [
        (
            WARNING,
            "Scenarios!A2",
            "scenario is 32,760 characters long; where an output puts a word before it (such as "
            "'scenario' in the Resilience sheet) it is cut to 32,767, Excel's limit.",
        )
    ]


def test_excel_counts_characters_beyond_the_basic_plane_twice() -> None:
    """20,000 emoji are 40,000 characters to Excel (UTF-16 units): the output cuts them."""
    sheets = base()
    sheets["Offers"][1][0] = "\N{FACTORY}" * 20_000

    assert diagnostics(sheets) == [
        (
            WARNING,
            "Offers!A2",
            "supplier is 40,000 characters long; the output keeps the first 32,767, Excel's limit.",
        )
    ]


def test_a_noncharacter_is_a_warning() -> None:
    sheets = base()
    sheets["Offers"][1][0] = "China\uffffCo"

    assert diagnostics(sheets) == [
        (
            WARNING,
            "Offers!A2",
            "supplier holds a noncharacter (U+FFFE or U+FFFF) that Excel cannot store; it is left "
            "out in the output.",
        )
    ]


def test_a_long_name_is_cut_in_the_messages_that_quote_it() -> None:
    sheets = base()
    sheets["Offers"][0].append(LONG)
    sheets["Offers"][2][2] = LONG

    found = diagnostics(sheets)

    assert all(len(message) < 1_000 for *_, message in found)
    assert (ERROR, "Offers!C3") in [f[:2] for f in found]


READ_COLUMNS = [
    (spec.name, position, column.name)
    for spec in SHEETS
    for position, column in enumerate(spec.columns)
]


def full() -> dict[str, Rows]:
    """The base workbook with every column of every sheet, each with a valid value."""
    return {
        "Offers": [
            [c.name for c in SHEETS[0].columns],
            ["ChinaCo", "China", "Ga", 10, 100, 1, 0.1, 50, 5, 100, 20, "Japan", "EUR", 1, 0, 3],
        ],
        "Demand": [
            [c.name for c in SHEETS[1].columns],
            ["Ga", 100, 0.6, 0.8, 60, 2, "t", 0.1, 1, 5, 10, 2, 50, 0.5],
        ],
        "Countries": [[c.name for c in SHEETS[2].columns], ["China", 70, 0.5, 0.2, "FEOC", "no"]],
        "Groups": [[c.name for c in SHEETS[3].columns], ["FEOC", 0.5, 0.1]],
        "Settings": [["setting", "value"], ["time_limit", 30], ["currency", "USD"]],
        "Scenarios": [[c.name for c in SHEETS[5].columns], ["Ban", "China", "ChinaCo", "Ga", 0, 1]],
        "Rates": [[c.name for c in SHEETS[6].columns], ["EUR", 1.08]],
    }


def test_the_full_workbook_is_valid() -> None:
    problem, found = outcome(full())
    assert problem is not None, found


@pytest.mark.parametrize("value", [CellError("#REF!"), FORMULA_WITHOUT_VALUE])
@pytest.mark.parametrize(("sheet", "position", "column"), READ_COLUMNS)
def test_an_excel_error_in_any_cell_read_is_an_error_at_that_cell(
    sheet: str, position: int, column: str, value: Any
) -> None:
    sheets = full()
    sheets[sheet][1][position] = value
    letter = "ABCDEFGHIJKLMNOPQ"[position]

    found = [f for f in diagnostics(sheets) if f[1] == f"{sheet}!{letter}2"]

    assert [level for level, *_ in found] == [ERROR]
    shown_value = "the error value #REF!" if value == CellError("#REF!") else "a formula"
    assert shown_value in found[0][2]


@pytest.mark.parametrize("sheet", [spec.name for spec in SHEETS])
def test_an_excel_error_in_a_header_is_an_error_at_that_cell(sheet: str) -> None:
    sheets = full()
    sheets[sheet][0].append(CellError("#REF!"))
    letter = "ABCDEFGHIJKLMNOPQ"[len(sheets[sheet][0]) - 1]

    found = [f for f in diagnostics(sheets) if f[1] == f"{sheet}!{letter}1"]

    assert found == [
        (
            ERROR,
            f"{sheet}!{letter}1",
            "The column header is the error value #REF!; fix the formula or type the column's "
            "name in the cell.",
        )
    ]


def test_an_excel_error_where_a_required_header_should_be_is_an_error_at_that_cell() -> None:
    sheets = base()
    sheets["Offers"][0][3] = CellError("#NAME?")

    assert diagnostics(sheets) == [
        (
            ERROR,
            "Offers!D1",
            "The column header is the error value #NAME?; fix the formula or type the column's "
            "name in the cell.",
        ),
        (
            ERROR,
            "Offers!A1",
            "No header row with all required columns (supplier, country, material, unit_price) "
            "in the first 11 rows; missing: unit_price.",
        ),
    ]


def test_excel_errors_in_the_settings_sheet_are_errors() -> None:
    sheets = base()
    sheets["Settings"] = [
        ["setting", "value"],
        [CellError("#REF!"), 0.5],
        ["max_country_share", CellError("#DIV/0!")],
        ["solver", CellError("#N/A")],
    ]

    assert diagnostics(sheets) == [
        (
            ERROR,
            "Settings!A2",
            "setting is the error value #REF!; fix the formula or type the setting's name in "
            "the cell.",
        ),
        (
            ERROR,
            "Settings!B3",
            "max_country_share is the error value #DIV/0!; fix the formula or type a share from "
            "0% to 100% (or a fraction from 0 to 1) in the cell.",
        ),
        (
            ERROR,
            "Settings!B4",
            "solver is the error value #N/A; fix the formula or type highs or cbc in the cell.",
        ),
    ]


def test_text_converters_keep_a_non_breaking_space() -> None:
    assert CONVERTERS[Kind.TEXT](f" China{NBSP} ") == f"China{NBSP}"


@settings(database=None, max_examples=300)
@given(st.lists(st.text(alphabet=f"aZé |\t{NBSP}{CYRILLIC_C}ß", max_size=6), max_size=5))
def test_keys_of_a_column_are_the_key_of_each_name(texts: list[str]) -> None:
    assert name_keys(texts) == [name_key(text) for text in texts]


@settings(database=None, max_examples=300)
@given(st.lists(st.text(alphabet=f"aCoé北 {NBSP}{CYRILLIC_C}{CYRILLIC_A}\u0397\x00", max_size=6)))
def test_skeletons_at_once_are_the_skeleton_of_each(texts: list[str]) -> None:
    assert names.skeletons(texts) == [names.skeleton(text) for text in texts]


def test_the_characters_of_a_long_text_are_found_at_once() -> None:
    text = f"{CYRILLIC_C}hina\U0001f3ed\ud800 " * 3_000  # a factory (plain), a lone surrogate

    assert names.odd_characters(text) == {CYRILLIC_C, "\ud800"}
    assert names.odd_characters(text[:10]) == {CYRILLIC_C, "\ud800"}  # with `set`


@settings(database=None, max_examples=500)
@given(
    st.text(
        alphabet=f"aCoé北 \t{NBSP}{ZWSP}{CYRILLIC_C}{CYRILLIC_A}\u0301\u2019\u03bf\u0397\uff21µ",
        max_size=10,
    )
)
def test_the_quick_skeleton_is_the_skeleton_piece_by_piece(text: str) -> None:
    assert names.skeleton(text) == names._skeleton(text)
