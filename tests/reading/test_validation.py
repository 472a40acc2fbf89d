"""Input validation through `load_problem`: every error names its sheet, cell, what was found
and what is accepted; all errors come out together; headers, defaults, settings and file
formats follow the workbook contract (../shared/workbook-contract.md).

Every workbook is built in code inside `tmp_path`.
"""

from __future__ import annotations

import datetime as dt
import pickle
import random
import shutil
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from conftest import make_workbook, with_cell, write_ods, write_with_xlsxwriter, write_xls
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string
from pydantic import ValidationError

from optimizer.batch.pipeline import load_problem
from optimizer.contract.diagnostics import Diagnostic, InvalidWorkbook, Level
from optimizer.contract.problem import Offer, Problem, construct_all
from optimizer.contract.schema import Kind
from optimizer.reading.cells import CONVERTERS, CellProblem, Cells, convert_column
from optimizer.reading.validate import validate
from optimizer.reading.workbook import FORMULA_WITHOUT_VALUE, CellError, Sheet, Workbook

Sheets = dict[str, list[list[Any]]]

OFFERS_HEADER = [
    "supplier",
    "country",
    "material",
    "unit_price",
    "capacity",
    "freight",
    "tariff",
    "risk",
]  # columns A..H
DEMAND_HEADER = [
    "material",
    "quantity",
    "max_country_share",
    "max_supplier_share",
    "max_avg_risk",
    "max_suppliers",
]  # columns A..F
COUNTRIES_HEADER = ["country", "risk", "max_share", "tariff", "group", "embargo"]  # A..F


def base_sheets() -> Sheets:
    """A valid workbook without any warning: every offer has a risk score."""
    return {
        "Offers": [
            [*OFFERS_HEADER],
            ["ChinaCo", "China", "Ga", 10, 100, None, None, 60],
            ["JapanCo", "Japan", "Ga", 12, 30, 1, 0.05, 10],
        ],
        "Demand": [[*DEMAND_HEADER], ["Ga", 100, 0.6, None, None, None]],
        "Countries": [
            [*COUNTRIES_HEADER],
            ["China", 70, 0.5, 0.25, "FEOC", "no"],
            ["Japan", 5, None, None, "G7", None],
        ],
        "Groups": [["group", "max_share", "min_share"], ["FEOC", 0.5, None], ["G7", None, 0.1]],
        "Settings": [["setting", "value"], ["time_limit", 30]],
    }


# --- helpers -----------------------------------------------------------------------------------


def set_cell(sheets: Sheets, sheet: str, ref: str, value: Any) -> Sheets:
    """Put `value` at `ref` (e.g. "D3") of `sheet`, growing the rows as needed."""
    letters, row = coordinate_from_string(ref)
    return with_cell(sheets, sheet, row, column_index_from_string(letters), value)


def save(tmp_path: Path, sheets: Sheets, name: str = "input.xlsx") -> Path:
    return make_workbook(tmp_path / name, sheets)


def load(path: Path) -> tuple[Problem, list[Diagnostic]]:
    return load_problem(path)


def invalid(path: Path) -> list[Diagnostic]:
    """The diagnostics of a workbook that must be rejected."""
    with pytest.raises(InvalidWorkbook) as caught:
        load_problem(path)
    return caught.value.diagnostics


def errors_of(path: Path) -> list[Diagnostic]:
    return [d for d in invalid(path) if d.level is Level.ERROR]


def refs(diagnostics: list[Diagnostic]) -> list[tuple[str, str]]:
    return [(d.sheet, d.cell) for d in diagnostics]


def at(
    diagnostics: list[Diagnostic], sheet: str, cell: str, level: Level = Level.ERROR
) -> Diagnostic:
    """The one diagnostic of `level` at `sheet!cell`."""
    matches = [d for d in diagnostics if (d.sheet, d.cell, d.level) == (sheet, cell, level)]
    assert len(matches) == 1, f"expected one {level} at {sheet}!{cell}; got {diagnostics}"
    return matches[0]


def assert_mentions(message: str, *words: str) -> None:
    for word in words:
        assert word.lower() in message.lower(), f"{word!r} missing from {message!r}"


def offer(problem: Problem, supplier: str) -> Any:
    return next(o for o in problem.offers if o.supplier == supplier)


# --- the valid base workbook -------------------------------------------------------------------


def test_base_workbook_loads_without_diagnostics(tmp_path: Path) -> None:
    problem, diagnostics = load(save(tmp_path, base_sheets()))

    assert diagnostics == []
    china, japan = problem.offers
    assert (china.supplier, china.country, china.material, china.row) == (
        "ChinaCo",
        "China",
        "Ga",
        2,
    )
    assert (china.unit_price, china.capacity, china.freight) == (10.0, 100.0, 0.0)
    assert (japan.unit_price, japan.capacity, japan.freight, japan.tariff, japan.risk) == (
        12.0,
        30.0,
        1.0,
        0.05,
        10.0,
    )
    assert problem.materials["Ga"].quantity == 100.0
    assert problem.materials["Ga"].max_country_share == 0.6
    assert problem.countries["China"].max_share == 0.5
    assert problem.countries["China"].group == "FEOC"
    assert problem.groups["G7"].min_share == 0.1
    assert problem.settings.time_limit == 30.0


# --- one error per cell, with its sheet, cell and words -----------------------------------------

CELL_ERRORS: list[tuple[str, str, Any, list[str]]] = [
    # (sheet, cell, value put there, words the message must contain)
    ("Offers", "A2", None, ["supplier", "blank", "a name"]),
    ("Offers", "C3", "   ", ["material", "blank"]),
    ("Offers", "D2", None, ["unit_price", "blank", "number of 0 or more"]),
    ("Offers", "D3", -5, ["unit_price", "-5", "0 or more"]),
    ("Offers", "E2", -0.5, ["capacity", "-0.5", "0 or more"]),
    ("Offers", "D2", "lots", ["unit_price", "'lots'", "not a number", "0 or more"]),
    ("Offers", "E3", "1,200", ["capacity", "'1,200'", "not a number", "thousands separator"]),
    ("Offers", "D2", "12 USD", ["'12 USD'", "not a number"]),
    ("Offers", "D2", "nan", ["'nan'", "not a number"]),
    ("Offers", "D2", "1e999", ["unit_price", "finite", "number of 0 or more"]),
    ("Offers", "D2", dt.datetime(2024, 3, 1), ["unit_price", "date", "2024-03-01", "number"]),
    ("Offers", "D2", "=D3*2", ["unit_price", "formula", "never saved", "number"]),
    ("Offers", "G3", 40, ["tariff", "40", "40%"]),
    ("Offers", "G2", "140%", ["tariff", "'140%'", "0% to 100%"]),
    ("Offers", "G2", -0.1, ["tariff", "-0.1", "0% to 100%"]),
    ("Offers", "H2", 150, ["risk", "150", "0 to 100"]),
    ("Offers", "H3", -1, ["risk", "-1", "0 to 100"]),
    ("Demand", "A2", None, ["material", "blank"]),
    ("Demand", "B2", 0, ["quantity", "0", "above 0"]),
    ("Demand", "B2", "lots", ["quantity", "'lots'", "not a number"]),
    ("Demand", "C2", 40, ["max_country_share", "40%"]),
    ("Demand", "E2", 101, ["max_avg_risk", "101", "0 to 100"]),
    ("Demand", "F2", 2.5, ["max_suppliers", "2.5", "whole number"]),
    ("Countries", "B3", 101, ["risk", "101", "0 to 100"]),
    ("Countries", "C2", 50, ["max_share", "50", "50%"]),
    ("Countries", "D3", "lots", ["tariff", "'lots'", "not a number"]),
    ("Countries", "F2", "maybe", ["embargo", "'maybe'", "yes or no"]),
    ("Groups", "B2", 50, ["max_share", "50%"]),
    ("Groups", "C3", "1,5", ["min_share", "'1,5'", "not a number"]),
    ("Settings", "B2", 0, ["time_limit", "0", "above 0"]),
]


@pytest.mark.parametrize(
    ("sheet", "cell", "value", "words"),
    CELL_ERRORS,
    ids=[f"{s}!{c}={v!r}" for s, c, v, _ in CELL_ERRORS],
)
def test_cell_error_names_sheet_cell_found_and_accepted(
    tmp_path: Path, sheet: str, cell: str, value: Any, words: list[str]
) -> None:
    path = save(tmp_path, set_cell(base_sheets(), sheet, cell, value))

    found = at(errors_of(path), sheet, cell)

    assert_mentions(found.message, *words)


def test_share_above_one_message_is_exact(tmp_path: Path) -> None:
    path = save(tmp_path, set_cell(base_sheets(), "Demand", "C2", 40))

    found = at(errors_of(path), "Demand", "C2")

    assert found.message == (
        "max_country_share is 40, above 1; shares are fractions: write 40% (or 0.4)."
    )


def test_negative_price_message_is_exact(tmp_path: Path) -> None:
    path = save(tmp_path, set_cell(base_sheets(), "Offers", "D3", -5))

    assert errors_of(path) == [
        Diagnostic(Level.ERROR, "Offers", "D3", "unit_price is -5; expected a number of 0 or more.")
    ]


def test_every_blank_required_cell_of_a_row_is_reported(tmp_path: Path) -> None:
    sheets = base_sheets()
    sheets["Offers"].append(["KoreaCo"])

    errors = errors_of(save(tmp_path, sheets))

    assert sorted(refs(errors)) == [("Offers", "B4"), ("Offers", "C4"), ("Offers", "D4")]
    assert all("blank" in e.message for e in errors)


def test_excel_error_values_are_cited(tmp_path: Path) -> None:
    sheets = base_sheets()
    formulas = {
        ("Offers", "D2"): ("=1/0", "#DIV/0!"),
        ("Offers", "E3"): ("=NA()", "#N/A"),
        ("Demand", "B2"): ("=Offers!Z99+'x'", "#VALUE!"),
    }
    path = write_with_xlsxwriter(tmp_path / "errors.xlsx", sheets, formulas)

    errors = errors_of(path)

    assert_mentions(at(errors, "Offers", "D2").message, "unit_price", "#DIV/0!", "fix the formula")
    assert_mentions(at(errors, "Offers", "E3").message, "capacity", "#N/A", "0 or more")
    assert_mentions(at(errors, "Demand", "B2").message, "quantity", "#VALUE!", "above 0")


def test_formula_with_a_saved_value_reads_that_value(tmp_path: Path) -> None:
    path = write_with_xlsxwriter(
        tmp_path / "saved.xlsx", base_sheets(), {("Offers", "D2"): ("=5*2+1", 11)}
    )

    problem, _ = load(path)

    assert offer(problem, "ChinaCo").unit_price == 11.0


def test_nan_and_infinity_are_errors(tmp_path: Path) -> None:
    sheets = set_cell(base_sheets(), "Offers", "D2", float("nan"))
    set_cell(sheets, "Offers", "E3", float("inf"))
    set_cell(sheets, "Demand", "B2", float("-inf"))
    path = write_xls(tmp_path / "nan.xls", sheets)

    errors = errors_of(path)

    assert_mentions(at(errors, "Offers", "D2").message, "unit_price", "finite")
    assert_mentions(at(errors, "Offers", "E3").message, "capacity", "finite")
    assert_mentions(at(errors, "Demand", "B2").message, "quantity", "finite")


def test_nan_written_as_excel_error_is_cited(tmp_path: Path) -> None:
    sheets = set_cell(base_sheets(), "Offers", "D2", float("nan"))
    path = write_with_xlsxwriter(tmp_path / "nan.xlsx", sheets, {}, {"nan_inf_to_errors": True})

    assert_mentions(at(errors_of(path), "Offers", "D2").message, "#NUM!")


# --- numbers and shares written as text --------------------------------------------------------


@pytest.mark.parametrize("text", [" 300 ", "300", "300.0", "+300", "3e2", "\u00a0300\u00a0"])
def test_number_stored_as_text_is_a_number(tmp_path: Path, text: str) -> None:
    path = save(tmp_path, set_cell(base_sheets(), "Offers", "E2", text))

    problem, diagnostics = load(path)

    assert offer(problem, "ChinaCo").capacity == 300.0
    assert diagnostics == []


def test_percent_text_is_a_share(tmp_path: Path) -> None:
    sheets = set_cell(base_sheets(), "Offers", "G3", "40%")
    set_cell(sheets, "Demand", "C2", " 35 % ")
    set_cell(sheets, "Countries", "C2", "50%")
    set_cell(sheets, "Groups", "C3", "10%")
    sheets["Settings"].append(["max_supplier_share", "30%"])

    problem, diagnostics = load(save(tmp_path, sheets))

    assert diagnostics == []
    assert offer(problem, "JapanCo").tariff == pytest.approx(0.4)
    assert problem.materials["Ga"].max_country_share == pytest.approx(0.35)
    assert problem.countries["China"].max_share == pytest.approx(0.5)
    assert problem.groups["G7"].min_share == pytest.approx(0.1)
    assert problem.settings.max_supplier_share == pytest.approx(0.3)


def test_excel_percentage_cell_is_a_fraction(tmp_path: Path) -> None:
    path = save(tmp_path, set_cell(base_sheets(), "Demand", "C2", 0.4))
    book = openpyxl.load_workbook(path)
    book["Demand"]["C2"].number_format = "0%"
    book.save(path)

    problem, _ = load(path)

    assert problem.materials["Ga"].max_country_share == 0.4


# --- references and duplicates -----------------------------------------------------------------


def test_unknown_material_in_offers(tmp_path: Path) -> None:
    path = save(tmp_path, set_cell(base_sheets(), "Offers", "C3", "Copper"))

    errors = errors_of(path)

    assert refs(errors) == [("Offers", "C3")]
    assert_mentions(errors[0].message, "'Copper'", "not in the Demand sheet", "Ga")


def test_unknown_material_suggests_a_close_name(tmp_path: Path) -> None:
    sheets = base_sheets()
    sheets["Demand"][1][0] = "Gallium"
    sheets["Offers"][1][2] = "Gallium"
    sheets["Offers"][2][2] = "Galium"

    found = at(errors_of(save(tmp_path, sheets)), "Offers", "C3")

    assert_mentions(found.message, "'Galium'", "did you mean 'Gallium'")


def test_duplicate_supplier_material_pair(tmp_path: Path) -> None:
    sheets = base_sheets()
    sheets["Offers"].append(["ChinaCo", "Japan", "Ga", 9, 10, None, None, 5])

    errors = errors_of(save(tmp_path, sheets))

    assert refs(errors) == [("Offers", "A4")]
    assert_mentions(errors[0].message, "ChinaCo", "Ga", "Offers!A2", "only once")


def test_same_supplier_may_offer_two_materials(tmp_path: Path) -> None:
    sheets = base_sheets()
    sheets["Demand"].append(["Ge", 20])
    sheets["Offers"].append(["ChinaCo", "China", "Ge", 9, 10, None, None, 5])

    problem, diagnostics = load(save(tmp_path, sheets))

    assert diagnostics == []
    assert [(o.supplier, o.material) for o in problem.offers] == [
        ("ChinaCo", "Ga"),
        ("JapanCo", "Ga"),
        ("ChinaCo", "Ge"),
    ]


def test_duplicate_material_in_demand(tmp_path: Path) -> None:
    sheets = base_sheets()
    sheets["Demand"].append(["Ga", 50])

    errors = errors_of(save(tmp_path, sheets))

    assert refs(errors) == [("Demand", "A3")]
    assert_mentions(errors[0].message, "'Ga'", "Demand!A2", "only once")


def test_duplicate_country_in_countries(tmp_path: Path) -> None:
    sheets = base_sheets()
    sheets["Countries"].append([" China ", 10])

    errors = errors_of(save(tmp_path, sheets))

    assert refs(errors) == [("Countries", "A4")]
    assert_mentions(errors[0].message, "'China'", "Countries!A2", "only once")


def test_country_group_not_in_groups(tmp_path: Path) -> None:
    path = save(tmp_path, set_cell(base_sheets(), "Countries", "E3", "G8"))

    errors = errors_of(path)

    assert refs(errors) == [("Countries", "E3")]
    assert_mentions(errors[0].message, "'G8'", "Groups")


def test_country_group_without_groups_sheet_is_only_a_warning(tmp_path: Path) -> None:
    sheets = base_sheets()
    del sheets["Groups"]

    problem, diagnostics = load(save(tmp_path, sheets))

    assert {(d.sheet, d.cell) for d in diagnostics} == {("Countries", "E2"), ("Countries", "E3")}
    assert all(d.level is Level.WARNING for d in diagnostics)
    assert problem.groups == {}


# --- sheets and columns ------------------------------------------------------------------------


@pytest.mark.parametrize(("missing", "other"), [("Offers", "Demand"), ("Demand", "Offers")])
def test_missing_required_sheet(tmp_path: Path, missing: str, other: str) -> None:
    sheets = base_sheets()
    del sheets[missing]

    errors = errors_of(save(tmp_path, sheets))

    assert refs(errors) == [(missing, "")]
    assert_mentions(errors[0].message, f"no '{missing}' sheet", "Sheets found", other)


def test_workbook_without_any_contract_sheet(tmp_path: Path) -> None:
    path = tmp_path / "blank.xlsx"
    openpyxl.Workbook().save(path)

    diagnostics = invalid(path)

    assert sorted(refs([d for d in diagnostics if d.level is Level.ERROR])) == [
        ("Demand", ""),
        ("Offers", ""),
    ]
    assert at(diagnostics, "Sheet", "", Level.WARNING)


@pytest.mark.parametrize(
    ("sheet", "header_cell", "wrong", "missing"),
    [
        ("Offers", "D1", "price", "unit_price"),
        ("Offers", "A1", "vendor", "supplier"),
        ("Demand", "B1", "qty", "quantity"),
        ("Countries", "A1", "nation", "country"),
        ("Groups", "A1", "bloc", "group"),
        ("Settings", "A1", "name", "setting"),
    ],
)
def test_missing_required_column(
    tmp_path: Path, sheet: str, header_cell: str, wrong: str, missing: str
) -> None:
    path = save(tmp_path, set_cell(base_sheets(), sheet, header_cell, wrong))

    errors = errors_of(path)

    assert refs(errors) == [(sheet, "A1")]
    assert_mentions(errors[0].message, "header", "missing", missing)


def test_missing_column_under_title_rows_cites_the_header_row(tmp_path: Path) -> None:
    sheets = base_sheets()
    sheets["Offers"][0] = ["supplier", "country", "material", "price"]
    sheets["Offers"][:0] = [["Offers 2025"], ["prices in USD"]]

    errors = errors_of(save(tmp_path, sheets))

    assert refs(errors) == [("Offers", "A3")]
    assert_mentions(errors[0].message, "missing: unit_price")


def test_empty_offers_sheet(tmp_path: Path) -> None:
    sheets = base_sheets()
    sheets["Offers"] = []

    errors = errors_of(save(tmp_path, sheets))

    assert refs(errors) == [("Offers", "A1")]
    assert_mentions(errors[0].message, "empty", "supplier", "unit_price")


def test_offers_sheet_with_a_header_only(tmp_path: Path) -> None:
    sheets = base_sheets()
    sheets["Offers"] = [[*OFFERS_HEADER]]

    errors = errors_of(save(tmp_path, sheets))

    assert [e.sheet for e in errors] == ["Offers"]
    assert_mentions(errors[0].message, "no offer")


@pytest.mark.parametrize("titles", [1, 3, 10])
def test_header_below_title_rows_is_found(tmp_path: Path, titles: int) -> None:
    sheets = base_sheets()
    notes: list[list[Any]] = [["Supplier offers 2025"], [], ["all prices in USD", None, "x"]]
    sheets["Offers"][:0] = (notes * 4)[:titles]

    problem, diagnostics = load(save(tmp_path, sheets))

    assert diagnostics == []
    assert [o.row for o in problem.offers] == [titles + 2, titles + 3]


def test_error_under_ten_title_rows_cites_the_true_row(tmp_path: Path) -> None:
    sheets = set_cell(base_sheets(), "Offers", "D3", "lots")
    sheets["Offers"][:0] = [[f"note {i}"] for i in range(10)]

    assert refs(errors_of(save(tmp_path, sheets))) == [("Offers", "D13")]


def test_header_more_than_ten_rows_down_is_an_error(tmp_path: Path) -> None:
    sheets = base_sheets()
    sheets["Offers"][:0] = [[f"note {i}"] for i in range(11)]

    errors = errors_of(save(tmp_path, sheets))

    assert [e.sheet for e in errors] == ["Offers"]
    assert_mentions(errors[0].message, "header", "unit_price")


@pytest.mark.parametrize(
    "spelling",
    [
        "unit_price",
        "Unit Price",
        "UNIT-PRICE",
        " unit  price ",
        "Unit_Price",
        "unit - price",
        "Unit\nPrice",
    ],
)
def test_header_matching_ignores_case_spaces_underscores_and_dashes(
    tmp_path: Path, spelling: str
) -> None:
    sheets = base_sheets()
    sheets["Offers"][0][3] = spelling

    problem, diagnostics = load(save(tmp_path, sheets))

    assert diagnostics == []
    assert [o.unit_price for o in problem.offers] == [10.0, 12.0]


def test_sheet_and_column_names_match_loosely(tmp_path: Path) -> None:
    sheets = base_sheets()
    renamed: Sheets = {
        " OFFERS ": sheets["Offers"],
        "demand": sheets["Demand"],
        "countries": sheets["Countries"],
        "GROUPS": sheets["Groups"],
        "Settings ": sheets["Settings"],
    }
    renamed[" OFFERS "][0] = [
        "Supplier",
        "COUNTRY",
        " material ",
        "Unit Price",
        "Capacity",
        "freight",
        "Tariff",
        "RISK",
    ]
    renamed["demand"][0] = [
        "Material",
        "Quantity",
        "Max Country Share",
        "max-supplier-share",
        "MAX_AVG_RISK",
        "max suppliers",
    ]
    renamed["Settings "][0] = ["Setting", "Value"]

    problem, diagnostics = load(save(tmp_path, renamed))

    assert diagnostics == []
    assert offer(problem, "JapanCo").tariff == 0.05
    assert problem.materials["Ga"].max_country_share == 0.6
    assert problem.settings.time_limit == 30.0


def test_unknown_columns_and_sheets_are_warnings(tmp_path: Path) -> None:
    sheets = set_cell(base_sheets(), "Offers", "I1", "Notes")
    set_cell(sheets, "Offers", "I2", "call first")
    set_cell(sheets, "Demand", "G1", "remarks")
    set_cell(sheets, "Demand", "G2", "t")
    sheets["Read me"] = [["How to fill this workbook"]]

    problem, diagnostics = load(save(tmp_path, sheets))

    assert all(d.level is Level.WARNING for d in diagnostics)
    assert sorted(refs(diagnostics)) == [("Demand", "G1"), ("Offers", "I1"), ("Read me", "")]
    assert_mentions(at(diagnostics, "Offers", "I1", Level.WARNING).message, "'Notes'", "ignored")
    assert_mentions(at(diagnostics, "Read me", "", Level.WARNING).message, "'Read me'", "ignored")
    assert len(problem.offers) == 2


def test_duplicate_column_is_an_error(tmp_path: Path) -> None:
    path = save(tmp_path, set_cell(base_sheets(), "Offers", "I1", "Unit Price"))

    errors = errors_of(path)

    assert refs(errors) == [("Offers", "I1")]
    assert_mentions(errors[0].message, "unit_price", "D1", "I1")


def test_blank_rows_are_skipped(tmp_path: Path) -> None:
    sheets = base_sheets()
    japan = sheets["Offers"].pop()
    sheets["Offers"] += [[], [None] * 8, ["  ", "", None, " "], japan]
    sheets["Demand"][1:1] = [[], [None, None]]

    problem, diagnostics = load(save(tmp_path, sheets))

    assert diagnostics == []
    assert [(o.supplier, o.row) for o in problem.offers] == [("ChinaCo", 2), ("JapanCo", 6)]
    assert problem.materials["Ga"].row == 4


def test_error_after_blank_rows_cites_the_true_row(tmp_path: Path) -> None:
    sheets = base_sheets()
    sheets["Offers"][2:2] = [[], []]
    set_cell(sheets, "Offers", "D5", -1)

    assert refs(errors_of(save(tmp_path, sheets))) == [("Offers", "D5")]


# --- all errors together -----------------------------------------------------------------------


def test_all_errors_of_a_workbook_come_out_together(tmp_path: Path) -> None:
    sheets = set_cell(base_sheets(), "Offers", "D2", -5)
    sheets["Offers"].append(["KoreaCo", "Korea", "Copper", 9, 10, None, None, 5])
    sheets["Demand"].append(["Ga", 50])
    set_cell(sheets, "Countries", "B3", 150)
    sheets["Groups"][2] = ["G7", 0.2, 0.5]  # min_share above max_share
    set_cell(sheets, "Settings", "B2", "lots")

    errors = errors_of(save(tmp_path, sheets))

    assert sorted(refs(errors)) == [
        ("Countries", "B3"),
        ("Demand", "A3"),
        ("Groups", "C3"),
        ("Offers", "C4"),
        ("Offers", "D2"),
        ("Settings", "B2"),
    ]


def test_errors_come_before_warnings(tmp_path: Path) -> None:
    sheets = set_cell(base_sheets(), "Offers", "I1", "Notes")
    sheets["Zzz"] = [["x"]]
    set_cell(sheets, "Offers", "D3", -5)

    levels = [d.level for d in invalid(save(tmp_path, sheets))]

    assert levels[0] is Level.ERROR
    assert levels == sorted(levels, key=[Level.ERROR, Level.WARNING, Level.INFO].index)


# --- defaults ----------------------------------------------------------------------------------


def test_blank_tariff_takes_the_country_tariff(tmp_path: Path) -> None:
    sheets = base_sheets()
    set_cell(sheets, "Countries", "D3", 0.1)  # Japan's tariff
    set_cell(sheets, "Offers", "G3", 0)  # JapanCo's own tariff wins, even 0
    sheets["Offers"].append(["KoreaCo", "Korea", "Ga", 9, 10, None, None, 5])

    problem, _ = load(save(tmp_path, sheets))

    assert offer(problem, "ChinaCo").tariff == 0.25  # China's
    assert offer(problem, "JapanCo").tariff == 0.0
    assert offer(problem, "KoreaCo").tariff == 0.0  # Korea is not listed
    assert offer(problem, "ChinaCo").landed_unit_cost == pytest.approx(12.5)


def test_blank_risk_takes_the_country_risk(tmp_path: Path) -> None:
    sheets = set_cell(base_sheets(), "Offers", "H2", None)
    set_cell(sheets, "Offers", "H3", 0)  # JapanCo's own 0 wins over Japan's 5

    problem, diagnostics = load(save(tmp_path, sheets))

    assert diagnostics == []
    assert offer(problem, "ChinaCo").risk == 70.0
    assert offer(problem, "JapanCo").risk == 0.0


@pytest.mark.parametrize("cap_in", ["Demand", "Settings"])
def test_blank_risk_without_country_risk_is_zero_with_a_warning(
    tmp_path: Path, cap_in: str
) -> None:
    sheets = base_sheets()
    sheets["Offers"].append(["KoreaCo", "Korea", "Ga", 9, 10])
    if cap_in == "Demand":
        set_cell(sheets, "Demand", "E2", 50)
    else:
        sheets["Settings"].append(["max_avg_risk", 50])

    problem, diagnostics = load(save(tmp_path, sheets))

    assert offer(problem, "KoreaCo").risk == 0.0
    warned = at(diagnostics, "Offers", "H4", Level.WARNING)
    assert_mentions(warned.message, "KoreaCo", "risk", "0")
    assert not [d for d in diagnostics if d.level is Level.ERROR]


def test_settings_override_the_defaults(tmp_path: Path) -> None:
    sheets = base_sheets()
    sheets["Demand"].append(["Ge", 20])
    sheets["Offers"].append(["KoreaCo", "Japan", "Ge", 9, 10, None, None, 5])
    sheets["Settings"] = [
        ["Setting", "Value"],
        ["max_country_share", "40%"],
        ["Max Supplier Share", 0.3],
        ["max-avg-risk", 45],
        ["risk_price", " 2 "],
        ["max_country_spend_share", 0.5],
        ["shortfall_penalty", 1000],
        ["solver", " CBC "],
        ["time_limit", 5],
        ["frontier_points", 3],
    ]

    problem, diagnostics = load(save(tmp_path, sheets))

    assert diagnostics == []
    settings = problem.settings
    assert (settings.max_country_share, settings.max_supplier_share) == (0.4, 0.3)
    assert (settings.max_avg_risk, settings.risk_price) == (45.0, 2.0)
    assert (settings.max_country_spend_share, settings.shortfall_penalty) == (0.5, 1000.0)
    assert (settings.solver, settings.time_limit, settings.frontier_points) == ("cbc", 5.0, 3)
    assert problem.materials["Ga"].max_country_share == 0.6  # Demand's own cap wins
    assert problem.materials["Ge"].max_country_share == 0.4  # the Settings default
    assert problem.materials["Ge"].max_supplier_share == 0.3
    assert problem.materials["Ge"].max_avg_risk == 45.0


def test_defaults_without_settings_sheet(tmp_path: Path) -> None:
    sheets = base_sheets()
    del sheets["Settings"]
    set_cell(sheets, "Demand", "C2", None)

    problem, diagnostics = load(save(tmp_path, sheets))

    assert diagnostics == []
    settings = problem.settings
    assert (settings.max_country_share, settings.max_supplier_share) == (1.0, 1.0)
    assert (settings.max_avg_risk, settings.risk_price, settings.shortfall_penalty) == (
        None,
        0.0,
        None,
    )
    assert (settings.solver, settings.time_limit, settings.frontier_points) == ("highs", 60.0, None)
    material = problem.materials["Ga"]
    assert (material.max_country_share, material.max_supplier_share) == (1.0, 1.0)
    assert material.max_avg_risk is None
    assert problem.country_cap("Ga", "China") == 0.5  # the country's own cap is lower
    assert problem.country_cap("Ga", "Japan") == 1.0


def test_blank_setting_value_keeps_the_default(tmp_path: Path) -> None:
    sheets = base_sheets()
    sheets["Settings"].append(["solver", None])

    problem, diagnostics = load(save(tmp_path, sheets))

    assert diagnostics == []
    assert problem.settings.solver == "highs"


def test_unknown_setting_is_a_warning(tmp_path: Path) -> None:
    sheets = base_sheets()
    sheets["Settings"].append(["colour", "blue"])

    problem, diagnostics = load(save(tmp_path, sheets))

    warned = at(diagnostics, "Settings", "A3", Level.WARNING)
    assert_mentions(warned.message, "'colour'", "not known", "max_country_share")
    assert refs(diagnostics) == [("Settings", "A3")]
    assert problem.settings.time_limit == 30.0


SETTING_ERRORS: list[tuple[str, Any, list[str]]] = [
    ("max_country_share", 40, ["max_country_share", "40%"]),
    ("max_supplier_share", "lots", ["max_supplier_share", "'lots'", "not a number"]),
    ("max_avg_risk", 101, ["max_avg_risk", "101", "0 to 100"]),
    ("risk_price", -1, ["risk_price", "-1", "0 or more"]),
    ("shortfall_penalty", "1,000", ["shortfall_penalty", "'1,000'", "not a number"]),
    ("solver", "gurobi", ["solver", "'gurobi'", "highs or cbc"]),
    ("time_limit", 0, ["time_limit", "0", "above 0"]),
    ("frontier_points", 2.5, ["frontier_points", "2.5", "whole number"]),
    ("time_limit", dt.datetime(2024, 1, 1), ["time_limit", "date"]),
]


@pytest.mark.parametrize(
    ("setting", "value", "words"), SETTING_ERRORS, ids=[f"{s}={v!r}" for s, v, _ in SETTING_ERRORS]
)
def test_setting_value_error_cites_the_value_cell(
    tmp_path: Path, setting: str, value: Any, words: list[str]
) -> None:
    sheets = base_sheets()
    sheets["Settings"] = [
        ["Settings of this run"],
        ["setting", "value"],
        ["owner", "J. Doe"],
        [setting, value],
    ]

    errors = errors_of(save(tmp_path, sheets))

    assert refs(errors) == [("Settings", "B4")]
    assert_mentions(errors[0].message, *words)


def test_duplicate_setting_is_an_error(tmp_path: Path) -> None:
    sheets = base_sheets()
    sheets["Settings"].append(["Time Limit", 10])

    errors = errors_of(save(tmp_path, sheets))

    assert refs(errors) == [("Settings", "A3")]
    assert_mentions(errors[0].message, "time_limit", "Settings!A2")


# --- file formats ------------------------------------------------------------------------------


def rich_sheets() -> Sheets:
    """A valid workbook using every optional sheet and column, titles, blanks and text numbers."""
    return {
        "Offers": [
            ["Supplier offers 2025"],
            [
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
                "notes",
            ],
            ["ChinaCo", "China", "Ga", 10.5, 100, 1, None, None, None, None, 40, "ok"],
            ["JapanCo", "Japan", "Ga", 12, None, None, "5%", 20, 10, 500, None, None],
            [None, None, None, None, None, None, None, None, None, None, None, None],
            ["KoreaCo", "Korea", "Ge", " 15 ", 50, 0.5, 0.1, 30, None, None, None, None],
            ["RusCo", "Russia", "Ge", 8, 80, None, None, None, None, None, None, None],
        ],
        "Demand": [
            ["material", "quantity", "max_country_share", "max_avg_risk", "max_suppliers"],
            ["Ga", 100, 0.5, None, 2],
            ["Ge", 20, None, 40, None],
        ],
        "Countries": [
            ["country", "risk", "max_share", "tariff", "group", "embargo"],
            ["China", 70, 0.6, 0.25, "FEOC", "no"],
            ["Japan", 5, None, None, "G7", None],
            ["Korea", 10, None, None, None, None],
            ["Russia", 90, None, None, "FEOC", "yes"],
        ],
        "Groups": [["group", "max_share", "min_share"], ["FEOC", 0.5, None], ["G7", None, 0.2]],
        "Settings": [
            ["setting", "value"],
            ["risk_price", 0.5],
            ["solver", "cbc"],
            ["max_supplier_share", "60%"],
        ],
        "Read me": [["not used"]],
    }


def invalid_sheets() -> Sheets:
    sheets = rich_sheets()
    set_cell(sheets, "Offers", "D3", "lots")
    set_cell(sheets, "Offers", "E4", -3)
    set_cell(sheets, "Countries", "C2", 60)
    set_cell(sheets, "Offers", "C7", "Copper")
    sheets["Demand"].append(["Ga", 5])
    set_cell(sheets, "Settings", "B3", "gurobi")
    return sheets


def in_every_format(tmp_path: Path, sheets: Sheets) -> dict[str, Path]:
    return {
        ".xlsx": make_workbook(tmp_path / "book.xlsx", sheets),
        ".xls": write_xls(tmp_path / "book.xls", sheets),
        ".ods": write_ods(tmp_path / "book.ods", sheets),
    }


def test_rich_workbook_resolves_as_expected(tmp_path: Path) -> None:
    problem, diagnostics = load(save(tmp_path, rich_sheets()))

    assert sorted(refs(diagnostics)) == [("Offers", "L2"), ("Read me", "")]
    assert [(o.supplier, o.row) for o in problem.offers] == [
        ("ChinaCo", 3),
        ("JapanCo", 4),
        ("KoreaCo", 6),
        ("RusCo", 7),
    ]
    china, japan, korea, russia = problem.offers
    assert (china.tariff, china.risk, china.current_quantity) == (0.25, 70.0, 40.0)
    assert (japan.tariff, japan.capacity, japan.min_order, japan.fixed_cost) == (
        0.05,
        None,
        10.0,
        500.0,
    )
    assert (korea.unit_price, korea.freight) == (15.0, 0.5)
    assert (russia.embargoed, russia.risk, china.embargoed) == (True, 90.0, False)
    assert problem.materials["Ga"].max_suppliers == 2
    assert problem.materials["Ge"].max_supplier_share == 0.6


def test_same_problem_from_xlsx_xls_and_ods(tmp_path: Path) -> None:
    paths = in_every_format(tmp_path, rich_sheets())

    loaded = {suffix: load(path) for suffix, path in paths.items()}

    xlsx_problem, xlsx_diagnostics = loaded[".xlsx"]
    for suffix in (".xls", ".ods"):
        problem, diagnostics = loaded[suffix]
        assert problem.model_dump() == xlsx_problem.model_dump(), suffix
        assert diagnostics == xlsx_diagnostics, suffix


def test_same_errors_from_xlsx_xls_and_ods(tmp_path: Path) -> None:
    paths = in_every_format(tmp_path, invalid_sheets())

    found = {suffix: invalid(path) for suffix, path in paths.items()}

    assert sorted(refs([d for d in found[".xlsx"] if d.level is Level.ERROR])) == [
        ("Countries", "C2"),
        ("Demand", "A4"),
        ("Offers", "C7"),
        ("Offers", "D3"),
        ("Offers", "E4"),
        ("Settings", "B3"),
    ]
    assert found[".xls"] == found[".xlsx"]
    assert found[".ods"] == found[".xlsx"]


def test_xlsm_reads_like_xlsx(tmp_path: Path) -> None:
    xlsx = save(tmp_path, rich_sheets(), "book.xlsx")
    renamed = tmp_path / "renamed.xlsm"
    shutil.copy(xlsx, renamed)
    saved_as = make_workbook(tmp_path / "saved.xlsm", rich_sheets())

    expected = load(xlsx)

    for path in (renamed, saved_as):
        problem, diagnostics = load(path)
        assert problem.model_dump() == expected[0].model_dump()
        assert diagnostics == expected[1]


def test_upper_case_suffix_is_read(tmp_path: Path) -> None:
    problem, _ = load(save(tmp_path, base_sheets(), "BOOK.XLSX"))

    assert len(problem.offers) == 2


# --- files that are not workbooks --------------------------------------------------------------


def _truncated_xlsx(tmp_path: Path) -> bytes:
    data = make_workbook(tmp_path / "whole.xlsx", base_sheets()).read_bytes()
    return data[: len(data) // 2]


def _zip_without_workbook(tmp_path: Path) -> bytes:
    path = tmp_path / "plain.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    return path.read_bytes()


NOT_WORKBOOKS: dict[str, Any] = {
    "random.xlsx": lambda _: random.Random(1).randbytes(4000),
    "empty.xlsx": lambda _: b"",
    "offers.xlsx": lambda _: b"supplier,country,material,unit_price\nA,China,Ga,10\n",
    "offers.xlsm": lambda _: b"supplier,country,material,unit_price\nA,China,Ga,10\n",
    "offers.xls": lambda _: b"supplier,country,material,unit_price\nA,China,Ga,10\n",
    "random.xls": lambda _: random.Random(2).randbytes(4000),
    "random.ods": lambda _: random.Random(3).randbytes(4000),
    "empty.ods": lambda _: b"",
    "truncated.xlsx": _truncated_xlsx,
    "archive.xlsx": _zip_without_workbook,
    "archive.ods": _zip_without_workbook,
}


@pytest.mark.parametrize("name", list(NOT_WORKBOOKS))
def test_unreadable_file_gives_one_plain_error(tmp_path: Path, name: str) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    path = folder / name
    path.write_bytes(NOT_WORKBOOKS[name](tmp_path))

    diagnostics = invalid(path)

    assert len(diagnostics) == 1
    (only,) = diagnostics
    assert only.level is Level.ERROR
    assert name in only.message
    assert_mentions(only.message, "could not be read", "save it again")
    assert "Traceback" not in only.message
    assert len(only.message) < 400


def test_file_with_another_suffix_is_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "offers.csv"
    path.write_text("supplier,country\nA,China\n")

    (only,) = invalid(path)

    assert only.level is Level.ERROR
    assert_mentions(only.message, "offers.csv", "not a workbook", ".xlsx", ".ods")


# --- bugs found: these document wrong behaviour and fail once it is fixed ----------------------


@pytest.mark.parametrize("broken", ["no Offers sheet", "no unit_price column"])
def test_other_sheets_are_checked_when_offers_is_unusable(tmp_path: Path, broken: str) -> None:
    sheets = set_cell(base_sheets(), "Demand", "B2", -5)
    set_cell(sheets, "Countries", "B3", 150)
    if broken == "no Offers sheet":
        del sheets["Offers"]
    else:
        sheets["Offers"][0][3] = "price"

    errors = errors_of(save(tmp_path, sheets))

    assert ("Demand", "B2") in refs(errors)
    assert ("Countries", "B3") in refs(errors)


def test_bad_demand_cell_gives_no_false_unknown_material_error(tmp_path: Path) -> None:
    path = save(tmp_path, set_cell(base_sheets(), "Demand", "C2", 40))

    assert refs(errors_of(path)) == [("Demand", "C2")]


def test_bad_group_cell_gives_no_false_unknown_group_error(tmp_path: Path) -> None:
    path = save(tmp_path, set_cell(base_sheets(), "Groups", "B2", 50))

    assert refs(errors_of(path)) == [("Groups", "B2")]


def test_duplicate_of_a_row_with_a_bad_cell_is_reported(tmp_path: Path) -> None:
    sheets = set_cell(base_sheets(), "Countries", "B2", 150)
    sheets["Countries"].append(["China", 60])

    assert sorted(refs(errors_of(save(tmp_path, sheets)))) == [
        ("Countries", "A4"),
        ("Countries", "B2"),
    ]


def test_share_suggestion_prints_a_clean_fraction(tmp_path: Path) -> None:
    path = save(tmp_path, set_cell(base_sheets(), "Demand", "C2", 33.3))

    message = at(errors_of(path), "Demand", "C2").message

    assert "33.3%" in message
    assert "(or 0.333)" in message


def test_bad_percent_text_is_quoted_as_written(tmp_path: Path) -> None:
    path = save(tmp_path, set_cell(base_sheets(), "Offers", "G2", "abc%"))

    assert_mentions(at(errors_of(path), "Offers", "G2").message, "'abc%'")


# --- whole columns at a time (large workbooks) --------------------------------------------------
# `validate` checks each column in one pass and sends only the cells the pass cannot vouch for
# through the per-cell converters; these tests hold it to the per-cell results.

ODD_CELLS: list[Any] = [
    None, 0, 0.0, -0.0, 1, 1.0, 0.5, 2.5, 40, 100, 100.5, -1, -0.5, 1e-7, 1e11, 1e15, 1e15 + 1,
    10**15 + 1, 10**20, -1e16, float("nan"), float("inf"), -float("inf"), True, False,
    dt.datetime(2024, 3, 1), dt.date(2024, 1, 2), dt.time(3, 4), dt.timedelta(days=1),
    CellError("#N/A"), FORMULA_WITHOUT_VALUE, "Ga", " Ga ", "a\x01b", "", "  ", " 300 ", "1,200",
    "lots", "nan", "1e999", "40%", " 7.5% ", "140%", "abc%", "{x}", "+.5", "yes", "No", "x", "0",
]  # fmt: skip


def random_cells(seed: int, count: int) -> list[Any]:
    """A column of mostly plain cells of one type, with odd ones in between."""
    rnd = random.Random(seed)
    plain = rnd.choice([lambda: rnd.uniform(0, 2), lambda: rnd.randint(1, 50), lambda: "Co"])
    return [rnd.choice(ODD_CELLS) if rnd.random() < 0.3 else plain() for _ in range(count)]


@pytest.mark.parametrize("kind", list(Kind))
@pytest.mark.parametrize("seed", range(4))
def test_column_conversion_gives_the_per_cell_values_and_messages(kind: Kind, seed: int) -> None:
    cells = [*ODD_CELLS, *random_cells(seed, 300)]

    values, problems = convert_column(kind, Cells.of(cells))

    for i, cell in enumerate(cells):
        if cell is None:
            assert (values[i], i in problems) == (None, False)
            continue
        try:
            expected = CONVERTERS[kind](cell)
        except CellProblem as problem:
            assert (values[i], problems.get(i)) == (None, str(problem)), cell
        else:
            assert (repr(values[i]), i in problems) == (repr(expected), False), cell


def test_models_made_at_once_equal_validated_ones() -> None:
    fields = {
        "index": [0, 1],
        "supplier": ["ChinaCo", "JapanCo"],
        "country": ["China", "Japan"],
        "material": ["Ga", "Ga"],
        "unit_price": [10.0, 12.5],
        "capacity": [None, 30.0],
        "freight": [0.0, 1.0],
        "tariff": [0.25, 0.0],
        "risk": [70.0, 5.0],
        "min_order": [None, 2.0],
        "fixed_cost": [None, None],
        "current_quantity": [40.0, None],
        "embargoed": [False, True],
        "row": [2, 3],
    }
    validated = [Offer.model_validate({k: v[i] for k, v in fields.items()}) for i in range(2)]

    made = construct_all(Offer, **fields)

    assert made == validated
    assert [repr(o) for o in made] == [repr(o) for o in validated]
    assert [o.model_fields_set for o in made] == [o.model_fields_set for o in validated]
    assert pickle.loads(pickle.dumps(made)) == validated
    changed = made[0].model_copy(update={"capacity": 5.0})
    assert (changed.capacity, made[0].capacity, made[1].model_fields_set) == (
        5.0,
        None,
        set(fields),
    )
    with pytest.raises(ValidationError):
        made[0].capacity = 1.0  # type: ignore[misc]
    with pytest.raises(TypeError):
        construct_all(Offer, **{**fields, "row": [2]})


def test_errors_come_row_by_row_then_column_by_column() -> None:
    header = ["supplier", "country", "material", "unit_price", "capacity", "freight", "tariff"]
    offers = [
        [*header, "risk"],
        ["A\x01co", "Japan", "Ga", 10, 100, None, 40, 10],
        ["B", None, "Ga", "lots", 1e11, None, None, 150],
        ["C", "China", "Ga", -1, None, None, None, 5],
        ["A\x01co", "Japan", "Ga", 5, 5, None, None, 5],
    ]
    demand = [["material", "quantity"], ["Ga", 100]]
    book = Workbook(
        ["Offers", "Demand"], {"Offers": Sheet("Offers", offers), "Demand": Sheet("Demand", demand)}
    )

    with pytest.raises(InvalidWorkbook) as caught:
        validate(book)

    assert [(d.level, d.cell) for d in caught.value.diagnostics] == [
        (Level.ERROR, "G2"),
        (Level.ERROR, "B3"),
        (Level.ERROR, "D3"),
        (Level.ERROR, "H3"),
        (Level.ERROR, "D4"),
        (Level.ERROR, "A5"),  # the repeated (supplier, material) pair
        (Level.WARNING, "A2"),
        (Level.WARNING, "E3"),
        (Level.WARNING, "A5"),
    ]


def messy_workbook(seed: int, offers: int, messy: bool) -> Workbook:
    """Offers whose columns mix plain cells with blanks, defaults from Countries and, if `messy`,
    odd cells, repeated suppliers and unknown names."""
    rnd = random.Random(seed)
    header = ["supplier", "country", "material", "unit_price", "capacity", "freight", "tariff"]
    header += ["risk", "min_order", "notes"]
    rows: list[list[Any]] = [["Offers 2025"], header]
    for i in range(offers):
        row = [
            f"S{rnd.randint(0, offers) if messy else i}",
            rnd.choice(["China", "Japan", "Peru", *(["Chna"] if messy else [])]),
            rnd.choice(["Ga", "Ge", *(["Gq"] if messy else [])]),
            rnd.uniform(1, 50),
            rnd.choice([None, 100.0, 50]),
            None,
            rnd.choice([None, 0.1, "5%"]),
            rnd.choice([None, 30.0]),
            rnd.choice([None, None, 10.0, 200.0]),
            "memo",
        ]
        row = [rnd.choice(ODD_CELLS) if messy and rnd.random() < 0.02 else c for c in row]
        rows.append(row[: rnd.choice([10, 10, 10, 4])] if i % 50 else [None] * 10)
    countries = [["country", "risk", "tariff", "embargo"], ["China", 70, 0.25, "no"]]
    countries += [["Japan", None, None, "yes"], ["Peru", 20, "1%", None]][: seed % 3]
    demand = [["material", "quantity", "max_avg_risk"], ["Ga", 100, 50], ["Ge", 20, None]]
    sheets = {
        "Offers": Sheet("Offers", rows),
        "Demand": Sheet("Demand", demand),
        "Countries": Sheet("Countries", countries),
    }
    return Workbook(list(sheets), sheets)


def outcome(book: Workbook) -> tuple[Problem | None, list[Diagnostic]]:
    try:
        return validate(book)
    except InvalidWorkbook as invalid:
        return None, invalid.diagnostics


@pytest.mark.parametrize("messy", [False, True])
@pytest.mark.parametrize("seed", range(3))
def test_column_checks_give_what_cell_by_cell_checks_give(
    seed: int, messy: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    book = messy_workbook(seed, 600, messy)
    fast = outcome(book)

    def every_cell(cells: Cells) -> tuple[list[Any], list[int]]:
        return [None] * len(cells.values), [i for i, c in enumerate(cells.values) if c is not None]

    monkeypatch.setattr("optimizer.reading.cells._plain_text", every_cell)
    monkeypatch.setattr(
        "optimizer.reading.cells._plain_numbers", lambda kind, cells: every_cell(cells)
    )
    monkeypatch.setattr(
        "optimizer.reading.validate._unusual", lambda cells: range(len(cells.values))
    )
    slow = outcome(book)

    assert fast[1] == slow[1]
    assert fast[1]  # the workbook has something to say
    assert (fast[0] is None) == messy
    assert repr(fast[0] and fast[0].model_dump()) == repr(slow[0] and slow[0].model_dump())
