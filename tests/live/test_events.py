"""Change events over SSE, in both modes: every committed write in order with a
growing sequence, resuming with Last-Event-ID, nothing for a rolled-back write,
resets, filters and bad requests."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from kgmem import BatchWrite, EntityWrite, FactWrite, Memory
from kgmem.errors import EntityNotFound
from kgmem.live.events import parse_position
from kgmem.server.app import create_app
from tests.live.conftest import Message, Pair, live_settings, sse


def _person(uid: str, name: str | None = None) -> EntityWrite:
    return EntityWrite(uid=uid, label="Person", properties={"name": name or uid.title()})


def assert_increasing(messages: list[Message]) -> None:
    positions = [parse_position(m.id or "") for m in messages]
    assert positions == sorted(positions) and len(set(positions)) == len(positions)
    for m in messages:
        assert m.data["seq"] == m.id


async def test_committed_writes_are_streamed_in_order(
    pair: Pair, live_ns: str, served: Callable[..., Any]
) -> None:
    async with served(pair.app_a) as base, sse(base, live_ns) as stream:
        await pair.a.upsert_entity(live_ns, _person("alice"))
        await pair.b.upsert_entity(live_ns, _person("bob"))  # the other instance's write
        fact = await pair.a.add_fact(live_ns, FactWrite("alice", "KNOWS", "bob"))
        await pair.a.close_fact(live_ns, fact.uid)
        await pair.b.delete_fact(live_ns, fact.uid)
        await pair.a.delete_entity(live_ns, "bob")
        messages = [await stream.next() for _ in range(6)]
    assert [(m.event, m.data["ids"]) for m in messages] == [
        ("entity.upserted", ["alice"]),
        ("entity.upserted", ["bob"]),
        ("fact.added", [fact.uid]),
        ("fact.closed", [fact.uid]),
        ("fact.deleted", [fact.uid]),
        ("entity.deleted", ["bob"]),
    ]
    assert_increasing(messages)
    assert all(m.data["namespace"] == live_ns and m.data["type"] == m.event for m in messages)
    assert all(m.data["time"].endswith("+00:00") for m in messages)


async def test_a_batch_is_one_event_per_kind_with_every_id(
    pair: Pair, live_ns: str, served: Callable[..., Any]
) -> None:
    batch = BatchWrite(
        entities=[_person(f"p{i}") for i in range(3)],
        facts=[FactWrite("p0", "KNOWS", "p1", uid="f1"), FactWrite("p1", "KNOWS", "p2", uid="f2")],
    )
    async with served(pair.app_a) as base, sse(base, live_ns) as stream:
        await pair.b.write_batch(live_ns, batch)
        first, second = await stream.next(), await stream.next()
    assert (first.event, first.data["ids"]) == ("entity.upserted", ["p0", "p1", "p2"])
    assert (second.event, second.data["ids"]) == ("fact.added", ["f1", "f2"])


async def test_a_rolled_back_write_emits_nothing_and_keeps_the_cache(
    pair: Pair, live_ns: str, served: Callable[..., Any], client_a: httpx.AsyncClient
) -> None:
    await pair.a.upsert_entity(live_ns, _person("alice"))
    search = {"text": "ghost alice", "k": 5}
    url = f"/v1/namespaces/{live_ns}/search"
    await client_a.post(url, json=search)
    # The entity is written inside the transaction, then the unknown subject aborts it.
    bad = BatchWrite(entities=[_person("ghost")], facts=[FactWrite("nobody", "KNOWS", "ghost")])
    async with served(pair.app_a) as base, sse(base, live_ns) as stream:
        with pytest.raises(EntityNotFound):
            await pair.a.write_batch(live_ns, bad)
        response = await client_a.post(url, json=search)
        assert response.headers["x-kgmem-cache"] == "hit"  # nothing committed, nothing bumped
        assert {h["uid"] for h in response.json()["hits"]} == {"alice"}
        assert await stream.quiet(1.0)
        await pair.a.upsert_entity(live_ns, _person("carol"))
        after = await stream.next()
    assert (after.event, after.data["ids"]) == ("entity.upserted", ["carol"])
    with pytest.raises(EntityNotFound):
        await pair.a.get_entity(live_ns, "ghost")


async def test_last_event_id_resumes_after_that_event(
    pair: Pair, live_ns: str, served: Callable[..., Any]
) -> None:
    async with served(pair.app_a) as base:
        async with sse(base, live_ns) as stream:
            for uid in ("a1", "a2", "a3"):
                await pair.a.upsert_entity(live_ns, _person(uid))
            seen = [await stream.next() for _ in range(3)]
        for uid in ("a4", "a5"):
            await pair.b.upsert_entity(live_ns, _person(uid))
        headers = {"Last-Event-ID": seen[0].id or ""}
        async with sse(base, live_ns, headers=headers) as resumed:
            again = [await resumed.next() for _ in range(4)]
            assert await resumed.quiet(0.5)
        params = {"last_event_id": seen[2].id or ""}
        async with sse(base, live_ns, params=params) as by_query:
            tail = [await by_query.next() for _ in range(2)]
    assert [m.data["ids"][0] for m in again] == ["a2", "a3", "a4", "a5"]
    assert [m.id for m in again[:2]] == [m.id for m in seen[1:]]
    assert [m.data["ids"][0] for m in tail] == ["a4", "a5"]


async def test_type_filter_and_keep_alive(
    pair: Pair, live_ns: str, served: Callable[..., Any]
) -> None:
    async with (
        served(pair.app_a) as base,
        sse(base, live_ns, params={"types": "fact.added,entity.deleted"}) as stream,
    ):
        await pair.a.upsert_entity(live_ns, _person("alice"))
        await pair.a.upsert_entity(live_ns, _person("bob"))
        await pair.a.add_fact(live_ns, FactWrite("alice", "KNOWS", "bob", uid="k1"))
        await pair.a.delete_entity(live_ns, "bob")
        messages = [await stream.next(), await stream.next()]
        assert await stream.quiet(1.2)
    assert [m.event for m in messages] == ["fact.added", "entity.deleted"]
    assert "keep-alive" in stream.comments


async def test_namespace_deletion_is_the_last_event(pair: Pair, served: Callable[..., Any]) -> None:
    ns = f"l_{uuid.uuid4().hex[:12]}"
    await pair.a.create_namespace(ns)
    async with served(pair.app_a) as base, sse(base, ns) as stream:
        await pair.b.delete_namespace(ns)
        last = await stream.next()
        with pytest.raises(EOFError):
            await stream.next()
    assert last.event == "namespace.deleted"


async def test_resuming_from_beyond_the_retention_gets_a_reset(
    pair: Pair, pg_url: str, tmp_path: Path, served: Callable[..., Any]
) -> None:
    redis_url = pair.a.settings.redis.url
    settings = live_settings(
        pg_url,
        tmp_path,
        redis_url.get_secret_value() if redis_url else None,
        events={"retention": 10, "keepalive_s": 0.5},
    )
    store = await Memory.open(settings)
    ns = f"l_{uuid.uuid4().hex[:12]}"
    try:
        await store.create_namespace(ns)
        async with served(create_app(memory=store)) as base:
            async with sse(base, ns) as stream:
                await store.upsert_entity(ns, _person("first"))
                first = await stream.next()
            for i in range(30):
                await store.upsert_entity(ns, _person(f"p{i}"))
            async with sse(base, ns, headers={"Last-Event-ID": first.id or ""}) as resumed:
                reset = await resumed.next()
                await store.upsert_entity(ns, _person("next"))
                following = await resumed.next()
    finally:
        await store.delete_namespace(ns)
        await store.close()
    assert reset.event == "reset" and reset.data["reason"] == "behind_retention"
    assert reset.data["last_event_id"] == first.id
    assert following.event == "entity.upserted" and following.data["ids"] == ["next"]
    assert parse_position(following.id or "") > parse_position(reset.id or "")


async def test_an_id_of_the_other_backend_gets_a_reset(
    pair: Pair, live_ns: str, served: Callable[..., Any]
) -> None:
    foreign = "7" if pair.mode == "redis" else "1795381875453-0"
    async with (
        served(pair.app_a) as base,
        sse(base, live_ns, headers={"Last-Event-ID": foreign}) as s,
    ):
        reset = await s.next()
    assert reset.event == "reset" and reset.data["reason"] == "backend_changed"
    assert reset.data["backend"] == ("redis" if pair.mode == "redis" else "postgres")


@pytest.mark.parametrize(
    ("path", "headers", "params", "status", "code"),
    [
        ("{ns}", {"Last-Event-ID": "not-an-id"}, {}, 422, "invalid_event_id"),
        ("{ns}", {}, {"last_event_id": "12x"}, 422, "invalid_event_id"),
        ("{ns}", {}, {"types": "entity.upserted,nonsense"}, 422, "invalid_request"),
        ("missing_ns_8", {}, {}, 404, "namespace_not_found"),
    ],
)
async def test_bad_event_requests_are_problems(
    live_ns: str,
    client_a: httpx.AsyncClient,
    path: str,
    headers: dict[str, str],
    params: dict[str, str],
    status: int,
    code: str,
) -> None:
    ns = path.format(ns=live_ns)
    response = await client_a.get(f"/v1/namespaces/{ns}/events", headers=headers, params=params)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == code


async def test_building_from_episodes_reports_what_it_wrote(
    pair: Pair, live_ns: str, served: Callable[..., Any]
) -> None:
    """An episode's build writes entities and facts and may close facts: each kind gets
    its event, besides episode.added."""
    from datetime import UTC, datetime

    from kgmem.ingest import EpisodeWrite, FactMention

    t0 = datetime(2024, 1, 1, tzinfo=UTC)
    async with served(pair.app_a) as base, sse(base, live_ns) as stream:
        [first] = await pair.a.add_episodes(
            live_ns,
            [
                EpisodeWrite(
                    text="Ann moved to Oslo",
                    uid="ep1",
                    reference_time=t0,
                    facts=[FactMention("Ann", "LIVES_IN", "Oslo")],
                )
            ],
        )
        [second] = await pair.a.add_episodes(
            live_ns,
            [
                EpisodeWrite(
                    text="Ann moved to Rome",
                    uid="ep2",
                    reference_time=t0.replace(day=5),
                    facts=[FactMention("Ann", "LIVES_IN", "Rome")],
                )
            ],
        )
        messages = [await stream.next() for _ in range(7)]
    created_first = [r.uid for r in first.entities if r.created]
    created_second = [r.uid for r in second.entities if r.created]
    assert len(created_first) == 2 and len(created_second) == 1  # Ann, Oslo; then Rome
    assert len(second.closed) == 1
    assert [(m.event, sorted(m.data["ids"])) for m in messages] == [
        ("episode.added", ["ep1"]),
        ("entity.upserted", sorted(created_first)),
        ("fact.added", sorted(first.facts)),
        ("episode.added", ["ep2"]),
        ("entity.upserted", created_second),
        ("fact.added", sorted(second.facts)),
        ("fact.closed", list(second.closed)),
    ]
    assert_increasing(messages)
