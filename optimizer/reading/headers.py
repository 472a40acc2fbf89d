"""Match a header cell, a setting name or a sheet name against the names the tool knows.

The rules are those of the workbook contract ("Input workbook"):

- Names match ignoring case and surrounding spaces, with spaces, `_` and `-` alike.
- A note in parentheses or brackets after the name (`Capacity (kg)`, `Unit Price [USD/kg]`)
  is returned apart; a `%` in it means the column's plain numbers are percentages.
- A name close to a known one is an error naming the one it probably means: a limit the
  tool cannot read is never dropped silently. Close is within two edits after normalising
  (one for known names of up to five characters; swapping two neighbouring letters is one
  edit), or the same words in another order or run together (`Share Max Country`,
  `UnitPrice`).
- A name that holds a known name among other words (`Min Order Qty`) is ignored with a
  warning that says which name it was not taken for.
- Any other name is ignored with a warning; blank names are skipped.

Each test is tried in that order, so a name that is both close to one known name and holds
another is CLOSE (an error beats a warning: the limit it probably is would otherwise be lost).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from optimizer.reading.names import describe_look_alike, is_look_alike

# `name (note)` or `name [note]`, the note last; the name must not be empty.
_NOTE = re.compile(r"^(?P<name>.*?\S)\s*(?:\((?P<round>[^()]*)\)|\[(?P<square>[^\[\]]*)\])$")

# Known names of at most this many characters may be one edit off, not two: two edits
# would make `cost` close to `co2`, `rank` to `risk`, `store` to `stock` and a `Notes` sheet
# to `Rates`.
_SHORT = 5


class HeaderKind(StrEnum):
    EXACT = "exact"  # a known name: read it
    CLOSE = "close"  # probably a misspelt known name: an error
    HOLDS = "holds"  # holds known names among other words: ignored with a warning
    UNKNOWN = "unknown"  # resembles no known name: ignored with a warning
    BLANK = "blank"  # empty cell: skipped silently


@dataclass(frozen=True)
class HeaderMatch:
    """What one header (or setting or sheet name) is.

    `text` is the name as written, spaces tidied, for messages. `column` is the known name
    (spelt as passed in) for EXACT, or the one it probably means for CLOSE; else None.
    `holds` lists the known names the header holds among other words (for CLOSE and HOLDS).
    `note` is the text in the trailing brackets, if any; `percent` is whether it has a `%`
    (the caller knows which columns are shares, and reports `%` on any other as an error).
    """

    kind: HeaderKind
    text: str
    column: str | None = None
    holds: tuple[str, ...] = ()
    note: str | None = None
    percent: bool = False


def normalize(name: object) -> str:
    """`name` lower-cased and stripped, with runs of spaces, `_` and `-` turned into one `_`."""
    return re.sub(r"[\s_\-]+", "_", str(name).strip().lower())


def split_note(text: str) -> tuple[str, str | None]:
    """`text` without its trailing `(note)` or `[note]`, and the note (None if there is none)."""
    found = _NOTE.match(text.strip())
    if found is None:
        return text.strip(), None
    note = found["round"] if found["round"] is not None else found["square"]
    return found["name"], note.strip() or None


def match_header(value: object, known: Sequence[str]) -> HeaderMatch:
    """What the header cell `value` is, among the `known` names (columns, settings or sheets)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return HeaderMatch(HeaderKind.BLANK, "")
    text = " ".join(str(value).split())
    if not text:
        return HeaderMatch(HeaderKind.BLANK, "")
    if not isinstance(value, str):
        return HeaderMatch(HeaderKind.UNKNOWN, text)
    name, note = split_note(text)
    percent = note is not None and "%" in note
    header = normalize(name)
    by_name = {normalize(k): k for k in known}
    if header in by_name:
        return HeaderMatch(HeaderKind.EXACT, text, by_name[header], (), note, percent)
    holds = tuple(k for n, k in by_name.items() if _holds(header, n))
    close = _closest(header, by_name)
    if close is not None:
        return HeaderMatch(HeaderKind.CLOSE, text, close, holds, note, percent)
    kind = HeaderKind.HOLDS if holds else HeaderKind.UNKNOWN
    return HeaderMatch(kind, text, None, holds, note, percent)


def match_headers(values: Iterable[object], known: Sequence[str]) -> list[HeaderMatch]:
    """`match_header` for each of a row's headers (or a sheet's setting names, or the sheets).

    A header close to a known name stays CLOSE when another header of the row spells that name
    exactly (`Capcity` beside `Capacity`): two columns for one limit are ambiguous, and the
    caller says so with `ambiguous`.
    """
    return [match_header(value, known) for value in values]


_WHAT = {
    "column": ("Column", "its values are read"),
    "setting": ("Setting", "its value is used"),
    "sheet": ("Sheet", "it is read"),
}
# For `ambiguous`: what two of them would be, and what is done with the one that counts.
_TWO = {
    "column": ("two columns for one limit", "read"),
    "setting": ("two rows for one setting", "used"),
}


def message(match: HeaderMatch, what: str = "column") -> str | None:
    """The analyst's message for `match`, or None for EXACT and BLANK.

    `what` is "column", "setting" or "sheet". CLOSE is an error, HOLDS and UNKNOWN are
    warnings; the caller adds where the name was found.
    """
    label, read = _WHAT[what]
    if match.kind is HeaderKind.CLOSE and match.column is not None:
        alike = _look_alike(match.text, match.column)
        if alike is not None:  # "did you mean" would show two names that look the same
            return (
                f"{label} '{match.text}' is not a known {what}: {alike}; retype it so that {read}."
            )
        percent = (
            f" (a '%' goes in brackets after the name: '{match.column} (%)')"
            if "%" in split_note(match.text)[0]
            else ""
        )
        return (
            f"{label} '{match.text}' is not a known {what}; did you mean '{match.column}'? "
            f"Rename it to '{match.column}'{percent} so that {read}, or give it a clearly "
            f"different name if it means something else: a limit the tool cannot read is never "
            f"dropped silently."
        )
    if match.kind is HeaderKind.HOLDS:
        names = " or ".join(f"'{name}'" for name in match.holds)
        return (
            f"{label} '{match.text}' is not used: it was not taken for {names} because its "
            f"name has other words too. Rename it to {names} if that is what it means."
        )
    if match.kind is HeaderKind.UNKNOWN:
        return f"{label} '{match.text}' is not used by the optimizer; ignored."
    return None


def ambiguous(match: HeaderMatch, cell: str, present: str, what: str = "column") -> str:
    """The error for a CLOSE column or setting whose known name is also spelt out exactly, at
    `present` (`Sheet!Cell`); `cell` is where the CLOSE one is. Only the exact one would be
    read, so the analyst must say which one holds the values: neither is dropped silently."""
    label = _WHAT[what][0]
    two, done = _TWO[what]
    alike = _look_alike(match.text, match.column or "")
    if alike is not None:
        resembles = f"is not a known {what}: {alike}; '{match.column}' is the {what} in {present}"
    else:
        resembles = (
            f"is not a known {what} but is close to '{match.column}', the {what} in {present}"
        )
    return (
        f"{label} '{match.text}' ({cell}) {resembles}: {two} are ambiguous, and only {present} "
        f"would be {done}. Keep one of them, or give '{match.text}' a clearly different name if "
        "it means something else."
    )


def _look_alike(text: str, column: str) -> str | None:
    """How the name in `text` differs from `column` if it only looks like it, else None."""
    name = split_note(text)[0]
    for ours, theirs in ((name, column), (normalize(name), normalize(column))):
        if is_look_alike(ours, theirs):
            return describe_look_alike(ours, theirs)
    return None


def _words(name: str) -> list[str]:
    """The words of a normalised name, split at `_` and at punctuation."""
    return [word for word in re.split(r"[\W_]+", name) if word]


def _holds(header: str, known: str) -> bool:
    """Whether the words of `known` appear as consecutive words of `header`."""
    words, part = _words(header), _words(known)
    return bool(part) and any(
        words[i : i + len(part)] == part for i in range(len(words) - len(part) + 1)
    )


def _closest(header: str, by_name: dict[str, str]) -> str | None:
    """The known name `header` is closest to, if close enough (the first listed on a tie)."""
    from rapidfuzz.distance import OSA  # imported here: it takes ~10 ms and most calls are EXACT

    best: tuple[int, str] | None = None
    for name, spelt in by_name.items():
        words, known_words = _words(header), _words(name)
        if sorted(words) == sorted(known_words) or "".join(words) == "".join(known_words):
            edits = 0  # the same words in another order, or run together (`MaxCountryShare`)
        else:
            limit = 1 if len(name) <= _SHORT else 2
            edits = OSA.distance(header, name, score_cutoff=limit + 1)
            if edits > limit:
                continue
        if best is None or edits < best[0]:
            best = (edits, spelt)
    return None if best is None else best[1]
