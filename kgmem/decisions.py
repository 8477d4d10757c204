"""``Decisions``: what agents decided, why, and whether what they relied on still holds.

A decision names the facts and episodes it relied on. When it is read, each relied-on
fact is looked up in the graph: one since closed (``expired_at`` or a ``valid_to`` in
the past), refuted by verification, or deleted, and each episode since forgotten, is a
``Concern`` and the decision is flagged. Computing this at read time keeps it right
whichever way a fact stops holding (a close, a superseding write, a verification run,
a delete) with no hook to miss one.
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime

from kgmem.agents import input_checks as values
from kgmem.errors import EpisodeNotFound, FactNotFound, InvalidInput
from kgmem.memory import Memory
from kgmem.model import Entity, Fact
from kgmem.model.agent_model import Concern, Decision, DecisionQuery, DecisionWrite
from kgmem.storage import decisions as store

MAX_BASIS = 1000


class Decisions:
    """The decision history of ``memory``'s namespaces."""

    def __init__(self, memory: Memory) -> None:
        self.memory = memory

    async def record(self, namespace: str, write: DecisionWrite) -> Decision:
        """Record a decision; every relied-on fact and episode must exist
        (``FactNotFound``, ``EpisodeNotFound``)."""
        _check(write)
        for fact in write.facts:
            await self.memory.get_fact(namespace, fact)
        for episode in write.episodes:
            await self.memory.get_episode(namespace, episode)
        uid = write.uid or f"decision-{uuid.uuid4().hex[:16]}"
        async with self.memory.database.transaction() as conn:
            return await store.record(conn, namespace, write, uid)

    async def get(self, namespace: str, uid: str) -> Decision:
        """One decision with its concerns (``DecisionNotFound``)."""
        async with self.memory.database.transaction(readonly=True) as conn:
            found = await store.get(conn, namespace, uid)
        return await self._assessed(namespace, found, {})

    async def search(self, namespace: str, query: DecisionQuery) -> list[Decision]:
        """Decisions by agent, time, outcome, relied-on fact, flag; newest first."""
        if not 1 <= query.limit <= 1000:
            raise InvalidInput("limit must be between 1 and 1000")
        async with self.memory.database.transaction(readonly=True) as conn:
            found = await store.search(conn, namespace, query)
        seen: dict[tuple[str, str], Concern | None] = {}
        assessed = [await self._assessed(namespace, d, seen) for d in found]
        if query.flagged is not None:
            assessed = [d for d in assessed if d.flagged == query.flagged]
        return assessed[: query.limit]

    async def set_outcome(
        self, namespace: str, uid: str, outcome: str, *, cost: float | None = None
    ) -> Decision:
        """Record how a decision turned out (and what it cost)."""
        if not outcome:
            raise InvalidInput("outcome must not be empty")
        if cost is not None:
            values.amount(cost)
        async with self.memory.database.transaction() as conn:
            await store.set_outcome(conn, namespace, uid, outcome, cost)
        return await self.get(namespace, uid)

    async def why(self, namespace: str, uid: str) -> tuple[Decision, list[Fact], list[Entity]]:
        """The decision with the facts (as they stand now, closed ones included) and
        the episodes it relied on that are still in the graph."""
        decision = await self.get(namespace, uid)
        facts = [f for f in [await self._fact(namespace, u) for u in decision.facts] if f]
        episodes = [e for e in [await self._episode(namespace, u) for u in decision.episodes] if e]
        return decision, facts, episodes

    async def _assessed(
        self,
        namespace: str,
        decision: Decision,
        seen: dict[tuple[str, str], Concern | None],
    ) -> Decision:
        concerns = []
        for kind, uids in (("fact", decision.facts), ("episode", decision.episodes)):
            for uid in uids:
                if (kind, uid) not in seen:
                    seen[(kind, uid)] = await self._concern(namespace, kind, uid)
                found = seen[(kind, uid)]
                if found is not None:
                    concerns.append(found)
        return dataclasses.replace(decision, concerns=tuple(concerns))

    async def _concern(self, namespace: str, kind: str, uid: str) -> Concern | None:
        if kind == "episode":
            gone = await self._episode(namespace, uid) is None
            return Concern("episode", uid, "forgotten") if gone else None
        fact = await self._fact(namespace, uid)
        if fact is None:
            return Concern("fact", uid, "deleted")
        if fact.verification == "refuted":
            return Concern("fact", uid, "refuted")
        ended = fact.valid_to is not None and fact.valid_to <= datetime.now(UTC)
        return Concern("fact", uid, "closed") if fact.expired_at or ended else None

    async def _fact(self, namespace: str, uid: str) -> Fact | None:
        try:
            return await self.memory.get_fact(namespace, uid)
        except FactNotFound:
            return None

    async def _episode(self, namespace: str, uid: str) -> Entity | None:
        try:
            return await self.memory.get_episode(namespace, uid)
        except EpisodeNotFound:
            return None


def _check(write: DecisionWrite) -> None:
    values.name(write.agent, "agent")
    if write.uid is not None:
        values.name(write.uid, "uid")
    if not write.decision.strip():
        raise InvalidInput("decision must say what was decided")
    if len(write.facts) + len(write.episodes) > MAX_BASIS:
        raise InvalidInput(f"a decision may rely on at most {MAX_BASIS} facts and episodes")
    for text in (write.decision, write.rationale, write.outcome or ""):
        values.document(text, "text")
    values.document(list(write.options), "options")
    values.document(dict(write.metadata), "metadata")
    if write.cost is not None:
        values.amount(write.cost)
