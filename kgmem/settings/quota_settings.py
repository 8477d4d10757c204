"""Settings of what one API key may hold and send at once, across every door
(``KGMEM_QUOTA_*``; a section of ``kgmem.settings.config``, enforced by ``kgmem.keys.quotas``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings

from kgmem.settings.section import section_config


class QuotaSettings(BaseSettings):
    """Per-key limits, so that no key can take the server from the others. Callers
    without a key (loopback clients of a store without keys) are not limited."""

    model_config = section_config("KGMEM_QUOTA_")

    requests_per_s: float = Field(
        default=100.0,
        ge=0,
        description="Requests one key may make per second, on average (0: no limit): "
        "REST and MCP requests, and Bolt RUN and BEGIN messages, counted together. Past "
        "it: 429 rate_limited with Retry-After (Bolt: Neo.TransientError.Request."
        "ResourceExhaustion).",
    )
    burst: int = Field(
        default=200,
        ge=1,
        description="Requests one key may make at once above KGMEM_QUOTA_REQUESTS_PER_S "
        "(the size of its token bucket).",
    )
    connections: int = Field(
        default=100,
        ge=1,
        description="Bolt connections and event streams one key may hold open at once (a "
        "Neo4j driver's pool holds up to 100). One more is refused: 429 "
        "too_many_connections, or a Bolt FAILURE Neo.TransientError.Request."
        "ResourceExhaustion at authentication, and the connection closed.",
    )
    transactions: int = Field(
        default=4,
        ge=1,
        description="Explicit transactions (Bolt BEGIN) one key may hold open at once; one "
        "more BEGIN fails with Neo.TransientError.Transaction.MaximumTransactionLimitReached "
        "(drivers retry it).",
    )
