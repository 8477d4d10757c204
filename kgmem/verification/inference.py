"""Which kind of value a predicate holds, read from its claimed values when the graph
schema declares none.

Consensus compares values by their kind (``kgmem.verification.canonical``): an author
list written "Han, J.; Kamber, M." is the list "Micheline Kamber and Jiawei Han" only
when the predicate's values are read as lists of names. A declaration
(``value = "names"``) says so; without one, ``infer`` looks at a sample of the values
and picks the first reading that fits enough of them:

``number``    at least ``SHARE`` of the values parse as numbers (units and scale words
              allowed), and no more of them read as dates with a month;
``date``      at least ``SHARE`` parse as dates (ISO, "May 3, 2007", "05/03/2007", a
              bare year); a set of bare years alone reads as numbers;
``names``     at least ``NAME_SHARE`` read as lists of people (each one to four words,
              capitalised or particles such as "van", no digits) and at least
              ``MARK_SHARE`` carry a mark of a name list: a list separator (";", "&",
              "/", "and"), an initial ("J."), "by" or a role such as "(Author)" or
              "(Contributor)"; a comma alone is no mark ("Paris, France" reads like
              "Last, First"); life dates ("Ullman, Jeffrey D., 1942-") are allowed.
              No mark is needed when the predicate is named for the people who made
              a work ("authors", "editor", "hasCreator"): there single names such as
              "Jeffrey Ullman" are what its values are expected to be;
``category``  short strings (at most ``CATEGORY_WORDS`` words on average);
``text``      anything else.

Marks of a missing value ("N/A", "Not Available", "-", ``canonical.MISSING``) are left
out of the sample: they say nothing of the kind.

``category`` and ``text`` both compare as strings (case, accents and punctuation
folded); the distinction is shown to the reader. The result carries the evidence in
words ("94% of 480 values read as lists of personal names ..."), so anyone can check
the reading, and it is deterministic: the same values give the same kind.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from kgmem.schema.graph_schema import ValueType
from kgmem.verification import names
from kgmem.verification.canonical import missing, parse

SHARE = 0.7
NAME_SHARE = 0.7
MARK_SHARE = 0.2
CATEGORY_WORDS = 4.0
SAMPLE = 500
"""How many values a predicate's kind is read from (its first facts, by fact id)."""

KINDS = ("number", "date", "names", "category", "text")
_TYPE = {"number": "number", "date": "date", "names": "names", "category": "string"}
_NUMBER, _DATE = ValueType(kind="number"), ValueType(kind="date")
_MARK = re.compile(
    r";|/|&|\||\+|\band\b|\bwith\b|\bby\b|\bet\.?\s+al\b|\((?:author|editor|ed|edt|aut|"
    r"contributor|translator|illustrator|compiler|foreword|introduction)s?\.?\)",
    re.IGNORECASE,
)
_PEOPLE_WORDS = frozenset(
    f"{w}{s}"
    for w in ("author", "coauthor", "writer", "editor", "creator", "contributor", "translator")
    for s in ("", "s")
)
"""Words of a predicate named for the people who made a work ("authors", "book_author",
"hasEditor")."""
_NAME_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")
_INITIAL = re.compile(r"(?<![^\W\d_])[A-Z]\.")
_UNIT = re.compile(r"\d\s*([^\W\d_][^\d]*|%|°[^\d]*)$")
_WORDS = re.compile(r"[^\W_]+")


@dataclass(frozen=True, slots=True)
class Inferred:
    """A predicate's value kind and why: ``kind`` one of ``KINDS`` (``auto`` with no
    values to read), ``declared`` when the graph schema says it, ``values`` the sampled
    values read, ``share`` the share of them that fit the kind, ``evidence`` in words,
    and ``vtype`` how consensus compares the values."""

    kind: str
    declared: bool
    values: int
    share: float
    evidence: str
    vtype: ValueType


def declared(vtype: ValueType) -> Inferred:
    """The kind a declaration gives (``string`` reads as ``text``)."""
    kind = "text" if vtype.kind == "string" else vtype.kind
    return Inferred(kind, True, 0, 1.0, "declared in the graph schema", vtype)


def infer(texts: Sequence[str], predicate: str = "") -> Inferred:
    """The kind of values ``texts`` are, with the evidence (see the module text);
    ``predicate``, the name of the predicate they are claimed for."""
    sample = [t for t in texts if not missing(t)]  # "N/A" says nothing of the kind
    people_named = any(w.lower() in _PEOPLE_WORDS for w in _NAME_WORD.findall(predicate))
    found = _read(sample, people_named)
    marks = sum(bool(t.strip()) for t in texts) - len(sample)
    if not marks:
        return found
    left_out = f"{_count(marks).replace('value', 'mark')} of a missing value left out"
    return replace(found, evidence=f"{found.evidence}; {left_out}")


def _read(sample: Sequence[str], people_named: bool) -> Inferred:
    n = len(sample)
    if n == 0:
        return Inferred("auto", False, 0, 0.0, "no values to read yet", ValueType())
    numbers = [t for t in sample if parse(t, _NUMBER).kind == "number"]
    dates = [parse(t, _DATE) for t in sample]
    months = sum(d.kind == "date" and len(d.parts) > 1 for d in dates)
    if len(numbers) >= SHARE * n and len(numbers) >= months:
        return _found("number", len(numbers), n, f"parse as numbers{_units(numbers)}")
    dated = sum(d.kind == "date" for d in dates)
    if dated >= SHARE * n:
        return _found("date", dated, n, f"parse as dates ({_pct(months, n)} with a month)")
    people, marked = _name_lists(sample)
    if people >= NAME_SHARE * n and (marked >= MARK_SHARE * n or people_named):
        what = f"read as lists of personal names ({_pct(marked, n)} with list separators,"
        what += " initials, 'by' or '(Author)'"
        if marked < MARK_SHARE * n:
            what += "; the predicate's name names people, so no such mark is needed"
        return _found("names", people, n, f"{what})")
    return _strings(sample)


def _found(kind: str, hits: int, n: int, what: str) -> Inferred:
    evidence = f"{_pct(hits, n)} of {_count(n)} {what}"
    return Inferred(kind, False, n, hits / n, evidence, ValueType(kind=_TYPE[kind]))


def _pct(part: int, whole: int) -> str:
    return f"{part / whole:.0%}"


def _count(n: int) -> str:
    return f"{n} value" if n == 1 else f"{n} values"


def _units(numbers: Sequence[str]) -> str:
    """The commonest units written after the numbers, for the evidence."""
    counts: dict[str, int] = {}
    for t in numbers:
        if m := _UNIT.search(t.strip()):
            unit = m.group(1).strip()
            counts[unit] = counts.get(unit, 0) + 1
    common = sorted(counts, key=lambda u: (-counts[u], u))[:3]
    return f" (units: {', '.join(common)})" if common else ""


def _name_lists(texts: Sequence[str]) -> tuple[int, int]:
    """How many of ``texts`` read as lists of people, and how many of those carry a
    mark of a name list."""
    people = marked = 0
    for text in texts:
        if any(ch.isdigit() for ch in names.LIFE_DATES.sub("", text)) or not _people(text):
            continue
        people += 1
        marked += bool(_MARK.search(text) or _INITIAL.search(text))
    return people, marked


def _people(text: str) -> bool:
    """Whether every person ``text`` lists looks like a personal name."""
    found, upper = names.people(text)
    return bool(found) and all(_person(words, upper) for words in found)


def _person(words: list[str], upper: bool) -> bool:
    if not 1 <= len(words) <= 4:
        return False
    if upper:
        return True
    return all(w[0].isupper() or w.lower() in names.PARTICLES for w in words)


def _strings(texts: Sequence[str]) -> Inferred:
    """``category`` for short strings, else ``text``; both compare as strings."""
    words = [len(_WORDS.findall(t)) for t in texts]
    mean = sum(words) / len(words)
    distinct = len({" ".join(_WORDS.findall(t.lower())) for t in texts})
    n = len(texts)
    detail = f"{_count(n)}, {distinct} distinct, {mean:.1f} words on average"
    if mean <= CATEGORY_WORDS:
        evidence = f"{detail}: short labels, compared as strings"
        return Inferred("category", False, n, 1.0, evidence, ValueType(kind="string"))
    evidence = f"{detail}: free text, compared as strings"
    return Inferred("text", False, n, 1.0, evidence, ValueType(kind="string"))
