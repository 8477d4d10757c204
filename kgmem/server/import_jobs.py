"""Import jobs of the REST API: an uploaded file loaded in the background.

Jobs live in this process (a restarted server forgets them; re-posting the same file
resumes it from the import journal, so nothing is loaded twice). Each job keeps its
upload under ``KGMEM_HOME/imports/<job id>/`` until it ends; the report is kept in
the job.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from kgmem.errors import ImportJobNotFound, KgmemError
from kgmem.io.loader import ImportOptions, Progress
from kgmem.memory import Memory
from kgmem.metrics import instruments

Status = Literal["queued", "running", "finished", "failed"]


@dataclass
class ImportJob:
    """An import job: ``status`` is queued, running, finished or failed; ``report`` is the
    import's summary when finished, ``error`` the problem when failed."""

    id: str
    namespace: str
    filename: str
    status: Status = "queued"
    records: int = 0
    bytes_read: int = 0
    bytes_total: int = 0
    embedded: int = 0
    created_at: float = field(default_factory=time.time)
    finished_at: float | None = None
    report: dict[str, Any] | None = None
    error: dict[str, Any] | None = None


class ImportJobs:
    """The jobs of one server process."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.jobs: dict[str, ImportJob] = {}
        self.tasks: set[asyncio.Task[None]] = set()

    def folder(self) -> tuple[str, Path]:
        """A new job id and its empty upload folder."""
        job_id = uuid.uuid4().hex
        path = self.root / job_id
        path.mkdir(parents=True)
        return job_id, path

    def start(
        self,
        memory: Memory,
        job_id: str,
        namespace: str,
        path: Path,
        options: ImportOptions,
        embed: bool,
    ) -> ImportJob:
        """Register the job and run it in the background."""
        job = ImportJob(
            id=job_id, namespace=namespace, filename=path.name, bytes_total=path.stat().st_size
        )
        self.jobs[job_id] = job
        # Outlives the request that started it: a background task, cancelled at close().
        task = asyncio.create_task(self._run(memory, job, path, options, embed))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return job

    def get(self, namespace: str, job_id: str) -> ImportJob:
        """The job ``job_id`` of ``namespace``, or ``ImportJobNotFound``."""
        job = self.jobs.get(job_id)
        if job is None or job.namespace != namespace:
            raise ImportJobNotFound(
                f"no import job {job_id!r} in namespace {namespace!r}", job=job_id
            )
        return job

    async def _run(
        self, memory: Memory, job: ImportJob, path: Path, options: ImportOptions, embed: bool
    ) -> None:
        job.status = "running"
        instruments().import_jobs.inc()

        def show(p: Progress) -> None:
            job.records, job.bytes_read = p.records, p.bytes_read

        try:
            report = await memory.import_file(job.namespace, path, options, show)
            job.report = report.as_json()
            if embed:
                job.embedded = await memory.embed_pending(job.namespace)
            job.status = "finished"
        except KgmemError as exc:
            job.status = "failed"
            job.error = {"code": exc.code, "detail": exc.detail, **dict(exc.extra)}
        except Exception as exc:  # a job must always end in a state a client can read
            job.status = "failed"
            job.error = {"code": "internal_error", "detail": str(exc)}
        finally:
            job.finished_at = time.time()
            instruments().import_jobs.dec()
            instruments().import_jobs_finished.labels(job.status).inc()
            with contextlib.suppress(OSError):
                path.unlink()  # noqa: ASYNC240 (a quick local unlink)

    async def close(self) -> None:
        """Cancel running jobs (at shutdown) and remove their uploads."""
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        shutil.rmtree(self.root, ignore_errors=True)
