"""Heavy work over REST: a community refresh or a large episode batch past its share is
refused at once with 429 too_many_jobs and a Retry-After, and smaller work is not."""

from __future__ import annotations

import httpx

from kgmem import Memory


async def test_a_refresh_past_the_share_is_refused_with_retry_after_then_runs(
    client: httpx.AsyncClient, memory: Memory, namespace: str
) -> None:
    url = f"/v1/namespaces/{namespace}/communities/refresh"
    held = [memory.shares.hold("refreshes", None) for _ in range(memory.settings.heavy.refreshes)]
    try:
        refused = await client.post(url)
    finally:
        for h in held:
            h.release()
    assert refused.status_code == 429, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["code"] == "too_many_jobs" and int(refused.headers["retry-after"]) >= 1
    assert "KGMEM_HEAVY_REFRESHES" in refused.json()["detail"]
    assert (await client.post(url)).status_code == 200


async def test_a_large_batch_past_the_share_is_refused_and_a_small_one_is_built(
    client: httpx.AsyncClient, memory: Memory, namespace: str
) -> None:
    url = f"/v1/namespaces/{namespace}/episodes/batch"
    large = memory.settings.heavy.large_batch_chars
    size = large // 4 + 1
    big = {"episodes": [{"text": "x" * size} for _ in range(4)]}
    small = {"episodes": [{"text": "a short turn"}]}
    most = memory.settings.heavy.large_batches
    held = [memory.shares.hold("large_batches", None) for _ in range(most)]
    try:
        refused = await client.post(url, json=big)
        built = await client.post(url, json=small)
    finally:
        for h in held:
            h.release()
    assert refused.status_code == 429 and refused.json()["code"] == "too_many_jobs"
    assert int(refused.headers["retry-after"]) >= 1
    assert built.status_code == 201, built.text
    assert (await client.post(url, json=big)).status_code == 201
    assert memory.shares.running["large_batches"] == 0
