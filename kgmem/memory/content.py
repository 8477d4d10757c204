"""The graph's content through ``Memory``: namespaces, entities, facts, batches."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime

from kgmem.errors import NamespaceExists, NamespaceNotFound
from kgmem.graph import GraphContext
from kgmem.graph import cypher as cypher_ops
from kgmem.graph import entities as entity_ops
from kgmem.graph import facts as fact_ops
from kgmem.graph import namespaces as namespace_ops
from kgmem.graph.fact_times import closed_by_own_write, read_times
from kgmem.graph.writes import write, write_fact
from kgmem.live import Live
from kgmem.model import (
    BatchResult,
    BatchWrite,
    Entity,
    EntityDetail,
    EntityPatch,
    EntityWrite,
    Fact,
    FactQuery,
    FactWrite,
    Namespace,
    NamespaceStats,
    Page,
    WriteOutcome,
)
from kgmem.settings.config import Settings
from kgmem.verification import runs as verification_runs


class GraphContent:
    """Namespaces, entities and facts, each committed write announced on ``live``."""

    ctx: GraphContext
    settings: Settings
    live: Live

    # -- namespaces -------------------------------------------------------------

    async def create_namespace(
        self,
        name: str,
        description: str = "",
        *,
        text_config: str = "english",
        exist_ok: bool = False,
    ) -> Namespace:
        """Create a namespace (its own AGE graph) whose keyword index stems words and
        drops stop words by PostgreSQL text search configuration ``text_config``
        (``english``, ``simple`` for none, ``french``, ...). With ``exist_ok``, a
        namespace of that name indexed the same way is answered as it is
        (``NamespaceExists`` still when its text configuration differs)."""
        if exist_ok:
            found = await self._existing_namespace(name, text_config)
            if found is not None:
                return found
        try:
            created = await namespace_ops.create(
                self.ctx, name, description, text_config=text_config
            )
        except NamespaceExists:
            found = await self._existing_namespace(name, text_config) if exist_ok else None
            if found is None:
                raise
            return found  # created meanwhile by another caller
        if self.settings.replica.urls:  # replicas serve its Cypher reads from the first
            await cypher_ops.prepare_readers(self.ctx, [name])
        await self.live.changed(name, "namespace.created")
        return created

    async def _existing_namespace(self, name: str, text_config: str) -> Namespace | None:
        """The namespace ``name`` if it exists and indexes texts by ``text_config``; None
        if it does not exist; ``NamespaceExists`` if it exists indexed another way."""
        try:
            found = await namespace_ops.get(self.ctx, name)
        except NamespaceNotFound:
            return None
        if found.text_config != text_config:
            raise NamespaceExists(
                f"namespace {name!r} already exists with text_config {found.text_config!r}, "
                f"not {text_config!r}: exist_ok answers it only when they match",
                namespace=name,
            )
        return found

    async def list_namespaces(self, only: Sequence[str] | None = None) -> list[Namespace]:
        """All namespaces, or only those in ``only``."""
        return await namespace_ops.list_all(self.ctx, only)

    async def get_namespace(self, name: str) -> Namespace:
        """One namespace's record."""
        return await namespace_ops.get(self.ctx, name)

    async def namespace_stats(self, name: str) -> NamespaceStats:
        """Counts per label, facts current and closed, embeddings, bytes on disk."""
        return await namespace_ops.stats(self.ctx, name)

    async def check_namespace(self, name: str) -> dict[str, int]:
        """Count orphaned rows (side rows without graph elements and the reverse); all
        zero unless the graph was changed behind kgmem's back (raw Cypher writes)."""
        return await namespace_ops.check(self.ctx, name)

    async def delete_namespace(self, name: str) -> None:
        """Delete a namespace and everything in it."""
        await namespace_ops.delete(self.ctx, name)
        await self.live.changed(name, "namespace.deleted")

    # -- entities ---------------------------------------------------------------

    async def upsert_entity(self, namespace: str, entity: EntityWrite) -> WriteOutcome:
        """Create or replace one entity by uid."""
        outcome = (await write(self.ctx, namespace, entities=[entity])).entities[0]
        await self.live.changed(namespace, "entity.upserted", [outcome.uid])
        return outcome

    async def patch_entity(
        self, namespace: str, uid: str, change: EntityPatch, *, if_match: str | None = None
    ) -> WriteOutcome:
        """Change part of a stored entity (JSON merge-patch semantics, ``EntityPatch``);
        concurrent patches never lose each other's changes. ``if_match``: only if the
        entity is still at that ``Entity.version`` (else ``VersionMismatch``)."""
        outcome = await entity_ops.patch(self.ctx, namespace, uid, change, if_match=if_match)
        await self.live.changed(namespace, "entity.upserted", [outcome.uid])
        return outcome

    async def get_entity(
        self,
        namespace: str,
        uid: str,
        *,
        include_closed: bool = False,
        facts_limit: int = 100,
        known_at: datetime | None = None,
    ) -> EntityDetail:
        """An entity with the facts that touch it (``known_at``: as believed then)."""
        return await entity_ops.get(
            self.ctx,
            namespace,
            uid,
            include_closed=include_closed,
            facts_limit=facts_limit,
            known_at=known_at,
        )

    async def list_entities(
        self,
        namespace: str,
        *,
        label: str | None = None,
        cursor: str | None = None,
        limit: int = 100,
    ) -> Page[Entity]:
        """A page of entities ordered by uid."""
        return await entity_ops.page(
            self.ctx, namespace, label=label, cursor_text=cursor, limit=limit
        )

    async def delete_entity(self, namespace: str, uid: str) -> None:
        """Delete an entity, its facts and its side rows."""
        await entity_ops.delete(self.ctx, namespace, uid)
        await self.live.changed(namespace, "entity.deleted", [uid])

    # -- facts ------------------------------------------------------------------

    async def add_fact(self, namespace: str, fact: FactWrite) -> Fact:
        """Add (or, with a known uid, update) one fact and return it as stored.

        When the fact names a source and ``KGMEM_VERIFICATION_UPDATE_ON_WRITE`` is on,
        its data item and sources are re-scored incrementally before returning."""
        fact, notes = read_times(fact)
        stored, closed = await write_fact(self.ctx, namespace, fact)
        notes.extend(closed_by_own_write([fact], [stored.uid], closed))
        await self.live.changed(namespace, "fact.added", [stored.uid])
        if closed:
            await self.live.changed(namespace, "fact.closed", list(closed))
        if fact.source is not None and self.settings.verification.update_on_write:
            await verification_runs.after_write(
                self.ctx,
                namespace,
                stored.uid,
                fact.source,
                self.settings.verification,
                fact=(stored.id, stored.predicate),
            )
            stored = await fact_ops.get(self.ctx, namespace, stored.uid)
        return dataclasses.replace(stored, notes=tuple(notes))

    async def get_fact(self, namespace: str, uid: str) -> Fact:
        """One fact."""
        return await fact_ops.get(self.ctx, namespace, uid)

    async def list_facts(self, namespace: str, query: FactQuery | None = None) -> Page[Fact]:
        """A page of facts, current ones only unless ``query.include_closed``."""
        return await fact_ops.page(self.ctx, namespace, query or FactQuery())

    async def close_fact(
        self, namespace: str, uid: str, *, valid_to: datetime | None = None
    ) -> Fact:
        """Close a fact (it stays for "as of" queries)."""
        closed = await fact_ops.close(self.ctx, namespace, uid, valid_to=valid_to)
        await self.live.changed(namespace, "fact.closed", [uid])
        return closed

    async def delete_fact(self, namespace: str, uid: str) -> None:
        """Delete a fact for good."""
        await fact_ops.delete(self.ctx, namespace, uid)
        await self.live.changed(namespace, "fact.deleted", [uid])

    async def write_batch(self, namespace: str, batch: BatchWrite) -> BatchResult:
        """Entities then facts in one transaction: all written or none."""
        many = len(batch.entities) + len(batch.facts) > 1
        read = [read_times(f, f"facts[{i}]" if many else "") for i, f in enumerate(batch.facts)]
        facts = [f for f, _ in read]
        result = await write(self.ctx, namespace, batch.entities, facts)
        notes = [n for _, found in read for n in found]
        notes += closed_by_own_write(facts, [f.uid for f in result.facts], result.closed)
        if notes:
            result = dataclasses.replace(result, notes=tuple(notes))
        if result.entities:
            await self.live.changed(namespace, "entity.upserted", [e.uid for e in result.entities])
        if result.facts:
            await self.live.changed(namespace, "fact.added", [f.uid for f in result.facts])
        if result.closed:
            await self.live.changed(namespace, "fact.closed", list(result.closed))
        return result
