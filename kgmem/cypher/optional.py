"""A query that starts with OPTIONAL MATCH answers one row when nothing matches.

In openCypher ``OPTIONAL MATCH (n:Missing) RETURN n`` answers one row whose ``n`` is
null, and SET, REMOVE and DELETE reached through that null do nothing. AGE 1.7 runs a
leading OPTIONAL MATCH as a plain MATCH, so it answers no row at all (and ``count(n)``
no count). An OPTIONAL MATCH that follows another clause is a left join in AGE and
keeps the row, so kgmem gives a leading one a clause to follow, a single row of its own::

    OPTIONAL MATCH (n:Missing) RETURN n
    WITH 0 AS __kgmem_o OPTIONAL MATCH (n:Missing) RETURN n

The name is kgmem's (the guard refuses ``__kgmem_`` in analyst text) and ``RETURN *``
is expanded from the variables the analyst bound, so it never reaches a result.
"""

from __future__ import annotations

from collections.abc import Sequence

from kgmem.cypher.lexer import Token
from kgmem.cypher.structure import union_parts

LEAD = "WITH 0 AS __kgmem_o "


def rewrite(text: str, code: Sequence[Token]) -> list[tuple[int, int, str]]:
    """(start, end, replacement) edits putting a one-row clause before each leading
    OPTIONAL MATCH (each part of a UNION on its own)."""
    edits: list[tuple[int, int, str]] = []
    for part in union_parts(code):
        if len(part) > 1 and part[0].is_keyword("OPTIONAL") and part[1].is_keyword("MATCH"):
            edits.append((part[0].start, part[0].start, LEAD))
    return edits
