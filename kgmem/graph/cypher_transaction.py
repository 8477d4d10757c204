"""Several analyst Cypher queries in one database transaction (Bolt's explicit
transactions): the same checks, role, statement timeout and row cap as
``kgmem.graph.cypher.run``, on one connection held until commit or rollback, taken
from the pool's share for analysts (``Database.sharing``)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import replace

from kgmem.cypher import Mode, clock, positions, write_items
from kgmem.errors import StorageError
from kgmem.graph import callers, schema_statements
from kgmem.graph import cypher as graph_cypher
from kgmem.graph.graph_context import GraphContext
from kgmem.model import CypherResult
from kgmem.model.cypher_summary import NO_CHANGES
from kgmem.schema import validate_namespace_name
from kgmem.settings.config import CypherSettings
from kgmem.storage.graph import cypher as cypher_store
from kgmem.storage.graph import namespaces as ns_store
from kgmem.storage.refs import NamespaceRef

Runner = Callable[[graph_cypher.CypherRequest], Awaitable[CypherResult]]


@asynccontextmanager
async def transaction(
    ctx: GraphContext, namespace: str, mode: Mode, settings: CypherSettings
) -> AsyncIterator[Runner]:
    """A function running requests inside one transaction on ``namespace``: committed
    when the block ends, undone when it raises. A read transaction is READ ONLY, as
    the namespace's reader role; every request's mode must match ``mode``."""
    validate_namespace_name(namespace)
    if mode == "read":
        await graph_cypher.reader_role(ctx, namespace)
    started_at = clock.now()
    async with (
        ctx.db.sharing(),
        ctx.db.transaction(readonly=mode == "read", fresh_after_errors=True) as conn,
    ):
        ns: NamespaceRef | None = None
        if mode == "read":
            if not await cypher_store.enter_read(
                conn, namespace, settings, settings.statement_timeout_ms
            ):
                raise StorageError(f"the read-only role of namespace {namespace!r} is not ready")
        else:
            ns = await ns_store.resolve(conn, namespace)
            await cypher_store.enter_write(conn, settings.statement_timeout_ms)

        async def run(request: graph_cypher.CypherRequest) -> CypherResult:
            with clock.transaction(started_at):
                return await _one(request)

        async def _one(request: graph_cypher.CypherRequest) -> CypherResult:
            schema_plan = schema_statements.explain(request.query, request.params)
            if schema_plan is not None:
                return schema_plan
            declared = schema_statements.declaration(request.query, request.params)
            if declared is not None:
                return await schema_statements.run_on(conn, ctx, namespace, declared, mode)
            started = time.perf_counter()
            checked = await graph_cypher.planned(replace(request, mode=mode), settings)
            planned = time.perf_counter()
            cap = graph_cypher.cap(request.limit, settings)
            call = graph_cypher.call_of(namespace, checked, request.params, cap)
            if ns is not None:  # a write transaction
                await graph_cypher.make_labels(ctx, conn, ns, checked)
            counted = NO_CHANGES
            async with callers.share(ctx.db, "cypher", settings.concurrent_queries):
                with positions.placed(request.query, checked.text):
                    if ns is not None:  # a write transaction
                        items = write_items.count(request.query, request.params)
                        raw, counted = await graph_cypher.counted_call(
                            conn, ns, call, (checked, items), ctx
                        )
                    else:
                        raw = await cypher_store.run(conn, call)
            graph_cypher.check_size(raw, settings.max_result_bytes)
            done = graph_cypher.result(checked, raw, cap, started, planned, time.perf_counter())
            return replace(done, counters=counted)

        yield run
