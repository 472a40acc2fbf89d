"""Benchmark: the full pipeline on generated workbooks of 2k, 20k and 200k offers, against a
reference pipeline.

    python benchmarks/bench.py [--sizes 2000 20000 200000] [--folder DIR] [--markdown]
                               [--cli-max 2000]
    python benchmarks/bench.py --resilience [--sizes 200000] [--folder DIR] [--markdown]
    python benchmarks/bench.py --run project|reference WORKBOOK --out DIR [--allocation-only]
                                                                            # one run, JSON

Each workbook has 20 offers per material from 30 countries, with country, supplier and
average-risk caps (the contract's format). For each size, the project
(`optimizer.batch.pipeline.process_workbook`) and the reference pipeline (`reference.py`: calamine,
numpy, highspy, xlsxwriter) run in fresh Python processes of their own, so each pays its own
imports and has its own peak memory (the larger of the process's and its children's: the
project reads workbooks in a forked child). The reference runs twice: writing the allocation
only (the issue's reference: a fast reader, highspy from arrays and a fast writer) and writing
every sheet and column the workbook contract requires (Summary, Allocation, Materials,
Countries, Constraints with shadow prices, Diagnostics), unstyled. Three tables follow: the
project's seconds per stage, its total, peak memory and, for sizes up to `--cli-max`, the
seconds of `python -m optimizer run WORKBOOK --out DIR` end to end, interpreter start included;
then each reference's seconds per stage (imports not included), total, peak memory, the
project/reference ratio and whether the total costs agree to 1e-6 (relative).

`--resilience` runs the project alone on each size twice: on the workbook above, and on the same
workbook planned to withstand the loss of any one country (issue 13): a reserve price on half of
the offers, a stock cost for every material, Settings `survive` = country and `min_cover` 0.7,
which binds for every material that buys more than 30% from one country. It prints the project's
stages for both and the ratio of their totals (the target: at most 2.5).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import xlsxwriter

OFFERS_PER_MATERIAL = 20
COUNTRIES = [f"Country {i:02d}" for i in range(30)]
PIPELINES = ("project", "reference")
COST_TOLERANCE = 1e-6  # relative


def generate(path: Path, offers: int, seed: int = 0, survive: bool = False) -> Path:
    """A workbook of `offers` offers; with `survive`, the same one planned to withstand the loss
    of any one country (reserve prices, stock costs, `survive` and `min_cover`)."""
    rnd = random.Random(seed)
    fees = random.Random(seed + 1)  # apart, so that both workbooks have the same offers
    materials = max(1, offers // OFFERS_PER_MATERIAL)
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("Offers")
    header = ["supplier", "country", "material", "unit_price", "capacity", "freight", "risk"]
    sheet.write_row(0, 0, [*header, "reserve_price"] if survive else header)
    row = 1
    for m in range(materials):
        for k in range(OFFERS_PER_MATERIAL):
            values: list[object] = [
                f"Supplier {m}-{k}",
                rnd.choice(COUNTRIES),
                f"Part {m}",
                round(rnd.uniform(5, 50), 2),
                round(rnd.uniform(50, 400)),
                round(rnd.uniform(0, 3), 2),
                rnd.randint(0, 100),
            ]
            if survive and fees.random() < 0.5:
                values.append(round(fees.uniform(0.5, 3), 2))
            sheet.write_row(row, 0, values)
            row += 1
    demand = book.add_worksheet("Demand")
    header = ["material", "quantity", "max_country_share", "max_supplier_share", "max_avg_risk"]
    demand.write_row(0, 0, [*header, "stock_cost"] if survive else header)
    for m in range(materials):
        demand.write_row(m + 1, 0, [f"Part {m}", 1000, 0.4, 0.3, 60, *([40] if survive else [])])
    if survive:
        settings = book.add_worksheet("Settings")
        for number, values in enumerate(
            [["setting", "value"], ["survive", "country"], ["min_cover", 0.7]]
        ):
            settings.write_row(number, 0, values)
    book.close()
    return path


def peak_mb() -> float:
    """Peak resident memory of this process and of its children that have ended (Linux: KiB)."""
    self_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(self_kib, children_kib) / 1024


def run_project(path: Path, out_dir: Path) -> dict[str, Any]:
    from optimizer.batch.pipeline import process_workbook

    started = time.perf_counter()
    outcome = process_workbook(path, out_dir / f"{path.stem}_allocation.xlsx")
    return {
        "status": str(outcome.status),
        "total_cost": outcome.total_cost,
        "seconds": time.perf_counter() - started,
        "timings": outcome.timings,
    }


def run_pipeline(
    pipeline: str, path: Path, out_dir: Path, allocation_only: bool = False
) -> dict[str, Any]:
    """One pipeline on one workbook, in this process; what `--run` prints as JSON.
    `allocation_only`: the reference writes only its Allocation sheet."""
    out_dir.mkdir(parents=True, exist_ok=True)
    if pipeline == "project":
        result = run_project(path, out_dir)
    else:
        from reference import run_reference  # benchmarks/ is on sys.path when run as a script

        output = out_dir / f"{path.stem}_reference.xlsx"
        result = run_reference(path, output, allocation_only=allocation_only)
    return {**result, "peak_mb": peak_mb()}


def measure(
    pipeline: str, path: Path, out_dir: Path, allocation_only: bool = False
) -> dict[str, Any]:
    """`run_pipeline` in a fresh interpreter; its result is the last line of its output."""
    command = [sys.executable, __file__, "--run", pipeline, str(path), "--out", str(out_dir)]
    if allocation_only and pipeline == "reference":
        command.append("--allocation-only")
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{pipeline} run failed on {path.name}:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def time_cli(path: Path, out_dir: Path) -> str:
    """Seconds of `python -m optimizer run PATH --out DIR`, interpreter start included, and its
    exit status when that is not 0."""
    command = [sys.executable, "-m", "optimizer", "run", str(path), "--out", str(out_dir)]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True)
    seconds = time.perf_counter() - started
    return f"{seconds:.2f}" + (f" (exit {done.returncode})" if done.returncode else "")


def cost_check(project: dict[str, Any], reference: dict[str, Any]) -> str:
    """`yes` when both total costs agree to COST_TOLERANCE (relative), else why not."""
    cost, expected = project["total_cost"], reference["total_cost"]
    if project["status"] != "optimal" or cost is None:
        return f"no ({project['status']})"
    difference = abs(cost - expected) / max(1.0, abs(expected))
    return "yes" if difference <= COST_TOLERANCE else f"no ({difference:.1e})"


REFERENCES = {  # how the reference runs, and what its table is called
    "allocation": ("Reference, writing the allocation (the issue's reference)", True),
    "required": ("Reference, writing every sheet the contract requires", False),
}


def tables(rows: list[dict[str, Any]], markdown: bool) -> str:
    """The project's stages, then each reference's with the project/reference ratio."""
    project = _table(
        "Project",
        rows,
        "project",
        lambda row: {"peak MB": f"{row['project']['peak_mb']:,.0f}", "CLI s": row["cli"]},
        markdown,
    )
    references = [
        _table(
            title,
            rows,
            key,
            lambda row, key=key: {
                "peak MB": f"{row[key]['peak_mb']:,.0f}",
                "project / reference": f"{row['project']['seconds'] / row[key]['seconds']:.2f}",
                "costs agree": cost_check(row["project"], row[key]),
            },
            markdown,
        )
        for key, (title, _) in REFERENCES.items()
    ]
    return "\n\n".join([project, *references])


def _table(
    title: str,
    rows: list[dict[str, Any]],
    key: str,
    extra: Callable[[dict[str, Any]], dict[str, str]],
    markdown: bool,
) -> str:
    """One line per size: the stages of `row[key]` in their order of first appearance, its
    total and the `extra` columns."""
    stages: list[str] = []
    for row in rows:
        stages.extend(k for k in row[key]["timings"] if k not in stages)
    header = ["offers", *stages, "total s", *extra(rows[0])]
    lines = [
        [
            f"{row['offers']:,}",
            *(f"{row[key]['timings'].get(stage, 0.0):.2f}" for stage in stages),
            f"{row[key]['seconds']:.2f}",
            *extra(row).values(),
        ]
        for row in rows
    ]
    if markdown:
        rule = ["---:"] * len(header)
        body = "\n".join(f"| {' | '.join(cells)} |" for cells in [header, rule, *lines])
        return f"{title}:\n\n{body}"
    widths = [max(len(cells[i]) for cells in [header, *lines]) for i in range(len(header))]
    body = "\n".join(
        "  ".join(cell.rjust(width) for cell, width in zip(cells, widths, strict=True))
        for cells in [header, *lines]
    )
    return f"{title}:\n{body}"


def resilience(sizes: list[int], folder: Path, markdown: bool) -> str:
    """The project on each size without and with `survive` = country, and the ratio."""
    rows = []
    for size in sizes:
        row: dict[str, Any] = {"offers": size}
        for key, survive in (("plain", False), ("survive", True)):
            path = generate(folder / f"bench_{size}_{key}.xlsx", size, survive=survive)
            old = time.time() - 60
            os.utime(path, (old, old))
            row[key] = measure("project", path, folder / f"out-{key}")
            print(f"{size:,} offers, {key}: {row[key]['seconds']:.2f} s", file=sys.stderr)
        rows.append(row)
    plain = _table(
        "Project, without survive",
        rows,
        "plain",
        lambda row: {"status": row["plain"]["status"]},
        markdown,
    )
    resilient = _table(
        "Project, survive = country (min_cover 0.7)",
        rows,
        "survive",
        lambda row: {
            "status": row["survive"]["status"],
            "survive / without": f"{row['survive']['seconds'] / row['plain']['seconds']:.2f}",
        },
        markdown,
    )
    return f"{plain}\n\n{resilient}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2_000, 20_000, 200_000])
    parser.add_argument("--folder", type=Path, default=None, help="where the workbooks go")
    parser.add_argument("--markdown", action="store_true", help="print a markdown table")
    parser.add_argument(
        "--cli-max", type=int, default=2_000, help="time the CLI for sizes up to this many offers"
    )
    parser.add_argument("--run", choices=PIPELINES, help="run one pipeline, print JSON")
    parser.add_argument(
        "--resilience",
        action="store_true",
        help="the project alone, on each size without and with survive = country",
    )
    parser.add_argument("workbook", type=Path, nargs="?", help="the workbook for --run")
    parser.add_argument("--out", type=Path, default=None, help="output folder for --run")
    parser.add_argument(
        "--allocation-only",
        action="store_true",
        help="with --run: the reference writes only the Allocation sheet",
    )
    args = parser.parse_args()
    if args.run:
        if args.workbook is None:
            parser.error("--run needs a WORKBOOK")
        out_dir = args.out or Path(tempfile.mkdtemp(prefix="optimizer-bench-"))
        result = run_pipeline(args.run, args.workbook, out_dir, args.allocation_only)
        print(json.dumps(result), flush=True)
        return
    if args.workbook is not None:
        parser.error("a WORKBOOK is given only with --run")
    folder = args.folder or Path(tempfile.mkdtemp(prefix="optimizer-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    if args.resilience:
        print(resilience(args.sizes, folder, args.markdown))
        return
    rows = []
    for size in args.sizes:
        path = generate(folder / f"bench_{size}.xlsx", size)
        # As if it had been dropped into inputs/ a while ago: a file modified within the last
        # second is watched for a second before it is read (OPTIMIZER_SETTLE_SECONDS).
        old = time.time() - 60
        os.utime(path, (old, old))
        row: dict[str, Any] = {"offers": size, "cli": "-"}
        runs = {"project": ("project", False)}
        runs |= {key: ("reference", only) for key, (_, only) in REFERENCES.items()}
        for key, (pipeline, allocation_only) in runs.items():
            row[key] = measure(pipeline, path, folder / f"out-{key}", allocation_only)
            print(f"{size:,} offers, {key}: {row[key]['seconds']:.2f} s", file=sys.stderr)
        if size <= args.cli_max:
            row["cli"] = time_cli(path, folder / "out-cli")
        rows.append(row)
    print(tables(rows, args.markdown))


if __name__ == "__main__":
    main()
