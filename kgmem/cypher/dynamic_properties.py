"""``SET n[key] = value`` and ``REMOVE n[key]``: a property key the query computes.

AGE 1.7 takes only ``n.name`` as the target of a SET or REMOVE item ("SET clause
expects a property name"), but it takes any map inside ``properties()`` on the right of
``SET n += ...``, where a null value removes the key. So a dynamic item becomes that
map update, built by the SQL function ``kgmem_cypher.property_entry(key, value)``
(migration 0055), which is ``{key: value}`` and raises Neo4j's type error for a key
that is not a string::

    SET n[$key] = $value, r[k + 'Copy'] = 1
    SET n += properties(kgmem_cypher.property_entry([($key)][0], [($value)][0])),
        r += properties(kgmem_cypher.property_entry([(k + 'Copy')][0], [(1)][0]))

    REMOVE n.a, n[$key], n.b
    REMOVE n.a SET n += properties(kgmem_cypher.property_entry([($key)][0], null)) REMOVE n.b

It runs on the text the other rules produced (their edits inside the key and the value
stay), before the rewrites that read SET items as ``n += ...``
(``kgmem.cypher.fresh_sets``); MERGE's ``ON CREATE SET n[k] = v`` is
``kgmem.cypher.merge``'s.
"""

from __future__ import annotations

from collections.abc import Sequence

from kgmem.cypher.lexer import Kind, Token
from kgmem.cypher.map_updates import item_end
from kgmem.cypher.spans import Edit, splice
from kgmem.cypher.structure import closing, is_keyword_at

FUNCTION = "kgmem_cypher.property_entry"
# Each argument as ``[(x)][0]``: AGE computes comparisons and NOT, AND, IS NULL ... as
# PostgreSQL booleans, which no agtype parameter takes; a list literal converts them.
_OPEN = f" += properties({FUNCTION}([("


def rewrite(text: str, code: Sequence[Token]) -> str:
    """``text`` with every dynamic SET or REMOVE item written as a map update."""
    if not any(t.text == "[" for t in code):
        return text
    pairs = closing(code)
    edits: list[Edit] = []
    for index in range(len(code)):
        if is_keyword_at(code, index, "SET", "REMOVE"):
            edits.extend(_clause(code, index, pairs))
    return splice(text, edits) if edits else text


def _clause(code: Sequence[Token], keyword: int, pairs: dict[int, int]) -> list[Edit]:
    """The edits of the items after the SET or REMOVE at ``code[keyword]``."""
    removing = code[keyword].upper == "REMOVE"
    edits: list[Edit] = []
    before, previous = keyword, False
    while before < len(code):
        start = before + 1
        end = item_end(code, start, pairs)
        close = _dynamic(code, start, end, pairs, removing=removing)
        if removing:
            edits.extend(_separator(code[before], first=before == keyword, now=close, was=previous))
        if close is not None:
            edits.extend(_item(code, start, close, end, removing=removing))
        previous = close is not None
        if end >= len(code) or code[end].text != ",":
            break
        before = end
    return edits


def _dynamic(
    code: Sequence[Token], start: int, end: int, pairs: dict[int, int], *, removing: bool
) -> int | None:
    """The index of the ``]`` of a ``name[key] = value`` item (``name[key]`` when
    ``removing``) spanning ``code[start:end]``, or None for any other item."""
    if end - start < 4 or code[start].kind not in (Kind.NAME, Kind.QUOTED_NAME):
        return None
    if code[start + 1].text != "[":
        return None
    close = pairs.get(start + 1)
    if close is None or close == start + 2:
        return None
    if removing:
        return close if close + 1 == end else None
    return close if close + 2 < end and code[close + 1].text == "=" else None


def _item(code: Sequence[Token], start: int, close: int, end: int, *, removing: bool) -> list[Edit]:
    """The edits turning one dynamic item into ``name += properties(entry(key, value))``."""
    bracket = code[start + 1]
    if removing:
        return [
            (bracket.start, bracket.end, _OPEN),
            (code[close].start, code[close].end, ")][0], null))"),
        ]
    last = code[end - 1].end
    return [
        (bracket.start, bracket.end, _OPEN),
        (code[close].start, code[close + 2].start, ")][0], [("),
        (last, last, ")][0]))"),
    ]


def _separator(token: Token, *, first: bool, now: int | None, was: bool) -> list[Edit]:
    """In a REMOVE clause, the keyword or comma before an item: SET where dynamic items
    start, REMOVE again where property items follow them."""
    if now is not None and (first or not was):
        return [(token.start, token.end, "SET" if first else " SET")]
    if now is None and was:
        return [(token.start, token.end, " REMOVE")]
    return []
