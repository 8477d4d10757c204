"""Request ids, per-route metrics and the single log record of an unhandled error, on
the session store's app served by uvicorn."""

from __future__ import annotations

import logging
import re
import uuid

import httpx
import pytest
from fastapi import FastAPI

from kgmem import Memory, Settings
from kgmem.embedding.batching import coalesced
from kgmem.embedding.local import LocalEmbedder
from kgmem.server.app import create_app
from kgmem.settings.config import EmbeddingSettings
from tests.fixtures.app import client_for, metric_sample, serving
from tests.server.test_transfer_api import wait_for


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def failing_app(memory: Memory) -> FastAPI:
    app = create_app(memory=memory)

    @app.get("/boom/{what}")
    async def boom(what: str) -> None:
        raise RuntimeError(f"exploded: {what}")

    return app


async def test_an_unhandled_error_is_logged_once_with_its_request_id(failing_app: FastAPI) -> None:
    records = _Records()
    watched = [logging.getLogger(n) for n in ("", "uvicorn", "uvicorn.error", "kgmem")]
    for logger in watched:
        logger.addHandler(records)
    try:
        async with serving(failing_app) as url, httpx.AsyncClient(base_url=url) as client:
            answer = await client.get("/boom/now", headers={"X-Request-ID": "abc-123"})
    finally:
        for logger in watched:
            logger.removeHandler(records)
    assert answer.status_code == 500
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["code"] == "internal_error"
    assert answer.headers["x-request-id"] == "abc-123"
    # One handler on several loggers sees a propagating record once per logger: count
    # distinct records.
    tracebacks = {id(r): r for r in records.records if r.exc_info}
    assert len(tracebacks) == 1, [r.getMessage() for r in tracebacks.values()]
    (record,) = tracebacks.values()
    assert "GET /boom/{what}" in record.getMessage()
    assert "exploded: now" in str(record.exc_info[1])  # type: ignore[index]


async def test_requests_count_under_their_route_template(
    client: httpx.AsyncClient, namespace: str
) -> None:
    before = (await client.get("/metrics")).text
    uid = f"e-{uuid.uuid4().hex[:8]}"
    for _ in range(3):
        r = await client.get(f"/v1/namespaces/{namespace}/entities/{uid}")
        assert r.status_code == 404
    r = await client.post(f"/v1/namespaces/{namespace}/search", json={"text": "anything"})
    assert r.status_code == 200, r.text
    after = await client.get("/metrics")
    assert after.headers["content-type"].startswith("text/plain; version=0.0.4")
    text = after.text
    route = "/v1/namespaces/{ns}/entities/{uid:path}"
    key = {"method": "GET", "route": route, "status": "404"}
    assert (
        metric_sample(text, "kgmem_http_requests_total", **key)
        == metric_sample(before, "kgmem_http_requests_total", **key) + 3
    )
    search = {"method": "POST", "route": "/v1/namespaces/{ns}/search", "status": "200"}
    assert metric_sample(text, "kgmem_http_requests_total", **search) >= 1
    assert uid not in text and namespace not in text  # templates, not raw paths
    assert (
        metric_sample(text, "kgmem_http_request_duration_seconds_count", method="GET", route=route)
        >= 3
    )
    assert metric_sample(text, "kgmem_pool_connections", pool="primary", state="open") >= 1
    assert "kgmem_search_stage_seconds_bucket" in text
    for name in ("kgmem_embedding_queue_texts", "kgmem_import_jobs_running"):
        assert f"# TYPE {name} gauge" in text


async def test_a_request_gets_an_id_and_a_bad_one_is_replaced(client: httpx.AsyncClient) -> None:
    fresh = (await client.get("/health")).headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", fresh)
    kept = await client.get("/health", headers={"X-Request-ID": "trace.42:a"})
    assert kept.headers["x-request-id"] == "trace.42:a"
    bad = await client.get("/health", headers={"X-Request-ID": "no spaces allowed"})
    assert bad.headers["x-request-id"] != "no spaces allowed"


@pytest.mark.parametrize(("access", "status"), [("open", 200), ("off", 404), ("admin", 403)])
async def test_metrics_access_follows_the_setting(memory: Memory, access: str, status: int) -> None:
    server = memory.settings.server.model_copy(update={"metrics": access})
    settings = memory.settings.model_copy(update={"server": server})
    app = create_app(settings, memory=memory)
    transport = httpx.ASGITransport(app=app, client=("10.1.2.3", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://kgmem.test") as c:
        r = await c.get("/metrics")
    assert r.status_code == status, r.text
    if status != 200:
        assert r.headers["content-type"] == "application/problem+json"


GOOD_NT = b"""<http://e.org/a> <http://e.org/knows> <http://e.org/b> .
<http://e.org/a> <http://e.org/name> "A" .
"""


@pytest.mark.slow  # loads the embedding model
async def test_import_jobs_search_stages_and_embeddings_move_their_metrics(
    settings: Settings, local_embedder: LocalEmbedder
) -> None:
    """Each family counts what happened: an import job that finished, each stage of an
    explained search, the texts the model embedded and the batches they went in (the
    model as a server uses it: behind the coalescing queue)."""
    local = EmbeddingSettings(provider="local")
    embedding_memory = await Memory.open(
        settings.model_copy(update={"embedding": local}),
        embedder=coalesced(local_embedder, local),
    )
    ns = f"t_{uuid.uuid4().hex[:12]}"
    await embedding_memory.create_namespace(ns)
    try:
        async with client_for(create_app(memory=embedding_memory)) as client:
            before = (await client.get("/metrics")).text
            posted = await client.post(
                f"/v1/namespaces/{ns}/imports", files={"file": ("data.nt", GOOD_NT)}
            )
            assert posted.status_code == 202, posted.text
            job = await wait_for(client, f"/v1/namespaces/{ns}/imports/{posted.json()['id']}")
            assert job["status"] == "finished", job
            put = await client.put(
                f"/v1/namespaces/{ns}/entities/ada",
                json={"label": "Person", "properties": {"name": "Ada Lovelace"}},
            )
            assert put.status_code in (200, 201), put.text
            found = await client.post(
                f"/v1/namespaces/{ns}/search",
                json={"text": "Ada", "explain": True},
                headers={"Cache-Control": "no-cache"},
            )
            assert found.status_code == 200, found.text
            after = (await client.get("/metrics")).text
    finally:
        await embedding_memory.delete_namespace(ns)
        await embedding_memory.close()

    def moved(name: str, **labels: str) -> float:
        return metric_sample(after, name, **labels) - metric_sample(before, name, **labels)

    assert moved("kgmem_import_jobs_total", status="finished") == 1
    assert metric_sample(after, "kgmem_import_jobs_running") == 0
    stages = found.json()["timings_ms"]
    assert stages
    for stage in stages:
        assert moved("kgmem_search_stage_seconds_count", stage=stage) >= 1, stage
    # The write embedded its text and the search its query, perhaps in one batch.
    assert moved("kgmem_embedding_texts_total") >= 2
    assert 1 <= moved("kgmem_embedding_batches_total") <= moved("kgmem_embedding_texts_total")
    assert metric_sample(after, "kgmem_embedding_queue_texts") == 0
