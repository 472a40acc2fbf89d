"""Reference pipeline for the benchmark: the LP of `bench.generate`'s workbooks, done directly.

python-calamine reads `Offers` and `Demand` into numpy arrays, numpy builds the constraint
matrix row-wise, highspy solves it (one thread, no output) and xlsxwriter writes the offers
that receive a quantity. It knows only the generated format (no tariff, no `Countries`,
`Groups` or `Settings` sheet, every cap given in `Demand`), and checks nothing. The LP, with
`x_o` the quantity bought from offer `o` of material `m` with demand `d_m`:

    minimise    sum_o (unit_price_o + freight_o) x_o
    subject to  sum_{o of m} x_o = d_m                              for every material m
                sum_{o of m from country c} x_o <= country_cap_m d_m  for every (m, c) used
                sum_{o of m} (risk_o - max_avg_risk_m) x_o <= 0        for every material m
                0 <= x_o <= min(capacity_o, d_m, supplier_cap_m d_m)
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import highspy
import numpy as np
import python_calamine
import xlsxwriter

POSITIVE = 1e-9  # quantities above this are written
ALLOCATION = ["material", "supplier", "country", "quantity", "share", "landed_unit_cost", "cost"]


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
    )


def build(data: Data) -> highspy.HighsLp:
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
    return lp


def solve(lp: highspy.HighsLp) -> np.ndarray:
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("threads", 1)
    highs.passModel(lp)
    highs.run()
    status = highs.getModelStatus()
    if status != highspy.HighsModelStatus.kOptimal:
        raise RuntimeError(f"reference LP not optimal: {highs.modelStatusToString(status)}")
    return np.array(highs.getSolution().col_value)


def write(path: Path, data: Data, quantity: np.ndarray) -> None:
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("Allocation")
    sheet.write_row(0, 0, ALLOCATION)
    used = np.flatnonzero(quantity > POSITIVE)
    share = quantity / data.demand[data.material]
    cost = quantity * data.landed
    for row, o in enumerate(used.tolist(), start=1):
        material, country = data.material[o], data.country[o]
        sheet.write_row(
            row,
            0,
            [
                data.materials[material],
                data.supplier[o],
                data.countries[country],
                float(quantity[o]),
                float(share[o]),
                float(data.landed[o]),
                float(cost[o]),
            ],
        )
    book.close()


def run_reference(path: Path, output: Path) -> dict[str, Any]:
    """Read, build, solve and write one generated workbook; seconds per stage and the cost."""
    timings: dict[str, float] = {}
    started = last = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal last
        now = time.perf_counter()
        timings[stage] = now - last
        last = now

    data = read(path)
    lap("read")
    lp = build(data)
    lap("build")
    quantity = solve(lp)
    lap("solve")
    write(output, data, quantity)
    lap("write")
    return {
        "status": "optimal",
        "total_cost": float(data.landed @ quantity),
        "seconds": time.perf_counter() - started,
        "timings": timings,
    }
