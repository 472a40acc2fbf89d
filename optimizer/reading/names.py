"""Matching names across sheets, and explaining names that only look like a known one.

Names match ignoring case, surrounding spaces and repeated inner spaces (`name_key`). A name that
matches no known name but looks exactly like one (a Cyrillic letter, an invisible character, a
separately typed accent, a curly apostrophe...) is an error: `look_alike` finds the name it
imitates and `describe_look_alike` says in plain words what differs. For any other unknown name,
`closest` offers an ordinary "did you mean" that never looks identical to what was typed.

Typical use, for a name whose key is not among the known keys:

    other = look_alike(name, known)
    if other is not None:
        error(describe_look_alike(name, other))
    else:
        suggestion = closest(name, known)
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from itertools import groupby

# The whitespace that the matching rule ignores: space, tab and line breaks, exactly what
# str.split() splits an ASCII string on. Non-breaking and other Unicode spaces are not in it.
_ASCII_SPACES = "".join(c for c in map(chr, range(128)) if c.isspace())
_ASCII_SPACE_RUN = re.compile(f"[{re.escape(_ASCII_SPACES)}]+")

# Cyrillic and Greek letters that look like a Latin one, from Unicode's confusables data
# (UTS #39), by Unicode name; capital iotas are given as 'I' where that data has 'l'.
_LETTERS_LOOKING_LATIN = {
    "CYRILLIC CAPITAL LETTER": "A A, VE B, IE E, DZE S, BYELORUSSIAN-UKRAINIAN I I, JE J, KA K,"
    " EM M, EN H, O O, ER P, ES C, TE T, U Y, HA X, SOFT SIGN b, STRAIGHT U Y",
    "CYRILLIC SMALL LETTER": "A a, IE e, GHE r, O o, ER p, ES c, U y, HA x, DZE s,"
    " BYELORUSSIAN-UKRAINIAN I i, JE j, STRAIGHT U y, SHHA h, KOMI DE d",
    "GREEK CAPITAL LETTER": "ALPHA A, BETA B, EPSILON E, ZETA Z, ETA H, IOTA I, KAPPA K, MU M,"
    " NU N, OMICRON O, RHO P, TAU T, UPSILON Y, CHI X",
    "GREEK SMALL LETTER": "ALPHA a, GAMMA y, IOTA i, NU v, OMICRON o, RHO p, SIGMA o, UPSILON u",
}
_LATIN_LOOKS = str.maketrans(
    {
        unicodedata.lookup(f"{kind} {letter}"): latin
        for kind, letters in _LETTERS_LOOKING_LATIN.items()
        for letter, latin in (entry.rsplit(" ", 1) for entry in letters.split(", "))
    }
)

# Typographic apostrophes, quotes and dashes, by Unicode name, and the plain character each
# stands for. Applied before NFKC, which would turn an acute accent into a space and a mark.
_TYPOGRAPHIC = {
    "'": "LEFT SINGLE QUOTATION MARK, RIGHT SINGLE QUOTATION MARK, MODIFIER LETTER APOSTROPHE,"
    " SINGLE HIGH-REVERSED-9 QUOTATION MARK, MODIFIER LETTER PRIME, ACUTE ACCENT, PRIME",
    '"': "LEFT DOUBLE QUOTATION MARK, RIGHT DOUBLE QUOTATION MARK, DOUBLE PRIME,"
    " DOUBLE LOW-9 QUOTATION MARK, DOUBLE HIGH-REVERSED-9 QUOTATION MARK",
    "-": "HYPHEN, NON-BREAKING HYPHEN, FIGURE DASH, EN DASH, EM DASH, HORIZONTAL BAR, MINUS SIGN",
}
_PLAIN_PUNCTUATION = str.maketrans(
    {
        unicodedata.lookup(name): plain
        for plain, names in _TYPOGRAPHIC.items()
        for name in names.split(", ")
    }
)

# Friendlier words than Unicode's names for the characters an analyst is most likely to meet.
_CHARACTER_WORDS = {
    " ": "ordinary space",
    "\t": "tab",
    "'": "straight apostrophe",
    '"': "straight double quote",
    "-": "ordinary hyphen",
    "\u00a0": "non-breaking space",
    "\u202f": "narrow non-breaking space",
    "\N{RIGHT SINGLE QUOTATION MARK}": "curly apostrophe",
    "\N{LEFT SINGLE QUOTATION MARK}": "opening curly quote",
    "\ufeff": "byte order mark",
}

_LATIN_LOOKING = frozenset(map(chr, _LATIN_LOOKS))
_SEPARATOR = "\x00"  # joins texts to be worked on at once
_MANY = 10_000  # characters from which the distinct ones are found with numpy

_AT_A_GLANCE = 5  # a letter further in is also shown by the text before it
# fmt: off
_UNITS = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen",
)
_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
# fmt: on
_IRREGULAR = {
    "one": "first",
    "two": "second",
    "three": "third",
    "five": "fifth",
    "eight": "eighth",
    "nine": "ninth",
    "twelve": "twelfth",
}
_MOST_DIFFERENCES = 3
_SAMPLE = 10_000


def name_key(text: str) -> str:
    """The key names match by: case-folded, outer spaces removed, inner runs of spaces as one.

    Only ordinary whitespace (space, tab, line break) is folded: a non-breaking space, an
    invisible character or a look-alike letter keeps the key different, so that it can be
    reported instead of silently merged.
    """
    # Printable text holds no tab, line break or Unicode space: only single inner spaces are left.
    if text.isprintable() and "  " not in text and text.strip() == text:
        return text.casefold()
    if text.isascii():
        return " ".join(text.split()).lower()
    return _ASCII_SPACE_RUN.sub(" ", text).strip(_ASCII_SPACES).casefold()


def name_keys(texts: Iterable[str]) -> list[str]:
    """`name_key` of each text, in order; each distinct text is keyed once when texts repeat.

    Printable texts with no space at either end and none doubled (checked on all of them
    joined, in C) are simply case-folded."""
    texts = texts if isinstance(texts, list) else list(texts)
    if plain_text("|".join(texts)):
        return list(map(str.casefold, texts))
    head = texts[:_SAMPLE]
    if len(set(head)) > len(head) // 2:  # mostly distinct: a cache would cost more than it saves
        return list(map(name_key, texts))
    keys = {text: name_key(text) for text in dict.fromkeys(texts)}
    return list(map(keys.__getitem__, texts))


def plain_text(text: str) -> bool:
    """Whether `text` is printable (so its only space is the ordinary one) with no space at
    either end and none doubled (nor around a `|`, so that texts joined with `|` can be checked
    at once): its key is its case fold."""
    return (
        text.isprintable()
        and "  " not in text
        and " |" not in text
        and "| " not in text
        and text[:1] != " "
        and text[-1:] != " "
    )


def suspects(texts: Iterable[str]) -> list[str]:
    """The texts that hold a character `skeleton` changes or drops (a look-alike letter, an
    invisible character, an accent mark, a special space, apostrophe or dash, a compatibility
    form), in order. Any other text looks exactly like its `name_key`, so of two names that look
    alike without matching, at least one is among these: only they need a `skeleton`.

    Fast for plain texts: the characters are looked at once each, on all texts joined."""
    texts = texts if isinstance(texts, list) else list(texts)
    odd = odd_characters("".join(texts))
    if not odd:
        return []
    holds = re.compile("|".join(map(re.escape, odd))).search
    return [text for text in texts if holds(text)]


def odd_characters(text: str) -> set[str]:
    """The characters of `text` that `skeleton` changes or drops (see `suspects`): when there
    are none, no name in `text` can look like another one without matching it."""
    if text.isascii() and text.isprintable():
        return set()
    return {char for char in _characters(text) if not _plain_character(char)}


def _characters(text: str) -> Iterable[str]:
    """The distinct characters of `text` (of a long one, with numpy: `set` makes an object of
    every character beyond Latin-1)."""
    if len(text) < _MANY:
        return set(text)
    import numpy as np  # imported here: this module is imported where numpy is not needed

    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    seen = np.zeros(0x110000, dtype=bool)
    seen[codes] = True
    return map(chr, np.flatnonzero(seen).tolist())


def skeletons(texts: list[str]) -> list[str]:
    """`skeleton` of each text; of all at once when the only characters to change are letters
    that look Latin (the names of a workbook in Cyrillic or Greek)."""
    joined = _SEPARATOR.join(texts)
    odd = odd_characters(joined)
    if joined.count(_SEPARATOR) == len(texts) - 1:
        odd.discard(_SEPARATOR)  # no text holds it
    if len(texts) < 2 or not odd <= _LATIN_LOOKING:
        return list(map(skeleton, texts))
    for char in odd:
        joined = joined.replace(char, _LATIN_LOOKS[ord(char)])
    return name_keys(joined.split(_SEPARATOR))


@lru_cache(maxsize=1 << 16)
def _plain_character(char: str) -> bool:
    """Whether `skeleton` keeps `char` as `name_key` does: printable ASCII, or a letter, digit,
    sign or punctuation mark that no rule of `skeleton` changes."""
    if char.isascii():
        return char.isprintable()
    if unicodedata.category(char)[0] in "MCZ":  # marks, controls and formats, spaces
        return False
    return _looks(char) == char.casefold()


@dataclass(frozen=True, slots=True)
class _Piece:
    """One character as the analyst sees it (a letter with its accent marks), or one invisible."""

    text: str
    skeleton: str  # what it looks like; '' for invisibles and for spaces that collapse away
    invisible: bool


def _is_invisible(char: str) -> bool:
    """Whether `char` shows nothing at all: a format or control character, a joiner, a selector."""
    category = unicodedata.category(char)
    if category == "Cf":
        return True
    if category == "Cc":
        return not char.isspace()
    return char == "\u034f" or "\ufe00" <= char <= "\ufe0f"


def _looks(text: str) -> str:
    """What a visible character looks like: plain punctuation, compatibility forms, Latin."""
    if text.isspace():
        return " "
    text = unicodedata.normalize("NFKC", text.translate(_PLAIN_PUNCTUATION))
    return unicodedata.normalize("NFC", text.translate(_LATIN_LOOKS).casefold())


def _pieces(text: str) -> list[_Piece]:
    """`text` split into what the analyst sees, each piece with its skeleton."""
    groups: list[str] = []
    for char in text:
        if (
            groups
            and unicodedata.category(char).startswith("M")
            and not _is_invisible(char)
            and not _is_invisible(groups[-1][0])
            and not groups[-1].isspace()
        ):
            groups[-1] += char
        else:
            groups.append(char)
    pieces = [
        _Piece(group, "", True) if _is_invisible(group[0]) else _Piece(group, _looks(group), False)
        for group in groups
    ]
    # Spaces at either end, and every space after another one, do not count.
    after_space = True
    for index, piece in enumerate(pieces):
        if piece.skeleton == " ":
            if after_space:
                pieces[index] = _Piece(piece.text, "", False)
            after_space = True
        elif piece.skeleton:
            after_space = False
    for index in reversed(range(len(pieces))):
        if pieces[index].skeleton == " ":
            pieces[index] = _Piece(pieces[index].text, "", False)
        if pieces[index].skeleton:
            break
    return pieces


@lru_cache(maxsize=1 << 16)
def skeleton(text: str) -> str:
    """What the name looks like on screen: two names with equal skeletons cannot be told apart.

    Compatibility forms are normalised (NFKC), invisible characters dropped, Cyrillic and Greek
    letters that look Latin replaced by the Latin letter, typographic apostrophes, quotes and
    dashes replaced by the plain ones, case folded and every kind of space folded to one.
    """
    if text.isascii() and text.isprintable():
        return name_key(text)
    if odd_characters(text) <= _LATIN_LOOKING:  # only letters to replace: no piece by piece
        return name_key(text.translate(_LATIN_LOOKS))
    return _skeleton(text)


def _skeleton(text: str) -> str:
    """`skeleton`, piece by piece."""
    return "".join(piece.skeleton for piece in _pieces(text))


def is_look_alike(name: str, other: str) -> bool:
    """True when the two names do not match but look the same: an error, not a misspelling."""
    return name_key(name) != name_key(other) and skeleton(name) == skeleton(other)


def look_alike(name: str, known: Iterable[str]) -> str | None:
    """The first known name that `name` looks exactly like without matching it, if any."""
    key, look = name_key(name), skeleton(name)
    return next((k for k in known if skeleton(k) == look and name_key(k) != key), None)


def closest(name: str, known: Iterable[str], cutoff: float = 0.75) -> str | None:
    """The known name most like `name`, for a "did you mean"; None when none is close.

    `cutoff` is the least similarity accepted, from 0 to 1 (`Chian` and `China`: 0.8). Never
    returns a name that matches `name` or looks identical to it: those need `look_alike`.
    """
    from rapidfuzz import fuzz, process  # imported here: ~10 ms, and most names are known

    key, look = name_key(name), skeleton(name)
    candidates: dict[str, str] = {}
    for other in known:
        other_look = skeleton(other)
        if other_look != look and name_key(other) != key:
            candidates.setdefault(other_look, other)
    match = process.extractOne(look, list(candidates), scorer=fuzz.ratio, score_cutoff=cutoff * 100)
    return None if match is None else candidates[match[0]]


def describe_look_alike(name: str, other: str) -> str:
    """Plain words on how `name` differs from `other`, a name it looks exactly like.

    For example "'China' looks like 'China' but its first letter is Cyrillic". The caller adds
    where each name was found. Raises ValueError when the names do not look alike.
    """
    if not is_look_alike(name, other):
        raise ValueError(f"{name!r} does not look like {other!r}")
    differences = _differences(name, other)
    if len(differences) > _MOST_DIFFERENCES:
        more = len(differences) - _MOST_DIFFERENCES
        differences = [
            *differences[:_MOST_DIFFERENCES],
            f"{more} more difference{'s' if more > 1 else ''}",
        ]
    return f"'{name}' looks like '{other}' but {_join(differences)}"


def _differences(name: str, other: str) -> list[str]:
    """Each difference between two look-alike names, in the order they occur in `name`."""
    ours, theirs = _pieces(name), _pieces(other)
    differences: list[str] = []
    i = j = 0
    while i < len(ours) or j < len(theirs):
        if i < len(ours) and not ours[i].skeleton:
            end = _end_of_extras(ours, i)
            if extras := _odd(ours[i:end]):
                differences.append(f"it holds {_words(extras, 'a')}{_where(ours, i, end)}")
            i = end
        elif j < len(theirs) and not theirs[j].skeleton:
            end = _end_of_extras(theirs, j)
            if extras := _odd(theirs[j:end]):
                where = _where(theirs, j, end)
                differences.append(f"it lacks {_words(extras, 'the')} that '{other}' holds{where}")
            j = end
        elif i < len(ours) and j < len(theirs):
            start, their_start = i, j
            ours_look, theirs_look = ours[i].skeleton, theirs[j].skeleton
            i, j = i + 1, j + 1
            # A piece may look like several (a ligature): take pieces until both sides agree.
            while len(ours_look) != len(theirs_look):
                if len(ours_look) < len(theirs_look) and i < len(ours):
                    ours_look, i = ours_look + ours[i].skeleton, i + 1
                elif len(theirs_look) < len(ours_look) and j < len(theirs):
                    theirs_look, j = theirs_look + theirs[j].skeleton, j + 1
                else:
                    break
            mine = "".join(piece.text for piece in ours[start:i])
            yours = "".join(piece.text for piece in theirs[their_start:j])
            if _plain(mine) != _plain(yours):
                differences.append(_describe(mine, yours, other, ours, start))
        else:
            break
    return differences


def _end_of_extras(pieces: list[_Piece], start: int) -> int:
    """Where the run of pieces that look like nothing, from `start`, ends."""
    end = start
    while end < len(pieces) and not pieces[end].skeleton:
        end += 1
    return end


def _odd(pieces: list[_Piece]) -> list[str]:
    """The characters among dropped pieces that the matching rule does not ignore."""
    return [piece.text for piece in pieces if piece.text.strip(_ASCII_SPACES)]


def _plain(text: str) -> str:
    """`text` as the matching rule compares it."""
    return " " if not text.strip(_ASCII_SPACES) else text.casefold()


def _describe(mine: str, yours: str, other: str, pieces: list[_Piece], index: int) -> str:
    """One difference between two pieces that look alike, `mine` at `pieces[index]`."""
    count, before = _position(pieces, index)
    place = _ordinal(count)
    after = f" (after '{before}')" if count > _AT_A_GLANCE else ""
    composed = unicodedata.normalize("NFC", mine)
    if composed.casefold() == unicodedata.normalize("NFC", yours).casefold():
        if composed != mine:
            return (
                f"its {place} letter{after} '{composed}' is written as '{mine[0]}' plus a separate"
                " accent mark (retype it)"
            )
        return (
            f"its {place} letter{after} '{composed}' is one character where '{other}' writes it as"
            f" '{yours[0]}' plus a separate accent mark"
        )
    ours_script, theirs_script = _script(mine), _script(yours)
    if ours_script and theirs_script and ours_script != theirs_script:
        if theirs_script == "Latin":
            return f"its {place} letter{after} is {ours_script}"
        return (
            f"its {place} letter{after} is {ours_script} where '{other}' has a {theirs_script} one"
        )
    return f"its {place} character{after} is {_shown(mine)} instead of {_shown(yours)}"


def _shown(text: str) -> str:
    """A character in words, or a few characters quoted and each named so they can be told apart."""
    if len(text) == 1:
        return _character_words(text, "a")
    return f"'{text}' ({', '.join(map(_character_words, text))})"


def _script(text: str) -> str | None:
    """'Cyrillic', 'Greek' or 'Latin' for a single letter that is or looks like a Latin one."""
    if len(text) != 1 or not text.isalpha():
        return None
    if not text.isascii() and text.translate(_LATIN_LOOKS) == text:
        return None
    return unicodedata.name(text).split()[0].title()


def _position(pieces: list[_Piece], index: int) -> tuple[int, str]:
    """Which visible character `pieces[index]` is (1 for the first), and the text before it."""
    before = "".join(piece.text for piece in pieces[:index] if not piece.invisible).lstrip()
    return len([p for p in pieces[:index] if not p.invisible and p.skeleton]) + 1, before


def _where(pieces: list[_Piece], start: int, end: int) -> str:
    """Where the dropped pieces `pieces[start:end]` stand, in words."""
    _, before = _position(pieces, start)
    if not before:
        return " at the start"
    if not any(piece.skeleton for piece in pieces[end:]):
        return " at the end"
    return f" after '{before.rstrip()}'"


def _ordinal(number: int) -> str:
    """The ordinal of a number from 1 in words: 'first', 'sixth', 'twenty-first', 'one hundred
    and second' (one style throughout, as 'its first letter' reads)."""
    words = _cardinal(number)
    cut = max(words.rfind(" "), words.rfind("-")) + 1
    head, last = words[:cut], words[cut:]
    if last in _IRREGULAR:
        last = _IRREGULAR[last]
    elif last.endswith("y"):
        last = f"{last[:-1]}ieth"
    else:
        last = f"{last}th"
    return head + last


def _cardinal(number: int) -> str:
    """A number from 0 in words: 'twenty-one', 'one hundred and two', 'two thousand and five'."""
    if number < 20:
        return _UNITS[number]
    if number < 100:
        tens, units = divmod(number, 10)
        return _TENS[tens] + (f"-{_UNITS[units]}" if units else "")
    if number < 1000:
        hundreds, rest = divmod(number, 100)
        return f"{_UNITS[hundreds]} hundred" + (f" and {_cardinal(rest)}" if rest else "")
    thousands, rest = divmod(number, 1000)
    joint = " and " if rest < 100 else " "
    return f"{_cardinal(thousands)} thousand" + (f"{joint}{_cardinal(rest)}" if rest else "")


def _words(texts: list[str], article: str) -> str:
    """The characters in `texts` in words, e.g. 'an invisible soft hyphen and 2 tabs'."""
    chars = [char for text in texts for char in text]
    return _join([_character_words(char, article, len(list(run))) for char, run in groupby(chars)])


def _character_words(char: str, article: str = "", count: int = 1) -> str:
    """A character (or `count` of them) in words: 'an ordinary hyphen (-)', '2 invisible tabs'."""
    name = _CHARACTER_WORDS.get(char)
    if name is None:
        name = unicodedata.name(char, f"character U+{ord(char):04X}").lower()
        name = name.replace("zero width", "zero-width")
    if count > 1:
        name += "s"
    if _is_invisible(char):
        name = f"invisible {name}"
    elif not char.isspace() and not unicodedata.category(char).startswith("M"):
        name = f"{name} ({char})"
    if count > 1:
        return f"{count} {name}"
    if article == "a" and name[0] in "aeiou":
        article = "an"
    return f"{article} {name}" if article else name


def _join(parts: list[str]) -> str:
    """'a, b and c'."""
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"
