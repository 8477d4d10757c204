from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

import httpx

from kgmem import Memory
from kgmem.storage.pool.database import DatabaseState


async def test_health_reports_database_extensions_and_model(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["database"]["ok"]
    assert body["database"]["extensions"]["age"].startswith("1.")
    assert "vector" in body["database"]["extensions"]
    assert body["keyword_search"] == "bm25"
    assert body["keyword_index"] == "ok"
    assert "pg_textsearch" not in body["database"]["extensions"]
    # Every background service of the process, each with its state.
    assert "key-recheck" in body["services"]
    for status in body["services"].values():
        assert status["state"] in {"starting", "running", "failing", "stopped"}
        assert set(status) == {"state", "failures", "last_error"}
    assert body["embedding"] == {
        "provider": "none",
        "model": "all-MiniLM-L6-v2",
        "dimension": 384,
        "loaded": True,
        "backend": None,  # only the local provider runs a model here (onnx or torch)
    }


async def test_openapi_and_docs_are_served(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    assert "/v1/namespaces/{ns}/entities/{uid}" in spec["paths"]
    assert (await client.get("/docs")).status_code == 200


async def test_livez_answers_any_client_without_a_key(
    client_from: Callable[[str], AbstractAsyncContextManager[httpx.AsyncClient]],
) -> None:
    async with client_from("203.0.113.5") as remote:
        # The same keyless remote client is refused everything that reads the store.
        assert (await remote.get("/v1/namespaces")).status_code == 403
        response = await remote.get("/livez")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert response.text == "ok\n"


async def test_health_and_requests_say_the_database_is_restarting(
    client: httpx.AsyncClient, memory: Memory
) -> None:
    db = memory.ctx.db
    up = db.state
    assert (await client.get("/health")).json()["database"]["state"] == "up"
    db.state = DatabaseState("restarting", 2, 1, "pg_ctl start timed out")
    try:
        health = await client.get("/health")
        read = await client.get("/v1/namespaces")
    finally:
        db.state = up
    assert health.status_code == 503
    cleared = {"server_version": "", "extensions": {}, "cluster": None}
    assert health.json()["database"] | cleared == {
        "ok": False,
        "state": "restarting",
        "restart_attempt": 2,
        "restarts": 1,
        "error": "pg_ctl start timed out",
        "embedded": False,
        "server_version": "",
        "extensions": {},
        "cluster": None,
    }
    assert read.status_code == 503 and read.headers["retry-after"] == "2"
    assert read.headers["content-type"] == "application/problem+json"
    assert read.json()["code"] == "database_unavailable"
    assert "restarting (attempt 2)" in read.json()["detail"]
    assert (await client.get("/health")).status_code == 200
