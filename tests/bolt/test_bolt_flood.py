"""A flood of Bolt sockets that never authenticate, against `kgmem serve` with two
workers as an operator runs it: while other loopback addresses keep more such sockets
open than the server takes connections at all, a Neo4j driver with a valid key
connects and answers every time without retrying, /livez answers within 2 s, each
flood socket let in is closed at the handshake timeout, the refusals are counted in
/metrics, and the log has at most two refusal lines per flooding address."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import neo4j
import pytest

from kgmem import Memory, Settings
from tests.cli.test_serve import Server, free_port
from tests.fixtures.bolt import Flood

pytestmark = pytest.mark.slow

TIMEOUT_S = 1.0  # the handshake timeout the server is given
MARGIN_S = 1.5
TRIES = 7
SOURCES = ["127.0.0.2", "127.0.0.3"]  # the driver connects from 127.0.0.1
CAPS = {
    "KGMEM_BOLT_HANDSHAKE_TIMEOUT_S": str(TIMEOUT_S),
    "KGMEM_BOLT_MAX_CONNECTIONS": "12",
    "KGMEM_BOLT_MAX_UNAUTHENTICATED_CONNECTIONS": "8",
    "KGMEM_BOLT_MAX_UNAUTHENTICATED_CONNECTIONS_PER_ADDRESS": "3",
}
BASE = {"KGMEM_EMBEDDING_PROVIDER": "none", "KGMEM_EMBEDDING_DIMENSION": "3"}


@pytest.fixture
def home(home_dir: Path) -> Path:
    return home_dir / "flood-home"


async def served(home: Path, database_url: str) -> tuple[Server, int, str]:
    """`kgmem serve` with two workers and the small caps, over a store with namespace
    alpha and a write key for it; the server, its Bolt port and the key."""
    settings = Settings(
        home=home, database={"url": database_url}, embedding={"provider": "none", "dimension": 3}
    )
    memory = await Memory.open(settings)
    try:
        await memory.create_namespace("alpha")
        key = (await memory.create_key("app", ["write"], ["alpha"])).secret
    finally:
        await memory.close()
    bolt_port = free_port()
    server = Server(
        home,
        free_port(),
        KGMEM_DATABASE_URL=database_url,
        KGMEM_SERVER_WORKERS="2",
        KGMEM_BOLT_PORT=str(bolt_port),
        **BASE,
        **CAPS,
    )
    await asyncio.to_thread(server.wait_healthy)
    return server, bolt_port, key


async def return_1(uri: str, key: str) -> None:
    """RETURN 1 through a new driver (a new connection), in a session's own query, which
    the driver does not retry."""
    async with (
        neo4j.AsyncGraphDatabase.driver(uri, auth=("app", key)) as driver,
        driver.session(database="alpha") as session,
    ):
        record = await (await session.run("RETURN 1 AS x")).single()
    assert record is not None and record["x"] == 1


async def livez_within_2_s(base: str) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=2.0) as client:
        started = time.monotonic()
        assert (await client.get("/livez")).status_code == 200
        assert time.monotonic() - started < 2.0


def metric(text: str, name: str, **labels: str) -> float:
    """The value of sample ``name`` with ``labels`` in exposition ``text`` (0 if none)."""
    want = ",".join(f'{k}="{v}"' for k, v in labels.items())
    pattern = rf"^{name}(?:\{{{re.escape(want)}\}})? (\S+)$" if want else rf"^{name} (\S+)$"
    found = re.search(pattern, text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


async def test_a_flood_of_unauthenticated_sockets_leaves_a_driver_its_connections(
    home: Path, fresh_database: Callable[[], Awaitable[str]]
) -> None:
    server, bolt_port, key = await served(home, await fresh_database())
    try:
        async with asyncio.timeout(90):
            floods = [
                Flood(bolt_port, SOURCES, 6, handshake=True),  # a version, then silence
                Flood(bolt_port, SOURCES, 6, handshake=False),  # magic bytes only
            ]
            try:
                for flood in floods:  # the first takes the places: its sockets time out
                    flood.start()
                    await asyncio.sleep(0.3)
                for _ in range(TRIES):
                    await return_1(f"bolt://127.0.0.1:{bolt_port}", key)
                    await livez_within_2_s(server.url)
                await asyncio.sleep(TIMEOUT_S + 0.5)  # every first flood socket timed out
            finally:
                for flood in floods:
                    await flood.stop()
            async with httpx.AsyncClient(timeout=10) as client:
                text = (await client.get(f"{server.url}/metrics")).text
    finally:
        server.stop()
    lived, refused = floods[0].lived, floods[0].refused  # known for handshakes only
    assert lived and all(TIMEOUT_S - 0.1 < t < TIMEOUT_S + MARGIN_S for t in lived)
    assert refused > 10
    counted = metric(
        text, "kgmem_bolt_refused_connections_total", reason="unauthenticated_per_address"
    )
    assert counted >= refused
    assert metric(text, "kgmem_bolt_authentication_timeouts_total") >= len(lived)
    lines = [line for line in server.output.splitlines() if "refused" in line]
    for source in SOURCES:
        assert 1 <= sum(source in line for line in lines) <= 2, lines
    assert len(lines) <= 2 * len(SOURCES), lines
