"""The rows of the input sheets as the validator reads them: each field a contract column, with
its cell converter; blank cells give the field's default. `validate` turns them into the
contract's resolved types (`optimizer.contract.problem`)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from optimizer.reading.cells import Amount, Count, Currency, Positive, Risk, Share, Text, YesNo


class Row(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class OfferRow(Row):
    supplier: Text
    country: Text
    material: Text
    unit_price: Amount
    capacity: Amount | None = None
    freight: Amount = 0.0
    tariff: Share | None = None
    risk: Risk | None = None
    min_order: Amount | None = None
    fixed_cost: Amount | None = None
    current_quantity: Amount | None = None
    origin: Text | None = None
    currency: Currency | None = None
    reserve_price: Amount | None = None
    tier_from: Amount | None = None
    co2: Amount | None = None


class DemandRow(Row):
    material: Text
    quantity: Positive
    max_country_share: Share | None = None
    max_supplier_share: Share | None = None
    max_avg_risk: Risk | None = None
    max_suppliers: Count | None = None
    unit: Text | None = None
    min_award: Share | None = None
    min_countries: Count | None = None
    max_avg_co2: Amount | None = None
    stock: Amount = 0.0
    stock_cost: Amount | None = None
    max_stock: Amount | None = None
    min_cover: Share | None = None


class CountryRow(Row):
    country: Text
    risk: Risk | None = None
    max_share: Share | None = None
    tariff: Share | None = None
    group: Text | None = None
    embargo: YesNo = False


class GroupRow(Row):
    group: Text
    max_share: Share | None = None
    min_share: Share | None = None


class RateRow(Row):
    currency: Currency
    rate: Positive


class ScenarioRow(Row):
    scenario: Text
    country: Text | None = None
    supplier: Text | None = None
    material: Text | None = None
    capacity_factor: Amount = 1.0
    price_factor: Amount = 1.0
