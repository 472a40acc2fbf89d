"""The Summary sheet: every figure of the run as an `item`, its `value`, and what it means in
plain words, so that scripts read it and people understand it; one row per setting in force,
so that the result can be reproduced from its input."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version

import pandas as pd

from optimizer.contract.problem import Problem, Settings

SUMMARY_COLUMNS = ["item", "value", "meaning"]
PACKAGE = "sourcing-optimizer"

MEANINGS = {
    "status": "optimal: the cheapest plan within every limit, proven; infeasible: no plan meets "
    "every limit (Diagnostics says why); time_limit: the solver stopped before proving its plan "
    "the cheapest; invalid: the input could not be used (Diagnostics); error: the solver or the "
    "check of its plan failed",
    "total_cost": "what the plan costs: landed cost of what it buys, plus fixed costs, "
    "reservation fees and stock costs (no risk price, no shortfall penalty)",
    "objective": "what the solver minimised: total_cost plus risk_price x risk plus "
    "shortfall_penalty x unmet demand (equal to total_cost when neither is set)",
    "baseline_cost": "total cost of the cheapest plan without any share, group, risk, spend, "
    "min_countries or survive limit (capacities, embargoes, minimum orders, fixed costs and "
    "the other rules kept)",
    "diversification_premium": "what the de-risking costs: total_cost - baseline_cost, plus the "
    "change in unmet demand valued at the shortfall penalty (buying less is never a saving)",
    "diversification_premium_percent": "the premium as a share of baseline_cost",
    "reserve_cost": "reservation fees: capacity held at offers without buying it, for a "
    "disruption (0 without survive)",
    "stock_cost": "cost of the strategic stock added (0 without survive)",
    "resilience_cost": "what withstanding the disruptions of survive costs: total_cost minus "
    "that of the same workbook without survive, each plus its unmet demand at the shortfall "
    "penalty (0 without survive)",
    "total_demand": "the demand of every material, added up (in their own units)",
    "total_shortfall": "demand left unmet (only with a shortfall penalty)",
    "risk_cost": "risk_price x the risk points of what is bought (part of objective only)",
    "shortfall_cost": "shortfall_penalty x unmet demand (part of objective only)",
    "materials": "materials in Demand",
    "offers": "offers in Offers",
    "message": "why the run did not end with a proven cheapest plan",
    "current_cost": "total cost of today's purchases (Offers.current_quantity)",
    "change_vs_current": "total_cost - current_cost: positive when the recommended plan costs "
    "more than today's purchases, negative when it saves",
    "materials_capped": "materials held back by a country or group cap (the limit binds)",
    "input_file": "the workbook this output answers",
    "input_sha256": "checksum of the input file: which version of it was read",
    "run_at": "when the run started (ISO 8601, local time with its offset)",
    "currency": "the workbook's currency: every amount is in it",
    "solver": "the solver used",
    "solver_version": "its version",
    "tool_version": "version of this optimizer",
    "solve_seconds": "seconds the solver took for the plan",
    "solver_status": "the solver's own word on how its solve ended",
    "mip_gap": "for an integer model: the relative gap between the plan and the best bound the "
    "solver proved (optimal means within 1e-6)",
    "nodes": "for an integer model: branch-and-bound nodes the solver explored",
    "errors": "errors found in the input (Diagnostics lists them)",
}
PREFIX_MEANINGS = {
    "top_exposure_": "one of the three largest shares a single country has of a material",
    "scenario: ": "what this scenario of the Scenarios sheet would do: the cost of re-planning "
    "and what today's plan would miss unchanged",
    "setting: ": "a setting in force for this run (the workbook's, or given on the command line)",
}


@dataclass(frozen=True)
class RunInfo:
    """What the Summary says about the run itself."""

    input_file: str | None  # None for sheets given as DataFrames
    input_sha256: str | None
    run_at: dt.datetime = field(default_factory=lambda: dt.datetime.now().astimezone())


def _version(package: str) -> str | None:
    try:
        return version(package)
    except PackageNotFoundError:  # e.g. run from a checkout that was never installed
        return None


# Read once: the installed versions do not change while the program runs.
TOOL_VERSION = _version(PACKAGE) or "unknown"
SOLVER_VERSIONS = {
    "highs": f"HiGHS {_version('highspy') or ''}".strip(),
    "cbc": f"CBC through PuLP {_version('pulp') or ''}".strip(),
}


def tool_version() -> str:
    return TOOL_VERSION


def solver_version(solver: str | None) -> str | None:
    """The solver's version, as its Python package reports it."""
    return SOLVER_VERSIONS.get(solver or "")


def meaning(item: str) -> str:
    if item in MEANINGS:
        return MEANINGS[item]
    return next((text for prefix, text in PREFIX_MEANINGS.items() if item.startswith(prefix)), "")


def run_rows(info: RunInfo, solver: str | None, seconds: float) -> list[Row]:
    """Where the result comes from: input, time, solver, versions."""
    return [
        ("input_file", info.input_file),
        ("input_sha256", info.input_sha256),
        ("run_at", info.run_at.isoformat(timespec="seconds")),
        ("solver", solver),
        ("solver_version", solver_version(solver)),
        ("tool_version", tool_version()),
        ("solve_seconds", round(seconds, 3)),
    ]


def setting_rows(settings: Settings) -> list[Row]:
    """One row per setting in force, as given or by default."""
    rows: list[Row] = []
    for name, value in settings.model_dump().items():
        if isinstance(value, tuple):
            value = ", ".join(value) or None
        rows.append((f"setting: {name}", value))
    return rows


def summary_table(rows: list[Row]) -> pd.DataFrame:
    return pd.DataFrame(
        [(item, value, meaning(item)) for item, value in rows], columns=SUMMARY_COLUMNS
    )


def currency_of(problem: Problem | None) -> str | None:
    return problem.settings.currency if problem is not None else None


Row = tuple[str, object]
