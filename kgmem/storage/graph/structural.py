"""Structural edges: the links episode building writes (an episode MENTIONS an entity,
is PART_OF its session, PRECEDES the session's next episode; an entity is a MEMBER_OF
its community; a distilled summary was DISTILLED_FROM its episodes). They are edges
of the graph but not facts about the world: fact counts, search hits and timelines
leave them out unless the caller asks for them.

An edge is structural when its predicate is one of ``PREDICATES`` and one of its
endpoints is an ``Episode``, ``Session`` or ``Community`` vertex; the same predicates
between other entities (a wheel PART_OF a car) are facts.
"""

from __future__ import annotations

from collections.abc import Collection

import asyncpg

from kgmem.storage.refs import NamespaceRef
from kgmem.storage.sql import table

PREDICATES = ("MENTIONS", "PRECEDES", "PART_OF", "MEMBER_OF", "DISTILLED_FROM")
LABELS = ("Episode", "Session", "Community")


def condition(ns: NamespaceRef, fact: str = "f") -> str:
    """A SQL condition true when the ``_kg_fact`` row aliased ``fact`` is structural
    (constants only: no parameter)."""
    predicates = ",".join(PREDICATES)
    labels = ",".join(LABELS)
    return (
        f"({fact}.predicate = ANY('{{{predicates}}}'::text[]) AND EXISTS ("
        f"SELECT 1 FROM {table(ns.name, '_kg_vertex')} sv "
        f"WHERE sv.id IN ({fact}.subject_id, {fact}.object_id) "
        f"AND sv.label = ANY('{{{labels}}}'::text[])))"
    )


async def among(conn: asyncpg.Connection, ns: NamespaceRef, ids: Collection[int]) -> set[int]:
    """The structural edges among fact graph ids ``ids``."""
    if not ids:
        return set()
    records = await conn.fetch(
        f"SELECT f.id FROM {table(ns.name, '_kg_fact')} f "
        f"WHERE f.id = ANY($1::graphid[]) AND {condition(ns)}",
        list(ids),
    )
    return {id_ for (id_,) in records}
