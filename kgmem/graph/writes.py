"""Writing entities and facts: one path for a single write and for a batch.

1. validate every item (nothing touches the database if one is bad);
2. plan: read what is stored for the items and choose their vectors;
3. apply, in one transaction: ensure labels, upsert entities, create missing sources,
   lock and resolve fact endpoints, upsert facts and their claims.

The embedding model never runs inside a transaction: when something must be embedded,
planning happens first on its own connection; otherwise planning and applying share
one transaction (fewer round trips for the common single write).

Within a batch a uid given twice is written once, the later item winning. A fact's
endpoints may be entities of the same batch. An unknown ``source`` becomes a
``Source`` vertex; an unknown subject, object or ``episode`` is an error.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from kgmem.embedding import fact_text
from kgmem.errors import EntityNotFound, NamespaceNotFound
from kgmem.graph import prepare, statements, vectors
from kgmem.graph.graph_context import GraphContext
from kgmem.graph.prepare import PreparedEntity, PreparedFact
from kgmem.model import BatchResult, EntityWrite, Fact, FactWrite, WriteOutcome
from kgmem.process.taskgroup import task_group
from kgmem.storage import Connection, NamespaceRef, VertexRef
from kgmem.storage.graph import fact_reads, namespaces
from kgmem.storage.graph import facts as fact_store
from kgmem.storage.graph import vertices as vertex_store
from kgmem.storage.graph.facts import FactRow, StoredFact
from kgmem.storage.graph.vertices import VertexRow
from kgmem.storage.indexes import indexed_text


@dataclass(frozen=True, slots=True)
class _Items:
    """Validated input: every item in order, and the distinct ones by uid."""

    entities: list[PreparedEntity]
    facts: list[PreparedFact]
    unique_entities: list[PreparedEntity]
    unique_facts: list[PreparedFact]


@dataclass(frozen=True, slots=True)
class _FactPlan:
    """Each fact's text and vector choice, by uid order of ``unique_facts``."""

    texts: dict[str, str]
    vectors: list[vectors.VectorChoice]


@dataclass(frozen=True, slots=True)
class _Plan:
    """What to store: the validated items, their entity rows, and the fact plan and
    endpoints if they had to be (or could be) found beforehand; ``read_back``: read the
    facts back once written."""

    items: _Items
    vertex_rows: list[VertexRow]
    read_back: bool = False
    facts: _FactPlan | None = None
    endpoints: Mapping[str, VertexRef] | None = None
    """The locked lookup of (at least) the facts' endpoints, if made already."""


# Work a caller adds to a write's transaction, run after the entities and facts, with
# what they did (the facts' uids: a restated fact names the fact in force).
InTransaction = Callable[[Connection, NamespaceRef, BatchResult], Awaitable[None]]
# A check a caller runs first in a write's transaction, before anything is written (a
# precondition: its error undoes the write).
Guard = Callable[[Connection, NamespaceRef], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Hooks:
    """A caller's work in a write's transaction: ``first`` before anything is written,
    ``then`` after the entities and facts; the failure of either undoes the write."""

    first: Guard | None = None
    then: InTransaction | None = None


NO_HOOKS = Hooks()


async def write(
    ctx: GraphContext,
    namespace: str,
    entities: Sequence[EntityWrite] = (),
    facts: Sequence[FactWrite] = (),
    *,
    hooks: Hooks = NO_HOOKS,
    ns: NamespaceRef | None = None,
) -> BatchResult:
    """Write ``entities`` then ``facts`` to ``namespace`` in one transaction, with the
    caller's ``hooks`` in it. ``ns``: the namespace already resolved by the caller
    (saves a lookup)."""
    if ns is not None and ns.name != namespace:
        raise ValueError(f"namespace {namespace!r} given with the reference of {ns.name!r}")
    if ctx.embedder is None and facts and not entities and hooks.first is None:
        return await _write_facts(ctx, namespace, facts, then=hooks.then, ns=ns)
    items = _validate(ctx, entities, facts)
    result, _ = await _write(ctx, namespace, items, read_back=False, hooks=hooks, ns=ns)
    return result


# A batch of facts at least twice this long is written chunk by chunk (see _pipelined);
# the first chunk is shorter, so that PostgreSQL starts inserting sooner.
_PIPELINE_CHUNK = 250
_FIRST_CHUNK = 100


async def _write_facts(
    ctx: GraphContext,
    namespace: str,
    facts: Sequence[FactWrite],
    *,
    then: InTransaction | None,
    ns: NamespaceRef | None = None,
) -> BatchResult:
    """A batch of facts alone when no model is involved: the same steps as ``_write``,
    but the locked lookup of the endpoints goes out before the validation and runs in
    PostgreSQL while Python validates (the two work on different cores), and a long
    batch is written chunk by chunk (``_pipelined``). A bad batch is still refused whole,
    with the same error, and nothing is written."""
    prepare.batch_size(ctx, len(facts))
    given = ns

    async def work(conn: Connection) -> BatchResult:
        try:
            ns = given or await namespaces.resolve(conn, namespace)
        except NamespaceNotFound:
            _validate(ctx, (), facts)  # a bad batch is reported as such first
            raise
        pipelined = len(facts) >= 2 * _PIPELINE_CHUNK and _distinct_uids(facts)
        # A failure cancels the lookup in flight and waits for it to end, so that the
        # connection has no statement running when the failed transaction is undone.
        async with task_group() as tg:
            pending = _prefetch_endpoints(tg, conn, ns, facts, with_facts=pipelined)
            await asyncio.sleep(0)  # let the lookup go out before validating
            done = None
            if pipelined and pending is not None:
                done = await _pipelined(ctx, conn, ns, facts, pending)
            if done is None:
                items = _validate(ctx, (), facts)
                known = (await pending)[0] if pending is not None else None
                done, _ = await _apply(ctx, conn, ns, _Plan(items, [], endpoints=known))
        if then is not None:
            await then(conn, ns, done)
        return done

    # Concurrent batches sharing facts can still deadlock (one locks a stored fact that
    # another is inserting): the storage layer runs such a batch again.
    return await ctx.db.in_transaction(work)


_Prefetched = tuple[dict[str, VertexRef], tuple[dict[str, StoredFact], datetime] | None]


def _prefetch_endpoints(
    tg: asyncio.TaskGroup,
    conn: Connection,
    ns: NamespaceRef,
    facts: Sequence[FactWrite],
    *,
    with_facts: bool,
) -> asyncio.Task[_Prefetched] | None:
    """Start the locked lookup of every uid the facts name, unvalidated (None if one
    is not even a string: validation refuses the batch anyway), then, ``with_facts``,
    the locked lookup of the stored facts among the facts' own uids. Validation returns
    uids unchanged, so the result covers the validated batch's endpoints and facts."""
    uids = {u for f in facts for u in (f.subject, f.object, f.source, f.episode) if u is not None}
    if not all(type(u) is str for u in uids):
        return None

    async def lookup() -> _Prefetched:
        known = await vertex_store.resolve(conn, ns, uids, lock=True)
        if not with_facts:
            return known, None
        # The same order as the unpipelined path: endpoints first, then the facts.
        return known, await fact_store.lock_existing_at(conn, ns, [str(f.uid) for f in facts])

    return tg.create_task(lookup())


def _distinct_uids(facts: Sequence[FactWrite]) -> bool:
    """Whether every fact names its own uid, a string, none given twice."""
    uids = {f.uid for f in facts}
    return len(uids) == len(facts) and all(type(u) is str for u in uids)


async def _pipelined(
    ctx: GraphContext,
    conn: Connection,
    ns: NamespaceRef,
    facts: Sequence[FactWrite],
    pending: asyncio.Task[_Prefetched],
) -> BatchResult | None:
    """Write a long batch of facts chunk by chunk, each chunk's statements running in
    PostgreSQL while Python validates and prepares the next (without this, the client's
    work for the whole batch came before any insert: about a fifth of the batch's wall
    time). It needs what the chunks cannot change for one another, checked first: every
    fact has its own uid (``_distinct_uids``) and every endpoint, source and episode is
    stored already; otherwise it returns None before writing anything and the caller
    takes the whole-batch path. Errors are the whole-batch path's: the chunks are
    validated in order with their positions in the batch, and a bad chunk undoes the
    transaction, so nothing is written."""
    bounds = [0, *range(_FIRST_CHUNK, len(facts), _PIPELINE_CHUNK), len(facts)]
    first = _validate_slice(ctx, facts, 0, bounds[1])
    known, stored = await pending
    assert stored is not None
    existing, now = stored
    wanted = {u for f in facts for u in (f.subject, f.object, f.source, f.episode) if u}
    if not wanted <= known.keys():
        return None
    indexed = {u: (r.text, r.embedded) for u, r in existing.items()}
    created: dict[str, bool] = {}
    written: list[FactRow] = []
    writing: asyncio.Task[list[tuple[str, int, bool]]] | None = None
    # A failure cancels the chunk in flight and waits for it (see ``_write_facts``).
    async with task_group() as tg:
        for start, end in itertools.pairwise(bounds):
            chunk = first if start == 0 else _validate_slice(ctx, facts, start, end)
            items = _Items(entities=[], facts=chunk, unique_entities=[], unique_facts=chunk)
            refs = await _resolve_endpoints(ctx, conn, ns, chunk, known)
            rows = _fact_rows(chunk, refs, await _fact_plan(ctx, conn, ns, items, refs, indexed))
            written += rows
            if writing is not None:
                created.update((u, c) for u, _, c in await writing)
            mine = {r.uid: existing[r.uid] for r in rows if r.uid in existing}
            writing = tg.create_task(_write_rows(ctx, conn, ns, rows, mine, now))
            await asyncio.sleep(0)  # send the chunk's statement before preparing the next
        assert writing is not None
        created.update((u, c) for u, _, c in await writing)
    closed = await statements.supersede(conn, ns, ctx.schema, written, now)
    return BatchResult(
        entities=(),
        facts=tuple(WriteOutcome(str(f.uid), created[str(f.uid)]) for f in facts),
        closed=tuple(closed),
    )


def _validate_slice(
    ctx: GraphContext, facts: Sequence[FactWrite], start: int, end: int
) -> list[PreparedFact]:
    """``facts[start:end]`` validated, errors naming positions in the batch."""
    return [prepare.fact(ctx, f, f"facts[{start + i}]") for i, f in enumerate(facts[start:end])]


async def _write_rows(
    ctx: GraphContext,
    conn: Connection,
    ns: NamespaceRef,
    rows: list[FactRow],
    existing: dict[str, StoredFact],
    now: datetime,
) -> list[tuple[str, int, bool]]:
    labels = await ctx.db.labels.ensure(conn, ns, {r.predicate for r in rows}, "edge", ctx.schema)
    return await fact_store.upsert(conn, ns, labels, rows, existing=existing, now=now)


async def write_fact(
    ctx: GraphContext, namespace: str, fact: FactWrite
) -> tuple[Fact, tuple[str, ...]]:
    """Write one fact; returns it as stored (read in the same transaction: the fact in
    force it restated, if it did) and the uids of the facts it superseded."""
    done, stored = await _write(ctx, namespace, _validate(ctx, (), [fact]), read_back=True)
    return stored[0], done.closed


def _validate(
    ctx: GraphContext, entities: Sequence[EntityWrite], facts: Sequence[FactWrite]
) -> _Items:
    prepare.batch_size(ctx, len(entities) + len(facts))
    many = len(entities) + len(facts) > 1
    ents = [
        prepare.entity(ctx, e, f"entities[{i}]" if many else "") for i, e in enumerate(entities)
    ]
    fcts = [prepare.fact(ctx, f, f"facts[{i}]" if many else "") for i, f in enumerate(facts)]
    return _Items(
        entities=ents,
        facts=fcts,
        unique_entities=list({e.uid: e for e in ents}.values()),
        unique_facts=list({f.uid: f for f in fcts}.values()),
    )


async def _write(
    ctx: GraphContext,
    namespace: str,
    items: _Items,
    *,
    read_back: bool,
    hooks: Hooks = NO_HOOKS,
    ns: NamespaceRef | None = None,
) -> tuple[BatchResult, list[Fact]]:
    if _needs_model(ctx, items):
        async with ctx.db.acquire() as conn:
            ns = ns or await namespaces.resolve(conn, namespace)
            vertex_rows = await _vertex_rows(ctx, conn, ns, items.unique_entities)
            known = await vertex_store.resolve(conn, ns, _endpoints(items.unique_facts))
            fact_plan = await _fact_plan(ctx, conn, ns, items, known)
            plan = _Plan(items, vertex_rows, read_back=read_back, facts=fact_plan)
        resolved = ns

        async def apply_planned(conn: Connection) -> tuple[BatchResult, list[Fact]]:
            if hooks.first is not None:
                await hooks.first(conn, resolved)
            done = await _apply(ctx, conn, resolved, plan)
            if hooks.then is not None:
                await hooks.then(conn, resolved, done[0])
            return done

        # After a deadlock the same plan is applied again (it was made outside the
        # transaction in the first place).
        return await ctx.db.in_transaction(apply_planned)
    given = ns

    async def work(conn: Connection) -> tuple[BatchResult, list[Fact]]:
        ns = given or await namespaces.resolve(conn, namespace)
        if hooks.first is not None:
            await hooks.first(conn, ns)
        vertex_rows = await _vertex_rows(ctx, conn, ns, items.unique_entities)
        plan = _Plan(items, vertex_rows, read_back=read_back)
        done = await _apply(ctx, conn, ns, plan)
        if hooks.then is not None:
            await hooks.then(conn, ns, done[0])
        return done

    # A deadlock with concurrent writers undoes the transaction; the storage layer runs
    # it again.
    return await ctx.db.in_transaction(work)


def _needs_model(ctx: GraphContext, items: _Items) -> bool:
    if ctx.embedder is None:
        return False
    return any(e.vector is None and e.text for e in items.unique_entities) or any(
        f.vector is None for f in items.unique_facts
    )


async def _apply(
    ctx: GraphContext, conn: Connection, ns: NamespaceRef, plan: _Plan
) -> tuple[BatchResult, list[Fact]]:
    items = plan.items
    labels = await ctx.db.labels.ensure(
        conn, ns, {r.label for r in plan.vertex_rows}, "vertex", ctx.schema
    )
    written = await vertex_store.upsert(conn, ns, labels, plan.vertex_rows)
    facts = _FactsDone()
    if items.unique_facts:
        facts = await _apply_facts(ctx, conn, ns, plan)
    created = {r.uid: r.created for r in written}
    result = BatchResult(
        entities=tuple(WriteOutcome(e.uid, created[e.uid]) for e in items.entities),
        facts=tuple(facts.outcome(f.uid) for f in items.facts),
        closed=tuple(facts.closed),
    )
    return result, facts.stored


@dataclass(slots=True)
class _FactsDone:
    """What writing the facts did: created flags by uid, restated uids, closed facts,
    and the facts read back."""

    created: dict[str, bool] = field(default_factory=dict)
    uids: dict[str, str] = field(default_factory=dict)
    closed: list[str] = field(default_factory=list)
    stored: list[Fact] = field(default_factory=list)

    def outcome(self, uid: str) -> WriteOutcome:
        if uid in self.uids:
            return WriteOutcome(self.uids[uid], False)
        return WriteOutcome(uid, self.created[uid])


async def _apply_facts(
    ctx: GraphContext, conn: Connection, ns: NamespaceRef, plan: _Plan
) -> _FactsDone:
    items = plan.items
    refs = await _resolve_endpoints(ctx, conn, ns, items.facts, plan.endpoints)
    fact_plan, existing, now = plan.facts, None, None
    if fact_plan is None:
        # No model needed: the locked lookups give the names for the texts, and the
        # stored texts and the transaction's time come with the lock on the existing
        # facts (one round trip).
        existing, now = await fact_store.lock_existing_at(
            conn, ns, [f.uid for f in items.unique_facts]
        )
        indexed = {u: (r.text, r.embedded) for u, r in existing.items()}
        fact_plan = await _fact_plan(ctx, conn, ns, items, refs, indexed)
    edge_labels = await ctx.db.labels.ensure(
        conn, ns, {f.predicate for f in items.unique_facts}, "edge", ctx.schema
    )
    rows = _fact_rows(items.unique_facts, refs, fact_plan)
    generated = {f.uid for f in items.unique_facts if f.generated_uid}
    restated = await statements.restate(conn, ns, rows, generated)
    upserted = await fact_store.upsert(
        conn, ns, edge_labels, restated.rows, existing=existing, now=now
    )
    ids = {**restated.stored_ids, **{u: i for u, i, _ in upserted}}
    # A uid given twice is written once, but every item's claim counts.
    await fact_store.add_claims(conn, ns, [*restated.claims, *_repeated_claims(items, refs)], ids)
    done = _FactsDone(created={u: c for u, _, c in upserted}, uids=restated.uids)
    # Restating rows count too: a source saying a former value again takes it back.
    done.closed = await statements.supersede(
        conn, ns, ctx.schema, [*restated.rows, *restated.claims], now or datetime.now(UTC)
    )
    if plan.read_back:
        final = dict.fromkeys(done.uids.get(f.uid, f.uid) for f in items.unique_facts)
        done.stored = [f for f in [await fact_reads.get(conn, ns, u) for u in final] if f]
    return done


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
            location=e.location,
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


async def _fact_plan(
    ctx: GraphContext,
    conn: Connection,
    ns: NamespaceRef,
    items: _Items,
    known: Mapping[str, VertexRef],
    stored: Mapping[str, tuple[str | None, bool]] | None = None,
) -> _FactPlan:
    """Texts (the caller's, else a sentence from the endpoints' names or uids) and
    vector choices of the facts (``stored``: what ``indexed_text.stored`` returns for
    them, if the caller has it already)."""
    names = {uid: ref.name for uid, ref in known.items() if ref.name}
    for e in items.unique_entities:
        name = e.properties.get("name")
        if isinstance(name, str):
            names[e.uid] = name
    texts = {
        f.uid: f.text
        or fact_text(names.get(f.subject, f.subject), f.predicate, names.get(f.object, f.object))
        for f in items.unique_facts
    }
    if stored is None:
        stored = await indexed_text.stored(conn, ns, "fact", [f.uid for f in items.unique_facts])
    needs = [_need(texts[f.uid], f.vector, stored.get(f.uid)) for f in items.unique_facts]
    return _FactPlan(texts=texts, vectors=await vectors.choose(ctx.embedder, needs))


async def _resolve_endpoints(
    ctx: GraphContext,
    conn: Connection,
    ns: NamespaceRef,
    items: Sequence[PreparedFact],
    known: Mapping[str, VertexRef] | None = None,
) -> dict[str, VertexRef]:
    sources = {f.source for f in items if f.source is not None}
    episodes = {f.episode for f in items if f.episode is not None}
    wanted = _endpoints(items) | sources | episodes
    if known is None:
        refs = await vertex_store.resolve(conn, ns, wanted, lock=True)
    else:
        refs = {uid: known[uid] for uid in wanted if uid in known}
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


def _repeated_claims(items: _Items, refs: Mapping[str, VertexRef]) -> list[FactRow]:
    """Claims of the facts given more than once in a batch, besides the written item's
    (add_claims reads their uid, source, episode, confidence and time only)."""
    written = {id(f) for f in items.unique_facts}
    return [_fact_row(f, refs, None, _NO_VECTOR) for f in items.facts if id(f) not in written]


def _fact_rows(
    items: Sequence[PreparedFact], refs: Mapping[str, VertexRef], plan: _FactPlan
) -> list[FactRow]:
    return [
        _fact_row(f, refs, plan.texts[f.uid], choice)
        for f, choice in zip(items, plan.vectors, strict=True)
    ]


_NO_VECTOR = vectors.VectorChoice(None)


def _fact_row(
    f: PreparedFact, refs: Mapping[str, VertexRef], text: str | None, choice: vectors.VectorChoice
) -> FactRow:
    return FactRow(
        uid=f.uid,
        predicate=f.predicate,
        subject=refs[f.subject],
        object=refs[f.object],
        properties=f.properties,
        valid_from=f.valid_from,
        valid_to=f.valid_to,
        recorded_at=f.recorded_at,
        confidence=f.confidence,
        text=text,
        embedding=choice.vector,
        keep_embedding=choice.keep,
        source_id=refs[f.source].id if f.source else None,
        episode_id=refs[f.episode].id if f.episode else None,
        declared=f.declared,
    )
