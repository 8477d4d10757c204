"""Map updates from any map expression: ``SET n = $props``, ``SET n += row.props``.

AGE 1.7 takes only a map literal or a variable on the right of ``SET n = ...`` and
``SET n += ...`` ("SET clause expects a map" for a parameter, a property or a function
call), but it takes any expression inside ``properties()``, which gives a map back as it
is and a node's or relationship's properties as openCypher's ``SET n = m`` copies them.
So the right side of each such item, unless it is a map literal, is written inside
``properties(...)``: in plain ``SET`` clauses and inside brackets (``FOREACH``,
subqueries) alike; MERGE's ``ON CREATE SET`` / ``ON MATCH SET`` items are
``kgmem.cypher.merge``'s, which wraps them the same way. The wrapping is two
insertions around the analyst's text, so the other rules' edits inside it still apply
(``toBoolean(...)`` as kgmem's conversion, a keyword property key in backticks). The
wrapped map goes through
``kgmem_cypher.settable`` first (migration 0066): AGE crashed its server process on
``SET n += null``, which now adds nothing, and on ``SET n = null``, now a type error.
"""

from __future__ import annotations

from collections.abc import Sequence

from kgmem.cypher.lexer import Kind, Token
from kgmem.cypher.structure import CLAUSE_WORDS, closing, is_keyword_at

_ENDS = CLAUSE_WORDS | {"ON"}


def rewrite(text: str, code: Sequence[Token]) -> list[tuple[int, int, str]]:
    """(start, end, replacement) edits wrapping the map of each whole-entity update."""
    pairs = closing(code)
    edits: list[tuple[int, int, str]] = []
    for index in range(len(code)):
        on_action = index >= 2 and code[index - 2].is_keyword("ON")
        if is_keyword_at(code, index, "SET") and not on_action:
            for first, last in _map_items(code, index + 1, pairs):
                replace = "true" if code[first - 1].text == "=" else "false"
                start, end = code[first].start, code[last].end
                edits.append((start, start, "properties(kgmem_cypher.settable("))
                edits.append((end, end, f", {replace}))"))
    return edits


def _map_items(code: Sequence[Token], start: int, pairs: dict[int, int]) -> list[tuple[int, int]]:
    """The (first, last) token indexes of each right side of ``var = expr`` or ``var +=
    expr`` in the SET items starting at ``start``, when ``expr`` is not a map literal."""
    found: list[tuple[int, int]] = []
    index = start
    while index < len(code):
        end = item_end(code, index, pairs)
        if _is_entity_update(code, index, end):
            first = index + 2
            literal = code[first].text == "{" and pairs.get(first) == end - 1
            if not literal:
                found.append((first, end - 1))
        if end >= len(code) or code[end].text != ",":
            break
        index = end + 1
    return found


def _is_entity_update(code: Sequence[Token], index: int, end: int) -> bool:
    """``code[index:end]`` is ``name = expr`` or ``name += expr`` (not ``name.key = ...``
    nor a label ``name:Label``)."""
    return (
        end - index >= 3
        and code[index].kind is Kind.NAME
        and code[index + 1].kind is Kind.PUNCT
        and code[index + 1].text in ("=", "+=")
    )


def item_end(code: Sequence[Token], index: int, pairs: dict[int, int]) -> int:
    """The index just past the SET item starting at ``index``: at a comma, a clause word
    or a closing bracket of the enclosing level, or the end."""
    while index < len(code):
        token = code[index]
        if token.kind is Kind.PUNCT and token.text in "([{":
            index = pairs.get(index, len(code) - 1) + 1
            continue
        if token.kind is Kind.PUNCT and token.text in ",)]}|":
            return index
        if is_keyword_at(code, index, *_ENDS):
            return index
        index += 1
    return index
