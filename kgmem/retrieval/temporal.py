"""The temporal axis: which facts and vertices hold at the times asked for, recency
decay, and an entity's timeline.

Facts follow the rules in ``kgmem.storage.indexes.candidates`` (valid_at, known_at, window;
current facts only when none is given). A vertex is timed when it has ``occurred_at``
(episodes, events): a window keeps timed vertices inside it, ``valid_at`` keeps those
that happened by then; untimed vertices pass these filters and get no temporal score.
Decay scores ``0.5 ** (age / half_life)`` with the age from ``now`` to a fact's
``valid_from`` (else ``recorded_at``) or a vertex's ``occurred_at`` (else last update).
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime

from kgmem.graph import entities
from kgmem.graph.graph_context import GraphContext
from kgmem.graph.prepare import aware
from kgmem.model import TimelineEntry, TimeQuery
from kgmem.retrieval.fusion import Scored
from kgmem.retrieval.scope import Key, Scope
from kgmem.schema import validate_uid
from kgmem.storage import Connection, NamespaceRef
from kgmem.storage.filters import ElementFilter
from kgmem.storage.graph import fact_reads, namespaces, revisions, structural
from kgmem.storage.indexes import candidates as cand

SECONDS_PER_DAY = 86_400.0


def fact_time(t: TimeQuery) -> cand.FactTime:
    """The storage form of the fact constraint."""
    return cand.FactTime(valid_at=t.valid_at, known_at=t.known_at, start=t.start, end=t.end)


async def generate(
    conn: Connection, ns: NamespaceRef, t: TimeQuery, scope: Scope, *, limit: int
) -> set[Key]:
    """Candidates found by time alone: facts meeting the constraint and timed vertices
    in the window (or up to ``valid_at``), latest first."""
    end = t.end if t.end is not None else t.valid_at
    where = ElementFilter(labels=scope.labels, exclude_labels=scope.exclude_labels)
    facts, vertices = await cand.timed(
        conn,
        ns,
        facts=fact_time(t) if scope.facts else None,
        predicates=scope.predicates,
        vertices=(t.start, end, where) if scope.vertices else None,
        limit=limit,
    )
    keys: set[Key] = {("f", i) for i in facts}
    keys.update(("v", i) for i in vertices)
    return keys


def fact_ok(t: TimeQuery | None, f: cand.FactInfo, now: datetime) -> bool:
    """Whether fact ``f`` meets the temporal constraint (the same rules as the SQL);
    with ``known_at``, ``f`` is the version believed then (``candidates.as_known``)."""
    if t is None or (
        t.valid_at is None and t.known_at is None and t.start is None and t.end is None
    ):
        return f.expired_at is None and (f.valid_to is None or f.valid_to > now)
    if t.known_at is not None and not _known(t, f, t.known_at):
        return False
    if t.valid_at is not None and not _contains(f.valid_from, f.valid_to, t.valid_at):
        return False
    if t.start is not None and f.valid_to is not None and f.valid_to <= t.start:
        return False
    return not (t.end is not None and f.valid_from is not None and f.valid_from >= t.end)


def _known(t: TimeQuery, f: cand.FactInfo, known: datetime) -> bool:
    """Whether ``f`` (as believed at ``known``: ``candidates.as_known``) was recorded by
    then and, when no valid time or window is asked, was current then."""
    if f.recorded_at > known:
        return False
    if t.valid_at is not None or t.start is not None or t.end is not None:
        return True
    open_ = f.expired_at is None or f.expired_at > known
    return open_ and (f.valid_to is None or f.valid_to > known)


def vertex_ok(t: TimeQuery | None, v: cand.VertexInfo) -> bool:
    """Whether vertex ``v`` meets the window / valid_at constraint (untimed ones do)."""
    if t is None or v.occurred_at is None:
        return True
    if t.start is not None and v.occurred_at < t.start:
        return False
    if t.end is not None and v.occurred_at >= t.end:
        return False
    return not (t.valid_at is not None and v.occurred_at > t.valid_at)


def fact_score(t: TimeQuery, f: cand.FactInfo, now: datetime) -> Scored:
    """The temporal score of a qualifying fact."""
    when = f.valid_from or f.recorded_at
    return _score(t, when, now, _fact_reason(t, f))


def vertex_score(t: TimeQuery, v: cand.VertexInfo, now: datetime) -> Scored | None:
    """The temporal score of a qualifying vertex (None for an untimed vertex unless
    decay is asked for, which then uses its last update)."""
    if v.occurred_at is None and t.half_life_days is None:
        return None
    when = v.occurred_at or v.updated_at
    label = f"occurred {v.occurred_at.isoformat()}" if v.occurred_at else "updated"
    return _score(t, when, now, label)


def _score(t: TimeQuery, when: datetime, now: datetime, reason: str) -> Scored:
    if t.half_life_days is None:
        return Scored(1.0, reason)
    age_days = max(0.0, (now - when).total_seconds() / SECONDS_PER_DAY)
    score = 0.5 ** (age_days / t.half_life_days)
    return Scored(score, f"{reason}; {age_days:.1f} days old, decay {score:.3f}")


def _fact_reason(t: TimeQuery, f: cand.FactInfo) -> str:
    parts = _query_reasons(t)
    if f.expired_at is not None:
        parts = (*parts, f"closed {f.expired_at.isoformat()}")
    return "; ".join(parts) or "current"


@functools.lru_cache(maxsize=256)
def _query_reasons(t: TimeQuery) -> tuple[str, ...]:
    """The reason parts every fact of one query shares, formatted once, not per fact."""
    parts: list[str] = []
    if t.valid_at is not None:
        parts.append(f"valid at {t.valid_at.isoformat()}")
    if t.known_at is not None:
        parts.append(f"known at {t.known_at.isoformat()}")
    if t.start is not None or t.end is not None:
        parts.append("valid within the window")
    return tuple(parts)


def _contains(lo: datetime | None, hi: datetime | None, at: datetime) -> bool:
    if lo is not None and at < lo:
        return False
    if hi is None:
        return True
    return at < hi or (lo is not None and lo == hi == at)


async def timeline(
    ctx: GraphContext,
    namespace: str,
    uid: str,
    *,
    limit: int = 1000,
    include_structural: bool = False,
    known_at: datetime | None = None,
) -> list[TimelineEntry]:
    """Every fact touching entity ``uid`` (closed ones too), by valid time (facts
    without ``valid_from`` first), then by when they were recorded; structural edges
    (``kgmem.storage.graph.structural``) only when ``include_structural``; ``known_at``: as
    the store believed them then (recorded by then, the validity believed then)."""
    validate_uid(uid, ctx.limits.max_uid_length)
    aware("known_at", known_at)
    async with ctx.db.transaction(readonly=True) as conn:
        ns = await namespaces.resolve(conn, namespace)
        entity = await entities.read(conn, ns, uid)
        out, into = await fact_reads.touching(
            conn, ns, entity.id, include_closed=True, limit=min(limit, ctx.limits.max_page_size)
        )
        if known_at is not None:
            out = await revisions.as_known_facts(conn, ns, out, known_at)
            into = await revisions.as_known_facts(conn, ns, into, known_at)
        if not include_structural:
            linked = await structural.among(
                conn, ns, [f.id for f in (*out, *into) if f.predicate in structural.PREDICATES]
            )
            out = [f for f in out if f.id not in linked]
            into = [f for f in into if f.id not in linked]
    entries = [TimelineEntry(f, "outgoing") for f in out]
    entries += [TimelineEntry(f, "incoming") for f in into if f.uid not in {o.uid for o in out}]
    floor = datetime.min.replace(tzinfo=UTC)
    entries.sort(key=lambda e: (e.fact.valid_from or floor, e.fact.recorded_at, e.fact.uid))
    return entries
