"""`kgmem serve` with two worker processes: /metrics counts every process's requests
(prometheus-client's multiprocess mode), logs are JSON lines when asked, and the
start-up log has no pgserver command dumps."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

import httpx
import pytest

from tests.cli.test_serve import Server, free_port
from tests.cli.test_serve_workers import listeners
from tests.fixtures.app import metric_sample

pytestmark = pytest.mark.slow

HEALTH = {"method": "GET", "route": "/health", "status": "200"}


def test_metrics_count_every_worker_and_logs_are_json(home_dir: Path) -> None:
    port = free_port()
    server = Server(
        home_dir / "metrics-home",
        port,
        KGMEM_SERVER_WORKERS="2",
        KGMEM_LOG_LEVEL="info",
        KGMEM_LOG_FORMAT="json",
        KGMEM_EMBEDDING_PROVIDER="none",
        KGMEM_EMBEDDING_DIMENSION="3",
    )
    try:
        server.wait_healthy()
        deadline = time.monotonic() + 60
        while len(listeners(server.proc.pid, port)) < 2 and time.monotonic() < deadline:
            time.sleep(0.3)
        assert len(listeners(server.proc.pid, port)) == 2
        before = metric_sample(
            httpx.get(f"{server.url}/metrics").text, "kgmem_http_requests_total", **HEALTH
        )
        sent = 60
        ids = set()
        for _ in range(sent):  # a fresh connection each: the kernel spreads them
            with httpx.Client(base_url=server.url, timeout=30) as c:
                ids.add(c.get("/health").headers["x-request-id"])
        assert len(ids) == sent
        text = httpx.get(f"{server.url}/metrics", timeout=30).text
        # Either process may answer the scrape; both processes' requests are in it. Had
        # only the scraping process counted, about half would be missing.
        after = metric_sample(text, "kgmem_http_requests_total", **HEALTH)
        assert after - before == sent
        assert metric_sample(text, "kgmem_pool_connections", pool="primary", state="open") >= 2
    finally:
        code = server.stop(signal.SIGTERM)
    assert code in (0, -signal.SIGTERM)
    lines = [line for line in server.output.splitlines() if line.strip()]
    records = [json.loads(line) for line in lines if line.startswith("{")]
    assert records and len(records) == len(lines), lines[:5]  # every line is JSON
    assert {"time", "level", "logger", "message"} <= set(records[0])
    assert any("kgmem serving on" in r["message"] for r in records)
    chatter = [r for r in records if r["logger"].startswith(("pgserver", "alembic"))]
    assert not [r for r in chatter if r["level"] in ("DEBUG", "INFO")]
    pids = {r["process"] for r in records}
    assert len(pids) >= 2  # the owner and the worker both log
