"""An import job as every door reads it (``kgmem.storage.bulk.import_jobs`` keeps them)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Literal

ImportStatus = Literal["queued", "running", "finished", "failed"]


@dataclass(frozen=True, slots=True)
class ImportJob:
    """An import job: ``status`` is queued (admitted, waiting for database connections),
    running, finished or failed; ``records`` and ``bytes_read`` say how far it has read
    (written every few seconds while it runs); ``report`` is the import's summary when
    finished, ``error`` the problem when failed. Times are Unix seconds."""

    id: str
    namespace: str
    filename: str
    status: ImportStatus = "queued"
    records: int = 0
    bytes_read: int = 0
    bytes_total: int = 0
    embedded: int = 0
    created_at: float = field(default_factory=time.time)
    finished_at: float | None = None
    report: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
