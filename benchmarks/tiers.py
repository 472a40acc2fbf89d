"""Benchmark of price tiers (issue 15): the full pipeline on a generated workbook of 20 offers per
material, without and with three price tiers (all-units) on half of the offers.

    python benchmarks/tiers.py [--materials 10000] [--discount all_units|incremental]
                               [--folder DIR] [--time-limit SECONDS]
    python benchmarks/tiers.py --run WORKBOOK --out DIR        # one run, JSON

Each workbook has the offers, caps and risk of `bench.py`'s (country, supplier and average-risk
caps; 30 countries). The tiered one gives half of the offers two further tiers, from 30% and 60%
of the offer's capacity, 3% and 7% below its price. Each run is `process_workbook` (read, solve,
analyse, check, write) in a fresh Python process; the table shows each run's stages, its total,
and the ratio of the totals (the issue's target: at most 10).
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import xlsxwriter

OFFERS_PER_MATERIAL = 20
COUNTRIES = [f"Country {i:02d}" for i in range(30)]
STEPS = ((0.3, 0.97), (0.6, 0.93))  # (share of the capacity a tier starts at, price factor)


def generate(path: Path, materials: int, tiers: bool, discount: str, seed: int = 0) -> Path:
    """A workbook of `materials` x 20 offers; with `tiers`, half of them with three tiers."""
    rnd = random.Random(seed)
    tiered = random.Random(seed + 1)  # apart, so that both workbooks have the same offers
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("Offers")
    header = ["supplier", "country", "material", "unit_price", "capacity", "freight", "risk"]
    sheet.write_row(0, 0, [*header, "tier_from"] if tiers else header)
    row = 1
    for m in range(materials):
        for k in range(OFFERS_PER_MATERIAL):
            supplier, material = f"Supplier {m}-{k}", f"Part {m}"
            price, capacity = round(rnd.uniform(5, 50), 2), round(rnd.uniform(50, 400))
            values: list[object] = [
                supplier,
                rnd.choice(COUNTRIES),
                material,
                price,
                capacity,
                round(rnd.uniform(0, 3), 2),
                rnd.randint(0, 100),
            ]
            sheet.write_row(row, 0, values)
            row += 1
            if tiers and tiered.random() < 0.5:
                sheet.write(row - 1, len(header), 0)
                for start, factor in STEPS:
                    step = [supplier, None, material, round(price * factor, 2)]
                    sheet.write_row(row, 0, step)
                    sheet.write(row, len(header), round(start * capacity))
                    row += 1
    demand = book.add_worksheet("Demand")
    demand.write_row(
        0, 0, ["material", "quantity", "max_country_share", "max_supplier_share", "max_avg_risk"]
    )
    for m in range(materials):
        demand.write_row(m + 1, 0, [f"Part {m}", 1000, 0.4, 0.3, 60])
    settings = book.add_worksheet("Settings")
    settings.write_row(0, 0, ["setting", "value"])
    settings.write_row(1, 0, ["discount", discount])
    book.close()
    return path


def run(path: Path, out_dir: Path) -> dict[str, Any]:
    from optimizer.batch.pipeline import process_workbook

    started = time.perf_counter()
    outcome = process_workbook(path, out_dir / f"{path.stem}_allocation.xlsx")
    return {
        "status": str(outcome.status),
        "total_cost": outcome.total_cost,
        "seconds": time.perf_counter() - started,
        "timings": outcome.timings,
    }


def measure(path: Path, out_dir: Path) -> dict[str, Any]:
    """One run in a fresh process."""
    command = [sys.executable, __file__, "--run", str(path), "--out", str(out_dir)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    lines = done.stdout.splitlines()
    if done.returncode or not lines:
        raise RuntimeError(f"exit {done.returncode}: {done.stderr[-2000:]}")
    return json.loads(lines[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--materials", type=int, default=10_000)
    parser.add_argument("--discount", choices=["all_units", "incremental"], default="all_units")
    parser.add_argument("--folder", type=Path, default=None)
    parser.add_argument("--run", type=Path, default=None, help="one run of WORKBOOK, as JSON")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    if args.run is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        print(json.dumps(run(args.run, args.out)))
        return
    folder = args.folder or Path(tempfile.mkdtemp(prefix="tiers-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for tiers in (False, True):
        # the names bench.py gives them
        name = f"tiers_{args.materials}_tiered" if tiers else f"tiers_{args.materials}"
        path = generate(folder / f"{name}.xlsx", args.materials, tiers, args.discount)
        result = measure(path, folder / "out")
        rows.append((name, result))
        stages = ", ".join(f"{k} {v:.1f}" for k, v in result["timings"].items())
        print(f"{name}: {result['status']}, {result['seconds']:.1f} s ({stages})", flush=True)
    plain, tiered = rows[0][1]["seconds"], rows[1][1]["seconds"]
    print(f"with tiers / without: {tiered / plain:.1f} (target: at most 10)")


if __name__ == "__main__":
    main()
