"""The Overview sheet: one printed page for a manager, in words and numbers with units and
currency. The verdict in one sentence, what the plan costs and what diversifying adds, where
each material comes from before and after, what the worst single loss would leave, which limits
cost the most, and what the scenarios would do; the run's date, input and checksum at the foot.

The page is a table of lines, `kind` telling the writer how each looks (`optimizer.writing.
overview`) and the columns A to F holding its texts, so a script reads it like any sheet."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from optimizer.contract.diagnostics import Diagnostic, Level
from optimizer.contract.plan import ZERO, Plan
from optimizer.contract.problem import Problem
from optimizer.contract.status import SolveStatus, Status
from optimizer.insight.scenarios import ScenarioOutcome
from optimizer.insight.summary import RunInfo, solver_version, tool_version

OVERVIEW_COLUMNS = ["kind", "A", "B", "C", "D", "E", "F"]
NOT_TAKEN = "not taken for"  # in the warning about a header that holds a known name
FAMILY_WORDS = {  # a family of limits (Limits cost): "<subject> X: without <them> ..."
    "supplier caps": ("The caps on each supplier's share cost", "them"),
    "country caps": ("The caps on each country's share cost", "them"),
    "group shares": ("The country-group shares cost", "them"),
    "risk caps": ("The average-risk caps cost", "them"),
    "spend caps": ("The cap on a country's share of spend costs", "it"),
    "cover": ("Withstanding the disruptions of survive costs", "it"),
    "co2 caps": ("The average-CO2 caps cost", "them"),
    "minimum awards": ("The minimum award of an offer used costs", "it"),
    "country counts": ("Requiring supply from several countries of origin costs", "it"),
}
MATERIALS_SHOWN = 12  # the largest by spend; the rest summed on one line
FAMILIES_SHOWN = 3
SCENARIOS_SHOWN = 6

Line = tuple[str, ...]


def overview_table(
    info: RunInfo,
    status: Status,
    problem: Problem | None,
    diagnostics: Sequence[Diagnostic],
    tables: dict[str, pd.DataFrame],
    plans: dict[str, Plan | None] | None = None,
    scenarios: Sequence[ScenarioOutcome] = (),
) -> pd.DataFrame:
    """The Overview's lines. `plans` holds the plan, the `baseline` (cheapest without the
    diversification limits) and today's purchases (`current`), where known."""
    plans = plans or {}
    currency = problem.settings.currency if problem is not None else None
    summary = _summary(tables)
    lines: list[Line] = [("title", f"Sourcing recommendation: {info.input_file or 'workbook'}")]
    lines.append(("text", _verdict(status, summary, diagnostics, currency)))
    unread = sum(d.level is Level.WARNING and NOT_TAKEN in d.message for d in diagnostics)
    if unread:
        lines.append(
            (
                "text",
                f"Check first: {unread} column{'s were' if unread > 1 else ' was'} not read, "
                "because the header holds a known name among other words; the Diagnostics "
                "sheet says which. Rename it if it holds a limit or a price.",
            )
        )
    if problem is not None and plans.get("plan") is not None:
        lines += _costs(summary, currency, _kept_by_baseline(problem))
        lines += _materials(problem, tables, plans)
        lines += _limits(tables, currency)
    if scenarios:
        units = {m.unit for m in problem.materials.values()} if problem is not None else set()
        unit = units.pop() if len(units) == 1 else None
        lines += _scenarios(scenarios, currency, unit)
    lines.append(("note", _foot(info, summary)))
    width = len(OVERVIEW_COLUMNS)
    padded = [(*line, *[""] * (width - len(line))) for line in lines]
    return pd.DataFrame(padded, columns=OVERVIEW_COLUMNS)


def money(amount: float | None, currency: str | None) -> str:
    """An amount as a manager reads it: whole units with separators, the currency first."""
    if amount is None or (isinstance(amount, float) and math.isnan(amount)):
        return "-"
    digits = 2 if abs(amount) < 1000 and amount != round(amount) else 0
    text = f"{amount:,.{digits}f}"
    return f"{currency} {text}" if currency else text


def quantity(amount: float, unit: str | None) -> str:
    digits = 0 if abs(amount - round(amount)) < 1e-6 or abs(amount) >= 1000 else 2
    text = f"{amount:,.{digits}f}"
    return f"{text} {unit}" if unit else text


def percent(share: float | None) -> str:
    if share is None or (isinstance(share, float) and math.isnan(share)):
        return "-"
    return f"{share:.1%}"


def _summary(tables: dict[str, pd.DataFrame]) -> dict[str, object]:
    table = tables.get("Summary")
    if table is None:
        return {}
    return dict(zip(table["item"], table["value"], strict=True))


def _verdict(
    status: Status,
    summary: dict[str, object],
    diagnostics: Sequence[Diagnostic],
    currency: str | None,
) -> str:
    errors = [d for d in diagnostics if d.level is Level.ERROR]
    first = ""
    if errors:
        where = f" ({errors[0].sheet}!{errors[0].cell})" if errors[0].cell else ""
        first = f" The first: {errors[0].message}{where}"
    if status is Status.INVALID:
        count = f"{len(errors)} problem{'s' * (len(errors) != 1)}"
        return (
            f"The workbook could not be used: {count} in its sheets, each listed with its cell "
            f"on the Diagnostics sheet.{first}"
        )
    if status is Status.INFEASIBLE:
        return (
            "No plan can meet every limit of the workbook; Diagnostics says, per material, "
            f"what holds it back and what change would make a plan possible.{first}"
        )
    if status is Status.ERROR:
        return f"No plan is recommended: the optimizer could not produce a checked plan.{first}"
    cost = _number(summary.get("total_cost"))
    if cost is None:  # stopped before any plan was found
        return (
            "The solver stopped at its time limit before it found a plan that keeps every "
            "limit; give it more time (Settings time_limit) or fewer integer choices (minimum "
            "orders, fixed costs, supplier counts)."
        )
    premium = _number(summary.get("diversification_premium"))
    share = _number(summary.get("diversification_premium_percent"))
    sentence = f"The cheapest plan that keeps every limit costs {money(cost, currency)}"
    if premium is not None and share is not None and premium > ZERO:
        sentence += (
            f", {money(premium, currency)} ({percent(share)}) more than the cheapest plan "
            "without the diversification limits"
        )
    elif premium is not None:
        sentence += ", no more than the cheapest plan without the diversification limits"
    sentence += "."
    unmet = _number(summary.get("total_shortfall"))
    penalty = _number(summary.get("setting: shortfall_penalty"))
    if unmet is not None and unmet > ZERO and penalty is not None:
        sentence += (
            f" It leaves {quantity(unmet, None)} of the demand unmet; the premium counts each "
            f"unit unmet at the shortfall penalty of {money(penalty, currency)}, so buying less "
            "is no saving."
        )
    if status is Status.TIME_LIMIT:
        sentence = (
            "The solver stopped at its time limit: the plan keeps every limit but is not proven "
            "to be the cheapest. " + sentence.replace("The cheapest plan that", "The plan, which")
        )
    return sentence


def _number(value: object) -> float | None:
    if value is None or isinstance(value, str):
        return None
    number = float(value)  # type: ignore[arg-type]
    return None if math.isnan(number) else number


def _kept_by_baseline(problem: Problem) -> str:
    """What still holds in the plan without the diversification limits, in words."""
    materials = problem.materials.values()
    kept = ["capacities", "embargoes", "minimum orders"]
    if any(m.min_award for m in materials):
        kept.append("minimum awards")
    if any(m.max_avg_co2 is not None for m in materials):
        kept.append("CO2 caps")
    if problem.tiered:
        kept.append("price tiers")
    return f"{', '.join(kept[:-1])} and {kept[-1]} still hold"


def _costs(summary: dict[str, object], currency: str | None, kept: str) -> list[Line]:
    lines: list[Line] = [("heading", "What it costs")]
    figures = [
        ("Total cost of the plan", "total_cost", ""),
        ("Cheapest plan without diversification limits", "baseline_cost", kept),
        ("Premium for diversifying", "diversification_premium", ""),
        ("Today's purchases", "current_cost", "the current quantities in Offers"),
        ("Capacity reserved for a disruption", "reserve_cost", "reservation fees"),
        ("Strategic stock added", "stock_cost", ""),
        ("Cost of withstanding the disruptions", "resilience_cost", ""),
    ]
    optional = {"current_cost", "reserve_cost", "stock_cost", "resilience_cost"}
    for label, item, note in figures:
        value = _number(summary.get(item))
        if item in optional and not value:
            continue
        lines.append(("figure", label, money(value, currency), note))
    change = _number(summary.get("change_vs_current"))
    if change is not None:
        direction = "more" if change > 0 else "less"
        lines.append(
            ("figure", "Recommended versus today", f"{money(abs(change), currency)} {direction}")
        )
    unmet = _number(summary.get("total_shortfall"))
    if unmet:
        lines.append(("figure", "Demand left unmet", quantity(unmet, None), "at the penalty"))
    return lines


def _materials(
    problem: Problem, tables: dict[str, pd.DataFrame], plans: dict[str, Plan | None]
) -> list[Line]:
    """Per material, largest by spend first: demand, cost, the largest country share before and
    after, and what the worst single loss would leave."""
    materials = tables.get("Materials")
    if materials is None or not len(materials):
        return []
    current, baseline = plans.get("current"), plans.get("baseline")
    reference = current if current is not None else baseline
    before_label = "today" if current is not None else "cheapest plan"
    after = _largest(problem, plans["plan"])
    before = _largest(problem, reference) if reference is not None else None
    currency = problem.settings.currency
    lines: list[Line] = [
        ("heading", "Where each material comes from"),
        (
            "header",
            "Material",
            "Demand",
            "Cost",
            f"Largest country, {before_label}",
            "Largest country, plan",
            "Worst single loss",
        ),
    ]
    order = np.argsort(-materials["cost"].to_numpy(dtype=np.float64), kind="stable")
    units = [m.unit for m in problem.materials.values()]
    worst = materials.get("worst_cover")
    worst_name = materials.get("worst_disruption")
    for m in order[:MATERIALS_SHOWN].tolist():
        row = materials.iloc[m]
        loss = "-"
        if worst is not None and worst_name is not None and isinstance(worst_name.iloc[m], str):
            lost = worst_name.iloc[m].removeprefix("country ")
            loss = f"{lost}: {percent(worst.iloc[m])} of demand still available"
        lines.append(
            (
                "row",
                str(row["material"]),
                quantity(float(row["demand"]), units[m]),
                money(float(row["cost"]), currency),
                _share_text(before, m) if before is not None else "-",
                _share_text(after, m),
                loss,
            )
        )
    rest = order[MATERIALS_SHOWN:]
    if len(rest):
        cost = float(materials["cost"].to_numpy(dtype=np.float64)[rest].sum())
        lines.append(("row", f"Other {len(rest):,} materials", "", money(cost, currency)))
    return lines


def _largest(problem: Problem, plan: Plan) -> list[tuple[str, float] | None]:
    """Per material: the country with the largest share of its demand, and that share."""
    data = problem.data
    x = plan.in_offer_order(len(problem.offers))
    width = max(len(data.countries), 1)
    count = len(problem.materials)
    amounts = np.zeros(count * width)
    np.add.at(amounts, data.material * width + data.country, x)
    origin = data.origin != data.country  # counts toward its origin too
    np.add.at(amounts, data.material[origin] * width + data.origin[origin], x[origin])
    amounts = amounts.reshape(count, width)
    demand = np.array([m.quantity for m in problem.materials.values()], dtype=np.float64)
    top = amounts.argmax(axis=1) if count else np.zeros(0, np.int64)
    shares = amounts[np.arange(count), top] / demand
    return [
        (data.countries[c], float(s)) if s > ZERO else None
        for c, s in zip(top.tolist(), shares.tolist(), strict=True)
    ]


def _share_text(largest: list[tuple[str, float] | None], material: int) -> str:
    found = largest[material]
    return "-" if found is None else f"{found[0]} {percent(found[1])}"


def _limits(tables: dict[str, pd.DataFrame], currency: str | None) -> list[Line]:
    """The families of limits that cost the most, in words."""
    costs = tables.get("Limits cost")
    if costs is None or not len(costs):
        return []
    lines: list[Line] = [("heading", "What the limits cost")]
    ranked = costs.assign(order=-costs["cost"].fillna(-np.inf)).sort_values("order", kind="stable")
    shown = 0
    for row in ranked.itertuples():
        if shown == FAMILIES_SHOWN:
            break
        if row.status_without != SolveStatus.OPTIMAL:
            continue
        if row.cost is None or not row.cost > ZERO:
            continue
        phrase, them = FAMILY_WORDS.get(str(row.family), (f"The {row.family} cost", "them"))
        lines.append(
            (
                "text",
                f"{phrase} {money(row.cost, currency)}: without {them} the plan would cost "
                f"{money(row.total_cost_without, currency)}.",
            )
        )
        shown += 1
    if not shown:
        lines.append(
            (
                "text",
                "No family of limits costs anything on its own: each is made redundant by the "
                "others, or none binds.",
            )
        )
    return lines


def _scenarios(
    outcomes: Sequence[ScenarioOutcome], currency: str | None, unit: str | None
) -> list[Line]:
    lines: list[Line] = [("heading", "What a disruption would do")]
    for outcome in outcomes[:SCENARIOS_SHOWN]:
        lines.append(("text", f"{outcome.name}: {_scenario_words(outcome, currency, unit)}"))
    if len(outcomes) > SCENARIOS_SHOWN:
        more = len(outcomes) - SCENARIOS_SHOWN
        lines.append(("text", f"{more} more scenario{'s' * (more > 1)} on the Scenarios sheet."))
    return lines


def _scenario_words(outcome: ScenarioOutcome, currency: str | None, unit: str | None) -> str:
    missed = outcome.base_plan_shortfall
    unchanged = (
        f"; without re-planning, the plan would miss {quantity(missed, unit)}"
        if missed and missed > ZERO
        else ""
    )
    if outcome.status is SolveStatus.INFEASIBLE:
        return f"no plan could meet the demand within the limits{unchanged}."
    if outcome.cost_change is None:
        return f"not solved ({outcome.status}){unchanged}."
    change = outcome.cost_change
    words = (
        f"re-planning would cost {money(change, currency)} more"
        if change > ZERO
        else "re-planning would cost nothing more"
    )
    if (outcome.shortfall or 0.0) > ZERO:
        words += f" and leave {quantity(outcome.shortfall or 0.0, unit)} unmet"
    return f"{words}{unchanged}."


def _foot(info: RunInfo, summary: dict[str, object]) -> str:
    when = info.run_at.strftime("%Y-%m-%d %H:%M %Z").strip()
    source = info.input_file or "sheets given as DataFrames"
    checksum = f" (SHA-256 {info.input_sha256})" if info.input_sha256 else ""
    solver = solver_version(str(summary.get("solver"))) if summary.get("solver") else None
    tools = f"optimizer {tool_version()}" + (f", {solver}" if solver else "")
    return f"Run on {when} from {source}{checksum}; {tools}."
