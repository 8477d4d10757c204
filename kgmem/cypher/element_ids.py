"""``elementId(x)``: a node's or relationship's element id, as the driver reports it.

kgmem's element ids are AGE's graph ids written as text (``kgmem.bolt.values`` sends
the same), so ``elementId(n)`` is ``toString(id(n))``. A comparison that looks an
element up, ``elementId(n) = expr`` (the way libraries find what they wrote), is
written ``id(n) = toInteger(expr)`` instead, which the graph id's index answers (an
id that is not kgmem's, such as another database's ``4:...:12``, matches nothing, as
in Neo4j)::

    MATCH (n) WHERE elementId(n) = row.id SET n.seen = true
    MATCH (n) WHERE id(n) = kgmem_cypher.to_integer(row.id) SET n.seen = true
"""

from __future__ import annotations

from collections.abc import Sequence

from kgmem.cypher.functions import called
from kgmem.cypher.lexer import Kind, Token
from kgmem.cypher.property_keys import quoted
from kgmem.cypher.structure import CLAUSE_WORDS, closing
from kgmem.cypher.temporal_sql import SCHEMA

# Where the right side of ``elementId(x) = ...`` ends, at its own bracket depth.
_ENDS = CLAUSE_WORDS | {"AND", "OR", "XOR", "THEN", "ELSE", "END", "WHEN", "AS", "IS", "IN"}
_STOPS = {",", ")", "]", "}", "=", "<>", "<", ">", "<=", ">=", "|", ";"}


def rewrite(text: str, code: Sequence[Token]) -> list[tuple[int, int, str]]:
    """(start, end, replacement) edits writing each ``elementId`` call in AGE's terms."""
    if "elementid" not in text.lower():
        return []
    pairs = closing(code)
    edits: list[tuple[int, int, str]] = []
    for index, token in enumerate(code):
        if (called(code, index) or "").lower() != "elementid":
            continue
        close = pairs.get(index + 1)
        if close is None:
            continue
        inner = quoted(text, code[index + 2 : close])
        after = close + 1
        if after < len(code) and code[after].text == "=" and after + 1 < len(code):
            end = _operand_end(code, after + 1, pairs)
            if end > after + 1:
                edits.append((token.start, code[after].end, f"id({inner}) = {SCHEMA}.to_integer("))
                edits.append((code[end - 1].end, code[end - 1].end, ")"))
                continue
        edits.append((token.start, code[close].end, f"{SCHEMA}.to_string(id({inner}))"))
    return edits


def _operand_end(code: Sequence[Token], index: int, pairs: dict[int, int]) -> int:
    """The index just past the comparison operand starting at ``index``."""
    while index < len(code):
        token = code[index]
        if token.kind is Kind.PUNCT and token.text in "([{":
            index = pairs.get(index, len(code) - 1) + 1
            continue
        if token.kind is Kind.PUNCT and token.text in _STOPS:
            return index
        if token.kind is Kind.NAME and token.upper in _ENDS and code[index - 1].text != ".":
            return index
        index += 1
    return index
