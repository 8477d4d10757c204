"""Import jobs in ``kgmem.import_job`` (migration 0026): admitted under the limits,
their progress and heartbeat, their end, and the sweep of jobs whose process died.

Every server process reads and writes the same rows, so any of them answers a poll.
Admission takes a transaction-level advisory lock, so two processes admitting at the
same moment count each other's jobs and cannot both pass a limit.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg

from kgmem.errors import ImportInterrupted, TooManyImports
from kgmem.model.import_jobs import ImportJob, ImportStatus

RETRY_AFTER_S = 5.0
"""Retry-After of a refused job: jobs end at any moment, most take seconds to minutes."""

_COLUMNS = (
    "id, namespace, filename, status, records, bytes_read, bytes_total, embedded, "
    "extract(epoch FROM created_at)::float8 AS created_at, "
    "extract(epoch FROM finished_at)::float8 AS finished_at, report::text, error::text"
)
_ACTIVE = "status IN ('queued', 'running')"


@dataclass(frozen=True, slots=True)
class NewJob:
    """A job to admit: its id, namespace, file, size and the key posting it (None: a
    local caller without a key)."""

    id: str
    namespace: str
    filename: str
    bytes_total: int
    key_id: str | None


@dataclass(frozen=True, slots=True)
class Limits:
    """Most jobs queued or running at once: per key, in all; and how long a job may go
    unheard of before it counts as its process's death (seconds)."""

    per_key: int
    total: int
    stale_after_s: float


@dataclass(frozen=True, slots=True)
class Beat:
    """A running job's progress, written with its heartbeat."""

    id: str
    records: int
    bytes_read: int
    embedded: int


async def admit(conn: asyncpg.Connection, job: NewJob, limits: Limits) -> ImportJob:
    """Record ``job`` as queued, or raise ``TooManyImports`` when its key or the store
    already has as many jobs queued or running as ``limits`` allow. Jobs of dead
    processes are swept first, so they never hold a place. Run it in a transaction: the
    advisory lock it takes serialises admissions until that transaction ends."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext('kgmem.import_job'))")
    await sweep(conn, limits.stale_after_s)
    total, mine = await conn.fetchrow(
        f"SELECT count(*), count(*) FILTER (WHERE key_id = $1) FROM kgmem.import_job "
        f"WHERE {_ACTIVE}",
        job.key_id,
    )
    if job.key_id is not None and mine >= limits.per_key:
        what = f"this API key has {mine} import jobs queued or running"
        raise _refused(what, "KGMEM_IMPORT_JOBS_PER_KEY")
    if total >= limits.total:
        raise _refused(f"the store has {total} import jobs queued or running", "KGMEM_IMPORT_JOBS")
    row = await conn.fetchrow(
        f"INSERT INTO kgmem.import_job (id, namespace, filename, bytes_total, key_id) "
        f"VALUES ($1, $2, $3, $4, $5) RETURNING {_COLUMNS}",
        job.id,
        job.namespace,
        job.filename,
        job.bytes_total,
        job.key_id,
    )
    return _job(row)


def _refused(what: str, setting: str) -> TooManyImports:
    return TooManyImports(
        f"{what}, its limit ({setting}); try again once one has ended",
        retry_after_s=RETRY_AFTER_S,
    )


async def get(
    conn: asyncpg.Connection, namespace: str, job_id: str, stale_after_s: float
) -> ImportJob | None:
    """The job ``job_id`` of ``namespace`` (None when there is none). A job whose
    process died is swept first, so it never reads as running."""
    query = f"SELECT {_COLUMNS}, {_ACTIVE} AND heartbeat_at < now() - make_interval(secs => $3) "
    query += "AS stale FROM kgmem.import_job WHERE id = $1 AND namespace = $2"
    row = await conn.fetchrow(query, job_id, namespace, stale_after_s)
    if row is not None and row["stale"]:
        await sweep(conn, stale_after_s)
        row = await conn.fetchrow(query, job_id, namespace, stale_after_s)
    return None if row is None else _job(row)


async def started(conn: asyncpg.Connection, job_id: str) -> None:
    """Mark a queued job running."""
    await conn.execute(
        "UPDATE kgmem.import_job SET status = 'running', heartbeat_at = now() "
        "WHERE id = $1 AND status = 'queued'",
        job_id,
    )


async def beat(conn: asyncpg.Connection, beats: Sequence[Beat]) -> None:
    """Write the progress of the given jobs and that their process is alive (one
    statement for all of them). Jobs that ended meanwhile are left alone."""
    if not beats:
        return
    await conn.execute(
        "UPDATE kgmem.import_job j SET records = b.records, bytes_read = b.bytes_read, "
        "embedded = b.embedded, heartbeat_at = now() "
        "FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[]) "
        "AS b(id, records, bytes_read, embedded) "
        f"WHERE j.id = b.id AND j.{_ACTIVE}",
        [b.id for b in beats],
        [b.records for b in beats],
        [b.bytes_read for b in beats],
        [b.embedded for b in beats],
    )


async def finish(
    conn: asyncpg.Connection,
    progress: Beat,
    status: ImportStatus,
    outcome: Mapping[str, Any] | None,
) -> None:
    """Record a job's end: ``status`` finished with ``outcome`` as its report, or failed
    with ``outcome`` as its error. A job swept meanwhile keeps the sweep's verdict."""
    report, error = (outcome, None) if status == "finished" else (None, outcome)
    await conn.execute(
        "UPDATE kgmem.import_job SET status = $2, records = $3, bytes_read = $4, "
        "embedded = $5, report = $6::jsonb, error = $7::jsonb, finished_at = now(), "
        f"heartbeat_at = now() WHERE id = $1 AND {_ACTIVE}",
        progress.id,
        status,
        progress.records,
        progress.bytes_read,
        progress.embedded,
        _json(report),
        _json(error),
    )


async def interrupt(conn: asyncpg.Connection, ids: Sequence[str], why: str) -> None:
    """Mark the given jobs failed with ``import_interrupted`` saying ``why``."""
    await conn.execute(
        "UPDATE kgmem.import_job SET status = 'failed', error = $2::jsonb, "
        f"finished_at = now() WHERE id = ANY($1::text[]) AND {_ACTIVE}",
        list(ids),
        _json(_interrupted(why)),
    )


async def sweep(conn: asyncpg.Connection, stale_after_s: float) -> list[str]:
    """Mark failed every queued or running job not heard of for ``stale_after_s``
    seconds (its process died); their ids."""
    why = (
        f"the server process running this job stopped answering for {stale_after_s:g} s "
        "(killed, crashed or its host lost)"
    )
    rows = await conn.fetch(
        "UPDATE kgmem.import_job SET status = 'failed', error = $2::jsonb, "
        "finished_at = now() "
        f"WHERE {_ACTIVE} AND heartbeat_at < now() - make_interval(secs => $1) RETURNING id",
        stale_after_s,
        _json(_interrupted(why)),
    )
    return [r["id"] for r in rows]


async def active(conn: asyncpg.Connection) -> set[str]:
    """The ids of the jobs queued or running."""
    return {r["id"] for r in await conn.fetch(f"SELECT id FROM kgmem.import_job WHERE {_ACTIVE}")}


def _interrupted(why: str) -> dict[str, Any]:
    detail = (
        f"{why}; post the same file again to resume the import: batches already "
        "loaded are not loaded again"
    )
    return {"code": ImportInterrupted.code, "detail": detail}


def _job(row: asyncpg.Record) -> ImportJob:
    return ImportJob(
        id=row["id"],
        namespace=row["namespace"],
        filename=row["filename"],
        status=row["status"],
        records=row["records"],
        bytes_read=row["bytes_read"],
        bytes_total=row["bytes_total"],
        embedded=row["embedded"],
        created_at=row["created_at"],
        finished_at=row["finished_at"],
        report=None if row["report"] is None else json.loads(row["report"]),
        error=None if row["error"] is None else json.loads(row["error"]),
    )


def _json(value: Mapping[str, Any] | None) -> str | None:
    """``value`` as JSON text jsonb takes: text that cannot be stored (NUL, halves of
    surrogate pairs, as an import's rejected records may quote) is replaced."""
    if value is None:
        return None
    text = json.dumps(value, ensure_ascii=False, default=str)
    text = text.encode("utf-8", "replace").decode("utf-8").replace("\\u0000", "\\ufffd")
    return text
