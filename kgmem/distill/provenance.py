"""A distilled summary's provenance, read from the graph as it stands now.

The summary remembers which episodes and sources it was distilled from (its
``episodes`` and ``sources`` properties); its ``DISTILLED_FROM`` edges say which of
them are still in the graph (forgetting an episode deletes its edges). Support is the
share of its episodes still remembered; trust is support times the mean reliability
verification gave its sources (None while none is scored), so a summary loses weight
as its sources prove unreliable or its episodes are forgotten.
"""

from __future__ import annotations

from kgmem.errors import EntityNotFound, SourceNotFound
from kgmem.memory import Memory
from kgmem.model.tier_model import Provenance
from kgmem.storage import distilled as store
from kgmem.storage.graph import namespaces
from kgmem.storage.graph import vertices as vertex_store

LABEL = "Summary"


async def provenance(memory: Memory, namespace: str, uid: str) -> Provenance:
    """The provenance of summary ``uid`` (``EntityNotFound`` when there is none)."""
    async with memory.database.transaction(readonly=True) as conn:
        ns = await namespaces.resolve(conn, namespace)
        found = await vertex_store.get(conn, ns, uid)
        if found is None or found.label != LABEL:
            raise EntityNotFound(f"no distilled summary {uid!r} in {namespace!r}", uid=uid)
        reached = set(await store.sources_of(conn, ns, found.id))
    p = found.properties
    episodes = [str(e) for e in p.get("episodes", [])]
    remaining = tuple(e for e in episodes if e in reached)
    reliability = {s: await _reliability(memory, namespace, str(s)) for s in p.get("sources", [])}
    support = len(remaining) / len(episodes) if episodes else 0.0
    scored = [r for r in reliability.values() if r is not None]
    return Provenance(
        uid=uid,
        text=str(p.get("text", "")),
        method=str(p.get("method", "")),
        episodes=remaining,
        forgotten=len(episodes) - len(remaining),
        sources=reliability,
        support=round(support, 6),
        trust=round(support * sum(scored) / len(scored), 6) if scored else None,
        properties={k: v for k, v in p.items() if k in ("group", "occurred_at", "sentences")},
    )


async def _reliability(memory: Memory, namespace: str, uid: str) -> float | None:
    try:
        return (await memory.get_source(namespace, uid)).source.reliability
    except SourceNotFound:
        return None
