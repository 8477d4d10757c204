"""A MATCH after a write never stops the write from running.

AGE runs CREATE, MERGE, SET, REMOVE and DELETE as plan nodes of one SQL query, and a
MATCH after them joins their rows with its pattern. PostgreSQL may put the write on the
inner side of that join: when the pattern finds nothing (an empty relationship type,
``CREATE (a:P)-[:T]->(b:P) WITH a MATCH ()-[r:T]->() RETURN count(r)`` on its first
use), or when it names a label the graph does not have (AGE plans such a pattern as
false), the inner side is never executed and nothing is written, yet the statement
succeeds. openCypher runs every write on every row that reaches it, whatever a later
MATCH finds.

kgmem therefore writes such a MATCH as an OPTIONAL MATCH, which AGE joins laterally as
a left join (every row of the write is read, and written, before the pattern is tried
on it), followed by ``WITH * WHERE kgmem_cypher.found(v)`` on a variable the pattern
binds, so the rows the MATCH would not have found are dropped again::

    CREATE (a:P) WITH a MATCH (a)-[:T]->(b) RETURN b
    CREATE (a:P) WITH a OPTIONAL MATCH (a)-[:T]->(b) WITH * WHERE kgmem_cypher.found(b)
    RETURN b

``found`` (migration 0068) is ``v IS NOT NULL`` that PostgreSQL cannot fold: where AGE
plans the pattern as false (a label the graph keeps as a relationship type), a plain
``IS NOT NULL`` became false for the whole statement and the write did not run.

A pattern that binds nothing new gets a variable of kgmem's own on its first anonymous
node or relationship (``__kgmem_oN``); one that binds nothing and has none (``MATCH
(a)`` of a bound ``a``) is left as it is, as is one after a procedure's YIELD, whose
variables kgmem cannot all name. Only queries that write are rewritten.
"""

from __future__ import annotations

from collections.abc import Sequence

from kgmem.cypher import eager, write_fences
from kgmem.cypher.columns import pattern_variables, scope
from kgmem.cypher.lexer import Kind, Token
from kgmem.cypher.spans import Edit, splice
from kgmem.cypher.structure import WRITE_WORDS, Clause, clauses, union_parts

_NAMES = (Kind.NAME, Kind.QUOTED_NAME)
_PREFIX = "__kgmem_o"
FOUND = "kgmem_cypher.found"
_UNBINDING = frozenset({"ORDER BY", "SKIP", "LIMIT"})  # bind nothing (write_fences' SKIP 0)


def rewrite(text: str, code: Sequence[Token]) -> str:
    """``text`` (whose tokens are ``code``) with each MATCH after a write made optional
    and its misses dropped after it."""
    if not any(t.upper in WRITE_WORDS for t in code):
        return text
    edits: list[Edit] = []
    count = 0
    for part in union_parts(code):
        found = clauses(part)
        wrote = False
        for index, clause in enumerate(found):
            if clause.keyword in write_fences.WRITES:
                wrote = True
            elif wrote and clause.keyword == "MATCH":
                count += 1
                edits.extend(_optional(text, found, index, f"{_PREFIX}{count}"))
    return splice(text, edits)


def _optional(text: str, found: Sequence[Clause], index: int, fresh: str) -> list[Edit]:
    """The edits that make ``found[index]`` (a MATCH) optional and drop its misses."""
    clause = found[index]
    binding = [c for c in found[:index] if c.keyword not in _UNBINDING]
    if not eager.scoped(binding):
        return []  # a procedure's YIELD: what is new to the pattern is not known
    bound = scope(text, found[:index])
    new = sorted(pattern_variables(clause.body) - bound)
    edits: list[Edit] = []
    if new:
        test = new[0]
    else:
        at = _anonymous(clause.body)
        if at is None:
            return []
        test = fresh
        edits.append((at.end, at.end, fresh))
    keyword = clause.tokens[0]
    edits.append((keyword.start, keyword.start, "OPTIONAL "))
    last = (
        found[index + 1]
        if index + 1 < len(found) and found[index + 1].keyword == "WHERE"
        else clause
    )
    end = last.tokens[-1].end
    edits.append((end, end, f" WITH * WHERE {FOUND}({test})"))
    return edits


def _anonymous(tokens: Sequence[Token]) -> Token | None:
    """The ``(`` or ``[`` of the pattern's first node or relationship without a name (a
    function call's ``(`` follows a name; a list's ``[`` is not inside a pattern)."""
    for index, token in enumerate(tokens[:-1]):
        before = tokens[index - 1] if index else None
        if token.text == "(" and before is not None and before.kind in _NAMES:
            continue
        if token.text == "[" and (before is None or before.text not in ("-", "<-")):
            continue
        if token.text in ("(", "[") and tokens[index + 1].text in (":", ")", "]", "{", "*"):
            return token
    return None
