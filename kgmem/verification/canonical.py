r"""Canonical forms of claimed values, per value type, and implication between them.

A predicate declares the type of its values in ``graph_schema`` (``value = "names"``,
or ``value = { type = "number", rel_tol = 0.01, abs_tol = 1 }``); undeclared predicates
have the kind their claimed values show (``kgmem.verification.inference``), and ``auto``
(numbers when the text parses as one, plain strings otherwise) until there are values to
read. Claims whose canonical keys are equal are one value of their data item.

Types and their canonical key
    ``number``  a decimal with optional thousands separators, sign, exponent, scale word
                ("1.2 million", "3k") and unit ("72 F", "45%"): the key is the number.
                Its *precision* is the place value of its last significant digit
                (trailing zeros of an integer are not significant: "1,230,000" has
                precision :math:`10^4`).
    ``date``    ISO ("2007-05-03", "2007-05"), "May 3, 2007", "3 May 2007", "05/03/2007"
                (month first), a bare year: the key is ``YYYY[-MM[-DD]]``.
    ``names``   a list of person names in any order (``kgmem.verification.names``:
                separators, "Last, First" pairs, initials, "Jr.", HTML entities,
                accents, "Edited by", "(Author)", "Foreword by ...", "et al."): each
                name becomes its surname (so initials match full names) and the key is
                the sorted set of surnames; a list that says the book has more authors
                ("et al.", a listing cut short) is *open*, another value than the same
                names alone, which every longer list containing its names implies.
    ``string``  case, accents, HTML entities and punctuation folded; spaces collapsed.

Implication and similarity
    For two values :math:`a \ne b` of one item, ``relation(a, b)`` says how a claim of
    :math:`a` bears on :math:`b`:

    * :math:`a \Rightarrow b` (``IMPLIES``): :math:`a` is strictly more specific and
      :math:`b` holds whenever :math:`a` does: a name set that contains :math:`b`'s, a
      number that rounds to :math:`b` at :math:`b`'s precision, a date that :math:`b`
      truncates, a string that contains :math:`b` as whole words;
    * :math:`b \Rightarrow a` (``IMPLIED``): the converse;
    * otherwise a symmetric similarity :math:`s(a, b) \in [0, 1]`: numbers by distance
      within the tolerance, name sets by Jaccard overlap of their surnames (a
      misspelt surname is another surname), strings by rapidfuzz's
      normalised Indel similarity above ``min_string``.

    How the estimators use these (``kgmem.verification.support``): with exact truth
    :math:`T` of an item, the probability that :math:`v` *holds* is
    :math:`h(v) = \sum_{u \Rightarrow v} P(T = u)` (including :math:`u = v`), so support
    flows fully from the specific to the general; a claim of the general :math:`b` only
    gives partial credit :math:`\rho < 1` to its specific completions :math:`a` when the
    exact value is estimated (a truncated list is weak evidence for the full one, never
    the other way round at full weight).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache

from rapidfuzz.distance import Indel

from kgmem.schema.graph_schema import ValueType
from kgmem.verification import names


class Relation(Enum):
    """How one value bears on another of the same item."""

    EQUAL = "equal"
    IMPLIES = "implies"
    IMPLIED = "implied"
    SIMILAR = "similar"


@dataclass(frozen=True, slots=True)
class Parsed:
    """A value parsed by its type: ``key`` decides equality; ``number``/``precision``
    for numbers, ``parts`` for dates (y, m, d), name keys or string tokens."""

    kind: str
    key: str
    number: float = math.nan
    precision: float = 0.0
    parts: tuple[str, ...] = ()
    open: bool = False


def parse(text: str, vtype: ValueType) -> Parsed:
    """``text`` in canonical form for ``vtype`` (``auto``: number, else string); a text
    that does not parse as its declared type falls back to its string form."""
    return _parse(text, vtype.kind)


def key(text: str, vtype: ValueType) -> str:
    """The equality key of ``text`` as a ``vtype`` value."""
    return _parse(text, vtype.kind).key


@lru_cache(maxsize=200_000)
def _parse(text: str, kind: str) -> Parsed:
    if kind in ("number", "auto"):
        parsed = _number(text)
        if parsed is not None or kind == "number":
            return parsed or _string(text)
    if kind == "date":
        return _date(text) or _string(text)
    if kind == "names":
        return _names(text) or _string(text)
    return _string(text)


# Numbers ---------------------------------------------------------------------------

_NUMBER = re.compile(
    r"^\s*([+-]?(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?(?:[eE][+-]?\d+)?)\s*"
    r"(thousand|million|billion|[kmb]n?)?\b\s*((?:°|%|[a-z])[a-z°%/.²³ ]*)?$",
    re.IGNORECASE,
)
_SCALE = {"thousand": 1e3, "k": 1e3, "million": 1e6, "m": 1e6, "mn": 1e6, "billion": 1e9}
_SCALE |= {"b": 1e9, "bn": 1e9}


def _number(text: str) -> Parsed | None:
    match = _NUMBER.match(text)
    if match is None or not any(ch.isdigit() for ch in match.group(1)):
        return None
    digits = match.group(1).replace(",", "")
    try:
        value = float(digits)
    except ValueError:
        return None
    scale = _SCALE.get((match.group(2) or "").lower(), 1.0)
    if not math.isfinite(value * scale):
        return None
    number = value * scale
    return Parsed("number", repr(number + 0.0), number, _precision(digits) * scale)


def _precision(digits: str) -> float:
    """The place value of the last significant digit of a plain decimal."""
    mantissa, _, exponent = digits.lower().partition("e")
    shift = int(exponent) if exponent.lstrip("+-").isdigit() else 0
    whole, _, fraction = mantissa.lstrip("+-").partition(".")
    if fraction:
        return float(10.0 ** (shift - len(fraction)))
    stripped = whole.rstrip("0")
    zeros = len(whole) - len(stripped) if stripped else 0
    return float(10.0 ** (shift + zeros))


# Dates -----------------------------------------------------------------------------

_MONTHS = {
    m: k + 1
    for k, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ]
    )
    for m in names
}
_ISO = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?(?:[t ].*)?$")
_SLASH = re.compile(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{4})$")
_WORDY = re.compile(r"^(?:(\d{1,2})\s+)?([a-z]+)\.?\s+(?:(\d{1,2})(?:st|nd|rd|th)?,?\s+)?(\d{4})$")


def _date(text: str) -> Parsed | None:
    t = " ".join(text.strip().lower().replace(",", " ").split())
    parts: tuple[int, ...] | None = None
    if m := _ISO.match(t):
        parts = tuple(int(g) for g in m.groups() if g)
    elif m := _SLASH.match(t):
        parts = (int(m.group(3)), int(m.group(1)), int(m.group(2)))
    elif (m := _WORDY.match(t)) and m.group(2) in _MONTHS:
        day = m.group(1) or m.group(3)
        parts = (int(m.group(4)), _MONTHS[m.group(2)]) + ((int(day),) if day else ())
    if parts is None or not _valid_date(parts):
        return None
    text_parts = tuple(f"{p:04d}" if k == 0 else f"{p:02d}" for k, p in enumerate(parts))
    return Parsed("date", "-".join(text_parts), parts=text_parts)


def _valid_date(parts: tuple[int, ...]) -> bool:
    ranges = ((1, 9999), (1, 12), (1, 31))
    return all(lo <= p <= hi for p, (lo, hi) in zip(parts, ranges, strict=False))


# Person-name lists (kgmem.verification.names) --------------------------------------


def _fold(text: str) -> str:
    """HTML entities decoded, accents dropped, lower case."""
    return names.fold(text).lower()


MISSING = frozenset(
    [
        "",
        "n a",
        "na",
        "not available",
        "unavailable",
        "not applicable",
        "unknown",
        "unknown author",
        "author unknown",
        "none",
        "null",
        "nil",
        "tba",
        "tbd",
        "tbc",
        "to be announced",
        "not stated",
        "not specified",
        "unspecified",
        "no author",
        "see listing",
        "see description",
        "see below",
        "various",
        "various authors",
    ]
)
"""String keys of texts that mark a missing value ("N/A", "Not Available", "-", "?"):
no person's name, so on a ``names`` item they are no list of names."""


OPEN = "; ..."
"""The end of the key of a list of names that says the book has more authors than it
names ("Ullman, J. et al."): another value than the list of the same names alone."""


_BRACKETS = re.compile(r"[()\[\]]")


def missing(text: str) -> bool:
    """Whether ``text`` marks a missing value ("N/A", "Not Available", "-"), with its
    abbreviation in brackets too ("Not Available (NA)")."""
    if _string(text).key in MISSING:
        return True
    pieces = [p for p in _BRACKETS.split(text) if p.strip()]
    return len(pieces) > 1 and all(_string(p).key in MISSING for p in pieces)


def _names(text: str) -> Parsed | None:
    if missing(text):
        return None
    parts, more = names.listing(text)
    if not parts:
        return None
    key = "; ".join(parts) + (OPEN if more else "")
    return Parsed("names", key, parts=parts, open=more)


# Strings ---------------------------------------------------------------------------

_PUNCT = re.compile(r"[^\w\s]+")


def _string(text: str) -> Parsed:
    words = _PUNCT.sub(" ", _fold(text)).split()
    return Parsed("string", " ".join(words), parts=tuple(words))


# Implication -----------------------------------------------------------------------


def relation(a: Parsed, b: Parsed, vtype: ValueType) -> tuple[Relation, float]:
    """How a claim of ``a`` bears on ``b`` (see the module text), with the similarity
    for ``SIMILAR`` (0 when unrelated) and 1 otherwise."""
    if a.key == b.key:
        return Relation.EQUAL, 1.0
    if a.kind != b.kind:
        return Relation.SIMILAR, 0.0
    if a.kind == "number":
        return _numbers(a, b, vtype)
    if a.kind == "names":
        return _name_lists(a, b)
    if a.kind == "date":
        return _prefixes(a.parts, b.parts)
    return _strings(a, b, vtype)


def _numbers(a: Parsed, b: Parsed, vtype: ValueType) -> tuple[Relation, float]:
    if a.precision < b.precision and _rounds_to(a.number, b.number, b.precision):
        return Relation.IMPLIES, 1.0
    if b.precision < a.precision and _rounds_to(b.number, a.number, a.precision):
        return Relation.IMPLIED, 1.0
    scale = max(vtype.abs_tol, vtype.rel_tol * max(abs(a.number), abs(b.number)))
    return Relation.SIMILAR, max(0.0, 1.0 - abs(a.number - b.number) / scale)


def _rounds_to(fine: float, coarse: float, step: float) -> bool:
    return abs(fine - coarse) <= step / 2 * (1 + 1e-9)


def _name_lists(a: Parsed, b: Parsed) -> tuple[Relation, float]:
    if a.parts == b.parts:  # one list ends with these names, the other goes on
        return Relation.SIMILAR, 0.0
    return _sets(set(a.parts), set(b.parts))


def _sets(a: set[str], b: set[str]) -> tuple[Relation, float]:
    if b < a:
        return Relation.IMPLIES, 1.0
    if a < b:
        return Relation.IMPLIED, 1.0
    return Relation.SIMILAR, len(a & b) / len(a | b)


def _prefixes(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[Relation, float]:
    if len(a) > len(b) and a[: len(b)] == b:
        return Relation.IMPLIES, 1.0
    if len(b) > len(a) and b[: len(a)] == a:
        return Relation.IMPLIED, 1.0
    return Relation.SIMILAR, 0.0


def _strings(a: Parsed, b: Parsed, vtype: ValueType) -> tuple[Relation, float]:
    if f" {b.key} " in f" {a.key} ":
        return Relation.IMPLIES, 1.0
    if f" {a.key} " in f" {b.key} ":
        return Relation.IMPLIED, 1.0
    floor = vtype.min_string
    ratio = Indel.normalized_similarity(a.key, b.key, score_cutoff=floor)
    return Relation.SIMILAR, 0.0 if ratio < floor else (ratio - floor) / (1.0 - floor)
