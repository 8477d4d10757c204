"""A CREATE whose later parts read what its earlier parts create.

openCypher creates the parts of ``CREATE (a {id: 0}), (b {num: a.id})`` in order, so
the second reads the first's properties. AGE 1.7 resolves every property map of the
clause before it creates anything ("could not find rte for a"). kgmem splits the clause
before each part whose property maps read a variable an earlier part of the same
clause binds; two CREATE clauses in a row create the same::

    CREATE (a {id: 0}), (:X), (b {num: a.id}), (a)-[:R]->(b)
    CREATE (a {id: 0}), (:X) CREATE (b {num: a.id}), (a)-[:R]->(b)
"""

from __future__ import annotations

from collections.abc import Sequence

from kgmem.cypher.columns import pattern_variables
from kgmem.cypher.lexer import Kind, Token
from kgmem.cypher.spans import Edit
from kgmem.cypher.structure import each_clause, split_top_level


def rewrite(text: str, code: Sequence[Token]) -> list[Edit]:
    """(start, end, replacement) edits turning each such separating comma into CREATE."""
    if "create" not in text.lower():
        return []
    edits: list[Edit] = []
    for placed in each_clause(code, "CREATE"):
        bound: set[str] = set()
        for part in split_top_level(list(placed.clause.body)):
            if not part:
                break
            if bound & _read_in_maps(part):
                comma = _comma_before(code, part[0])
                if comma is not None:
                    edits.append((comma.start, comma.end, " CREATE"))
                bound = set()
            bound |= pattern_variables(part)
    return edits


def _read_in_maps(part: Sequence[Token]) -> set[str]:
    """The variables the property maps of ``part`` read (not keys, not functions)."""
    found: set[str] = set()
    braces = 0
    for index, token in enumerate(part):
        if token.kind is Kind.PUNCT and token.text in "{}":
            braces += 1 if token.text == "{" else -1
            continue
        if braces <= 0 or token.kind not in (Kind.NAME, Kind.QUOTED_NAME):
            continue
        before = part[index - 1].text if index else ""
        after = part[index + 1].text if index + 1 < len(part) else ""
        if before != "." and after not in (":", "("):
            found.add(token.name)
    return found


def _comma_before(code: Sequence[Token], first: Token) -> Token | None:
    for index, token in enumerate(code):
        if token is first:
            return code[index - 1] if index and code[index - 1].text == "," else None
    return None
