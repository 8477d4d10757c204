"""Stopping the embedded PostgreSQL in bounded time, also past a backend that ignores
a fast shutdown; starting it after a crash, also when its recovery outlasts pgserver's
wait."""

import asyncio
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from pgserver import postgres_server

from kgmem.storage.engine import postmaster
from kgmem.storage.engine.embedded import start_embedded

pytestmark = pytest.mark.slow


async def test_a_wedged_backend_turns_a_fast_shutdown_into_an_immediate_one(
    home_dir: Path,
) -> None:
    server = start_embedded(home_dir / "home", owner=True, shared_buffers="128MB")
    try:
        conn = await asyncpg.connect(server.url)
        await conn.execute(
            "CREATE EXTENSION IF NOT EXISTS pg_textsearch; CREATE TABLE t (body text); "
            "CREATE INDEX ON t USING bm25 (body) WITH (text_config = 'english')"
        )
        # pg_textsearch 1.0: after this ROLLBACK the backend holds interrupts off, so
        # neither pg_terminate_backend nor a fast shutdown ends it.
        await conn.execute("BEGIN; INSERT INTO t VALUES ('hello'); ROLLBACK")
        other = await asyncpg.connect(server.url)
        assert await other.fetchval("SELECT pg_terminate_backend($1)", conn.get_server_pid())
        await asyncio.sleep(0.5)
        other.terminate()
        started = time.monotonic()
        outcome = await asyncio.to_thread(postmaster.stop, server.pgdata, timeout_s=2)
        took = time.monotonic() - started
        conn.terminate()
    finally:
        postmaster.stop(server.pgdata, timeout_s=0.1)
    assert outcome.startswith("stopped (immediate shutdown)"), outcome
    assert 2 <= took < 2 + postmaster.IMMEDIATE_S
    assert postmaster.postmaster_pid(server.pgdata) is None
    assert not postmaster.processes(server.pgdata)


async def test_stop_of_a_server_that_is_not_running_says_so(home_dir: Path) -> None:
    server = start_embedded(home_dir / "home", owner=True, shared_buffers="128MB")
    first = await asyncio.to_thread(postmaster.stop, server.pgdata, timeout_s=30)
    second = await asyncio.to_thread(postmaster.stop, server.pgdata, timeout_s=30)
    assert first.startswith("stopped (fast shutdown)") and second == "was not running"


async def test_a_start_outlasting_pgservers_wait_attaches_once_recovery_ends(
    home_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = start_embedded(home_dir / "home", owner=True, shared_buffers="128MB")
    conn = await asyncpg.connect(first.url)
    await conn.execute("CREATE TABLE kept (n int); INSERT INTO kept VALUES (1)")
    await conn.close()
    os.kill(postmaster.postmaster_pid(first.pgdata) or 0, signal.SIGKILL)  # a crash
    postmaster.kill_leftovers(first.pgdata)
    postmaster.remove_stale_lock_files(first.pgdata)  # its pid may linger as a zombie
    pg_ctl = postgres_server.pg_ctl

    def start_and_give_up(args: list[str], **kwargs: Any) -> str:
        """pg_ctl start as on a busy machine: the postmaster starts, recovers, and
        pgserver stops waiting for it first."""
        if "start" not in args:
            return str(pg_ctl(args, **kwargs))
        pg_ctl(["-W" if a == "-w" else a for a in args], **kwargs)
        # until the new postmaster has written its pid (its lock file is created empty)
        while postmaster.postmaster_pid(first.pgdata) is None:
            time.sleep(0.01)
        raise subprocess.TimeoutExpired("pg_ctl", kwargs.get("timeout", 0))

    monkeypatch.setattr(postgres_server, "pg_ctl", start_and_give_up)
    second = start_embedded(home_dir / "home", owner=True, shared_buffers="128MB")
    try:
        conn = await asyncpg.connect(second.url)
        assert await conn.fetchval("SELECT n FROM kept") == 1
        await conn.close()
    finally:
        postmaster.stop(second.pgdata, timeout_s=10)
