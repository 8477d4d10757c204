"""API keys over HTTP: loopback-only without keys, scopes, namespace isolation."""

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from fastapi import FastAPI

from kgmem import EntityWrite, FactWrite, Memory
from kgmem.server.app import create_app
from tests.fixtures.app import client_for
from tests.fixtures.database import store_settings
from tests.server.test_entities_api import assert_problem


@pytest.fixture
async def keyed_app(
    fresh_database: Callable[[], Awaitable[str]], tmp_path: Path
) -> AsyncIterator[tuple[FastAPI, Memory]]:
    """An app over a store of its own, so its keys do not affect other tests."""
    memory = await Memory.open(store_settings(await fresh_database(), tmp_path))
    await memory.create_namespace("alpha")
    await memory.create_namespace("beta")
    yield create_app(memory=memory), memory
    await memory.close()


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


async def test_without_keys_only_loopback_is_served(keyed_app) -> None:
    app, _ = keyed_app
    for host in ("127.0.0.1", "::1", "127.8.9.10"):
        async with client_for(app, host) as c:
            assert (await c.get("/v1/namespaces")).status_code == 200
    for host in ("10.0.0.7", "192.168.1.20", "203.0.113.5", "::ffff:10.1.1.1"):
        async with client_for(app, host) as c:
            assert_problem(await c.get("/v1/namespaces"), 403, "forbidden")
            assert_problem(
                await c.put("/v1/namespaces/alpha/entities/x", json={}), 403, "forbidden"
            )
    async with client_for(app, "10.0.0.7") as c:
        assert (await c.get("/health")).status_code == 200


async def test_once_a_key_exists_every_request_needs_one(keyed_app) -> None:
    app, memory = keyed_app
    issued = await memory.create_key("reader", ["read"])
    async with client_for(app) as c:
        missing = await c.get("/v1/namespaces")
        assert_problem(missing, 401, "unauthenticated")
        assert missing.headers["www-authenticate"] == "Bearer"
        assert_problem(
            await c.get("/v1/namespaces", headers=bearer("kgm_bad")), 401, "unauthenticated"
        )
        assert (await c.get("/v1/namespaces", headers=bearer(issued.secret))).status_code == 200
        assert (
            await c.get("/v1/namespaces", headers={"X-API-Key": issued.secret})
        ).status_code == 200
    async with client_for(app, "10.0.0.7") as c:
        assert (await c.get("/v1/namespaces", headers=bearer(issued.secret))).status_code == 200


async def test_scopes_nest_read_write_admin(keyed_app) -> None:
    app, memory = keyed_app
    read = bearer((await memory.create_key("r", ["read"])).secret)
    write = bearer((await memory.create_key("w", ["write"])).secret)
    admin = bearer((await memory.create_key("a", ["admin"])).secret)
    url = "/v1/namespaces/alpha/entities/x"
    async with client_for(app) as c:
        assert_problem(await c.put(url, json={}, headers=read), 403, "forbidden")
        assert (await c.put(url, json={}, headers=write)).status_code == 201
        assert (await c.get(url, headers=read)).status_code == 200
        assert_problem(
            await c.post("/v1/namespaces", json={"name": "gamma"}, headers=write), 403, "forbidden"
        )
        assert (
            await c.post("/v1/namespaces", json={"name": "gamma"}, headers=admin)
        ).status_code == 201
        assert (await c.delete(url, headers=admin)).status_code == 204


async def test_key_for_namespace_a_never_touches_namespace_b(keyed_app) -> None:
    app, memory = keyed_app
    key = bearer((await memory.create_key("tenant-a", ["admin"], ["alpha"])).secret)
    await memory.upsert_entity("beta", EntityWrite("secret", properties={"name": "B only"}))
    await memory.upsert_entity("beta", EntityWrite("other"))
    fact = await memory.add_fact("beta", FactWrite("secret", "KNOWS", "other"))
    beta_calls = [
        ("GET", "/v1/namespaces/beta", None),
        ("GET", "/v1/namespaces/beta/stats", None),
        ("DELETE", "/v1/namespaces/beta", None),
        ("GET", "/v1/namespaces/beta/entities", None),
        ("GET", "/v1/namespaces/beta/entities/secret", None),
        ("PUT", "/v1/namespaces/beta/entities/secret", {"properties": {"name": "pwned"}}),
        ("DELETE", "/v1/namespaces/beta/entities/secret", None),
        ("GET", "/v1/namespaces/beta/facts", None),
        (
            "POST",
            "/v1/namespaces/beta/facts",
            {"subject": "secret", "predicate": "KNOWS", "object": "other"},
        ),
        ("GET", f"/v1/namespaces/beta/facts/{fact.uid}", None),
        ("POST", f"/v1/namespaces/beta/facts/{fact.uid}/close", None),
        ("DELETE", f"/v1/namespaces/beta/facts/{fact.uid}", None),
        ("POST", "/v1/namespaces/beta/batch", {"entities": [{"uid": "z"}]}),
    ]
    async with client_for(app) as c:
        for method, url, body in beta_calls:
            response = await c.request(method, url, json=body, headers=key)
            assert_problem(response, 403, "forbidden")
        listed = (await c.get("/v1/namespaces", headers=key)).json()
        assert [n["name"] for n in listed] == ["alpha"]
        assert_problem(
            await c.post("/v1/namespaces", json={"name": "delta"}, headers=key), 403, "forbidden"
        )
        assert (
            await c.put("/v1/namespaces/alpha/entities/mine", json={}, headers=key)
        ).status_code == 201
    detail = await memory.get_entity("beta", "secret")
    assert detail.entity.properties == {"name": "B only"}
    assert not (await memory.get_fact("beta", fact.uid)).is_closed


async def test_revoked_key_is_refused(keyed_app) -> None:
    app, memory = keyed_app
    issued = await memory.create_key("temp", ["read"])
    await memory.create_key("other", ["read"])
    await memory.revoke_key(issued.key.id)
    async with client_for(app) as c:
        assert_problem(
            await c.get("/v1/namespaces", headers=bearer(issued.secret)), 401, "unauthenticated"
        )
