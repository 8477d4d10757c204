"""A Cypher statement's result summary as Neo4j gives it: its counters
(``CypherCounters``) and its query type.

The counters come from the changes PostgreSQL counted in the graph's label tables
(``kgmem.storage.graph.counters``): nodes and relationships created and deleted,
labels added (a created node's labels, and those a node gained) and removed (those a
node lost), and properties set: the keys of the rows created, plus, for the rows
updated, the property items of the query's ``SET`` / ``REMOVE`` clauses
(``kgmem.cypher.write_items``). A row created and then set by the same statement is
counted by its keys once (Neo4j counts the creation's properties and the set's).

The query type follows Neo4j's rule: ``s`` for a schema statement, ``r`` for a query
that cannot write, ``w`` for one that writes and returns no columns, ``rw`` for one
that writes and returns columns.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from kgmem.cypher.label_sets import split
from kgmem.cypher.write_items import WriteItems
from kgmem.model.cypher_summary import CypherCounters, QueryType
from kgmem.storage.graph.counters import Changes


def counters(changes: Changes, items: WriteItems) -> CypherCounters:
    """Neo4j's counters of ``changes`` made by a query with the write ``items``."""
    vertices = [t for t in changes.tables if t.vertex]
    edges = [t for t in changes.tables if not t.vertex]
    updated = sum(max(0, t.updated - max(t.created, 0) * items.clauses) for t in changes.tables)
    gained = lost = 0
    for old, new in changes.moves:
        before, after = set(_labels(old)), set(_labels(new))
        gained += len(after - before)
        lost += len(before - after)
    return CypherCounters(
        nodes_created=_positive(t.created for t in vertices),
        nodes_deleted=_positive(t.deleted for t in vertices),
        relationships_created=_positive(t.created for t in edges),
        relationships_deleted=_positive(t.deleted for t in edges),
        properties_set=changes.created_keys + items.properties_set(updated),
        labels_added=gained + sum(max(t.created, 0) * len(_labels(t.name)) for t in vertices),
        labels_removed=lost,
    )


def query_type(writes: bool, columns: Sequence[str]) -> QueryType:
    """``r``, ``w`` or ``rw`` for a query that ``writes`` (or not) and returns
    ``columns``."""
    if not writes:
        return "r"
    return "rw" if columns else "w"


def _labels(table: str) -> list[str]:
    """The labels of the nodes of label table ``table`` (AGE keeps unlabelled vertices
    in ``_ag_label_vertex``)."""
    return [] if table == "_ag_label_vertex" else split(table)


def _positive(counts: Iterable[int]) -> int:
    return max(0, sum(counts))
