"""Indexes populated in the background, as Neo4j populates them.

``CREATE INDEX`` over a label holding more than ``KGMEM_CYPHER_INDEX_BACKGROUND_ROWS``
elements answers at once: its declaration is recorded ``POPULATING`` and a serving
process's ``index-population`` service builds it with PostgreSQL's ``CREATE INDEX
CONCURRENTLY`` (writes go on meanwhile, and are in the index once it is valid), table
by table, then records it ``ONLINE``; ``FAILED`` with PostgreSQL's reason when the
build is refused. ``SHOW INDEXES`` shows the state and the share of tables built;
``db.awaitIndexes`` / ``db.awaitIndex`` and the vector and full-text query procedures
wait for it (``wait_online``). Smaller indexes, every index declared in an explicit
transaction and every index of a process that serves nothing (``Memory`` opened as a
library) are built in their statement, as before.

Nothing is lost when a build stops half way: the declaration stays ``POPULATING`` in
the namespace's own catalogue (so backups, restores and replicas carry it), the
service looks for such declarations in every namespace when it starts and every
``interval_s`` after, and a build drops the invalid leftover of an interrupted one
before building again. Two processes never build the same index at once: each build
holds a session advisory lock on (namespace, index), which dies with its connection.
``DROP INDEX`` of a populating index cancels its build (``cancel``).

The same service gives a label table that AGE created by itself (a Cypher ``CREATE`` of
a label kgmem had not made) the ``id(n)`` index every label table kgmem makes has, so
``WHERE elementId(n) = $id`` stays an index scan there too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import asyncpg

from kgmem.errors import ProcedureFailed
from kgmem.neo4j_schema import dispatch, handlers
from kgmem.neo4j_schema.model import Index
from kgmem.process.periodic import Periodic
from kgmem.storage.graph import namespaces as ns_store
from kgmem.storage.neo4j_schema import catalog, population_sql
from kgmem.storage.neo4j_schema.vector_sql import BUILD_MEMORY
from kgmem.storage.refs import NamespaceRef

_log = logging.getLogger("kgmem.neo4j_schema.population")

APPLICATION = "kgmem-index-population"
_TRANSIENT = ("08", "57")  # connection lost, operator intervention (cancel, shutdown)
_LOCK = "pg_try_advisory_lock(hashtext($1), hashtext($2))"
_UNLOCK = "pg_advisory_unlock(hashtext($1), hashtext($2))"
_HOLDER = (
    "SELECT pid FROM pg_catalog.pg_locks WHERE locktype = 'advisory' AND objsubid = 2 "
    "AND classid = hashtext($1)::oid AND objid = hashtext($2)::oid AND granted"
)

BUILD_TIMEOUT = "6h"
"""The longest one step of a build may take (``statement_timeout`` of the service)."""

_running: dict[int, Population] = {}
"""The services of this process, by the id of the store (``Database``) they serve."""


async def population_connection(url: str) -> asyncpg.Connection:
    """A connection of the service's own, outside the pool: ``BUILD_TIMEOUT`` per
    statement, the memory an HNSW build wants."""
    return await asyncpg.connect(
        url,
        server_settings={
            "application_name": APPLICATION,
            "search_path": 'ag_catalog, "$user", public',  # as the pool's: AGE's types
            "statement_timeout": BUILD_TIMEOUT,
            "maintenance_work_mem": BUILD_MEMORY,
        },
    )


def available(store: object) -> bool:
    """Whether this process builds ``store``'s indexes in the background."""
    return id(store) in _running


def wake(store: object) -> None:
    """Have ``store``'s service look for indexes to build now."""
    found = _running.get(id(store))
    if found is not None:
        found.wake()


class Population:
    """The ``index-population`` service of one store (see the module docstring)."""

    def __init__(
        self,
        store: object,
        connect: Callable[[], Awaitable[asyncpg.Connection]],
        *,
        interval_s: float = 60.0,
    ) -> None:
        self.store = store
        self.interval_s = interval_s
        self._wake = asyncio.Event()
        self._wake.set()  # the first step looks at once: builds a restart interrupted
        self.service = Periodic(
            "index-population", 0.05, self._step, connect=connect, max_backoff_s=30.0
        )

    def start(self) -> None:
        _running[id(self.store)] = self
        self.service.start()

    async def stop(self) -> None:
        if _running.get(id(self.store)) is self:
            del _running[id(self.store)]
        await self.service.stop()

    def wake(self) -> None:
        self._wake.set()

    async def _step(self, conn: asyncpg.Connection | None) -> None:
        assert conn is not None
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), self.interval_s)
        self._wake.clear()
        for schema, name in await population_sql.populating(conn):
            await populate(conn, schema, name)
        for schema, step in await population_sql.missing_id_indexes(conn):
            await population_sql.build(conn, schema, step)


async def populate(conn: asyncpg.Connection, namespace: str, name: str) -> None:
    """Build the declared index ``name`` of ``namespace`` on ``conn`` (outside any
    transaction) unless another connection is building it or it is no longer
    ``POPULATING``; record it ``ONLINE`` or ``FAILED``. A transient failure (the
    connection lost, the build cancelled) is raised and leaves it ``POPULATING``."""
    if not await conn.fetchval(f"SELECT {_LOCK}", namespace, name):
        return
    try:
        ns = await ns_store.resolve(conn, namespace)
        obj = await catalog.get(conn, ns, name)
        if isinstance(obj, Index) and obj.state == "POPULATING":
            await _build(conn, ns, obj)
    finally:
        if not conn.is_closed():
            await conn.fetchval(f"SELECT {_UNLOCK}", namespace, name)


async def _build(conn: asyncpg.Connection, ns: NamespaceRef, obj: Index) -> None:
    handler = handlers.handler(obj)
    tables = await dispatch.tables_of(conn, ns, obj)
    names: list[str] = []
    started = time.monotonic()
    try:
        for done, table in enumerate(tables, start=1):
            for step in (handler.builds(ns, obj, table) if handler else None) or []:
                await population_sql.build(conn, ns.name, step)
                names += [step.name] if step.name else []
            await catalog.set_state(conn, ns, obj.name, "POPULATING", progress=_share(done, tables))
    except asyncpg.PostgresError as exc:
        if await _declared(conn, ns, obj.name):
            if str(exc.sqlstate or "")[:2] in _TRANSIENT:
                raise
            reason = f"PostgreSQL refused the build (SQLSTATE {exc.sqlstate}): {exc}"
            await catalog.set_state(conn, ns, obj.name, "FAILED", failure=reason, progress=0)
            _log.warning("index %s of %s failed to populate: %s", obj.name, ns.name, exc)
            return
        await population_sql.drop_leftovers(conn, ns, names)
        return
    async with conn.transaction():
        await catalog.lock(conn, ns)
        if await _declared(conn, ns, obj.name):
            await catalog.set_state(conn, ns, obj.name, "ONLINE")
            elapsed = time.monotonic() - started
            _log.info("index %s of %s is online (%.1f s)", obj.name, ns.name, elapsed)
            return
    await population_sql.drop_leftovers(conn, ns, names)


def _share(done: int, tables: Sequence[str]) -> float:
    return round(100.0 * done / max(len(tables), 1), 1)


async def _declared(conn: asyncpg.Connection, ns: NamespaceRef, name: str) -> bool:
    found = await catalog.get(conn, ns, name)
    return isinstance(found, Index) and found.state == "POPULATING"


async def cancel(conn: Any, ns: NamespaceRef, name: str) -> None:
    """Cancel the build of index ``name`` under way on any connection (``DROP INDEX``
    of a populating index: the build would hold the table against the drop)."""
    for record in await conn.fetch(_HOLDER, ns.name, name):
        await conn.execute("SELECT pg_cancel_backend($1)", record["pid"])


async def wait_online(
    reader: Any, names: Sequence[str] | None, timeout_s: float, *, poll_s: float = 0.1
) -> None:
    """Wait until the indexes ``names`` (None: every index) are ``ONLINE``.

    ``ProcedureFailed`` for one that is ``FAILED`` (with its reason) or still
    populating after ``timeout_s`` seconds (the request's own deadline still applies)."""
    deadline = time.monotonic() + max(timeout_s, 0.0)
    while True:
        states = await _states(reader)
        pending = [n for n, (state, _) in states.items() if names is None or n in names]
        failed = [(n, states[n][1]) for n in pending if states[n][0] == "FAILED"]
        if failed:
            name, reason = failed[0]
            raise ProcedureFailed(f"Index `{name}` is in a FAILED state: {reason}")
        if not [n for n in pending if states[n][0] == "POPULATING"]:
            return
        if time.monotonic() >= deadline:
            raise ProcedureFailed(
                f"Index population exceeded the timeout of {timeout_s:g} seconds: "
                f"{', '.join(sorted(n for n in pending if states[n][0] == 'POPULATING'))} "
                "still POPULATING"
            )
        await asyncio.sleep(poll_s)


async def _states(reader: Any) -> dict[str, tuple[str, str | None]]:
    exists = await reader.sql(catalog.EXISTS_SQL)
    if not exists or not exists[0][0]:
        return {}
    rows = await reader.sql(catalog.SELECT_SQL)
    return {str(r[0]): (str(r[9]), r[12]) for r in rows if r[1] == "INDEX"}
