"""Neo4j's vector functions, answered by kgmem's SQL functions (migration
``0029_neo4j_vectors``), which AGE calls with agtype arguments::

    RETURN vector.similarity.cosine(a.embedding, $q) AS s
    RETURN kgmem_neo4j.similarity_cosine(a.embedding, $q) AS s

- ``vector.similarity.cosine(a, b)``: ``(1 + cos) / 2``; ``vector.similarity.euclidean(a,
  b)``: ``1 / (1 + d^2)``; null for a null argument, an error for vectors of different
  dimensions or anything but lists of finite numbers.
- ``vector(v, d)``: ``v`` when it is a list of finite numbers (of ``d`` of them when
  ``d`` > 0), an error otherwise: what ``db.create.setNodeVectorProperty`` becomes
  (``kgmem.neo4j_schema.vector_writes``). Neo4j's own ``vector()`` (Cypher 25) also
  takes a coordinate type and makes a VECTOR value; kgmem's keeps a list.

The guard lets the two dotted names through (``DOTTED``); any other schema-qualified
call stays refused.
"""

from __future__ import annotations

from collections.abc import Sequence

from kgmem.cypher.functions import called, within_dotted
from kgmem.cypher.lexer import Kind, Token

SCHEMA = "kgmem_neo4j"
DOTTED: dict[tuple[str, ...], str] = {
    ("vector", "similarity", "cosine"): "similarity_cosine",
    ("vector", "similarity", "euclidean"): "similarity_euclidean",
}
"""Neo4j's dotted function names (lower case) and kgmem's SQL function for each."""


def dotted_at(tokens: Sequence[Token], index: int) -> int:
    """How many tokens the dotted function name starting at ``index`` spans (0: none),
    up to but not including its ``(``."""
    parts = tokens[index : index + 6 : 2]
    dots = tokens[index + 1 : index + 5 : 2]
    if len(parts) < 3 or len(tokens) <= index + 5 or tokens[index + 5].text != "(":
        return 0
    if any(t.kind is not Kind.NAME for t in parts) or any(t.text != "." for t in dots):
        return 0
    if index > 0 and tokens[index - 1].text in (".", ":"):
        return 0
    return 5 if tuple(t.text.lower() for t in parts) in DOTTED else 0


def inside_dotted(tokens: Sequence[Token], index: int) -> bool:
    """Whether ``tokens[index]`` is part of a dotted name ``dotted_at`` recognises."""
    return within_dotted(tokens, index, dotted_at, 5)


def rewrite(text: str, code: Sequence[Token]) -> list[tuple[int, int, str]]:
    """(start, end, replacement) edits naming kgmem's SQL function in each call."""
    if "vector" not in text.lower():
        return []
    edits = []
    for index, token in enumerate(code):
        span = dotted_at(code, index)
        if span:
            parts = tuple(t.text.lower() for t in code[index : index + 5 : 2])
            edits.append((token.start, code[index + 4].end, f"{SCHEMA}.{DOTTED[parts]}"))
        elif (called(code, index) or "").lower() == "vector":
            edits.append((token.start, token.end, f"{SCHEMA}.vector_value"))
    return edits
