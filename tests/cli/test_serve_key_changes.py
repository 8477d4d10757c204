"""`kgmem serve` with KGMEM_SERVER_WORKERS=2: a key revoked with `kgmem keys revoke` is
refused within a second by both worker processes, on kept-alive HTTP connections and
open event streams, and by the owner's Bolt listener on an open session."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from collections.abc import Awaitable
from pathlib import Path

import httpx
import neo4j
import psutil
import pytest
from neo4j.exceptions import Neo4jError

from tests.cli.test_serve import Server, env_for, free_port, kgmem
from tests.cli.test_serve_workers import listeners
from tests.fixtures.key_changes import revoke_with_cli
from tests.live.conftest import SseReader, sse

pytestmark = pytest.mark.slow

STORE = {"KGMEM_EMBEDDING_PROVIDER": "none", "KGMEM_EMBEDDING_DIMENSION": "3"}


@pytest.fixture
def home(home_dir: Path) -> Path:
    return home_dir / "revoke-home"


def worker_of(response: httpx.Response, workers: set[int], port: int) -> int | None:
    """The process of ``workers`` that holds the server side of ``response``'s connection."""
    client = response.extensions["network_stream"].get_extra_info("client_addr")
    for pid in workers:
        for c in psutil.Process(pid).net_connections(kind="tcp"):
            if c.laddr.port == port and c.raddr and c.raddr.port == client[1]:
                return pid
    return None


async def two_workers(server: Server) -> set[int]:
    deadline = time.monotonic() + 60
    while len(found := listeners(server.proc.pid, server.port)) < 2:
        assert time.monotonic() < deadline, "the second worker did not start"
        await asyncio.sleep(0.3)
    return found


async def test_a_revocation_reaches_every_worker_and_the_bolt_listener(home: Path) -> None:
    port, bolt_port = free_port(), free_port()
    server = Server(home, port, KGMEM_SERVER_WORKERS="2", KGMEM_BOLT_PORT=str(bolt_port), **STORE)
    try:
        await asyncio.to_thread(server.wait_healthy)
        workers = await two_workers(server)
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as keyless:
            made = await keyless.post("/v1/namespaces", json={"name": "shared"})
            assert made.status_code == 201, made.text
        created = await asyncio.to_thread(
            kgmem,
            "keys",
            "create",
            "--name",
            "doomed",
            "--scope",
            "read",
            env=env_for(home, **STORE),
        )
        assert created.returncode == 0, created.stderr
        secret = created.stdout.strip().splitlines()[-1]
        key_id = secret.split("_")[1]
        async with contextlib.AsyncExitStack() as stack:
            clients = await _clients_on_every_worker(stack, server, secret, workers)
            streams = await _streams_on_every_worker(stack, server, secret, workers)
            driver = neo4j.AsyncGraphDatabase.driver(
                f"bolt://127.0.0.1:{bolt_port}", auth=("kgmem", secret)
            )
            await stack.enter_async_context(driver)
            session = await stack.enter_async_context(driver.session(database="shared"))
            assert await _bolt_code(session) == "ok"

            waits: list[Awaitable[tuple[str, float]]] = [
                *(_http_refused(c) for c in clients),
                *(_stream_ended(s) for s in streams),
                _bolt_refused(session),
            ]
            watching = asyncio.gather(*waits)
            revoked = await revoke_with_cli(key_id, KGMEM_HOME=str(home), **STORE)
            async with asyncio.timeout(10):
                seen = await watching
        late = [(door, round(at - revoked, 3)) for door, at in seen]
        print(f"two workers: refused after {late}")
        assert len(seen) == len(clients) + len(streams) + 1
        assert all(at - revoked < 1.0 for _, at in seen), late
    finally:
        code = await asyncio.to_thread(server.stop, signal.SIGTERM)
    assert code in (0, -signal.SIGTERM)


async def _clients_on_every_worker(
    stack: contextlib.AsyncExitStack, server: Server, secret: str, workers: set[int]
) -> list[httpx.AsyncClient]:
    """Kept-alive clients (one connection each) until every worker serves one."""
    clients: list[httpx.AsyncClient] = []
    served: set[int | None] = set()
    while not workers <= served:
        assert len(clients) < 40, "the kernel never gave a connection to every worker"
        client = await stack.enter_async_context(
            httpx.AsyncClient(
                base_url=server.url,
                headers={"Authorization": f"Bearer {secret}"},
                limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
                timeout=30,
            )
        )
        answer = await client.get("/v1/namespaces")
        assert answer.status_code == 200, answer.text
        served.add(worker_of(answer, workers, server.port))
        clients.append(client)
    return clients


async def _streams_on_every_worker(
    stack: contextlib.AsyncExitStack, server: Server, secret: str, workers: set[int]
) -> list[SseReader]:
    """Open event streams until every worker serves one."""
    streams: list[SseReader] = []
    served: set[int | None] = set()
    while not workers <= served:
        assert len(streams) < 40, "the kernel never gave a stream to every worker"
        stream = await stack.enter_async_context(
            sse(server.url, "shared", headers={"Authorization": f"Bearer {secret}"})
        )
        served.add(worker_of(stream.response, workers, server.port))
        streams.append(stream)
    return streams


async def _http_refused(client: httpx.AsyncClient) -> tuple[str, float]:
    while True:
        answer = await client.get("/v1/namespaces")
        if answer.status_code != 200:
            break
        await asyncio.sleep(0.05)
    assert answer.status_code == 401, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    return "http", time.monotonic()


async def _stream_ended(stream: SseReader) -> tuple[str, float]:
    last = await stream.next(30)
    assert last.event == "error" and last.data["code"] == "unauthenticated", last
    with pytest.raises(EOFError):
        await stream.next(30)
    return "sse", time.monotonic()


async def _bolt_code(session: neo4j.AsyncSession) -> str:
    try:
        await (await session.run("RETURN 1")).consume()
    except Neo4jError as exc:
        return str(exc.code)
    return "ok"


async def _bolt_refused(session: neo4j.AsyncSession) -> tuple[str, float]:
    while True:
        code = await _bolt_code(session)
        if code != "ok":
            break
        await asyncio.sleep(0.05)
    assert code == "Neo.ClientError.Security.Unauthorized"
    return "bolt", time.monotonic()
