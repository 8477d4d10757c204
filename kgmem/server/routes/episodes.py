"""/v1/namespaces/{ns}/episodes, /pipeline and /merges: memory-graph building."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, status

from kgmem.ingest import MergeRecord
from kgmem.ingest.communities import CommunityReport
from kgmem.model import Entity
from kgmem.model.building_input import MergeIn, PipelineIn
from kgmem.model.episode_input import EpisodeBatchIn, EpisodeIn
from kgmem.model.episodes import EpisodeOutcome, EpisodeWrite, Forgotten
from kgmem.server.auth import Principal, Reader, Writer, memory_of
from kgmem.server.episode_schemas import EpisodeBatchOut, PipelineOut

router = APIRouter(prefix="/v1/namespaces/{ns}", tags=["episodes"])


@router.post("/episodes", response_model=EpisodeOutcome, status_code=status.HTTP_201_CREATED)
async def add_episode(ns: str, body: EpisodeIn, request: Request, who: Writer) -> EpisodeOutcome:
    """Store an episode, then extract, resolve, date, write and link. The episode is
    stored even when extraction fails (status ``failed``; retry it)."""
    [outcome] = await _built(request, ns, [body.to_core()], who)
    return outcome


@router.post("/episodes/batch", response_model=EpisodeBatchOut, status_code=201)
async def add_episodes(
    ns: str, body: EpisodeBatchIn, request: Request, who: Writer
) -> EpisodeBatchOut:
    """Store many episodes at once (all or none), then build from each in order. The
    texts are checked first (each, and all together); a large batch takes one of the
    server's large-batch shares while it is built (429 too_many_jobs when none is free)."""
    outcomes = await _built(request, ns, [e.to_core() for e in body.episodes], who)
    return EpisodeBatchOut(episodes=outcomes)


async def _built(
    request: Request, ns: str, episodes: list[EpisodeWrite], who: Principal
) -> list[EpisodeOutcome]:
    memory = memory_of(request)
    with memory.episode_share(episodes, _key_id(who)):
        return await memory.add_episodes(ns, episodes)


def _key_id(who: Principal) -> str | None:
    return who.key.id if who.key is not None else None


@router.get("/episodes/{uid:path}", response_model=Entity)
async def get_episode(ns: str, uid: str, request: Request, _: Reader) -> Entity:
    """A stored episode; ``properties.extraction`` is pending, done or failed."""
    return await memory_of(request).get_episode(ns, uid)


@router.post("/episodes/{uid:path}/extract", response_model=EpisodeOutcome)
async def retry_episode(ns: str, uid: str, request: Request, _: Writer) -> EpisodeOutcome:
    """Run the pipeline again over a stored episode."""
    return await memory_of(request).retry_episode(ns, uid)


@router.delete("/episodes/{uid:path}", response_model=Forgotten)
async def delete_episode(ns: str, uid: str, request: Request, _: Writer) -> Forgotten:
    """Forget an episode: facts only it supported go, others lose its provenance."""
    return await memory_of(request).delete_episode(ns, uid)


async def _pipeline_out(request: Request, ns: str) -> PipelineOut:
    memory = memory_of(request)
    config = await memory.pipeline_config(ns)
    spent = await memory.building.tokens_spent(ns)
    return PipelineOut(config.extractors, config.stages, config.llm_budget_tokens, spent)


@router.get("/pipeline", response_model=PipelineOut)
async def get_pipeline(ns: str, request: Request, _: Reader) -> PipelineOut:
    """The namespace's pipeline and the LLM tokens it has spent."""
    return await _pipeline_out(request, ns)


@router.put("/pipeline", response_model=PipelineOut)
async def set_pipeline(ns: str, body: PipelineIn, request: Request, _: Writer) -> PipelineOut:
    """Choose extractors (in order), optional stages and the LLM token budget."""
    await memory_of(request).set_pipeline_config(ns, body.model_dump(exclude_none=True))
    return await _pipeline_out(request, ns)


@router.post("/merges", response_model=MergeRecord, status_code=status.HTTP_201_CREATED)
async def merge(ns: str, body: MergeIn, request: Request, _: Writer) -> MergeRecord:
    """Fold one entity into another: its facts move, its names become aliases."""
    return await memory_of(request).merge_entities(ns, body.keep, body.merge, body.reason)


@router.get("/merges", response_model=list[MergeRecord])
async def merges(
    ns: str,
    request: Request,
    _: Reader,
    entity: Annotated[str | None, Query(description="Only merges of this uid")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[MergeRecord]:
    """Logged merges with their evidence, newest first."""
    return list(await memory_of(request).merge_history(ns, entity, limit))


@router.post("/merges/{merge_id}/undo", response_model=MergeRecord)
async def unmerge(ns: str, merge_id: int, request: Request, _: Writer) -> MergeRecord:
    """Undo a merge: the merged entity comes back with its facts."""
    return await memory_of(request).unmerge(ns, merge_id)


@router.post("/communities/refresh", response_model=CommunityReport)
async def refresh_communities(
    ns: str,
    request: Request,
    who: Writer,
    force: Annotated[bool, Query(description="Recompute even if nothing changed")] = False,
) -> CommunityReport:
    """Detect communities of the entity graph (Louvain) and store them with summaries;
    a namespace whose facts did not change keeps its communities. Refreshes running at
    once are limited per key and in all (429 too_many_jobs), and the clustering has a
    deadline (504 communities_timed_out)."""
    memory = memory_of(request)
    with memory.shares.hold("refreshes", _key_id(who)):
        return await memory.refresh_communities(ns, force=force)
