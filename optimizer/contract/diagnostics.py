"""What the tool tells the analyst about a workbook: errors, warnings and notes, with their cell."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Level(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


LEVEL_ORDER = {Level.ERROR: 0, Level.WARNING: 1, Level.INFO: 2}


@dataclass(frozen=True)
class Diagnostic:
    level: Level
    sheet: str
    cell: str
    message: str


def error(sheet: str, cell: str, message: str) -> Diagnostic:
    return Diagnostic(Level.ERROR, sheet, cell, message)


def warning(sheet: str, cell: str, message: str) -> Diagnostic:
    return Diagnostic(Level.WARNING, sheet, cell, message)


def info(sheet: str, cell: str, message: str) -> Diagnostic:
    return Diagnostic(Level.INFO, sheet, cell, message)


class InvalidWorkbook(Exception):
    """The workbook cannot be optimised; `diagnostics` holds every problem found, errors first."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = diagnostics
        errors = [d for d in diagnostics if d.level is Level.ERROR]
        super().__init__(errors[0].message if errors else "invalid workbook")


def unreadable(message: str) -> InvalidWorkbook:
    """A workbook that could not be opened at all."""
    return InvalidWorkbook([error("", "", message)])
