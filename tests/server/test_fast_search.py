"""The search fast path (kgmem.server.fast_search): well-formed searches are answered
before FastAPI's routing with the route's own answer and key check; everything else
reaches the app unchanged."""

from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest
from fastapi import FastAPI
from starlette.types import Receive, Scope, Send

from kgmem import Memory
from kgmem.model import SearchQuery
from kgmem.model.wire import jsonable
from kgmem.server.fast_search import FastSearch
from tests.fixtures.app import client_for
from tests.retrieval.graphs import add_people, axis_vector
from tests.server.test_auth import bearer, keyed_app  # noqa: F401 (fixture)
from tests.server.test_entities_api import assert_problem


class Behind:
    """Stands for the app behind the fast path: records what reaches it."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.reached: list[tuple[str, str, bytes]] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        self.reached.append((scope["method"], scope["path"], body))
        await send({"type": "http.response.start", "status": 299, "headers": []})
        await send({"type": "http.response.body", "body": b"behind"})


def fronted(app: FastAPI, behind: Behind, root_path: str = "") -> Any:
    """FastSearch in front of ``behind``, with ``app`` as the scope's app (as Starlette
    sets it before its middleware run)."""
    fast = FastSearch(behind)

    async def asgi(scope: Scope, receive: Receive, send: Send) -> None:
        await fast({**scope, "app": app, "root_path": root_path}, receive, send)

    return asgi


async def test_a_well_formed_search_is_answered_without_the_app_behind(
    app: FastAPI, memory: Memory, namespace: str
) -> None:
    await add_people(memory, namespace)
    behind = Behind(app)
    body = {"text": "rocket engineer", "embedding": axis_vector((0, 1.0)), "k": 3}
    async with client_for(fronted(app, behind)) as c:
        response = await c.post(f"/v1/namespaces/{namespace}/search", json=body)
    assert behind.reached == []
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-kgmem-cache"] in ("hit", "miss")
    query = SearchQuery(text="rocket engineer", embedding=body["embedding"], k=3)
    expected = jsonable(await memory.search(namespace, query))
    assert response.json() == expected and len(expected["hits"]) == 3


@pytest.mark.parametrize(
    ("method", "path", "headers", "content"),
    [
        ("POST", "/v1/namespaces/ns1/search", {"content-type": "application/json"}, b"{"),
        (
            "POST",
            "/v1/namespaces/ns1/search",
            {"content-type": "application/json"},
            b'{"text": "x", "colour": "red"}',
        ),
        ("POST", "/v1/namespaces/ns1/search", {"content-type": "text/plain"}, b'{"text": "x"}'),
        ("POST", "/v1/namespaces/ns1/search", {}, b'{"text": "x"}'),
        ("POST", "/v1/namespaces/ns1/search/", {"content-type": "application/json"}, b"{}"),
        ("POST", "/v1/namespaces/a/b/search", {"content-type": "application/json"}, b"{}"),
        ("POST", "/v1/namespaces//search", {"content-type": "application/json"}, b"{}"),
        ("PUT", "/v1/namespaces/ns1/search", {"content-type": "application/json"}, b"{}"),
        ("POST", "/v1/namespaces/ns1/facts", {"content-type": "application/json"}, b"{}"),
    ],
)
async def test_anything_else_reaches_the_app_with_its_body(
    app: FastAPI, method: str, path: str, headers: dict[str, str], content: bytes
) -> None:
    behind = Behind(app)
    async with client_for(fronted(app, behind)) as c:
        response = await c.request(method, path, headers=headers, content=content)
    assert response.status_code == 299 and response.text == "behind"
    assert behind.reached == [(method, path, content)]


async def test_an_app_mounted_under_a_root_path_is_left_to_the_router(app: FastAPI) -> None:
    behind = Behind(app)
    async with client_for(fronted(app, behind, root_path="/kg")) as c:
        response = await c.post("/v1/namespaces/ns1/search", json={"text": "x"})
    assert response.status_code == 299 and len(behind.reached) == 1


async def test_a_chunked_body_is_read_whole(app: FastAPI, memory: Memory, namespace: str) -> None:
    await add_people(memory, namespace)
    behind = Behind(app)
    payload = orjson.dumps({"text": "rocket engineer", "k": 2})

    async def chunks() -> AsyncIterator[bytes]:
        for i in range(0, len(payload), 5):
            yield payload[i : i + 5]

    async with client_for(fronted(app, behind)) as c:
        response = await c.post(
            f"/v1/namespaces/{namespace}/search",
            content=chunks(),
            headers={"content-type": "application/json"},
        )
    assert response.status_code == 200, response.text
    assert behind.reached == [] and len(response.json()["hits"]) == 2


async def test_search_admits_callers_as_every_route_does(keyed_app) -> None:  # noqa: F811
    app, memory = keyed_app
    body = {"text": "anything"}
    async with client_for(app, "10.0.0.7") as c:  # no keys yet: loopback only
        assert_problem(await c.post("/v1/namespaces/alpha/search", json=body), 403, "forbidden")
    async with client_for(app) as c:
        assert (await c.post("/v1/namespaces/alpha/search", json=body)).status_code == 200
    only_beta = await memory.create_key("beta reader", ["read"], namespaces=["beta"])
    async with client_for(app) as c:
        missing = await c.post("/v1/namespaces/alpha/search", json=body)
        assert_problem(missing, 401, "unauthenticated")
        assert missing.headers["www-authenticate"] == "Bearer"
        wrong = bearer("kgm_not_a_key")
        assert_problem(
            await c.post("/v1/namespaces/beta/search", json=body, headers=wrong),
            401,
            "unauthenticated",
        )
        allowed = bearer(only_beta.secret)
        assert_problem(
            await c.post("/v1/namespaces/alpha/search", json=body, headers=allowed),
            403,
            "forbidden",
        )
        ok = await c.post("/v1/namespaces/beta/search", json=body, headers=allowed)
        assert ok.status_code == 200 and ok.json()["hits"] == []
        by_header = {"X-API-Key": only_beta.secret}
        assert (
            await c.post("/v1/namespaces/beta/search", json=body, headers=by_header)
        ).status_code == 200


async def test_search_errors_are_the_routes_problems(app: FastAPI, namespace: str) -> None:
    async with client_for(app) as c:
        unknown = await c.post("/v1/namespaces/no_such_ns/search", json={"text": "x"})
        assert_problem(unknown, 404, "namespace_not_found")
        bad = {"place": {"near": {"lat": 0, "lon": 0}, "radius_km": -1}}
        assert_problem(
            await c.post(f"/v1/namespaces/{namespace}/search", json=bad), 422, "invalid_input"
        )
        as_json = {"content-type": "application/json"}
        not_json = await c.post(f"/v1/namespaces/{namespace}/search", content=b"{", headers=as_json)
        assert_problem(not_json, 422, "invalid_request")
        untyped = await c.post(f"/v1/namespaces/{namespace}/search", content=b"{")
        assert_problem(untyped, 415, "unsupported_media_type")
