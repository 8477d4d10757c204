"""Cypher queries on a namespace: plan, run in the right transaction and role, decode.

A read runs in a READ ONLY transaction as the namespace's reader role; a write runs in
an ordinary transaction as the service's own role (the caller checked the key's
scope). Both get the Cypher statement timeout; rows are capped at the request's limit
(at most ``KGMEM_CYPHER_MAX_ROWS``), one more row is fetched to tell whether the cap
cut the answer. At most ``KGMEM_CYPHER_CONCURRENT_QUERIES`` run at once per process
(on connections of the pool's share for analysts, ``Database.sharing``),
a read's sorts and hashes get ``KGMEM_CYPHER_WORK_MEM`` each, and an answer larger
than ``KGMEM_CYPHER_MAX_RESULT_BYTES`` is refused before it is decoded.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from kgmem.cypher import (
    CypherPlan,
    Mode,
    clock,
    cost,
    explained,
    guard,
    in_lists,
    label_sets,
    numbered,
    planner,
    positions,
    shortest_paths,
    write_items,
)
from kgmem.cypher import values as cypher_values
from kgmem.cypher.plan import finish
from kgmem.errors import CypherTimeout, InvalidNumber, InvalidText, LimitExceeded, StorageError
from kgmem.graph import callers, deadline, schema_statements, summary
from kgmem.graph.graph_context import GraphContext
from kgmem.model import CypherResult
from kgmem.model.cypher_summary import NO_CHANGES, CypherCounters
from kgmem.neo4j_schema import dispatch
from kgmem.schema import validate_namespace_name
from kgmem.settings.config import CypherSettings
from kgmem.storage import Connection, agtype
from kgmem.storage.graph import cypher as cypher_store
from kgmem.storage.graph import cypher_deletes, relabels
from kgmem.storage.graph import label_sets as label_store
from kgmem.storage.graph import namespaces as ns_store
from kgmem.storage.graph.counters import Tally
from kgmem.storage.refs import NamespaceRef
from kgmem.storage.sql import ident
from kgmem.storage.sql import reader_role as role_name
from kgmem.text import jsontext


@dataclass(frozen=True, slots=True)
class CypherRequest:
    """A query, its parameters, the mode and an optional row limit."""

    query: str
    params: Mapping[str, Any]
    mode: Mode = "read"
    limit: int | None = None


async def run(
    ctx: GraphContext, namespace: str, request: CypherRequest, settings: CypherSettings
) -> CypherResult:
    """Run ``request`` on ``namespace``; see the module docstring. A query that starts
    with ``EXPLAIN`` is not run: its one column ``plan`` holds the lines of ``explain()``."""
    started = time.perf_counter()
    validate_namespace_name(namespace)
    inner = explained(request.query)
    if inner is not None:
        schema_plan = schema_statements.explain(request.query, request.params)
        if schema_plan is not None:
            return schema_plan
        return await _plan_rows(ctx, namespace, replace(request, query=inner), settings)
    declared = schema_statements.declaration(request.query, request.params)
    if declared is not None:
        return await schema_statements.run(ctx, namespace, declared, request.mode, settings)
    checked = await planned(request, settings)
    planned_at = time.perf_counter()
    cap = _cap(request.limit, settings)
    call = call_of(namespace, checked, request.params, cap)
    counted = NO_CHANGES
    async with callers.share(ctx.db, "cypher", settings.concurrent_queries), ctx.db.sharing():
        with positions.placed(request.query, checked.text):
            if request.mode == "read":
                raw = await _read(ctx, namespace, call, settings)
            else:
                items = write_items.count(request.query, request.params)
                raw, counted = await _write(ctx, namespace, call, settings, (checked, items))
    _check_size(raw, settings.max_result_bytes)
    decoding = time.perf_counter()
    answer = _result(checked, raw, cap, started, planned_at, decoding)
    return replace(answer, counters=counted)


@contextlib.asynccontextmanager
async def bounded(query: str, settings: CypherSettings) -> AsyncIterator[None]:
    """Run the block as one Cypher request on ``query``: its size and cost checked before
    any work (``kgmem.cypher.cost``, off the event loop for a long text), then one
    deadline of the statement timeout for everything it runs (``kgmem.graph.deadline``),
    past which it is cancelled with ``CypherTimeout``; its readings of the current time
    all answer one instant (``kgmem.cypher.clock``)."""
    guard.check_text(query)
    if len(query) > _INLINE_CHECK_CHARS:
        await asyncio.to_thread(cost.check_text, query)
    else:
        cost.check_text(query)
    with clock.statement(), deadline.within(settings.statement_timeout_ms / 1000) as seconds:
        # The statements' own timeouts (what is left of the deadline) end them first, in
        # the database; this cancels what is still waiting just after.
        limit = asyncio.timeout(seconds + _CANCEL_GRACE_S)
        try:
            async with limit:
                yield
        except TimeoutError:
            if not limit.expired():
                raise
            raise CypherTimeout(
                f"the query ran past its time limit of {settings.statement_timeout_ms} ms "
                "(KGMEM_CYPHER_STATEMENT_TIMEOUT_MS), its procedure calls and parts included"
            ) from None


_CANCEL_GRACE_S = 1.0
# Queries up to this long are checked on the event loop (a fraction of a millisecond).
_INLINE_CHECK_CHARS = 4096


async def planned(request: CypherRequest, settings: CypherSettings) -> CypherPlan:
    """``request`` planned off the event loop (``kgmem.cypher.planner``), within what is
    left of the request's deadline."""
    seconds = deadline.remaining(settings.statement_timeout_ms / 1000)
    lists = in_lists.shape(request.query, request.params)
    prepared = await planner.default().prepare(request.query, request.mode, seconds, lists)
    return finish(prepared, request.params)


def call_of(
    namespace: str, checked: CypherPlan, params: Mapping[str, Any], cap: int
) -> cypher_store.CypherCall:
    """The ``cypher()`` call of a checked plan, fetching one row past ``cap``."""
    return cypher_store.CypherCall(
        graph=namespace,
        text=checked.text,
        tag=checked.tag,
        columns=len(checked.columns),
        params_json=_params_json(bound_params(namespace, checked, params)),
        max_rows=cap + 1,
        lookups=checked.lookups,
        merges=checked.merges,
    )


def bound_params(
    namespace: str, checked: CypherPlan, params: Mapping[str, Any]
) -> Mapping[str, Any]:
    """``params`` as the text sent to AGE names them (``kgmem.cypher.numbered``), with
    what kgmem binds itself: the clocks the plan reads
    (``kgmem.cypher.clock``) and the namespace's name, when the plan reads it
    (``kgmem.cypher.shortest_paths``)."""
    params = clock.bind(checked.clocks, numbered.renamed(params))
    if not checked.graph_parameter:
        return params
    return {**params, shortest_paths.GRAPH_PARAMETER: namespace}


def _check_size(raw: cypher_store.CypherRows, most: int) -> None:
    size = sum(len(cell) for row in raw.rows for cell in row if cell is not None)
    if size > most:
        raise LimitExceeded(
            f"the answer holds {size} bytes of values, more than {most} "
            "(KGMEM_CYPHER_MAX_RESULT_BYTES): return fewer or smaller values, or add LIMIT"
        )


async def explain(
    ctx: GraphContext, namespace: str, request: CypherRequest, settings: CypherSettings
) -> list[str]:
    """kgmem's plan (columns, rewrites, the text sent) and PostgreSQL's plan for
    ``request``, without running it (in a read-only transaction)."""
    validate_namespace_name(namespace)
    checked = await planned(request, settings)
    call = cypher_store.CypherCall(
        graph=namespace,
        text=checked.text,
        tag=checked.tag,
        columns=len(checked.columns),
        params_json=_params_json(bound_params(namespace, checked, request.params)),
        max_rows=_cap(request.limit, settings) + 1,
        lookups=checked.lookups,
        merges=checked.merges,
    )
    lines = [
        f"columns: {', '.join(checked.columns) or '(none)'}",
        f"parameters: {', '.join(sorted(checked.parameters)) or '(none)'}",
        f"rewrites: {', '.join(checked.rewrites) or '(none)'}",
        f"writes: {'yes' if checked.writes else 'no'}",
        "cypher sent to AGE:",
        *("  " + line for line in checked.text.splitlines()),
        "PostgreSQL plan:",
    ]
    if request.mode == "read":
        await _ensure_reader(ctx, namespace)
    planned_lines: list[str] = []
    with contextlib.suppress(_Undone):
        async with ctx.db.transaction(readonly=request.mode == "read") as conn:
            await _enter(conn, namespace, request.mode, settings)
            with positions.placed(request.query, checked.text):
                planned_lines = await cypher_store.explain(conn, call)
            if request.mode == "write":
                raise _Undone
    return lines + ["  " + line for line in planned_lines]


class _Undone(Exception):
    """Ends the transaction of a write's EXPLAIN, undoing what planning made."""


async def _enter(conn: Connection, namespace: str, mode: Mode, settings: CypherSettings) -> None:
    """Take the role ``explain()`` plans as: the reader for a read, in a read-only
    transaction; for a write (the caller has the write scope) the service itself, as a
    reader cannot plan writes, in a transaction always undone: EXPLAIN runs nothing,
    but AGE makes the labels a write names when it plans it."""
    if mode == "write":
        await ns_store.resolve(conn, namespace)
        await cypher_store.enter_write(conn, deadline.remaining_ms(settings.statement_timeout_ms))
    elif not await cypher_store.enter_read(
        conn, namespace, settings, deadline.remaining_ms(settings.statement_timeout_ms)
    ):
        raise StorageError(f"the read-only role of namespace {namespace!r} is not ready")


async def _plan_rows(
    ctx: GraphContext, namespace: str, request: CypherRequest, settings: CypherSettings
) -> CypherResult:
    """``explain()`` as a result: one column ``plan``, one row per line."""
    started = time.perf_counter()
    lines = await explain(ctx, namespace, request, settings)
    total = round((time.perf_counter() - started) * 1000, 3)
    return CypherResult(
        columns=["plan"],
        rows=[[line] for line in lines],
        truncated=False,
        timings={"total_ms": total},
    )


def _cap(limit: int | None, settings: CypherSettings) -> int:
    if limit is None:
        return settings.max_rows
    if limit < 1 or limit > settings.max_rows:
        raise LimitExceeded(
            f"limit must be between 1 and {settings.max_rows} (KGMEM_CYPHER_MAX_ROWS)"
        )
    return limit


def _params_json(params: Mapping[str, Any]) -> str:
    bad = jsontext.non_finite(params)
    if bad is not None:  # the encoder would write it as null
        raise InvalidNumber(f"parameter value {bad} is not a finite number")
    if any(isinstance(v, str) and "\x00" in v for v in jsontext.leaves(dict(params))):
        raise InvalidText("a parameter holds a NUL character (U+0000): PostgreSQL keeps none")
    return agtype.encode(dict(params))


async def _read(
    ctx: GraphContext, namespace: str, call: cypher_store.CypherCall, settings: CypherSettings
) -> cypher_store.CypherRows:
    for _ in range(2):
        async with ctx.db.transaction(readonly=True, fresh_after_errors=True) as conn:
            if await cypher_store.enter_read(
                conn, namespace, settings, deadline.remaining_ms(settings.statement_timeout_ms)
            ):
                return await cypher_store.run(conn, call)
        await _ensure_reader(ctx, namespace)  # first read of this namespace, or a new one
    raise StorageError(f"the read-only role of namespace {namespace!r} could not be prepared")


async def read_sql(
    ctx: GraphContext, namespace: str, sql: str, args: Sequence[Any], settings: CypherSettings
) -> list[Any]:
    """The rows of ``sql`` (kgmem's own text, ``{schema}`` standing for the namespace's
    quoted graph schema) read as the namespace's reader role in a READ ONLY transaction,
    within what is left of the request's deadline: what procedure bodies read beside
    Cypher (indexes the Cypher text cannot reach, the declared schema)."""
    validate_namespace_name(namespace)
    text = sql.replace("{schema}", ident(namespace))
    for _ in range(2):
        async with ctx.db.transaction(readonly=True) as conn:
            if await cypher_store.enter_read(
                conn, namespace, settings, deadline.remaining_ms(settings.statement_timeout_ms)
            ):
                return list(await conn.fetch(text, *args))
        await _ensure_reader(ctx, namespace)
    raise StorageError(f"the read-only role of namespace {namespace!r} could not be prepared")


async def reader_role(ctx: GraphContext, namespace: str) -> str:
    """The namespace's read-only role, created and granted if needed (for analysts who
    connect with psql or AGE Viewer through a login role that is a member of it)."""
    validate_namespace_name(namespace)
    await _ensure_reader(ctx, namespace)
    return role_name(namespace)


async def _ensure_reader(ctx: GraphContext, namespace: str) -> None:
    """Make ``namespace``'s reader role ready. Only the primary makes it: on a replica
    (which takes no writes) a role not ready yet is a ``StorageError``, and the read
    goes to the primary (``kgmem.graph.read_routing``), which prepares it; servers with
    replicas prepare every namespace's role on the primary at start and at its
    creation (``prepare_readers``)."""
    async with ctx.db.acquire() as conn:
        await ns_store.resolve(conn, namespace)
        ready = await cypher_store.reader_ready(conn, namespace)
    if ready:
        return
    if ctx.db.failovers.standby:
        raise StorageError(f"the read-only role of namespace {namespace!r} is not ready here")
    async with ctx.db.transaction() as conn:
        await cypher_store.ensure_reader(conn, namespace)


async def prepare_readers(ctx: GraphContext, namespaces: Sequence[str]) -> None:
    """Make the reader role of each of ``namespaces`` ready, on the primary of ``ctx``:
    a replica then serves their Cypher reads from the first one."""
    for namespace in namespaces:
        await _ensure_reader(ctx, namespace)


def composites(checked: CypherPlan) -> list[tuple[str, tuple[str, ...]]]:
    """The composite labels the query creates nodes in: each one's name, then the AGE
    labels of its labels (``label_sets.stored``), the tables it inherits from."""
    return [
        (label_sets.composite(labels), tuple(map(label_sets.stored, labels)))
        for labels in checked.label_sets
    ]


async def _write(
    ctx: GraphContext,
    namespace: str,
    call: cypher_store.CypherCall,
    settings: CypherSettings,
    planned: tuple[CypherPlan, write_items.WriteItems],
) -> tuple[cypher_store.CypherRows, CypherCounters]:
    """Run ``call`` (of the ``planned`` query, with its write items) in its own
    transaction, after making the composite labels it creates nodes in; its rows and
    what it changed."""
    checked, items = planned

    async def work(conn: Connection) -> tuple[cypher_store.CypherRows, CypherCounters]:
        ns = await ns_store.resolve(conn, namespace)
        await make_labels(ctx, conn, ns, checked)
        await cypher_store.enter_write(conn, deadline.remaining_ms(settings.statement_timeout_ms))
        return await counted_call(conn, ns, call, (checked, items), ctx)

    # One statement in its own transaction: safe to run again when a concurrent write
    # deadlocked with it or created the same new label first. An undone one closes its
    # connection, as a read's does (``Database.transaction``): AGE's variable-length
    # match leaves freed state in the cached statement, whose next run crashed PostgreSQL.
    return await ctx.db.in_transaction(work, fresh_after_errors=True)


async def make_labels(
    ctx: GraphContext, conn: Connection, ns: NamespaceRef, checked: CypherPlan
) -> None:
    """Before a write plan runs in ``ns``: make the labels of the graph schema it names,
    with the indexes the schema declares (a namespace makes a label on its first use,
    ``kgmem.storage.graph.namespaces.STANDING_VERTICES``; AGE would make it bare), and
    the composite labels it creates nodes in."""
    await ctx.db.labels.ensure_declared(conn, ns, checked.named, ctx.schema)
    await ctx.db.labels.ensure_made(conn, ns, checked.made, ctx.schema)
    if checked.label_sets:
        await label_store.ensure(conn, ns, composites(checked), ctx.schema, dispatch.extend_to)


async def counted_call(
    conn: Connection,
    ns: NamespaceRef,
    call: cypher_store.CypherCall,
    planned: tuple[CypherPlan, write_items.WriteItems],
    ctx: GraphContext,
) -> tuple[cypher_store.CypherRows, CypherCounters]:
    """Run ``call`` of a write query on ``conn`` (through ``relabels`` when the query
    sets or removes labels); its rows and what it changed (``kgmem.graph.summary``),
    counted only when the query can write."""
    checked, items = planned
    if not checked.writes:
        return await cypher_store.run(conn, call), NO_CHANGES
    tally = Tally(ns.graph_oid)
    if checked.relabels:
        raw = await relabels.run(conn, ns, call, ctx.schema, dispatch.extend_to, tally)
    else:
        await tally.begin(conn)
        raw = await cypher_store.run(conn, call)
        await tally.end(conn)
    changes = await tally.changes(conn, raw.moved)
    await cypher_deletes.settle(conn, ns, changes)
    return raw, summary.counters(changes, items)


def _result(
    checked: CypherPlan,
    raw: cypher_store.CypherRows,
    cap: int,
    started: float,
    planned: float,
    decoding: float,
) -> CypherResult:
    truncated = len(raw.rows) > cap
    rows = [[cypher_values.decode(cell) for cell in row] for row in raw.rows[:cap]]
    done = time.perf_counter()
    timings = {
        "plan_ms": round((planned - started) * 1000, 3),
        "database_ms": round(raw.database_ms, 3),
        "decode_ms": round((done - decoding) * 1000, 3),
        "total_ms": round((done - started) * 1000, 3),
    }
    return CypherResult(
        columns=list(checked.columns),
        rows=rows,
        truncated=truncated,
        timings=timings,
        rewrites=checked.rewrites,
        temporal=checked.temporal,
        read_back=checked.read_back,
        query_type=summary.query_type(checked.writes, checked.columns),
    )


# The pieces an explicit transaction (kgmem.graph.cypher_transaction) reuses.
cap = _cap
check_size = _check_size
result = _result
