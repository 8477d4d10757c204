"""Import jobs of the REST API: an uploaded file loaded in the background.

A job's state lives in the database (``kgmem.storage.bulk.import_jobs``), so every server
process answers a poll, whichever took the upload; the process that took it runs it.
Admission counts the jobs queued or running, per key and in all (``KGMEM_IMPORT_*``),
and refuses one more with ``TooManyImports``. An admitted job is queued until it has
its places among the pool's shared connections (``Database.sharing``): it holds no
connection while it waits, and running imports never take the connections reserved for
health checks and writes. Progress is kept here and written with a heartbeat every
``heartbeat_s``, not per record. A job whose process died is marked failed once its
heartbeat is stale; a process shutting down marks its own unfinished jobs failed.
Either way, posting the file again resumes it from the import journal, so nothing is
loaded twice. Each job keeps its upload under ``KGMEM_HOME/imports/<job id>/`` while it
runs, and its report files until its process stops.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kgmem.errors import ImportJobNotFound, KgmemError
from kgmem.io import loader
from kgmem.io.loader import ImportOptions, Progress
from kgmem.memory import Memory
from kgmem.model.import_jobs import ImportJob, ImportStatus
from kgmem.process.metrics import instruments
from kgmem.settings.import_settings import ImportSettings
from kgmem.storage.bulk import import_jobs as store

_log = logging.getLogger("kgmem.server")
_JOB_ID = re.compile(r"[0-9a-f]{32}")


@dataclass(frozen=True, slots=True)
class Upload:
    """A file posted for import: where it was saved, for which namespace and key (None:
    a local caller without one), how to load it, and whether to embed afterwards."""

    namespace: str
    path: Path
    key_id: str | None
    options: ImportOptions
    embed: bool


@dataclass
class _Running:
    """What this process knows of one of its jobs; the heartbeat writes it."""

    id: str
    records: int = 0
    bytes_read: int = 0
    embedded: int = 0
    ended: tuple[ImportStatus, dict[str, Any]] | None = None
    """The job's end, while the table has not taken it yet."""

    def beat(self) -> store.Beat:
        return store.Beat(self.id, self.records, self.bytes_read, self.embedded)


class ImportJobs:
    """The import jobs this process runs, and the doors to every job of the store."""

    def __init__(self, root: Path, memory: Memory, settings: ImportSettings) -> None:
        self.root = root
        self.memory = memory
        self.settings = settings
        self.limits = store.Limits(settings.jobs_per_key, settings.jobs, settings.stale_after_s)
        self.running: dict[str, _Running] = {}
        self.folders: set[Path] = set()
        self.tasks: set[asyncio.Task[None]] = set()
        self._heartbeat: asyncio.Task[None] | None = None

    def folder(self) -> tuple[str, Path]:
        """A new job id and its empty upload folder."""
        job_id = uuid.uuid4().hex
        path = self.root / job_id
        path.mkdir(parents=True)
        self.folders.add(path)
        return job_id, path

    async def start(self, job_id: str, upload: Upload) -> ImportJob:
        """Admit the job (``TooManyImports`` past a limit; its folder is then removed)
        and run it in the background."""
        new = store.NewJob(
            job_id, upload.namespace, upload.path.name, upload.path.stat().st_size, upload.key_id
        )
        try:
            async with self.memory.database.transaction() as conn:
                job = await store.admit(conn, new, self.limits)
        except BaseException:
            self.discard(upload.path.parent)
            raise
        self.running[job_id] = _Running(job_id)
        # Outlives the request that started it: a background task, cancelled at close().
        task = asyncio.create_task(self._run(job_id, upload))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        if self._heartbeat is None:
            self._heartbeat = asyncio.create_task(self._beat_while_running())
        return job

    async def get(self, namespace: str, job_id: str) -> ImportJob:
        """The job ``job_id`` of ``namespace``, or ``ImportJobNotFound`` (at once for
        an id no job can have: ids are 32 hex digits)."""
        job = None
        if _JOB_ID.fullmatch(job_id):
            async with self.memory.database.acquire() as conn:
                job = await store.get(conn, namespace, job_id, self.settings.stale_after_s)
        if job is None:
            shown = job_id[:64]
            raise ImportJobNotFound(
                f"no import job {shown!r} in namespace {namespace!r}", job=shown
            )
        return job

    async def sweep(self) -> None:
        """Mark failed the jobs of processes that died, and remove the folders no
        queued or running job uses once nothing was written in them for as long as a
        stale heartbeat (a folder written to since may hold an upload being received)."""
        async with self.memory.database.transaction() as conn:
            await store.sweep(conn, self.settings.stale_after_s)
            active = await store.active(conn)
        if not self.root.is_dir():
            return
        old = time.time() - self.settings.stale_after_s
        for folder in self.root.iterdir():
            if folder.name not in active and _last_written(folder) < old:
                self.discard(folder)

    async def _run(self, job_id: str, upload: Upload) -> None:
        entry = self.running[job_id]
        db = self.memory.database
        ended: tuple[ImportStatus, dict[str, Any]]
        try:
            async with db.sharing(places=loader.CONNECTIONS, patient=True):
                async with db.transaction() as conn:
                    await store.started(conn, job_id)
                ended = await self._load(entry, upload)
        except KgmemError as exc:
            ended = ("failed", {"code": exc.code, "detail": exc.detail, **dict(exc.extra)})
        except Exception as exc:  # a job must always end in a state a client can read
            ended = ("failed", {"code": "internal_error", "detail": str(exc)})
        finally:
            with contextlib.suppress(OSError):
                upload.path.unlink()
        entry.ended = ended
        instruments().import_jobs_finished.labels(ended[0]).inc()
        await self._record_end(entry)

    async def _load(self, entry: _Running, upload: Upload) -> tuple[ImportStatus, dict[str, Any]]:
        """Import the upload (and embed what it brought); the job's end."""

        def read(p: Progress) -> None:
            entry.records, entry.bytes_read = p.records, p.bytes_read

        def embedded(done: int, _: int) -> None:
            entry.embedded = done

        instruments().import_jobs.inc()
        try:
            report = await self.memory.import_file(
                upload.namespace, upload.path, upload.options, read
            )
            if upload.embed:
                entry.embedded = await self.memory.embed_pending(upload.namespace, embedded)
            return "finished", report.as_json()
        finally:
            instruments().import_jobs.dec()

    async def _record_end(self, entry: _Running) -> None:
        """Write the job's end; when the database refuses, the heartbeat tries again."""
        if entry.ended is None:
            return
        try:
            async with self.memory.database.transaction() as conn:
                await store.finish(conn, entry.beat(), *entry.ended)
        except KgmemError as exc:
            _log.warning("recording the end of import job %s failed: %s", entry.id, exc)
            return
        self.running.pop(entry.id, None)
        if not self.running:
            self._stop_heartbeat()

    def _stop_heartbeat(self) -> None:
        """End the heartbeat (from within itself: after its current step)."""
        beating, self._heartbeat = self._heartbeat, None
        if beating is not None and beating is not asyncio.current_task():
            beating.cancel()

    async def _beat_while_running(self) -> None:
        """Every ``heartbeat_s``: write the progress of the running jobs and the ends
        not yet written, and sweep the jobs of processes that died."""
        me = asyncio.current_task()
        while self._heartbeat is me:
            await asyncio.sleep(self.settings.heartbeat_s)
            try:
                await self._beat()
            except KgmemError as exc:
                _log.warning("writing the progress of import jobs failed: %s", exc)

    async def _beat(self) -> None:
        for entry in [e for e in self.running.values() if e.ended is not None]:
            await self._record_end(entry)
        beats = [e.beat() for e in self.running.values() if e.ended is None]
        async with self.memory.database.transaction() as conn:
            await store.beat(conn, beats)
        await self.sweep()

    def discard(self, folder: Path) -> None:
        """Remove a job's folder and forget it."""
        self.folders.discard(folder)
        shutil.rmtree(folder, ignore_errors=True)

    async def close(self) -> None:
        """Cancel running jobs (at shutdown), mark them failed, and remove the folders
        of this process's jobs (other processes' jobs keep theirs)."""
        self._stop_heartbeat()
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        unfinished = [e.id for e in self.running.values() if e.ended is None]
        try:
            for entry in [e for e in self.running.values() if e.ended is not None]:
                await self._record_end(entry)
            if unfinished:
                why = "the server process running this job shut down"
                async with self.memory.database.transaction() as conn:
                    await store.interrupt(conn, unfinished, why)
                instruments().import_jobs_finished.labels("failed").inc(len(unfinished))
        except KgmemError as exc:  # the jobs are swept once their heartbeat is stale
            _log.warning("marking interrupted import jobs failed did not work: %s", exc)
        for folder in list(self.folders):
            self.discard(folder)


def _last_written(folder: Path) -> float:
    """When ``folder`` or a file in it was last written (an upload being received
    writes its file), in Unix seconds; 0 when it is gone."""
    try:
        return max(p.stat().st_mtime for p in [folder, *folder.iterdir()])
    except OSError:
        return 0.0
