"""The outcomes: of a solve (what the solver proved) and of a workbook (which adds `invalid`)."""

from __future__ import annotations

from enum import StrEnum


class SolveStatus(StrEnum):
    """What one solve of a model ended with."""

    OPTIMAL = "optimal"
    INFEASIBLE = "infeasible"
    TIME_LIMIT = "time_limit"
    ERROR = "error"


class Status(StrEnum):
    """What happened to one workbook: its solve's outcome, or `invalid` when its input could not
    be read or validated (then nothing was solved)."""

    OPTIMAL = "optimal"
    INFEASIBLE = "infeasible"
    TIME_LIMIT = "time_limit"
    INVALID = "invalid"
    ERROR = "error"

    @classmethod
    def of(cls, solved: SolveStatus) -> Status:
        return cls(solved.value)


EXIT_CODES = {
    Status.OPTIMAL: 0,
    Status.INFEASIBLE: 1,
    Status.TIME_LIMIT: 1,
    Status.ERROR: 1,
    Status.INVALID: 2,
}
