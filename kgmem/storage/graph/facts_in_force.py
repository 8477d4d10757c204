"""The facts in force of given subjects and predicates: what a write compares its own
facts against to find restatements and supersessions (``kgmem.graph.statements``)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import NamedTuple

import asyncpg

from kgmem.storage import rows
from kgmem.storage.refs import NamespaceRef
from kgmem.storage.sql import table


class StatedFact(NamedTuple):
    """A stored fact not closed: its statement and valid interval."""

    uid: str
    id: int
    subject_id: int
    predicate: str
    object_id: int
    valid_from: datetime | None
    valid_to: datetime | None
    recorded_at: datetime
    sources: frozenset[int] = frozenset()
    """Graph ids of the sources that asserted it (none: no source did)."""
    closed: bool = False


async def claim_times(
    conn: asyncpg.Connection, ns: NamespaceRef, fact_ids: Collection[int]
) -> dict[tuple[int, int], datetime]:
    """(fact id, source id) -> when that source last said that fact, for ``fact_ids``."""
    if not fact_ids:
        return {}
    records = await conn.fetch(
        f"SELECT fact_id, source_id, max(observed_at) AS said FROM {table(ns.name, '_kg_claim')} "
        "WHERE fact_id = ANY($1::graphid[]) AND source_id IS NOT NULL GROUP BY 1, 2",
        sorted(fact_ids),
    )
    return {(fact_id, source_id): said for fact_id, source_id, said in records}


def in_force_sql(ns: NamespaceRef) -> str:
    """The statement of ``in_force``: $1 subject ids, $2 predicates, $3 with closed."""
    return (
        f"WITH e AS MATERIALIZED (SELECT e.id FROM {table(ns.name, '_ag_label_edge')} e "
        "WHERE e.start_id = ANY($1::graphid[])) "
        "SELECT f.uid, f.id, f.subject_id, f.predicate, f.object_id, f.valid_from, f.valid_to, "
        f"f.recorded_at, ARRAY(SELECT c.source_id FROM {table(ns.name, '_kg_claim')} c "
        "WHERE c.fact_id = f.id AND c.source_id IS NOT NULL) AS sources, "
        "f.expired_at IS NOT NULL AS closed "
        "FROM e CROSS JOIN LATERAL (SELECT f.uid, f.id, f.subject_id, f.predicate, "
        "f.object_id, f.valid_from, f.valid_to, f.recorded_at, f.expired_at "
        f"FROM {table(ns.name, '_kg_fact')} f WHERE f.id = e.id "
        "AND f.predicate = ANY($2::text[]) AND ($3 OR f.expired_at IS NULL) OFFSET 0) f "
        "ORDER BY f.id"
    )


async def in_force(
    conn: asyncpg.Connection,
    ns: NamespaceRef,
    subject_ids: Collection[int],
    predicates: Collection[str],
    *,
    with_closed: bool = False,
) -> list[StatedFact]:
    """Facts not closed (``expired_at`` null; closed ones too ``with_closed``) whose
    subject is one of ``subject_ids`` and predicate one of ``predicates``, oldest first
    (by graph id).

    The subjects' edges come first, through AGE's start_id indexes, and each one's fact
    row by its primary key: a LATERAL lookup that OFFSET keeps the planner from
    flattening. Left to itself, after a bulk load whose statistics are not yet
    analysed, the planner scanned every open fact of the namespace and probed each edge
    label per fact: a write's cost grew with the namespace (docs/performance.md)."""
    if not subject_ids or not predicates:
        return []
    records = await rows.fetch(
        conn, StatedFact, in_force_sql(ns), sorted(subject_ids), sorted(predicates), with_closed
    )
    # The query's columns are StatedFact's fields; its sources arrive as an array.
    return [r._replace(sources=frozenset(r.sources)) for r in records]
