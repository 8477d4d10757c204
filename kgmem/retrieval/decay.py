"""Memory tiers in search: the decay of episodes' retrieval weight, and archived
episodes left out. One step after fusion (``kgmem.model.tier_model.TierPolicy``).

An ``episodic`` episode (older than the policy's working window, not promoted to
``semantic``) has its fused score and relevance multiplied by its decay factor, and
the hit says so under ``scores["decay"]`` and ``reasons["decay"]``. Working and
semantic episodes, entities and facts keep their score. An archived episode is out of
the vector and keyword indexes already; one that another axis (time, graph) still
found is left out here. One statement reads the policy and the tier rows of the
episode candidates, and only when there are episode candidates.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from kgmem.model import SearchHit
from kgmem.model.tier_model import TierPolicy, policy_of
from kgmem.retrieval.fusion import Fused, Scored
from kgmem.retrieval.scope import EPISODE
from kgmem.storage import Connection, NamespaceRef
from kgmem.storage import tiers as tier_store
from kgmem.storage.indexes.candidates import VertexInfo

Decayed = dict[tuple[str, int], Scored]

_DAY_S = 86400.0


async def weigh(
    conn: Connection,
    ns: NamespaceRef,
    now: datetime,
    vertices: Mapping[int, VertexInfo],
    fused: Sequence[Fused[Any]],
) -> tuple[list[Fused[Any]], Decayed]:
    """``fused`` without archived episodes, each decayed episode's score multiplied by
    its factor, in the new order (stable for equal scores); and the factors applied."""
    episodes = [f.key[1] for f in fused if f.key[0] == "v" and _is_episode(vertices, f.key[1])]
    if not episodes:
        return list(fused), {}
    stored, rows = await tier_store.decay_rows(conn, ns.name, episodes)
    if stored is None and not rows:
        return list(fused), {}
    policy = policy_of(stored or {})
    archived = {i for i, (_, _, at) in rows.items() if at is not None}
    factors: Decayed = {}
    for i in episodes:
        if i in archived:
            continue
        tier, recalled, _ = rows.get(i, ("episodic", None, None))
        scored = factor(policy, tier, vertices[i].occurred_at, recalled, now)
        if scored is not None:
            factors[("v", i)] = scored
    kept = [_scaled(f, factors.get(f.key)) for f in fused if f.key[1] not in archived]
    kept.sort(key=lambda f: -f.score)
    return kept, factors


def _is_episode(vertices: Mapping[int, VertexInfo], i: int) -> bool:
    v = vertices.get(i)
    return v is not None and v.label == EPISODE


def _scaled(f: Fused[Any], by: Scored | None) -> Fused[Any]:
    if by is None:
        return f
    return dataclasses.replace(f, score=f.score * by.score, relevance=f.relevance * by.score)


def factor(
    policy: TierPolicy,
    tier: str,
    occurred: datetime | None,
    recalled: datetime | None,
    now: datetime,
) -> Scored | None:
    """The decay of one episode (None: it does not decay)."""
    if tier == "semantic" or occurred is None:
        return None
    age = max((now - occurred).total_seconds(), 0.0)
    if age < policy.working_hours * 3600:
        return None
    days = age / _DAY_S
    parts, value = [], 1.0
    if policy.decay_half_life_days:
        value *= 0.5 ** (days / policy.decay_half_life_days)
        parts.append(f"{days:.1f} days old (half-life {policy.decay_half_life_days:g} d)")
    if policy.recall_half_life_days:
        idle = max((now - (recalled or occurred)).total_seconds(), 0.0) / _DAY_S
        value *= 0.5 ** (idle / policy.recall_half_life_days)
        since = "last recalled" if recalled else "never recalled, occurred"
        parts.append(f"{since} {idle:.1f} days ago (half-life {policy.recall_half_life_days:g} d)")
    if not parts:
        return None
    value = max(value, policy.decay_floor)
    return Scored(value, f"x{value:.3f} episodic: " + "; ".join(parts))


def attach(hits: Sequence[SearchHit], factors: Decayed) -> list[SearchHit]:
    """``hits`` with each decayed episode's factor and reason."""
    if not factors:
        return list(hits)
    out = []
    for hit in hits:
        by = factors.get(("v", hit.entity.id)) if hit.entity is not None else None
        if by is None:
            out.append(hit)
            continue
        scores = {**hit.scores, "decay": round(by.score, 6)}
        reasons = {**hit.reasons, "decay": by.reason}
        out.append(dataclasses.replace(hit, scores=scores, reasons=reasons))
    return out
