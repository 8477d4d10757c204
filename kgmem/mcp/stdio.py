"""MCP over stdio, for desktop agents that start ``kgmem mcp`` themselves.

The caller is the key given (``KGMEM_API_KEY``) with its scopes and namespaces, or,
while the store has no key, a local caller with every scope. It is checked when the
process starts and again whenever the key may have changed (``kgmem.keys.key_watch``): a key
revoked, or one that no longer reaches a namespace, is refused from the next tool call
on, as a new request would be.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from mcp.server.mcpserver import Context

from kgmem.access import Principal, identify
from kgmem.errors import AuthError, KgmemError
from kgmem.mcp.door import Door
from kgmem.mcp.tools import build_server
from kgmem.memory import Memory
from kgmem.settings.config import Settings

_log = logging.getLogger("kgmem.mcp")


class _Caller:
    """The process's caller as last checked: a principal, or why it is refused."""

    def __init__(self, memory: Memory, api_key: str | None, who: Principal | AuthError) -> None:
        self.memory = memory
        self.api_key = api_key
        self.who: Principal | AuthError = who

    def __call__(self, _ctx: Context[Any, Any]) -> Principal:
        if isinstance(self.who, AuthError):
            raise self.who.with_traceback(None)
        return self.who

    async def follow(self, key_id: str | None) -> None:
        """Check the key again each time the watch says it may have changed."""
        with self.memory.key_watch.hold(key_id) as hold:
            while True:
                await hold.changed()
                try:
                    self.who = await identify(self.memory, self.api_key, local=True)
                except AuthError as exc:
                    self.who = exc
                except KgmemError as exc:  # the database is down: the next check tries again
                    _log.warning("the MCP key could not be checked again: %s", exc)


async def serve_stdio(settings: Settings, api_key: str | None) -> None:
    """Open the store, admit the key, and serve MCP on stdin/stdout until EOF.

    A refused key does not end the process (the agent would see only a closed
    connection): the reason goes to stderr, where MCP clients keep a server's log, and
    every tool call answers it until the key is admitted (created, say)."""
    memory = await Memory.open(settings)
    try:
        who = await _admitted(memory, api_key)
        caller = _Caller(memory, api_key, who)
        server = build_server(Door(memory, caller))
        key_id = who.key.id if isinstance(who, Principal) and who.key is not None else None
        # Lives exactly as long as the stdio session: cancelled and awaited below.
        following = asyncio.get_running_loop().create_task(caller.follow(key_id))
        try:
            await server.run_stdio_async()
        finally:
            following.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await following
    finally:
        await memory.close()


async def _admitted(memory: Memory, api_key: str | None) -> Principal | AuthError:
    """The caller ``api_key`` names, or why it is refused (said on stderr)."""
    try:
        return await identify(memory, api_key, local=True)
    except AuthError as exc:
        _log.error("kgmem mcp: %s (KGMEM_API_KEY)", exc.detail)
        return exc
