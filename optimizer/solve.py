"""Solve a sourcing model and return a typed outcome keyed by our own ids.

A solver's word is not taken alone: "optimal" is accepted only when PuLP's `sol_status`
proves it, a time limit is reported as such even when PuLP calls it "Optimal", and no value
is read back from an infeasible solve. The plan is still checked by `verify` before use.
"""

from __future__ import annotations

import os
import time
import warnings
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache

import numpy as np
import pulp
from pulp import LpSolver

from optimizer.model import CHEAPEST, Limit, LimitKind, SourcingModel, Variant, build_model
from optimizer.models import Problem

SOLVERS = ("highs", "cbc")
ZERO = 1e-9  # quantities this small are read as nothing


class Status(StrEnum):
    OPTIMAL = "optimal"
    INFEASIBLE = "infeasible"
    TIME_LIMIT = "time_limit"
    INVALID = "invalid"
    ERROR = "error"


@dataclass(frozen=True)
class Plan:
    """Quantities by offer index and shortfall by material, as the solver returned them."""

    quantities: dict[int, float]
    shortfall: dict[str, float]
    objective: float
    relaxation: dict[str, float] = field(default_factory=dict)  # Limit.name -> e_l, when relaxed


@dataclass(frozen=True)
class SolveResult:
    status: Status
    solver: str
    seconds: float
    plan: Plan | None = None
    duals: dict[str, float] = field(default_factory=dict)  # Limit.name -> dual or reduced cost
    message: str = ""
    limits: list[Limit] = field(default_factory=list)  # the model's limits, for the report


class SolverUnavailable(RuntimeError):
    """The requested solver is not installed."""


@cache
def _silence_highs_banner() -> None:
    """highspy prints a banner to the process's stdout the first time it is used; swallow it."""
    import highspy

    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)


class BulkHiGHS(pulp.HiGHS):
    """PuLP's HiGHS interface, handing the whole matrix to highspy in one call instead of one
    column and one row at a time (the part of PuLP's overhead that grows with the model)."""

    def buildSolverModel(self, lp: pulp.LpProblem) -> None:
        import highspy

        variables = lp.variables()
        for index, variable in enumerate(variables):
            variable.index = index
        sense = -1.0 if lp.sense == pulp.LpMaximize else 1.0
        objective = lp.objective or {}
        costs = np.array([sense * objective.get(v, 0.0) for v in variables], dtype=np.float64)
        inf = highspy.kHighsInf
        lower = np.array([-inf if v.lowBound is None else v.lowBound for v in variables])
        upper = np.array([inf if v.upBound is None else v.upBound for v in variables])
        none = np.zeros(0, dtype=np.int32)
        lp.solverModel.addCols(len(variables), costs, lower, upper, 0, none, none, np.zeros(0))
        integers = [v.index for v in variables if v.cat == pulp.LpInteger]
        if integers and self.mip:
            kind = np.full(len(integers), highspy.HighsVarType.kInteger.value, dtype=np.uint8)
            lp.solverModel.changeColsIntegrality(len(integers), np.array(integers, np.int32), kind)
        starts, indices, values, row_lower, row_upper = [], [], [], [], []
        for number, constraint in enumerate(lp._constraints.values()):
            constraint.index = number
            starts.append(len(indices))
            for variable, coefficient in constraint.items():
                if coefficient != 0:
                    indices.append(variable.index)
                    values.append(coefficient)
            low, high = constraint.getLb(), constraint.getUb()
            row_lower.append(-inf if low is None else low)
            row_upper.append(inf if high is None else high)
        lp.solverModel.addRows(
            len(starts),
            np.array(row_lower, dtype=np.float64),
            np.array(row_upper, dtype=np.float64),
            len(indices),
            np.array(starts, dtype=np.int32),
            np.array(indices, dtype=np.int32),
            np.array(values, dtype=np.float64),
        )


MIP_GAP = 1e-9  # "optimal" means optimal, not within HiGHS' default 0.01%


def make_solver(
    name: str, time_limit: float, mip: bool = True, preprocess: bool = True
) -> LpSolver:
    if name == "highs":
        _silence_highs_banner()
        return BulkHiGHS(msg=False, timeLimit=time_limit, mip=mip, threads=1, gapRel=MIP_GAP)
    if name != "cbc":
        raise SolverUnavailable(f"Unknown solver '{name}'; choose one of {', '.join(SOLVERS)}.")
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


def solve(
    problem: Problem,
    solver: str = "highs",
    time_limit: float = 60.0,
    variant: Variant = CHEAPEST,
    duals: bool = True,
) -> SolveResult:
    """Build and solve one model of `problem`; with `duals`, also the duals of its limits
    (for an integer model, those of the LP with the choice of offers fixed)."""
    started = time.perf_counter()
    model = build_model(problem, variant)
    status, plan, message = run_model(model, solver, time_limit)
    found: dict[str, float] = {}
    if duals and plan is not None and status is Status.OPTIMAL:
        if model.used:
            fixed_use = {i: plan.quantities.get(i, 0.0) > ZERO for i in model.used}
            lp = build_model(problem, variant, fixed_use)
            remaining = max(time_limit - (time.perf_counter() - started), 1.0)
            if run_model(lp, solver, remaining, mip=False)[0] is Status.OPTIMAL:
                found = _duals(lp)
        else:
            found = _duals(model)
    seconds = time.perf_counter() - started
    return SolveResult(status, solver, seconds, plan, found, message, model.limits)


def run_model(
    model: SourcingModel, solver: str, time_limit: float, mip: bool = True
) -> tuple[Status, Plan | None, str]:
    """Solve `model` once and read its plan back through our own keys, if there is one.

    CBC 2.10's preprocessing can call a feasible integer model infeasible (coin-or/Cbc#740):
    such a verdict is checked once more without preprocessing.
    """
    outcome = _attempt(model, make_solver(solver, time_limit, mip), time_limit)
    if solver == "cbc" and mip and model.used and outcome[0] is Status.INFEASIBLE:
        second = _attempt(model, make_solver(solver, time_limit, preprocess=False), time_limit)
        if second[0] in (Status.OPTIMAL, Status.TIME_LIMIT):
            return second
    return outcome


def _attempt(
    model: SourcingModel, solver: LpSolver, time_limit: float
) -> tuple[Status, Plan | None, str]:
    started = time.perf_counter()
    lp = model.lp
    try:
        lp.solve(solver)
    except Exception as exc:  # PuLP and the solvers raise many kinds on numerical trouble
        return Status.ERROR, None, f"The solver failed ({type(exc).__name__}: {exc})."
    if lp.sol_status == pulp.LpSolutionOptimal:
        return Status.OPTIMAL, _plan(model), ""
    if lp.sol_status == pulp.LpSolutionIntegerFeasible:
        return (
            Status.TIME_LIMIT,
            _plan(model),
            (
                f"The solver stopped at the time limit ({time_limit:g} s) with a plan that is "
                "not proven to be the cheapest."
            ),
        )
    if lp.status == pulp.LpStatusInfeasible or lp.sol_status == pulp.LpSolutionInfeasible:
        return Status.INFEASIBLE, None, "No plan meets every limit."
    if time.perf_counter() - started >= 0.95 * time_limit:
        return (
            Status.TIME_LIMIT,
            None,
            f"The solver found no plan within the time limit ({time_limit:g} s).",
        )
    return (
        Status.ERROR,
        None,
        f"The solver ended with status '{pulp.LpStatus[lp.status]}' and no usable plan.",
    )


def _plan(model: SourcingModel) -> Plan:
    """The values of our variables; an offer whose use switch is off supplies exactly nothing
    (solvers may leave a few millionths on it, within their tolerance)."""

    def value(variable: pulp.LpVariable) -> float:
        number = variable.value()
        return 0.0 if number is None or abs(number) < ZERO else float(number)

    unused = {index for index, used in model.used.items() if value(used) < 0.5}
    return Plan(
        {index: 0.0 if index in unused else value(x) for index, x in model.quantity.items()},
        {material: value(s) for material, s in model.shortfall.items()},
        float(pulp.value(model.lp.objective) or 0.0),
        {name: value(e) for name, e in model.relaxation.items()},
    )


def _duals(model: SourcingModel) -> dict[str, float]:
    return {limit.name: _dual(model, limit) for limit in model.limits}


def _dual(model: SourcingModel, limit: Limit) -> float:
    if limit.kind is LimitKind.CAPACITY:
        return float(model.quantity[limit.offers[0]].dj or 0.0)
    assert limit.constraint is not None
    return float(limit.constraint.pi or 0.0)
