"""The rules of the contract that more than one layer applies, each defined once here: the model
builds its rows from them, the check of a plan reads its limits from them, and the report shows
them. Each works on one value or on arrays of them (numpy broadcasting); NaN means blank."""

from __future__ import annotations

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
