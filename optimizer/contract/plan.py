"""A plan: how much each offer supplies and holds in reserve, the stock it adds and what it leaves
unmet, as the solver returned it (rounded to what the solver vouches for)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

ZERO = 1e-9  # quantities this small are read as nothing


@dataclass(frozen=True)
class Plan:
    """Quantities by offer index and shortfall by material, as the solver returned them; capacity
    reserved by offer and stock added by material, where the plan withstands disruptions."""

    quantities: dict[int, float]
    shortfall: dict[str, float]
    objective: float
    relaxation: dict[str, float] = field(default_factory=dict)  # Limit.name -> e_l, when relaxed
    array: np.ndarray | None = field(default=None, compare=False, repr=False)  # quantities
    reserved: np.ndarray | None = field(default=None, compare=False, repr=False)  # by offer;
    # None when nothing can be reserved (no `survive`)
    stock_added: dict[str, float] = field(default_factory=dict)  # by material, where any

    def reserved_in_offer_order(self, offers: int) -> np.ndarray:
        """Capacity reserved at each offer, by offer index (nothing without `survive`)."""
        return self.reserved if self.reserved is not None else np.zeros(offers)

    def in_offer_order(self, offers: int) -> np.ndarray:
        """The quantities as an array, by offer index."""
        if self.array is not None and len(self.array) == offers:
            return self.array
        return np.fromiter(map(self.quantities.__getitem__, range(offers)), float, offers)
