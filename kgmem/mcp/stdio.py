"""MCP over stdio, for desktop agents that start ``kgmem mcp`` themselves.

The caller is fixed for the process: the key given (``KGMEM_API_KEY``) with its scopes
and namespaces, or, while the store has no key, a local caller with every scope.
"""

from __future__ import annotations

from kgmem.access import identify
from kgmem.config import Settings
from kgmem.mcp.door import Door
from kgmem.mcp.tools import build_server
from kgmem.memory import Memory


async def serve_stdio(settings: Settings, api_key: str | None) -> None:
    """Open the store, admit the key, and serve MCP on stdin/stdout until EOF."""
    memory = await Memory.open(settings)
    try:
        who = await identify(memory, api_key, local=True)
        server = build_server(Door(memory, lambda _ctx: who))
        await server.run_stdio_async()
    finally:
        await memory.close()
