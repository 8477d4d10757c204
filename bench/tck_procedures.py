"""The TCK's test procedures (``there exists a procedure test.my.proc(in :: INTEGER?) ::
(out :: STRING?):`` with a table of rows) declared through kgmem's registry, and the
source the procedure path reads through in the runner: the scenario's connection.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from typing import Any

import asyncpg

from bench import tck_values
from kgmem.cypher import Mode
from kgmem.cypher import plan as cypher_plan
from kgmem.cypher import values as cypher_values
from kgmem.errors import NamespaceNotFound
from kgmem.model import CypherResult, Namespace, NamespaceStats
from kgmem.procedures import Procedure, table
from kgmem.storage.graph import cypher as cypher_store

STEP = "there exists a procedure "


def declared(text: str, rows: list[list[str]] | None) -> Procedure:
    """The procedure a ``there exists a procedure ...:`` step declares, its table's
    first row naming the arguments, then the outputs."""
    signature = text[len(STEP) :].rstrip().removesuffix(":")
    body = [row for row in (rows or [])[1:] if any(cell.strip() for cell in row)]
    cells = [[tck_values.to_json(tck_values.parse(cell)) for cell in row] for row in body]
    return table(signature, cells)


class ConnectionSource:
    """kgmem's procedure path on one connection to the scenario's graph."""

    def __init__(self, conn: asyncpg.Connection, graph: str) -> None:
        self.conn, self.graph = conn, graph

    async def get_namespace(self, name: str, /) -> Namespace:
        raise NamespaceNotFound(f"the runner knows only its graph, not {name!r}")

    async def namespace_stats(self, namespace: str, /) -> NamespaceStats:
        nodes = await self.cypher(namespace, "MATCH (n) UNWIND labels(n) AS l RETURN l")
        rels = await self.cypher(namespace, "MATCH ()-[r]->() RETURN type(r)")
        vertices, edges = Counter(r[0] for r in nodes.rows), Counter(r[0] for r in rels.rows)
        return NamespaceStats(namespace, vertices, edges, 0, 0, 0, 0, 0)

    async def cypher(
        self,
        namespace: str,
        query: str,
        params: Mapping[str, Any] | None = None,
        *,
        mode: Mode = "read",
        limit: int | None = None,
    ) -> CypherResult:
        planned = cypher_plan(query, params, mode=mode)
        call = cypher_store.CypherCall(
            graph=self.graph, text=planned.text, tag=planned.tag, columns=len(planned.columns),
            params_json=json.dumps(dict(params or {})), max_rows=limit,
        )  # fmt: skip
        async with self.conn.transaction():
            raw = await cypher_store.run(self.conn, call)
        rows = [[cypher_values.decode_raw(c) for c in row] for row in raw.rows]
        truncated = limit is not None and len(rows) >= limit
        return CypherResult(columns=planned.columns, rows=rows, truncated=truncated, timings={})
