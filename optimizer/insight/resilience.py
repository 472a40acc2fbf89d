"""What a plan leaves in each disruption: the Resilience sheet and the worst case per material.

With `survive` set, the disruptions are those it names, with the cover each must keep; without
it, every plan's exposure is still shown: per material, the loss of each country the plan buys
it from, and each scenario that hits it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from optimizer.contract.disruptions import Losses, losses
from optimizer.contract.plan import ZERO, Plan
from optimizer.contract.problem import Problem

RESILIENCE_COLUMNS = ["material", "disruption", "available", "required", "cover", "binding"]
BINDING = 1e-6  # relative slack under which a cover counts as binding


@dataclass(frozen=True)
class Exposure:
    """Per disruption of `losses`: what the plan leaves available and what is required (NaN
    without `survive`)."""

    losses: Losses
    available: np.ndarray
    required: np.ndarray
    demand: np.ndarray  # per disruption: its material's demand

    @property
    def cover(self) -> np.ndarray:
        return self.available / self.demand

    @property
    def binding(self) -> np.ndarray:
        slack = self.available - self.required
        return np.nan_to_num(slack, nan=np.inf) <= BINDING * np.maximum(1.0, self.required)


def exposure(problem: Problem, plan: Plan) -> Exposure:
    """The disruptions of the plan's exposure and what it leaves in each."""
    count = len(problem.offers)
    bought = plan.in_offer_order(count)
    reserved = plan.reserved_in_offer_order(count)
    added = np.array([plan.stock_added.get(name, 0.0) for name in problem.materials])
    survive = problem.settings.survive
    found = losses(problem, survive) if survive else _bought_from(problem, bought)
    demand = np.array([m.quantity for m in problem.materials.values()], dtype=np.float64)
    cover = np.array([m.min_cover for m in problem.materials.values()], dtype=np.float64)
    required = (cover * demand)[found.material] if survive else np.full(len(found), np.nan)
    available = found.available(problem, bought, reserved, added)
    return Exposure(found, available, required, demand[found.material])


def _bought_from(problem: Problem, bought: np.ndarray) -> Losses:
    """The loss of each country a material is bought from, and each scenario that hits it."""
    every = losses(problem, ("country", "scenarios"))
    used = np.bincount(every.owner, weights=bought[every.offer] > ZERO, minlength=len(every))
    keep = [k for k, name in enumerate(every.name) if used[k] > 0 or name.startswith("scenario ")]
    return _subset(every, keep)


def _subset(found: Losses, keep: list[int]) -> Losses:
    sizes = np.diff(found.start)[keep]
    start = np.zeros(len(keep) + 1, dtype=np.int64)
    np.cumsum(sizes, out=start[1:])
    hits = [np.arange(found.start[k], found.start[k + 1]) for k in keep]
    at = np.concatenate(hits) if hits else np.zeros(0, np.int64)
    return Losses(
        found.material[keep],
        [found.name[k] for k in keep],
        start,
        found.offer[at],
        found.factor[at],
    )


def resilience_table(problem: Problem, seen: Exposure) -> pd.DataFrame:
    names = list(problem.materials)
    columns = [
        [names[m] for m in seen.losses.material.tolist()],
        seen.losses.name,
        seen.available,
        seen.required,
        seen.cover,
        seen.binding,
    ]
    return pd.DataFrame(dict(zip(RESILIENCE_COLUMNS, columns, strict=True)))


def worst_cases(problem: Problem, seen: Exposure) -> tuple[list[str | None], np.ndarray]:
    """Per material: the disruption that leaves the least (the first of equals), and its cover
    (NaN when none)."""
    count = len(problem.materials)
    material = seen.losses.material
    order = np.lexsort((np.arange(len(material)), seen.cover, material))
    first = order[np.r_[True, np.diff(material[order]) != 0]] if len(order) else order
    worst: list[str | None] = [None] * count
    cover = np.full(count, np.nan)
    for k, m in zip(first.tolist(), material[first].tolist(), strict=True):
        worst[m] = seen.losses.name[k]
    cover[material[first]] = seen.cover[first]
    return worst, cover
