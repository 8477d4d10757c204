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
null stays null. A component read directly from a variable (``d.year``) is the
temporal folding's (``kgmem.cypher.fold``) and is left alone, as are method calls
(``date.truncate(...)``).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from kgmem.cypher.lexer import Kind, Token
from kgmem.cypher.property_keys import KEYWORDS
from kgmem.cypher.spans import Edit, scan
from kgmem.cypher.temporal_sql import SCHEMA

# openCypher's component names of dates, times, datetimes and durations.
COMPONENTS = frozenset({
    "year", "quarter", "month", "week", "weekYear", "day", "ordinalDay", "dayOfWeek",
    "weekDay", "dayOfQuarter", "hour", "minute", "second", "millisecond", "microsecond",
    "nanosecond", "timezone", "offset", "offsetMinutes", "offsetSeconds", "epochMillis",
    "epochSeconds", "years", "quarters", "months", "weeks", "days", "hours", "minutes",
    "seconds", "milliseconds", "microseconds", "nanoseconds", "monthsOfYear",
    "monthsOfQuarter", "daysOfWeek", "minutesOfHour", "secondsOfMinute",
    "millisecondsOfSecond", "microsecondsOfSecond", "nanosecondsOfSecond",
})  # fmt: skip

_BASES = (Kind.NAME, Kind.QUOTED_NAME, Kind.PARAMETER)
_KEYS = (Kind.NAME, Kind.QUOTED_NAME)


def rewrite(text: str, code: Sequence[Token]) -> list[tuple[int, int, str]]:
    """(start, end, replacement) edits reading each component of a property's value as
    a temporal component when the value is a string."""
    return scan(len(code), partial(_chain_at, code))


def _chain_at(code: Sequence[Token], base: int) -> tuple[Edit, int] | None:
    end = _chain_end(code, base)
    return None if end is None else (_edit(code, base, end), end)


def _chain_end(code: Sequence[Token], base: int) -> int | None:
    """The index after ``base.p1...pk.component`` (k >= 1) starting at ``base``, or None."""
    if code[base].kind not in _BASES:
        return None
    if base > 0 and code[base - 1].text in (".", ":"):
        return None
    steps, at = 0, base + 1
    while at + 1 < len(code) and code[at].text == "." and code[at + 1].kind in _KEYS:
        steps, at = steps + 1, at + 2
    if at < len(code) and code[at].text == "(":
        return None  # a qualified function name
    if steps < 2 or code[at - 1].kind is not Kind.NAME or code[at - 1].text not in COMPONENTS:
        return None
    return at


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
