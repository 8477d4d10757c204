"""Request bodies above the limit are refused before parsing, whether declared or streamed."""

from collections.abc import AsyncIterator

import httpx
import pytest

from kgmem import Memory
from kgmem.server.app import create_app
from tests.fixtures.app import client_for
from tests.server.test_entities_api import assert_problem


@pytest.fixture
async def small_client(memory: Memory) -> AsyncIterator[httpx.AsyncClient]:
    settings = memory.settings.model_copy(
        update={"server": memory.settings.server.model_copy(update={"max_body_bytes": 2048})}
    )
    async with client_for(create_app(settings, memory=memory)) as c:
        yield c


async def test_declared_large_body_is_refused(small_client, namespace: str) -> None:
    body = {"properties": {"s": "x" * 5000}}
    response = await small_client.put(f"/v1/namespaces/{namespace}/entities/big", json=body)
    assert_problem(response, 413, "payload_too_large")
    assert (await small_client.get(f"/v1/namespaces/{namespace}/entities")).json()["items"] == []


async def test_streamed_large_body_is_refused(small_client, namespace: str) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"properties": {"s": "'
        for _ in range(10):
            yield b"x" * 500
        yield b'"}}'

    response = await small_client.put(
        f"/v1/namespaces/{namespace}/entities/big",
        content=chunks(),
        headers={"content-type": "application/json"},
    )
    assert_problem(response, 413, "payload_too_large")


async def test_small_body_passes(small_client, namespace: str) -> None:
    response = await small_client.put(
        f"/v1/namespaces/{namespace}/entities/ok", json={"properties": {"s": "x" * 100}}
    )
    assert response.status_code == 201
