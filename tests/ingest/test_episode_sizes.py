"""Episode texts are checked at the door, against the caller's own fields; the context
kgmem adds to a conversation turn never makes a write fail."""

from __future__ import annotations

import httpx

from kgmem import Memory


def _turn(i: int, chars: int, **extra: object) -> dict[str, object]:
    word = f"turn{i} "
    return {"uid": f"ep-{i}", "text": (word * (chars // len(word) + 1))[:chars], **extra}


async def test_an_episode_past_the_text_limit_is_refused_by_its_field_and_nothing_stored(
    client: httpx.AsyncClient, memory: Memory, namespace: str
) -> None:
    most = min(memory.settings.limits.max_string_length, memory.settings.limits.max_text_length)
    batch = [_turn(0, 100), _turn(1, most + 1), _turn(2, 100)]
    r = await client.post(f"/v1/namespaces/{namespace}/episodes/batch", json={"episodes": batch})
    assert r.status_code == 422, r.text
    problem = r.json()
    assert problem["code"] == "limit_exceeded" and problem["field"] == "episodes[1].text"
    assert problem["detail"].startswith(f"episodes[1].text is {most + 1} characters, more than")
    assert (await client.get(f"/v1/namespaces/{namespace}/episodes/ep-0")).status_code == 404
    one = await client.post(f"/v1/namespaces/{namespace}/episodes", json=_turn(3, most + 1))
    assert one.status_code == 422 and one.json()["detail"].startswith(f"text is {most + 1} ")


async def test_a_batch_past_its_total_text_is_refused_before_anything_is_stored(
    client: httpx.AsyncClient, memory: Memory, namespace: str
) -> None:
    total = memory.settings.limits.max_batch_text
    size = 50_000
    batch = [_turn(i, size) for i in range(total // size + 1)]
    r = await client.post(f"/v1/namespaces/{namespace}/episodes/batch", json={"episodes": batch})
    assert r.status_code == 422, r.text
    problem = r.json()
    assert problem["field"] == "episodes" and problem["limit"] == total
    assert f"{len(batch) * size} characters together" in problem["detail"]
    assert (await client.get(f"/v1/namespaces/{namespace}/episodes/ep-0")).status_code == 404


async def test_turns_whose_context_passes_the_limits_are_stored_with_the_latest_context(
    client: httpx.AsyncClient, memory: Memory, namespace: str
) -> None:
    limits = memory.settings.limits
    size = min(limits.max_string_length, limits.max_text_length) - 5_000
    batch = [
        _turn(i, size, session="s", reference_time=f"2024-01-01T00:00:0{i}Z") for i in range(3)
    ]
    r = await client.post(f"/v1/namespaces/{namespace}/episodes/batch", json={"episodes": batch})
    assert r.status_code == 201, r.text
    assert [o["status"] for o in r.json()["episodes"]] == ["done"] * 3
    last = (await client.get(f"/v1/namespaces/{namespace}/episodes/ep-2")).json()
    preceding = last["properties"]["preceding"]
    room = min(limits.max_string_length, limits.max_text_length - size - 1)
    full = f"{batch[0]['text']}\n{batch[1]['text']}"
    assert len(full) > room and preceding == full[-room:]
