"""Import jobs in the database: admissions racing each other never pass a limit, and a
job whose process stopped answering reads as failed and frees its place."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from kgmem import Memory
from kgmem.errors import TooManyImports
from kgmem.model.import_jobs import ImportJob
from kgmem.storage.bulk import import_jobs as store

STARTERS = 8


def new_job(namespace: str, key_id: str | None) -> store.NewJob:
    return store.NewJob(uuid.uuid4().hex, namespace, "data.nt", 10, key_id)


async def admit(memory: Memory, job: store.NewJob, limits: store.Limits) -> ImportJob | None:
    """``job`` admitted on a connection of its own, or None when refused (saying when
    to try again)."""
    refused: TooManyImports | None = None
    try:
        async with memory.database.transaction() as conn:
            return await store.admit(conn, job, limits)
    except TooManyImports as exc:
        refused = exc
    assert refused.retry_after_s > 0
    return None


async def active(memory: Memory) -> int:
    async with memory.database.acquire() as conn:
        found: int = await conn.fetchval(
            "SELECT count(*) FROM kgmem.import_job WHERE status IN ('queued', 'running')"
        )
        return found


async def test_concurrent_starters_never_pass_a_keys_limit(memory: Memory, namespace: str) -> None:
    limits = store.Limits(per_key=2, total=1000, stale_after_s=60)
    key = uuid.uuid4().hex[:12]
    results = await asyncio.gather(
        *(admit(memory, new_job(namespace, key), limits) for _ in range(STARTERS))
    )
    assert sum(r is not None for r in results) == 2
    other = await admit(memory, new_job(namespace, "another-key"), limits)
    assert other is not None and other.status == "queued"


async def test_concurrent_starters_never_pass_the_stores_limit(
    memory: Memory, namespace: str
) -> None:
    limits = store.Limits(per_key=100, total=await active(memory) + 3, stale_after_s=60)
    results = await asyncio.gather(
        *(admit(memory, new_job(namespace, f"k{i}"), limits) for i in range(STARTERS))
    )
    assert sum(r is not None for r in results) == 3
    keyless = await admit(memory, new_job(namespace, None), limits)
    assert keyless is None  # a caller without a key counts against the store's limit


async def test_a_job_not_heard_of_reads_failed_and_frees_its_place(
    memory: Memory, namespace: str
) -> None:
    limits = store.Limits(per_key=1, total=1000, stale_after_s=30)
    key = uuid.uuid4().hex[:12]
    job = await admit(memory, new_job(namespace, key), limits)
    assert job is not None
    assert await admit(memory, new_job(namespace, key), limits) is None
    async with memory.database.transaction() as conn:
        await store.started(conn, job.id)
        await store.beat(conn, [store.Beat(job.id, records=5, bytes_read=7, embedded=0)])
        found = await store.get(conn, namespace, job.id, limits.stale_after_s)
        assert found is not None and (found.status, found.records) == ("running", 5)
        # Its process was killed: no heartbeat since a minute ago.
        await conn.execute(
            "UPDATE kgmem.import_job SET heartbeat_at = now() - interval '1 minute' WHERE id = $1",
            job.id,
        )
    async with memory.database.transaction() as conn:
        dead = await store.get(conn, namespace, job.id, limits.stale_after_s)
    assert dead is not None and dead.status == "failed" and dead.finished_at is not None
    assert dead.error is not None and dead.error["code"] == "import_interrupted"
    assert "post the same file again" in dead.error["detail"]
    assert await admit(memory, new_job(namespace, key), limits) is not None


@pytest.mark.parametrize("text", ["a\x00b", "half \ud800 pair"])
async def test_an_end_with_text_jsonb_refuses_is_still_recorded(
    memory: Memory, namespace: str, text: str
) -> None:
    limits = store.Limits(per_key=100, total=1000, stale_after_s=60)
    job = await admit(memory, new_job(namespace, None), limits)
    assert job is not None
    progress = store.Beat(job.id, records=1, bytes_read=10, embedded=0)
    async with memory.database.transaction() as conn:
        await store.finish(conn, progress, "failed", {"code": "import_rejected", "detail": text})
        ended = await store.get(conn, namespace, job.id, limits.stale_after_s)
    assert ended is not None and ended.status == "failed" and ended.error is not None
    assert ended.error["code"] == "import_rejected" and ended.error["detail"].startswith(text[0])
