"""Settings of the database: where the graph lives, the service pool, statement
and lock timeouts, the embedded server and its watchdog (``KGMEM_DATABASE_*``; a
section of ``kgmem.settings.config``)."""

from __future__ import annotations

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings

from kgmem.settings.section import section_config


class DatabaseSettings(BaseSettings):
    """Where the graph lives and how the service pool talks to it."""

    model_config = section_config("KGMEM_DATABASE_")

    url: SecretStr | None = Field(
        default=None,
        description="PostgreSQL URL of a server with the age and vector extensions. "
        "Unset: kgmem starts its own embedded PostgreSQL under KGMEM_HOME.",
    )
    pool_min_size: int = Field(default=1, ge=0, le=100, description="Connections kept open.")
    pool_max_size: int = Field(default=10, ge=1, le=500, description="Most pooled connections.")
    pool_reserve: int = Field(
        default=3,
        ge=0,
        le=499,
        description="Pooled connections kept for health checks, writes and administration: "
        "analysts' Cypher (REST and Bolt queries, and Bolt's explicit transactions, held "
        "across a client's messages) and import jobs hold at most pool_max_size minus this "
        "many at once (at least one). One more query waits up to "
        "KGMEM_DATABASE_CONNECT_TIMEOUT_S, then is refused with database_busy (Bolt: "
        "Neo.TransientError.General.DatabaseUnavailable); an import job waits, queued.",
    )
    search_connections: int = Field(
        default=2,
        ge=1,
        le=500,
        description="Most pooled connections this process's searches use at once (a "
        "fused search runs its axes on several); further search statements wait in line, "
        "first come first served. Search statements keep a PostgreSQL core busy, so more "
        "of them at once than the cores only adds switching between backends (measured in "
        "docs/performance.md). Other work is not limited.",
    )
    statement_timeout_ms: int = Field(
        default=30_000, ge=0, description="statement_timeout for service queries (0: none)."
    )
    idle_in_transaction_timeout_ms: int = Field(
        default=60_000,
        ge=0,
        description="PostgreSQL's idle_in_transaction_session_timeout on the service pool's "
        "connections, in ms (0: none): the backstop that ends a transaction left open "
        "without a statement (the connection is closed and the pool opens another). Keep "
        "it above KGMEM_BOLT_TRANSACTION_IDLE_TIMEOUT_S, which ends idle Bolt transactions "
        "with an answer to the client. Imports lift it for their batches.",
    )
    connect_timeout_s: float = Field(
        default=10.0, gt=0, description="Seconds to wait for a connection before failing."
    )
    watchdog_interval_s: float = Field(
        default=5.0,
        ge=0,
        description="How often the watchdog looks for kgmem backends stuck past every "
        "timeout (0: no watchdog). A backend that has run one statement, or sat idle in a "
        "transaction, for longer than the longest statement timeout plus "
        "KGMEM_DATABASE_WATCHDOG_GRACE_S is terminated; on the embedded server with "
        "KGMEM_DATABASE_WATCHDOG_KILL, one that ignores termination for the grace period "
        "is killed.",
    )
    watchdog_kill: bool = Field(
        default=False,
        description="On the embedded server, kill (SIGKILL) a kgmem backend that ignored "
        "termination for KGMEM_DATABASE_WATCHDOG_GRACE_S. PostgreSQL then restarts every "
        "backend, failing every tenant's open transactions, so it is off by default: such "
        "a backend is logged, and its request has already been answered and its "
        "connection replaced.",
    )
    watchdog_grace_s: float = Field(
        default=10.0,
        gt=0,
        description="Seconds past the statement timeout before the watchdog terminates a "
        "backend, and again before it kills one that ignored termination.",
    )
    keyword_upkeep_interval_s: float = Field(
        default=30.0,
        ge=0,
        description="How often the server folds the rows writers add to each namespace's "
        "keyword statistics into one per term (0: never; a namespace not written since it "
        "was last folded is passed over). The statistics are exact either way; folding "
        "keeps what a search reads small.",
    )
    keyword_candidates: int = Field(
        default=1000,
        ge=100,
        le=100_000,
        description="Most rows one keyword search scores per kind (entities and episodes; "
        "facts). A query whose words are in at most this many rows of a kind is ranked by "
        "exact BM25; beyond it, the rows holding all its words, then two of them, then its "
        "rarest ones, up to this many. Higher ranks common-word queries better in large "
        "namespaces, and costs them time.",
    )
    hnsw_ef_search: int = Field(
        default=150,
        ge=1,
        le=1000,
        description="pgvector's hnsw.ef_search for vector search (candidates kept while "
        "walking the HNSW graph; higher: better recall, slower). A search for more than "
        "this many results raises it to k for that search (recall by ef_search: "
        "docs/performance.md).",
    )
    hnsw_m: int = Field(
        default=16,
        ge=2,
        le=100,
        description="pgvector's HNSW m (neighbours kept per vertex) of the vector indexes "
        "of namespaces created from now on; existing indexes keep theirs. Denser graphs "
        "(higher m and ef_construction) find the true neighbours more often at the same "
        "ef_search but make every vector write slower (both measured in "
        "docs/performance.md).",
    )
    hnsw_ef_construction: int = Field(
        default=64,
        ge=4,
        le=1000,
        description="pgvector's HNSW ef_construction (candidates kept while inserting) of "
        "the vector indexes of namespaces created from now on; at least twice hnsw_m.",
    )
    shared_buffers: str | None = Field(
        default=None,
        pattern=r"^[1-9][0-9]*(kB|MB|GB|TB)$",
        description="shared_buffers of the embedded PostgreSQL (e.g. 8GB): set when the "
        "process that owns KGMEM_HOME starts it, restarting PostgreSQL if it differs. "
        "Unset: half of physical memory between 256MB and 16GB, written when the data "
        "directory is created. A server given by KGMEM_DATABASE_URL is left alone.",
    )
    prewarm: bool = Field(
        default=True,
        description="At server start, read every namespace's vector tables and HNSW "
        "indexes, then its side tables, keyword statistics and text indexes and label "
        "tables (as far as shared_buffers allows) into PostgreSQL's buffers in the "
        "background, so the first searches after a restart are not slowed by disk reads.",
    )
    stop_timeout_s: float = Field(
        default=30.0,
        gt=0,
        description="Seconds the embedded PostgreSQL gets for a fast shutdown (a checkpoint "
        "of what is in its buffers) when the server stops; past it, an immediate shutdown "
        "(the next start replays the WAL instead), then SIGKILL of what is left.",
    )
    restart_attempts: int = Field(
        default=10,
        ge=0,
        description="Times the server restarts an embedded PostgreSQL that died, waiting "
        "0.5 s before the first attempt and twice as long before each next one (at most "
        "30 s); after that many failed attempts /health reports it down. 0: never restart. "
        "A server given by KGMEM_DATABASE_URL is never restarted.",
    )

    @model_validator(mode="after")
    def _hnsw_build(self) -> DatabaseSettings:
        # pgvector refuses the index otherwise; say so when the settings are read.
        if self.hnsw_ef_construction < 2 * self.hnsw_m:
            raise ValueError(
                f"hnsw_ef_construction ({self.hnsw_ef_construction}) must be at least twice "
                f"hnsw_m ({self.hnsw_m})"
            )
        return self
