"""Settings of the REST import jobs (``KGMEM_IMPORT_*``; a section of ``kgmem.settings.config``,
enforced by ``kgmem.server.import_jobs`` with ``kgmem.storage.bulk.import_jobs``)."""

from __future__ import annotations

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings

from kgmem.settings.section import section_config


class ImportSettings(BaseSettings):
    """How many import jobs may run at once, and how a job whose process died is found.
    Jobs are counted in the database, across every server process of the store."""

    model_config = section_config("KGMEM_IMPORT_")

    jobs_per_key: int = Field(
        default=2,
        ge=1,
        le=1000,
        description="Import jobs (POST /v1/namespaces/{ns}/imports) one API key may have "
        "queued or running at once, counted across every server process. One more is "
        "refused: 429 too_many_imports with Retry-After. Local callers without a key "
        "count only against KGMEM_IMPORT_JOBS.",
    )
    jobs: int = Field(
        default=4,
        ge=1,
        le=1000,
        description="Import jobs queued or running at once in the whole store, all keys "
        "and server processes together; one more is refused like one past "
        "KGMEM_IMPORT_JOBS_PER_KEY. A process runs its jobs on the pooled connections "
        "analysts' Cypher shares (see KGMEM_DATABASE_POOL_RESERVE), so imports never "
        "take the reserved ones; a job waiting for them is queued.",
    )
    heartbeat_s: float = Field(
        default=5.0,
        gt=0,
        le=600,
        description="How often a server process writes the progress of its import jobs "
        "(records and bytes read, entities embedded) and that it is still running them.",
    )
    stale_after_s: float = Field(
        default=60.0,
        gt=0,
        description="A queued or running import job not heard of for this long belongs to "
        "a process that died (killed, crashed, host lost): it is marked failed with "
        "import_interrupted, and no longer counts against the limits. Posting the same "
        "file again resumes it (batches already loaded are skipped). Keep it several "
        "times KGMEM_IMPORT_HEARTBEAT_S.",
    )

    @model_validator(mode="after")
    def _stale_after_heartbeats(self) -> ImportSettings:
        if self.stale_after_s <= 2 * self.heartbeat_s:
            raise ValueError(
                "KGMEM_IMPORT_STALE_AFTER_S must be more than twice KGMEM_IMPORT_HEARTBEAT_S"
            )
        return self
