import httpx


async def test_health_reports_database_extensions_and_model(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["database"]["ok"]
    assert body["database"]["extensions"]["age"].startswith("1.")
    assert "vector" in body["database"]["extensions"]
    assert body["keyword_search"] in ("bm25", "fulltext")
    assert body["keyword_search"] == (
        "bm25" if "pg_textsearch" in body["database"]["extensions"] else "fulltext"
    )
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
