"""Components of temporal values read from the graph: ``n.born.year``.

kgmem stores a temporal value as its ISO 8601 text (``kgmem.cypher.temporal_sql``),
so AGE reads ``n.born.year`` as a key of a string and answers an error. A component
name (``year``, ``epochMillis``, ``days``, ...) read from a property of a property
(``x.p.year``, ``$m.p.epochMillis``, ``n.a.b.month``) therefore becomes

    CASE WHEN kgmem_cypher.compare3(x.p, '>=', '') THEN kgmem_cypher.part(x.p, 'year')
         ELSE x.p.year END

``compare3(v, '>=', '')`` is true for every string and null for any other type, so a
string is read as a temporal value (a string that is none is a type error, as
openCypher says) while a map keeps its key (``n.meta.year`` on ``{year: 1}`` is 1) and
null stays null. A component read directly from a variable (``WITH n.born AS b RETURN
b.year``) is read the same way, unless a pattern binds the variable (``MATCH (m) RETURN
m.year`` reads a property, and keeps its index); a temporal constant's (``d =
date('2020-01-01')``) was already folded (``kgmem.cypher.fold``). Method calls
(``date.truncate(...)``) are left alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from kgmem.cypher.columns import pattern_variables
from kgmem.cypher.lexer import Kind, Token
from kgmem.cypher.property_keys import KEYWORDS
from kgmem.cypher.spans import Edit, scan
from kgmem.cypher.structure import each_clause
from kgmem.cypher.temporal_sql import SCHEMA

# openCypher's component names of dates, times, datetimes and durations.
COMPONENTS = frozenset({
    "year", "quarter", "month", "week", "weekYear", "day", "ordinalDay", "dayOfWeek",
    "weekDay", "dayOfQuarter", "hour", "minute", "second", "millisecond", "microsecond",
    "nanosecond", "timezone", "offset", "offsetMinutes", "offsetSeconds", "epochMillis",
    "epochSeconds", "years", "quarters", "months", "weeks", "days", "hours", "minutes",
    "seconds", "milliseconds", "microseconds", "nanoseconds", "monthsOfYear",
    "monthsOfQuarter", "quartersOfYear", "daysOfWeek", "minutesOfHour", "secondsOfMinute",
    "millisecondsOfSecond", "microsecondsOfSecond", "nanosecondsOfSecond",
})  # fmt: skip

_BASES = (Kind.NAME, Kind.QUOTED_NAME, Kind.PARAMETER)
_PATTERNS = ("MATCH", "OPTIONAL MATCH", "CREATE", "MERGE")
_KEYS = (Kind.NAME, Kind.QUOTED_NAME)


def rewrite(text: str, code: Sequence[Token]) -> list[tuple[int, int, str]]:
    """(start, end, replacement) edits reading each component of a property's value, or
    of a variable no pattern binds, as a temporal component when the value is a string."""
    if not any(t.kind is Kind.NAME and t.text in COMPONENTS for t in code):
        return []
    bound = _pattern_bound(code)
    return scan(len(code), partial(_chain_at, code, bound))


def _pattern_bound(code: Sequence[Token]) -> set[str]:
    """The variables the query's patterns bind (nodes, relationships, paths)."""
    found: set[str] = set()
    for placed in each_clause(code, *_PATTERNS):
        found |= pattern_variables(placed.clause.body)
    return found


def _chain_at(code: Sequence[Token], bound: set[str], base: int) -> tuple[Edit, int] | None:
    end = _chain_end(code, bound, base)
    return None if end is None else (_edit(code, base, end), end)


def _chain_end(code: Sequence[Token], bound: set[str], base: int) -> int | None:
    """The index after ``base.p1...pk.component`` starting at ``base`` (k >= 1, or k = 0
    for a variable no pattern binds), or None."""
    if code[base].kind not in _BASES:
        return None
    if base > 0 and code[base - 1].text in (".", ":"):
        return None
    steps, at = 0, base + 1
    while at + 1 < len(code) and code[at].text == "." and code[at + 1].kind in _KEYS:
        steps, at = steps + 1, at + 2
    if at < len(code) and code[at].text == "(":
        return None  # a qualified function name
    if code[at - 1].kind is not Kind.NAME or code[at - 1].text not in COMPONENTS:
        return None
    unbound = code[base].kind is Kind.NAME and code[base].name not in bound
    return at if steps >= 2 or (steps == 1 and unbound) else None


def _edit(code: Sequence[Token], base: int, end: int) -> Edit:
    value = "".join(_key(t) for t in code[base : end - 2])
    member = code[end - 1].text
    replacement = (
        f"(CASE WHEN {SCHEMA}.compare3({value}, '>=', '') "
        f"THEN {SCHEMA}.part({value}, '{member}') ELSE {value}.{_key(code[end - 1])} END)"
    )
    return code[base].start, code[end - 1].end, replacement


def _key(token: Token) -> str:
    """The token as AGE reads it after a dot (keyword keys in backticks)."""
    if token.kind is Kind.NAME and token.upper in KEYWORDS:
        return f"`{token.text}`"
    return token.text
