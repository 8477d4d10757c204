"""kgmem.client against a real server on a loopback port: the same code runs on the
in-process Memory and on the client, retries, streamed exports and live events."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI

from kgmem import EntityWrite, FactQuery, FactWrite, Memory
from kgmem.client import ApiError, AsyncClient, Client, RetryPolicy
from kgmem.client.retry import retryable
from kgmem.model import CausalQuery, ContextQuery, SearchQuery
from kgmem.server.app import create_app
from tests.fixtures.app import serving
from tests.server.test_cypher_procedures import NAMES, called, first_column

FAST = RetryPolicy(attempts=4, base_s=0.01, max_s=0.05)


async def scenario(store: Any, ns: str) -> dict[str, Any]:
    """Calls an application makes, written once against the shared interface."""
    when = datetime(2024, 1, 1, tzinfo=UTC)
    created = await store.upsert_entity(ns, EntityWrite("ada", "Person", {"name": "Ada Lovelace"}))
    await store.upsert_entity(ns, EntityWrite("babbage", "Person", {"name": "Charles Babbage"}))
    fact = await store.add_fact(
        ns, FactWrite("ada", "KNOWS", "babbage", valid_from=when, text="Ada knows Babbage")
    )
    detail = await store.get_entity(ns, "ada")
    page = await store.list_facts(ns, FactQuery(subject="ada"))
    found = await store.search(ns, SearchQuery(text="Lovelace", k=3))
    closed = await store.close_fact(ns, fact.uid)
    history = await store.timeline(ns, "ada")
    check = await store.check_statement(ns, "ada", "KNOWS", "babbage")
    rows = await store.cypher(ns, "MATCH (p:Person) RETURN p.uid AS uid ORDER BY uid")
    stats = await store.namespace_stats(ns)
    names = [n.name for n in await store.list_namespaces([ns])]
    return {
        "created": created.created,
        "entity": (detail.entity.uid, detail.entity.label, dict(detail.entity.properties)),
        "outgoing": [(f.predicate, f.object, f.valid_from) for f in detail.outgoing],
        "page": [f.uid for f in page.items] == [fact.uid],
        "top_hit": found.hits[0].uid,
        "closed": closed.expired_at is not None and closed.valid_to is not None,
        "history": [(e.direction, e.fact.predicate, e.fact.object) for e in history],
        "check": (len(check.matches), check.functional),
        "kind": check.value_kind,
        "calibration": check.calibration,
        "rows": rows.rows,
        "stats": (dict(stats.vertices), stats.facts_closed),
        "names": names,
    }


async def test_the_same_code_runs_on_memory_and_on_the_client(
    memory: Memory, live_url: str
) -> None:
    results = []
    for make in (lambda: _Unclosed(memory), lambda: AsyncClient(live_url)):
        ns = f"c_{len(results)}_{id(make) % 10_000}"
        await memory.create_namespace(ns)
        try:
            async with make() as store:
                results.append(await scenario(store, ns))
        finally:
            await memory.delete_namespace(ns)
    in_process, over_http = results
    assert in_process["names"] != over_http["names"]  # two namespaces, one each
    in_process.pop("names"), over_http.pop("names")
    assert in_process == over_http
    assert in_process["top_hit"] == "ada" and in_process["closed"]
    assert in_process["kind"].kind == "auto" and not in_process["kind"].declared


class _Unclosed:
    """The session's Memory as ``async with`` without closing it."""

    def __init__(self, memory: Memory) -> None:
        self.memory = memory

    async def __aenter__(self) -> Memory:
        return self.memory

    async def __aexit__(self, *_: object) -> None:
        return None


async def test_sync_client_reads_and_writes(live_url: str, namespace: str) -> None:
    def work() -> tuple[Any, ...]:
        with Client(live_url) as client:
            client.upsert_entity(namespace, EntityWrite("x1", "Concept", {"name": "Entropy"}))
            again = client.upsert_entity(namespace, EntityWrite("x1", "Concept", {"name": "S"}))
            detail = client.get_entity(namespace, "x1")
            with pytest.raises(ApiError) as missing:
                client.get_entity(namespace, "nope")
            return again.created, detail.entity.properties["name"], missing.value

    created, name, missing = await asyncio.to_thread(work)
    assert created is False and name == "S"
    assert missing.status == 404 and missing.code == "entity_not_found"


async def test_a_procedure_on_a_missing_namespace_raises_not_found(
    live_url: str, namespace: str
) -> None:
    """The client gets the 404 of any other read, for every procedure kgmem answers."""
    async with AsyncClient(live_url) as client:
        for name in NAMES:
            query = called("CALL {name}()", name)
            with pytest.raises(ApiError) as missing:
                await client.cypher("no_such_ns", query)
            assert (missing.value.status, missing.value.code) == (404, "namespace_not_found")
            answer = await client.cypher(namespace, query)
            assert answer.columns or first_column(name) is None, name

    def sync_call() -> ApiError:
        with Client(live_url) as client, pytest.raises(ApiError) as missing:
            client.cypher("no_such_ns", "CALL dbms.components()")
        return missing.value

    error = await asyncio.to_thread(sync_call)
    assert (error.status, error.code) == (404, "namespace_not_found")


async def test_context_and_trace_through_the_client(live_url: str, namespace: str) -> None:
    async with AsyncClient(live_url) as client:
        outcomes = await client.add_episodes(
            namespace,
            [
                {
                    "text": "Heavy rain caused the flood.",
                    "session": "s1",
                    "entities": [
                        {"name": "rain", "label": "Event", "uid": "rain"},
                        {"name": "flood", "label": "Event", "uid": "flood"},
                    ],
                    "facts": [{"subject": "rain", "predicate": "CAUSES", "object": "flood"}],
                }
            ],
        )
        assert outcomes[0].status == "done"
        paths = await client.causal_trace(namespace, CausalQuery("rain"))
        block = await client.build_context(namespace, ContextQuery("flood", budget_tokens=200))
    assert [p.end for p in paths] == ["flood"]
    assert "CAUSES" in block.text and block.tokens <= 200


async def test_exports_stream_in_chunks(live_url: str, namespace: str, memory: Memory) -> None:
    for i in range(50):
        await memory.upsert_entity(
            namespace, EntityWrite(f"e{i:03d}", "Concept", {"name": "x" * 500})
        )
    async with AsyncClient(live_url) as client:
        chunks = [c async for c in client.export(namespace, "jsonl")]
        with pytest.raises(ApiError) as bad:
            [c async for c in client.export(namespace, "nope")]
    lines = b"".join(chunks).decode().splitlines()
    uids = {json.loads(line).get("uid") for line in lines}
    assert {f"e{i:03d}" for i in range(50)} <= uids
    assert bad.value.status == 422

    def sync_export() -> tuple[bytes, int]:
        with Client(live_url) as client:
            whole = b"".join(client.export(namespace, "jsonl"))
            with pytest.raises(ApiError) as refused:
                list(client.export(namespace, "nope"))
            return whole, refused.value.status

    whole, status = await asyncio.wait_for(asyncio.to_thread(sync_export), 60)
    assert whole == b"".join(chunks) and status == 422


async def test_live_events_arrive_as_they_happen(
    live_url: str, namespace: str, memory: Memory
) -> None:
    async with AsyncClient(live_url) as client:
        stream = client.events(namespace, types=["entity.upserted"])
        first = asyncio.ensure_future(anext(stream))
        await asyncio.sleep(0.3)  # the stream is open before the write
        await memory.upsert_entity(namespace, EntityWrite("live1", "Concept"))
        event = await asyncio.wait_for(first, 20)
        await stream.aclose()
        resumed = client.events(namespace, last_event_id=event.id)
        await memory.upsert_entity(namespace, EntityWrite("live2", "Concept"))
        later = await asyncio.wait_for(anext(resumed), 20)
        await resumed.aclose()
    assert event.type == "entity.upserted" and event.data["ids"] == ["live1"]
    assert later.data["ids"] == ["live2"]


def test_a_sync_client_left_unclosed_stops_its_thread_when_collected() -> None:
    import gc
    import threading

    # Threads, not idents: an ending thread's ident can go to the next one at once.
    before = set(threading.enumerate())
    client = Client("http://127.0.0.1:9")
    thread = client._loop.thread
    assert thread.is_alive() and thread not in before
    del client
    gc.collect()
    thread.join(timeout=10)
    assert not thread.is_alive()


async def test_the_sync_client_iterates_live_events_and_stops_when_left(
    live_url: str, namespace: str, memory: Memory
) -> None:
    """The synchronous stream is an iterator; leaving it closes the stream, and the
    client closes cleanly afterwards."""

    def first_event(opened: asyncio.Event, loop: asyncio.AbstractEventLoop) -> Any:
        with Client(live_url) as client:
            stream = client.events(namespace, types=["entity.upserted"])
            loop.call_soon_threadsafe(opened.set)
            event = next(stream)
            stream.close()
            return event

    opened = asyncio.Event()
    reading = asyncio.ensure_future(
        asyncio.to_thread(first_event, opened, asyncio.get_running_loop())
    )
    await asyncio.wait_for(opened.wait(), 20)
    written: list[str] = []
    for attempt in range(40):  # until the stream, opened in the other thread, sees one
        if reading.done():
            break
        written.append(f"sync{attempt}")
        await memory.upsert_entity(namespace, EntityWrite(written[-1], "Concept"))
        await asyncio.sleep(0.5)
    event = await asyncio.wait_for(reading, 30)
    assert event.type == "entity.upserted" and event.data["ids"][0] in written


class Flaky:
    """Real HTTP in front of the app: the first ``failures`` write requests get the given
    problem, like a restarting database or a lost write race would answer."""

    def __init__(self, app: FastAPI, status: int, code: str, failures: int) -> None:
        self.app, self.status, self.code, self.failures = app, status, code, failures
        self.seen = 0

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["method"] == "PUT":
            self.seen += 1
            if self.seen <= self.failures:
                body = json.dumps(
                    {
                        "type": "x",
                        "title": "t",
                        "status": self.status,
                        "detail": "d",
                        "code": self.code,
                    }
                ).encode()
                headers = [(b"content-type", b"application/problem+json")]
                await send(
                    {"type": "http.response.start", "status": self.status, "headers": headers}
                )
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


@pytest.mark.parametrize(
    ("status", "code"),
    [(503, "database_unavailable"), (409, "write_conflict"), (429, "rate_limited")],
)
async def test_transient_answers_are_retried_with_backoff(
    memory: Memory, namespace: str, status: int, code: str
) -> None:
    flaky = Flaky(create_app(memory=memory), status, code, failures=2)
    async with serving(flaky) as url, AsyncClient(url, retry=FAST) as client:  # type: ignore[arg-type]
        outcome = await client.upsert_entity(namespace, EntityWrite("r1", "Concept"))
    assert outcome.created and flaky.seen == 3


async def test_other_errors_and_exhausted_retries_raise(memory: Memory, namespace: str) -> None:
    conflict = Flaky(create_app(memory=memory), 409, "uid_conflict", failures=1)
    async with serving(conflict) as url, AsyncClient(url, retry=FAST) as client:  # type: ignore[arg-type]
        with pytest.raises(ApiError) as once:
            await client.upsert_entity(namespace, EntityWrite("r2", "Concept"))
    assert once.value.code == "uid_conflict" and conflict.seen == 1

    down = Flaky(create_app(memory=memory), 503, "database_unavailable", failures=99)
    async with serving(down) as url, AsyncClient(url, retry=FAST) as client:  # type: ignore[arg-type]
        with pytest.raises(ApiError) as exhausted:
            await client.upsert_entity(namespace, EntityWrite("r3", "Concept"))
    assert exhausted.value.status == 503 and down.seen == FAST.attempts


async def test_a_failover_refusal_is_retried_after_its_retry_after_but_an_unknown_post_is_not(
    memory: Memory, namespace: str
) -> None:
    put = Flaky(create_app(memory=memory), 503, "commit_outcome_unknown", failures=1)
    async with serving(put) as url, AsyncClient(url, retry=FAST) as client:  # type: ignore[arg-type]
        outcome = await client.upsert_entity(namespace, EntityWrite("r4", "Concept"))
    assert outcome.created and put.seen == 2  # a PUT by uid: sending it again is safe

    post = ApiError(503, "commit_outcome_unknown", "lost while committing")
    post.method = "POST"
    assert not retryable(post)
    refused = ApiError(503, "primary_unavailable", "read-only")
    refused.method, refused.retry_after_s = "POST", 2.0
    assert retryable(refused)
