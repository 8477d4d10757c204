"""API keys through ``Memory``: issue, list, revoke, authenticate (checks cached)."""

from __future__ import annotations

from collections.abc import Sequence

from kgmem.errors import InvalidInput
from kgmem.graph import GraphContext
from kgmem.graph.read_routing import ReadRouter
from kgmem.keys.key_cache import KeyCache
from kgmem.live import Live
from kgmem.model import (
    ApiKey,
    IssuedKey,
    Scope,
)
from kgmem.schema import validate_namespace_name
from kgmem.settings.config import Settings
from kgmem.storage import keys as key_store

SCOPES: tuple[Scope, ...] = ("read", "write", "admin")


class KeyMethods:
    """API keys; every change clears the cached key checks."""

    ctx: GraphContext
    settings: Settings
    live: Live
    key_checks: KeyCache
    reads: ReadRouter

    # -- API keys ---------------------------------------------------------------

    async def create_key(
        self, name: str, scopes: Sequence[Scope], namespaces: Sequence[str] | None = None
    ) -> IssuedKey:
        """A new API key; its secret is in the result and nowhere else."""
        if not name.strip() or len(name) > 200:
            raise InvalidInput("a key needs a name of 1 to 200 characters")
        bad = sorted(set(scopes) - set(SCOPES))
        if bad or not scopes:
            raise InvalidInput(f"scopes must be some of {', '.join(SCOPES)}; got {bad or 'none'}")
        for ns in namespaces or ():
            validate_namespace_name(ns)
        try:
            async with self.ctx.db.transaction() as conn:
                return await key_store.create(
                    conn,
                    name=name.strip(),
                    scopes=sorted(set(scopes), key=SCOPES.index),
                    namespaces=namespaces,
                )
        finally:
            self.key_checks.clear()

    async def list_keys(self) -> list[ApiKey]:
        """All keys (never their secrets)."""
        async with self.ctx.db.acquire() as conn:
            return await key_store.list_all(conn)

    async def revoke_key(self, key_id: str) -> ApiKey:
        """Revoke a key from now on: this process stops accepting it at once, every
        other one when the change's notification arrives (``kgmem.keys.key_watch``); open
        Bolt sessions, event streams and MCP sessions with the key are refused too."""
        try:
            async with self.ctx.db.transaction() as conn:
                return await key_store.revoke(conn, key_id)
        finally:
            self.key_checks.clear()

    async def authenticate(self, presented: str) -> ApiKey | None:
        """The active key a request presented, or None (a check is reused for a few
        seconds: ``kgmem.keys.key_cache``). Read from the primary, or from a replica while
        the primary is away (``ReadRouter.lookup``)."""
        found, key = self.key_checks.key(presented)
        if found:
            return key
        generation = self.key_checks.generation

        async def look(ctx: GraphContext) -> ApiKey | None:
            async with ctx.db.acquire() as conn:
                return await key_store.authenticate(
                    conn, presented, mark_used=not ctx.db.failovers.standby
                )

        key = await self.reads.lookup(look)
        self.key_checks.put_key(presented, key, generation)
        return key

    async def active_key_count(self) -> int:
        """How many keys are not revoked (reused for a few seconds, as key checks)."""
        cached = self.key_checks.count()
        if cached is not None:
            return cached
        generation = self.key_checks.generation

        async def look(ctx: GraphContext) -> int:
            async with ctx.db.acquire() as conn:
                return await key_store.active_count(conn)

        count = await self.reads.lookup(look)
        self.key_checks.put_count(count, generation)
        return count
