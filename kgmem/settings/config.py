"""Settings: one frozen object read from ``KGMEM_*`` environment variables.

Each concern has its own section class with its own prefix, so a component receives
only the section it needs (``settings.database``, ``settings.embedding``, ...); the
largest sections live in their own modules of ``kgmem.settings``
(``database_settings``, ``replica_settings``, ``quota_settings``, ``bolt_settings``,
``import_settings``, ``heavy_settings``) and are importable from here.
Every field carries a description; ``kgmem settings`` prints them all and a contract
test checks that docs/configuration.md documents each one.

Nothing here runs at import time: build ``Settings()`` in the CLI or pass one to
``create_app``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import platformdirs
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode

from kgmem.settings.bolt_settings import BoltSettings
from kgmem.settings.database_settings import DatabaseSettings
from kgmem.settings.heavy_settings import HeavyWorkSettings
from kgmem.settings.import_settings import ImportSettings
from kgmem.settings.quota_settings import QuotaSettings
from kgmem.settings.replica_settings import ReplicaSettings
from kgmem.settings.section import section_config

DEFAULT_PORT = 7420


class ServerSettings(BaseSettings):
    """The HTTP front door."""

    model_config = section_config("KGMEM_SERVER_")

    host: str = Field(default="127.0.0.1", description="Address to bind.")
    port: int = Field(default=DEFAULT_PORT, ge=1, le=65535, description="TCP port to bind.")
    max_body_bytes: int = Field(
        default=16 * 1024 * 1024, ge=1024, description="Largest request body accepted (413 above)."
    )
    workers: int = Field(
        default=1,
        ge=1,
        le=64,
        description="Processes serving the port (SO_REUSEPORT); the first owns the store, "
        "the others attach to its database. More than one uses more CPU cores for requests.",
    )
    access_log: bool = Field(
        default=False,
        description="Log one line per request (uvicorn's access log, at info level). Off by "
        "default: it costs CPU on every request.",
    )
    metrics: Literal["open", "admin", "off"] = Field(
        default="open",
        description="Who may read GET /metrics (Prometheus text, every worker process "
        "counted): open like /health, callers with an admin key, or nobody (404).",
    )
    shutdown_timeout_s: float = Field(
        default=15.0,
        gt=0,
        description="Seconds a stopping server (SIGTERM, SIGINT) lets requests in flight "
        "finish. Past it, their statements are cancelled (pg_cancel_backend), two seconds "
        "later their backends terminated (pg_terminate_backend), then the pool is closed and "
        "the embedded PostgreSQL stopped. A second signal skips the wait.",
    )


MAX_TEXT_CHARS = 100_000
"""The default longest text and string property, in characters: an episode's text is
stored as its ``text`` property and indexed, so it may be as long as both allow
(``kgmem.ingest.builder.episode_text_limit``). Not a storage limit: PostgreSQL's keyword
index (a ``tsvector``, at most 1 MB of lexemes) takes 100,000 characters of any script."""


class LimitSettings(BaseSettings):
    """Caps on what one request may carry; each breach is a 4xx, never a partial write."""

    model_config = section_config("KGMEM_LIMITS_")

    max_batch_items: int = Field(
        default=10_000, ge=1, description="Most entities plus facts in one batch request."
    )
    max_uid_length: int = Field(default=512, ge=8, description="Longest uid, in characters.")
    max_string_length: int = Field(
        default=MAX_TEXT_CHARS,
        ge=16,
        description="Longest string property value, in characters (an episode's text is one).",
    )
    max_text_length: int = Field(
        default=MAX_TEXT_CHARS, ge=16, description="Longest text that is indexed and embedded."
    )
    max_batch_text: int = Field(
        default=1_000_000, ge=16, description="Most characters of episode text in one request."
    )
    max_properties: int = Field(
        default=256, ge=1, description="Most properties on one entity or fact."
    )
    max_page_size: int = Field(default=1000, ge=1, description="Largest page a list returns.")


EmbeddingProviderName = Literal["local", "ollama", "openai", "none"]


class EmbeddingSettings(BaseSettings):
    """Which model turns text into vectors. One model per store; changing it is a re-embed."""

    model_config = section_config("KGMEM_EMBEDDING_")

    provider: EmbeddingProviderName = Field(
        default="local",
        description="local (sentence-transformers on the CPU), ollama (/api/embed), "
        "openai (any OpenAI-compatible /v1/embeddings), or none (callers supply vectors).",
    )
    model: str = Field(
        default="all-MiniLM-L6-v2",
        description="Model name sent to the provider and recorded in the store. For the "
        "local provider: all-MiniLM-L6-v2, all-MiniLM-L6-v2-int8 (the same weights "
        "quantised to int8 offline; ONNX Runtime only) or a local directory.",
    )
    dimension: int | None = Field(
        default=None,
        ge=1,
        le=2000,
        description="Vector dimension, at most 2000 (pgvector's HNSW limit). Required for "
        "ollama, openai and none; the local default model has 384.",
    )
    url: str | None = Field(
        default=None,
        description="Base URL of the ollama or OpenAI-compatible server "
        "(defaults: http://127.0.0.1:11434 and https://api.openai.com).",
    )
    api_key: SecretStr | None = Field(
        default=None, description="Bearer token for the OpenAI-compatible provider."
    )
    batch_size: int = Field(default=64, ge=1, le=4096, description="Texts per embedding call.")
    timeout_s: float = Field(default=60.0, gt=0, description="Seconds per provider HTTP call.")
    query_cache_size: int = Field(
        default=4096,
        ge=0,
        description="Search texts whose vectors are kept (LRU, per model); 0 turns it off.",
    )
    backend: Literal["auto", "onnx", "torch"] = Field(
        default="auto",
        description="How the local model runs: onnx (ONNX Runtime over an ONNX export of "
        "the model, made once from the local weights and checked against torch), torch "
        "(sentence-transformers), or auto (onnx when onnxruntime is importable, torch "
        "otherwise or if the export fails).",
    )
    onnx_dir: Path | None = Field(
        default=None,
        json_schema_extra={"default_doc": "KGMEM_HOME/models"},
        description="Where the local model's ONNX export is kept (made on first load, "
        "under a lock so concurrent starts export once).",
    )
    query_threads: int = Field(
        default=1,
        ge=1,
        le=64,
        description="CPU threads the local model uses for one search text (larger batches "
        "use torch's default); one avoids threads spinning against each other on a busy CPU.",
    )
    coalesce_ms: float = Field(
        default=2.0,
        ge=0,
        le=1000,
        description="How long an embedding call waits for concurrent calls to share one "
        "provider batch (up to batch_size texts) when the model is idle; 0 embeds at once.",
    )
    cache_size: int = Field(
        default=4096,
        ge=0,
        description="Recently embedded texts whose vectors are kept in memory (0: none).",
    )
    threads: int = Field(
        default=0,
        ge=0,
        le=256,
        description="CPU threads the local model uses for a batch of texts (0: torch's "
        "default, one per core; one text uses query_threads); 1 leaves the other cores to "
        "the database and request handling.",
    )


class SchemaSettings(BaseSettings):
    """The declarative graph model."""

    model_config = section_config("KGMEM_SCHEMA_")

    files: Annotated[list[Path], NoDecode] = Field(
        default_factory=list,
        json_schema_extra={"default_doc": "(none)"},
        description="Extra graph_schema TOML files, separated by the OS path separator; "
        "loaded after the built-in ones.",
    )

    @field_validator("files", mode="before")
    @classmethod
    def _split_paths(cls, value: object) -> object:
        if isinstance(value, str):
            import os

            return [Path(part) for part in value.split(os.pathsep) if part.strip()]
        return value


class AuthSettings(BaseSettings):
    """API keys. With no key in the store only loopback clients are served."""

    model_config = section_config("KGMEM_AUTH_")

    bootstrap_key: SecretStr | None = Field(
        default=None,
        description="An admin key to install at start (for containers); "
        "must look like a key from `kgmem keys create`.",
    )
    recheck_s: float = Field(
        default=5.0,
        gt=0,
        le=3600,
        description="The fallback bound on how late a key change is seen. A key revoked or "
        "changed, or a namespace deleted, reaches every process at once through a PostgreSQL "
        "notification; should notifications be lost (the listening connection down), each "
        "process still forgets its key checks and re-checks the key of every open Bolt "
        "session, event stream and MCP stdio session this often.",
    )


class VerificationSettings(BaseSettings):
    """Consensus scoring: how trust maps to a fact's status, and when scores update."""

    model_config = section_config("KGMEM_VERIFICATION_")

    verified_min_trust: float = Field(
        default=0.8, ge=0, le=1, description="Trust at or above which a fact can be verified."
    )
    verified_min_support: float = Field(
        default=1.5,
        ge=0,
        description="Independent sources (copies discounted) a verified fact needs at least.",
    )
    refuted_max_trust: float = Field(
        default=0.2,
        ge=0,
        le=1,
        description="Trust at or below which a contradicted fact is refuted.",
    )
    default_reliability: float = Field(
        default=0.8, gt=0, lt=1, description="Prior reliability of a source that declares none."
    )
    update_on_write: bool = Field(
        default=True,
        description="Re-score the data item and its sources after each single fact write "
        "that names a source, after each episode whose facts a source or speaker "
        "claims, and after forgetting an episode or a source (the items of the facts it "
        "claimed; batches wait for `kgmem verify`).",
    )
    estimator: Literal["accu", "truthfinder", "ltm", "crh", "vote"] = Field(
        default="accu",
        description="Truth-discovery estimator of a full run (`kgmem verify`), with the "
        "hyper-parameters chosen for it by cross-validation; incremental updates always "
        "take the ACCU local step.",
    )
    calibration_file: Path | None = Field(
        default=None,
        description="JSON calibration maps written by `python -m bench truth "
        "--save-calibration` (maps of the raw trust) or `python -m bench truth-calibration "
        "--save` (a map of raw trust, agreement share and number of claims fitted across "
        "data sets); when set, a full run stores calibrated trust.",
    )
    calibration_min_facts: int = Field(
        default=200,
        ge=1,
        le=10_000,
        description="Claimed facts a predicate needs before its trust is calibrated with "
        "the calibration file; a predicate with fewer keeps the estimator's raw trust and "
        "its answers say it is uncalibrated (too few claims to calibrate).",
    )


class IngestSettings(BaseSettings):
    """Memory-graph building: entity-resolution thresholds and the optional extractors."""

    model_config = section_config("KGMEM_INGEST_")

    fuzzy_threshold: float = Field(
        default=88.0,
        ge=0,
        le=100,
        description="Least rapidfuzz similarity (0-100, of folded names) for a mention to "
        "resolve to an existing entity.",
    )
    embedding_threshold: float = Field(
        default=0.92,
        ge=0,
        le=1,
        description="Least cosine similarity of name embeddings for a match when the names "
        "are only loosely similar (at least 60); 1 turns embedding matching off.",
    )
    llm_url: str | None = Field(
        default=None,
        description="Base URL of an OpenAI-compatible chat-completions server for the LLM "
        "extractor (unset: no LLM is ever called).",
    )
    llm_model: str = Field(default="gpt-4o-mini", description="Model name sent to the LLM.")
    llm_api_key: SecretStr | None = Field(
        default=None, description="Bearer token for the LLM server."
    )
    llm_timeout_s: float = Field(default=60.0, gt=0, description="Seconds per LLM call.")
    llm_budget_tokens: int = Field(
        default=1_000_000,
        ge=0,
        description="Default LLM token budget per namespace (a namespace's pipeline "
        "configuration may set its own); extraction stops calling the LLM once spent.",
    )
    spacy_model: str = Field(
        default="en_core_web_sm",
        description="spaCy pipeline the NER extractor loads when it is enabled and installed.",
    )
    coalesce_ms: float = Field(
        default=2.0,
        ge=0,
        le=1000,
        description="How long an episode request waits for concurrent requests to the same "
        "namespace to be built with it as one batch when none is being built; 0: no wait.",
    )
    coalesce_max: int = Field(
        default=64,
        ge=1,
        le=10_000,
        description="Most episodes of concurrent requests built together as one batch.",
    )


class CypherSettings(BaseSettings):
    """The analysts' Cypher pass-through (POST /v1/namespaces/{ns}/cypher, named queries)."""

    model_config = section_config("KGMEM_CYPHER_")

    statement_timeout_ms: int = Field(
        default=10_000, ge=1, description="statement_timeout of one Cypher query, in ms."
    )
    max_rows: int = Field(
        default=10_000, ge=1, description="Most rows one Cypher query returns (truncated above)."
    )
    max_result_bytes: int = Field(
        default=64 * 1024 * 1024,
        ge=1024,
        description="Most bytes of values one Cypher query may return (as AGE prints "
        "them); a larger answer is refused with limit_exceeded rather than decoded.",
    )
    concurrent_queries: int = Field(
        default=2,
        ge=1,
        le=100,
        description="Most Cypher queries one server process runs at once; more wait in "
        "line. Each query may use work_mem per sort or hash and build single values of up "
        "to 1 GB (PostgreSQL's limit), so this bounds what analysts can take together.",
    )
    work_mem: str = Field(
        default="64MB",
        pattern=r"^[1-9][0-9]*(kB|MB|GB)$",
        description="PostgreSQL work_mem of a Cypher read: memory per sort or hash before "
        "it spills to disk.",
    )
    index_background_rows: int = Field(
        default=10_000,
        ge=0,
        description="CREATE INDEX over a label of more elements than this answers at once "
        "and the server populates the index in the background (SHOW INDEXES: POPULATING, "
        "then ONLINE; db.awaitIndexes waits for it). Smaller ones are built in the statement.",
    )


class RedisSettings(BaseSettings):
    """Optional Redis for a cache shared by several kgmem processes and the event streams."""

    model_config = section_config("KGMEM_REDIS_")

    url: SecretStr | None = Field(
        default=None,
        description="Redis URL (redis://host:6379/0, rediss://..., unix:///path). Unset: an "
        "in-process cache and PostgreSQL LISTEN/NOTIFY events. Needs Redis 5 or newer.",
    )
    prefix: str = Field(
        default="kgmem",
        min_length=1,
        max_length=64,
        description="Prefix of every key kgmem writes, so several stores can share one Redis.",
    )
    timeout_s: float = Field(
        default=2.0,
        gt=0,
        description="Seconds a Redis call may take before Redis is taken to be down.",
    )
    retry_s: float = Field(
        default=2.0,
        gt=0,
        description="Seconds between probes of a Redis that is down; once it answers, "
        "kgmem uses it again (with every entry cached before the outage invalidated).",
    )


class CacheSettings(BaseSettings):
    """The read cache of search results and entity reads."""

    model_config = section_config("KGMEM_CACHE_")

    enabled: bool = Field(default=True, description="Cache search results and entity reads.")
    ttl_seconds: float = Field(
        default=300.0, gt=0, description="Seconds a cached response lives at most."
    )
    max_entries: int = Field(
        default=10_000, ge=1, description="Most entries in the in-process cache (LRU beyond)."
    )
    max_bytes: int = Field(
        default=64 * 1024 * 1024,
        ge=1024,
        description="Most bytes of responses in the in-process cache (LRU beyond); bound "
        "Redis itself with its maxmemory setting.",
    )
    max_entry_bytes: int = Field(
        default=1024 * 1024,
        ge=256,
        description="Largest response that is cached (larger ones are served uncached).",
    )


class EventSettings(BaseSettings):
    """The change events streamed at GET /v1/namespaces/{ns}/events."""

    model_config = section_config("KGMEM_EVENTS_")

    enabled: bool = Field(
        default=True,
        description="Publish an event for every committed write (off: nothing is streamed; "
        "this process's cache and Redis are still invalidated, but without Redis other "
        "processes' caches are not).",
    )
    retention: int = Field(
        default=10_000,
        ge=10,
        description="Events kept per namespace for clients resuming with Last-Event-ID; "
        "a client further behind gets a `reset` event.",
    )
    keepalive_s: float = Field(
        default=15.0, gt=0, description="Seconds between keep-alive comments on an idle stream."
    )
    max_ids: int = Field(
        default=1000,
        ge=1,
        description="Most ids in one event; a larger batch write publishes several events.",
    )


class Settings(BaseSettings):
    """All of kgmem's settings; build once and hand each component its section."""

    model_config = section_config("KGMEM_")

    home: Path = Field(
        default_factory=lambda: platformdirs.user_data_path("kgmem"),
        json_schema_extra={"default_doc": "the user data dir, e.g. ~/.local/share/kgmem"},
        description="Directory for kgmem's own state: the embedded PostgreSQL data "
        "directory and the server lock.",
    )
    log_level: Literal["debug", "info", "warning", "error"] = Field(
        default="info", description="Log level of the server."
    )
    log_format: Literal["text", "json"] = Field(
        default="text",
        description="Log lines as text, or one JSON object per line (time, level, logger, "
        "message, process, request_id, traceback). Either way a record written while "
        "serving a request carries its X-Request-ID.",
    )
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    server: ServerSettings = Field(default_factory=ServerSettings)
    limits: LimitSettings = Field(default_factory=LimitSettings)
    embedding: EmbeddingSettings = Field(default_factory=EmbeddingSettings)
    schema_: SchemaSettings = Field(default_factory=SchemaSettings, alias="schema")
    auth: AuthSettings = Field(default_factory=AuthSettings)
    verification: VerificationSettings = Field(default_factory=VerificationSettings)
    ingest: IngestSettings = Field(default_factory=IngestSettings)
    cypher: CypherSettings = Field(default_factory=CypherSettings)
    bolt: BoltSettings = Field(default_factory=BoltSettings)
    quota: QuotaSettings = Field(default_factory=QuotaSettings)
    imports: ImportSettings = Field(default_factory=ImportSettings)
    heavy: HeavyWorkSettings = Field(default_factory=HeavyWorkSettings)
    redis: RedisSettings = Field(default_factory=RedisSettings)
    cache: CacheSettings = Field(default_factory=CacheSettings)
    events: EventSettings = Field(default_factory=EventSettings)
    replica: ReplicaSettings = Field(default_factory=ReplicaSettings)


SECTIONS: dict[str, type[BaseSettings]] = {
    "database": DatabaseSettings,
    "server": ServerSettings,
    "limits": LimitSettings,
    "embedding": EmbeddingSettings,
    "schema": SchemaSettings,
    "auth": AuthSettings,
    "verification": VerificationSettings,
    "ingest": IngestSettings,
    "cypher": CypherSettings,
    "bolt": BoltSettings,
    "quota": QuotaSettings,
    "imports": ImportSettings,
    "heavy": HeavyWorkSettings,
    "redis": RedisSettings,
    "cache": CacheSettings,
    "events": EventSettings,
    "replica": ReplicaSettings,
}


def documented_settings() -> list[tuple[str, str, str]]:
    """Every environment variable kgmem reads, as (name, default, description)."""
    rows: list[tuple[str, str, str]] = []
    section_fields = {*SECTIONS, "schema_"}
    classes: list[type[BaseSettings]] = [Settings, *SECTIONS.values()]
    for cls in classes:
        prefix = str(cls.model_config.get("env_prefix", ""))
        for name, info in cls.model_fields.items():
            if cls is Settings and name in section_fields:
                continue
            extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
            default = str(extra.get("default_doc", repr(info.default)))
            rows.append(((prefix + name).upper(), default, info.description or ""))
    return rows


def effective_settings(settings: Settings) -> list[tuple[str, str, str, str]]:
    """Every environment variable kgmem reads as (name, value in ``settings``, default,
    description); secrets show as ``**********``, never their value."""
    sections = {SECTIONS[k].model_config.get("env_prefix", ""): k for k in SECTIONS}
    rows = []
    for name, default, text in documented_settings():
        prefix = next((p for p in sections if p and name.startswith(str(p).upper())), "")
        owner: BaseSettings = settings
        if prefix:
            section = sections[prefix]
            owner = getattr(settings, "schema_" if section == "schema" else section)
        key = name[len(str(prefix)) :].lower() if prefix else name.removeprefix("KGMEM_").lower()
        value = getattr(owner, key, None)
        shown = "**********" if isinstance(value, SecretStr) else str(value)
        rows.append((name, shown, default, text))
    return rows
