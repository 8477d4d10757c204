"""A unit subquery that ends a query, ``CALL (row) { ... } [IN TRANSACTIONS [OF n ROWS]]``,
run as the clauses it holds (LangChain's import, neomodel's clearing of a database).

A subquery that returns nothing and is the query's last clause changes nothing the
query answers: its clauses may as well follow the outer ones, seeing the variables it
imports (``CALL (a, b) {`` or a leading ``WITH a, b``) and nothing else::

    UNWIND $data AS row CALL (row) { MERGE (c:Chunk {id: row.id}) SET c += row.meta }
    UNWIND $data AS row WITH row MERGE (c:Chunk {id: row.id}) SET c += row.meta

``IN TRANSACTIONS`` is Neo4j's way of writing many rows in batches, each committed on
its own; kgmem writes them in the one transaction of the request (within its time
limit and row caps) and refuses it inside an explicit transaction, as Neo4j does
(``ImplicitTransactionRequired``; drivers' callers such as LangChain then send it again
in auto-commit). Other subqueries are left to the guard, which refuses them.
"""

from __future__ import annotations

from collections.abc import Sequence

from kgmem.cypher.lexer import Kind, Token, tokenize
from kgmem.cypher.structure import clauses, closing, depths, union_parts
from kgmem.neo4j_schema.errors import ImplicitTransactionRequired


def inline(query: str, *, explicit: bool) -> str:
    """``query`` with a final unit subquery written as its clauses (see the module
    docstring); ``query`` itself when it has none. ``explicit``: the query runs in an
    explicit transaction, where ``IN TRANSACTIONS`` is refused."""
    if "{" not in query or "call" not in query.lower():
        return query
    code = tokenize(query)
    if code and code[-1].text == ";":
        code = code[:-1]
    parts = union_parts(code)
    if len(parts) != 1:
        return query
    listed = clauses(parts[0])
    if not listed or listed[-1].keyword != "CALL":
        return query
    found = _subquery(listed[-1].tokens)
    if found is None or (found[2] and not explicit):
        return query  # batches of their own: kgmem.memory.subquery_steps
    imported, body, batched = found
    if batched:
        raise ImplicitTransactionRequired(
            "A query with 'CALL { ... } IN TRANSACTIONS' can only be executed in an implicit "
            "transaction, but tried to execute in an explicit transaction.",
            position=listed[-1].tokens[0].start,
        )
    head = query[: listed[-1].tokens[0].start]
    inner = query[body[0].start : body[-1].end] if body else ""
    if imported is None or not head.strip():
        return f"{head}{inner}"
    return f"{head}WITH {imported} {inner}"


def _subquery(tokens: Sequence[Token]) -> tuple[str | None, list[Token], bool] | None:
    """(the imported variables as written, or None; the body's tokens; whether it runs
    IN TRANSACTIONS) of a final ``CALL [(vars)] { body } [IN TRANSACTIONS ...]``, or
    None when ``tokens`` are no such unit subquery."""
    pairs = closing(tokens)
    scoped = _imports(tokens, pairs)
    if scoped is None:
        return None
    at, imported = scoped
    end = pairs.get(at)
    if end is None or not _batches(tokens[end + 1 :]):
        return None
    body = list(tokens[at + 1 : end])
    if not body or _returns(body):
        return None
    return imported, body, bool(tokens[end + 1 :])


def _imports(tokens: Sequence[Token], pairs: dict[int, int]) -> tuple[int, str | None] | None:
    """Where the body's ``{`` stands after ``CALL`` and the variables ``CALL (a, b)``
    imports (None without a list), or None when no subquery body follows."""
    at, imported = 1, None
    if at < len(tokens) and tokens[at].text == "(":
        close = pairs.get(at, len(tokens))
        names = [t for t in tokens[at + 1 : close] if t.text != ","]
        if close == len(tokens) or not all(t.kind in (Kind.NAME, Kind.QUOTED_NAME) for t in names):
            return None  # CALL (*) or a procedure call
        imported = ", ".join(t.text for t in names) or None
        at = close + 1
    if at >= len(tokens) or tokens[at].text != "{":
        return None
    return at, imported


def _batches(rest: Sequence[Token]) -> bool:
    """Whether ``rest`` is empty or ``IN TRANSACTIONS [OF <count> ROW|ROWS]``."""
    if not rest:
        return True
    words = [t.upper for t in rest]
    if words[:2] != ["IN", "TRANSACTIONS"]:
        return False
    tail = words[2:]
    return not tail or (
        len(tail) == 3 and tail[0] == "OF" and rest[3].kind in (Kind.NUMBER, Kind.PARAMETER)
        and tail[2] in ("ROW", "ROWS")
    )  # fmt: skip


def _returns(body: Sequence[Token]) -> bool:
    """Whether the subquery body returns rows (a RETURN or UNION of its own level)."""
    return any(
        depth == 0 and token.is_keyword("RETURN", "UNION") and (i == 0 or body[i - 1].text != ".")
        for i, (depth, token) in enumerate(depths(body))
    )
