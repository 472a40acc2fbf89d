"""Reference pipeline for the benchmark: the LP of `bench.generate`'s workbooks, done directly.

python-calamine reads `Offers` and `Demand` into numpy arrays, numpy builds the constraint
matrix row-wise, highspy solves it (one thread, no output), numpy computes the output tables
and xlsxwriter writes them. It knows only the generated format (no tariff, no `Countries`,
`Groups` or `Settings` sheet, every cap given in `Demand`), and checks nothing. The LP, with
`x_o` the quantity bought from offer `o` of material `m` with demand `d_m`:

    minimise    sum_o (unit_price_o + freight_o) x_o
    subject to  sum_{o of m} x_o = d_m                              for every material m
                sum_{o of m from country c} x_o <= country_cap_m d_m  for every (m, c) used
                sum_{o of m} (risk_o - max_avg_risk_m) x_o <= 0        for every material m
                0 <= x_o <= min(capacity_o, d_m, supplier_cap_m d_m)

What it writes. The project must write the output sheets the workbook contract requires, so
for the benchmark to compare the same job the reference writes that required content too:
exactly the sheets and columns the contract names as required, nothing more, with the
fastest plain means xlsxwriter offers (`constant_memory` mode, one `write_string` /
`write_number` / `write_boolean` call per cell, which also keeps input text as text; no
styling, no column widths, no extra sheets or columns):

- `Summary` (`item`, `value`): status, input_file, input_sha256 (of the input file),
  total_cost, objective, solver, solve_seconds, baseline_cost, diversification_premium.
  The baseline (every share and risk limit removed, risk price 0) needs no solver here: each
  material is bought from its cheapest offers first (ties in offer order), each up to
  min(capacity, demand), until its demand is met.
- `Allocation`: one row per offer with a quantity above 1e-9: material, supplier, country,
  quantity, share (of the material's demand), landed_unit_cost, cost.
- `Materials`: material, demand, supplied, shortfall (0: all demand is met), cost,
  avg_risk (quantity-weighted), hhi (sum of the squared country shares of the supply) and
  baseline_hhi (the same for the baseline plan).
- `Countries`: one row per material and country that supplies it (by material, then in the
  order the countries first supply it): material, country, quantity, share, cap (the
  material's max_country_share), binding (slack within 1e-6 of max(1, cap * demand), the
  Constraints rule, so both sheets agree).
- `Constraints`: every limit that binds (slack <= 1e-6 * max(1, |limit|)), in the order
  capacity, supplier_cap, country_cap, risk_cap: constraint, material, subject (supplier,
  country, or the material for a risk cap), limit, value, slack, shadow_price. A capacity
  limit exists for an offer whose capacity is at most its demand, a supplier cap for one
  whose max_supplier_share * demand is below min(capacity, demand), a country cap for each
  (material, country) with offers and a cap below 1, a risk cap for each material with an
  offer riskier than its max_avg_risk (the limits the project's model has). The shadow price
  is how much the objective falls per unit the limit is relaxed, >= 0, from HiGHS's duals:
  -row_dual for a country cap; for a risk cap, whose row is in quantity times risk points,
  -row_dual times the material's supplied quantity (cost per risk point of the average);
  the capacity and the supplier cap are the column's upper bound, so the column's reduced
  cost, -col_dual, belongs to whichever of the two is that bound (capacity when capacity <=
  max_supplier_share * demand, else the supplier cap).
- `Diagnostics` (`level`, `sheet`, `cell`, `message`): one info row.

`run_mip` is the reference of the integer case (`bench.generate(..., integer=True)`): with
`min_order` and `fixed_cost` on some offers and `max_suppliers` per material, the LP above gains
a binary y_o per offer, x_o <= u_o y_o, x_o >= min_order_o y_o, sum_o y_o <= max_suppliers and
the cost fixed_cost_o y_o; each material's MIP is solved on its own, one after another, by one
HiGHS instance from arrays (relative gap 1e-6, the contract's), and only the allocation is
written.

Run as a script, it is the benchmark's lean reference as a whole process:

    python benchmarks/reference.py WORKBOOK_OR_FOLDER... --out DIR [--full] [--mip]

each workbook in turn in one process (a folder: its .xlsx files), printing one JSON line with
the files' total costs.

`run_reference(..., allocation_only=True)` (`bench.py --allocation-only`) writes only the
`Allocation` sheet, the content the reference wrote before it wrote the contract's sheets
(now with the same per-cell calls), to measure what the rest of the output costs. The stages
timed are read, build, solve, report (computing the tables above and hashing the input; not
in allocation-only mode) and write (xlsxwriter: nearly all of the write stage is its
per-cell work, some 15-20 microseconds a cell on a busy two-core machine).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import highspy
import numpy as np
import python_calamine
import xlsxwriter

POSITIVE = 1e-9  # quantities above this are written
BINDING = 1e-6  # relative slack under which a limit binds
SOLVER = "highs"

SUMMARY = ["item", "value"]
ALLOCATION = ["material", "supplier", "country", "quantity", "share", "landed_unit_cost", "cost"]
MATERIALS = [
    "material",
    "demand",
    "supplied",
    "shortfall",
    "cost",
    "avg_risk",
    "hhi",
    "baseline_hhi",
]
COUNTRIES = ["material", "country", "quantity", "share", "cap", "binding"]
CONSTRAINTS = ["constraint", "material", "subject", "limit", "value", "slack", "shadow_price"]
DIAGNOSTICS = ["level", "sheet", "cell", "message"]


@dataclass
class Data:
    supplier: list[str]
    country: np.ndarray  # int, per offer
    countries: list[str]
    material: np.ndarray  # int, per offer: row in the demand arrays
    materials: list[str]
    landed: np.ndarray  # unit_price + freight, per offer
    capacity: np.ndarray
    risk: np.ndarray
    demand: np.ndarray  # per material
    country_share: np.ndarray
    supplier_share: np.ndarray
    avg_risk: np.ndarray
    min_order: np.ndarray  # per offer, 0 where blank or absent
    fixed_cost: np.ndarray  # per offer, 0 where blank or absent
    max_suppliers: np.ndarray  # per material, inf where blank or absent


@dataclass
class Model:
    lp: highspy.HighsLp
    pair: np.ndarray  # per country row: material * len(countries) + country
    pair_row: np.ndarray  # per offer: its country row, counted from the first one


@dataclass
class Solution:
    quantity: np.ndarray  # per offer
    objective: float
    row_dual: np.ndarray
    col_dual: np.ndarray


@dataclass
class Tables:
    """Every output sheet but Allocation as rows; Allocation as columns (it is the largest)."""

    summary: list[tuple[str, Any]]
    allocation: list[list[Any]]
    materials: list[tuple[Any, ...]]
    countries: list[tuple[Any, ...]]
    constraints: list[tuple[Any, ...]]
    diagnostics: list[tuple[str, str]]  # level, message


def _columns(rows: list[list[Any]]) -> dict[str, list[Any]]:
    header, *body = rows
    return {str(name).strip().lower(): [row[i] for row in body] for i, name in enumerate(header)}


def read(path: Path) -> Data:
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    offers = _columns(book.get_sheet_by_name("Offers").to_python(skip_empty_area=False))
    demand = _columns(book.get_sheet_by_name("Demand").to_python(skip_empty_area=False))
    materials = [str(m) for m in demand["material"]]
    index = {name: i for i, name in enumerate(materials)}
    countries, country = np.unique(np.array(offers["country"], dtype=str), return_inverse=True)

    def numbers(column: list[Any]) -> np.ndarray:
        return np.array(column, dtype=float)

    def optional(sheet: dict[str, list[Any]], name: str, blank: float) -> np.ndarray:
        rows = len(next(iter(sheet.values())))
        column = sheet.get(name, [blank] * rows)
        return np.array([blank if v in ("", None) else v for v in column], dtype=float)

    return Data(
        supplier=[str(s) for s in offers["supplier"]],
        country=country,
        countries=countries.tolist(),
        material=np.array([index[m] for m in offers["material"]], dtype=np.int64),
        materials=materials,
        landed=numbers(offers["unit_price"]) + numbers(offers["freight"]),
        capacity=numbers(offers["capacity"]),
        risk=numbers(offers["risk"]),
        demand=numbers(demand["quantity"]),
        country_share=numbers(demand["max_country_share"]),
        supplier_share=numbers(demand["max_supplier_share"]),
        avg_risk=numbers(demand["max_avg_risk"]),
        min_order=optional(offers, "min_order", 0.0),
        fixed_cost=optional(offers, "fixed_cost", 0.0),
        max_suppliers=optional(demand, "max_suppliers", np.inf),
    )


def build(data: Data) -> Model:
    """The LP above, its matrix row-wise: demand rows, then risk rows, then country rows."""
    n, m = len(data.landed), len(data.demand)
    d = data.demand[data.material]
    offer = np.arange(n)
    # One country row per (material, country) pair that has offers.
    pair = data.material * len(data.countries) + data.country
    pairs, pair_row = np.unique(pair, return_inverse=True)
    pair_material = pairs // len(data.countries)
    rows = np.concatenate([data.material, m + data.material, 2 * m + pair_row])
    cols = np.concatenate([offer, offer, offer])
    values = np.concatenate([np.ones(n), data.risk - data.avg_risk[data.material], np.ones(n)])
    order = np.argsort(rows, kind="stable")
    num_row = 2 * m + len(pairs)

    lp = highspy.HighsLp()
    lp.num_col_ = n
    lp.num_row_ = num_row
    lp.col_cost_ = data.landed
    lp.col_lower_ = np.zeros(n)
    lp.col_upper_ = np.minimum(np.minimum(data.capacity, d), data.supplier_share[data.material] * d)
    lp.row_lower_ = np.concatenate([data.demand, np.full(m + len(pairs), -highspy.kHighsInf)])
    lp.row_upper_ = np.concatenate(
        [data.demand, np.zeros(m), data.country_share[pair_material] * data.demand[pair_material]]
    )
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.num_col_ = n
    lp.a_matrix_.num_row_ = num_row
    lp.a_matrix_.start_ = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=num_row))])
    lp.a_matrix_.index_ = cols[order].astype(np.int32)
    lp.a_matrix_.value_ = values[order]
    return Model(lp, pairs, pair_row)


def solve(model: Model) -> Solution:
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("threads", 1)
    highs.passModel(model.lp)
    highs.run()
    status = highs.getModelStatus()
    if status != highspy.HighsModelStatus.kOptimal:
        raise RuntimeError(f"reference LP not optimal: {highs.modelStatusToString(status)}")
    solution = highs.getSolution()
    return Solution(
        np.asarray(solution.col_value, dtype=np.float64),
        float(highs.getInfo().objective_function_value),
        np.asarray(solution.row_dual, dtype=np.float64),
        np.asarray(solution.col_dual, dtype=np.float64),
    )


def baseline(data: Data) -> np.ndarray:
    """The cheapest plan without share or risk limits: each material's cheapest offers first
    (ties in offer order), each up to min(capacity, demand), until the demand is met."""
    upper = np.minimum(data.capacity, data.demand[data.material])
    order = np.lexsort((data.landed, data.material))
    material, bound = data.material[order], upper[order]
    before = np.cumsum(bound) - bound  # what the cheaper offers of all materials could supply
    first = np.searchsorted(material, np.arange(len(data.demand)))
    before -= before[np.minimum(first, len(before) - 1)][material]
    quantity = np.zeros(len(order))
    quantity[order] = np.clip(data.demand[material] - before, 0.0, bound)
    return quantity


def _binds(slack: np.ndarray, limit: np.ndarray) -> np.ndarray:
    return slack <= BINDING * np.maximum(1.0, np.abs(limit))


def _names(names: list[str], codes: np.ndarray) -> list[str]:
    return list(map(names.__getitem__, codes.tolist()))


class CountryAmounts:
    """Quantity per material and supplying country (offers above POSITIVE): by material, then
    the countries in the order they first supply it."""

    def __init__(self, data: Data, x: np.ndarray) -> None:
        used = x > POSITIVE
        width = len(data.countries)
        pair = data.material[used] * width + data.country[used]
        pairs, first, inverse = np.unique(pair, return_index=True, return_inverse=True)
        amount = np.bincount(inverse, weights=x[used], minlength=len(pairs))
        order = np.lexsort((first, pairs // width))
        self.material = pairs[order] // width
        self.country = pairs[order] % width
        self.amount = amount[order]

    def hhi(self, count: int) -> np.ndarray:
        total = np.bincount(self.material, weights=self.amount, minlength=count)
        squares = (self.amount / total[self.material]) ** 2
        return np.bincount(self.material, weights=squares, minlength=count)


def report(
    path: Path, data: Data, model: Model, solution: Solution, solve_seconds: float
) -> Tables:
    """The contract's required output tables of the solved LP (see the module docstring)."""
    x, m = solution.quantity, len(data.demand)
    x_used = np.where(x > POSITIVE, x, 0.0)
    total_cost = float(data.landed @ x)
    plain = baseline(data)
    baseline_cost = float(data.landed @ plain)
    with open(path, "rb") as handle:
        digest = hashlib.file_digest(handle, "sha256").hexdigest()
    summary = [
        ("status", "optimal"),
        ("input_file", path.name),
        ("input_sha256", digest),
        ("total_cost", total_cost),
        ("objective", solution.objective),
        ("solver", SOLVER),
        ("solve_seconds", solve_seconds),
        ("baseline_cost", baseline_cost),
        ("diversification_premium", total_cost - baseline_cost),
    ]

    supplied = np.bincount(data.material, weights=x_used, minlength=m)
    cost = np.bincount(data.material, weights=x_used * data.landed, minlength=m)
    average = np.bincount(data.material, weights=x_used * data.risk, minlength=m) / supplied
    amounts = CountryAmounts(data, x)
    materials = list(
        zip(
            data.materials,
            data.demand.tolist(),
            supplied.tolist(),
            [0.0] * m,
            cost.tolist(),
            average.tolist(),
            amounts.hhi(m).tolist(),
            CountryAmounts(data, plain).hhi(m).tolist(),
            strict=True,
        )
    )

    cap = data.country_share[amounts.material]
    bound = cap * data.demand[amounts.material]
    countries = list(
        zip(
            _names(data.materials, amounts.material),
            _names(data.countries, amounts.country),
            amounts.amount.tolist(),
            (amounts.amount / data.demand[amounts.material]).tolist(),
            cap.tolist(),
            ((cap < 1) & _binds(bound - amounts.amount, bound)).tolist(),
            strict=True,
        )
    )

    n = len(data.landed)
    return Tables(
        summary,
        allocation_columns(data, x),
        materials,
        countries,
        constraints(data, model, solution, supplied, average),
        [("info", f"Reference pipeline: {n:,} offers of {m:,} materials, solved by HiGHS.")],
    )


def constraints(
    data: Data, model: Model, solution: Solution, supplied: np.ndarray, average: np.ndarray
) -> list[tuple[Any, ...]]:
    """The binding limits: capacity, supplier_cap, country_cap, risk_cap, each with its
    (constraint, material, subject, limit, value, slack, shadow_price); `supplied` and
    `average` (risk) per material."""
    x, m = solution.quantity, len(data.demand)
    d = data.demand[data.material]
    capacity, supplier_cap = data.capacity, data.supplier_share[data.material] * d
    # Capacity and supplier cap: x_o's upper bound; its reduced cost goes to the tighter one.
    own = capacity <= d
    at_capacity = np.flatnonzero(own & _binds(capacity - x, capacity))
    capacity_price = np.where(
        capacity[at_capacity] <= supplier_cap[at_capacity], -solution.col_dual[at_capacity], 0.0
    )
    capped = supplier_cap < np.minimum(capacity, d)
    at_cap = np.flatnonzero(capped & _binds(supplier_cap - x, supplier_cap))
    # Country caps: one row per (material, country) with offers, after 2m other rows.
    width = len(data.countries)
    pair_material, pair_country = model.pair // width, model.pair % width
    share = data.country_share[pair_material]
    limit = share * data.demand[pair_material]
    value = np.bincount(model.pair_row, weights=x, minlength=len(model.pair))
    country = np.flatnonzero((share < 1) & _binds(limit - value, limit))
    # Risk caps: row m + k of material k, when one of its offers is riskier than its cap.
    riskier = np.bincount(
        data.material, weights=data.risk > data.avg_risk[data.material], minlength=m
    )
    risk = np.flatnonzero((riskier > 0) & _binds(data.avg_risk - average, data.avg_risk))

    kinds = [
        (
            "capacity",
            data.material[at_capacity],
            [data.supplier[o] for o in at_capacity.tolist()],
            capacity[at_capacity],
            x[at_capacity],
            capacity_price,
        ),
        (
            "supplier_cap",
            data.material[at_cap],
            [data.supplier[o] for o in at_cap.tolist()],
            supplier_cap[at_cap],
            x[at_cap],
            -solution.col_dual[at_cap],
        ),
        (
            "country_cap",
            pair_material[country],
            _names(data.countries, pair_country[country]),
            limit[country],
            value[country],
            -solution.row_dual[2 * m + country],
        ),
        (
            "risk_cap",
            risk,
            _names(data.materials, risk),
            data.avg_risk[risk],
            average[risk],
            -solution.row_dual[m + risk] * supplied[risk],
        ),
    ]
    rows: list[tuple[Any, ...]] = []
    for kind, material, subject, bound, amount, price in kinds:
        rows.extend(
            zip(
                [kind] * len(material),
                _names(data.materials, material),
                subject,
                bound.tolist(),
                amount.tolist(),
                np.maximum(bound - amount, 0.0).tolist(),
                (np.maximum(price, 0.0) + 0.0).tolist(),
                strict=True,
            )
        )
    return rows


def write(path: Path, tables: Tables) -> None:
    """Every sheet of `tables`, plain: one write call per cell, text always as text."""
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    for name, header in [
        ("Summary", SUMMARY),
        ("Allocation", ALLOCATION),
        ("Materials", MATERIALS),
        ("Countries", COUNTRIES),
        ("Constraints", CONSTRAINTS),
        ("Diagnostics", DIAGNOSTICS),
    ]:
        sheet = book.add_worksheet(name)
        text, number = sheet.write_string, sheet.write_number
        for col, title in enumerate(header):
            text(0, col, title)
        if name == "Summary":
            for row, (item, value) in enumerate(tables.summary, start=1):
                text(row, 0, item)
                (text if isinstance(value, str) else number)(row, 1, value)
        elif name == "Allocation":
            write_allocation(sheet, tables.allocation)
        elif name == "Materials":
            for row, values in enumerate(tables.materials, start=1):
                text(row, 0, values[0])
                for col in range(1, 8):
                    number(row, col, values[col])
        elif name == "Countries":
            boolean = sheet.write_boolean
            for row, (material, country, quantity, share, cap, binding) in enumerate(
                tables.countries, start=1
            ):
                text(row, 0, material)
                text(row, 1, country)
                number(row, 2, quantity)
                number(row, 3, share)
                number(row, 4, cap)
                boolean(row, 5, binding)
        elif name == "Constraints":
            for row, (kind, material, subject, limit, value, slack, price) in enumerate(
                tables.constraints, start=1
            ):
                text(row, 0, kind)
                text(row, 1, material)
                text(row, 2, subject)
                number(row, 3, limit)
                number(row, 4, value)
                number(row, 5, slack)
                number(row, 6, price)
        else:
            for row, (level, message) in enumerate(tables.diagnostics, start=1):
                text(row, 0, level)
                text(row, 3, message)
    book.close()


def write_allocation(sheet: Any, columns: list[list[Any]]) -> None:
    text, number = sheet.write_string, sheet.write_number
    for row, (material, supplier, country, quantity, share, landed, cost) in enumerate(
        zip(*columns, strict=True), start=1
    ):
        text(row, 0, material)
        text(row, 1, supplier)
        text(row, 2, country)
        number(row, 3, quantity)
        number(row, 4, share)
        number(row, 5, landed)
        number(row, 6, cost)


def allocation_columns(data: Data, x: np.ndarray) -> list[list[Any]]:
    """The Allocation sheet's columns alone (allocation-only mode)."""
    used = np.flatnonzero(x > POSITIVE)
    quantity, landed = x[used], data.landed[used]
    return [
        _names(data.materials, data.material[used]),
        [data.supplier[o] for o in used.tolist()],
        _names(data.countries, data.country[used]),
        quantity.tolist(),
        (quantity / data.demand[data.material[used]]).tolist(),
        landed.tolist(),
        (quantity * landed).tolist(),
    ]


def write_allocation_only(path: Path, data: Data, x: np.ndarray) -> None:
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("Allocation")
    for col, title in enumerate(ALLOCATION):
        sheet.write_string(0, col, title)
    write_allocation(sheet, allocation_columns(data, x))
    book.close()


def run_reference(path: Path, output: Path, allocation_only: bool = False) -> dict[str, Any]:
    """Read, build, solve, report and write one generated workbook; seconds per stage and the
    cost. With `allocation_only`, only the Allocation sheet is written (no report stage)."""
    timings: dict[str, float] = {}
    started = last = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal last
        now = time.perf_counter()
        timings[stage] = now - last
        last = now

    data = read(path)
    lap("read")
    model = build(data)
    lap("build")
    solution = solve(model)
    lap("solve")
    if allocation_only:
        write_allocation_only(output, data, solution.quantity)
    else:
        tables = report(path, data, model, solution, timings["solve"])
        lap("report")
        write(output, tables)
    lap("write")
    return {
        "status": "optimal",
        "total_cost": float(data.landed @ solution.quantity),
        "seconds": time.perf_counter() - started,
        "timings": timings,
    }


MIP_GAP = 1e-6  # the contract's "optimal"


def solve_mip(data: Data) -> np.ndarray:
    """Each material's MIP (see the module docstring) in turn, by one HiGHS instance; the
    quantities bought."""
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("threads", 1)
    highs.setOptionValue("mip_rel_gap", MIP_GAP)
    inf = highspy.kHighsInf
    quantity = np.zeros(len(data.landed))
    order = np.argsort(data.material, kind="stable")
    starts = np.searchsorted(data.material[order], np.arange(len(data.demand) + 1))
    for m in range(len(data.demand)):
        offers = order[starts[m] : starts[m + 1]]
        k, d = len(offers), data.demand[m]
        upper = np.minimum(np.minimum(data.capacity[offers], d), data.supplier_share[m] * d)
        countries, country = np.unique(data.country[offers], return_inverse=True)
        eye = np.eye(k)
        blocks = [np.hstack([np.ones((1, k)), np.zeros((1, k))])]  # demand
        lower, upper_rows = [d], [d]
        if data.country_share[m] < 1:
            blocks.append(
                np.hstack([np.eye(len(countries))[:, country], np.zeros((len(countries), k))])
            )
            lower += [-inf] * len(countries)
            upper_rows += [data.country_share[m] * d] * len(countries)
        blocks.append(np.hstack([[data.risk[offers] - data.avg_risk[m]], np.zeros((1, k))]))
        lower.append(-inf)
        upper_rows.append(0.0)
        blocks.append(np.hstack([eye, -np.diag(upper)]))  # x <= u y
        lower += [-inf] * k
        upper_rows += [0.0] * k
        minimum = data.min_order[offers]
        some = np.flatnonzero(minimum > 0)
        blocks.append(np.hstack([eye[some], -np.diag(minimum)[some]]))  # x >= min_order y
        lower += [0.0] * len(some)
        upper_rows += [inf] * len(some)
        if np.isfinite(data.max_suppliers[m]):
            blocks.append(np.hstack([np.zeros((1, k)), np.ones((1, k))]))
            lower.append(-inf)
            upper_rows.append(data.max_suppliers[m])
        dense = np.vstack(blocks)
        rows, cols = np.nonzero(dense)
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = 2 * k, len(dense)
        lp.col_cost_ = np.concatenate([data.landed[offers], data.fixed_cost[offers]])
        lp.col_lower_ = np.zeros(2 * k)
        lp.col_upper_ = np.concatenate([upper, np.ones(k)])
        lp.row_lower_ = np.array(lower, dtype=float)
        lp.row_upper_ = np.array(upper_rows, dtype=float)
        lp.integrality_ = [highspy.HighsVarType.kContinuous] * k + [
            highspy.HighsVarType.kInteger
        ] * k
        lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
        lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = 2 * k, len(dense)
        lp.a_matrix_.start_ = np.searchsorted(rows, np.arange(len(dense) + 1)).astype(np.int32)
        lp.a_matrix_.index_ = cols.astype(np.int32)
        lp.a_matrix_.value_ = dense[rows, cols]
        highs.clearModel()
        highs.passModel(lp)
        highs.run()
        if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(f"reference MIP of {data.materials[m]} not optimal")
        values = np.asarray(highs.getSolution().col_value)
        # An offer switched off supplies nothing (HiGHS may leave a tolerance's worth on it).
        quantity[offers] = np.where(values[k:] > 0.5, values[:k], 0.0)
    return quantity


def run_mip(path: Path, output: Path) -> dict[str, Any]:
    """The integer case: read, solve per material, write the allocation."""
    started = time.perf_counter()
    data = read(path)
    x = solve_mip(data)
    write_allocation_only(output, data, x)
    used = x > POSITIVE
    cost = float(data.landed @ x + data.fixed_cost[used].sum())
    return {"status": "optimal", "total_cost": cost, "seconds": time.perf_counter() - started}


def main() -> None:
    parser = argparse.ArgumentParser(description="The benchmark's lean reference, one process.")
    parser.add_argument("paths", type=Path, nargs="+", help="workbooks or folders of them")
    parser.add_argument("--out", type=Path, required=True, help="folder for the outputs")
    parser.add_argument("--full", action="store_true", help="write every required sheet")
    parser.add_argument("--mip", action="store_true", help="the integer case, per material")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    files = [
        file
        for path in args.paths
        for file in (sorted(path.glob("*.xlsx")) if path.is_dir() else [path])
    ]
    costs = {}
    for file in files:
        output = args.out / f"{file.stem}_reference.xlsx"
        if args.mip:
            result = run_mip(file, output)
        else:
            result = run_reference(file, output, allocation_only=not args.full)
        costs[file.name] = result["total_cost"]
    print(json.dumps({"total_cost": costs}))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
