"""Relationships written with both arrowheads (``(a)<-->(b)``, ``(a)<-[r:T]->(b)``),
which openCypher reads as either direction and AGE 1.7 does not parse.

kgmem writes them without arrowheads, ``(a)--(b)`` and ``(a)-[r:T]-(b)``, the same
pattern (``kgmem.cypher.undirected`` then plans it from its bound end). CREATE still
refuses a relationship without a direction, as Neo4j does.
"""

from __future__ import annotations

from collections.abc import Sequence

from kgmem.cypher.lexer import Token
from kgmem.cypher.spans import Edit, splice
from kgmem.cypher.structure import closing


def rewrite(text: str, code: Sequence[Token]) -> str:
    """``text`` (whose tokens are ``code``) with each both-ways arrow written undirected."""
    if "<-" not in text or "->" not in text:
        return text
    pairs = closing(code)
    edits: list[Edit] = []
    for index, token in enumerate(code[:-1]):
        if token.text != "<-":
            continue
        following = code[index + 1]
        if following.text == "->":  # <-->
            edits.append((token.start, following.end, "--"))
            continue
        close = pairs.get(index + 1) if following.text == "[" else None
        if close is not None and close + 1 < len(code) and code[close + 1].text == "->":
            head = code[close + 1]
            edits.extend([(token.start, token.end, "-"), (head.start, head.end, "-")])
    return splice(text, edits) if edits else text
