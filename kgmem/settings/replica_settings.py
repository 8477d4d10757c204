"""Settings of streaming replicas: where they are, and how a read that must see a
given write waits for them (``KGMEM_REPLICA_*``; a section of ``kgmem.settings.config``)."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode

from kgmem.settings.section import section_config

_NEXT_URL = re.compile(r",\s*(?=postgres(?:ql)?://)")


class ReplicaSettings(BaseSettings):
    """Read replicas: searches and Cypher reads go to them, everything else to the primary."""

    model_config = section_config("KGMEM_REPLICA_")

    urls: Annotated[list[SecretStr], NoDecode] = Field(
        default_factory=list,
        json_schema_extra={"default_doc": "(none)"},
        description="Comma-separated PostgreSQL URLs of streaming replicas of the primary "
        "(KGMEM_DATABASE_URL or the embedded server); a URL may list several hosts "
        "(h1:p1,h2:p2, read from a standby among them). Searches and Cypher reads go to them "
        "in turn; writes and every other read go to the primary. Unset: the primary "
        "serves everything.",
    )
    wait_ms: int = Field(
        default=1000,
        ge=0,
        le=60_000,
        description="How long a read that asks to see a write (X-Kgmem-Min-Lsn) waits for "
        "a replica to replay it before KGMEM_REPLICA_ON_LAG applies.",
    )
    on_lag: Literal["primary", "unavailable"] = Field(
        default="primary",
        description="A read whose replica has not replayed the asked-for write in "
        "KGMEM_REPLICA_WAIT_MS: served by the primary, or answered 503 replica_behind "
        "(keeps load off the primary; the client retries).",
    )
    retry_s: float = Field(
        default=5.0,
        gt=0,
        description="Seconds a replica that failed to answer is left out before it is "
        "tried again (its reads go to the other replicas, else the primary).",
    )
    pool_max_size: int = Field(
        default=10, ge=1, le=500, description="Most pooled connections to each replica."
    )

    @field_validator("urls", mode="before")
    @classmethod
    def _split_urls(cls, value: object) -> object:
        if isinstance(value, str):
            # A URL may itself list hosts with commas (h1:p1,h2:p2 or ?host=h1,h2): a
            # comma separates two URLs only where the next one starts.
            return [part.strip() for part in _NEXT_URL.split(value) if part.strip()]
        return value
