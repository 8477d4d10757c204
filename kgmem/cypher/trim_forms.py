"""The two call forms of Neo4j 5's string functions that are not a plain list of
arguments, as calls of kgmem's SQL functions (migration ``0061_cypher_string_functions``)::

    trim(LEADING 'x' FROM s)   ->  kgmem_cypher.trim_character('leading', ('x'), s)
    trim(TRAILING FROM s)      ->  kgmem_cypher.rtrim(s)
    normalize(s, NFKC)         ->  kgmem_cypher.normalize(s, 'NFKC')
    normalize(s)               ->  kgmem_cypher.normalize(s, 'NFC')

``trim`` with ``FROM`` removes one given character (exactly one: Neo4j's
ArgumentError otherwise), or whitespace when none is given, from the side its keyword
names (both by default). ``normalize``'s second argument is a keyword, not a string.
``kgmem.cypher.neo4j_functions`` calls ``edits`` for these two names.
"""

from __future__ import annotations

from collections.abc import Sequence

from kgmem.cypher.lexer import Kind, Token
from kgmem.cypher.temporal_sql import SCHEMA

Edit = tuple[int, int, str]

_SIDES = {"LEADING": "leading", "TRAILING": "trailing", "BOTH": "both"}
_WHITESPACE = {"leading": "ltrim", "trailing": "rtrim", "both": "trim"}
FORMS = ("NFC", "NFD", "NFKC", "NFKD")


def edits(code: Sequence[Token], index: int, close: int) -> list[Edit] | None:
    """The edits of the call whose name is ``code[index]`` and whose closing bracket is
    ``code[close]``, or None when it is the plain form (a list of arguments)."""
    name = code[index].text.lower()
    if name == "trim":
        return _trim(code, index, close)
    if name == "normalize":
        return _normalize(code, index, close)
    return None


def _top_level(code: Sequence[Token], start: int, end: int) -> list[int]:
    """The indexes between ``start`` and ``end`` at the call's own depth."""
    depth, found = 0, []
    for at in range(start, end):
        text = code[at].text if code[at].kind is Kind.PUNCT else ""
        if text in ("(", "[", "{"):
            depth += 1
        elif text in (")", "]", "}"):
            depth -= 1
        elif depth == 0:
            found.append(at)
    return found


def _trim(code: Sequence[Token], index: int, close: int) -> list[Edit] | None:
    inside = _top_level(code, index + 2, close)
    froms = [at for at in inside if code[at].is_keyword("FROM")]
    if not froms:
        return None
    keyword = froms[0]
    first = index + 2
    side = "both"
    if first < keyword and code[first].upper in _SIDES and code[first].kind is Kind.NAME:
        side = _SIDES[code[first].upper]
        first += 1
    start = code[index].start
    after = code[keyword + 1].start
    if first == keyword:  # no character given: whitespace
        return [(start, after, f"{SCHEMA}.{_WHITESPACE[side]}(")]
    call = f"{SCHEMA}.trim_character('{side}', ("
    return [(start, code[first].start, call), (code[keyword - 1].end, after, "), ")]


def _normalize(code: Sequence[Token], index: int, close: int) -> list[Edit]:
    inside = _top_level(code, index + 2, close)
    commas = [at for at in inside if code[at].text == "," and code[at].kind is Kind.PUNCT]
    rename = (code[index].start, code[index].end, f"{SCHEMA}.normalize")
    if not commas:
        return [rename, (code[close].start, code[close].start, ", 'NFC'")]
    form = code[commas[0] + 1]
    if form.kind is Kind.NAME and form.upper in FORMS and commas[0] + 2 == close:
        return [rename, (form.start, form.end, f"'{form.upper}'")]
    return [rename]
