"""POST /imports (multipart, background job, progress and report) and GET /export."""

import asyncio
import json
import os
import time

import httpx
from fastapi import FastAPI

from kgmem.server.routes.transfer import jobs_for

NT = b"""<http://e.org/a> <http://e.org/knows> <http://e.org/b> .
<http://e.org/a> <http://e.org/name> "A" .
this is not a statement
"""


async def wait_for(client: httpx.AsyncClient, url: str) -> dict:
    for _ in range(400):
        job = (await client.get(url)).json()
        if job["status"] in ("finished", "failed"):
            return job
        await asyncio.sleep(0.05)
    raise AssertionError("the import job did not finish")


async def test_upload_runs_as_a_job_with_a_final_report(
    client: httpx.AsyncClient, namespace: str
) -> None:
    response = await client.post(
        f"/v1/namespaces/{namespace}/imports",
        files={"file": ("data.nt", NT, "application/n-triples")},
        data={"on_error": "skip"},
    )
    assert response.status_code == 202, response.text
    job = await wait_for(client, f"/v1/namespaces/{namespace}/imports/{response.json()['id']}")
    assert job["status"] == "finished", job
    report = job["report"]
    assert (report["records_read"], report["records_loaded"], report["records_rejected"]) == (
        3,
        2,
        1,
    )
    assert report["errors"][0]["line"] == 3
    assert job["bytes_read"] == len(NT)
    entity = (
        await client.get(f"/v1/namespaces/{namespace}/entities/http%3A%2F%2Fe.org%2Fa")
    ).json()
    assert entity["entity"]["properties"]["name"] == "A"


async def test_a_stopped_import_fails_with_the_line(
    client: httpx.AsyncClient, namespace: str
) -> None:
    response = await client.post(
        f"/v1/namespaces/{namespace}/imports", files={"file": ("data.nt", NT)}
    )
    job = await wait_for(client, f"/v1/namespaces/{namespace}/imports/{response.json()['id']}")
    assert job["status"] == "failed"
    assert job["error"]["code"] == "import_rejected" and job["error"]["line"] == 3


async def test_export_streams_with_media_type_and_errors_are_problems(
    client: httpx.AsyncClient, namespace: str
) -> None:
    await client.put(
        f"/v1/namespaces/{namespace}/entities/ann",
        json={"label": "Person", "properties": {"name": "Ann"}, "embedding": [0.1] * 384},
    )
    response = await client.get(f"/v1/namespaces/{namespace}/export", params={"format": "jsonl"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/x-ndjson")
    assert response.headers["kgmem-dropped"] == "none"
    graphml = await client.get(f"/v1/namespaces/{namespace}/export", params={"format": "graphml"})
    assert graphml.headers["kgmem-dropped"] == "none"  # no fact was revised
    lines = [json.loads(x) for x in response.text.splitlines()]
    assert lines == [
        {"kind": "dump", "version": 2},
        {"kind": "vertex", "uid": "ann", "label": "Person", "properties": {"name": "Ann"}},
    ]
    bad = await client.get(f"/v1/namespaces/{namespace}/export", params={"format": "docx"})
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_input"
    missing = await client.get("/v1/namespaces/nope_nope/export")
    assert missing.status_code == 404 and missing.json()["code"] == "namespace_not_found"
    job = await client.get(f"/v1/namespaces/{namespace}/imports/123")
    assert job.status_code == 404 and job.json()["code"] == "import_job_not_found"


async def test_a_job_id_no_job_can_have_is_not_found_without_database_words(
    client: httpx.AsyncClient, namespace: str
) -> None:
    for job_id in ("%00", "x" * 5000, "%F0%9F%98%80"):
        got = await client.get(f"/v1/namespaces/{namespace}/imports/{job_id}")
        assert got.status_code == 404 and got.json()["code"] == "import_job_not_found"
        assert "database" not in got.text and len(got.text) < 500


async def test_a_file_name_too_long_to_save_is_refused(
    client: httpx.AsyncClient, namespace: str
) -> None:
    response = await client.post(
        f"/v1/namespaces/{namespace}/imports", files={"file": ("x" * 300 + ".nt", NT)}
    )
    assert response.status_code == 422 and response.json()["code"] == "invalid_request"
    assert "longer than" in response.json()["detail"]


async def test_a_sweep_removes_folders_left_by_dead_jobs_and_keeps_fresh_ones(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    jobs = jobs_for(app)
    left, fresh = jobs.root / ("0" * 32), jobs.root / ("1" * 32)
    for folder in (left, fresh):
        folder.mkdir(parents=True)
        (folder / "data.nt").write_bytes(NT)
    long_ago = time.time() - 2 * jobs.settings.stale_after_s
    for path in (left / "data.nt", left):
        os.utime(path, (long_ago, long_ago))
    await jobs.sweep()
    assert not left.exists() and fresh.exists()  # fresh: maybe an upload being received
    jobs.discard(fresh)
