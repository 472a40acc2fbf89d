"""Benchmark: the full pipeline on generated workbooks of 2k, 20k and 200k offers.

    python benchmarks/bench.py [--sizes 2000 20000 200000] [--folder DIR]

Each workbook has 20 offers per material from 30 countries, with country, supplier and
average-risk caps (the contract's format). For each size it prints the seconds per stage of
`optimizer.pipeline.process_workbook` and the peak memory of the process.
"""

from __future__ import annotations

import argparse
import random
import resource
import tempfile
import time
from pathlib import Path

import xlsxwriter

from optimizer.pipeline import process_workbook

OFFERS_PER_MATERIAL = 20
COUNTRIES = [f"Country {i:02d}" for i in range(30)]


def generate(path: Path, offers: int, seed: int = 0) -> Path:
    rnd = random.Random(seed)
    materials = max(1, offers // OFFERS_PER_MATERIAL)
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("Offers")
    sheet.write_row(
        0, 0, ["supplier", "country", "material", "unit_price", "capacity", "freight", "risk"]
    )
    row = 1
    for m in range(materials):
        for k in range(OFFERS_PER_MATERIAL):
            sheet.write_row(
                row,
                0,
                [
                    f"Supplier {m}-{k}",
                    rnd.choice(COUNTRIES),
                    f"Part {m}",
                    round(rnd.uniform(5, 50), 2),
                    round(rnd.uniform(50, 400)),
                    round(rnd.uniform(0, 3), 2),
                    rnd.randint(0, 100),
                ],
            )
            row += 1
    demand = book.add_worksheet("Demand")
    demand.write_row(
        0, 0, ["material", "quantity", "max_country_share", "max_supplier_share", "max_avg_risk"]
    )
    for m in range(materials):
        demand.write_row(m + 1, 0, [f"Part {m}", 1000, 0.4, 0.3, 60])
    book.close()
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2_000, 20_000, 200_000])
    parser.add_argument("--folder", type=Path, default=None)
    args = parser.parse_args()
    folder = args.folder or Path(tempfile.mkdtemp(prefix="optimizer-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    stages = ["read", "validate", "solve", "verify", "analyse", "report", "write"]
    print(
        f"{'offers':>8} {'status':>8} "
        + " ".join(f"{s:>8}" for s in stages)
        + f" {'total':>8} {'peak MB':>8}"
    )
    for size in args.sizes:
        path = generate(folder / f"bench_{size}.xlsx", size)
        started = time.perf_counter()
        outcome = process_workbook(path, folder / "out")
        total = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        times = " ".join(f"{outcome.timings.get(s, 0.0):8.2f}" for s in stages)
        print(f"{size:>8} {outcome.status:>8} {times} {total:8.2f} {peak:8.0f}", flush=True)


if __name__ == "__main__":
    main()
