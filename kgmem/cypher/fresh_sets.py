"""SET clauses that see what earlier rows of the statement wrote.

AGE's SET changes the copy of a node or relationship that the row carries and writes
that whole copy back. When several rows carry one entity, each row's copy is the
entity as it was before any of them, so ``MATCH (a:A)-[:R]->() SET a.c = a.c + 1``
counted 1 for three relationships (Neo4j: 3), and ``UNWIND ['x', 'y'] AS k MATCH
(a:A) SET a.x = k`` after ``... SET a.y = k`` lost the first row's write. Where rows
may repeat an entity, kgmem reads each entity a SET changes again just before the
clause (``kgmem_cypher.stored``, migration 0052, as MERGE's rewrite does), so each
row starts from what the rows before it left::

    MATCH (a:A)-[:R]->() SET a.c = a.c + 1
    MATCH (a:A)-[:R]->() WITH a, kgmem_cypher.stored(a) AS a SET a.c = a.c + 1

Rows may repeat an entity after an UNWIND or a CALL, or once the MATCH and MERGE clauses
have named more than one node; a WITH that aggregates into one group per row
at most (``WITH a, count(*) AS n``) makes each row's entities distinct again. A
statement of one node pattern (``MATCH (n:L {id: $id}) SET n.x = 1``) is left as it is.
"""

from __future__ import annotations

from collections.abc import Sequence

from kgmem.cypher import eager, label_writes, merge
from kgmem.cypher.columns import project, scope
from kgmem.cypher.functions import aggregates
from kgmem.cypher.lexer import Kind, Token
from kgmem.cypher.structure import Clause, clauses, depths, split_top_level, union_parts

FUNCTION = merge.STORED
_READING = ("MATCH", "OPTIONAL MATCH", "MERGE")
_MULTIPLYING = ("UNWIND", "CALL", "FOREACH", "LOAD")
_TARGET_FOLLOWERS = (".", "=", "+=")
_WRITES_PROPERTIES = ("SET", "REMOVE")


def rewrite(text: str, code: Sequence[Token]) -> str:
    """``text`` with the entities each SET changes read again where rows may repeat them."""
    parts = union_parts(code)
    if len(parts) != 1:
        return text
    found = clauses(parts[0])
    inserts: list[tuple[int, str]] = []
    nodes, repeats = 0, False
    current: set[str] = set()  # variables read again since the last clause that reads rows
    for at, clause in enumerate(found):
        if clause.keyword in _WRITES_PROPERTIES:
            fresh = targets(clause) - current
            if fresh and (repeats or nodes > 1) and eager.scoped(found[:at]):
                inserts.append((clause.tokens[0].start, rebind(text, found[:at], fresh)))
            current |= fresh
            continue
        current = _reread(text, clause) | _carried(text, clause, current)
        if clause.keyword in _READING:
            nodes += _node_patterns(clause)
        elif clause.keyword in _MULTIPLYING:
            repeats = True
        elif clause.keyword == "WITH" and _one_group_per_row(text, clause):
            nodes, repeats = 0, False
    for start, inserted in reversed(inserts):
        text = text[:start] + inserted + text[start:]
    return text


def targets(clause: Clause) -> set[str]:
    """The variables whose properties a SET or REMOVE clause changes (``a.x = ...``,
    ``a += ...``, ``a = ...``, ``REMOVE a.x``)."""
    found = set()
    for item in split_top_level(clause.body):
        if len(item) > 1 and item[0].kind is Kind.NAME and item[1].text in _TARGET_FOLLOWERS:
            found.add(item[0].name)
    return found


def _reread(text: str, clause: Clause) -> set[str]:
    """Variables a WITH just before binds to a fresh read of them: MERGE's rewrite
    (``stored``) and a label change (``kgmem.cypher.label_writes``) do."""
    if clause.keyword != "WITH":
        return set()
    found = set()
    for item in project(text, clause).items:
        called = "".join(t.text for t in item.expression[:3])
        if item.aliased and called in (FUNCTION, label_writes.FUNCTION):
            found.add(item.name)
    return found


def _carried(text: str, clause: Clause, current: set[str]) -> set[str]:
    """Those of ``current`` a WITH passes on as they are (``WITH a``, ``WITH *``)."""
    if clause.keyword != "WITH":
        return set()
    projection = project(text, clause)
    renamed = {item.name for item in projection.items}
    bare = {
        item.name
        for item in projection.items
        if [t.name for t in item.expression] == [item.name] and not item.aliased
    }
    kept = current - renamed if projection.star is not None else set()
    return (kept | bare) & current


def _node_patterns(clause: Clause) -> int:
    """How many node patterns a pattern clause writes (``(a)-->(b), (c)`` is three)."""
    count = 0
    for depth, token in depths(clause.body):
        if depth == 0 and token.is_keyword("ON", "WHERE"):
            break
        if depth == 0 and token.kind is Kind.PUNCT and token.text == "(":
            count += 1
    return count


def _one_group_per_row(text: str, clause: Clause) -> bool:
    """Whether a WITH leaves each entity in one row at most: it aggregates with at most
    one grouping item, or is DISTINCT over one item."""
    projection = project(text, clause)
    if projection.star is not None:
        return False
    keys = [item for item in projection.items if not aggregates(item.expression)]
    if projection.distinct:
        return len(projection.items) <= 1
    return len(keys) <= 1 and len(keys) < len(projection.items)


def rebind(text: str, before: list[Clause], fresh: set[str]) -> str:
    """A WITH carrying every variable in scope, ``fresh`` read again."""
    kept = sorted(scope(text, before) - fresh)
    items = [*kept, *(f"{FUNCTION}({name}) AS {name}" for name in sorted(fresh))]
    return f"WITH {', '.join(items)} "
