"""The engines ``bench tck`` runs each scenario's queries on: kgmem's Cypher path in
write mode, and raw AGE (the query as-is inside ``cypher()``, the baseline)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Protocol

import asyncpg

from bench import tck_procedures
from kgmem import __version__
from kgmem.cypher import clock, label_sets
from kgmem.cypher import plan as cypher_plan
from kgmem.cypher import values as cypher_values
from kgmem.errors import KgmemError
from kgmem.graph import cypher as graph_cypher
from kgmem.memory import procedures as memory_procedures
from kgmem.neo4j_schema import dispatch
from kgmem.neo4j_schema.errors import ConstraintViolation
from kgmem.procedures import Registry
from kgmem.procedures import builtin as builtin_procedures
from kgmem.schema import GraphSchema
from kgmem.storage.graph import cypher as cypher_store
from kgmem.storage.graph import label_sets as label_store
from kgmem.storage.graph import relabels
from kgmem.storage.refs import NamespaceRef


@dataclass
class Outcome:
    columns: list[str] = field(default_factory=list)
    rows: list[list[Any]] = field(default_factory=list)
    error: str | None = None  # the error class
    message: str = ""
    # Nodes whose labels the query changed: (old graph id, new graph id); the same node.
    moved: tuple[tuple[int, int], ...] = ()


class Engine(Protocol):
    name: str
    procedures: Registry  # the scenario's: the built-ins and those its steps declare

    async def execute(
        self, conn: asyncpg.Connection, graph: str, query: str, params: dict[str, Any],
        header: list[str] | None,
    ) -> Outcome: ...  # fmt: skip


class KgmemEngine:
    """kgmem's Cypher path in write mode."""

    name = "kgmem"

    def __init__(self) -> None:
        self.procedures = builtin_procedures.registry(__version__)

    async def execute(
        self, conn: asyncpg.Connection, graph: str, query: str, params: dict[str, Any],
        header: list[str] | None,
    ) -> Outcome:  # fmt: skip
        scope = memory_procedures.Scope(self.procedures, "write", 10_000, _TIMEOUT_MS / 1000)
        try:
            with clock.statement():  # one instant for the statement, as POST /cypher
                return await self._execute(conn, graph, query, params, scope)
        except ConstraintViolation as exc:  # Neo4j's ConstraintValidationFailed
            return Outcome(error="constraint", message=exc.detail)
        except KgmemError as exc:
            return Outcome(error=str(exc.extra.get("error_class", "other")), message=exc.detail)

    async def _execute(
        self, conn: asyncpg.Connection, graph: str, query: str, params: dict[str, Any],
        scope: memory_procedures.Scope,
    ) -> Outcome:  # fmt: skip
        source = tck_procedures.ConnectionSource(conn, graph)
        prepared = await memory_procedures.prepare(
            source, graph, query, params, scope=scope, known=True
        )
        if prepared.answer is not None:
            return Outcome(columns=prepared.answer.columns, rows=prepared.answer.rows)
        planned = cypher_plan(prepared.query, prepared.params, mode="write")
        bound = graph_cypher.bound_params(graph, planned, prepared.params)
        call = cypher_store.CypherCall(
            graph=graph, text=planned.text, tag=planned.tag, columns=len(planned.columns),
            params_json=json.dumps(bound), max_rows=None,
        )  # fmt: skip
        async with conn.transaction():
            await cypher_store.enter_write(conn, _TIMEOUT_MS)
            ns = await _namespace(conn, graph)
            await _composites(conn, ns, planned.label_sets)
            if planned.relabels:
                raw = await relabels.run(conn, ns, call, _NO_SCHEMA, dispatch.extend_to)
            else:
                raw = await cypher_store.run(conn, call)
        rows = [[cypher_values.decode_raw(c) for c in row] for row in raw.rows]
        return Outcome(columns=planned.columns, rows=rows, moved=raw.moved)


_NO_SCHEMA = GraphSchema(vertices={}, edges={})
# The statement timeout and kgmem's operators first on the search path, as for POST
# /cypher (``cypher_store.enter_write``).
_TIMEOUT_MS = 60_000


async def _namespace(conn: asyncpg.Connection, graph: str) -> NamespaceRef:
    oid = await conn.fetchval("SELECT graphid FROM ag_catalog.ag_graph WHERE name = $1", graph)
    return NamespaceRef(name=graph, graph_oid=int(oid))


async def _composites(
    conn: asyncpg.Connection, ns: NamespaceRef, sets: tuple[tuple[str, ...], ...]
) -> None:
    """The composite labels of the nodes with several labels the query creates."""
    if not sets:
        return
    wanted = [(label_sets.composite(s), s) for s in sets]
    await label_store.ensure(conn, ns, wanted, _NO_SCHEMA, dispatch.extend_to)


class RawAgeEngine:
    """The query as-is, columns from the expected header."""

    name = "age"

    def __init__(self) -> None:
        self.procedures = Registry()  # declared, never called: raw AGE has no procedures

    async def execute(
        self, conn: asyncpg.Connection, graph: str, query: str, params: dict[str, Any],
        header: list[str] | None,
    ) -> Outcome:  # fmt: skip
        names = header or ["result"]
        columns = ", ".join(f"c{i} agtype" for i in range(len(names)))
        head = f"SELECT * FROM ag_catalog.cypher('{graph}', $tck$"
        sql = f"{head}{query}$tck$, $1) AS ({columns})"
        try:
            async with conn.transaction():
                records = await conn.fetch(sql, json.dumps(params))
        except asyncpg.PostgresError as exc:
            error = cypher_store.classify(exc, len(head), len(query))
            return Outcome(error=str(error.extra.get("error_class", "other")), message=str(exc))
        rows = [[cypher_values.decode_raw(r[i]) for i in range(len(names))] for r in records]
        return Outcome(columns=names if header else [], rows=rows)
