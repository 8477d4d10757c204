"""The SQL of Neo4j's vector indexes on AGE label tables (functions: migration
``0029_neo4j_vectors``).

A vector index ``FOR (n:L) ON n.p`` with ``d`` dimensions is one pgvector HNSW index
per table holding ``L``'s elements, on ``expression(Vectors)``::

    (kgmem_neo4j.vector_of(properties, '"p"'::agtype, d, cosine))::vector(d)

(``halfvec(d)`` past ``HNSW_VECTOR_LIMIT`` dimensions; no HNSW index at all past
``HNSW_HALFVEC_LIMIT`` or without a declared dimension: those are searched exactly).
``nearest_sql`` orders by exactly that expression, so PostgreSQL answers from the
index (a Merge Append of the index scans over a label's composite tables), and
computes the score from the full-precision vector as Neo4j does.
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from kgmem.errors import QueryTimeout
from kgmem.storage.refs import NamespaceRef
from kgmem.storage.sql import ident, literal, table

HNSW_VECTOR_LIMIT = 2000
"""The most dimensions pgvector's HNSW indexes on ``vector``."""
HNSW_HALFVEC_LIMIT = 4000
"""The most dimensions pgvector's HNSW indexes on ``halfvec``."""
MAX_DIMENSIONS = 4096
"""The most dimensions a Neo4j vector index takes."""


@dataclass(frozen=True, slots=True)
class Vectors:
    """What a vector index reads: property ``key`` of ``dimensions`` numbers (0: any
    number of them) compared by ``similarity`` (``cosine`` or ``euclidean``)."""

    key: str
    dimensions: int
    similarity: str

    @property
    def cosine(self) -> bool:
        return self.similarity == "cosine"

    @property
    def kind(self) -> str | None:
        """The pgvector type the HNSW index holds (None: no HNSW index)."""
        if self.dimensions < 1 or self.dimensions > HNSW_HALFVEC_LIMIT:
            return None
        return "vector" if self.dimensions <= HNSW_VECTOR_LIMIT else "halfvec"


def value(vectors: Vectors) -> str:
    """The property as a pgvector ``vector`` (NULL when not valid to the index)."""
    key = literal('"' + vectors.key.replace("\\", "\\\\").replace('"', '\\"') + '"')
    cosine = "true" if vectors.cosine else "false"
    return (
        f"kgmem_neo4j.vector_of(properties, {key}::ag_catalog.agtype, "
        f"{int(vectors.dimensions)}, {cosine})"
    )


def expression(vectors: Vectors) -> str:
    """The indexed expression (the one ``nearest_sql`` orders by)."""
    kind = vectors.kind
    if kind is None:
        return value(vectors)
    return f"({value(vectors)})::public.{kind}({int(vectors.dimensions)})"


def _distance(vectors: Vectors) -> str:
    return "<=>" if vectors.cosine else "<->"


def _ops(vectors: Vectors) -> str:
    kind = vectors.kind or "vector"
    return f"public.{kind}_{'cosine' if vectors.cosine else 'l2'}_ops"


def score(vectors: Vectors, query: str) -> str:
    """Neo4j's score of the property against ``query`` (a ``vector`` SQL expression):
    cosine ``(1 + cos) / 2``, euclidean ``1 / (1 + d^2)``."""
    if vectors.cosine:
        return f"(1 - ({value(vectors)} OPERATOR(public.<=>) {query}) / 2)"
    return f"(1 / (1 + power({value(vectors)} OPERATOR(public.<->) {query}, 2)))"


def index_sql(ns: NamespaceRef, name: str, on: str, vectors: Vectors) -> str | None:
    """``CREATE INDEX`` of the HNSW index ``name`` on table ``on`` (None: no HNSW
    index for these vectors, they are searched exactly)."""
    if vectors.kind is None:
        return None
    return (
        f"CREATE INDEX IF NOT EXISTS {ident(name)} ON {table(ns.name, on)} "
        f"USING hnsw (({expression(vectors)}) {_ops(vectors)})"
    )


BUILD_MEMORY = "512MB"
"""``maintenance_work_mem`` while an HNSW index is built: pgvector builds much faster
while the graph fits in it (100,000 x 384 dimensions take about 200 MB)."""


async def create(
    conn: asyncpg.Connection, ns: NamespaceRef, name: str, on: str, vectors: Vectors
) -> None:
    """Build the HNSW index ``name`` on table ``on`` (nothing when none applies), within
    the statement timeout: past it, ``QueryTimeout`` says how many vectors it was
    building and what to do."""
    sql = index_sql(ns, name, on, vectors)
    if sql is None:
        return
    await conn.execute("SELECT set_config('maintenance_work_mem', $1, true)", BUILD_MEMORY)
    rows = await _rows_estimate(conn, ns, on)  # read first: a timeout ends the transaction
    try:
        await conn.execute(sql)
    except asyncpg.QueryCanceledError:
        raise QueryTimeout(
            f"building the vector index over about {rows} elements of {on!r} ran past the "
            "statement timeout (KGMEM_CYPHER_STATEMENT_TIMEOUT_MS): create the index before "
            "loading the vectors (it then grows with each write), or raise the timeout for "
            "the build"
        ) from None


async def _rows_estimate(conn: asyncpg.Connection, ns: NamespaceRef, on: str) -> int:
    found = await conn.fetchval(
        "SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass($1)", table(ns.name, on)
    )
    return max(int(found or 0), 0)


async def id_index(conn: asyncpg.Connection, ns: NamespaceRef, on: str, node: bool) -> None:
    """The ``id(n)`` index of table ``on`` (``kgmem_neo4j.build_id_index``, migration
    0027), which a label AGE created by itself in a Cypher ``CREATE`` lacks."""
    await conn.execute(id_index_sql(ns, on, node))


def id_index_sql(ns: NamespaceRef, on: str, node: bool) -> str:
    """The statement ``id_index`` runs."""
    kind = "v" if node else "e"
    return (
        f"SELECT kgmem_neo4j.build_id_index({int(ns.graph_oid)}, "
        f"{literal(table(ns.name, on))}::regclass, '{kind}'::\"char\")"
    )


def nearest_sql(label: str, vectors: Vectors) -> str:
    """The ``k`` (``$2``) elements of ``label`` (its table and those inheriting from
    it) nearest to ``$1`` (a ``vector``'s text) as (graph id, score), best first, for
    ``Reader.sql`` (``{schema}``: the graph schema). ``$3`` is ``hnsw.ef_search``,
    set before the scan starts (a one-time filter runs before the plan below it)."""
    query = "$1::text::public.vector"
    if vectors.kind is not None:
        target = f"$1::text::public.{vectors.kind}({int(vectors.dimensions)})"
    else:
        target = query
    order = f"{expression(vectors)} OPERATOR(public.{_distance(vectors)}) {target}"
    # An element whose vector is not valid to the index has a null score: left out by
    # the outer query, not by a filter on the scan (which would steer PostgreSQL's
    # planner from the HNSW index to a scan of the table).
    same = (
        ""
        if vectors.kind is not None
        else f"WHERE public.vector_dims({value(vectors)}) = public.vector_dims({query}) "
    )
    return (
        f"SELECT id, score FROM (SELECT id::text::bigint AS id, {score(vectors, query)} AS score "
        f"FROM {{schema}}.{ident(label)} {same}"
        f"{'AND' if same else 'WHERE'} (SELECT set_config('hnsw.ef_search', $3, true)) IS NOT NULL "
        f"ORDER BY {order} LIMIT $2) AS nearest WHERE score IS NOT NULL ORDER BY score DESC, id"
    )


def ef_search(k: int) -> int:
    """The HNSW candidate list for a top-``k`` search (pgvector's bound is 1,000): at
    least 400, which bought recall@10 0.98 against 0.92 at 100 for about a millisecond
    more (docs/performance.md, "Neo4j vector indexes")."""
    return max(400, min(1000, 2 * k))
