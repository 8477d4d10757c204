"""The semantic axis: vector similarity (HNSW, cosine) and keyword relevance (BM25,
``kgmem.storage.indexes.keyword_search``), as two fused axes, ``vector`` and
``keyword``.

Keyword scores are divided by the best score of the same search so they fall in
(0, 1]; vector scores are cosine similarities clipped to [0, 1].
"""

from __future__ import annotations

from collections.abc import Sequence

from kgmem.retrieval.fusion import Scored
from kgmem.retrieval.scope import Key, Scope
from kgmem.storage import Connection, NamespaceRef
from kgmem.storage.indexes import keyword_search as kw
from kgmem.storage.indexes import vector_search as vs
from kgmem.storage.indexes.candidates import FactInfo, VertexInfo

EF_SEARCH = 150
"""The default of ``KGMEM_DATABASE_HNSW_EF_SEARCH``."""


async def vector_with_rows(  # noqa: PLR0913 - keyword-only tuning of one probe
    conn: Connection,
    ns: NamespaceRef,
    query: Sequence[float],
    scope: Scope,
    *,
    limit: int,
    ef_search: int = EF_SEARCH,
    load: int = 0,
) -> tuple[dict[Key, Scored], vs.Nearest]:
    """Nearest vertices and facts in scope by cosine similarity, with the side rows of
    those found (one statement for both indexes).

    The pool's connections start with ``hnsw.ef_search`` = ``ef_search`` and iterative
    scans on; only a search for more than ``ef_search`` results sets it (one more round
    trip)."""
    if limit > ef_search and not conn.is_in_transaction():
        async with conn.transaction(readonly=True):  # the setting lasts for it only
            await vs.tune(conn, limit)
            return await _vector(conn, ns, query, scope, limit=limit, load=load)
    if limit > ef_search:
        await vs.tune(conn, limit)
    return await _vector(conn, ns, query, scope, limit=limit, load=load)


async def _vector(
    conn: Connection,
    ns: NamespaceRef,
    query: Sequence[float],
    scope: Scope,
    *,
    limit: int,
    load: int,
) -> tuple[dict[Key, Scored], vs.Nearest]:
    found = await vs.nearest_with_rows(
        conn,
        ns,
        query,
        limit=limit,
        **_filters(scope),
        load=load,
    )
    scored: dict[Key, Scored] = {}
    for v, sim in found.vertices:
        scored[("v", v.id)] = Scored(_clip(sim), f"cosine similarity {sim:.3f}")
    for f, sim in found.facts:
        scored[("f", f.id)] = Scored(_clip(sim), f"cosine similarity {sim:.3f}")
    return scored, found


KeywordRows = tuple[list[tuple[VertexInfo, float]], list[tuple[FactInfo, float]]]
"""Per kind, the best keyword matches with their side rows and BM25 scores."""


async def keyword_rows(
    conn: Connection,
    ns: NamespaceRef,
    text: str,
    scope: Scope,
    *,
    limit: int,
    candidates: int = kw.CANDIDATES,
) -> KeywordRows:
    """Best keyword matches among the kinds ``scope`` searches, each with its side row
    and BM25 score (one statement)."""
    kinds = _filters(scope)
    return await kw.search_with_rows(
        conn,
        ns,
        text,
        limit=limit,
        candidates=candidates,
        vertices=kinds["vertices"],
        facts=kinds["facts"],
    )


def keyword_scored(
    vertices: Sequence[tuple[VertexInfo, float]], facts: Sequence[tuple[FactInfo, float]]
) -> dict[Key, Scored]:
    """BM25 scores of both kinds divided by the best of them, so they fall in (0, 1]."""
    raw: list[tuple[Key, float]] = [(("v", r.id), s) for r, s in vertices]
    raw.extend((("f", r.id), s) for r, s in facts)
    if not raw:
        return {}
    best = max(s for _, s in raw)
    return {key: Scored(s / best, f"BM25 {s:.2f}") for key, s in raw}


def _clip(value: float) -> float:
    return min(1.0, max(0.0, value))


def _filters(scope: Scope) -> dict[str, vs.VectorFilter | None]:
    """The per-kind filters of ``scope`` (None: the kind is not searched)."""
    return {
        "vertices": vs.VectorFilter(labels=scope.labels, exclude_labels=scope.exclude_labels)
        if scope.vertices
        else None,
        "facts": vs.VectorFilter(predicates=scope.predicates) if scope.facts else None,
    }
