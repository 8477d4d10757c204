"""Keyword search finds every acknowledged write after `kgmem serve` or its PostgreSQL
stops: a clean restart, and a SIGKILL of either in the middle of a load.

Each probe entity carries a word of its own (``tests.fixtures.keyword_probes``); a 2xx
answer to its PUT is its acknowledgement. After the event a new server on the same home
must find every acknowledged word with a keyword-only search and with a hybrid one.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from kgmem.storage.engine import postmaster
from tests.cli.test_serve import Server, free_port, postgres_running
from tests.fixtures.keyword_probes import (
    DIMENSION,
    OverRest,
    body,
    decoys,
    probe,
    tally,
    words,
    write_over_rest,
)
from tests.server.test_durability import postmaster_pid

pytestmark = pytest.mark.slow

ENV = {"KGMEM_EMBEDDING_PROVIDER": "none", "KGMEM_EMBEDDING_DIMENSION": str(DIMENSION)}
NS = "kwdur"
WORDS = 300
WRITERS = 4
PER_WRITER = 500  # more than a writer gets through before the kill
ENOUGH = 50  # acknowledged words, fewer prove nothing
LOAD_S = 2.0  # the writers run at least this long before the kill
LOAD_DEADLINE_S = 120  # and at most this long, to reach ENOUGH on a loaded machine


@pytest.fixture
def serve(home_dir: Path) -> Iterator[Callable[[], Server]]:
    """Start a healthy `kgmem serve` on ``home_dir``; none, nor its PostgreSQL, outlives
    the test."""
    started: list[Server] = []

    def start() -> Server:
        server = Server(home_dir, free_port(), **ENV)
        started.append(server)
        server.wait_healthy()
        return server

    yield start
    for server in started:
        if server.proc.poll() is None:
            server.stop()
    postmaster.stop(home_dir / "pgdata", timeout_s=10)


def client(server: Server) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=server.url, timeout=30)


async def create_namespace(server: Server) -> None:
    async with client(server) as c:
        created = await c.post("/v1/namespaces", json={"name": NS})
        assert created.status_code == 201, created.text
        await write_over_rest(c, NS, decoys())


async def test_a_clean_restart_keeps_every_word_findable(
    home_dir: Path, serve: Callable[[], Server]
) -> None:
    server = serve()
    await create_namespace(server)
    written = words(WORDS)
    async with client(server) as c:
        await write_over_rest(c, NS, [probe(w) for w in written])
        before = await tally("writing", OverRest(c, NS), written)
    assert before.complete, before.report()  # the words are findable at all
    assert server.stop() in (0, -signal.SIGTERM)
    assert not postgres_running(home_dir / "pgdata")  # PostgreSQL stopped, and cleanly
    async with client(serve()) as c:
        after = await tally("a clean restart", OverRest(c, NS), written)
    assert after.complete, after.report()


async def write_until_refused(url: str, mine: list[str], acked: list[str]) -> None:
    """PUT the probes of ``mine`` in turn until the server stops answering; note in
    ``acked`` the words whose writes were answered 2xx. A slow answer is waited for: it
    may still be an acknowledgement."""
    async with httpx.AsyncClient(base_url=url, timeout=30) as c:
        for w in mine:
            try:
                r = await c.put(f"/v1/namespaces/{NS}/entities/{w}", json=body(probe(w)))
            except httpx.HTTPError:
                return
            if r.status_code < 300:
                acked.append(w)
            elif r.status_code < 500:
                raise AssertionError(r.text)


async def mid_load(acked: list[str], writers: list[asyncio.Task[None]]) -> None:
    """Return once the writers ran ``LOAD_S`` and ``ENOUGH`` words were acknowledged, or
    when every writer ended, or after ``LOAD_DEADLINE_S``."""
    started = time.monotonic()
    while time.monotonic() - started < LOAD_DEADLINE_S and not all(w.done() for w in writers):
        if time.monotonic() - started >= LOAD_S and len(acked) > ENOUGH:
            return
        await asyncio.sleep(0.1)


@pytest.mark.parametrize("victim", ["server", "postgres"])
async def test_a_kill_mid_load_keeps_every_acknowledged_word_findable(
    home_dir: Path, serve: Callable[[], Server], victim: str
) -> None:
    """A killed server leaves its PostgreSQL running (a daemon of its own), which the
    next server attaches to; a killed postmaster is restarted by the next server and
    recovers from its WAL."""
    server = serve()
    await create_namespace(server)
    acked: list[str] = []
    writers = [
        asyncio.create_task(
            write_until_refused(server.url, words(PER_WRITER, w * PER_WRITER), acked)
        )
        for w in range(WRITERS)
    ]
    await mid_load(acked, writers)
    os.kill(server.proc.pid if victim == "server" else postmaster_pid(home_dir), signal.SIGKILL)
    await asyncio.sleep(1)
    server.proc.kill()  # the server too, after its database (a crash of the host)
    server.stop()
    await asyncio.gather(*writers)
    assert ENOUGH < len(acked) < WRITERS * PER_WRITER, "the kill did not land mid-load"
    async with client(serve()) as c:
        after = await tally(f"a SIGKILL of the {victim} mid-load", OverRest(c, NS), acked)
    assert after.complete, after.report()
