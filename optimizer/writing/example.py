"""The shipped example: a Japanese buyer's yearly gallium and germanium need, planned to withstand
the loss of any one country.

Gallium figures follow `shared/data/gallium-facts.md` (prices within Fastmarkets' 2023 ranges,
Kazakhstan's 15 t/yr Pavlodar plant, Australia's Wagerup project, Japanese recycling, Japan's
60-day stockpiling target: about 16% of a year's demand); supplier names are invented and the
germanium figures, the reservation fees and the cost of stock are illustrative.
Quantities are in kg, money in US dollars.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from optimizer.writing.xlsx import write_workbook

# fmt: off
OFFERS = pd.DataFrame(
    [
        # supplier, country, material, unit_price, capacity, freight, tariff, risk,
        # min_order, fixed_cost, current_quantity (today's purchases, Russia's included),
        # reserve_price (a fee per kg of capacity held for a disruption, outside China),
        # origin (where the metal was first produced, when it ships from elsewhere: Kyushu
        # refines Chinese primary gallium in Japan, so it is Chinese exposure)
        ("Yunnan Gallium Metals", "China", "Gallium", 285, 90_000, 6, None, None, None, None, 72_000, None, None),  # noqa: E501
        ("Shandong Alumina Ga", "China", "Gallium", 292, 60_000, 6, None, None, None, None, 40_000, None, None),  # noqa: E501
        ("Pavlodar Gallium (ERG)", "Kazakhstan", "Gallium", 410, 15_000, 14, None, None, 5_000, None, None, 20, None),  # noqa: E501
        ("Wagerup Gallium JV", "Australia", "Gallium", 455, 40_000, 10, None, None, 10_000, 250_000, None, 25, None),  # noqa: E501
        ("Kanto Ga Recycling", "Japan", "Gallium", 495, 30_000, 2, None, None, None, None, 20_000, 30, None),  # noqa: E501
        ("Kyushu Gallium Refining", "Japan", "Gallium", 289, 20_000, 3, None, None, None, None, None, None, "China"),  # noqa: E501
        ("Ulsan Gallium", "Korea", "Gallium", 440, 8_000, 4, None, None, None, None, 8_000, 25, None),  # noqa: E501
        ("Stade Gallium", "Germany", "Gallium", 505, 12_000, 16, None, None, None, 120_000, None, 90, None),  # noqa: E501
        ("Ural Gallium", "Russia", "Gallium", 330, 10_000, 12, None, None, None, None, 10_000, None, None),  # noqa: E501
        ("Trail Germanium Refinery", "Canada", "Germanium", 1_750, 8_000, 20, None, None, None, None, None, 60, None),  # noqa: E501
        ("Olen Germanium Recycling", "Belgium", "Germanium", 1_850, 6_000, 25, None, None, None, None, 3_000, 70, None),  # noqa: E501
        ("Yunnan Germanium", "China", "Germanium", 1_450, 20_000, 15, None, None, None, None, 15_000, None, None),  # noqa: E501
        ("Kanto Ge Recycling", "Japan", "Germanium", 1_950, 3_000, 3, None, None, None, None, 2_000, 80, None),  # noqa: E501
    ],
    columns=["supplier", "country", "material", "unit_price", "capacity", "freight", "tariff",
             "risk", "min_order", "fixed_cost", "current_quantity", "reserve_price", "origin"],
)
# fmt: on

DEMAND = pd.DataFrame(
    [
        # 6 t of gallium on hand; up to 18 t more (to Japan's 60-day target, 24 t, 16% of the
        # year) at 340 $/kg, bought and held through the year
        ("Gallium", 150_000, None, 0.4, 45, None, "kg", 6_000, 340, 18_000),
        ("Germanium", 20_000, None, None, 50, 3, "kg", None, None, None),
    ],
    columns=[
        "material",
        "quantity",
        "max_country_share",
        "max_supplier_share",
        "max_avg_risk",
        "max_suppliers",
        "unit",
        "stock",
        "stock_cost",
        "max_stock",
    ],
)

COUNTRIES = pd.DataFrame(
    [
        # country, risk (0-100), max_share, tariff, group, embargo
        ("China", 80, 0.5, 0.0, "FEOC", None),
        ("Russia", 95, None, 0.0, "FEOC", "yes"),
        ("Kazakhstan", 45, None, 0.0, None, None),
        ("Australia", 10, None, 0.0, "Allied", None),
        ("Japan", 5, None, 0.0, "Allied", None),
        ("Korea", 15, None, 0.0, "Allied", None),
        ("Germany", 10, None, 0.0, "Allied", None),
        ("Canada", 10, None, 0.0, "Allied", None),
        ("Belgium", 10, None, 0.0, "Allied", None),
    ],
    columns=["country", "risk", "max_share", "tariff", "group", "embargo"],
)

GROUPS = pd.DataFrame(
    [("FEOC", 0.5, None), ("Allied", None, 0.25)],
    columns=["group", "max_share", "min_share"],
)

SETTINGS = pd.DataFrame(
    [
        ("max_country_share", 1.0),
        ("risk_price", 0),
        ("solver", "highs"),
        ("time_limit", 60),
        ("frontier_points", 5),
        ("currency", "USD"),
        ("survive", "country"),  # the loss of any one country ...
        ("min_cover", 0.75),  # ... must leave 75% of each material's demand
    ],
    columns=["setting", "value"],
)

SCENARIOS = pd.DataFrame(
    [
        # scenario, country, supplier, material, capacity_factor, price_factor
        ("China export ban", "China", None, None, 0, None),
        ("Kazakhstan start-up delayed", "Kazakhstan", None, None, 0.5, None),
        ("Wagerup slips a year", None, "Wagerup Gallium JV", None, 0, None),
        ("Gallium price spike", None, None, "Gallium", None, 1.5),
        ("Chinese licences slow, prices up", "China", None, None, 0.6, 1.3),
    ],
    columns=["scenario", "country", "supplier", "material", "capacity_factor", "price_factor"],
)


def example_tables() -> dict[str, pd.DataFrame]:
    return {
        "Offers": OFFERS,
        "Demand": DEMAND,
        "Countries": COUNTRIES,
        "Groups": GROUPS,
        "Settings": SETTINGS,
        "Scenarios": SCENARIOS,
    }


def write_example(path: Path) -> None:
    write_workbook(path, example_tables())


if __name__ == "__main__":
    write_example(Path("inputs/gallium.xlsx"))
