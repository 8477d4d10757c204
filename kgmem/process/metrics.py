"""The service's Prometheus metrics (prometheus-client), counted in every process.

``kgmem serve`` with several worker processes calls ``use_directory`` before anything
imports prometheus-client: each process then writes its samples to files in that
directory (prometheus-client's multiprocess mode) and ``render`` in any process adds
up every process's. Without it (a single process, the tests) the samples stay in
memory. The instruments are created on first use, once per process; prometheus-client
is imported only then, so a command that never counts anything does not load it.
"""

from __future__ import annotations

import functools
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from prometheus_client import Counter, Gauge, Histogram

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

# Request latencies from a cached read (well under a millisecond) to a slow import
# upload or analyst query.
_LATENCY_S = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
_STAGE_S = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


@dataclass(frozen=True)
class Instruments:
    """Every metric kgmem records; names and labels are part of the operator's contract
    (docs/observability.md)."""

    http_requests: Counter
    http_seconds: Histogram
    pool_connections: Gauge
    search_stage_seconds: Histogram
    embedding_queue: Gauge
    embedding_batches: Counter
    embedding_texts: Counter
    import_jobs: Gauge
    import_jobs_finished: Counter
    replica_reads: Counter
    background_up: Gauge
    background_failures: Counter
    bolt_refused: Counter
    bolt_auth_timeouts: Counter
    database_primary: Gauge
    database_failovers: Counter
    database_refused: Counter
    replication_lag: Gauge
    live: dict[str, Any]


def use_directory(parent: Path, owner: int) -> Path:
    """Count in multiprocess mode with samples in ``parent``'s folder for the server
    process ``owner`` (emptied first), for this process and the processes it starts;
    returns that folder. Call before the first instrument is used."""
    path = parent / str(owner)
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    os.environ[MULTIPROCESS_ENV] = str(path)
    return path


def drop_directory(path: Path) -> None:
    """Remove a folder of :func:`use_directory` whose server did not start."""
    shutil.rmtree(path, ignore_errors=True)


def drop_others(path: Path) -> None:
    """Remove the folders of earlier servers beside ``path`` (and files a version of
    kgmem that counted in ``path``'s parent itself left there)."""
    for other in path.parent.iterdir():
        if other == path:
            continue
        if other.is_dir():
            shutil.rmtree(other, ignore_errors=True)
        else:
            other.unlink(missing_ok=True)


def process_ended(pid: int) -> None:
    """Drop a stopped worker's live gauges (its counters and histograms stay counted)."""
    if os.environ.get(MULTIPROCESS_ENV):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]


def render() -> bytes:
    """The exposition text of every process's samples (or this process's alone)."""
    from prometheus_client import REGISTRY as DEFAULT
    from prometheus_client import CollectorRegistry, generate_latest

    instruments()  # every metric appears, at zero if never counted
    if not os.environ.get(MULTIPROCESS_ENV):
        return generate_latest(DEFAULT)
    from prometheus_client import multiprocess

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return generate_latest(registry)


@functools.cache
def instruments() -> Instruments:
    """This process's instruments, created on first use."""
    from prometheus_client import Counter, Gauge, Histogram, disable_created_metrics

    disable_created_metrics()  # type: ignore[no-untyped-call]  # *_created: noise

    return Instruments(
        http_requests=Counter(
            "kgmem_http_requests",
            "HTTP requests by method, route template and status.",
            ["method", "route", "status"],
        ),
        http_seconds=Histogram(
            "kgmem_http_request_duration_seconds",
            "Time from a request's arrival to its last response byte, by route template.",
            ["method", "route"],
            buckets=_LATENCY_S,
        ),
        pool_connections=Gauge(
            "kgmem_pool_connections",
            "Connections of the database pools: open, or in use, summed over processes.",
            ["pool", "state"],
            multiprocess_mode="livesum",
        ),
        search_stage_seconds=Histogram(
            "kgmem_search_stage_seconds",
            "Time of each stage of a search (embed, vector, keyword, filter, ...).",
            ["stage"],
            buckets=_STAGE_S,
        ),
        embedding_queue=Gauge(
            "kgmem_embedding_queue_texts",
            "Texts waiting for the embedding model, summed over processes.",
            multiprocess_mode="livesum",
        ),
        embedding_batches=Counter(
            "kgmem_embedding_batches", "Calls to the embedding model (one batch each)."
        ),
        embedding_texts=Counter("kgmem_embedding_texts", "Texts embedded by the model."),
        import_jobs=Gauge(
            "kgmem_import_jobs_running",
            "Import jobs (POST .../imports) running, summed over processes.",
            multiprocess_mode="livesum",
        ),
        import_jobs_finished=Counter(
            "kgmem_import_jobs", "Import jobs ended, by status (finished, failed).", ["status"]
        ),
        replica_reads=Counter(
            "kgmem_replica_reads",
            "Searches and Cypher reads served by a replica, or by the primary because the "
            "replica was lagging, down or refused.",
            ["served_by"],
        ),
        background_up=Gauge(
            "kgmem_background_service_up",
            "1 while a background service's last step succeeded, by service (lowest over "
            "processes).",
            ["service"],
            multiprocess_mode="livemin",
        ),
        background_failures=Counter(
            "kgmem_background_service_failures",
            "Steps of a background service that failed, by service.",
            ["service"],
        ),
        bolt_refused=Counter(
            "kgmem_bolt_refused_connections",
            "Bolt connections closed as soon as accepted, by the cap they would have passed "
            "(connections, per_address, unauthenticated, unauthenticated_per_address).",
            ["reason"],
        ),
        bolt_auth_timeouts=Counter(
            "kgmem_bolt_authentication_timeouts",
            "Bolt connections closed because they had not authenticated in time.",
        ),
        **_cluster_instruments(Counter, Gauge),
        live=_live_instruments(Counter, Gauge),
    )


def _cluster_instruments(counter: Any, gauge: Any) -> dict[str, Any]:
    """Which server is the primary, failovers, refusals and replication lag."""
    return {
        "database_primary": gauge(
            "kgmem_database_primary",
            "1 for the server (host:port) the pool's newest connection reached, 0 for one "
            "it reached before a failover.",
            ["server"],
            multiprocess_mode="livemax",
        ),
        "database_failovers": counter(
            "kgmem_database_failovers",
            "Times the pool found the primary at another server than before.",
        ),
        "database_refused": counter(
            "kgmem_database_refused_requests",
            "Requests refused (503, Retry-After) because the database was unavailable: "
            "a failover, a restart, a read-only server; by error code.",
            ["code"],
        ),
        "replication_lag": gauge(
            "kgmem_replication_lag",
            "How far each standby streaming from the primary trails it, in seconds of "
            "replay or bytes of WAL (sampled by /health and /metrics).",
            ["replica", "unit"],
            multiprocess_mode="livemax",
        ),
    }


_LIVE = {
    "kgmem_cache_requests_total": ("Cacheable reads by kind and result.", ["kind", "result"]),
    "kgmem_cache_evictions_total": ("In-process cache entries evicted by its bounds.", []),
    "kgmem_events_published_total": ("Events published, by backend.", ["backend"]),
    "kgmem_event_publish_failures_total": ("Events lost: no backend took them.", []),
    "kgmem_redis_errors_total": ("Redis calls that failed.", []),
    "kgmem_redis_fallbacks_total": ("Redis outages (switches to the fallback).", []),
    "kgmem_redis_recoveries_total": ("Switches back to Redis after an outage.", []),
}
_LIVE_GAUGES = {
    "kgmem_cache_entries": ("Entries in the in-process caches, summed over processes.", "livesum"),
    "kgmem_cache_bytes": ("Bytes of responses in the in-process caches.", "livesum"),
    "kgmem_redis_up": (
        "1 while Redis is configured and answering (lowest over processes).",
        "livemin",
    ),
}


def _live_instruments(counter: Any, gauge: Any) -> dict[str, Any]:
    """The cache and event metrics, by their exposition names."""
    made: dict[str, Any] = {
        name: counter(name.removesuffix("_total"), text, labels)
        for name, (text, labels) in _LIVE.items()
    }
    for name, (text, mode) in _LIVE_GAUGES.items():
        made[name] = gauge(name, text, multiprocess_mode=mode)
    return made
