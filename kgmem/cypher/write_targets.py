"""Checks before the writing clauses whose target AGE 1.7 would crash on.

AGE dereferences a null pointer, and PostgreSQL restarts every backend of every tenant,
when a SET, REMOVE or DELETE writes to the empty list (``MATCH ()-[r*0..1]->() DELETE
r`` on a zero-length match, ``WITH collect(n) AS l SET l.x = 1`` over no rows), or when
a CREATE is given null or the empty list for a relationship's end node (``OPTIONAL
MATCH (a:Missing) CREATE (a)-[:T]->(:B)``). Neo4j answers these with a type error or
"node is missing"; kgmem checks the value first (migration 0066) and raises the same::

    OPTIONAL MATCH (a:Missing) CREATE (a)-[:T]->(:B)
    OPTIONAL MATCH (a:Missing) WITH * WHERE kgmem_cypher.endpoint(a, 'a')
    CREATE (a)-[:T]->(:B)

A variable needs no check when a pattern of a MATCH, CREATE or MERGE bound it (a node,
a relationship of fixed length, or a path), or a WITH passed such a variable on; it
does when OPTIONAL MATCH bound it (null) and it is an end node to create, and when
anything else did (UNWIND, a computed WITH item, a relationship list of variable
length, a procedure's YIELD). A FOREACH's list is checked element by element where its
body writes to its variable. The subqueries of CALL { } are read the same way, from
the variables they import.
"""

from __future__ import annotations

from collections.abc import Sequence

from kgmem.cypher.columns import pattern_variables, project, yielded
from kgmem.cypher.lexer import Kind, Token
from kgmem.cypher.structure import Clause, clauses, closing, depths, split_top_level, union_parts

_NAMES = (Kind.NAME, Kind.QUOTED_NAME)
ENTITY, OPTIONAL, ANY = "entity", "optional", "any"
"""What a variable may hold: a node, relationship or path; that or null; anything."""
_WRITES = frozenset({"SET", "REMOVE", "DELETE", "DETACH", "CREATE", "MERGE", "FOREACH"})
_AFTER_TARGET = frozenset({".", "=", "+=", "+", ":", "["})

Kinds = dict[str, str]
Edit = tuple[int, int, str]


def rewrite(text: str, code: Sequence[Token]) -> list[Edit]:
    """(start, end, replacement) edits putting the checks the module text describes."""
    if not any(t.kind is Kind.NAME and t.upper in _WRITES for t in code):
        return []
    edits: list[Edit] = []
    for part in union_parts(code):
        edits += _sequence(text, part, {})
    return edits


def _sequence(text: str, tokens: Sequence[Token], kinds: Kinds) -> list[Edit]:
    """The edits of one clause sequence, ``kinds`` the variables in scope at its start."""
    edits: list[Edit] = []
    kinds = dict(kinds)
    for clause in clauses(tokens):
        checks = _checks(clause, kinds)
        if checks:
            at = clause.tokens[0].start
            edits.append((at, at, f"WITH * WHERE {' AND '.join(checks)} "))
        if clause.keyword == "FOREACH":
            edits += _foreach(clause, kinds)
        if clause.keyword == "CALL":
            edits += _subquery(text, clause, kinds)
        kinds = _bound(text, clause, kinds)
    return edits


def _checks(clause: Clause, kinds: Kinds) -> list[str]:
    """The checks the clause's targets need, in order, each once."""
    found: list[str] = []
    for name, endpoint in _targets(clause, kinds):
        kind = kinds.get(name)  # None: not in scope before the clause (MERGE's own)
        call = "endpoint" if endpoint else "written"
        needed = kind == ANY or (endpoint and kind == OPTIONAL)
        check = f"kgmem_cypher.{call}({_variable(name)}, {quoted(name)})"
        if needed and check not in found:
            found.append(check)
    return found


def _targets(clause: Clause, kinds: Kinds) -> list[tuple[str, bool]]:
    """(variable, whether it is an end node to create) of each target of a writing
    clause: SET and REMOVE items, DELETE's variables, CREATE's bound nodes and the SET
    items of MERGE's ON CREATE and ON MATCH."""
    body = list(clause.body)
    if clause.keyword in ("SET", "REMOVE"):
        return [(name, False) for name in _item_targets(body)]
    if clause.keyword in ("DELETE", "DETACH DELETE"):
        items = split_top_level(body)
        return [(i[0].name, False) for i in items if len(i) == 1 and i[0].kind in _NAMES]
    if clause.keyword == "CREATE":
        return [(name, True) for name in _bound_nodes(body, kinds)]
    if clause.keyword == "MERGE":
        return [(name, False) for run in _merge_sets(body) for name in _item_targets(run)]
    return []


def _item_targets(body: Sequence[Token]) -> list[str]:
    """The variable each SET or REMOVE item writes to (``n.k = v``, ``n += m``, ``n:L``)."""
    out = []
    for item in split_top_level(list(body)):
        if len(item) >= 2 and item[0].kind in _NAMES and item[1].text in _AFTER_TARGET:
            out.append(item[0].name)
    return out


def _merge_sets(body: Sequence[Token]) -> list[list[Token]]:
    """The SET items of each ON CREATE and ON MATCH of a MERGE."""
    runs: list[list[Token]] = []
    taking = False
    for depth, token in depths(body):
        if depth == 0 and token.is_keyword("ON"):
            taking = False
        elif depth == 0 and token.is_keyword("SET"):
            runs.append([])
            taking = True
        elif taking:
            runs[-1].append(token)
    return runs


def _bound_nodes(body: Sequence[Token], kinds: Kinds) -> list[str]:
    """Variables already in scope that a CREATE pattern names as nodes: ``(a)``."""
    out = []
    for index, token in enumerate(body[:-1]):
        nxt = body[index + 1]
        if token.text == "(" and nxt.kind in _NAMES and nxt.name in kinds:
            after = body[index + 2] if index + 2 < len(body) else None
            if after is None or after.text in (")", ":", "{"):
                out.append(nxt.name)
    return out


def _foreach(clause: Clause, kinds: Kinds) -> list[Edit]:
    """``FOREACH (x IN list | ...)``: the list wrapped in ``written_each`` when the body
    writes to ``x`` (checked as an end node when it creates a relationship from it)."""
    tokens = list(clause.tokens)
    pairs = closing(tokens)
    open_at = next((i for i, t in enumerate(tokens) if t.text == "("), None)
    if open_at is None or open_at not in pairs or open_at + 2 >= len(tokens):
        return []
    variable, keyword = tokens[open_at + 1], tokens[open_at + 2]
    if variable.kind not in _NAMES or not keyword.is_keyword("IN"):
        return []
    inner = tokens[open_at + 3 : pairs[open_at]]
    bar = next((i for i, (d, t) in enumerate(depths(inner)) if d == 0 and t.text == "|"), None)
    if bar is None or bar == 0:
        return []
    scope = {**kinds, variable.name: ANY}
    targets = [t for c in clauses(inner[bar + 1 :]) for t in _targets(c, scope)]
    mine = [endpoint for name, endpoint in targets if name == variable.name]
    if not mine:
        return []
    first, last = inner[0], inner[bar - 1]
    endpoint = "true" if any(mine) else "false"
    head = "kgmem_cypher.written_each(("
    tail = f"), {quoted(variable.name)}, {endpoint})"
    return [(first.start, first.start, head), (last.end, last.end, tail)]


def _subquery(text: str, clause: Clause, kinds: Kinds) -> list[Edit]:
    """A ``CALL { ... }``'s body read as a clause sequence of its own."""
    tokens = list(clause.tokens)
    if len(tokens) < 2 or tokens[1].text != "{":
        return []
    pairs = closing(tokens)
    return _sequence(text, tokens[2 : pairs.get(1, len(tokens))], kinds)


def _bound(text: str, clause: Clause, kinds: Kinds) -> Kinds:
    """The variables in scope after ``clause`` and what each may hold."""
    keyword = clause.keyword
    if keyword in ("MATCH", "CREATE", "MERGE", "OPTIONAL MATCH"):
        fresh = ENTITY if keyword != "OPTIONAL MATCH" else OPTIONAL
        lists = _variable_lengths(clause.body)
        added = {n: ANY if n in lists else fresh for n in pattern_variables(clause.body)}
        return {**added, **kinds} if keyword == "OPTIONAL MATCH" else {**kinds, **added}
    if keyword == "WITH":
        return _projected(text, clause, kinds)
    if keyword in ("UNWIND", "LOAD CSV"):
        body = clause.body
        names = [t.name for i, t in enumerate(body[1:], 1) if body[i - 1].is_keyword("AS")]
        return {**kinds, **dict.fromkeys(names, ANY)}
    if keyword == "CALL":
        return {**kinds, **dict.fromkeys(sorted(yielded(clause.body)), OPTIONAL)}
    return kinds


def _projected(text: str, clause: Clause, kinds: Kinds) -> Kinds:
    """A WITH's scope: a bare variable keeps what it holds, a computed item may hold
    anything; ``*`` keeps every variable."""
    projection = project(text, clause)
    out: Kinds = dict(kinds) if projection.star is not None else {}
    for item in projection.items:
        expression = item.expression
        bare = len(expression) == 1 and expression[0].kind in _NAMES
        out[item.name] = kinds.get(expression[0].name, ANY) if bare else ANY
    return out


def _variable_lengths(body: Sequence[Token]) -> set[str]:
    """Relationship variables of variable length (``[r:T*1..3]``): lists, maybe empty."""
    pairs = closing(list(body))
    out = set()
    for index, token in enumerate(body):
        if token.text == "[" and index in pairs and index + 1 < len(body):
            inside = body[index + 1 : pairs[index]]
            if inside and inside[0].kind in _NAMES and any(t.text == "*" for t in inside):
                out.add(inside[0].name)
    return out


def _variable(name: str) -> str:
    return name if name.isidentifier() else f"`{name.replace('`', '``')}`"


def quoted(name: str) -> str:
    return "'" + name.replace("\\", "\\\\").replace("'", "\\'") + "'"
