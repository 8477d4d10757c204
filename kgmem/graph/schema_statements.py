"""Neo4j's schema statements on the Cypher path: ``CREATE`` / ``DROP`` of indexes and
constraints run here in one write transaction (``kgmem.neo4j_schema.dispatch``), and
answer an empty result; ``SHOW ...`` becomes a procedure call
(``kgmem.neo4j_schema.show``) before the query reaches the procedures.

They need write mode (a write key): in read mode they are refused with
``CypherAccessMode``, as write procedures are. ``EXPLAIN`` of one parses it and
answers its plan: the PostgreSQL objects it would build are not planned queries.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from kgmem.cypher import Mode, explained
from kgmem.cypher_errors import CypherAccessMode
from kgmem.graph import deadline
from kgmem.graph.graph_context import GraphContext
from kgmem.model import CypherResult
from kgmem.model.cypher_summary import NO_CHANGES, CypherCounters
from kgmem.neo4j_schema import dispatch, population, show
from kgmem.neo4j_schema.model import Create, Drop, Index, SchemaObject, Show
from kgmem.neo4j_schema.statement_syntax import is_schema_statement, parse
from kgmem.schema import validate_namespace_name
from kgmem.settings.config import CypherSettings
from kgmem.storage import Connection
from kgmem.storage.graph import cypher as cypher_store
from kgmem.storage.graph import namespaces as ns_store


def shown(query: str, params: Mapping[str, Any] | None) -> str:
    """``query`` with a ``SHOW INDEXES|CONSTRAINTS`` (also after ``EXPLAIN``) made the
    call of its procedure; any other query unchanged."""
    inner = explained(query)
    text = query if inner is None else inner
    if not is_schema_statement(text):
        return query
    statement = parse(text, params)
    if not isinstance(statement, Show):
        return query
    head = "" if inner is None else query[: len(query) - len(inner)]
    return head + show.as_call(statement)


def declaration(query: str, params: Mapping[str, Any] | None) -> Create | Drop | None:
    """The ``CREATE`` / ``DROP`` statement ``query`` is, or None for any other query
    (an ``EXPLAIN`` of one included: ``explain`` answers it)."""
    if not is_schema_statement(query):
        return None
    statement = parse(query, params)
    return statement if isinstance(statement, Create | Drop) else None


def permitted(statement: Create | Drop, mode: Mode) -> None:
    """Refuse a schema change in read mode."""
    if mode != "write":
        word = "CREATE" if isinstance(statement, Create) else "DROP"
        raise CypherAccessMode(f"{word} of an index or constraint changes the namespace")


async def run(
    ctx: GraphContext,
    namespace: str,
    statement: Create | Drop,
    mode: Mode,
    settings: CypherSettings,
) -> CypherResult:
    """Apply ``statement`` to ``namespace`` in its own write transaction (a large index
    is declared here and populated in the background when this process serves)."""
    started = time.perf_counter()
    validate_namespace_name(namespace)
    permitted(statement, mode)

    background = settings.index_background_rows if population.available(ctx.db) else None

    async def work(conn: Connection) -> SchemaObject | None:
        ns = await ns_store.resolve(conn, namespace)
        await cypher_store.enter_write(conn, deadline.remaining_ms(settings.statement_timeout_ms))
        return await dispatch.execute(conn, ns, statement, ctx.schema, background_rows=background)

    done = await ctx.db.in_transaction(work)
    if isinstance(done, Index) and done.state == "POPULATING":
        population.wake(ctx.db)
    return changed(started, statement, done)


async def run_on(
    conn: Connection, ctx: GraphContext, namespace: str, statement: Create | Drop, mode: Mode
) -> CypherResult:
    """Apply ``statement`` inside the caller's open write transaction on ``conn`` (an
    index is built in the statement: nothing could build it before the commit)."""
    started = time.perf_counter()
    permitted(statement, mode)
    ns = await ns_store.resolve(conn, namespace)
    return changed(started, statement, await dispatch.execute(conn, ns, statement, ctx.schema))


def explain(query: str, params: Mapping[str, Any] | None) -> CypherResult | None:
    """The answer to ``EXPLAIN`` of a ``CREATE`` / ``DROP`` statement, or None when
    ``query`` is not one."""
    inner = explained(query)
    if inner is None or not is_schema_statement(inner):
        return None
    statement = parse(inner, params)
    if isinstance(statement, Show):
        return None
    lines = ["schema statement (not run by EXPLAIN):", f"  {statement!r}"]
    return CypherResult(
        columns=["plan"], rows=[[line] for line in lines], truncated=False, timings={}
    )


def changed(started: float, statement: Create | Drop, done: SchemaObject | None) -> CypherResult:
    """The answer to a schema change: no columns, no rows, query type ``s``, and the
    index or constraint added or removed (none when ``IF [NOT] EXISTS`` did nothing)."""
    total = round((time.perf_counter() - started) * 1000, 3)
    counted = NO_CHANGES
    if done is not None:
        kind = "indexes" if isinstance(done, Index) else "constraints"
        way = "added" if isinstance(statement, Create) else "removed"
        counted = CypherCounters(**{f"{kind}_{way}": 1})
    return CypherResult(
        columns=[],
        rows=[],
        truncated=False,
        timings={"total_ms": total},
        counters=counted,
        query_type="s",
    )
