"""``Tiers``: a namespace's memory-tier policy, applied; archive, restore, recalls.

Applying a policy promotes the episodes its rules name to ``semantic`` and archives
those its archiving rule names, in one transaction per namespace that first takes the
namespace's tier lock and its text-index lock: two applications at once run one after
the other, and the second finds nothing left to do (applying is idempotent). Writers
of the same episodes wait on the episodes' row locks, never the other way round.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from typing import Any

from kgmem.errors import DatabaseUnavailable, EpisodeNotFound, InvalidInput, InvalidTimestamp
from kgmem.graph.graph_context import GraphContext
from kgmem.graph.prepare import aware
from kgmem.model import Entity, SearchResult
from kgmem.model.tier_model import EpisodeTier, Tier, TierPolicy, TierReport, policy_data, policy_of
from kgmem.storage import Connection, NamespaceRef
from kgmem.storage import tiers as store
from kgmem.storage.graph import namespaces
from kgmem.storage.graph import vertices as vertex_store
from kgmem.tiers.policy import checked

_log = logging.getLogger("kgmem.tiers")

MAX_UIDS = 10_000
# How long a process trusts what it read of a policy's recall tracking before reading
# it again (another process may have changed it).
RECALL_POLICY_TTL_S = 5.0


Changed = Callable[[str, str, Sequence[str]], Awaitable[None]]
"""Told of each committed change: (namespace, event type, uids); it invalidates the
namespace's cached reads and publishes the event (``kgmem.live``)."""


async def _unheard(namespace: str, kind: str, uids: Sequence[str]) -> None:
    return None


class Tiers:
    """Memory tiers of the namespaces in ``ctx``'s database; ``changed`` hears every
    committed change (a cached search must not return an episode archived since)."""

    def __init__(self, ctx: GraphContext, changed: Changed = _unheard) -> None:
        self.ctx = ctx
        self.changed = changed
        self._tracking: dict[str, tuple[bool, float]] = {}

    async def policy(self, namespace: str) -> TierPolicy:
        """The namespace's policy (the defaults when none was set)."""
        async with self.ctx.db.transaction(readonly=True) as conn:
            await namespaces.resolve(conn, namespace)
            stored = await store.policy(conn, namespace)
        return policy_of(stored or {})

    async def set_policy(self, namespace: str, data: Mapping[str, Any]) -> TierPolicy:
        """Replace the namespace's policy (``InvalidInput`` naming a bad field)."""
        policy = checked(data)
        async with self.ctx.db.transaction() as conn:
            await namespaces.resolve(conn, namespace)
            await store.set_policy(conn, namespace, policy_data(policy))
        self._tracking[namespace] = (policy.track_recalls, time.monotonic())
        await self.changed(namespace, "tiers.configured", [])
        return policy

    async def apply(self, namespace: str, *, now: datetime | None = None) -> TierReport:
        """Promote and archive what the policy says, as of ``now`` (default: now: an
        aware time from which the policy's windows reach back without leaving the
        calendar, else ``InvalidTimestamp`` naming ``now``)."""
        at = aware("now", now) or datetime.now(UTC)

        async def work(conn: Connection) -> TierReport:
            ns = await namespaces.resolve(conn, namespace)
            await store.lock_namespace(conn, namespace)
            policy = policy_of(await store.policy(conn, namespace) or {})
            _reach_back(at, policy)
            promoted = await _promote(conn, ns, policy)
            archived: list[str] = []
            if policy.archive_after_days is not None:
                archived = await _archive(conn, ns, policy, at)
            counts = await store.counts(conn, ns, at - timedelta(hours=policy.working_hours))
            return TierReport(tuple(promoted), tuple(archived), counts, at)

        report = await self.ctx.db.in_transaction(work)
        if report.promoted or report.archived:
            await self.changed(namespace, "tiers.applied", [*report.archived, *report.promoted])
        return report

    async def archive(self, namespace: str, uids: Sequence[str]) -> list[str]:
        """Take the episodes ``uids`` out of the search indexes; those archived now."""
        moved = await self._move(namespace, uids, store.archive)
        if moved:
            await self.changed(namespace, "episode.archived", moved)
        return moved

    async def restore(self, namespace: str, uids: Sequence[str]) -> list[str]:
        """Put archived episodes back in the search indexes; those restored now."""
        moved = await self._move(namespace, uids, store.restore)
        if moved:
            await self.changed(namespace, "episode.restored", moved)
        return moved

    async def _move(self, namespace: str, uids: Sequence[str], how: Any) -> list[str]:
        _check_uids(uids)

        async def work(conn: Connection) -> list[str]:
            ns = await namespaces.resolve(conn, namespace)
            await store.lock_namespace(conn, namespace)
            await _all_episodes(conn, ns, uids)
            moved: list[str] = await how(conn, ns, uids)
            return moved

        return await self.ctx.db.in_transaction(work)

    async def states(
        self,
        namespace: str,
        *,
        uids: Sequence[str] | None = None,
        archived: bool | None = None,
        limit: int = 1000,
    ) -> list[EpisodeTier]:
        """Episodes' tiers, recalls and archive state, by uid."""
        if not 1 <= limit <= MAX_UIDS:
            raise InvalidInput(f"limit must be between 1 and {MAX_UIDS}", field="limit")
        async with self.ctx.db.transaction(readonly=True) as conn:
            ns = await namespaces.resolve(conn, namespace)
            policy = policy_of(await store.policy(conn, namespace) or {})
            rows = await store.states(conn, ns, uids=uids, archived=archived, limit=limit)
        now = datetime.now(UTC)
        return [_tier_of(r, policy, now) for r in rows]

    async def search_archive(
        self, namespace: str, text: str, k: int = 10
    ) -> list[tuple[Entity, float]]:
        """The archived episodes best matching ``text`` (their vectors, when the store
        has an embedder, and their words), with a score; the archive has no index."""
        if not text.strip():
            raise InvalidInput("text must not be empty", field="text")
        if not 1 <= k <= 1000:
            raise InvalidInput("k must be between 1 and 1000", field="k")
        embedder = self.ctx.embedder
        vector = await self.ctx.query_cache.vector(embedder, text) if embedder else None
        async with self.ctx.db.transaction(readonly=True) as conn:
            ns = await namespaces.resolve(conn, namespace)
            found = await store.search_archive(conn, ns, text, vector, k)
            entities = {u: await vertex_store.get(conn, ns, u) for u, _ in found}
        return [(e, score) for u, score in found if (e := entities[u]) is not None]

    async def note_recalls(self, namespace: str, result: SearchResult) -> int:
        """Count a recall of each episode among ``result``'s hits when the namespace's
        policy tracks recalls; how many were counted. The count is kept on the primary:
        while the primary is unavailable (a failover) the search is answered all the
        same (by a replica) and its recalls go uncounted."""
        uids = [h.uid for h in result.hits if h.kind == "episode"]
        if not uids:
            return 0

        async def work(conn: Connection) -> int:
            ns = await namespaces.resolve(conn, namespace)
            return await store.note_recalls(conn, ns, uids, datetime.now(UTC))

        try:
            if not await self._tracks(namespace):
                return 0
            return await self.ctx.db.in_transaction(work)
        except DatabaseUnavailable as exc:
            _log.info("recalls of a search in %s not counted: %s", namespace, exc)
            return 0

    async def _tracks(self, namespace: str) -> bool:
        known = self._tracking.get(namespace)
        if known is not None and time.monotonic() - known[1] < RECALL_POLICY_TTL_S:
            return known[0]
        async with self.ctx.db.transaction(readonly=True) as conn:
            stored = await store.policy(conn, namespace)
        tracks = stored is not None and policy_of(stored).track_recalls
        self._tracking[namespace] = (tracks, time.monotonic())
        return tracks


async def _promote(conn: Connection, ns: NamespaceRef, policy: TierPolicy) -> list[str]:
    if policy.promote_min_facts is None and policy.promote_min_recalls is None:
        return []
    found = await store.promotable(
        conn,
        ns,
        min_facts=policy.promote_min_facts,
        verified_only=policy.promote_verified_only,
        min_recalls=policy.promote_min_recalls,
    )
    return await store.promote(conn, ns, found) if found else []


async def _archive(
    conn: Connection, ns: NamespaceRef, policy: TierPolicy, at: datetime
) -> list[str]:
    assert policy.archive_after_days is not None
    idle = policy.archive_idle_days
    uids = await store.archivable(
        conn,
        ns,
        older_than=at - timedelta(days=policy.archive_after_days),
        idle_since=None if idle is None else at - timedelta(days=idle),
        working_since=at - timedelta(hours=policy.working_hours),
        tiers=policy.archive_tiers,
    )
    return await store.archive(conn, ns, uids) if uids else []


async def _all_episodes(conn: Connection, ns: NamespaceRef, uids: Sequence[str]) -> None:
    found = {r.uid for r in await store.states(conn, ns, uids=uids, limit=MAX_UIDS)}
    for uid in uids:
        if uid not in found:
            raise EpisodeNotFound(f"episode {uid!r} does not exist in {ns.name!r}", uid=uid)


def _check_uids(uids: Sequence[str]) -> None:
    if not uids:
        raise InvalidInput("name at least one episode", field="uids")
    if len(uids) > MAX_UIDS:
        raise InvalidInput(f"at most {MAX_UIDS} episodes at once", field="uids")
    if any(not isinstance(u, str) or not u for u in uids):
        raise InvalidInput("episode uids must be non-empty strings", field="uids")


def _tier_of(r: store.TierRow, policy: TierPolicy, now: datetime) -> EpisodeTier:
    recent = r.occurred_at is not None and (now - r.occurred_at).total_seconds() < (
        policy.working_hours * 3600
    )
    tier: Tier = "semantic" if r.tier == "semantic" else "working" if recent else "episodic"
    # The row holds every other field of EpisodeTier under the same name.
    stored = {f.name: getattr(r, f.name) for f in fields(EpisodeTier) if f.name != "tier"}
    return EpisodeTier(tier=tier, **stored)


def _reach_back(at: datetime, policy: TierPolicy) -> None:
    """Refuse an ``at`` from which the policy's windows would fall before year 1."""
    days = max(policy.archive_after_days or 0, policy.archive_idle_days or 0)
    try:
        at - timedelta(days=days, hours=policy.working_hours)
    except OverflowError:
        raise InvalidTimestamp(
            f"now {at.isoformat()} is too early: the tier policy's windows reach "
            f"{days} days and {policy.working_hours} hours before it",
            field="now",
        ) from None
