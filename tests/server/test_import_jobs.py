"""REST import jobs on a real two-worker server: every worker answers every job, one key
past its limit is refused while other keys import and write and /health stays fast,
and a job stays readable, and its place freed, across a kill -9 and a restart."""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import time
from pathlib import Path

import httpx
import psutil
import pytest

from tests.cli.test_serve import Server, env_for, free_port, kgmem
from tests.cli.test_serve_workers import listeners

pytestmark = pytest.mark.slow

ENV = {
    "KGMEM_SERVER_WORKERS": "2",
    "KGMEM_EMBEDDING_PROVIDER": "none",
    "KGMEM_EMBEDDING_DIMENSION": "3",
}
# A killed job is found out within seconds, not the default minute.
QUICK = {"KGMEM_IMPORT_HEARTBEAT_S": "0.5", "KGMEM_IMPORT_STALE_AFTER_S": "4"}
FORM = {"batch_size": "500", "embed": "false"}
SIZE = 10_000
"""Statements per file: seconds of loading, so the jobs posted together overlap."""


@pytest.fixture
def home(home_dir: Path) -> Path:
    return home_dir / "imports-home"


def triples(tag: str, count: int) -> bytes:
    """An N-Triples file of ``count`` statements, its subjects named after ``tag``."""
    lines = (f'<http://e.org/{tag}/{i}> <http://e.org/name> "{tag} {i}" .\n' for i in range(count))
    return "".join(lines).encode()


def start(home: Path, **env: str) -> Server:
    """A two-worker server on ``home``, once both workers listen."""
    server = Server(home, free_port(), **ENV, **env)
    server.wait_healthy()
    deadline = time.monotonic() + 60
    while len(listeners(server.proc.pid, server.port)) < 2 and time.monotonic() < deadline:
        time.sleep(0.3)
    assert len(listeners(server.proc.pid, server.port)) == 2
    return server


def bootstrap_key() -> str:
    """An admin key for KGMEM_AUTH_BOOTSTRAP_KEY, installed as the server starts."""
    return f"kgm_{secrets.token_hex(6)}_{secrets.token_urlsafe(32)}"


def new_key(home: Path, name: str) -> str:
    made = kgmem("keys", "create", "--name", name, "--scope", "write", env=env_for(home, **ENV))
    assert made.returncode == 0, made.stderr
    return made.stdout.strip().splitlines()[-1]


async def create_shared(url: str) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        made = await client.post("/v1/namespaces", json={"name": "shared"})
    assert made.status_code == 201, made.text


async def post(url: str, key: str | None, name: str, body: bytes) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    async with httpx.AsyncClient(base_url=url, timeout=60, headers=headers) as client:
        return await client.post(
            "/v1/namespaces/shared/imports", files={"file": (name, body)}, data=FORM
        )


async def poll(url: str, key: str | None, job_id: str) -> dict:
    """One poll on a fresh connection (the kernel hands it to either worker)."""
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    async with httpx.AsyncClient(base_url=url, timeout=30, headers=headers) as client:
        got = await client.get(f"/v1/namespaces/shared/imports/{job_id}")
    assert got.status_code == 200, got.text  # found, whichever worker answered
    job: dict = got.json()
    return job


async def until_ended(url: str, key: str | None, job_id: str) -> dict:
    for _ in range(1200):
        job = await poll(url, key, job_id)
        if job["status"] in ("finished", "failed"):
            return job
        await asyncio.sleep(0.1)
    raise AssertionError(f"import job {job_id} did not end")


async def health_took(url: str) -> float:
    started = time.monotonic()
    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        response = await client.get("/health")
    assert response.status_code == 200, response.text
    return time.monotonic() - started


async def test_every_worker_answers_and_one_key_past_its_limit_leaves_the_rest_served(
    home: Path,
) -> None:
    greedy = bootstrap_key()
    server = start(home, KGMEM_AUTH_BOOTSTRAP_KEY=greedy)
    try:
        other = new_key(home, "other")
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
            made = await client.post(
                "/v1/namespaces",
                json={"name": "shared"},
                headers={"Authorization": f"Bearer {greedy}"},
            )
        assert made.status_code == 201, made.text
        posted = await asyncio.gather(
            *(post(server.url, greedy, f"g{i}.nt", triples(f"g{i}", SIZE)) for i in range(3))
        )
        assert sorted(r.status_code for r in posted) == [202, 202, 429]
        (refused,) = [r for r in posted if r.status_code == 429]
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert refused.json()["code"] == "too_many_imports"
        assert int(refused.headers["retry-after"]) >= 1
        jobs = [r.json()["id"] for r in posted if r.status_code == 202]
        # Another key still imports and writes while the greedy key's jobs run.
        theirs = await post(server.url, other, "o.nt", triples("o", 100))
        assert theirs.status_code == 202, theirs.text
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
            wrote = await client.put(
                "/v1/namespaces/shared/entities/by-other",
                json={"label": "Note", "properties": {"name": "still served"}},
                headers={"Authorization": f"Bearer {other}"},
            )
        assert wrote.status_code in (200, 201), wrote.text
        seen: dict[str, dict] = {}
        slowest = 0.0
        while len(seen) < len(jobs):
            slowest = max(slowest, await health_took(server.url))
            for job_id in jobs:
                job = await poll(server.url, greedy, job_id)
                if job["status"] in ("finished", "failed"):
                    seen[job_id] = job
        assert slowest < 2.0
        assert [j["status"] for j in seen.values()] == ["finished", "finished"], seen
        assert all(j["records"] == SIZE for j in seen.values())
        ours = await until_ended(server.url, other, theirs.json()["id"])
        assert ours["status"] == "finished", ours
    finally:
        server.stop()


def kill_tree(server: Server) -> None:
    """kill -9 the server and its worker (not PostgreSQL: a crash of kgmem alone)."""
    tree = [psutil.Process(server.proc.pid), *psutil.Process(server.proc.pid).children(True)]
    for proc in tree:
        try:
            if proc.name() != "postgres":
                os.kill(proc.pid, signal.SIGKILL)
        except (psutil.NoSuchProcess, ProcessLookupError):
            continue
    server.stop()


async def test_a_job_stays_consistent_across_a_kill_and_a_restart(home: Path) -> None:
    small, big = triples("s", 50), triples("b", 2 * SIZE)
    server = start(home, KGMEM_IMPORT_JOBS="1", **QUICK)
    try:
        await create_shared(server.url)
        first = await post(server.url, None, "s.nt", small)
        assert first.status_code == 202, first.text
        done = await until_ended(server.url, None, first.json()["id"])
        assert done["status"] == "finished", done
        killed = (await post(server.url, None, "b.nt", big)).json()["id"]
        job = await poll(server.url, None, killed)
        while job["records"] == 0:  # some batches committed, most still to load
            assert job["status"] in ("queued", "running"), job
            job = await poll(server.url, None, killed)
    finally:
        kill_tree(server)
    again = start(home, KGMEM_IMPORT_JOBS="1", **QUICK)
    try:
        assert await poll(again.url, None, done["id"]) == done
        dead = await until_ended(again.url, None, killed)
        assert dead["status"] == "failed" and dead["error"]["code"] == "import_interrupted"
        assert 0 < dead["records"] < 2 * SIZE and dead["finished_at"] is not None
        # Its place is free (the store allows one job), and posting the file resumes it.
        resumed = await post(again.url, None, "b.nt", big)
        assert resumed.status_code == 202, resumed.text
        report = (await until_ended(again.url, None, resumed.json()["id"]))["report"]
        assert report["batches_already_loaded"] >= 1
        assert report["records_loaded"] == 2 * SIZE
    finally:
        again.stop()
