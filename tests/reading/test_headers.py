"""Header, setting and sheet names matched against the known names, as the contract says."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest

from optimizer.reading.headers import (
    HeaderKind,
    HeaderMatch,
    match_header,
    match_headers,
    message,
    normalize,
    split_note,
)

# The known names of the workbook contract, as the caller will pass them.
OFFERS = [
    "supplier",
    "country",
    "material",
    "unit_price",
    "capacity",
    "freight",
    "tariff",
    "risk",
    "min_order",
    "fixed_cost",
    "current_quantity",
    "origin",
    "currency",
    "reserve_price",
    "tier_from",
    "co2",
]
DEMAND = [
    "material",
    "quantity",
    "max_country_share",
    "max_supplier_share",
    "max_avg_risk",
    "max_suppliers",
    "unit",
    "min_award",
    "min_countries",
    "max_avg_co2",
    "stock",
    "stock_cost",
    "max_stock",
    "min_cover",
]
COUNTRIES = ["country", "risk", "max_share", "tariff", "group", "embargo"]
RATES = ["currency", "rate"]
SETTINGS = [
    "max_country_share",
    "max_supplier_share",
    "max_avg_risk",
    "risk_price",
    "max_country_spend_share",
    "shortfall_penalty",
    "solver",
    "time_limit",
    "frontier_points",
    "currency",
    "survive",
    "min_cover",
    "country_floor",
    "discount",
]
SHEETS = ["Offers", "Demand", "Countries", "Groups", "Settings", "Scenarios", "Rates"]

EXACT, CLOSE, HOLDS, UNKNOWN, BLANK = HeaderKind


@pytest.mark.parametrize(
    ("header", "known", "column", "note", "percent"),
    [
        ("Unit Price", OFFERS, "unit_price", None, False),
        ("unit_price", OFFERS, "unit_price", None, False),
        ("  UNIT-price ", OFFERS, "unit_price", None, False),
        ("Unit\nPrice", OFFERS, "unit_price", None, False),
        ("Capacity (kg)", OFFERS, "capacity", "kg", False),
        ("Unit Price [USD/kg]", OFFERS, "unit_price", "USD/kg", False),
        ("Quantity (t)", DEMAND, "quantity", "t", False),
        ("Max Country Share (%)", DEMAND, "max_country_share", "%", True),
        ("Max Country Share [in %]", DEMAND, "max_country_share", "in %", True),
        ("co2", OFFERS, "co2", None, False),
        ("CO2 (kg)", OFFERS, "co2", "kg", False),
        ("Currency", OFFERS, "currency", None, False),
        ("Country", OFFERS, "country", None, False),
        ("Origin", OFFERS, "origin", None, False),
        ("Risk", COUNTRIES, "risk", None, False),
        ("Unit", DEMAND, "unit", None, False),
        ("Stock", DEMAND, "stock", None, False),
        ("Rate", RATES, "rate", None, False),
        ("Group", COUNTRIES, "group", None, False),
        ("Tariff ( )", OFFERS, "tariff", None, False),
        ("Freight", OFFERS, "freight", None, False),
        ("max_country_share", SETTINGS, "max_country_share", None, False),
        ("countries", SHEETS, "Countries", None, False),
    ],
)
def test_exact(header: str, known: list[str], column: str, note: str | None, percent: bool) -> None:
    found = match_header(header, known)
    assert found == HeaderMatch(EXACT, " ".join(header.split()), column, (), note, percent)
    assert message(found) is None


@pytest.mark.parametrize(
    ("header", "known", "column"),
    [
        ("Capcity", OFFERS, "capacity"),
        ("unitprice", OFFERS, "unit_price"),
        ("UnitPrice", OFFERS, "unit_price"),
        ("Price Unit", OFFERS, "unit_price"),
        ("Share Max Country", DEMAND, "max_country_share"),
        ("max_contry_share", DEMAND, "max_country_share"),
        ("Max Country Share %", DEMAND, "max_country_share"),
        ("MaxCountrySpendShare", SETTINGS, "max_country_spend_share"),
        ("max_contry_share", SETTINGS, "max_country_share"),
        ("Capcity (kg)", OFFERS, "capacity"),
        ("Rsik", OFFERS, "risk"),  # a swap of two letters is one edit
        ("Risks", COUNTRIES, "risk"),
        ("CO2e", OFFERS, "co2"),
        ("C02", OFFERS, "co2"),
        ("Suppliers", OFFERS, "supplier"),
        ("Countrys", SHEETS, "Countries"),
        ("Offer", SHEETS, "Offers"),
        ("Demnd", SHEETS, "Demand"),
        ("Rate", SHEETS, "Rates"),
        ("max_supplier", DEMAND, "max_suppliers"),
        ("Weight", OFFERS, "freight"),  # two edits of a long name, as the contract says
    ],
)
def test_close(header: str, known: list[str], column: str) -> None:
    found = match_header(header, known)
    assert (found.kind, found.column) == (CLOSE, column)


def test_close_keeps_the_note_and_percent() -> None:
    found = match_header("Max Contry Share (%)", DEMAND)
    assert (found.kind, found.column, found.note, found.percent) == (
        CLOSE,
        "max_country_share",
        "%",
        True,
    )


def test_close_beats_holds() -> None:
    found = match_header("stock_costs", DEMAND)
    assert (found.kind, found.column, found.holds) == (CLOSE, "stock_cost", ("stock",))


def test_closest_wins_and_first_listed_on_a_tie() -> None:
    assert match_header("max_stocks", DEMAND).column == "max_stock"
    assert match_header("mix_share", ["max_share", "min_share"]).column == "max_share"
    assert match_header("mix_share", ["min_share", "max_share"]).column == "min_share"


@pytest.mark.parametrize(
    ("header", "known", "holds"),
    [
        ("Min Order Qty", OFFERS, ("min_order",)),
        ("Country of Origin", OFFERS, ("country", "origin")),
        ("Origin Country", OFFERS, ("country", "origin")),
        ("Supplier ID", OFFERS, ("supplier",)),
        ("Supplier/ID", OFFERS, ("supplier",)),
        ("Total Capacity (kg)", OFFERS, ("capacity",)),
        ("Capacity (kg", OFFERS, ("capacity",)),  # no closing bracket: not a note
        ("Unit Price", DEMAND, ("unit",)),
        ("Tariff Code", OFFERS, ("tariff",)),
        ("CO2 kg", OFFERS, ("co2",)),
        ("Share Max Country", OFFERS, ("country",)),
        ("Offers 2024", SHEETS, ("Offers",)),
        ("FX Rate", RATES, ("rate",)),
    ],
)
def test_holds(header: str, known: list[str], holds: tuple[str, ...]) -> None:
    found = match_header(header, known)
    assert (found.kind, found.column, found.holds) == (HOLDS, None, holds)


@pytest.mark.parametrize(
    ("header", "known"),
    [
        ("Notes", OFFERS),
        ("Contact", OFFERS),
        ("Comments", OFFERS),
        ("Currency", COUNTRIES),
        ("Country", SETTINGS),
        ("Quantity", OFFERS),
        # Short names are only one edit away from a misspelling: not `cost` for `co2`.
        ("Cost", OFFERS),
        ("Code", OFFERS),
        ("MOQ", OFFERS),
        ("Rank", OFFERS),
        ("ISO", COUNTRIES),
        ("Gross", COUNTRIES),
        ("Store", DEMAND),
        ("Net", DEMAND),
        ("Name", RATES),
        ("Notes", SHEETS),
        ("Data", SHEETS),
        ("Ratio", SHEETS),
        ("Sheet1", SHEETS),
        ("Instructions", SHEETS),
        ("Region", OFFERS),
        ("Incoterm", OFFERS),
        ("Lead Time", OFFERS),
        ("(kg)", OFFERS),
    ],
)
def test_unknown(header: str, known: list[str]) -> None:
    found = match_header(header, known)
    assert (found.kind, found.column, found.holds) == (UNKNOWN, None, ())


@pytest.mark.parametrize(
    ("value", "text"),
    [(2024, "2024"), (0.25, "0.25"), (True, "True"), (dt.date(2024, 1, 31), "2024-01-31")],
)
def test_a_value_that_is_not_text_is_never_a_column(value: object, text: str) -> None:
    assert match_header(value, OFFERS) == HeaderMatch(UNKNOWN, text)


@pytest.mark.parametrize("value", [None, "", "   ", "\n", float("nan")])
def test_blank(value: object) -> None:
    found = match_header(value, OFFERS)
    assert found == HeaderMatch(BLANK, "")
    assert message(found) is None


def test_a_row_with_the_meant_column_spelt_out_loses_nothing() -> None:
    row = ["Material", "Quantity", "Quality", None, "stock_cost", "stock_costs", "Capcity"]
    kinds = [(m.kind, m.column) for m in match_headers(row, DEMAND)]
    assert kinds == [
        (EXACT, "material"),
        (EXACT, "quantity"),
        (CLOSE, "quantity"),  # close to `quantity`, which the row also has: validation errs
        (BLANK, None),
        (EXACT, "stock_cost"),
        (CLOSE, "stock_cost"),  # close to `stock_cost`, which the row also has
        (UNKNOWN, None),  # not close to any Demand column
    ]
    assert match_headers(["Material", "Quality"], DEMAND)[1].kind is CLOSE


def test_messages() -> None:
    assert message(match_header("Capcity", OFFERS)) == (
        "Column 'Capcity' is not a known column; did you mean 'capacity'? Rename it to "
        "'capacity' so that its values are read, or give it a clearly different name if it "
        "means something else: a limit the tool cannot read is never dropped silently."
    )
    assert message(match_header("Min Order Qty", OFFERS)) == (
        "Column 'Min Order Qty' is not used: it was not taken for 'min_order' because its "
        "name has other words too. Rename it to 'min_order' if that is what it means."
    )
    assert message(match_header("Country of Origin", OFFERS)) == (
        "Column 'Country of Origin' is not used: it was not taken for 'country' or 'origin' "
        "because its name has other words too. Rename it to 'country' or 'origin' if that is "
        "what it means."
    )
    assert message(match_header("Notes", OFFERS)) == (
        "Column 'Notes' is not used by the optimizer; ignored."
    )
    assert message(match_header("Demnd", SHEETS), "sheet") == (
        "Sheet 'Demnd' is not a known sheet; did you mean 'Demand'? Rename it to 'Demand' so "
        "that it is read, or give it a clearly different name if it means something else: a "
        "limit the tool cannot read is never dropped silently."
    )
    assert message(match_header("max_contry_share", SETTINGS), "setting") == (
        "Setting 'max_contry_share' is not a known setting; did you mean 'max_country_share'? "
        "Rename it to 'max_country_share' so that its value is used, or give it a clearly "
        "different name if it means something else: a limit the tool cannot read is never "
        "dropped silently."
    )
    assert message(match_header("Notes", SHEETS), "sheet") == (
        "Sheet 'Notes' is not used by the optimizer; ignored."
    )


def test_normalize_and_split_note() -> None:
    assert normalize("  Unit - Price ") == "unit_price"
    assert normalize("unit__price") == "unit_price"
    assert split_note("Unit Price [USD/kg]") == ("Unit Price", "USD/kg")
    assert split_note("Share (%)") == ("Share", "%")
    assert split_note("Capacity") == ("Capacity", None)
    assert split_note("(kg)") == ("(kg)", None)
    assert split_note("Capacity (kg]") == ("Capacity (kg]", None)


def test_import_is_cheap() -> None:
    code = "import optimizer.reading.headers, sys; print('rapidfuzz' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
