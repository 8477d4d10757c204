"""Keyword search finds every acknowledged write in a store brought back another way
than by the server that wrote it: a store or namespace backup restored into a fresh
home (and that home restarted), a point-in-time recovery, a promoted streaming replica.

Each probe entity carries a word of its own (``tests.fixtures.keyword_probes``). Before
the event the writing store finds them all (the words are findable at all); after it
the store brought back must find every one with a keyword-only search and a hybrid one.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pgserver
import pytest

from kgmem import Memory
from kgmem.storage.backups import backup, pitr
from kgmem.storage.engine import postmaster
from kgmem.storage.engine.embedded import EmbeddedPostgres, start_embedded
from tests.fixtures.app import free_port
from tests.fixtures.database import SMALL_BUFFERS, store_settings
from tests.fixtures.keyword_probes import (
    InMemory,
    Tally,
    decoys,
    probe,
    tally,
    words,
    write_with_memory,
)

pytestmark = pytest.mark.slow

NS = "kwdur"
WORDS = 300
BIN = Path(pgserver.__file__).parent / "pginstall" / "bin"
OS_USER = "pgserver" if os.getuid() == 0 else None  # PostgreSQL refuses to run as root


@pytest.fixture
def embedded(home_dir: Path) -> Iterator[Callable[[str], EmbeddedPostgres]]:
    """Start (or attach to) the embedded PostgreSQL of the home ``home_dir / name``;
    every one is stopped after the test."""
    home_dir.chmod(0o755)  # the PostgreSQL user reaches the homes inside (tests run as root)
    yield lambda name: start_embedded(home_dir / name, owner=True, shared_buffers=SMALL_BUFFERS)
    for pgdata in home_dir.glob("*/pgdata"):
        postmaster.stop(pgdata, timeout_s=10)


@asynccontextmanager
async def store_at(url: str, home: Path) -> AsyncIterator[Memory]:
    memory = await Memory.open(store_settings(url, home))
    try:
        yield memory
    finally:
        await memory.close()


def home_of(server: EmbeddedPostgres) -> Path:
    return server.pgdata.parent


async def write(memory: Memory, written: list[str]) -> None:
    """Write the probes of ``written`` and check a search finds them all right away."""
    await write_with_memory(memory, NS, [probe(w) for w in written])
    before = await tally("writing", InMemory(memory, NS), written)
    assert before.complete, before.report()


async def create_namespace(memory: Memory) -> None:
    await memory.create_namespace(NS)
    await write_with_memory(memory, NS, decoys())


async def found_in(url: str, home: Path, event: str, written: list[str]) -> Tally:
    """What the store at ``url`` finds of ``written``, searching after ``event``; its
    keyword statistics must equal what its rows give."""
    async with store_at(url, home) as memory:
        # The statistics BM25 reads came through the event exactly too.
        for check, _ in await memory.check_keyword_index(NS):
            assert check.ok, (event, check)
        return await tally(event, InMemory(memory, NS), written)


@pytest.mark.parametrize("kind", ["store", "namespace"])
async def test_a_backup_restored_into_a_fresh_home_finds_every_word(
    embedded: Callable[[str], EmbeddedPostgres], tmp_path: Path, kind: str
) -> None:
    written = words(WORDS)
    source = embedded("source")
    async with store_at(source.url, home_of(source)) as memory:
        await create_namespace(memory)
        await write(memory, written)
    path = tmp_path / "kwdur.kgb"
    await asyncio.to_thread(
        backup.backup, source.url, path, namespace=NS if kind == "namespace" else None
    )

    target = embedded("target")
    await asyncio.to_thread(backup.restore, target.url, path)
    home = home_of(target)
    restored = await found_in(target.url, home, f"a {kind} restore into a fresh home", written)
    target.stop()
    assert postmaster.postmaster_pid(target.pgdata) is None
    restarted = await found_in(embedded("target").url, home, "its first restart", written)
    assert restored.complete and restarted.complete, f"{restored.report()}\n{restarted.report()}"


async def test_a_point_in_time_recovery_finds_every_word_written_before_its_target(
    embedded: Callable[[str], EmbeddedPostgres], home_dir: Path
) -> None:
    home, archive = home_dir / "pitr", home_dir / "archive"
    server = embedded("pitr")
    async with store_at(server.url, home) as memory:
        await create_namespace(memory)
    server = pitr.enable_archiving(home, server, archive)
    pitr.base_backup(server, archive)
    written = words(WORDS)
    async with store_at(server.url, home) as memory:
        await write(memory, written)
        await asyncio.sleep(1.0)
        target = datetime.now(UTC)
        await asyncio.sleep(1.0)
        # A commit after the target: recovery stops there rather than at the WAL's end.
        await write_with_memory(memory, NS, [probe(w) for w in words(5, WORDS)])
    server, _ = await asyncio.to_thread(pitr.restore_to_time, home, archive, target)
    after = await found_in(server.url, home, "a point-in-time recovery", written)
    assert after.complete, after.report()


@pytest.fixture
def replica_of(home_dir: Path) -> Iterator[Callable[[str], str]]:
    """Make a streaming replica of the server at a URL and start it on a loopback port;
    its URL. Stopped after the test."""
    started: list[subprocess.Popen[bytes]] = []

    def make(primary_url: str) -> str:
        copy = home_dir / "replica"
        copy.mkdir(mode=0o700)
        if OS_USER is not None:
            shutil.chown(copy, OS_USER, OS_USER)
        subprocess.run(  # a base backup that writes the standby settings (-R)
            [BIN / "pg_basebackup", "-D", copy, "-R", "-X", "stream", "--checkpoint=fast",
             "-d", primary_url],
            user=OS_USER,
            check=True,
            capture_output=True,
            timeout=300,
        )  # fmt: skip
        port = free_port()
        started.append(subprocess.Popen(
            [BIN / "postgres", "-D", copy, "-p", str(port), "-k", copy,
             "-c", "listen_addresses=127.0.0.1"],
            user=OS_USER,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        ))  # fmt: skip
        return f"postgresql://postgres@127.0.0.1:{port}/kgmem"

    yield make
    for replica in started:
        if replica.poll() is None:
            replica.send_signal(signal.SIGINT)  # fast shutdown
            replica.wait(timeout=60)


async def _sql(url: str, query: str, *args: object, timeout_s: float = 60) -> object:
    """The value ``query`` returns at ``url``, retrying while the server starts up."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            conn = await asyncpg.connect(url, timeout=2)
        except (OSError, asyncpg.CannotConnectNowError):
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.2)
            continue
        try:
            return await conn.fetchval(query, *args)
        finally:
            await conn.close()


async def _caught_up(replica_url: str, lsn: object, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while not await _sql(replica_url, "SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn", lsn):
        assert time.monotonic() < deadline, "the replica did not catch up"
        await asyncio.sleep(0.2)


async def test_a_promoted_replica_finds_every_word(
    embedded: Callable[[str], EmbeddedPostgres], replica_of: Callable[[str], str], tmp_path: Path
) -> None:
    """Half the words are in the base backup the replica starts from, half reach it by
    streaming replication."""
    copied, streamed = words(WORDS // 2), words(WORDS // 2, WORDS // 2)
    primary = embedded("primary")
    async with store_at(primary.url, home_of(primary)) as memory:
        await create_namespace(memory)
        await write(memory, copied)
        replica_url = replica_of(primary.url)
        assert await _sql(replica_url, "SELECT pg_is_in_recovery()")
        await write(memory, streamed)
        await _caught_up(replica_url, await _sql(primary.url, "SELECT pg_current_wal_lsn()"))
    assert await _sql(replica_url, "SELECT pg_promote(true, 60)")
    after = await found_in(replica_url, tmp_path, "a replica's promotion", [*copied, *streamed])
    assert after.complete, after.report()
