"""Problems with reservations, stock and disruptions to withstand, built in code as the reader
would resolve them from a workbook laid out as below (so that messages can name cells):

    Offers     A supplier  B country  C material  D unit_price  E capacity  F risk  G min_order
               H fixed_cost  I reserve_price  J origin
    Demand     A material  B quantity  C max_country_share  D max_supplier_share  E max_avg_risk
               F max_suppliers  G stock  H stock_cost  I max_stock  J min_cover  K unit
    Countries  A country  B max_share  C group  D risk  E embargo
    Groups     A group  B max_share  C min_share
    Settings   A setting  B value: one row per setting given, in the order given, from row 2
"""

from __future__ import annotations

from typing import Any

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

COLUMNS = {
    "Offers": [
        "supplier",
        "country",
        "material",
        "unit_price",
        "capacity",
        "risk",
        "min_order",
        "fixed_cost",
        "reserve_price",
        "origin",
    ],
    "Demand": [
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
        "unit",
    ],
    "Countries": ["country", "max_share", "group", "risk", "embargo"],
    "Groups": ["group", "max_share", "min_share"],
    "Settings": ["setting", "value"],
}
LETTERS = {
    sheet: {column: chr(ord("A") + k) for k, column in enumerate(columns)}
    for sheet, columns in COLUMNS.items()
}
DEFAULTED = ("max_country_share", "max_supplier_share", "max_avg_risk", "min_cover")
PIECES = ("pcs", "pieces", "units", "ea")


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


def scenario(name: str, *rows: dict[str, Any]) -> Scenario:
    """A scenario of rows given as Disruption fields (blank ones left out)."""
    return Scenario(
        name=name,
        disruptions=[
            Disruption(
                country=row.get("country"),
                supplier=row.get("supplier"),
                material=row.get("material"),
                capacity_factor=row.get("capacity_factor", 1.0),
                price_factor=row.get("price_factor", 1.0),
            )
            for row in rows
        ],
    )


def make_problem(
    offers: list[dict[str, Any]],
    demand: float | dict[str, Any] = 100.0,
    *,
    countries: dict[str, dict[str, Any]] | None = None,
    groups: dict[str, tuple[float | None, float | None]] | None = None,
    scenarios: list[Scenario] | None = None,
    **settings: Any,
) -> Problem:
    """A resolved Problem. `demand`: a quantity of "Ga", or material -> quantity or dict of
    Demand fields (a cap or min_cover left out takes the setting's value and is recorded as
    taken from Settings; a unit in pieces means whole units). `countries`: name -> {max_share,
    group, risk, embargo}; `groups`: name -> (max_share, min_share); `settings`: Settings fields
    (`survive` as a tuple). An offer's blank risk takes its country's."""
    setting = Settings(**settings)
    specs: dict[str, Any] = demand if isinstance(demand, dict) else {"Ga": demand}
    materials: dict[str, Material] = {}
    for row, (name, spec) in enumerate(specs.items(), start=2):
        fields: dict[str, Any] = dict(spec) if isinstance(spec, dict) else {"quantity": spec}
        defaulted = frozenset(
            name for name in DEFAULTED if name not in fields and getattr(setting, name) is not None
        )
        for name_ in DEFAULTED:
            fields.setdefault(name_, getattr(setting, name_))
        unit = fields.get("unit")
        materials[name] = Material(
            name=name,
            quantity=float(fields.pop("quantity")),
            max_suppliers=fields.pop("max_suppliers", None),
            row=row,
            quantity_cell=f"B{row}",
            defaulted=defaulted,
            whole=unit in PIECES,
            **fields,
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
        origin = homes.get(spec.get("origin") or "", {})
        values: dict[str, Any] = {
            "index": index,
            "freight": 0.0,
            "tariff": 0.0,
            "risk": home.get("risk") or 0.0,
            "min_order": None,
            "fixed_cost": None,
            "current_quantity": None,
            "embargoed": bool(home.get("embargo", False) or origin.get("embargo", False)),
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
        scenarios=scenarios or [],
        sources=sources,
    )
