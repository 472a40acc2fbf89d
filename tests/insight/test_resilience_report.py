"""Resilience in the output workbook (issue 13): reservations in Allocation, stock in Materials,
the Resilience sheet, cover rows in Constraints and Limits cost, reserve_cost, stock_cost and
resilience_cost in Summary, scenarios and the frontier with `survive`, and an infeasible
resilient workbook explained; the whole-units rule through a workbook.

Each workbook is given as DataFrames, solved through `optimizer.solve` and written with
`Result.to_excel`; every check reads the written workbook back with openpyxl (through pandas)
and recomputes what it says from the input sheets here, never from the package.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import optimizer

TOL = 1e-6


def approx(value: float) -> Any:
    return pytest.approx(value, rel=1e-7, abs=1e-6)


def sheets(
    offers: list[tuple[Any, ...]],
    demand: list[tuple[Any, ...]],
    settings: list[tuple[str, Any]],
    scenarios: list[tuple[Any, ...]] | None = None,
) -> dict[str, pd.DataFrame]:
    """Offers (supplier, country, material, unit_price, capacity, reserve_price), Demand
    (material, quantity, unit, stock, stock_cost, max_stock, min_cover), Settings and,
    optionally, Scenarios (scenario, country, supplier, capacity_factor)."""
    tables = {
        "Offers": pd.DataFrame(
            offers,
            columns=["supplier", "country", "material", "unit_price", "capacity", "reserve_price"],
        ),
        "Demand": pd.DataFrame(
            demand,
            columns=[
                "material",
                "quantity",
                "unit",
                "stock",
                "stock_cost",
                "max_stock",
                "min_cover",
            ],
        ),
        "Settings": pd.DataFrame(settings, columns=["setting", "value"]),
    }
    if scenarios:
        tables["Scenarios"] = pd.DataFrame(
            scenarios, columns=["scenario", "country", "supplier", "capacity_factor"]
        )
    return tables


def written(tables: dict[str, pd.DataFrame], tmp_path: Path, **settings: Any) -> dict[str, Any]:
    """Solve, write the output workbook, and read every sheet of it back."""
    result = optimizer.solve(tables, **settings)
    path = tmp_path / "out.xlsx"
    result.to_excel(path)
    return pd.read_excel(path, sheet_name=None, engine="openpyxl")


def summary(book: dict[str, pd.DataFrame]) -> dict[str, Any]:
    table = book["Summary"]
    return dict(zip(table["item"], table["value"], strict=True))


# ChinaCo @10 (blank capacity), JapanCo @14 with 80 that can be reserved at 2; stock 5 a kg, at
# most 30 added; the loss of either country must leave all 100 (see tests/model).
CHINA_JAPAN = [
    ("ChinaCo", "China", "Ga", 10, None, None),
    ("JapanCo", "Japan", "Ga", 14, 80, 2),
]
SURVIVE = [("survive", "country"), ("currency", "USD")]


def recomputed_cover(book: dict[str, pd.DataFrame], tables: dict[str, pd.DataFrame]) -> None:
    """For every country with an offer of a material: what its loss leaves, from the output's
    Allocation (bought and reserved elsewhere), the input's stock on hand and the output's
    stock added, is what the Resilience sheet says and at least min_cover x demand."""
    allocation, materials = book["Allocation"], book["Materials"].set_index("material")
    demand = tables["Demand"].set_index("material")
    settings = dict(zip(tables["Settings"]["setting"], tables["Settings"]["value"], strict=True))
    resilience = book["Resilience"].set_index(["material", "disruption"])
    offers = tables["Offers"]
    for name, want in demand.iterrows():
        own = want["min_cover"]
        cover = float(settings.get("min_cover", 1.0) if pd.isna(own) else own)
        required = cover * want["quantity"]
        held = allocation[allocation["material"] == name]
        for country in set(offers.loc[offers["material"] == name, "country"]):
            elsewhere = held[held["country"] != country]
            available = float((elsewhere["quantity"] + elsewhere["reserved"]).sum())
            available += (0.0 if pd.isna(want["stock"]) else want["stock"]) + float(
                materials.loc[name, "stock_added"]
            )
            row = resilience.loc[(name, f"country {country}")]
            assert row["available"] == approx(available), (name, country)
            assert row["required"] == approx(required), (name, country)
            assert available >= required - TOL * want["quantity"], (name, country)
            assert row["cover"] == approx(available / want["quantity"])


def test_reservations_stock_and_cover_in_every_sheet(tmp_path: Path) -> None:
    tables = sheets(CHINA_JAPAN, [("Ga", 100, "kg", None, 5, 30, None)], SURVIVE)
    book = written(tables, tmp_path)
    info = summary(book)
    assert info["status"] == "optimal"
    # All from China (1,000), 80 reserved in Japan (160), 20 of stock (100); without survive
    # the plan is all China, 1,000: resilience costs 260.
    assert (info["total_cost"], info["reserve_cost"], info["stock_cost"]) == (1260, 160, 100)
    assert info["resilience_cost"] == 260 and info["objective"] == 1260
    allocation = book["Allocation"].set_index("supplier")
    assert allocation.loc["ChinaCo", ["quantity", "reserved", "cost"]].tolist() == [100, 0, 1000]
    assert allocation.loc["JapanCo", ["quantity", "reserved", "cost"]].tolist() == [0, 80, 0]
    [material] = book["Materials"].to_dict("records")
    assert (material["cost"], material["stock_added"], material["unit"]) == (1260, 20, "kg")
    assert (material["worst_disruption"], material["worst_cover"]) == ("country China", 1)
    recomputed_cover(book, tables)
    constraints = book["Constraints"].set_index(["constraint", "subject"])
    cover = constraints.loc[("cover", "country China")]
    assert (cover["limit"], cover["value"], cover["slack"]) == (100, 100, 0)
    assert cover["shadow_price"] == approx(5)  # a unit more of cover: a unit of stock
    assert constraints.loc[("capacity", "JapanCo"), "value"] == 80  # bought + reserved
    costs = book["Limits cost"].set_index("family")
    assert costs.loc["cover", ["limits", "total_cost_without", "cost"]].tolist() == [2, 1000, 260]
    assert total_of_materials(book) == approx(info["total_cost"])


def total_of_materials(book: dict[str, pd.DataFrame]) -> float:
    return float(book["Materials"]["cost"].sum())


def test_resilience_cost_values_unmet_demand_at_its_penalty(tmp_path: Path) -> None:
    # ChinaCo holds 60; unmet demand 13 a kg, JapanCo's reservation 0.5, stock up to the demand.
    # Without survive: 60 from China, 40 unmet: 600 + 520. With it: 60 reserved in Japan and 40
    # of stock (Japan's loss leaves 60 + a >= 100), the same 40 unmet: 830 + 520.
    # resilience_cost = (830 + 520) - (600 + 520) = 230.
    tables = sheets(
        [("ChinaCo", "China", "Ga", 10, 60, None), ("JapanCo", "Japan", "Ga", 14, 80, 0.5)],
        [("Ga", 100, "kg", None, 5, None, None)],
        [*SURVIVE, ("shortfall_penalty", 13)],
    )
    book = written(tables, tmp_path)
    info = summary(book)
    assert (info["total_cost"], info["objective"], info["total_shortfall"]) == (830, 1350, 40)
    assert info["resilience_cost"] == approx(230)
    recomputed_cover(book, tables)


def test_without_survive_nothing_is_reserved_and_the_exposure_is_still_shown(
    tmp_path: Path,
) -> None:
    tables = sheets(CHINA_JAPAN, [("Ga", 100, "kg", None, 5, 30, None)], [("currency", "USD")])
    book = written(tables, tmp_path)
    info = summary(book)
    assert (info["reserve_cost"], info["stock_cost"], info["resilience_cost"]) == (0, 0, 0)
    assert book["Allocation"]["reserved"].tolist() == [0]
    # the loss of each country the plan buys from: China, which leaves nothing
    [row] = book["Resilience"].to_dict("records")
    assert (row["disruption"], row["available"], row["cover"]) == ("country China", 0, 0)
    assert pd.isna(row["required"]) and not row["binding"]
    assert "cover" not in set(book["Limits cost"]["family"]) if "Limits cost" in book else True


def test_a_scenario_is_compared_with_the_plan_without_survive(tmp_path: Path) -> None:
    # "Japan halves" leaves the re-planned purchases all Chinese (1,000), as without survive:
    # re-planning costs nothing more; against the resilient plan's 1,260 it would look like a
    # saving of 260 that the disruption has nothing to do with.
    tables = sheets(
        CHINA_JAPAN,
        [("Ga", 100, "kg", None, 5, 30, None)],
        SURVIVE,
        [("Japan halves", "Japan", None, 0.5), ("China stops", "China", None, 0)],
    )
    book = written(tables, tmp_path)
    scenarios = book["Scenarios"].set_index("scenario")
    assert scenarios.loc["Japan halves", ["total_cost", "cost_change"]].tolist() == [1000, 0]
    # China stops: all 100 from Japan, which holds 80, cannot be bought within the limits
    assert scenarios.loc["China stops", "status"] == "infeasible"


def test_the_frontier_sweeps_min_cover_from_the_workbooks_own(tmp_path: Path) -> None:
    # min_cover 50% (1,100), then 75% (1,150) and 100% (1,260), as in tests/model.
    tables = sheets(
        CHINA_JAPAN,
        [("Ga", 100, "kg", None, 5, 30, None)],
        [*SURVIVE, ("min_cover", 0.5), ("frontier_points", 2)],
    )
    frontier = written(tables, tmp_path)["Frontier"]
    assert frontier["point"].tolist() == ["base plan", 1, 2]
    assert frontier["factor"].tolist() == [0.5, 0.75, 1]
    assert frontier["total_cost"].tolist() == [1100, 1150, 1260]
    assert set(frontier["factor_of"]) == {"min_cover"}


def test_an_infeasible_resilient_workbook_is_explained_in_numbers(tmp_path: Path) -> None:
    # JapanCo holds 60 and no stock can be added: China's loss leaves at most 60 of the 100
    # required. Lowering min_cover to 60% (60 reserved, 1,120) or raising JapanCo's capacity to
    # 100 (100 reserved, 1,200) makes a plan; both were tried.
    tables = sheets(
        [("ChinaCo", "China", "Ga", 10, None, None), ("JapanCo", "Japan", "Ga", 14, 60, 2)],
        [("Ga", 100, "kg", None, None, None, None)],
        SURVIVE,
    )
    book = written(tables, tmp_path)
    assert summary(book)["status"] == "infeasible"
    diagnostics = book["Diagnostics"]
    [row] = diagnostics[diagnostics["level"] == "error"].to_dict("records")
    assert row["sheet"] == "Settings" and pd.isna(row["cell"])  # min_cover: the default
    assert row["message"] == (
        "Ga: demand 100. Holding it back: if China stops supplying it, at most 60 of the "
        "required 100 (min_cover 100%) can be available. To make a plan possible: lower the "
        "default share of demand that must stay available in a disruption (min_cover in "
        "Settings) from "
        "100% to 60% (then Ga costs 1,120); or raise the capacity of JapanCo (Offers!E3) from "
        "60 to 100 (then Ga costs 1,200)."
    )


def test_pieces_are_bought_whole(tmp_path: Path) -> None:
    # 7 pieces from two equal offers, each at most half: no plan in whole pieces.
    tables = {
        "Offers": pd.DataFrame(
            [("A", "China", "Bolt", 10, None), ("B", "Japan", "Bolt", 10, None)],
            columns=["supplier", "country", "material", "unit_price", "capacity"],
        ),
        "Demand": pd.DataFrame(
            [("Bolt", 7, "pcs", 0.5)],
            columns=["material", "quantity", "unit", "max_supplier_share"],
        ),
    }
    book = written(tables, tmp_path)
    assert summary(book)["status"] == "infeasible"
    diagnostics = book["Diagnostics"]
    [row] = diagnostics[diagnostics["level"] == "error"].to_dict("records")
    assert row["message"] == (
        "Bolt: demand 7, at most 6 can be sourced within the limits. Holding it back: supplier A "
        "capped at 50% (3.5, so 3 whole pcs, Demand!D2); supplier B capped at 50% (3.5, so 3 "
        "whole pcs, Demand!D2). To make a plan possible: raise the cap on any one supplier's "
        "share (Demand!D2) from 50% to 57.2% (then Bolt costs 70)."
    )
    tables["Demand"].loc[0, "quantity"] = 8
    book = written(tables, tmp_path)
    assert book["Allocation"]["quantity"].tolist() == [4, 4]
