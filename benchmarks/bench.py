"""Benchmark: the issue's speed goals, whole processes against a lean reference.

    python benchmarks/bench.py [--goals 200k 1m small integer survive tiers] [--quick]
                               [--repeat N] [--folder /tmp/bench] [--markdown]
    python benchmarks/bench.py --stages [--sizes 2000 20000 200000] [--cli-max 2000]
    python benchmarks/bench.py --run project|reference WORKBOOK --out DIR [--allocation-only]
                                                                            # one run, JSON

Each generated workbook has 20 offers per material from 30 countries, with country, supplier
and average-risk caps (the contract's format); workbooks are made once in `--folder` and kept.
Every goal is timed as whole processes, interpreter start included: the project as
`python -m optimizer run ... --out DIR`, the reference as `python benchmarks/reference.py ...`
(python-calamine read, numpy arrays, highspy passModel, xlsxwriter writing the allocation only),
both from this checkout (its root first on PYTHONPATH). With `--repeat N` each pair runs N times
in turn (A B A B ...) and the ratio quoted is the median of the ratios run by run. Peak memory
is the largest single process (its own or a child's, from the kernel's accounting). The goals:

- `200k`: 200,000 offers (10,000 materials) end to end, <= 1.3 x the reference, <= 1 GB peak.
- `1m`: 1,000,000 offers (50,000 materials), every contract sheet written, <= 1.6 x the
  reference, <= 2.5 GB peak.
- `small`: 200 workbooks of 10 materials x 20 offers, as one folder: the project with
  `--workers 1` <= 3 x the reference looping over the files in one process, with `--workers 2`
  <= 1.6 x.
- `integer`: 10,000 x 20 offers with a minimum order and a fixed cost on 30% of the offers and
  `max_suppliers` 4, the project with `--workers 2 --time-limit 3600` (the reference has no
  time limit) <= 1.5 x a reference solving the per-material MIPs one after another with
  highspy from arrays (costs agree within the contract's 1e-6 gap).
- `survive`: 200,000 offers planned to withstand the loss of any one country (a reserve price
  on half of the offers, a stock cost for every material, `survive` = country, `min_cover`
  0.7) <= 2.5 x the same workbook without it, both the project.
- `tiers`: 10,000 x 20 offers with three price tiers (all-units) on half of the offers
  (`benchmarks/tiers.py` makes them) <= 10 x the same workbook without tiers, both the project;
  the check column says whether the tiered run took at most 60 s.

`--quick` measures a tenth of each size (20 small workbooks, 500 materials for the integer
case) against the same targets. Every project output is checked: status optimal, total cost
the reference's within 1e-6 (relative), and for single workbooks every required sheet present.

`--stages` runs the old in-process tables instead: the project
(`optimizer.batch.pipeline.process_workbook`) and the reference, each in a fresh process, seconds
per stage; the reference twice, writing the allocation only and writing every sheet the contract
requires (unstyled).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import xlsxwriter

OFFERS_PER_MATERIAL = 20
COUNTRIES = [f"Country {i:02d}" for i in range(30)]
PIPELINES = ("project", "reference")
COST_TOLERANCE = 1e-6  # relative


def generate(
    path: Path, offers: int, seed: int = 0, survive: bool = False, integer: bool = False
) -> Path:
    """A workbook of `offers` offers; with `survive`, the same one planned to withstand the loss
    of any one country (reserve prices, stock costs, `survive` and `min_cover`); with `integer`,
    the integer case: a minimum order (20-50% of the capacity) and a fixed cost (100-2,000) on
    30% of the offers, `max_suppliers` 4 for every material and a demand of 600 (not 1,000)."""
    rnd = random.Random(seed)
    fees = random.Random(seed + 1)  # apart, so that both workbooks have the same offers
    switches = random.Random(seed + 2)
    materials = max(1, offers // OFFERS_PER_MATERIAL)
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("Offers")
    header = ["supplier", "country", "material", "unit_price", "capacity", "freight", "risk"]
    header += ["reserve_price"] if survive else []
    header += ["min_order", "fixed_cost"] if integer else []
    sheet.write_row(0, 0, header)
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
            if survive:
                values.append(round(fees.uniform(0.5, 3), 2) if fees.random() < 0.5 else None)
            if integer and switches.random() < 0.3:
                capacity = float(values[4])  # type: ignore[arg-type]
                values += [
                    round(capacity * switches.uniform(0.2, 0.5)),
                    round(switches.uniform(100, 2000)),
                ]
            sheet.write_row(row, 0, values)
            row += 1
    demand = book.add_worksheet("Demand")
    header = ["material", "quantity", "max_country_share", "max_supplier_share", "max_avg_risk"]
    header += ["stock_cost"] if survive else []
    header += ["max_suppliers"] if integer else []
    demand.write_row(0, 0, header)
    extra = ([40] if survive else []) + ([4] if integer else [])
    quantity = 600 if integer else 1000  # so that 4 offers can meet it
    for m in range(materials):
        demand.write_row(m + 1, 0, [f"Part {m}", quantity, 0.4, 0.3, 60, *extra])
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


# --- The goals: whole processes, interpreter start included ------------------------

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = Path(__file__).resolve().parent / "reference.py"
SMALL_OFFERS = 200  # 10 materials x 20 offers per small workbook
REQUIRED_SHEETS = ("Summary", "Overview", "Allocation", "Materials", "Countries", "Constraints")


@dataclass
class Run:
    """One whole process: wall seconds, peak memory (its own or a child's, the larger), exit
    status and what it printed."""

    seconds: float
    peak_mb: float
    code: int
    stdout: str
    stderr: str


def timed(command: list[str], out_dir: Path) -> Run:
    """`command` as a fresh process in an empty `out_dir`, from the repository's root with its
    code first on the path, timed from start to exit."""
    shutil.rmtree(out_dir, ignore_errors=True)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=err
        )
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        text = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    return Run(seconds, usage.ru_maxrss / 1024, process.returncode, *text)


def project(paths: list[Path], out_dir: Path, *flags: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "optimizer",
        "run",
        *map(str, paths),
        "--out",
        str(out_dir),
        *flags,
    ]


def reference(paths: list[Path], out_dir: Path, *flags: str) -> list[str]:
    return [sys.executable, str(REFERENCE), *map(str, paths), "--out", str(out_dir), *flags]


@dataclass
class Pair:
    """Runs of a command A against a command B, in turn (A B A B ...)."""

    a: list[Run] = field(default_factory=list)
    b: list[Run] = field(default_factory=list)

    def seconds(self, side: str) -> float:
        return statistics.median(run.seconds for run in getattr(self, side))

    def peak_mb(self, side: str) -> float:
        return max(run.peak_mb for run in getattr(self, side))

    def ratio(self) -> float:
        """The median of the ratios run by run, so that a drift of the machine's speed cancels."""
        return statistics.median(a.seconds / b.seconds for a, b in zip(self.a, self.b, strict=True))


def paired(a: Callable[[], Run], b: Callable[[], Run], repeat: int, label: str) -> Pair:
    pair = Pair()
    for number in range(repeat):
        pair.a.append(a())
        pair.b.append(b())
        print(
            f"{label} [{number + 1}/{repeat}]: {pair.a[-1].seconds:.2f} s against "
            f"{pair.b[-1].seconds:.2f} s",
            file=sys.stderr,
        )
        for run in (pair.a[-1], pair.b[-1]):
            if run.code not in (0,):
                print(f"  exit {run.code}: {run.stderr.strip()[-2000:]}", file=sys.stderr)
    return pair


@dataclass
class Row:
    """One line of the goals table."""

    goal: str
    size: str
    pair: Pair | None  # None: not measured
    target: float
    against: str  # what the ratio is against
    memory_target_mb: float | None = None
    check: str = "-"  # the outputs' check: costs agree, sheets written
    note: str = ""

    def cells(self) -> list[str]:
        if self.pair is None:
            blank = ["not measured", "-", "-", f"<= {self.target:g}", "-", "-", "-"]
            return [self.goal, self.size, self.against, *blank, self.check]
        ratio = self.pair.ratio()
        peak = self.pair.peak_mb("a")
        memory = "-"
        if self.memory_target_mb is not None:
            met = "met" if peak <= self.memory_target_mb else "not met"
            memory = f"{peak:,.0f} (<= {self.memory_target_mb:,.0f}: {met})"
        else:
            memory = f"{peak:,.0f}"
        return [
            self.goal,
            self.size,
            self.against,
            f"{self.pair.seconds('a'):.2f}",
            f"{self.pair.seconds('b'):.2f}",
            f"{ratio:.2f}",
            f"<= {self.target:g}",
            "met" if ratio <= self.target else "not met",
            memory,
            f"{self.pair.peak_mb('b'):,.0f}",
            self.check,
        ]


HEADER = [
    "goal",
    "size",
    "against",
    "project s",
    "reference s",
    "ratio",
    "target",
    "time",
    "project peak MB",
    "reference peak MB",
    "outputs",
]


def summary_of(output: Path) -> dict[str, Any]:
    """The Summary sheet of a project output, item by value."""
    import python_calamine

    book = python_calamine.CalamineWorkbook.from_path(str(output))
    rows = book.get_sheet_by_name("Summary").to_python()
    return {str(row[0]): row[1] for row in rows[1:] if row}


def sheet_names(output: Path) -> list[str]:
    import python_calamine

    return list(python_calamine.CalamineWorkbook.from_path(str(output)).sheet_names)


def check_outputs(
    inputs: list[Path], out_dir: Path, run: Run, tolerance: float, sheets: bool = False
) -> str:
    """`ok` when every input has an optimal output whose total cost is the reference's (the last
    JSON line `run` printed) within `tolerance` (relative), with every required sheet if
    `sheets`; else what is wrong."""
    try:
        expected = json.loads(run.stdout.strip().splitlines()[-1])["total_cost"]
    except (IndexError, ValueError, KeyError):
        return "reference printed no costs"
    wrong: list[str] = []
    for path in inputs:
        output = out_dir / f"{path.stem}_allocation.xlsx"
        if not output.exists():
            wrong.append(f"{path.name}: no output")
            continue
        summary = summary_of(output)
        cost, status = summary.get("total_cost"), summary.get("status")
        if status != "optimal" or not isinstance(cost, float):
            wrong.append(f"{path.name}: {status}")
            continue
        difference = abs(cost - expected[path.name]) / max(1.0, abs(expected[path.name]))
        if difference > tolerance:
            wrong.append(f"{path.name}: cost differs by {difference:.1e}")
        if sheets:
            missing = [name for name in REQUIRED_SHEETS if name not in sheet_names(output)]
            wrong.extend(f"{path.name}: no {name}" for name in missing)
    if wrong:
        return f"{len(wrong)} wrong ({wrong[0]})"
    return "costs agree" + (", sheets written" if sheets else "")


def fresh(path: Path) -> Path:
    """As if dropped into inputs/ a while ago: a file modified within the last second is watched
    for a second before it is read (OPTIMIZER_SETTLE_SECONDS)."""
    old = time.time() - 60
    os.utime(path, (old, old))
    return path


def workbook(folder: Path, offers: int, **kind: bool) -> Path:
    """The generated workbook of this size and kind, made once."""
    tags = "".join(f"_{name}" for name, on in sorted(kind.items()) if on)
    path = folder / f"bench_{offers}{tags}.xlsx"
    if not path.exists():
        print(f"generating {path.name}", file=sys.stderr)
        generate(path.with_suffix(".part.xlsx"), offers, **kind).rename(path)
    return fresh(path)


def large_goal(goal: str, offers: int, target: float, memory_mb: float, size: str):
    def measure_goal(folder: Path, repeat: int) -> list[Row]:
        path = workbook(folder, offers)
        out_a, out_b = folder / f"out-{goal}-project", folder / f"out-{goal}-reference"
        pair = paired(
            lambda: timed(project([path], out_a), out_a),
            lambda: timed(reference([path], out_b), out_b),
            repeat,
            goal,
        )
        check = check_outputs([path], out_a, pair.b[-1], COST_TOLERANCE, sheets=True)
        return [Row(goal, size, pair, target, "reference", memory_mb, check)]

    return measure_goal


def small_goal(count: int):
    def measure_goal(folder: Path, repeat: int) -> list[Row]:
        batch = folder / f"small_{count}"
        batch.mkdir(exist_ok=True)
        paths = []
        for number in range(count):
            path = batch / f"small_{number:03d}.xlsx"
            if not path.exists():
                generate(path, SMALL_OFFERS, seed=number)
            paths.append(fresh(path))
        rows = []
        out_b = folder / "out-small-reference"
        for workers, target in ((1, 3.0), (2, 1.6)):
            out_a = folder / f"out-small-project-{workers}"
            pair = paired(
                lambda out_a=out_a, workers=workers: timed(
                    project([batch], out_a, "--workers", str(workers)), out_a
                ),
                lambda: timed(reference([batch], out_b), out_b),
                repeat,
                f"small, --workers {workers}",
            )
            check = check_outputs(paths, out_a, pair.b[-1], COST_TOLERANCE)
            size = f"{count} x {SMALL_OFFERS} offers, --workers {workers}"
            rows.append(Row(f"small-{workers}", size, pair, target, "reference loop", None, check))
        return rows

    return measure_goal


def integer_goal(offers: int, size: str):
    def measure_goal(folder: Path, repeat: int) -> list[Row]:
        path = workbook(folder, offers, integer=True)
        out_a, out_b = folder / "out-integer-project", folder / "out-integer-reference"
        pair = paired(
            lambda: timed(project([path], out_a, *INTEGER_FLAGS), out_a),
            lambda: timed(reference([path], out_b, "--mip"), out_b),
            repeat,
            "integer",
        )
        check = check_outputs([path], out_a, pair.b[-1], MIP_TOLERANCE, sheets=True)
        return [Row("integer", size, pair, 1.5, "reference MIPs", None, check)]

    return measure_goal


def survive_goal(offers: int, size: str):
    def measure_goal(folder: Path, repeat: int) -> list[Row]:
        plain, survive = workbook(folder, offers), workbook(folder, offers, survive=True)
        out_a, out_b = folder / "out-survive", folder / "out-plain"
        pair = paired(
            lambda: timed(project([survive], out_a), out_a),
            lambda: timed(project([plain], out_b), out_b),
            repeat,
            "survive",
        )
        statuses = {
            summary_of(out / f"{p.stem}_allocation.xlsx").get("status")
            for p, out in ((survive, out_a), (plain, out_b))
        }
        check = (
            "both optimal" if statuses == {"optimal"} else f"status {sorted(map(str, statuses))}"
        )
        return [Row("survive", size, pair, 2.5, "project without survive", None, check)]

    return measure_goal


def tiers_goal(materials: int, size: str):
    """Three price tiers (all-units) on half of the offers against the same workbook without
    tiers, both the project (`benchmarks/tiers.py` makes the pair): issue 15's <= 10 x, and
    issue 16's 60 s for the 200k workbook, said in the check column."""

    def measure_goal(folder: Path, repeat: int) -> list[Row]:
        from tiers import generate as tiered_workbook

        paths = []
        for tiers in (True, False):
            path = folder / f"tiers_{materials}{'_tiered' if tiers else ''}.xlsx"
            if not path.exists():
                print(f"generating {path.name}", file=sys.stderr)
                tiered_workbook(path.with_suffix(".part.xlsx"), materials, tiers, "all_units")
                path.with_suffix(".part.xlsx").rename(path)
            paths.append(fresh(path))
        out_a, out_b = folder / "out-tiers", folder / "out-untiered"
        pair = paired(
            lambda: timed(project([paths[0]], out_a, "--time-limit", "3600"), out_a),
            lambda: timed(project([paths[1]], out_b, "--time-limit", "3600"), out_b),
            repeat,
            "tiers",
        )
        status = summary_of(out_a / f"{paths[0].stem}_allocation.xlsx").get("status")
        seconds = pair.seconds("a")
        within = "within" if seconds <= TIERS_SECONDS else "over"
        check = f"{status}; {seconds:.0f} s, {within} {TIERS_SECONDS} s"
        return [Row("tiers", size, pair, 10, "project without tiers", None, check)]

    return measure_goal


TIERS_SECONDS = 60  # issue 16: the tiered 200k workbook end to end


MIP_TOLERANCE = 1e-6  # the contract's relative MIP gap
# The reference has no time limit; the project's default (60 s a solve) would stop it early.
INTEGER_FLAGS = ("--workers", "2", "--time-limit", "3600")
GOALS: dict[str, tuple[str, Callable[[bool], Callable[[Path, int], list[Row]]]]] = {
    "200k": (
        "200,000 offers end to end",
        lambda quick: large_goal(
            "200k",
            20_000 if quick else 200_000,
            1.3,
            1024,
            "20,000 offers" if quick else "200,000 offers",
        ),
    ),
    "1m": (
        "1,000,000 offers, every sheet",
        lambda quick: large_goal(
            "1m",
            100_000 if quick else 1_000_000,
            1.6,
            2560,
            "100,000 offers" if quick else "1,000,000 offers",
        ),
    ),
    "small": ("200 small workbooks", lambda quick: small_goal(20 if quick else 200)),
    "integer": (
        "integer case",
        lambda quick: integer_goal(
            10_000 if quick else 200_000, "500 x 20 offers" if quick else "10,000 x 20 offers"
        ),
    ),
    "survive": (
        "survive = country",
        lambda quick: survive_goal(
            20_000 if quick else 200_000, "20,000 offers" if quick else "200,000 offers"
        ),
    ),
    "tiers": (
        "price tiers",
        lambda quick: tiers_goal(
            1_000 if quick else 10_000, "1,000 x 20 offers" if quick else "10,000 x 20 offers"
        ),
    ),
}


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {cpu}"


def goals_report(names: list[str], folder: Path, quick: bool, repeat: int, markdown: bool) -> str:
    rows: list[Row] = []
    for name in names:
        rows.extend(GOALS[name][1](quick)(folder, repeat))
    sizes = "quick sizes" if quick else "full sizes"
    heading = (
        f"Benchmark goals, {datetime.date.today().isoformat()}, {machine()}, Python "
        f"{platform.python_version()} ({sizes}, median of {repeat} run{'s' * (repeat > 1)} each)"
    )
    lines = [row.cells() for row in rows]
    notes = [
        "Whole processes, interpreter start included; a ratio is the median of the project's "
        "seconds over the reference's, run by run in turn. Peak memory: the largest process.",
    ]
    if markdown:
        rule = ["---", "---", "---", *["---:"] * (len(HEADER) - 4), "---"]
        body = "\n".join(f"| {' | '.join(cells)} |" for cells in [HEADER, rule, *lines])
        return f"### {heading}\n\n{body}\n\n" + "\n".join(notes)
    widths = [max(len(cells[i]) for cells in [HEADER, *lines]) for i in range(len(HEADER))]
    body = "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True))
        for cells in [HEADER, *lines]
    )
    return f"{heading}\n{body}\n" + "\n".join(notes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--goals",
        nargs="+",
        choices=list(GOALS),
        default=list(GOALS),
        help="the goals to measure (default: all)",
    )
    parser.add_argument("--quick", action="store_true", help="a tenth of each goal's size")
    parser.add_argument(
        "--repeat", type=int, default=1, help="runs of each command, in turn (median quoted)"
    )
    parser.add_argument(
        "--folder", type=Path, default=Path("/tmp/bench"), help="where the workbooks go"
    )
    parser.add_argument("--markdown", action="store_true", help="print markdown tables")
    parser.add_argument(
        "--stages",
        action="store_true",
        help="instead: the project's and the references' seconds per stage, in process",
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[2_000, 20_000, 200_000])
    parser.add_argument(
        "--cli-max", type=int, default=2_000, help="--stages: time the CLI up to this many offers"
    )
    parser.add_argument("--run", choices=PIPELINES, help="run one pipeline, print JSON")
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
    folder = args.folder
    folder.mkdir(parents=True, exist_ok=True)
    if not args.stages:
        print(goals_report(args.goals, folder, args.quick, max(1, args.repeat), args.markdown))
        return
    rows = []
    for size in args.sizes:
        path = fresh(workbook(folder, size))
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
