"""Settings of heavy work: community refreshes and large episode batches, how many run
at once per key and for all callers together, and how long a community detection may
take (``KGMEM_HEAVY_*``; a section of ``kgmem.settings.config``, enforced by
``kgmem.keys.work_shares`` and ``kgmem.ingest.communities``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings

from kgmem.settings.section import section_config


class HeavyWorkSettings(BaseSettings):
    """Shares of work that can take a server process's CPU or database for long, so that
    one caller's refresh or upload cannot take the server from the others. Counted in
    each server process (a server with KGMEM_SERVER_WORKERS=2 runs up to twice as many)."""

    model_config = section_config("KGMEM_HEAVY_")

    refreshes: int = Field(
        default=1,
        ge=1,
        le=64,
        description="Community refreshes (POST .../communities/refresh) one server process "
        "runs at once, all callers together; one more is refused: 429 too_many_jobs with "
        "Retry-After.",
    )
    refreshes_per_key: int = Field(
        default=1,
        ge=1,
        le=64,
        description="Community refreshes one API key may run at once (keyless loopback "
        "callers count only against KGMEM_HEAVY_REFRESHES); one more: 429 too_many_jobs.",
    )
    refresh_timeout_s: float = Field(
        default=300.0,
        gt=0,
        description="Seconds the community detection of one refresh may compute (in a "
        "child process, off the server's event loop); past it the computation is stopped, "
        "the stored communities are left as they were and the refresh answers 504 "
        "communities_timed_out.",
    )
    large_batch_chars: int = Field(
        default=100_000,
        ge=1,
        description="Characters of episode text (all episodes of a request together) from "
        "which an episode request counts as a large batch.",
    )
    large_batches: int = Field(
        default=2,
        ge=1,
        le=64,
        description="Large episode batches one server process builds at once, all callers "
        "together; one more is refused: 429 too_many_jobs with Retry-After.",
    )
    large_batches_per_key: int = Field(
        default=1,
        ge=1,
        le=64,
        description="Large episode batches one API key may have built at once; one more: "
        "429 too_many_jobs with Retry-After.",
    )
