"""No acknowledged write is lost when the server or its PostgreSQL is killed under load.

Writers send entity upserts to a real `kgmem serve`; each 2xx answer is an
acknowledgement. The server process (or the embedded postmaster) is killed with
SIGKILL mid-load; a new server on the same home must hold every acknowledged write.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.cli.test_serve import Server, free_port

pytestmark = pytest.mark.slow

WRITERS = 4
ENV = {"KGMEM_EMBEDDING_PROVIDER": "none", "KGMEM_EMBEDDING_DIMENSION": "384"}
ENOUGH = 20  # acknowledged writes, fewer prove nothing
LOAD_S = 3  # the writers run at least this long before the kill
LOAD_DEADLINE_S = 120  # and at most this long, to reach ENOUGH on a loaded machine


@dataclass
class Load:
    """The uids whose writes were answered 2xx, and a tally of every answer and error
    (for the failure message)."""

    acked: list[str] = field(default_factory=list)
    answers: Counter[str] = field(default_factory=Counter)


async def write_until_refused(url: str, writer: int, load: Load, stop: float) -> None:
    """Upsert entities until the server stops answering or ``stop`` passes; note in
    ``load`` the uids whose writes were answered 2xx. A slow answer is waited for: it
    may still be an acknowledgement."""
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        k = 0
        while time.monotonic() < stop:
            uid = f"w{writer}-{k}"
            try:
                response = await client.put(
                    f"/v1/namespaces/dur/entities/{uid}",
                    json={"label": "Thing", "properties": {"name": uid}},
                )
            except httpx.HTTPError as exc:
                load.answers[type(exc).__name__] += 1
                return
            load.answers[str(response.status_code)] += 1
            if response.status_code < 300:
                load.acked.append(uid)
            elif response.status_code < 500:
                raise AssertionError(response.text)
            k += 1


async def mid_load(load: Load, writers: list[asyncio.Task[None]]) -> None:
    """Return once the writers ran ``LOAD_S`` and ``ENOUGH`` writes were acknowledged,
    or when every writer ended, or after ``LOAD_DEADLINE_S``."""
    started = time.monotonic()
    while time.monotonic() - started < LOAD_DEADLINE_S and not all(w.done() for w in writers):
        if time.monotonic() - started >= LOAD_S and len(load.acked) > ENOUGH:
            return
        await asyncio.sleep(0.1)


def postmaster_pid(home: Path) -> int:
    return int((home / "pgdata" / "postmaster.pid").read_text().split()[0])


async def load_then_kill(home: Path, victim: str) -> Load:
    server = Server(home, free_port(), **ENV)
    await asyncio.to_thread(server.wait_healthy)
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        created = await client.post("/v1/namespaces", json={"name": "dur"})
        assert created.status_code == 201, created.text
    load = Load()
    stop = time.monotonic() + LOAD_DEADLINE_S
    writers = [
        asyncio.create_task(write_until_refused(server.url, w, load, stop)) for w in range(WRITERS)
    ]
    await mid_load(load, writers)
    pid = server.proc.pid if victim == "server" else postmaster_pid(home)
    os.kill(pid, signal.SIGKILL)
    await asyncio.sleep(1)
    server.proc.kill()  # the server too, after its database (a crash of the host)
    server.stop()
    for task in writers:
        task.cancel()
    for outcome in await asyncio.gather(*writers, return_exceptions=True):
        if isinstance(outcome, Exception):  # a 4xx; a cancelled writer is no failure
            raise outcome
    return load


async def stored_uids(home: Path) -> set[str]:
    server = Server(home, free_port(), **ENV)
    try:
        await asyncio.to_thread(server.wait_healthy)
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
    async with asyncio.timeout(900):  # two server starts and the load, on a loaded machine
        load = await load_then_kill(home_dir, victim)
        assert len(load.acked) > ENOUGH, f"the load wrote too little to prove anything: {load}"
        missing = set(load.acked) - await stored_uids(home_dir)
    assert missing == set()
