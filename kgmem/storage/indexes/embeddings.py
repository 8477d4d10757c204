"""Embeddings live in their own narrow tables, ``_kg_vertex_vector`` and ``_kg_fact_vector``
(graph id -> vector, one HNSW cosine index each), not in the side rows.

A 384-dimension vector is ~1.5 KB, under PostgreSQL's 2 KB toasting threshold, so stored
inline it made every ``_kg_vertex`` row ~1.6 KB: the row locks a fact write takes on its
endpoints then dirtied one page per endpoint, making the endpoint lookup of a fact
write more than twice as dear as with the vectors apart.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Literal

import asyncpg
from pgvector import Vector

from kgmem.storage.refs import NamespaceRef
from kgmem.storage.sql import table

Kind = Literal["vertex", "fact"]


def vector_table(ns: NamespaceRef, kind: Kind) -> str:
    """The qualified vector table of ``kind`` in ``ns``."""
    return table(ns.name, "_kg_vertex_vector" if kind == "vertex" else "_kg_fact_vector")


def vector_array(values: Iterable[Sequence[float] | None]) -> list[Vector | None]:
    """One pgvector ``Vector`` (or None) per value, for a ``$n::vector[]`` parameter.

    A bare list or NumPy row inside a list would be read by asyncpg as a nested array.
    """
    return [None if v is None else Vector(list(v)) for v in values]


async def store(
    conn: asyncpg.Connection,
    ns: NamespaceRef,
    kind: Kind,
    ids: Sequence[int],
    vectors: Sequence[Sequence[float] | None],
    keep: Sequence[bool],
) -> None:
    """Set each id's vector: the given one, none (when not ``keep``), or leave it."""
    target = vector_table(ns, kind)
    given = [(i, v) for i, v in zip(ids, vectors, strict=True) if v is not None]
    cleared = [i for i, v, k in zip(ids, vectors, keep, strict=True) if v is None and not k]
    if given:
        await conn.execute(
            f"INSERT INTO {target} (id, embedding) "
            "SELECT * FROM unnest($1::graphid[], $2::vector[]) "
            "ON CONFLICT (id) DO UPDATE SET embedding = excluded.embedding",
            [i for i, _ in given],
            vector_array(v for _, v in given),
        )
    if cleared:
        await conn.execute(f"DELETE FROM {target} WHERE id = ANY($1::graphid[])", cleared)


async def rekey(
    conn: asyncpg.Connection, ns: NamespaceRef, kind: Kind, old_id: int, new_id: int
) -> None:
    """Move a vector to an element's new graph id (after a relabel)."""
    await conn.execute(f"UPDATE {vector_table(ns, kind)} SET id = $1 WHERE id = $2", new_id, old_id)


# pgvector's own HNSW build parameters (m, ef_construction): what migration 0001 creates.
PGVECTOR_HNSW = (16, 64)
_VECTOR_INDEXES = (
    ("_kg_vertex_embedding", "_kg_vertex_vector"),
    ("_kg_fact_embedding", "_kg_fact_vector"),
)


async def build_vector_indexes(
    conn: asyncpg.Connection, namespace: str, *, m: int, ef_construction: int
) -> None:
    """Create the namespace's two HNSW cosine indexes again with graph density ``m`` and
    ``ef_construction`` (validated settings; cheap while the tables are empty, a full
    build otherwise)."""
    params = f"m = {int(m)}, ef_construction = {int(ef_construction)}"
    for index, vectors in _VECTOR_INDEXES:
        await conn.execute(f"DROP INDEX IF EXISTS {table(namespace, index)}")
        await conn.execute(
            f"CREATE INDEX {index} ON {table(namespace, vectors)} "
            f"USING hnsw (embedding vector_cosine_ops) WITH ({params})"
        )
