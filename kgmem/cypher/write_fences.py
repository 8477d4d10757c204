"""A filter after a write sees the written rows, and never undoes the write.

AGE runs CREATE, MERGE, SET, REMOVE and DELETE as plan nodes of the SQL query, and
PostgreSQL may push a later filter below them: the filter then runs on the rows
*before* the write. ``UNWIND [1, 2, 3] AS x CREATE (n {num: x}) WITH n WHERE n.num > 1
RETURN n`` reads ``n.num`` of nodes not yet created, keeps no row, and so creates no
node at all; ``... DELETE n WITH num WHERE num % 2 = 0`` deletes only the rows the
filter keeps. openCypher runs every write on every row that reaches it, whatever a
later clause keeps.

kgmem puts ``WITH * SKIP 0`` after each run of writing clauses that a filtering clause
(``WHERE``, ``MATCH``, ``OPTIONAL MATCH``) follows. It passes every variable and every
row on unchanged, and PostgreSQL never pushes a filter into a subquery with an OFFSET,
so the filter runs on what the writes produced::

    UNWIND [1, 2, 3] AS x CREATE (n {num: x}) WITH n WHERE n.num > 1 RETURN n
    UNWIND [1, 2, 3] AS x CREATE (n {num: x}) WITH * SKIP 0 WITH n WHERE n.num > 1 RETURN n
"""

from __future__ import annotations

from collections.abc import Sequence

from kgmem.cypher.lexer import Token
from kgmem.cypher.spans import Edit, splice
from kgmem.cypher.structure import WRITE_WORDS, Clause, clauses, union_parts

FENCE = "WITH * SKIP 0 "
# The keywords of writing clauses as ``clauses`` names them (DETACH DELETE joined).
WRITES = WRITE_WORDS | {"DETACH DELETE"}
_FILTERS = frozenset({"WHERE", "MATCH", "OPTIONAL MATCH"})


def rewrite(text: str, code: Sequence[Token]) -> str:
    """``text`` (whose tokens are ``code``) with a fence after each run of writes that
    a filtering clause follows."""
    if not any(t.upper in WRITE_WORDS for t in code):
        return text
    edits: list[Edit] = []
    for part in union_parts(code):
        edits.extend(_fences(clauses(part)))
    return splice(text, edits)


def _fences(found: Sequence[Clause]) -> list[Edit]:
    """Insertions before the first clause after each run of writes, where a filtering
    clause comes later in the branch."""
    edits: list[Edit] = []
    for index in range(1, len(found)):
        clause, before = found[index], found[index - 1]
        if before.keyword not in WRITES or clause.keyword in WRITES:
            continue
        if any(later.keyword in _FILTERS for later in found[index:]):
            start = clause.tokens[0].start
            edits.append((start, start, FENCE))
    return edits
