"""Turn one spreadsheet cell into a typed value, or say in plain words why it can't be.

Numbers stored as text (" 300 ") are numbers; text that is not unambiguously a number
("1,200", "lots") is not. Shares are fractions; the text "40%" is 0.4, the number 40 is an
error that suggests 40%. In a column whose header says `(%)` plain numbers are percentages
(`to_percent`): 40 is 40%, and a number between 0 and 1 (or exactly 1) is an error, since the
reader cannot see whether the cell is formatted as a percentage. Text is taken without the
ordinary spaces (and tabs, line breaks) around it, but a non-breaking space is kept: names
that differ by one must be reported, not merged.

`convert_column` converts a whole column at once: plain numbers and text are checked in one
pass, and only the other cells go through the per-cell converters, which give the messages.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from functools import cached_property
from itertools import repeat
from types import NoneType
from typing import Annotated, Any

import numpy as np
from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

from optimizer.contract.schema import Kind
from optimizer.reading.workbook import CellError, FormulaWithoutValue

_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
ABSURD = 1e15  # no real price, quantity or capacity is this large; the solver would fail on it
_YES = {"yes", "y", "true", "x", "1"}
_NO = {"no", "n", "false", "0"}
# The spaces trimmed from text: space, tab and line breaks (what `str.split()` splits ASCII on).
SPACES = "".join(c for c in map(chr, range(128)) if c.isspace())
SHOWN = 200  # characters of a long text quoted in a message


class CellProblem(ValueError):
    """The cell's content is not acceptable; the message says what would be."""


def describe(value: Any) -> str:
    """How a cell's content is named in a message."""
    if isinstance(value, CellError):
        return f"the error value {value.code}"
    if isinstance(value, FormulaWithoutValue):
        return "a formula with no saved value"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime | dt.date | dt.time | dt.timedelta):
        return f"the date/time {value}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str):
        return quoted(value)
    return str(value)


def quoted(text: str) -> str:
    """`text` in quotes for a message, without the spaces around it; a very long text is cut
    (the message must fit in one Excel cell and stay readable)."""
    text = text.strip()
    if len(text) <= SHOWN:
        return f"'{text}'"
    return f"'{text[:SHOWN]}...' ({len(text):,} characters)"


def reject_special(value: Any, expected: str) -> None:
    """A CellProblem for an Excel error value, a formula without a saved value or a date."""
    if isinstance(value, CellError):
        raise CellProblem(f"is {describe(value)}; fix the formula or type {expected} in the cell")
    if isinstance(value, FormulaWithoutValue):
        raise CellProblem(
            "holds a formula whose result was never saved (the file was probably written by "
            f"a program); open and save it in Excel, or type {expected} in the cell"
        )
    if isinstance(value, dt.datetime | dt.date | dt.time | dt.timedelta):
        raise CellProblem(
            f"is {describe(value)}, not {expected}; check that the cell is formatted as a number"
        )


def to_text(value: Any) -> str:
    reject_special(value, "the text")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip(SPACES)


def to_number(value: Any, expected: str = "a number") -> float:
    reject_special(value, expected)
    if isinstance(value, bool):
        raise CellProblem(f"is {describe(value)}; expected {expected}")
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = str(value).strip()
        if not _NUMBER.fullmatch(text):
            hint = ""
            if re.fullmatch(r"[+-]?[\d.,]+", text) and "," in text:
                hint = " (write it without thousands separators, with a point for decimals)"
            raise CellProblem(
                f"is {quoted(text)}, which is not a number{hint}; expected {expected}"
            )
        number = float(text)
    if not math.isfinite(number):
        raise CellProblem(f"is not a finite number; expected {expected}")
    if abs(number) > ABSURD:
        raise CellProblem(
            f"is {number:g}, far beyond any real price or quantity; check the unit "
            f"(expected {expected} below {ABSURD:g})"
        )
    return number


def to_amount(value: Any) -> float:
    number = to_number(value, "a number of 0 or more")
    if number < 0:
        raise CellProblem(f"is {describe(number)}; expected a number of 0 or more")
    return number


def to_positive(value: Any) -> float:
    number = to_number(value, "a number above 0")
    if number <= 0:
        raise CellProblem(f"is {describe(number)}; expected a number above 0")
    return number


def to_share(value: Any) -> float:
    expected = "a share from 0% to 100% (or a fraction from 0 to 1)"
    if isinstance(value, str) and value.strip().endswith("%"):
        try:
            share = to_number(value.strip()[:-1], expected) / 100
        except CellProblem:
            raise CellProblem(
                f"is {describe(value)}, which is not a share; expected {expected}"
            ) from None
    else:
        share = to_number(value, expected)
        if share > 1:
            raise CellProblem(
                f"is {describe(share)}, above 1; shares are fractions: write {describe(share)}% "
                f"(or {share / 100:.6g})"
            )
    if not 0 <= share <= 1:
        raise CellProblem(f"is {describe(value)}; expected {expected}")
    return share


PERCENT = "a percentage from 0 to 100 (the header's (%) makes 40 mean 40%)"


def to_percent(value: Any) -> float:
    """A share in a column whose header says `(%)`: a plain number is a percentage (40 is 40%);
    the text "40%" keeps its meaning. A number above 0 and up to 1 is an error: 0.4 could be
    0.4% or a cell formatted as a percentage showing 40% (the reader cannot see formats), and 1
    could be 1% or 100%."""
    if isinstance(value, str) and value.strip().endswith("%"):
        return to_share(value)
    number = to_number(value, PERCENT)
    if 0 < number <= 1:
        shown = describe(number)
        fraction = f"{number * 100:.6g}"
        raise CellProblem(
            f"is {shown}, which under a (%) header could mean {shown}% or {fraction}% (a cell "
            f"formatted as a percentage); type {fraction} for {fraction}%, or the text "
            f"{shown}% for {shown}% (if the column is formatted as percentages, remove the "
            "(%) from its header instead)"
        )
    if not 0 <= number <= 100:
        raise CellProblem(f"is {describe(number)}; expected {PERCENT}")
    return number / 100


def to_risk(value: Any) -> float:
    number = to_number(value, "a risk score from 0 to 100")
    if not 0 <= number <= 100:
        raise CellProblem(f"is {describe(number)}; expected a risk score from 0 to 100")
    return number


def to_count(value: Any) -> int:
    number = to_number(value, "a whole number of 1 or more")
    if number < 1 or not number.is_integer():
        raise CellProblem(f"is {describe(number)}; expected a whole number of 1 or more")
    return int(number)


CURRENCY_CODE = "a currency code such as USD"


def to_currency(value: Any) -> str:
    """A currency code as written, without the spaces around it (codes match ignoring case)."""
    reject_special(value, CURRENCY_CODE)
    if not isinstance(value, str):
        raise CellProblem(f"is {describe(value)}; expected {CURRENCY_CODE}")
    return value.strip(SPACES)


def to_yes_no(value: Any) -> bool:
    reject_special(value, "yes or no")
    if isinstance(value, bool):
        return value
    text = describe(value).strip("'").lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise CellProblem(f"is {describe(value)}; expected yes or no")


CONVERTERS = {
    Kind.TEXT: to_text,
    Kind.AMOUNT: to_amount,
    Kind.POSITIVE: to_positive,
    Kind.SHARE: to_share,
    Kind.RISK: to_risk,
    Kind.COUNT: to_count,
    Kind.YES_NO: to_yes_no,
    Kind.FACTOR: to_amount,
    Kind.CURRENCY: to_currency,
}


@dataclass
class Cells:
    """A column of cells, None where blank, the types of its cells (or more), and what the
    checks of the whole column need, found once."""

    values: list[Any]
    types: set[type]

    @classmethod
    def of(cls, values: list[Any]) -> Cells:
        return cls(values, set(map(type, values)))

    @cached_property
    def text(self) -> str:
        """Every `str` cell joined, for the checks of the whole column's text in C."""
        if self.types <= {str, NoneType}:
            return "".join(filter(None, self.values))
        return "".join(v for v in self.values if isinstance(v, str))

    @cached_property
    def printable(self) -> bool:
        """Whether the text of every `str` cell is printable: no control character, no space
        but the ordinary one."""
        return self.text.isprintable()

    @cached_property
    def trimmed(self) -> list[Any]:
        """Every `str` cell without the ordinary spaces around it (see `SPACES`): a non-breaking
        space stays; every other cell as it is."""
        if self.text.isascii():
            return self.stripped  # the same, and often made already
        if self.types == {str}:
            return list(map(str.strip, self.values, repeat(SPACES)))
        return [v.strip(SPACES) if isinstance(v, str) else v for v in self.values]

    @cached_property
    def stripped(self) -> list[Any]:
        """Every `str` cell without the spaces around it; every other cell as it is."""
        if self.types == {str}:
            return list(map(str.strip, self.values))
        if self.types <= {str, NoneType}:
            return [v and v.strip() for v in self.values]
        return [v.strip() if isinstance(v, str) else v for v in self.values]

    @cached_property
    def numbers(self) -> np.ndarray:
        """Every `float` or `int` cell as a float; NaN for every other cell."""
        if self.types <= {float, int, NoneType}:
            numbers = self.values
        else:
            numbers = [
                v if v.__class__ is float or v.__class__ is int else None for v in self.values
            ]
        try:
            return np.array(numbers, dtype=np.float64)  # None is NaN
        except OverflowError:  # an integer too large for a float: the converter says so
            return np.full(len(numbers), np.nan)


# A number of each kind within these bounds is accepted as it is (see `convert_column`):
# the lowest value, whether the lowest value itself is accepted, and the highest value.
_BOUNDS: dict[Kind, tuple[float, bool, float]] = {
    Kind.AMOUNT: (0.0, True, ABSURD),
    Kind.FACTOR: (0.0, True, ABSURD),
    Kind.POSITIVE: (0.0, False, ABSURD),
    Kind.SHARE: (0.0, True, 1.0),
    Kind.RISK: (0.0, True, 100.0),
    Kind.COUNT: (1.0, True, ABSURD),
}


def convert_column(
    kind: Kind, cells: Cells, percent: bool = False
) -> tuple[list[Any], dict[int, str]]:
    """`CONVERTERS[kind]` applied to a whole column (`to_percent` for a share column whose
    header says `(%)`): the value of every cell (None for a blank cell or one that is not
    acceptable) and the problem of every cell that is not, by position. The values may be the
    column's own list: they are for reading.

    Plain numbers within their kind's bounds and plain text are accepted a column at a time;
    every other cell goes through the converter, which gives the same value or the message."""
    convert = CONVERTERS[kind]
    if kind is Kind.SHARE and percent:
        values, suspects = _plain_percents(cells)
        convert = to_percent
    elif kind is Kind.TEXT or kind is Kind.CURRENCY:
        values, suspects = _plain_text(cells)
    elif kind in _BOUNDS:
        values, suspects = _plain_numbers(kind, cells)
    else:
        values = [None] * len(cells.values)
        suspects = [i for i, cell in enumerate(cells.values) if cell is not None]
    problems: dict[int, str] = {}
    for i in suspects:
        try:
            values[i] = convert(cells.values[i])
        except CellProblem as problem:
            problems[i] = str(problem)
    return values, problems


def _plain_text(cells: Cells) -> tuple[list[Any], list[int]]:
    """The trimmed text of every `str` cell, and the positions of the other non-blank cells."""
    if cells.types <= {str, NoneType}:
        return cells.trimmed, []
    values = [
        s if v.__class__ is str else None for v, s in zip(cells.values, cells.trimmed, strict=True)
    ]
    others = [
        i for i, cell in enumerate(cells.values) if cell is not None and cell.__class__ is not str
    ]
    return values, others


def _plain_numbers(kind: Kind, cells: Cells) -> tuple[list[Any], list[int]]:
    """The value of every `float` or `int` cell within the kind's bounds, and the positions of
    the other non-blank cells."""
    numbers = cells.numbers
    lowest, inclusive, highest = _BOUNDS[kind]
    accepted = (numbers >= lowest if inclusive else numbers > lowest) & (numbers <= highest)
    if kind is Kind.COUNT:
        accepted &= numbers == np.floor(numbers)
        values = np.where(accepted, numbers, 0).astype(np.int64).tolist()
    elif cells.types <= {float, NoneType}:  # each accepted cell is its own value
        values = cells.values if accepted.all() else list(cells.values)
    else:
        values = numbers.tolist()
    suspects = []
    for i in np.flatnonzero(~accepted).tolist():
        values[i] = None
        if cells.values[i] is not None:
            suspects.append(i)
    return values, suspects


def _plain_percents(cells: Cells) -> tuple[list[Any], list[int]]:
    """`_plain_numbers` for `to_percent`: every `float` or `int` cell that is 0 or above 1 and
    at most 100, as a fraction, and the positions of the other non-blank cells."""
    numbers = cells.numbers
    accepted = (numbers == 0) | ((numbers > 1) & (numbers <= 100))
    values = (numbers / 100).tolist()
    suspects = []
    for i in np.flatnonzero(~accepted).tolist():
        values[i] = None
        if cells.values[i] is not None:
            suspects.append(i)
    return values, suspects


def _pydantic(convert: Any) -> BeforeValidator:
    def validate(value: Any) -> Any:
        try:
            return convert(value)
        except CellProblem as problem:
            raise PydanticCustomError("cell", str(problem)) from None

    return BeforeValidator(validate)


Text = Annotated[str, _pydantic(to_text)]
Amount = Annotated[float, _pydantic(to_amount)]
Positive = Annotated[float, _pydantic(to_positive)]
Share = Annotated[float, _pydantic(to_share)]
Risk = Annotated[float, _pydantic(to_risk)]
Count = Annotated[int, _pydantic(to_count)]
YesNo = Annotated[bool, _pydantic(to_yes_no)]
Currency = Annotated[str, _pydantic(to_currency)]
