"""What one Cypher statement changed in a graph, counted from PostgreSQL's own
per-transaction statistics of the graph's label tables.

``Tally.begin`` reads, for every label table of the graph, the rows inserted, deleted
and updated so far in the transaction (``pg_stat_get_xact_tuples_*``: exact, counted
by the backend itself, subtransactions included) and where the label's id sequence
stands; ``Tally.end`` reads them again after the statement. ``Tally.changes`` gives,
per table, the rows created, deleted and updated, less the nodes a change of labels
moved (``kgmem.storage.graph.relabels`` moves such a node to the table of its new label
set: one row deleted, one inserted, nothing created or deleted), the property keys of
the rows created (ids past the label sequence's mark, read from the rows) and the
label tables each moved node left and reached. ``kgmem.graph.summary`` makes Neo4j's
counters of them.

Two statements in one transaction each see only their own changes. The cost is two
catalogue reads per write statement and one indexed range read per table that
received rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import asyncpg

_TABLES = """
SELECT l.id, l.name::text, l.kind::text = 'v', l.relation::regclass::text,
       pg_stat_get_xact_tuples_inserted(l.relation),
       pg_stat_get_xact_tuples_deleted(l.relation),
       pg_stat_get_xact_tuples_updated(l.relation),
       coalesce(pg_sequence_last_value(
           (quote_ident(n.nspname) || '.' || quote_ident(l.seq_name))::regclass), 0)
FROM ag_catalog.ag_label l
JOIN ag_catalog.ag_graph g ON g.graphid = l.graph
JOIN pg_catalog.pg_namespace n ON n.oid = g.namespace
WHERE g.name = $1::name
"""

_CREATED_KEYS = """
SELECT coalesce(sum(ag_catalog.age_size(ag_catalog.age_keys(properties))::text::bigint), 0)
FROM ONLY {table}
WHERE id > $1::text::ag_catalog.graphid AND NOT (id::text = ANY($2::text[]))
"""

_ID_BITS = 48  # an AGE graph id is the label's id << 48 | the label's sequence value


@dataclass(frozen=True, slots=True)
class _Table:
    """One label table as the statistics saw it."""

    name: str
    vertex: bool
    relation: str
    inserted: int = 0
    deleted: int = 0
    updated: int = 0
    mark: int = 0  # the label's id sequence: ids past it are new


@dataclass(frozen=True, slots=True)
class TableChange:
    """What a statement did to one label table: rows created (inserted, less nodes
    moved in), deleted (less nodes moved out) and updated."""

    name: str
    vertex: bool
    created: int
    deleted: int
    updated: int


@dataclass(frozen=True, slots=True)
class Changes:
    """A statement's changes: per label table, the property keys of the rows created,
    and the (old label, new label) of each node moved to another label set."""

    tables: tuple[TableChange, ...] = ()
    created_keys: int = 0
    moves: tuple[tuple[str, str], ...] = ()


class Tally:
    """The changes of one statement on ``graph``: ``begin`` before it, ``end`` after,
    then ``changes``. ``begin`` again forgets an attempt that was undone."""

    def __init__(self, graph: str) -> None:
        self.graph = graph
        self._before: dict[int, _Table] = {}
        self._after: dict[int, _Table] = {}

    async def begin(self, conn: asyncpg.Connection) -> None:
        """Mark where the statement starts."""
        self._before = await _tables(conn, self.graph)
        self._after = {}

    async def end(self, conn: asyncpg.Connection) -> None:
        """Mark where the statement ends (before kgmem's own clean-up writes)."""
        self._after = await _tables(conn, self.graph)

    async def changes(
        self, conn: asyncpg.Connection, moved: tuple[tuple[int, int], ...] = ()
    ) -> Changes:
        """The statement's changes; ``moved``: the (old id, new id) of the nodes whose
        labels it changed (``CypherRows.moved``)."""
        if not self._after:
            return Changes()
        arrived = _by_label(new for _, new in moved)
        left = _by_label(old for old, _ in moved)
        tables: list[TableChange] = []
        created: dict[int, int] = {}
        for key, after in self._after.items():
            before = self._before.get(key, _Table(after.name, after.vertex, after.relation))
            change = TableChange(
                name=after.name,
                vertex=after.vertex,
                created=after.inserted - before.inserted - arrived.get(key, 0),
                deleted=after.deleted - before.deleted - left.get(key, 0),
                updated=after.updated - before.updated,
            )
            if change.created or change.deleted or change.updated:
                tables.append(change)
            if change.created > 0:
                created[key] = before.mark
        names = {key: table.name for key, table in self._after.items()}
        moves = tuple((names[old >> _ID_BITS], names[new >> _ID_BITS]) for old, new in moved)
        keys = await self._created_keys(conn, created, [str(new) for _, new in moved])
        return Changes(tuple(tables), keys, moves)

    async def _created_keys(
        self, conn: asyncpg.Connection, marks: dict[int, int], moved_in: list[str]
    ) -> int:
        """The property keys of the rows created, read from the rows themselves: those
        past the label sequence's mark (``ONLY`` the table: not inheriting children),
        nodes moved in excepted."""
        total = 0
        for key, mark in marks.items():
            sql = _CREATED_KEYS.format(table=self._after[key].relation)
            total += int(await conn.fetchval(sql, str((key << _ID_BITS) | mark), moved_in))
        return total


async def _tables(conn: asyncpg.Connection, graph: str) -> dict[int, _Table]:
    rows = await conn.fetch(_TABLES, graph)
    return {int(r[0]): _Table(r[1], r[2], r[3], r[4], r[5], r[6], int(r[7])) for r in rows}


def _by_label(ids: Iterable[int]) -> dict[int, int]:
    out: dict[int, int] = {}
    for graph_id in ids:
        out[graph_id >> _ID_BITS] = out.get(graph_id >> _ID_BITS, 0) + 1
    return out
