"""Names match ignoring case and spaces; look-alikes are explained, misspellings suggested."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optimizer.reading.names import (
    closest,
    describe_look_alike,
    is_look_alike,
    look_alike,
    name_key,
    name_keys,
    skeleton,
)

CYRILLIC_C = "\N{CYRILLIC CAPITAL LETTER ES}"
CYRILLIC_A = "\N{CYRILLIC SMALL LETTER A}"
GREEK_ALPHA = "\N{GREEK CAPITAL LETTER ALPHA}"
GREEK_OMICRON = "\N{GREEK SMALL LETTER OMICRON}"
NBSP = "\N{NO-BREAK SPACE}"
ZWSP = "\N{ZERO WIDTH SPACE}"
SOFT_HYPHEN = "\N{SOFT HYPHEN}"
COMBINING_CIRCUMFLEX = "\N{COMBINING CIRCUMFLEX ACCENT}"
CURLY_APOSTROPHE = "\N{RIGHT SINGLE QUOTATION MARK}"
EN_DASH = "\N{EN DASH}"

COUNTRIES = ["China", "Chile", "South Korea", "Argentina", "Côte d'Ivoire", "Guinea-Bissau"]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("CHINA", "China"),
        (" china ", "China"),
        ("China  ", "China"),
        ("South  Korea", "south korea"),
        ("\tSouth \t Korea\n", "South Korea"),
        ("Côte  D'IVOIRE", "côte d'ivoire"),
    ],
)
def test_names_match_ignoring_case_and_spaces(a: str, b: str) -> None:
    assert name_key(a) == name_key(b)
    assert not is_look_alike(a, b)


@pytest.mark.parametrize(
    "disguised",
    [
        f"{CYRILLIC_C}hina",
        f"China{NBSP}",
        f"South{NBSP}Korea",
        f"Chi{ZWSP}na",
        f"Chi{SOFT_HYPHEN}na",
        f"Co{COMBINING_CIRCUMFLEX}te d'Ivoire",
        f"Cote d{CURLY_APOSTROPHE}Ivoire",
        f"Guinea{EN_DASH}Bissau",
    ],
)
def test_invisible_characters_and_look_alikes_keep_the_key_apart(disguised: str) -> None:
    assert name_key(disguised) not in {name_key(country) for country in COUNTRIES}


def test_name_keys_is_name_key_of_each() -> None:
    texts = ["China", " CHINA", f"{CYRILLIC_C}hina", "South  Korea", "Côte d'Ivoire "] * 3
    assert name_keys(texts) == [name_key(text) for text in texts]
    assert name_keys(iter(texts)) == name_keys(texts)
    distinct = [f"Supplier {i}" for i in range(100)]
    assert name_keys(distinct) == [name.lower() for name in distinct]


@pytest.mark.parametrize(
    ("name", "known", "message"),
    [
        (
            f"{CYRILLIC_C}hina",
            "China",
            f"'{CYRILLIC_C}hina' looks like 'China' but its first letter is Cyrillic",
        ),
        (
            f"{GREEK_ALPHA}rgentina",
            "Argentina",
            f"'{GREEK_ALPHA}rgentina' looks like 'Argentina' but its first letter is Greek",
        ),
        (
            f"Ch{GREEK_OMICRON}le",
            "Chole",
            f"'Ch{GREEK_OMICRON}le' looks like 'Chole' but its third letter is Greek",
        ),
        (
            f"South K{GREEK_OMICRON}rea",
            "South Korea",
            f"'South K{GREEK_OMICRON}rea' looks like 'South Korea'"
            " but its eighth letter (after 'South K') is Greek",
        ),
        (
            f"China{NBSP}",
            "China",
            f"'China{NBSP}' looks like 'China' but it holds a non-breaking space at the end",
        ),
        (
            f"South{NBSP}Korea",
            "South Korea",
            f"'South{NBSP}Korea' looks like 'South Korea' but its sixth character (after 'South')"
            " is a non-breaking space instead of an ordinary space",
        ),
        (
            f"Chi{ZWSP}na",
            "China",
            f"'Chi{ZWSP}na' looks like 'China' but it holds an invisible zero-width space"
            " after 'Chi'",
        ),
        (
            f"{ZWSP}China",
            "China",
            f"'{ZWSP}China' looks like 'China' but it holds an invisible zero-width space"
            " at the start",
        ),
        (
            f"Chi{SOFT_HYPHEN}na",
            "China",
            f"'Chi{SOFT_HYPHEN}na' looks like 'China' but it holds an invisible soft hyphen"
            " after 'Chi'",
        ),
        (
            f"Co{COMBINING_CIRCUMFLEX}te d'Ivoire",
            "Côte d'Ivoire",
            f"'Co{COMBINING_CIRCUMFLEX}te d'Ivoire' looks like 'Côte d'Ivoire' but its second"
            " letter 'ô' is written as 'o' plus a separate accent mark (retype it)",
        ),
        (
            f"Cote d{CURLY_APOSTROPHE}Ivoire",
            "Cote d'Ivoire",
            f"'Cote d{CURLY_APOSTROPHE}Ivoire' looks like 'Cote d'Ivoire' but its seventh character"
            f" (after 'Cote d') is a curly apostrophe ({CURLY_APOSTROPHE})"
            " instead of a straight apostrophe (')",
        ),
        (
            f"Guinea{EN_DASH}Bissau",
            "Guinea-Bissau",
            f"'Guinea{EN_DASH}Bissau' looks like 'Guinea-Bissau' but its seventh character"
            f" (after 'Guinea') is an en dash ({EN_DASH}) instead of an ordinary hyphen (-)",
        ),
    ],
)
def test_look_alikes_are_explained(name: str, known: str, message: str) -> None:
    assert is_look_alike(name, known)
    assert look_alike(name, ["Chile", known]) == known
    assert describe_look_alike(name, known) == message


def test_the_known_spelling_may_be_the_odd_one() -> None:
    disguised = f"{CYRILLIC_C}hina"
    assert look_alike("China", [disguised]) == disguised
    assert describe_look_alike("China", disguised) == (
        f"'China' looks like '{disguised}' but its first letter is Latin"
        f" where '{disguised}' has a Cyrillic one"
    )
    assert describe_look_alike("China", f"Chi{ZWSP}na") == (
        f"'China' looks like 'Chi{ZWSP}na' but it lacks the invisible zero-width space"
        f" that 'Chi{ZWSP}na' holds after 'Chi'"
    )
    assert describe_look_alike("Côte", f"Co{COMBINING_CIRCUMFLEX}te") == (
        f"'Côte' looks like 'Co{COMBINING_CIRCUMFLEX}te' but its second letter 'ô' is one"
        f" character where 'Co{COMBINING_CIRCUMFLEX}te' writes it as 'o' plus a separate"
        " accent mark"
    )


def test_several_differences_are_all_named_up_to_three() -> None:
    two = f"{CYRILLIC_C}hin{CYRILLIC_A}{ZWSP}"
    assert describe_look_alike(two, "China") == (
        f"'{two}' looks like 'China' but its first letter is Cyrillic, its fifth letter is"
        " Cyrillic and it holds an invisible zero-width space at the end"
    )
    many = f"{ZWSP}{CYRILLIC_C}hin{CYRILLIC_A}{NBSP}{SOFT_HYPHEN}"
    assert describe_look_alike(many, "China") == (
        f"'{many}' looks like 'China' but it holds an invisible zero-width space at the start,"
        " its first letter is Cyrillic, its fifth letter is Cyrillic and 1 more difference"
    )
    repeated = f"Ch{ZWSP}{ZWSP}ina"
    assert describe_look_alike(repeated, "China") == (
        f"'{repeated}' looks like 'China' but it holds 2 invisible zero-width spaces after 'Ch'"
    )


def test_a_difference_is_never_shown_as_two_identical_strings() -> None:
    message = describe_look_alike(f"{CYRILLIC_C}\N{COMBINING ACUTE ACCENT}hina", "Ćhina")
    assert "cyrillic capital letter es" in message
    assert "latin capital letter c with acute" in message


@pytest.mark.parametrize(
    ("name", "other"), [("Chile", "China"), ("Cote d'Ivoire", "Côte d'Ivoire")]
)
def test_different_names_are_not_look_alikes(name: str, other: str) -> None:
    assert not is_look_alike(name, other)
    assert look_alike(name, [other]) is None
    with pytest.raises(ValueError):
        describe_look_alike(name, other)


@pytest.mark.parametrize(
    "name", ["China", "Chile", "Guinea-Bissau", "Cote d'Ivoire", " south  korea ", "ACME Steel Co."]
)
def test_ascii_names_never_look_alike_their_own_spellings(name: str) -> None:
    spellings = [name, name.upper(), name.lower(), f"  {name}  ", name.replace(" ", "  ")]
    assert look_alike(name, spellings) is None
    assert closest(name, spellings) is None
    assert all(not is_look_alike(name, spelling) for spelling in spellings)


def test_skeleton_folds_what_cannot_be_seen() -> None:
    assert skeleton(f"{ZWSP} {CYRILLIC_C}hina{NBSP}") == "china"
    assert skeleton(f"Guinea{EN_DASH}Bissau") == "guinea-bissau"
    assert skeleton(f"Co{COMBINING_CIRCUMFLEX}te") == skeleton("Côte") != skeleton("Cote")
    assert skeleton("\N{FULLWIDTH LATIN CAPITAL LETTER C}hina") == "china"


def test_closest_suggests_ordinary_misspellings_only() -> None:
    assert closest("Chian", COUNTRIES) == "China"
    assert closest("Sout Korea", COUNTRIES) == "South Korea"
    assert closest("Germany", COUNTRIES) is None
    # a look-alike is for look_alike: a "did you mean 'China'?" would show two identical names
    assert closest(f"{CYRILLIC_C}hina", ["China"]) is None
    assert closest(f"{CYRILLIC_C}hina", ["China", "Chin"]) == "Chin"


@settings(database=None)
@given(st.text(alphabet=f"aZé \t\n\x1f{NBSP}{ZWSP}{CYRILLIC_C}", max_size=12))
def test_name_key_folds_exactly_case_and_ascii_whitespace(text: str) -> None:
    ascii_spaces = " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"
    expected = re.sub(f"[{ascii_spaces}]+", " ", text).strip(ascii_spaces).casefold()
    assert name_key(text) == expected
    assert skeleton(text) == skeleton(expected)
