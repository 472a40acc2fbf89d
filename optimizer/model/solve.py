"""Solve a sourcing model and return a typed outcome keyed by our own ids.

HiGHS (the default) gets the model's arrays in one call through highspy; CBC gets it as a PuLP
problem (`to_pulp`), solved through PuLP's CBC interface. A solver's word is not taken alone:
"optimal" is accepted only when the solver's own solution status proves it, a time limit is
reported as such even when the solver calls its plan optimal, and no value is read back from an
infeasible solve. The plan is still checked by `verify` before use.

Integer models without a limit that ties materials together are solved one material at a time:
many small integer programs solve far faster than one large one, and with several workers they
are shared out among that many processes. A part with no variable at all
(a material without an offer) is decided here: it has a plan exactly when each of its rows allows
nothing, which no solver is asked (HiGHS calls such a model 'Empty', not infeasible).
"""

from __future__ import annotations

import math
import multiprocessing
import os
import threading
import time
import warnings
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from itertools import repeat
from typing import TYPE_CHECKING, Any

import numpy as np

from optimizer.contract.plan import ZERO, Plan
from optimizer.contract.problem import Problem
from optimizer.contract.status import SolveStatus
from optimizer.model.build import (
    CHEAPEST,
    FAMILY_OF,
    Family,
    Knob,
    Limit,
    LimitKind,
    Matrix,
    SourcingModel,
    Variant,
    build_model,
    objective_costs,
    relaxation_bounds,
)

if TYPE_CHECKING:
    import highspy
    import pulp

SOLVERS = ("highs", "cbc")
MIP_GAP = 1e-9  # "optimal" means optimal, not within the solvers' default 0.01%
WHOLE = 1e-7  # an integer column of a relaxation this close to a whole number is one
PARTS_TOGETHER = 16  # materials solved in one integer program
RELAXED_TOGETHER = 100  # materials in one linear relaxation (a whole large one is far slower)


@dataclass(frozen=True)
class SolveResult:
    """One solve of a model: our status (proven, never the solver's word alone), the solver's
    own status text, MIP gap and node count where it has them, and the seconds it took."""

    status: SolveStatus
    solver: str
    seconds: float
    plan: Plan | None = None
    duals: np.ndarray | None = None  # of each of `limits`, in their order; None if not known
    message: str = ""
    limits: list[Limit] = field(default_factory=list)  # the model's limits, for the report
    knobs: list[Knob] = field(default_factory=list)  # what a relaxation could move
    solver_status: str = ""  # the solver's own word, e.g. "Optimal", "Time limit reached"
    mip_gap: float | None = None  # relative gap it proved (integer models)
    nodes: int | None = None  # branch-and-bound nodes it explored (integer models)


@dataclass(frozen=True)
class Solution:
    """What one solve of a matrix gave: values, duals and reduced costs by column and row, and
    the solver's own account of it."""

    status: SolveStatus
    message: str = ""
    values: np.ndarray | None = None
    objective: float = 0.0
    row_duals: np.ndarray | None = None
    col_duals: np.ndarray | None = None
    solver_status: str = ""
    mip_gap: float | None = None
    nodes: int | None = None


class SolverUnavailable(RuntimeError):
    """The requested solver is not installed."""


def solve(
    problem: Problem,
    solver: str = "highs",
    time_limit: float = 60.0,
    variant: Variant = CHEAPEST,
    duals: bool = True,
    workers: int = 1,
    start: Plan | None = None,
) -> SolveResult:
    """Build and solve one model of `problem`; with `duals`, also the duals of its limits
    (for an integer model, those of the LP with the choice of offers fixed). An integer model
    solved one material at a time shares its materials out (`_solved_parts`: HiGHS over the
    cores, CBC over `workers` processes); `start`, a plan this model allows (the plan of a model
    with more limits), is its first incumbent."""
    return Session(problem, solver, time_limit, variant, workers).solve(duals, start)


class Session:
    """One model of a problem, solved once and then again with whole families of limits
    dropped (their rows freed). With HiGHS and a linear model the re-solves start from the
    last basis, so each costs a fraction of the first solve."""

    def __init__(
        self,
        problem: Problem,
        solver: str,
        time_limit: float,
        variant: Variant = CHEAPEST,
        workers: int = 1,
    ) -> None:
        if solver not in SOLVERS:
            raise _unknown(solver)
        self.problem, self.solver, self.time_limit, self.variant = (
            problem,
            solver,
            time_limit,
            variant,
        )
        self.workers = workers
        self.model = build_model(problem, variant)
        self.plan: Plan | None = None  # of its last solve
        self.matrix = self.model.matrix()
        self._highs: highspy.Highs | None = None

    def solve(self, duals: bool = True, start: Plan | None = None) -> SolveResult:
        started = time.perf_counter()
        model = self.model
        if self.solver == "highs" and self.matrix.columns and not self.matrix.integer.any():
            self._highs = _highs(self.matrix, self.time_limit, mip=False)
            solution = _run_highs(self._highs, self.time_limit)
        else:
            solution = run_model(
                model, self.solver, self.time_limit, self.matrix, True, self.workers, start
            )
        plan = self.plan = plan_of(model, solution)
        found: np.ndarray | None = None
        if duals and plan is not None and solution.status is SolveStatus.OPTIMAL:
            if model.used or self.matrix.integer.any():
                fixed_use = {i: plan.quantities.get(i, 0.0) > ZERO for i in model.used}
                chosen = plan.in_offer_order(len(self.problem.offers))
                lp = build_model(self.problem, self.variant, fixed_use, chosen)
                remaining = max(self.time_limit - (time.perf_counter() - started), 1.0)
                fixed = run_model(lp, self.solver, remaining, mip=False)
                if fixed.status is SolveStatus.OPTIMAL:
                    found = duals_of(lp, fixed)
            else:
                found = duals_of(model, solution)
        seconds = time.perf_counter() - started
        return SolveResult(
            solution.status,
            self.solver,
            seconds,
            plan,
            found,
            solution.message,
            model.limits,
            model.knobs,
            solution.solver_status,
            solution.mip_gap,
            solution.nodes,
        )

    @property
    def pooled(self) -> bool:
        """Whether its integer solves share materials out among worker processes (CBC's; they
        are forked: no other thread may solve meanwhile)."""
        return self.solver != "highs" and self.workers > 1 and bool(self.matrix.integer.any())

    def solve_within(self, within: Mapping[str, float]) -> SolveResult:
        """The cheapest plan of this relaxation among moves no larger than `within`
        (`Variant.within`), with no duals. With HiGHS and a linear model, the solved model gets
        the bounds and the cost and starts from its last basis (and the session keeps them)."""
        if self._highs is None:
            variant = replace(self.variant, within=within)
            return solve(self.problem, self.solver, self.time_limit, variant, False, self.workers)
        started = time.perf_counter()
        model, highs = self.model, self._highs
        upper, row, column, value, _ = relaxation_bounds(model, within)
        starts = np.searchsorted(row, np.arange(len(upper))).astype(np.int32)
        lower = np.full(len(upper), -_inf())
        highs.addRows(len(upper), lower, upper, len(value), starts, column.astype(np.int32), value)
        cost = np.zeros(self.matrix.columns)
        price = self.problem.settings.risk_price
        np.add.at(cost, *objective_costs(model, self.problem.data, price))
        highs.changeColsCost(len(cost), np.arange(len(cost), dtype=np.int32), cost)
        solution = _run_highs(highs, self.time_limit)
        plan = plan_of(model, solution)
        seconds = time.perf_counter() - started
        return SolveResult(
            solution.status,
            self.solver,
            seconds,
            plan,
            message=solution.message,
            limits=model.limits,
            knobs=model.knobs,
        )

    def solve_without(self, family: Family) -> SolveResult:
        """The model without `family`'s limits, solved with no duals."""
        if self._highs is None:
            variant = replace(self.variant, without=self.variant.without | {family})
            return solve(
                self.problem, self.solver, self.time_limit, variant, False, self.workers, self.plan
            )
        started = time.perf_counter()
        limits = [lim for lim in self.model.limits if FAMILY_OF[lim.kind] is family]
        rows = np.array([lim.row for lim in limits if lim.row is not None], np.int32)
        bounded = [lim.offers[0] for lim in limits if lim.row is None]  # supplier caps as bounds
        columns = self.model.quantity[bounded].astype(np.int32)
        upper = self.problem.data.upper[bounded]  # without the caps
        free = np.full(len(rows), _inf())
        highs = self._highs
        highs.changeRowsBounds(len(rows), rows, -free, free)
        highs.changeColsBounds(len(columns), columns, self.matrix.col_lower[columns], upper)
        solution = _run_highs(highs, self.time_limit)
        highs.changeRowsBounds(
            len(rows), rows, self.matrix.row_lower[rows], self.matrix.row_upper[rows]
        )
        highs.changeColsBounds(
            len(columns), columns, self.matrix.col_lower[columns], self.matrix.col_upper[columns]
        )
        plan = plan_of(self.model, solution)
        seconds = time.perf_counter() - started
        return SolveResult(solution.status, self.solver, seconds, plan, message=solution.message)


def run_model(
    model: SourcingModel,
    solver: str,
    time_limit: float,
    matrix: Matrix | None = None,
    mip: bool = True,
    workers: int = 1,
    start: Plan | None = None,
) -> Solution:
    """Solve `model` once. An integer model whose materials share no limit is solved one
    material at a time, several at once (`_solved_parts`); with HiGHS, from `start` (a plan the
    model allows) as the first incumbent, which shortens the search and leaves the optimum as
    it is."""
    matrix = matrix if matrix is not None else model.matrix()
    integer = mip and bool(matrix.integer.any())
    values = _start_values(model, start.array) if integer and start is not None else None
    materials = len(model.problem.materials)
    if (integer and materials > 1) or (not mip and materials > RELAXED_TOGETHER):
        parts = _by_material(model, matrix)
        if parts is not None and integer:
            # HiGHS 1.16, 16 materials to a program: from the plan's choices, with price tiers
            # or country counts 2 x faster; with use switches (minimum orders, fixed costs,
            # supplier counts) 1.5 x slower (presolve, off from a start, matters more there)
            start_parts = None if model.used else values
            return _run_parts(matrix, parts, solver, time_limit, workers, start_parts)
        if parts is not None:
            return _run_linear_parts(matrix, parts, solver, time_limit)
    return run_matrix(matrix, solver, time_limit, mip, values)


def _run_linear_parts(
    matrix: Matrix, parts: list[tuple[np.ndarray, np.ndarray]], solver: str, time_limit: float
) -> Solution:
    """The linear program (integrality dropped) of many materials, RELAXED_TOGETHER materials
    at a time: the parts share no row, so their values and duals are the whole's, and many
    small programs solve far faster than one large one (the linear model of a solved integer
    model, for its duals)."""
    values = np.zeros(matrix.columns)
    row_duals: np.ndarray | None = np.zeros(matrix.rows)
    col_duals: np.ndarray | None = np.zeros(matrix.columns)
    together = _together(parts, RELAXED_TOGETHER)
    solved = _solved_parts(matrix, together, solver, time.monotonic() + time_limit, 1, mip=False)
    for (columns, rows), part in zip(together, solved, strict=True):
        if part.status is SolveStatus.TIME_LIMIT and part.values is None:
            return Solution(SolveStatus.TIME_LIMIT, _no_plan_in_time(time_limit))
        if part.status is not SolveStatus.OPTIMAL or part.values is None:
            return replace(part, values=None, row_duals=None, col_duals=None)
        values[columns] = part.values
        if part.row_duals is None or part.col_duals is None:
            row_duals = col_duals = None
        elif row_duals is not None and col_duals is not None:
            row_duals[rows] = part.row_duals
            col_duals[columns] = part.col_duals
    objective = float(matrix.cost @ values) + matrix.offset
    return Solution(
        SolveStatus.OPTIMAL, "", values, objective, row_duals, col_duals, solver_status="Optimal"
    )


def _start_values(model: SourcingModel, quantities: np.ndarray | None) -> np.ndarray | None:
    """The integer choices that `quantities` (of every offer) make, as a start for `model`:
    its columns' values, NaN for every column left to the solver; None when the quantities are
    of other offers or the model has no choice they make."""
    if quantities is None or len(quantities) != len(model.quantity) or not model.switches:
        return None
    values = np.full(int(model.columns), np.nan)
    for switches in model.switches:
        values[switches.columns] = switches.of(quantities)
    return values


def run_matrix(
    matrix: Matrix,
    solver: str,
    time_limit: float,
    mip: bool = True,
    start: np.ndarray | None = None,
    small: bool = False,
) -> Solution:
    """Solve `matrix` once; with HiGHS, an integer model from the values `start` (NaN where
    none is given; the solver completes them, and drops them if they allow no plan). A `small`
    integer model (a few materials) is solved without HiGHS's costlier searches for plans
    (`COSTLY_SEARCHES`), which take more time than they save there, and from a start without
    presolve."""
    if not matrix.columns:
        return _without_variables(matrix)
    if solver == "highs":
        highs = _highs(matrix, time_limit, mip)
        if small and mip:
            for option in COSTLY_SEARCHES:
                highs.setOptionValue(option, False)
            if start is not None:  # from a start, presolve costs more than it saves
                highs.setOptionValue("presolve", "off")
        if start is not None and mip and matrix.integer.any():
            _warm(highs, start)
        return _run_highs(highs, time_limit)
    if solver == "cbc":
        return _run_cbc(matrix, time_limit, mip)
    raise _unknown(solver)


# HiGHS 1.16, 16 materials of 20 offers to a program: without these heuristics 45% less time
# with price tiers, 55% less with minimum orders, fixed costs and supplier counts
COSTLY_SEARCHES = (
    "mip_heuristic_run_feasibility_jump",
    "mip_heuristic_run_root_reduced_cost",
    "mip_heuristic_run_rins",
    "mip_heuristic_run_rens",
)


def _without_variables(matrix: Matrix) -> Solution:
    """A model with no variable: every row's value is 0, so it has a plan (with nothing in it)
    exactly when each row allows 0."""
    lower, upper = matrix.row_lower, matrix.row_upper
    if np.all(lower <= 1e-9 * np.maximum(1.0, np.abs(lower))) and np.all(
        upper >= -1e-9 * np.maximum(1.0, np.abs(upper))
    ):
        rows = np.zeros(matrix.rows)
        return Solution(SolveStatus.OPTIMAL, "", np.zeros(0), matrix.offset, rows, np.zeros(0))
    return Solution(SolveStatus.INFEASIBLE, "No plan meets every limit.")


def _unknown(solver: str) -> SolverUnavailable:
    return SolverUnavailable(f"Unknown solver '{solver}'; choose one of {', '.join(SOLVERS)}.")


def _by_material(
    model: SourcingModel, matrix: Matrix
) -> list[tuple[np.ndarray, np.ndarray]] | None:
    """The columns and rows of each material, or None when a row or column spans materials."""
    col_material = model.materials_of_columns()
    row_material = model.materials_of_rows()
    if (col_material < 0).any() or (row_material < 0).any():
        return None
    col_order = np.argsort(col_material, kind="stable")
    row_order = np.argsort(row_material, kind="stable")
    count = len(model.problem.materials)
    col_split = np.cumsum(np.bincount(col_material, minlength=count))[:-1]
    row_split = np.cumsum(np.bincount(row_material, minlength=count))[:-1]
    return list(zip(np.split(col_order, col_split), np.split(row_order, row_split), strict=True))


def _part(matrix: Matrix, columns: np.ndarray, rows: np.ndarray) -> Matrix:
    """The sub-model of `columns` and `rows` (rows that use no other column)."""
    renumber = np.full(matrix.columns, -1, dtype=np.int64)
    renumber[columns] = np.arange(len(columns))
    first = matrix.start[rows].astype(np.int64)
    lengths = matrix.start[rows + 1] - first
    start = np.zeros(len(rows) + 1, dtype=np.int32)
    np.cumsum(lengths, out=start[1:])
    # The entries of each row in turn: its first entry's number, then the next ones.
    entries = np.repeat(first - start[:-1], lengths) + np.arange(start[-1])
    return Matrix(
        matrix.cost[columns],
        matrix.col_lower[columns],
        matrix.col_upper[columns],
        matrix.integer[columns],
        matrix.row_lower[rows],
        matrix.row_upper[rows],
        start,
        renumber[matrix.index[entries]].astype(np.int32),
        matrix.value[entries],
        0.0,
        (("c", len(columns)),),
        (("r", len(rows)),),
    )


PARTS_PER_WORKER = 8  # the smallest share of parts worth a worker process


def _run_parts(
    matrix: Matrix,
    parts: list[tuple[np.ndarray, np.ndarray]],
    solver: str,
    time_limit: float,
    workers: int = 1,
    start: np.ndarray | None = None,
) -> Solution:
    """Solve each material's integer sub-model (several to a program: `_together`; several
    programs at once: `_solved_parts`) within what is left of the time limit, each from its
    part of `start`; the whole is optimal only if every part is, and has a plan only if every
    part has one. (Its duals come from the linear model with the choices fixed, so none are
    kept here.)

    The linear relaxation is solved first (RELAXED_TOGETHER materials at a time): a part whose
    integer columns it leaves whole is already an optimum of that part (no integer plan costs
    less than the relaxation), so only the other parts are solved as integer programs; a
    relaxation with no plan means no plan at all."""
    deadline = time.monotonic() + time_limit
    values = np.zeros(matrix.columns)
    proven = True
    words: list[str] = []
    gaps: list[float] = []
    nodes: list[int] = []
    column_part = np.full(matrix.columns, -1, dtype=np.int64)
    for number, (columns, _) in enumerate(parts):
        column_part[columns] = number
    again = np.zeros(len(parts), dtype=bool)  # the parts left to solve as integer programs
    together = _together(parts, RELAXED_TOGETHER)
    relaxations = _solved_parts(matrix, together, solver, deadline, 1, mip=False)
    for number, ((columns, _), relaxed) in enumerate(zip(together, relaxations, strict=True)):
        first = number * RELAXED_TOGETHER
        if relaxed.status is SolveStatus.INFEASIBLE:
            return relaxed
        if relaxed.status is not SolveStatus.OPTIMAL or relaxed.values is None:
            again[first : first + RELAXED_TOGETHER] = True
            continue
        integer = matrix.integer[columns]
        found = relaxed.values[integer]
        whole = np.round(found)
        values[columns] = relaxed.values
        values[columns[integer]] = whole  # the parts solved again overwrite theirs
        again[column_part[columns[integer][np.abs(found - whole) > WHOLE]]] = True
        words.append(relaxed.solver_status)
    grouped = _together([part for part, left in zip(parts, again.tolist(), strict=True) if left])
    solved = _solved_parts(matrix, grouped, solver, deadline, workers, start)
    for (columns, _), part in zip(grouped, solved, strict=False):
        if part.values is None:
            if (
                part.status is SolveStatus.TIME_LIMIT
            ):  # the limit the analyst set, not what was left
                return Solution(SolveStatus.TIME_LIMIT, _no_plan_in_time(time_limit))
            return part
        values[columns] = part.values
        proven = proven and part.status is SolveStatus.OPTIMAL
        words.append(part.solver_status)
        gaps += [] if part.mip_gap is None else [part.mip_gap]
        nodes += [] if part.nodes is None else [part.nodes]
    account = {  # the parts' words, their worst gap and all their nodes
        "solver_status": ", ".join(dict.fromkeys(w for w in words if w)),
        "mip_gap": max(gaps) if gaps else None,
        "nodes": sum(nodes) if nodes else None,
    }
    objective = float(matrix.cost @ values) + matrix.offset
    if not proven:
        message = _not_proven(time_limit)
        return Solution(SolveStatus.TIME_LIMIT, message, values, objective, **account)
    return Solution(SolveStatus.OPTIMAL, "", values, objective, **account)


def _together(
    parts: list[tuple[np.ndarray, np.ndarray]], size: int | None = None
) -> list[tuple[np.ndarray, np.ndarray]]:
    """The parts in groups of up to `size` (PARTS_TOGETHER), each solved as one program: a
    solver's work per program outweighs that of a small part, and separate parts stay separate
    within a program (an integer program's root alone settles most of them)."""
    size = size or PARTS_TOGETHER
    return [
        (
            np.concatenate([columns for columns, _ in parts[k : k + size]]),
            np.concatenate([rows for _, rows in parts[k : k + size]]),
        )
        for k in range(0, len(parts), size)
    ]


def _solved_parts(
    matrix: Matrix,
    parts: list[tuple[np.ndarray, np.ndarray]],
    solver: str,
    deadline: float,
    workers: int,
    start: np.ndarray | None = None,
    mip: bool = True,
) -> Iterator[Solution]:
    """Each part's solution (of its linear relaxation unless `mip`), in order. HiGHS solves
    several parts at once in threads of this process, one per core (it does not hold Python's
    lock while it solves, and threads need no copy of the model); CBC in `workers` forked
    processes. The parts not yet started are given up when the caller stops reading."""
    pieces = (_part(matrix, columns, rows) for columns, rows in parts)
    starts = repeat(None) if start is None else (start[columns] for columns, _ in parts)
    if _ELSEWHERE and mip:
        yield from _on_cluster(_ELSEWHERE[-1], pieces, starts, solver, deadline)
        return
    most = len(parts) // PARTS_PER_WORKER
    threads = solver == "highs"
    count = min(len(os.sched_getaffinity(0)) if threads else workers, most)
    pool: Executor | None = None
    if count > 1 and threads:
        pool = ThreadPoolExecutor(count, "parts")
    elif count > 1 and not multiprocessing.current_process().daemon:
        pool = ProcessPoolExecutor(count, mp_context=multiprocessing.get_context("fork"))
    arguments = (pieces, repeat(solver), repeat(deadline), starts, repeat(mip))
    if pool is None:
        yield from map(_solve_part, *arguments)
        return
    chunk = max(1, min(100, len(parts) // (count * 8)))  # processes only
    try:
        yield from pool.map(_solve_part, *arguments, chunksize=chunk)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _on_cluster(
    executor: Executor,
    pieces: Iterable[Matrix],
    starts: Iterable[np.ndarray | None],
    solver: str,
    deadline: float,
) -> Iterator[Solution]:
    """Each integer program solved as a task of `executor` (`parts_on`), within the same wall
    time; a task lost (a worker gone) is an error of the whole."""
    wall = time.time() + (deadline - time.monotonic())
    futures = [
        executor.submit(_solve_by, piece, solver, wall, begin)
        for piece, begin in zip(pieces, starts, strict=False)  # starts may repeat None
    ]
    try:
        for future in futures:
            yield future.result()
    except Exception as exc:  # a worker lost, the cluster gone
        message = f"The cluster could not solve the plan ({type(exc).__name__}: {exc})."
        yield Solution(SolveStatus.ERROR, message)
    finally:
        for future in futures:
            future.cancel()


_ELSEWHERE: list[Executor] = []  # where integer programs go instead (`parts_on`)


@contextmanager
def parts_on(executor: Executor) -> Iterator[None]:
    """Within it, the integer programs of every model solved one material at a time (of any
    thread of this process) are solved by `executor` (a Dask cluster's: `Client.get_executor`)
    instead of this machine's cores."""
    _ELSEWHERE.append(executor)
    try:
        yield
    finally:
        _ELSEWHERE.remove(executor)


def _solve_by(part: Matrix, solver: str, wall: float, start: np.ndarray | None) -> Solution:
    """`_solve_part` on another machine: the deadline as wall-clock time (`time.time()`)."""
    return _solve_part(part, solver, time.monotonic() + (wall - time.time()), start)


def _solve_part(
    part: Matrix, solver: str, deadline: float, start: np.ndarray | None = None, mip: bool = True
) -> Solution:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        return Solution(SolveStatus.TIME_LIMIT)
    return run_matrix(part, solver, remaining, mip, start, small=True)


def _not_proven(time_limit: float) -> str:
    return (
        f"The solver stopped at the time limit ({time_limit:g} s) with a plan that is "
        "not proven to be the cheapest."
    )


def _no_plan_in_time(time_limit: float) -> str:
    return f"The solver found no plan within the time limit ({time_limit:g} s)."


# --- HiGHS ----------------------------------------------------------------------------------


def _inf() -> float:
    import highspy

    return float(highspy.kHighsInf)


_BANNER = [True]  # whether the next HiGHS instance made in this process prints its banner
_FIRST = threading.Lock()  # held while the first instance is made


def _new_highs() -> highspy.Highs:
    """A HiGHS instance; the banner highspy prints to the process's stdout the first time one
    is made is swallowed (threads making their first ones at once wait for it)."""
    import highspy

    if _BANNER[0]:
        with _FIRST:
            if _BANNER[0]:
                saved = os.dup(1)
                try:
                    with open(os.devnull, "w") as devnull:
                        os.dup2(devnull.fileno(), 1)
                        highs = highspy.Highs()
                        _BANNER[0] = False
                        return highs
                finally:
                    os.dup2(saved, 1)
                    os.close(saved)
    return highspy.Highs()


def _highs(matrix: Matrix, time_limit: float, mip: bool) -> highspy.Highs:
    """A HiGHS instance holding `matrix`, handed over in one call."""

    highs = _new_highs()
    for option, value in (
        ("output_flag", False),
        ("threads", 1),
        ("mip_rel_gap", MIP_GAP),
        ("time_limit", float(time_limit)),
    ):
        highs.setOptionValue(option, value)
    inf = _inf()
    arrays = [
        matrix.cost,
        np.clip(matrix.col_lower, -inf, inf),
        np.clip(matrix.col_upper, -inf, inf),
        np.clip(matrix.row_lower, -inf, inf),
        np.clip(matrix.row_upper, -inf, inf),
        matrix.start.astype(np.int32),
        matrix.index.astype(np.int32),
        matrix.value,
    ]
    head = (matrix.columns, matrix.rows, len(matrix.value), 2, 1, matrix.offset)  # rowwise, min
    integer = mip and bool(matrix.integer.any())
    if not integer:  # our LPs: presolve finds little to remove and costs 40% of the solve
        highs.setOptionValue("presolve", "off")
    integrality = matrix.integer.astype(np.int32) if integer else np.zeros(matrix.columns, np.int32)
    highs.passModel(*head, *arrays, integrality)
    return highs


def _warm(highs: highspy.Highs, values: np.ndarray) -> None:
    """`values` (NaN for a column not given) as the integer model's first incumbent: HiGHS
    fixes the columns given, solves for the others, and keeps the result only if it is a
    plan."""
    given = np.flatnonzero(~np.isnan(values)).astype(np.int32)
    if len(given):
        highs.setSolution(len(given), given, values[given])


def _run_highs(highs: highspy.Highs, time_limit: float) -> Solution:
    import highspy

    started = time.perf_counter()
    try:
        highs.setOptionValue("time_limit", float(time_limit))
        highs.run()
    except Exception as exc:  # highspy raises on numerical trouble and bad input
        return Solution(SolveStatus.ERROR, f"The solver failed ({type(exc).__name__}: {exc}).")
    model_status = highs.getModelStatus()
    status = highspy.HighsModelStatus
    info = highs.getInfo()
    told = replace(Solution(SolveStatus.ERROR), **_highs_account(highs))
    feasible = info.primal_solution_status == 2  # kSolutionStatusFeasible
    if model_status == status.kOptimal and feasible:
        return _highs_solution(highs, SolveStatus.OPTIMAL, "")
    if model_status in (status.kInfeasible, status.kUnboundedOrInfeasible):
        return replace(told, status=SolveStatus.INFEASIBLE, message="No plan meets every limit.")
    stopped = (status.kTimeLimit, status.kIterationLimit, status.kInterrupt)
    if model_status in stopped or time.perf_counter() - started >= 0.95 * time_limit:
        if feasible:
            return _highs_solution(highs, SolveStatus.TIME_LIMIT, _not_proven(time_limit))
        return replace(told, status=SolveStatus.TIME_LIMIT, message=_no_plan_in_time(time_limit))
    return replace(
        told,
        message=f"The solver ended with status '{told.solver_status}' and no usable plan.",
    )


def _highs_account(highs: highspy.Highs) -> dict[str, Any]:
    """HiGHS's own status text, and for an integer model its gap and nodes."""
    info = highs.getInfo()
    integer = info.mip_node_count >= 0
    return {
        "solver_status": highs.modelStatusToString(highs.getModelStatus()),
        "mip_gap": float(info.mip_gap) if integer and math.isfinite(info.mip_gap) else None,
        "nodes": int(info.mip_node_count) if integer else None,
    }


def _highs_solution(highs: highspy.Highs, status: SolveStatus, message: str) -> Solution:
    solution = highs.getSolution()
    duals = bool(solution.dual_valid)
    return Solution(
        status,
        message,
        np.asarray(solution.col_value, dtype=np.float64),
        float(highs.getInfo().objective_function_value),
        np.asarray(solution.row_dual, dtype=np.float64) if duals else None,
        np.asarray(solution.col_dual, dtype=np.float64) if duals else None,
        **_highs_account(highs),
    )


# --- CBC through PuLP ------------------------------------------------------------------------


def to_pulp(matrix: Matrix) -> tuple[pulp.LpProblem, list[pulp.LpVariable], list[list[Any]]]:
    """`matrix` as a PuLP problem (PuLP 3.3's API, as PuLP 4 has it), its variables and, per
    row, the constraints it became (none for a free row)."""
    import pulp

    problem = pulp.LpProblem("sourcing", pulp.LpMinimize)
    names = matrix.names()
    variables = [
        problem.add_variable(
            name,
            lowBound=None if lower == -np.inf else lower,
            upBound=None if upper == np.inf else upper,
            cat=pulp.LpInteger if integer else pulp.LpContinuous,
        )
        for name, lower, upper, integer in zip(
            names,
            matrix.col_lower.tolist(),
            matrix.col_upper.tolist(),
            matrix.integer.tolist(),
            strict=True,
        )
    ]
    row_names = matrix.names(of_rows=True)
    constraints: list[list[Any]] = []
    rows: dict[str, pulp.LpConstraint] = {}
    start, index, value = matrix.start.tolist(), matrix.index.tolist(), matrix.value.tolist()
    for number, (name, lower, upper) in enumerate(
        zip(row_names, matrix.row_lower.tolist(), matrix.row_upper.tolist(), strict=True)
    ):
        terms = [(variables[index[k]], value[k]) for k in range(start[number], start[number + 1])]
        made = []
        for sense, rhs, suffix in _senses(lower, upper):
            row = pulp.LpConstraint(pulp.LpAffineExpression(terms), sense, name + suffix, rhs)
            rows[name + suffix] = row
            made.append(row)
        constraints.append(made)
    problem.extend(rows)
    problem.setObjective(
        pulp.LpAffineExpression(
            [(v, c) for v, c in zip(variables, matrix.cost.tolist(), strict=True) if c],
            constant=matrix.offset,
        )
    )
    return problem, variables, constraints


def _senses(lower: float, upper: float) -> Iterable[tuple[int, float, str]]:
    import pulp

    if lower == upper:
        yield pulp.LpConstraintEQ, lower, ""
        return
    if lower > -np.inf and upper < np.inf:
        yield pulp.LpConstraintGE, lower, "_lo"
        yield pulp.LpConstraintLE, upper, "_hi"
    elif lower > -np.inf:
        yield pulp.LpConstraintGE, lower, ""
    elif upper < np.inf:
        yield pulp.LpConstraintLE, upper, ""


def make_cbc(time_limit: float, mip: bool = True, preprocess: bool = True) -> pulp.LpSolver:
    import pulp

    options = {
        "msg": False,
        "timeLimit": time_limit,
        "mip": mip,
        "gapRel": MIP_GAP,
        "options": [] if preprocess else ["preprocess off"],
    }
    solver = pulp.COIN_CMD(**options)
    if not solver.available():  # PuLP 3 bundles CBC as PULP_CBC_CMD; PuLP 4 drops that name
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            solver = pulp.PULP_CBC_CMD(**options)
    if not solver.available():
        raise SolverUnavailable("The solver 'cbc' is not installed on this machine.")
    return solver


def _run_cbc(matrix: Matrix, time_limit: float, mip: bool) -> Solution:
    """CBC 2.10's preprocessing can call a feasible integer model infeasible (coin-or/Cbc#740):
    such a verdict is checked once more without preprocessing."""
    solution = _attempt_cbc(matrix, make_cbc(time_limit, mip), time_limit)
    if mip and matrix.integer.any() and solution.status is SolveStatus.INFEASIBLE:
        second = _attempt_cbc(matrix, make_cbc(time_limit, preprocess=False), time_limit)
        if second.status in (SolveStatus.OPTIMAL, SolveStatus.TIME_LIMIT):
            return second
    return solution


def _attempt_cbc(matrix: Matrix, solver: pulp.LpSolver, time_limit: float) -> Solution:
    import pulp

    started = time.perf_counter()
    problem, variables, constraints = to_pulp(matrix)
    try:
        problem.solve(solver)
    except Exception as exc:  # PuLP and the solvers raise many kinds on numerical trouble
        return Solution(SolveStatus.ERROR, f"The solver failed ({type(exc).__name__}: {exc}).")
    told = f"{pulp.LpStatus[problem.status]} ({pulp.LpSolution[problem.sol_status]})"
    if problem.sol_status in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible):
        values = np.array([v.varValue or 0.0 for v in variables], dtype=np.float64)
        objective = float(pulp.value(problem.objective) or 0.0)
        if problem.sol_status == pulp.LpSolutionIntegerFeasible:
            message = _not_proven(time_limit)
            return Solution(SolveStatus.TIME_LIMIT, message, values, objective, solver_status=told)
        row_duals = np.array([sum(c.pi or 0.0 for c in made) for made in constraints])
        col_duals = np.array([v.dj or 0.0 for v in variables], dtype=np.float64)
        return Solution(
            SolveStatus.OPTIMAL, "", values, objective, row_duals, col_duals, solver_status=told
        )
    if problem.status == pulp.LpStatusInfeasible or problem.sol_status == pulp.LpSolutionInfeasible:
        return Solution(SolveStatus.INFEASIBLE, "No plan meets every limit.", solver_status=told)
    if time.perf_counter() - started >= 0.95 * time_limit:
        return Solution(SolveStatus.TIME_LIMIT, _no_plan_in_time(time_limit), solver_status=told)
    return Solution(
        SolveStatus.ERROR,
        f"The solver ended with status '{pulp.LpStatus[problem.status]}' and no usable plan.",
        solver_status=told,
    )


# --- reading results back through our own keys ----------------------------------------------


def plan_of(model: SourcingModel, solution: Solution) -> Plan | None:
    """The values of our variables; an offer whose use switch is off supplies exactly nothing
    (solvers may leave a few millionths on it, within their tolerance). Quantities bought,
    reserved, stocked and unmet are rounded to what the solver vouches for (`snapped`)."""
    if solution.values is None:
        return None
    values = np.where(np.abs(solution.values) < ZERO, 0.0, solution.values)
    amounts = np.concatenate(
        [
            model.quantity,
            model.reserve,
            np.array(list(model.shortfall.values()), dtype=np.int64),
            np.array(list(model.stock.values()), dtype=np.int64),
        ]
    )
    values[amounts] = snapped(model.problem, values[amounts], model.materials_of_columns()[amounts])
    quantities = values[model.quantity]
    if model.used:
        offers = np.array(list(model.used))
        off = values[np.array(list(model.used.values()))] < 0.5
        quantities[offers[off]] = 0.0
    reserved = None
    if len(model.reserve):
        reserved = np.zeros(len(quantities))
        reserved[model.reservable] = values[model.reserve]

    def read(columns: dict[str, int]) -> dict[str, float]:
        return {key: float(values[column]) for key, column in columns.items()}

    stock = {name: amount for name, amount in read(model.stock).items() if amount > 0}
    return Plan(
        dict(enumerate(quantities.tolist())),
        read(model.shortfall),
        solution.objective,
        read(model.relaxation),
        quantities,
        reserved,
        stock,
    )


SIGNIFICANT = 9  # digits of a quantity that a solver vouches for
NEAR_WHOLE = 1e-9  # a quantity this share of its material's demand from a whole number is one


def snapped(problem: Problem, values: np.ndarray, material: np.ndarray) -> np.ndarray:
    """Quantities of the materials `material` without the solvers' noise: a whole number where
    within a 1e-9 share of the material's demand of one (7999.999999999999 reads 8000), else
    rounded to 9 significant digits (86,000/7 reads 12285.7143); whole numbers for a material
    counted in pieces."""
    demand = np.array([m.quantity for m in problem.materials.values()], dtype=np.float64)
    pieces = np.array([m.whole for m in problem.materials.values()], dtype=bool)[material]
    whole = np.round(values)
    near = np.abs(values - whole) <= NEAR_WHOLE * np.maximum(demand, 1.0)[material]
    result = np.where(near | pieces, whole, values)
    rest = np.flatnonzero(~(near | pieces) & (values != 0))
    digits = SIGNIFICANT - 1 - np.floor(np.log10(np.abs(values[rest]))).astype(np.int64)
    for count in np.unique(digits).tolist():
        chosen = rest[digits == count]
        result[chosen] = np.round(values[chosen], count)
    return result + 0.0  # no -0.0


def duals_of(model: SourcingModel, solution: Solution) -> np.ndarray | None:
    """Each limit's dual: its row's, or for a limit kept as a bound (capacity, a supplier cap)
    the reduced cost of its offer's variable, which belongs to the tighter of the two: a
    supplier cap is kept as a bound only where it is below the capacity. In the order of
    `model.limits`; None when the solver gave no duals."""
    if solution.row_duals is None or solution.col_duals is None:
        return None
    limits = model.limits
    row = np.array([-1 if lim.row is None else lim.row for lim in limits], dtype=np.int64)
    offer = np.array([lim.offers[0] if lim.offers else -1 for lim in limits], dtype=np.int64)
    capacity = np.array([lim.kind is LimitKind.CAPACITY for lim in limits], dtype=bool)
    # A limit without a row is a bound of its one offer's x_o: a capacity or a supplier cap.
    capped = np.zeros(len(model.quantity), dtype=bool)
    capped[offer[~capacity & (row < 0)]] = True  # supplier caps kept as bounds
    bound = np.flatnonzero(row < 0)  # every such limit is about one offer
    reduced = np.zeros(len(limits))
    if len(bound):
        offers = offer[bound]
        duals = solution.col_duals[model.quantity[offers]]
        reduced[bound] = np.where(capacity[bound] & capped[offers], 0.0, duals)
    return np.where(row >= 0, solution.row_duals[np.maximum(row, 0)], reduced)
