"""*Generated* truth-discovery sets of known value kinds, for testing value-kind
inference and the estimators on lists of names: figures on them are labelled GENERATED
and are no real-data figure.

One set per kind, one predicate (``ATTRIBUTE``, a name that says nothing of the kind),
items with a true value each, sources of varied accuracy that claim a share of the
items, each writing values its own way, and a share (``junk``) of claims that say
nothing ("N/A", "unknown", "-", "see listing"):

``number``    magnitudes from tens to tens of millions, written plain, with thousands
              separators, decimals, a scale word ("1.2 million") or the set's unit;
              errors: another number, one digit changed;
``date``      days from 1900 to 2030, written ISO, "May 3, 2007", "3 May 2007",
              "05/03/2007", or only to the month or the year; errors: another date;
``names``     one to four authors (given name, sometimes a middle name, surname), listed
              in any order, with initials, middle names kept or dropped, "Last,
              First", separators ";", ",", "&", "/", "and", a "by" in front,
              punctuation noise (doubled spaces, stray periods and commas), all
              capitals; errors: a truncated list, an extra author, a misspelt surname,
              another item's authors;
``category``  one of a dozen short labels, in any case, with stray punctuation;
              errors: another label;
``text``      sentences of eight to twenty words, with case and punctuation noise;
              errors: another item's sentence, a truncated one.

All names and words are made up from syllables or chosen here; deterministic for a
seed.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from bench.truth_books import word
from bench.truth_data import Claim, TruthSet

PREDICATE = "ATTRIBUTE"
KINDS = ("number", "date", "names", "category", "text")
DECLARED = {"number": "number", "date": "date", "names": "names"}
"""The value type a user would declare for each kind (strings need none)."""

_MONTHS = "January February March April May June July August September October November"
_MONTH_NAMES = (_MONTHS + " December").split()
_LABELS = [
    "Sunny",
    "Partly cloudy",
    "Mostly cloudy",
    "Overcast",
    "Light rain",
    "Heavy rain",
    "Showers",
    "Thunderstorms",
    "Snow",
    "Sleet",
    "Fog",
    "Windy",
]
_JUNK = ["N/A", "unknown", "-", "not available", "see listing", "?", "TBA"]
_WORDS = [
    "the",
    "a",
    "of",
    "river",
    "old",
    "house",
    "quiet",
    "garden",
    "under",
    "over",
    "light",
    "stone",
    "winter",
    "summer",
    "road",
    "city",
    "north",
    "south",
    "long",
    "short",
    "story",
    "letters",
    "early",
    "late",
    "music",
    "paper",
    "window",
    "small",
    "great",
    "hidden",
    "open",
    "field",
    "history",
    "notes",
    "on",
    "with",
    "from",
    "and",
    "into",
    "across",
]


@dataclass(frozen=True, slots=True)
class Shape:
    """Size of a generated set."""

    items: int = 400
    sources: int = 60
    claims_per_item: int = 6
    junk: float = 0.1
    seed: int = 40


def generate(kind: str, shape: Shape = Shape()) -> TruthSet:
    """Claims in observation order and the gold value of every item."""
    rng = random.Random(f"{shape.seed}-{kind}")
    make = _MAKERS[kind]
    truth = [make.truth(rng) for _ in range(shape.items)]
    accuracy = [min(0.95, max(0.2, rng.betavariate(3, 2))) for _ in range(shape.sources)]
    style = [rng.randrange(1_000) for _ in range(shape.sources)]
    claims: list[Claim] = []
    start = datetime(2020, 1, 1, tzinfo=UTC)
    for item, value in enumerate(truth):
        for source in rng.sample(range(shape.sources), shape.claims_per_item):
            wrong = rng.random() >= accuracy[source]
            said = make.error(rng, value, truth) if wrong else value
            text = make.write(random.Random(f"{style[source]}-{item}"), said, style[source])
            text = rng.choice(_JUNK) if rng.random() < shape.junk else text
            when = start + timedelta(seconds=len(claims))
            claims.append(Claim(f"item:{item}", PREDICATE, text, f"source:{source}", when))
    gold = {(f"item:{k}", PREDICATE): make.gold(v) for k, v in enumerate(truth)}
    return TruthSet(f"{kind} (generated)", claims, gold)


@dataclass(frozen=True, slots=True)
class _Maker:
    truth: Callable[[random.Random], object]
    error: Callable[[random.Random, object, list[object]], object]
    write: Callable[[random.Random, object, int], str]
    gold: Callable[[object], str]


# Numbers ---------------------------------------------------------------------------


def _number(rng: random.Random) -> object:
    return rng.randrange(10, 10 ** rng.randrange(2, 8))


def _number_error(rng: random.Random, value: object, truth: list[object]) -> object:
    n = int(str(value))
    if rng.random() < 0.5:
        return int(str(rng.choice(truth)))
    digits = list(str(n))
    k = rng.randrange(len(digits))
    digits[k] = str((int(digits[k]) + rng.randrange(1, 9)) % 10)
    return int("".join(digits).lstrip("0") or "1")


def _number_text(rng: random.Random, value: object, style: int) -> str:
    n = int(str(value))
    form = style % 5
    if form == 1:
        return f"{n:,}"
    if form == 2:
        return f"{n}.0"
    if form == 3 and n >= 1_000_000 and n % 100_000 == 0:
        return f"{n / 1e6:g} million"
    if form == 4:
        return f"{n} {('km', 'kg', 'm', 'people')[style % 4]}"
    return str(n)


# Dates -----------------------------------------------------------------------------


def _date(rng: random.Random) -> object:
    return date(1900, 1, 1) + timedelta(days=rng.randrange(130 * 365))


def _date_error(rng: random.Random, value: object, truth: list[object]) -> object:
    return rng.choice(truth) if rng.random() < 0.5 else _date(rng)


def _date_text(rng: random.Random, value: object, style: int) -> str:
    d = value if isinstance(value, date) else date(2000, 1, 1)
    month = _MONTH_NAMES[d.month - 1]
    forms = [
        d.isoformat(),
        f"{month} {d.day}, {d.year}",
        f"{d.day} {month} {d.year}",
        f"{d.month:02d}/{d.day:02d}/{d.year}",
        f"{month} {d.year}",
        str(d.year),
    ]
    return forms[style % 4] if rng.random() < 0.85 else rng.choice(forms[4:])


# Author lists ----------------------------------------------------------------------

Person = tuple[str, str, str]  # given, middle ("" for none), surname


def _person(rng: random.Random) -> Person:
    middle = word(rng, 2) if rng.random() < 0.4 else ""
    return (word(rng, 2), middle, word(rng, rng.choice((2, 3))))


def _authors(rng: random.Random) -> object:
    return [_person(rng) for _ in range(rng.choice((1, 1, 2, 2, 2, 3, 3, 4)))]


def _authors_error(rng: random.Random, value: object, truth: list[object]) -> object:
    authors = list(value) if isinstance(value, list) else []
    error = rng.randrange(4)
    if error == 0 and len(authors) > 1:
        return authors[: rng.randrange(1, len(authors))]
    if error == 1:
        return [*authors, _person(rng)]
    if error == 2 and authors:
        k = rng.randrange(len(authors))
        given, middle, last = authors[k]
        spot = rng.randrange(1, len(last))
        authors[k] = (given, middle, last[:spot] + rng.choice("aeiouk") + last[spot + 1 :])
        return authors
    return rng.choice(truth)


def _full(p: Person, style: int) -> str:
    given, middle, last = p
    if style % 3 == 1:
        given = f"{given[0]}."
    middle = "" if not middle or style % 2 else (f"{middle[0]}." if style % 3 else middle)
    return " ".join(w for w in (given, middle, last) if w)


def _authors_text(rng: random.Random, value: object, style: int) -> str:
    authors: list[Person] = list(value) if isinstance(value, list) else []
    if style % 7 < 2:
        rng.shuffle(authors)
    form = style % 6
    if form == 0:
        text = "; ".join(f"{last}, {_full((g, m, ''), style)}" for g, m, last in authors)
    elif form == 1:
        text = ", ".join(_full(p, style) for p in authors)
    elif form == 2:
        text = " & ".join(_full(p, style) for p in authors)
    elif form == 3:
        text = " / ".join(_full(p, style).upper() for p in authors)
    else:
        names = [_full(p, style) for p in authors]
        text = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return _noise(rng, text, style)


def _noise(rng: random.Random, text: str, style: int) -> str:
    if style % 5 == 0:
        text = f"by {text}"
    if rng.random() < 0.15:
        text = text.replace(" ", "  ", 1)
    if rng.random() < 0.1:
        text = f"{text}."
    if rng.random() < 0.05:
        text = f"{text},"
    return text


def _authors_gold(value: object) -> str:
    authors: list[Person] = list(value) if isinstance(value, list) else []
    return "; ".join(" ".join(w for w in p if w) for p in authors)


# Categories and free text -----------------------------------------------------------


def _label(rng: random.Random) -> object:
    return rng.choice(_LABELS)


def _label_error(rng: random.Random, value: object, truth: list[object]) -> object:
    return rng.choice([x for x in _LABELS if x != value])


def _label_text(rng: random.Random, value: object, style: int) -> str:
    text = str(value)
    form = style % 4
    text = text.lower() if form == 1 else text.upper() if form == 2 else text
    return f"{text}." if form == 3 else text


def _sentence(rng: random.Random) -> object:
    words = [rng.choice(_WORDS) for _ in range(rng.randrange(8, 21))]
    return " ".join(words).capitalize()


def _sentence_error(rng: random.Random, value: object, truth: list[object]) -> object:
    if rng.random() < 0.5:
        return rng.choice(truth)
    words = str(value).split()
    return " ".join(words[: max(2, len(words) // 2)])


def _sentence_text(rng: random.Random, value: object, style: int) -> str:
    text = str(value)
    if style % 3 == 1:
        text = text.lower()
    return f"{text}." if style % 2 else text


_MAKERS = {
    "number": _Maker(_number, _number_error, _number_text, str),
    "date": _Maker(_date, _date_error, _date_text, str),
    "names": _Maker(_authors, _authors_error, _authors_text, _authors_gold),
    "category": _Maker(_label, _label_error, _label_text, str),
    "text": _Maker(_sentence, _sentence_error, _sentence_text, str),
}
