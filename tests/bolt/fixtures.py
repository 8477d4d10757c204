"""A Bolt server over a store of its own (its keys affect no other test), and keys."""

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import neo4j
import pytest

from kgmem import Memory
from kgmem.bolt import BoltServer
from kgmem.config import BoltSettings
from tests.fixtures.database import store_settings


@dataclass
class Bolt:
    memory: Memory
    uri: str
    writer: str
    reader: str
    alpha_only: str

    def driver(self, key: str | None = None, **config: object) -> neo4j.AsyncDriver:
        return neo4j.AsyncGraphDatabase.driver(
            self.uri, auth=("kgmem", key if key is not None else self.writer), **config
        )


@pytest.fixture
async def bolt(fresh_database: Callable[[], Awaitable[str]], tmp_path: Path) -> AsyncIterator[Bolt]:
    memory = await Memory.open(store_settings(await fresh_database(), tmp_path))
    for name in ("alpha", "beta", "default"):
        await memory.create_namespace(name)
    writer = (await memory.create_key("w", ["write"])).secret
    reader = (await memory.create_key("r", ["read"])).secret
    alpha_only = (await memory.create_key("a", ["write"], ["alpha"])).secret
    server = BoltServer(memory, BoltSettings(port=0))
    await server.start()
    try:
        yield Bolt(memory, f"bolt://127.0.0.1:{server.port}", writer, reader, alpha_only)
    finally:
        await server.stop()
        await memory.close()
