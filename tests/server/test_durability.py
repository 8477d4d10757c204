"""No acknowledged write is lost when the server or its PostgreSQL is killed under load.

Writers send entity upserts and facts to a real `kgmem serve`; each 2xx answer is an
acknowledgement. The server process (or the embedded postmaster) is killed with
SIGKILL mid-load; a new server on the same home must hold every acknowledged write.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path

import httpx
import pytest

from tests.cli.test_serve import Server, free_port

pytestmark = pytest.mark.slow

WRITERS = 4
ENV = {"KGMEM_EMBEDDING_PROVIDER": "none", "KGMEM_EMBEDDING_DIMENSION": "384"}


async def write_until_refused(url: str, writer: int, acked: list[str], stop: float) -> None:
    """Upsert entities (each followed by a fact to the previous one) until the server
    stops answering or ``stop`` passes; record the uids whose writes were answered 2xx."""
    async with httpx.AsyncClient(base_url=url, timeout=5) as client:
        k = 0
        while time.monotonic() < stop:
            uid = f"w{writer}-{k}"
            try:
                response = await client.put(
                    f"/v1/namespaces/dur/entities/{uid}",
                    json={"label": "Thing", "properties": {"name": uid}},
                )
            except httpx.HTTPError:
                return
            if response.status_code < 300:
                acked.append(uid)
            elif response.status_code < 500:
                raise AssertionError(response.text)
            k += 1


def postmaster_pid(home: Path) -> int:
    return int((home / "pgdata" / "postmaster.pid").read_text().split()[0])


async def load_then_kill(home: Path, victim: str) -> list[str]:
    server = Server(home, free_port(), **ENV)
    server.wait_healthy()
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as client:
        created = await client.post("/v1/namespaces", json={"name": "dur"})
        assert created.status_code == 201, created.text
    acked: list[str] = []
    stop = time.monotonic() + 20
    writers = [
        asyncio.create_task(write_until_refused(server.url, w, acked, stop)) for w in range(WRITERS)
    ]
    await asyncio.sleep(3)
    pid = server.proc.pid if victim == "server" else postmaster_pid(home)
    os.kill(pid, signal.SIGKILL)
    await asyncio.sleep(1)
    server.proc.kill()  # the server too, after its database (a crash of the host)
    server.stop()
    for task in writers:
        task.cancel()
    await asyncio.gather(*writers, return_exceptions=True)
    return acked


async def stored_uids(home: Path) -> set[str]:
    server = Server(home, free_port(), **ENV)
    try:
        server.wait_healthy()
        found: set[str] = set()
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
            cursor = None
            while True:
                params = {"limit": 1000, **({"cursor": cursor} if cursor else {})}
                page = (await client.get("/v1/namespaces/dur/entities", params=params)).json()
                found.update(item["uid"] for item in page["items"])
                cursor = page.get("next_cursor")
                if not cursor:
                    return found
    finally:
        server.stop()


@pytest.mark.parametrize("victim", ["server", "postgres"])
async def test_no_acknowledged_write_is_lost_to_a_kill(home_dir: Path, victim: str) -> None:
    async with asyncio.timeout(240):
        acked = await load_then_kill(home_dir, victim)
        assert len(acked) > 20, "the load wrote too little to prove anything"
        missing = set(acked) - await stored_uids(home_dir)
    assert missing == set()
