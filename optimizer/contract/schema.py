"""The input sheets and columns of the workbook contract: one table read by the reader, the
validator and the template writer."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

EXCEL_MAX_TEXT = 32_767  # characters in one cell
EXCEL_MAX_ROWS = 1_048_576  # rows in one sheet
OUTPUT_SUFFIX = "_allocation.xlsx"  # the output of `plan.xlsx` is `plan_allocation.xlsx`
INSTRUCTIONS = "Instructions"  # the template's sheet of explanations, which the reader skips


def excel_length(text: str) -> int:
    """The length of `text` as Excel counts it against EXCEL_MAX_TEXT: in UTF-16 units (an
    emoji counts twice)."""
    if len(text) <= EXCEL_MAX_TEXT // 2:  # short enough whatever it holds
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


CANNOT_STORE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # Excel drops these


def excel_text(value: object) -> object:
    """Text Excel can store: no control characters or noncharacters (U+FFFE, U+FFFF), at most
    EXCEL_MAX_TEXT UTF-16 units; anything that is not text, as it is."""
    if not isinstance(value, str):
        return value
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # e.g. a file name in a legacy encoding, read as surrogates
        value = value.encode("utf-8", "replace").decode("utf-8")
    return excel_cut(CANNOT_STORE.sub("", value))


def excel_cut(text: str) -> str:
    """`text` cut to what one Excel cell holds (EXCEL_MAX_TEXT UTF-16 units), never inside a
    character."""
    if excel_length(text) <= EXCEL_MAX_TEXT:
        return text
    units = text.encode("utf-16-le", "surrogatepass")[: 2 * EXCEL_MAX_TEXT]
    return units.decode("utf-16-le", "ignore")


class Kind(StrEnum):
    TEXT = "text"
    AMOUNT = "amount"  # a number >= 0
    POSITIVE = "positive"  # a number > 0
    SHARE = "share"  # a fraction from 0 to 1
    RISK = "risk"  # a score from 0 to 100
    COUNT = "count"  # a whole number >= 1
    YES_NO = "yes/no"
    FACTOR = "factor"  # a multiplier >= 0
    CURRENCY = "currency"  # a currency code such as USD (text, matched ignoring case)


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    required: bool = False
    help: str = ""


@dataclass(frozen=True)
class SheetSpec:
    name: str
    columns: tuple[Column, ...]
    required: bool = False
    help: str = ""

    @property
    def required_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.required)


def normalize(name: object) -> str:
    """Sheet and column names match ignoring case, surrounding spaces, and ` `/`_`/`-` alike."""
    return re.sub(r"[\s_\-]+", "_", str(name).strip().lower())


OFFERS = SheetSpec(
    "Offers",
    (
        Column("supplier", Kind.TEXT, True, "supplier name"),
        Column("country", Kind.TEXT, True, "country the material ships from"),
        Column("material", Kind.TEXT, True, "must appear in Demand"),
        Column("unit_price", Kind.AMOUNT, True, "price per unit"),
        Column("capacity", Kind.AMOUNT, help="most units this offer can supply; blank = unlimited"),
        Column("freight", Kind.AMOUNT, help="cost per unit added to the price; blank = 0"),
        Column("tariff", Kind.SHARE, help="duty as a share of the price (25% = 0.25)"),
        Column("risk", Kind.RISK, help="0 (safe) to 100; blank = the country's risk"),
        Column("min_order", Kind.AMOUNT, help="if used at all, at least this much"),
        Column("fixed_cost", Kind.AMOUNT, help="one-off cost if the offer is used at all"),
        Column("current_quantity", Kind.AMOUNT, help="today's allocation to this offer"),
        Column("origin", Kind.TEXT, help="country where it was first produced; blank = country"),
        Column(
            "currency", Kind.CURRENCY, help="currency of this row's money; blank = the workbook's"
        ),
        Column("reserve_price", Kind.AMOUNT, help="per unit of capacity reserved, not bought"),
        Column("tier_from", Kind.AMOUNT, help="quantity from which this row's unit_price applies"),
        Column("co2", Kind.AMOUNT, help="emissions per unit (e.g. kg CO2e), for max_avg_co2"),
    ),
    required=True,
    help="one row per supplier offer of one material",
)

DEMAND = SheetSpec(
    "Demand",
    (
        Column("material", Kind.TEXT, True, "unique material name"),
        Column("quantity", Kind.POSITIVE, True, "units to source"),
        Column("max_country_share", Kind.SHARE, help="cap on any one country's share"),
        Column("max_supplier_share", Kind.SHARE, help="cap on any one offer's share"),
        Column("max_avg_risk", Kind.RISK, help="cap on the quantity-weighted average risk"),
        Column("max_suppliers", Kind.COUNT, help="at most this many offers used"),
        Column("unit", Kind.TEXT, help="unit of quantity (t, kg, pcs); pcs = whole units"),
        Column("min_award", Kind.SHARE, help="an offer used at all supplies at least this share"),
        Column("min_countries", Kind.COUNT, help="at least this many countries supply it"),
        Column("max_avg_co2", Kind.AMOUNT, help="cap on the quantity-weighted average co2"),
        Column("stock", Kind.AMOUNT, help="units on hand for a disruption; blank = 0"),
        Column("stock_cost", Kind.AMOUNT, help="cost per unit of stock added; blank = none"),
        Column("max_stock", Kind.AMOUNT, help="most stock added; blank = up to the demand"),
        Column("min_cover", Kind.SHARE, help="share of demand kept in a disruption"),
    ),
    required=True,
    help="one row per material",
)

COUNTRIES = SheetSpec(
    "Countries",
    (
        Column("country", Kind.TEXT, True, "unique country name"),
        Column("risk", Kind.RISK, help="default risk (0-100) of offers from this country"),
        Column("max_share", Kind.SHARE, help="cap on this country's share of each material"),
        Column("tariff", Kind.SHARE, help="default tariff of offers from this country"),
        Column("group", Kind.TEXT, help="name of a country group listed in Groups"),
        Column("embargo", Kind.YES_NO, help="yes = no offer from this country may be used"),
    ),
    help="optional defaults and caps per country",
)

GROUPS = SheetSpec(
    "Groups",
    (
        Column("group", Kind.TEXT, True, "group name used in Countries.group"),
        Column("max_share", Kind.SHARE, help="combined share of the group's countries, at most"),
        Column("min_share", Kind.SHARE, help="combined share of the group's countries, at least"),
    ),
    help="optional caps and floors per country group",
)

SETTINGS = SheetSpec(
    "Settings",
    (
        Column("setting", Kind.TEXT, True, "setting name"),
        Column("value", Kind.TEXT, help="its value"),
    ),
    help="optional settings, one per row",
)

RATES = SheetSpec(
    "Rates",
    (
        Column("currency", Kind.CURRENCY, True, "a currency code used in Offers.currency"),
        Column("rate", Kind.POSITIVE, True, "value of one unit of it in the workbook's currency"),
    ),
    help="optional currency conversion, one row per currency",
)

SCENARIOS = SheetSpec(
    "Scenarios",
    (
        Column("scenario", Kind.TEXT, True, "name; rows with the same name form one scenario"),
        Column("country", Kind.TEXT, help="the disruption hits this country"),
        Column("supplier", Kind.TEXT, help="the disruption hits this supplier"),
        Column("material", Kind.TEXT, help="limit it to one material; blank = all"),
        Column("capacity_factor", Kind.FACTOR, help="multiply capacity by this; blank = 1"),
        Column("price_factor", Kind.FACTOR, help="multiply unit prices by this; blank = 1"),
    ),
    help="optional stress tests, one row per disruption",
)

SHEETS: tuple[SheetSpec, ...] = (OFFERS, DEMAND, COUNTRIES, GROUPS, SETTINGS, SCENARIOS, RATES)
SHEETS_BY_KEY = {normalize(s.name): s for s in SHEETS}


@dataclass(frozen=True)
class SettingSpec:
    name: str
    kind: Kind | None  # None: a word from `choices`
    default: object
    help: str
    choices: tuple[str, ...] = ()
    several: bool = False  # one or more of `choices`, comma-separated


SETTING_SPECS: tuple[SettingSpec, ...] = (
    SettingSpec("max_country_share", Kind.SHARE, 1.0, "default cap on any one country's share"),
    SettingSpec("max_supplier_share", Kind.SHARE, 1.0, "default cap on any one offer's share"),
    SettingSpec("max_avg_risk", Kind.RISK, None, "default cap on each material's average risk"),
    SettingSpec("risk_price", Kind.AMOUNT, 0.0, "cost per unit per risk point in the objective"),
    SettingSpec(
        "max_country_spend_share", Kind.SHARE, None, "cap on any one country's share of spend"
    ),
    SettingSpec("shortfall_penalty", Kind.AMOUNT, None, "cost per unit of unmet demand"),
    SettingSpec("solver", None, "highs", "highs or cbc", ("highs", "cbc")),
    SettingSpec("time_limit", Kind.POSITIVE, 60.0, "seconds per solve"),
    SettingSpec("frontier_points", Kind.COUNT, None, "points of the cost-risk frontier"),
    SettingSpec("currency", Kind.CURRENCY, None, "the workbook's currency code, e.g. USD"),
    SettingSpec(
        "survive",
        None,
        None,
        "disruptions every plan withstands: country, supplier, scenarios (comma-separated)",
        ("country", "supplier", "scenarios"),
        several=True,
    ),
    SettingSpec("min_cover", Kind.SHARE, 1.0, "share of demand kept in each such disruption"),
    SettingSpec("country_floor", Kind.SHARE, 0.05, "share a country supplies to count"),
    SettingSpec(
        "discount",
        None,
        "all_units",
        "how price tiers apply: all_units or incremental",
        ("all_units", "incremental"),
    ),
)
SETTINGS_BY_KEY = {normalize(s.name): s for s in SETTING_SPECS}
