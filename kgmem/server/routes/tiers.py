"""/v1/namespaces/{ns}/tiers and /distill: memory tiers and distillation."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from kgmem.distill import Distiller
from kgmem.model import tier_model as tm
from kgmem.model.tier_input import ApplyIn, ArchiveSearchIn, DistillIn, PolicyIn, UidsIn
from kgmem.server.auth import Reader, Writer, memory_of

router = APIRouter(prefix="/v1/namespaces/{ns}", tags=["memory tiers"])


@router.get("/tiers/policy", response_model=tm.TierPolicy)
async def get_tier_policy(ns: str, request: Request, _: Reader) -> tm.TierPolicy:
    """The namespace's tier policy (the defaults when none was set)."""
    return await memory_of(request).tiers.policy(ns)


@router.put("/tiers/policy", response_model=tm.TierPolicy)
async def set_tier_policy(ns: str, body: PolicyIn, request: Request, _: Writer) -> tm.TierPolicy:
    """Replace the policy: promotion, decay of episodes' retrieval weight, archiving."""
    return await memory_of(request).tiers.set_policy(ns, body.to_data())


@router.post("/tiers/apply", response_model=tm.TierReport)
async def apply_tier_policy(
    ns: str, request: Request, _: Writer, body: ApplyIn | None = None
) -> tm.TierReport:
    """Promote and archive what the policy says (idempotent; concurrent calls queue)."""
    now = body.now if body else None
    return await memory_of(request).tiers.apply(ns, now=now)


@router.get("/tiers/episodes", response_model=list[tm.EpisodeTier])
async def episode_tiers(
    ns: str,
    request: Request,
    _: Reader,
    uid: Annotated[list[str] | None, Query(description="Only these episodes")] = None,
    archived: Annotated[bool | None, Query(description="Only (not) archived ones")] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> list[tm.EpisodeTier]:
    """Episodes' tiers, recalls and archive state, by uid."""
    found = await memory_of(request).tiers.states(ns, uids=uid, archived=archived, limit=limit)
    return list(found)


@router.post("/tiers/archive", response_model=tm.Moved)
async def archive_episodes(ns: str, body: UidsIn, request: Request, _: Writer) -> tm.Moved:
    """Take episodes out of the vector and keyword indexes; they stay in the graph."""
    return tm.Moved(tuple(await memory_of(request).tiers.archive(ns, body.uids)))


@router.post("/tiers/restore", response_model=tm.Moved)
async def restore_episodes(ns: str, body: UidsIn, request: Request, _: Writer) -> tm.Moved:
    """Put archived episodes back in the indexes."""
    return tm.Moved(tuple(await memory_of(request).tiers.restore(ns, body.uids)))


@router.post("/tiers/archive/search", response_model=list[tm.ArchiveHit])
async def search_archive(
    ns: str, body: ArchiveSearchIn, request: Request, _: Reader
) -> list[tm.ArchiveHit]:
    """Archived episodes best matching a text (a scan: the archive has no index)."""
    found = await memory_of(request).tiers.search_archive(ns, body.text, body.k)
    return [tm.ArchiveHit(e, s) for e, s in found]


@router.post("/distill", response_model=tm.Distillation)
async def distill(ns: str, body: DistillIn, request: Request, _: Writer) -> tm.Distillation:
    """Consolidate episodes into summaries (and facts, with an LLM), each linked to the
    episodes and sources it came from."""
    made = await Distiller(memory_of(request)).distill(ns, body.to_request())
    return made


@router.get("/distilled/{uid}/provenance", response_model=tm.Provenance)
async def provenance(ns: str, uid: str, request: Request, _: Reader) -> tm.Provenance:
    """Where a distilled summary came from, and how well it is still supported."""
    return await Distiller(memory_of(request)).provenance(ns, uid)
