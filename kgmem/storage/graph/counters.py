"""What one Cypher statement changed in a graph, counted from PostgreSQL's own
per-transaction statistics of the graph's label tables.

``Tally.begin`` reads, for every label table of the graph, the rows inserted, deleted
and updated that the backend has counted and not yet reported
(``pg_stat_get_xact_tuples_*``: exact, subtransactions included; a backend reports
them only between transactions, so nothing is lost inside one); ``Tally.end`` reads
them again after the statement. ``Tally.changes`` gives, per table, the rows created,
deleted and updated, less the nodes a change of labels moved
(``kgmem.storage.graph.relabels`` moves such a node to the table of its new label set:
one row deleted, one inserted, nothing created or deleted), the property keys of the
rows created (the newest rows of the table: ids grow with the label's sequence) and
the label tables each moved node left and reached. ``kgmem.graph.summary`` makes
Neo4j's counters of them.

Two statements in one transaction each see only their own changes. The cost is two
short catalogue reads per write statement and one backward index read per table that
received rows; a read costs nothing (it is not counted).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import asyncpg

_TABLES = """
SELECT l.id, l.name::text, l.kind::text = 'v', l.relation::regclass::text, s.i, s.d, s.u
FROM ag_catalog.ag_label l,
LATERAL (SELECT pg_stat_get_xact_tuples_inserted(l.relation) AS i,
                pg_stat_get_xact_tuples_deleted(l.relation) AS d,
                pg_stat_get_xact_tuples_updated(l.relation) AS u) AS s
WHERE l.graph = $1::oid AND (s.i > 0 OR s.d > 0 OR s.u > 0)
"""

# The ids and property keys of the newest ``$1`` rows of a label table (ONLY it: not
# the tables that inherit from it), nodes moved in excepted.
_NEWEST = """
SELECT id::text, ag_catalog.age_size(ag_catalog.age_keys(properties))::text::bigint
FROM ONLY {table} WHERE NOT (id::text = ANY($2::text[])) ORDER BY id DESC LIMIT $1
"""
# The ids and property keys of the given rows of a label table.
_KEYS_OF = """
SELECT id::text, ag_catalog.age_size(ag_catalog.age_keys(properties))::text::bigint
FROM ONLY {table} WHERE id = ANY($1::text[]::ag_catalog.graphid[])
"""

_ID_BITS = 48  # an AGE graph id is the label's id << 48 | the label's sequence value
_NO_ROWS = (0, 0, 0)


@dataclass(frozen=True, slots=True)
class _Table:
    """One label table as the statistics saw it."""

    name: str
    vertex: bool
    relation: str
    counts: tuple[int, int, int]  # rows inserted, deleted, updated


@dataclass(frozen=True, slots=True)
class TableChange:
    """What a statement did to one label table (AGE's label ``label_id``, its table
    ``relation``): rows created (inserted, less nodes moved in), deleted (less nodes
    moved out) and updated."""

    name: str
    vertex: bool
    created: int
    deleted: int
    updated: int
    label_id: int
    relation: str


@dataclass(frozen=True, slots=True)
class Changes:
    """A statement's changes: per label table, the property keys of the rows created,
    and the (old label, new label) of each node moved to another label set."""

    tables: tuple[TableChange, ...] = ()
    created_keys: int = 0
    moves: tuple[tuple[str, str], ...] = ()


class Tally:
    """The changes of one statement on the graph of oid ``graph``: ``begin`` before it,
    ``end`` after, then ``changes``. ``begin`` again forgets an attempt that was undone."""

    def __init__(self, graph: int) -> None:
        self.graph = graph
        self._before: dict[int, _Table] = {}
        self._after: dict[int, _Table] | None = None

    async def begin(self, conn: asyncpg.Connection) -> None:
        """Mark where the statement starts."""
        self._before = await _tables(conn, self.graph)
        self._after = None

    async def end(self, conn: asyncpg.Connection) -> None:
        """Mark where the statement ends (before kgmem's own clean-up writes)."""
        self._after = await _tables(conn, self.graph)

    async def changes(
        self, conn: asyncpg.Connection, moved: tuple[tuple[int, int], ...] = ()
    ) -> Changes:
        """The statement's changes; ``moved``: the (old id, new id) of the nodes whose
        labels it changed (``CypherRows.moved``)."""
        if self._after is None:
            return Changes()
        arrived = _by_label(new for _, new in moved)
        left = _by_label(old for old, _ in moved)
        tables: list[TableChange] = []
        keys = 0
        for key, after in self._after.items():
            before = self._before[key].counts if key in self._before else _NO_ROWS
            inserted, deleted, updated = (a - b for a, b in zip(after.counts, before, strict=True))
            change = TableChange(
                name=after.name,
                vertex=after.vertex,
                created=inserted - arrived.get(key, 0),
                deleted=deleted - left.get(key, 0),
                updated=updated,
                label_id=key,
                relation=after.relation,
            )
            tables.append(change)
            if change.created > 0:
                keys += await self._created_keys(conn, key, change.created, moved)
        names = {key: table.name for key, table in self._after.items()}
        moves = tuple(
            (names.get(old >> _ID_BITS, ""), names.get(new >> _ID_BITS, "")) for old, new in moved
        )
        return Changes(tuple(tables), keys, moves)

    async def _created_keys(
        self, conn: asyncpg.Connection, key: int, n: int, moved: tuple[tuple[int, int], ...]
    ) -> int:
        """The property keys of the ``n`` rows label table ``key`` received: its newest
        ids, nodes moved in excepted and nodes moved out (created, then given other
        labels by the same statement) read where they went."""
        table = self._after[key].relation if self._after else ""
        arrived = [str(new) for _, new in moved]
        rows = await conn.fetch(_NEWEST.format(table=table), n, arrived)
        found = {int(i): int(k) for i, k in rows}
        went: dict[int, dict[int, int]] = {}  # destination table -> new id -> old id
        for old, new in moved:
            if old >> _ID_BITS == key:
                went.setdefault(new >> _ID_BITS, {})[new] = old
        for destination, ids in went.items():
            relation = self._after[destination].relation if self._after else ""
            sql = _KEYS_OF.format(table=relation)
            for i, k in await conn.fetch(sql, [str(new) for new in ids]):
                found[ids[int(i)]] = int(k)
        return sum(found[i] for i in sorted(found, reverse=True)[:n])


async def _tables(conn: asyncpg.Connection, graph: int) -> dict[int, _Table]:
    rows = await conn.fetch(_TABLES, graph)
    return {int(r[0]): _Table(r[1], r[2], r[3], (r[4], r[5], r[6])) for r in rows}


def _by_label(ids: Iterable[int]) -> dict[int, int]:
    out: dict[int, int] = {}
    for graph_id in ids:
        out[graph_id >> _ID_BITS] = out.get(graph_id >> _ID_BITS, 0) + 1
    return out
