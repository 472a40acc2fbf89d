"""The rules of the contract that more than one layer applies, each defined once here: the model
builds its rows from them, the check of a plan reads its limits from them, and the report shows
them. Each works on one value or on arrays of them (numpy broadcasting); NaN means blank."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TypeVar

import numpy as np

Values = TypeVar("Values", float, np.ndarray)


def landed_unit_cost(unit_price: Values, tariff: Values, freight: Values) -> Values:
    """What one unit costs delivered: unit_price x (1 + tariff) + freight."""
    return unit_price * (1 + tariff) + freight


def most_supplied(capacity: Values, demand: Values, embargoed: Values) -> Values:
    """Most an offer can supply: its capacity (blank, NaN or inf: unlimited) but never more than
    its material's demand; nothing at all from an embargoed country."""
    return np.where(embargoed, 0.0, np.fmin(capacity, demand))


def capacity_or_demand(capacity: Values, demand: Values) -> Values:
    """An offer's capacity, a blank one counting as its material's demand (what a scenario's
    capacity factor multiplies)."""
    return np.where(np.isnan(capacity) | np.isinf(capacity), demand, capacity)


def country_cap(material_cap: Values, own_cap: Values) -> Values:
    """A country's cap on its share of a material: the lower of the material's cap (its own
    max_country_share, else the default of Settings) and the country's own max_share (NaN when
    it has none)."""
    return np.fmin(material_cap, own_cap)


def offer_tariff(own: Values, country: Values) -> Values:
    """An offer's tariff: its own, else its shipping country's, else 0."""
    return np.where(np.isnan(own), np.where(np.isnan(country), 0.0, country), own)


def offer_risk(own: Values, country: Values, origin: Values) -> Values:
    """An offer's risk score: its own, else the higher of its shipping country's and its
    origin's (a blank one does not count); NaN when none is known (it then counts as 0, with a
    warning)."""
    return np.where(np.isnan(own), np.fmax(country, origin), own)


def tier_reached(quantity: float, starts: Sequence[float], discount: str) -> int:
    """The price tier (counting from 0) an offer's total `quantity` reaches, its tiers starting
    at `starts` (ascending, the first 0): the highest whose tier_from it is at or above (within
    1e-9 of it); with `incremental`, the highest it buys any unit in (strictly above its
    tier_from), 0 when it buys nothing."""
    slack = 1e-9 * max(1.0, abs(quantity))
    if discount == "incremental":
        return max(0, sum(1 for start in starts if quantity > start + slack) - 1)
    return max(0, sum(1 for start in starts if quantity >= start - slack) - 1)


def tiered_unit_price(
    quantity: float, tiers: Sequence[tuple[float, float]], discount: str
) -> float:
    """The average unit price paid for `quantity` of an offer with price tiers
    `(tier_from, unit_price)` (ascending, the first from 0; contract, section Price tiers):
    `all_units`, the price of the tier reached on every unit; `incremental`, each tier's price
    on the units from its tier_from up to the next tier's. The first tier's price at 0."""
    starts = [start for start, _ in tiers]
    if discount != "incremental" or quantity <= 0:
        return tiers[tier_reached(quantity, starts, discount)][1]
    paid = 0.0
    for k, (start, price) in enumerate(tiers):
        end = tiers[k + 1][0] if k + 1 < len(tiers) else math.inf
        paid += price * max(0.0, min(quantity, end) - start)
    return paid / quantity
