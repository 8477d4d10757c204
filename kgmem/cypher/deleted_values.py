"""``DELETE`` of a node or relationship held in a value, in the form AGE 1.7 runs.

openCypher deletes what any expression gives: ``DELETE rs[0]``, ``DETACH DELETE
m.key``, ``DELETE nodes[i]``. AGE's DELETE takes only variables, and refused these with
"unexpected Node for cypher_clause". kgmem binds each such expression to a variable in
a WITH first, checks it as it checks a computed variable (the empty list, on which AGE
would crash, is Neo4j's type error: ``kgmem.cypher.write_targets``) and deletes that::

    MATCH (n) WITH [n] AS l DETACH DELETE l[0]
    MATCH (n) WITH [n] AS l WITH l, l[0] AS __kgmem_x1
    WITH * WHERE kgmem_cypher.written(__kgmem_x1, 'l[0]') DETACH DELETE __kgmem_x1

A null deletes nothing, as in Neo4j. An item that cannot give a node, a relationship or
a path (a literal, or an operator's result: ``DELETE 1 + 1``) is refused before anything
runs, as Neo4j refuses it (``InvalidArgumentType``).
"""

from __future__ import annotations

from collections.abc import Sequence

from kgmem.cypher import eager
from kgmem.cypher.columns import scope
from kgmem.cypher.lexer import Kind, Token
from kgmem.cypher.spans import Edit, splice
from kgmem.cypher.structure import Clause, depths, split_top_level
from kgmem.cypher.write_targets import quoted
from kgmem.errors import CypherSyntaxError

VALUE = "__kgmem_x"
_DELETES = ("DELETE", "DETACH DELETE")
_NAMES = (Kind.NAME, Kind.QUOTED_NAME)
_OPERATORS = frozenset({"+", "-", "*", "/", "%", "^", "=", "<>", "<", ">", "<=", ">="})
_WORDS = ("AND", "OR", "XOR", "NOT", "IS", "IN", "STARTS", "ENDS", "CONTAINS", "TRUE", "FALSE")
_OPENERS = {"[": "]", "{": "}"}


def rewrite(text: str, code: Sequence[Token]) -> str:
    """``text`` with every DELETE item that is not a variable bound in a WITH first."""
    if not any(t.is_keyword("DELETE") for t in code):
        return text
    edits: list[Edit] = []
    count = 0
    for at, found in eager.scoped_clauses(code, _DELETES):
        clause = found[at]
        items = split_top_level(list(clause.body))
        if all(len(item) == 1 and item[0].kind in _NAMES for item in items):
            continue
        edit, count = _bound(text, clause, items, sorted(scope(text, found[:at])), count)
        edits.append(edit)
    return splice(text, edits) if edits else text


def _bound(
    text: str, clause: Clause, items: list[list[Token]], carried: list[str], count: int
) -> tuple[Edit, int]:
    """The clause with a WITH binding its computed items, their checks and the DELETE."""
    computed, checks, deleted = [], [], []
    for item in items:
        written = text[item[0].start : item[-1].end]
        if len(item) == 1 and item[0].kind in _NAMES:
            deleted.append(written)
            continue
        _check(item, written)
        count += 1
        name = f"{VALUE}{count}"
        computed.append(f"{written} AS {name}")
        checks.append(f"kgmem_cypher.written({name}, {quoted(written)})")
        deleted.append(name)
    out = (
        f"WITH {', '.join([*carried, *computed])} WITH * WHERE {' AND '.join(checks)} "
        f"{clause.keyword} {', '.join(deleted)}"
    )
    return (clause.tokens[0].start, clause.tokens[-1].end, out), count


def _check(item: list[Token], written: str) -> None:
    """Refuse an item that cannot be a node, a relationship or a path."""
    literal = item[0].kind in (Kind.NUMBER, Kind.STRING, Kind.PARAMETER) and len(item) == 1
    whole = item[0].text in _OPENERS and item[-1].text == _OPENERS[item[0].text]
    closed = whole and all(depth > 0 for depth, _ in list(depths(item))[1:-1])
    operator = any(
        depth == 0 and ((t.kind is Kind.PUNCT and t.text in _OPERATORS) or t.is_keyword(*_WORDS))
        for depth, t in depths(item)
    )
    if literal or closed or operator:
        raise CypherSyntaxError(
            f"InvalidArgumentType: DELETE takes a node, a relationship or a path, not {written}",
            position=item[0].start,
        )
