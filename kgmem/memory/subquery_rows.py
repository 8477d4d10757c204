"""A query that starts with a returning subquery, ``CALL () { ... RETURN ... } <more>``:
the subquery answered first, as a query of its own, then its rows given to the rest.

Hybrid searches are written this way (LangChain's ``Neo4jVector``, neo4j-graphrag's
``HybridRetriever``): a ``UNION`` of a vector and a full-text search inside, then one
ranking of what both found outside. AGE has no subqueries, but a subquery that imports
nothing and opens the query is a query on its own: kgmem runs it (procedure calls and
``UNION`` included) through the same path as any other read, within the same deadline,
row cap and mode, and stands its rows in for it as the rows of a procedure
(``kgmem.memory.procedures``). Nodes and relationships it returns are matched back by
graph id, so the clauses after it use them as the elements they are::

    CALL () { ... RETURN node, score UNION ... RETURN node, score }
    WITH node, max(score) AS score ORDER BY score DESC LIMIT 5 RETURN node.text, score
    CALL kgmem.subquery_0() YIELD node, score
    WITH node, max(score) AS score ORDER BY score DESC LIMIT 5 RETURN node.text, score

Inside an explicit transaction the subquery runs apart from it, so it does not see the
transaction's own uncommitted writes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from kgmem.cypher.lexer import Token, tokenize
from kgmem.cypher.structure import clauses, closing, depths, union_parts
from kgmem.errors import CypherSemanticError
from kgmem.model import CypherResult
from kgmem.procedures import Procedure
from kgmem.procedures.registry import Reader, procedure

NAME = "kgmem.subquery_0"
"""The procedure a leading subquery stands in for (one per query)."""

Run = Callable[[str], Awaitable[CypherResult]]


def leading(query: str) -> tuple[str, str] | None:
    """(the subquery's text, the rest of the query) when ``query`` starts with a returning
    subquery that imports nothing and clauses follow it; else None."""
    if "{" not in query or query.lstrip()[:4].upper() != "CALL":
        return None
    code = tokenize(query)
    if code and code[-1].text == ";":
        code = code[:-1]
    parts = union_parts(code)
    listed = clauses(parts[0]) if len(parts) == 1 else []
    if len(listed) < 2 or listed[0].keyword != "CALL":
        return None
    tokens = listed[0].tokens
    at = 1
    if at + 1 < len(tokens) and (tokens[at].text, tokens[at + 1].text) == ("(", ")"):
        at += 2
    pairs = closing(tokens)
    if at >= len(tokens) or tokens[at].text != "{" or pairs.get(at) != len(tokens) - 1:
        return None
    body = tokens[at + 1 : -1]
    if not body or body[0].is_keyword("WITH") or not _returns(body):
        return None
    inner = query[body[0].start : body[-1].end]
    return inner, query[listed[1].tokens[0].start :]


def _returns(body: Sequence[Token]) -> bool:
    return any(
        depth == 0 and token.is_keyword("RETURN") and (i == 0 or body[i - 1].text != ".")
        for i, (depth, token) in enumerate(depths(body))
    )


async def stand_in(inner: str, rest: str, run: Run) -> tuple[str, Procedure]:
    """The query with the subquery ``inner`` replaced by a call of a procedure that
    yields its rows (``run`` answers ``inner``), and that procedure."""
    result = await run(inner)
    columns = list(result.columns)
    for column in columns:
        if not column.isidentifier():
            raise _unnamed(column)
    kinds = [_kind(result.rows, at) for at in range(len(columns))]
    rows = [[_value(value) for value in row] for row in result.rows]
    outputs = ", ".join(f"{c} :: {k}?" for c, k in zip(columns, kinds, strict=True))

    async def body(reader: Reader, args: Mapping[str, Any]) -> list[list[Any]]:
        return rows

    declared = procedure(f"{NAME}() :: ({outputs})", body)
    return f"CALL {NAME}() YIELD {', '.join(columns)} {rest}", declared


def _kind(rows: Sequence[Sequence[Any]], at: int) -> str:
    """NODE or RELATIONSHIP when column ``at`` holds graph elements, else ANY; a list of
    them cannot stand as a procedure's output (it would reach the rest as plain maps)."""
    for row in rows:
        value = row[at]
        if isinstance(value, Mapping) and value.get("kind") in ("node", "relationship"):
            return "NODE" if value["kind"] == "node" else "RELATIONSHIP"
        if isinstance(value, list) and any(_element(v) for v in value):
            raise CypherSemanticError(
                "a subquery that opens the query cannot return a list of nodes or "
                "relationships in kgmem; return the elements one per row and collect() "
                "them after the subquery"
            )
    return "ANY"


def _element(value: Any) -> bool:
    return isinstance(value, Mapping) and value.get("kind") in ("node", "relationship")


def _value(value: Any) -> Any:
    """A node or relationship as its graph id (matched back after the call)."""
    if isinstance(value, Mapping) and value.get("kind") in ("node", "relationship"):
        return int(value["id"])
    return value


def _unnamed(column: str) -> CypherSemanticError:
    return CypherSemanticError(
        f"a subquery's returned column {column!r} needs a plain name (RETURN ... AS name)"
    )
