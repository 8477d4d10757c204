"""Running the server under uvicorn, owning the store for the process's lifetime.

Order matters: take ``KGMEM_HOME`` and open the store first (a second server on the
same home fails here, before binding), refuse a non-loopback address when no API key
exists, then serve until SIGINT or SIGTERM, and finally close the store, which stops
the embedded PostgreSQL.
"""

from __future__ import annotations

import logging

import uvicorn

from kgmem.config import ServerSettings, Settings
from kgmem.errors import ConfigurationError
from kgmem.memory import Memory
from kgmem.server.app import create_app
from kgmem.server.auth import is_loopback

_log = logging.getLogger("kgmem.server")


async def serve(settings: Settings, server: ServerSettings) -> None:
    """Open the store and serve it on ``server.host:server.port`` until signalled."""
    memory = await Memory.open(settings, serve=True)
    try:
        if not is_loopback(server.host) and await memory.active_key_count() == 0:
            raise ConfigurationError(
                f"refusing to listen on {server.host}: the store has no API keys, so anyone "
                "who can reach the port would have full access. Create a key first "
                "(`kgmem keys create --name admin --scope admin`) or bind 127.0.0.1"
            )
        config = uvicorn.Config(
            create_app(memory=memory, close_memory=True),
            host=server.host,
            port=server.port,
            log_level=settings.log_level,
            lifespan="on",
            proxy_headers=False,
        )
        _log.info("kgmem serving on http://%s:%d", server.host, server.port)
        await uvicorn.Server(config).serve()
    finally:
        await memory.close()  # no-op when the app's shutdown already closed it
