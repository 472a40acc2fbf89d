"""The disruptions a material may have to withstand (contract, section Resilience), as arrays:
the model writes a cover row for each, the check of a plan recomputes what each leaves, and the
report shows it. Defined once, here.

- the loss of a country: every offer of the material that ships from it or originates in it;
- the loss of a supplier: every offer of the material from it;
- a scenario of the Scenarios sheet: the offers its rows hit, each keeping the product of the
  capacity factors of the rows that hit it (an offer kept whole is not hit).

What a disruption leaves of a material m, for quantities bought x and reserved r:

    available = sum_o (x_o + r_o) - sum_{o hit} (x_o + r_o) + sum_{o hit} min(x_o + r_o, f_o c_o)
                + stock_m + stock added_m

with c_o the offer's capacity (blank: the material's demand) and f_o its factor (0 for a loss).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from optimizer.contract import rules
from optimizer.contract.problem import Problem

KINDS = ("country", "supplier", "scenarios")


@dataclass(frozen=True)
class Losses:
    """Disruptions of materials: disruption k hits the offers `offer[start[k]:start[k+1]]`,
    each keeping `factor` of its capacity (0 when lost)."""

    material: np.ndarray  # per disruption: the material's number
    name: list[str]  # per disruption: "country China", "supplier Pavlodar", "scenario Export ban"
    start: np.ndarray  # per disruption, one more: where its hits start
    offer: np.ndarray  # per hit: the offer's index
    factor: np.ndarray  # per hit: the share of its capacity it keeps, 0 <= f < 1

    def __len__(self) -> int:
        return len(self.material)

    @property
    def owner(self) -> np.ndarray:
        """Per hit: the number of its disruption."""
        return np.repeat(np.arange(len(self)), np.diff(self.start))

    def available(
        self, problem: Problem, bought: np.ndarray, reserved: np.ndarray, added: np.ndarray
    ) -> np.ndarray:
        """What each disruption leaves of its material: the formula of the module docstring,
        for quantities bought and reserved per offer and stock added per material."""
        data = problem.data
        held = bought + reserved
        count = len(problem.materials)
        total = np.bincount(data.material, weights=held, minlength=count)
        stock = np.array([m.stock for m in problem.materials.values()], dtype=np.float64)
        kept = np.minimum(held[self.offer], self.factor * capacity(problem)[self.offer])
        lost = np.bincount(self.owner, weights=held[self.offer] - kept, minlength=len(self))
        return (total + stock + added)[self.material] - lost


def required(problem: Problem, found: Losses) -> np.ndarray:
    """What each disruption must leave of its material when `survive` names it: the material's
    min_cover x its demand."""
    share = np.array([m.min_cover * m.quantity for m in problem.materials.values()], np.float64)
    return share[found.material]


def capacity(problem: Problem) -> np.ndarray:
    """What each offer can hold, bought and reserved together: its capacity, blank counting as
    its material's demand; nothing under embargo."""
    data = problem.data
    held = rules.capacity_or_demand(data.capacity, data.demand)
    return np.where(data.embargoed, 0.0, held)


def losses(problem: Problem, kinds: Iterable[str]) -> Losses:
    """The disruptions of `kinds` ("country", "supplier", "scenarios") of every material that
    they hit, material by material, each kind in that order."""
    data = problem.data
    parts: list[Part] = []
    wanted = set(kinds)
    if "country" in wanted:
        pairs = np.concatenate([data.country, data.origin])
        offers = np.tile(np.arange(len(data.material)), 2)
        keep = np.concatenate([np.ones(len(offers) // 2, bool), data.origin != data.country])
        parts.append(
            _whole_losses(
                data.material[offers[keep]], pairs[keep], offers[keep], data.countries, "country"
            )
        )
    if "supplier" in wanted:
        names = list(dict.fromkeys(data.suppliers))
        number = {name: k for k, name in enumerate(names)}
        supplier = np.array([number[s] for s in data.suppliers], dtype=np.int64)
        offers = np.arange(len(data.material))
        parts.append(_whole_losses(data.material, supplier, offers, names, "supplier"))
    if "scenarios" in wanted:
        parts.append(_scenario_losses(problem))
    return _joined(parts)


class Part(NamedTuple):
    """Disruptions of one kind: per disruption its material and name; per hit its disruption
    (`owner`, counting from 0), its offer and the factor it keeps."""

    material: np.ndarray
    name: list[str]
    owner: np.ndarray
    offer: np.ndarray
    factor: np.ndarray


def _whole_losses(
    material: np.ndarray, subject: np.ndarray, offer: np.ndarray, names: list[str], kind: str
) -> Part:
    """One loss per distinct (material, subject), hitting its offers wholly."""
    width = max(len(names), 1)
    keys = material * width + subject
    order = np.lexsort((offer, keys))
    distinct, owner = np.unique(keys[order], return_inverse=True)
    labels = [f"{kind} {names[k]}" for k in (distinct % width).tolist()]
    return Part(distinct // width, labels, owner, offer[order], np.zeros(len(order)))


def _scenario_losses(problem: Problem) -> Part:
    """One loss per scenario and material it hits, with the capacity factors it leaves."""
    number = {name: k for k, name in enumerate(problem.materials)}
    materials: list[int] = []
    labels: list[str] = []
    owners: list[int] = []
    offers: list[int] = []
    factors: list[float] = []
    for scenario in problem.scenarios:
        hit: dict[int, list[tuple[int, float]]] = {}
        for offer in problem.offers:
            factor, _ = scenario.factors(offer)
            if factor < 1:
                hit.setdefault(number[offer.material], []).append((offer.index, factor))
        for material, found in hit.items():
            owners += [len(materials)] * len(found)
            materials.append(material)
            labels.append(f"scenario {scenario.name}")
            offers += [o for o, _ in found]
            factors += [f for _, f in found]
    return Part(
        np.array(materials, dtype=np.int64),
        labels,
        np.array(owners, dtype=np.int64),
        np.array(offers, dtype=np.int64),
        np.array(factors, dtype=np.float64),
    )


def _joined(parts: list[Part]) -> Losses:
    """The parts' losses together, material by material (each part's order kept within)."""
    if not parts:
        empty = np.zeros(0, dtype=np.int64)
        return Losses(empty, [], np.zeros(1, dtype=np.int64), empty, np.zeros(0))
    counts = np.cumsum([0, *(len(p.material) for p in parts)])
    material = np.concatenate([p.material for p in parts]).astype(np.int64)
    names = [label for p in parts for label in p.name]
    owner = np.concatenate([p.owner + first for p, first in zip(parts, counts, strict=False)])
    order = np.argsort(material, kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    owner = rank[owner.astype(np.int64)]
    hits = np.argsort(owner, kind="stable")
    start = np.zeros(len(order) + 1, dtype=np.int64)
    np.cumsum(np.bincount(owner, minlength=len(order)), out=start[1:])
    return Losses(
        material[order],
        [names[k] for k in order.tolist()],
        start,
        np.concatenate([p.offer for p in parts]).astype(np.int64)[hits],
        np.concatenate([p.factor for p in parts]).astype(np.float64)[hits],
    )
