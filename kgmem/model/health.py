"""What GET /health answers: the database, the keyword index, the embedding model, the
cache and event backends, and the background services."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from kgmem.model.records import DatabaseState, HealthReport, ServiceStatus


class RedisOut(BaseModel):
    status: Literal["ok", "down", "unused"] = Field(
        description="unused without KGMEM_REDIS_URL; down while it does not answer"
    )
    down_since: datetime | None = None
    last_error: str | None = None
    server_version: str | None = None


class LiveOut(BaseModel):
    cache: Literal["redis", "memory", "none"] = Field(
        description="Where cached reads live now; none while disabled or Redis is down"
    )
    events: Literal["redis", "postgres", "none"] = Field(
        description="Where change events go now (postgres: a table and LISTEN/NOTIFY)"
    )
    redis: RedisOut
    warnings: list[str] = Field(default_factory=list)


class EmbeddingOut(BaseModel):
    provider: str
    model: str
    dimension: int
    loaded: bool
    backend: str | None = Field(
        default=None,
        description="How the local model runs: onnx (ONNX Runtime) or torch; null for "
        "remote providers",
    )


class ReplicaLagOut(BaseModel):
    name: str = Field(description="The standby's application_name (Patroni: member name)")
    address: str | None = Field(default=None, description="host:port it streams from")
    state: str = Field(description="streaming, catchup, ... (pg_stat_replication.state)")
    sync_state: str = Field(description="async, potential, sync or quorum")
    replay_lag_s: float | None = Field(
        default=None, description="Seconds its replay trails the primary (null: idle)"
    )
    lag_bytes: int | None = Field(default=None, description="WAL bytes not yet replayed")


class ClusterOut(BaseModel):
    hosts: list[str] = Field(description="Servers the database URL names (host:port)")
    primary: str | None = Field(
        default=None, description="host:port of the server the pool's newest connection reached"
    )
    failovers: int = Field(description="Times this process found the primary moved")
    last_failover_at: datetime | None = None
    refused: int = Field(
        description="Requests this process refused (503) because the database was unavailable"
    )
    replicas: list[ReplicaLagOut] = Field(
        default_factory=list, description="Standbys streaming from the primary, with their lag"
    )


class DatabaseOut(BaseModel):
    ok: bool
    state: DatabaseState = Field(
        description="up; restarting (the embedded PostgreSQL died and kgmem is starting "
        "it again); down (not answering, or every restart attempt failed)"
    )
    restart_attempt: int = Field(description="Attempt under way while restarting, else 0")
    restarts: int = Field(description="Times the embedded PostgreSQL was restarted")
    error: str | None = Field(default=None, description="Why the last restart attempt failed")
    embedded: bool
    server_version: str
    extensions: dict[str, str]
    cluster: ClusterOut | None = Field(
        default=None,
        description="The primary this process reaches, failovers and refusals it saw, and "
        "how far each standby lags (docs/operations.md, multi-host URLs)",
    )


class HealthOut(BaseModel):
    status: Literal["ok", "degraded"]
    version: str
    database: DatabaseOut
    keyword_search: Literal["bm25"] = Field(
        description="BM25, scored by kgmem over PostgreSQL full-text search (GIN)"
    )
    keyword_index: Literal["ok", "checking", "repaired"] = Field(
        default="ok",
        description="The keyword index against the rows: checking (after an unclean stop), "
        "ok, or repaired (a check found statistics that differed and wrote them again)",
    )
    embedding: EmbeddingOut
    live: LiveOut | None = Field(
        default=None, description="The cache and event backends in use, and Redis' state"
    )
    services: dict[str, ServiceStatus] = Field(
        default_factory=dict,
        description="This process's background services by name (docs/observability.md "
        "lists them, and kgmem.memory.runtime says when each runs): running, failing "
        "(retried with backoff; failures in a row and the last error), starting or stopped",
    )

    @classmethod
    def of(cls, h: HealthReport, version: str) -> HealthOut:
        return cls(
            status="ok" if h.database_ok else "degraded",
            version=version,
            database=DatabaseOut(
                ok=h.database_ok,
                state=h.database_state,
                restart_attempt=h.restart_attempt,
                restarts=h.restarts,
                error=h.database_error,
                embedded=h.embedded_database,
                server_version=h.server_version,
                extensions=dict(h.extensions),
                cluster=ClusterOut.model_validate(asdict(h.cluster)) if h.cluster else None,
            ),
            keyword_search=h.keyword_search,
            keyword_index=h.keyword_index,
            services=dict(h.services),
            embedding=EmbeddingOut(
                **asdict(h.embedding), loaded=h.embedding_loaded, backend=h.embedding_backend
            ),
        )
