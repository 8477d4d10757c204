"""Writing entities and facts: one path for a single write and for a batch.

1. validate every item (nothing touches the database if one is bad);
2. read what is stored for them and compute embeddings, outside any transaction;
3. in one transaction: ensure labels, upsert entities, create missing sources, lock
   and resolve fact endpoints, upsert facts and their claims.

Within a batch a uid given twice is written once, the later item winning. A fact's
endpoints may be entities of the same batch. An unknown ``source`` becomes a
``Source`` vertex; an unknown subject, object or ``episode`` is an error.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from kgmem.embedding import fact_text
from kgmem.errors import EntityNotFound
from kgmem.graph import prepare, vectors
from kgmem.graph.context import GraphContext
from kgmem.graph.prepare import PreparedEntity, PreparedFact
from kgmem.model import BatchResult, EntityWrite, FactWrite, WriteOutcome
from kgmem.storage import Connection, NamespaceRef, VertexRef, indexed_text, namespaces
from kgmem.storage import facts as fact_store
from kgmem.storage import vertices as vertex_store
from kgmem.storage.facts import FactRow
from kgmem.storage.vertices import VertexRow


async def write(
    ctx: GraphContext,
    namespace: str,
    entities: Sequence[EntityWrite] = (),
    facts: Sequence[FactWrite] = (),
) -> BatchResult:
    """Write ``entities`` then ``facts`` to ``namespace`` in one transaction."""
    prepare.batch_size(ctx, len(entities) + len(facts))
    many = len(entities) + len(facts) > 1
    ents = [
        prepare.entity(ctx, e, f"entities[{i}]" if many else "") for i, e in enumerate(entities)
    ]
    fcts = [prepare.fact(ctx, f, f"facts[{i}]" if many else "") for i, f in enumerate(facts)]
    unique_ents = list({e.uid: e for e in ents}.values())
    unique_fcts = list({f.uid: f for f in fcts}.values())
    # The model never runs inside the transaction: when fact texts must be embedded, the
    # endpoints' names are looked up first; otherwise the locked lookup below serves.
    embed_facts = ctx.embedder is not None and any(f.vector is None for f in unique_fcts)
    texts: dict[str, str] = {}
    fact_vectors: list[vectors.VectorChoice] = []
    async with ctx.db.acquire() as conn:
        ns = await namespaces.resolve(conn, namespace)
        vertex_rows = await _vertex_rows(ctx, conn, ns, unique_ents)
        if embed_facts:
            known = await vertex_store.resolve(conn, ns, _endpoints(unique_fcts))
            texts = _fact_texts(unique_fcts, unique_ents, known)
            fact_vectors = await _fact_vectors(ctx, conn, ns, unique_fcts, texts)
    async with ctx.db.transaction() as conn:
        labels = await ctx.db.labels.ensure(
            conn, ns, {r.label for r in vertex_rows}, "vertex", ctx.schema
        )
        written = await vertex_store.upsert(conn, ns, labels, vertex_rows)
        fact_results: dict[str, bool] = {}
        if unique_fcts:
            refs = await _resolve_endpoints(ctx, conn, ns, unique_fcts)
            if not embed_facts:
                texts = _fact_texts(unique_fcts, unique_ents, refs)
                fact_vectors = await _fact_vectors(ctx, conn, ns, unique_fcts, texts)
            rows = _fact_rows(unique_fcts, refs, texts, fact_vectors)
            edge_labels = await ctx.db.labels.ensure(
                conn, ns, {f.predicate for f in unique_fcts}, "edge", ctx.schema
            )
            stored = await fact_store.upsert(conn, ns, edge_labels, rows)
            fact_results = {uid: created for uid, _, created in stored}
    created = {r.uid: r.created for r in written}
    return BatchResult(
        entities=tuple(WriteOutcome(e.uid, created[e.uid]) for e in ents),
        facts=tuple(WriteOutcome(f.uid, fact_results[f.uid]) for f in fcts),
    )


async def _vertex_rows(
    ctx: GraphContext, conn: Connection, ns: NamespaceRef, items: Sequence[PreparedEntity]
) -> list[VertexRow]:
    stored = await indexed_text.stored(conn, ns, "entity", [e.uid for e in items])
    needs = [_need(e.text, e.vector, stored.get(e.uid)) for e in items]
    choices = await vectors.choose(ctx.embedder, needs)
    return [
        VertexRow(
            uid=e.uid,
            label=e.label,
            properties=e.properties,
            text=e.text,
            embedding=choice.vector,
            keep_embedding=choice.keep,
            lat=e.location.lat if e.location else None,
            lon=e.location.lon if e.location else None,
        )
        for e, choice in zip(items, choices, strict=True)
    ]


def _need(
    text: str | None, supplied: list[float] | None, stored: tuple[str | None, bool] | None
) -> vectors.VectorNeed:
    if stored is None:
        return vectors.VectorNeed(text=text, supplied=supplied)
    return vectors.VectorNeed(
        text=text,
        supplied=supplied,
        stored_text=stored[0],
        stored_has_vector=stored[1],
        exists=True,
    )


def _endpoints(items: Sequence[PreparedFact]) -> set[str]:
    return {uid for f in items for uid in (f.subject, f.object)}


def _fact_texts(
    items: Sequence[PreparedFact],
    batch_entities: Sequence[PreparedEntity],
    known: Mapping[str, VertexRef],
) -> dict[str, str]:
    """The caller's text, else a sentence from the endpoints' names (or uids)."""
    names = {uid: ref.name for uid, ref in known.items() if ref.name}
    for e in batch_entities:
        name = e.properties.get("name")
        if isinstance(name, str):
            names[e.uid] = name
    return {
        f.uid: f.text
        or fact_text(names.get(f.subject, f.subject), f.predicate, names.get(f.object, f.object))
        for f in items
    }


async def _fact_vectors(
    ctx: GraphContext,
    conn: Connection,
    ns: NamespaceRef,
    items: Sequence[PreparedFact],
    texts: Mapping[str, str],
) -> list[vectors.VectorChoice]:
    stored = await indexed_text.stored(conn, ns, "fact", [f.uid for f in items])
    needs = [_need(texts[f.uid], f.vector, stored.get(f.uid)) for f in items]
    return await vectors.choose(ctx.embedder, needs)


async def _resolve_endpoints(
    ctx: GraphContext, conn: Connection, ns: NamespaceRef, items: Sequence[PreparedFact]
) -> dict[str, VertexRef]:
    sources = {f.source for f in items if f.source is not None}
    episodes = {f.episode for f in items if f.episode is not None}
    wanted = _endpoints(items) | sources | episodes
    refs = await vertex_store.resolve(conn, ns, wanted, lock=True)
    new_sources = sorted(sources - refs.keys())
    if new_sources:
        labels = await ctx.db.labels.ensure(conn, ns, {"Source"}, "vertex", ctx.schema)
        rows = [
            VertexRow(uid=s, label="Source", properties={"name": s}, text=None, embedding=None)
            for s in new_sources
        ]
        await vertex_store.upsert(conn, ns, labels, rows)
        refs.update(await vertex_store.resolve(conn, ns, new_sources, lock=True))
    missing = sorted((_endpoints(items) | episodes) - refs.keys())
    if missing:
        shown = ", ".join(repr(m) for m in missing[:10])
        raise EntityNotFound(
            f"facts refer to entities that do not exist in namespace {ns.name!r}: {shown}",
            uids=missing,
        )
    return refs


def _fact_rows(
    items: Sequence[PreparedFact],
    refs: Mapping[str, VertexRef],
    texts: Mapping[str, str],
    choices: Sequence[vectors.VectorChoice],
) -> list[FactRow]:
    return [
        FactRow(
            uid=f.uid,
            predicate=f.predicate,
            subject=refs[f.subject],
            object=refs[f.object],
            properties=f.properties,
            valid_from=f.valid_from,
            valid_to=f.valid_to,
            recorded_at=f.recorded_at,
            confidence=f.confidence,
            text=texts[f.uid],
            embedding=choice.vector,
            keep_embedding=choice.keep,
            source_id=refs[f.source].id if f.source else None,
            episode_id=refs[f.episode].id if f.episode else None,
        )
        for f, choice in zip(items, choices, strict=True)
    ]
