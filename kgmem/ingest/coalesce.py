"""Concurrent episode requests to one namespace, built as one batch.

Building a batch costs little more than building one episode: the stages, the name
index and each session's episodes are set up once, and the episodes, their links
and their statuses are each written once. Agents send one turn per request, so
``EpisodeQueue`` merges the requests that arrive together: per namespace, one drain
task takes every queued request (whole requests, in arrival order, up to
``max_episodes``) and builds them as one batch; while it builds, new requests queue
and form the next batch. When nothing is being built, the first request waits up to
``window_s`` for company.

Batches of one namespace are built one at a time, so the in-memory name index sees
every entity an earlier batch created: near-duplicate spellings in concurrent
requests resolve to one entity (a request keeps its turns in order by waiting for
its answer before sending the next). If a merged batch raises, each request is
built again on its own, so one bad request cannot fail the others.

``after`` (if given) runs once per built batch with each request's outcomes, before
any request is answered: the store publishes the batch's change events there, in one
round trip, so every request's events are out before its response.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from kgmem.ingest.types import EpisodeOutcome, Work
from kgmem.process.gathering import Gathering

_log = logging.getLogger("kgmem.ingest")

BuildBatch = Callable[[str, Sequence[Work]], Awaitable[list[EpisodeOutcome]]]
AfterBatch = Callable[[str, list[list[EpisodeOutcome]]], Awaitable[None]]


@dataclass(slots=True)
class _Request:
    works: Sequence[Work]
    done: asyncio.Future[list[EpisodeOutcome]] = field(repr=False)


@dataclass(slots=True)
class _Namespace:
    queue: Gathering[_Request]
    drain: asyncio.Task[None] | None = None


@dataclass(slots=True)
class QueueStats:
    """Requests received and batches built (their ratio is the mean merge)."""

    requests: int = 0
    batches: int = 0


class EpisodeQueue:
    """Per-namespace merging of episode requests (see the module docstring)."""

    def __init__(self, build: BuildBatch, *, window_s: float, max_episodes: int) -> None:
        self._build = build
        self.after: AfterBatch | None = None
        self.window_s = window_s
        self.max_episodes = max(1, max_episodes)
        self.stats = QueueStats()
        self._namespaces: dict[str, _Namespace] = {}

    async def submit(self, namespace: str, works: Sequence[Work]) -> list[EpisodeOutcome]:
        """Build ``works`` (possibly with other requests' episodes); their outcomes."""
        self.stats.requests += 1
        state = self._namespaces.get(namespace)
        if state is None:
            state = self._namespaces[namespace] = _Namespace(
                Gathering(self.max_episodes, lambda r: len(r.works))
            )
        request = _Request(works, asyncio.get_running_loop().create_future())
        state.queue.add(request)
        if state.drain is None or state.drain.done():
            # Serves every request queued meanwhile, so it outlives the one that started it.
            state.drain = asyncio.create_task(self._drain(namespace, state))
        return await request.done

    async def _drain(self, namespace: str, state: _Namespace) -> None:
        await state.queue.wait_for_company(self.window_s)
        while state.queue:
            await self._run(namespace, state.queue.take())

    async def _run(self, namespace: str, requests: list[_Request]) -> None:
        self.stats.batches += 1
        works = [w for r in requests for w in r.works]
        try:
            outcomes = await self._build(namespace, works)
        except Exception as exc:
            if len(requests) > 1:
                for request in requests:
                    await self._run(namespace, [request])
                return
            _settle(requests[0], exc)
            return
        split, start = [], 0
        for request in requests:
            split.append(outcomes[start : start + len(request.works)])
            start += len(request.works)
        if self.after is not None:
            try:
                await self.after(namespace, split)
            except Exception:  # the batch is committed: answer its requests regardless
                _log.exception("after-batch hook failed for namespace %s", namespace)
        for request, mine in zip(requests, split, strict=True):
            _settle(request, mine)


def _settle(request: _Request, result: list[EpisodeOutcome] | BaseException) -> None:
    if request.done.done():  # the caller went away (cancelled)
        return
    if isinstance(result, BaseException):
        request.done.set_exception(result)
    else:
        request.done.set_result(result)
