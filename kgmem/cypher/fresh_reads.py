"""Reads that see what the statement wrote through another variable.

A row carries its own copy of each node and relationship it binds, and AGE's SET
changes only the copy of the variable it writes. So another variable bound to the
same entity, or an earlier row's copy of an entity a later row wrote, kept the value
from before the write: ``MATCH (a:P), (c:P) SET a.x = 1 RETURN c.x`` answered null
(Neo4j: 1), and so did ``WITH a, a AS b SET b.x = 1 RETURN a.x``. A label change
(``kgmem.cypher.label_writes``) moves the node under a new id, which the other copies,
and a MATCH after it, do not know.

Neo4j reads the entity as it is at the read, after every row's write (it plans an
Eager between a write and a read that may meet the same entity). Where a clause after
a write reads a node or relationship variable whose copy may be stale (a property, its
labels, the entity itself), kgmem collects every row first (``eager.barrier``) and
reads those variables again (``kgmem_cypher.stored``, which follows label moves). A
MATCH or MERGE after a write finds entities as AGE's statement sees them, which need
not hold the last rows' writes nor a label change: what it binds is read again so too::

    MATCH (a:P), (c:P) SET a.x = 1 RETURN c.x
    MATCH (a:P), (c:P) SET a.x = 1
    WITH collect([0, a, c]) AS __kgmem_rows UNWIND __kgmem_rows AS __kgmem_row
    WITH __kgmem_row[1] AS a, kgmem_cypher.stored(__kgmem_row[2]) AS c RETURN c.x

A SET writes the whole copy back, so a stale copy a SET writes is read again on its
row first (``WITH a, a AS b SET a.x = 1 SET b.y = 2`` kept only ``y``). A SET itself
reads nothing again: Neo4j evaluates its right-hand sides before it writes, and a SET
split in two by a label item (``SET n.a = 1, n:L, n.b = m.a``) is still one clause. A
variable a write clause wrote stays as it is while no other variable of its kind was
written since. The variables followed are those a pattern binds to one node or
relationship and their renamings by WITH; an entity held in a list, a map or a path
keeps the copy it had.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from kgmem.cypher import eager, fresh_sets, label_writes, merge
from kgmem.cypher.columns import ReturnItem, project, scope
from kgmem.cypher.lexer import Kind, Token
from kgmem.cypher.structure import Clause, clauses, pattern_positions, union_parts

PATTERNS = ("MATCH", "OPTIONAL MATCH", "CREATE", "MERGE")
_FOLLOWERS = ("WHERE", "ORDER BY", "SKIP", "LIMIT")
_WRITES = ("SET", "REMOVE")
_IDENTITY_ONLY = ("DELETE", "DETACH DELETE")
_NAMES = (Kind.NAME, Kind.QUOTED_NAME)
_NODE, _RELATIONSHIP = "node", "relationship"


@dataclass(slots=True)
class _State:
    """The entity variables in scope (each a node's or a relationship's), those whose
    copy is current, and what was written."""

    entities: dict[str, str] = field(default_factory=dict)
    fresh: set[str] = field(default_factory=set)
    wrote: bool = False

    def written(self, names: set[str]) -> None:
        """Every copy of the kinds ``names`` hold goes stale, but that of a name that was
        fresh and the only one of its kind written."""
        kinds = [self.entities.get(name, "") for name in names]
        if "" in kinds:
            kinds = [_NODE, _RELATIONSHIP, _NODE, _RELATIONSHIP]
        alone = {n for n, kind in zip(names, kinds, strict=False) if kinds.count(kind) == 1}
        self.fresh = {v for v in self.fresh if v in alone or self.entities.get(v) not in set(kinds)}
        self.wrote = True


def rewrite(text: str, code: Sequence[Token]) -> str:
    """``text`` with the stale entity variables a clause reads after a write read again."""
    if not any(t.is_keyword(*_WRITES) for t in code) and label_writes.FUNCTION not in text:
        return text
    inserts: list[tuple[int, str]] = []
    wrote = False  # a UNION branch reads the graph as the branches before it left it
    for part in union_parts(code):
        found = clauses(part)
        state = _State(wrote=wrote)
        for start, end in _groups(found):
            clause = found[start]
            if state.wrote and eager.scoped(found[:start]):
                inserts.extend(_reread(text, found, (start, end), state))
            _follow(text, clause, state)
        wrote = state.wrote
    for start, inserted in reversed(inserts):
        text = text[:start] + inserted + text[start:]
    return text


def _reread(
    text: str, found: Sequence[Clause], group: tuple[int, int], state: _State
) -> list[tuple[int, str]]:
    """The WITH to put before ``found[group[0]]``, if any: the stale variables a write
    clause writes back, read again on their row; or those another clause reads, read
    again once every row has passed (a write clause reads nothing again: Neo4j evaluates
    a SET's right-hand sides before it writes, and a clause split in two by a label item
    is still one SET)."""
    start, end = group
    clause = found[start]
    stale = set(state.entities) - state.fresh
    if clause.keyword in _WRITES or _moves_or_reads_again(text, clause):
        stale &= fresh_sets.targets(clause)
        made = fresh_sets.rebind(text, list(found[:start]), stale) if stale else ""
    else:
        stale &= _reads(text, found[start:end])
        made = eager.barrier(sorted(scope(text, found[:start])), "", stale) if stale else ""
    state.fresh |= stale
    return [(clause.tokens[0].start, made)] if made else []


def _moves_or_reads_again(text: str, clause: Clause) -> bool:
    """Whether ``clause`` is a WITH that moves a node to new labels, or reads entities
    again before a SET (``kgmem.cypher.fresh_sets``), carrying the rest as they are."""
    if clause.keyword != "WITH":
        return False
    items = project(text, clause).items
    made = [item for item in items if _bare(item) is None]
    calls = (merge.STORED, label_writes.FUNCTION)
    return bool(made) and all(_called(item) in calls for item in made)


def _groups(found: Sequence[Clause]) -> list[tuple[int, int]]:
    """(first, end) of each clause with the WHERE, ORDER BY, SKIP and LIMIT after it."""
    starts = [i for i, c in enumerate(found) if c.keyword not in _FOLLOWERS or i == 0]
    return list(zip(starts, [*starts[1:], len(found)], strict=True))


def _follow(text: str, clause: Clause, state: _State) -> None:
    """Move ``state`` past ``clause``."""
    if clause.keyword in _WRITES:
        written = fresh_sets.targets(clause)
        if written:
            state.written(written)
    elif clause.keyword == "WITH":
        _project(text, clause, state)
    elif clause.keyword in PATTERNS:
        bound = {k: v for k, v in entity_variables(clause).items() if k not in state.entities}
        state.entities |= bound
        if clause.keyword == "CREATE" or not state.wrote:
            state.fresh |= set(bound)


def _project(text: str, clause: Clause, state: _State) -> None:
    """The entity variables a WITH carries on, renamed or read again, and the label
    changes it makes (``kgmem_cypher.relabel``)."""
    projection = project(text, clause)
    if [item.name for item in projection.items] == [eager.ROWS]:
        return  # a barrier's rows: its last WITH names them again
    whole = projection.star is not None
    entities = dict(state.entities) if whole else {}
    fresh = set(state.fresh) if whole else set()
    moved: set[str] = set()
    for item in projection.items:
        called = _called(item)
        source = item.name if called == eager.ROW else _bare(item)
        if called in (merge.STORED, label_writes.FUNCTION):
            kind = state.entities.get(_argument(item)) or state.entities.get(item.name)
            entities[item.name] = kind or _NODE
            fresh.add(item.name)
            if called == label_writes.FUNCTION:
                moved.add(item.name)
        elif source is not None and source in state.entities:
            entities[item.name] = state.entities[source]
            if source in state.fresh:
                fresh.add(item.name)
        else:
            entities.pop(item.name, None)
            fresh.discard(item.name)
    state.entities, state.fresh = entities, fresh
    if moved:
        state.written(moved)


def _called(item: ReturnItem) -> str:
    """The function an item calls (``kgmem_cypher.stored``), or the name it indexes."""
    expression = item.expression
    if len(expression) > 1 and expression[1].text == "[":
        return expression[0].text
    return "".join(t.text for t in expression[:3])


def _argument(item: ReturnItem) -> str:
    """The first argument of the call an item makes, when it is a name."""
    expression = item.expression
    return expression[4].name if len(expression) > 4 and expression[4].kind in _NAMES else ""


def _bare(item: ReturnItem) -> str | None:
    expression = item.expression
    return expression[0].name if len(expression) == 1 and expression[0].kind in _NAMES else None


def entity_variables(clause: Clause) -> dict[str, str]:
    """The variables a pattern clause binds to one node or relationship (not a path, nor
    a variable-length relationship's list), each with its kind."""
    tokens = clause.body
    found = {}
    for index, token in enumerate(tokens[1:-1], start=1):
        opener = tokens[index - 1].text
        if token.kind not in _NAMES or opener not in ("(", "["):
            continue
        if tokens[index + 1].text not in (")", ":", "{", "]"):
            continue
        if opener == "[" and _variable_length(tokens, index):
            continue
        found[token.name] = _NODE if opener == "(" else _RELATIONSHIP
    return found


def _variable_length(tokens: Sequence[Token], index: int) -> bool:
    for token in tokens[index:]:
        if token.text == "]":
            return False
        if token.text == "*":
            return True
    return False


def _reads(text: str, group: Sequence[Clause]) -> set[str]:
    """The names ``group`` (a clause and its WHERE, ORDER BY, ...) reads as values: not
    where a pattern names an entity, a WITH carries it on, or DELETE removes it."""
    clause = group[0]
    if clause.keyword in _IDENTITY_ONLY:
        return set()
    skipped = {id(t) for t in _not_read(text, clause)}
    names = set()
    for part in group:
        tokens = part.tokens
        for index, token in enumerate(tokens):
            if token.kind not in _NAMES or id(token) in skipped:
                continue
            before = tokens[index - 1].text if index else ""
            if before in (".", "$") or _map_key(tokens, index):
                continue
            names.add(token.name)
    return names


def _not_read(text: str, clause: Clause) -> list[Token]:
    """The tokens of ``clause`` that name a variable without reading its value."""
    if clause.keyword in PATTERNS:
        return pattern_positions(clause.body)
    if clause.keyword == "WITH":
        items = project(text, clause).items
        return [item.expression[0] for item in items if _bare(item) is not None]
    return []


def _map_key(tokens: Sequence[Token], index: int) -> bool:
    """Whether the name at ``index`` is a key of a map literal (``{k: ...}``)."""
    if index + 1 >= len(tokens) or tokens[index + 1].text != ":":
        return False
    depth = 0
    for token in reversed(tokens[:index]):
        if token.text in (")", "]", "}"):
            depth += 1
        elif token.text in ("(", "["):
            if depth == 0:
                return False
            depth -= 1
        elif token.text == "{":
            if depth == 0:
                return True
            depth -= 1
    return False
