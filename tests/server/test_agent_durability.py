"""Agents' state and budget spends survive SIGKILL of the server.

Agents save state versions (each conditional on the one before) and spend from a
budget with idempotency keys against a real `kgmem serve`; each 2xx is an
acknowledgement. The server is killed with SIGKILL mid-load. A new server on the same
home must hold every acknowledged version as it was sent, and retrying every spend
(acknowledged or not) with its key must leave each spent exactly once.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path

import httpx
import pytest

from tests.cli.test_serve import Server, free_port

pytestmark = pytest.mark.slow

AGENTS = 3
ENV = {"KGMEM_EMBEDDING_PROVIDER": "none", "KGMEM_EMBEDDING_DIMENSION": "4"}
NS = "/v1/namespaces/agents_dur"
ENOUGH = 5  # saved versions per agent, and spends sent; fewer prove nothing
LOAD_S = 3  # the writers run at least this long before the kill
LOAD_DEADLINE_S = 120  # and at most this long, to reach ENOUGH on a loaded machine


async def save_until_refused(url: str, agent: str, acked: dict[int, dict], stop: float) -> None:
    """Save versions 1, 2, ... of ``agent``'s state until the server stops answering."""
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        version = 0
        while time.monotonic() < stop:
            state = {"agent": agent, "step": version + 1, "pad": "x" * 200}
            try:
                response = await client.put(
                    f"{NS}/agents/{agent}/state", json={"state": state, "expected_version": version}
                )
            except httpx.HTTPError:
                return
            assert response.status_code == 200, response.text
            version = response.json()["version"]
            acked[version] = state


async def spend_until_refused(url: str, agent: str, sent: list[str], stop: float) -> None:
    """Spend 1 per request, each with a fresh idempotency key noted before it is sent."""
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        while time.monotonic() < stop:
            key = f"{agent}-{len(sent)}"
            sent.append(key)
            body = {"kind": "spend", "amount": 1, "agent": agent, "idempotency_key": key}
            try:
                response = await client.post(f"{NS}/budgets/b/transactions", json=body)
            except httpx.HTTPError:
                return
            assert response.status_code == 201, response.text


async def mid_load(
    acked: dict[str, dict[int, dict]], sent: list[str], tasks: list[asyncio.Task[None]]
) -> None:
    """Return once the writers ran ``LOAD_S`` and each agent saved, and the spender sent,
    more than ``ENOUGH``; or when every writer ended, or after ``LOAD_DEADLINE_S``."""
    started = time.monotonic()
    while time.monotonic() - started < LOAD_DEADLINE_S and not all(t.done() for t in tasks):
        counts = [len(versions) for versions in acked.values()] + [len(sent)]
        if time.monotonic() - started >= LOAD_S and min(counts) > ENOUGH:
            return
        await asyncio.sleep(0.1)


async def load_then_kill(home: Path) -> tuple[dict[str, dict[int, dict]], list[str]]:
    server = Server(home, free_port(), **ENV)
    await asyncio.to_thread(server.wait_healthy)
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as client:
        assert (await client.post("/v1/namespaces", json={"name": "agents_dur"})).status_code == 201
        assert (await client.post(f"{NS}/budgets", json={"name": "b"})).status_code == 201
    acked: dict[str, dict[int, dict]] = {f"a{i}": {} for i in range(AGENTS)}
    sent: list[str] = []
    stop = time.monotonic() + LOAD_DEADLINE_S
    tasks = [
        asyncio.create_task(save_until_refused(server.url, name, versions, stop))
        for name, versions in acked.items()
    ]
    tasks.append(asyncio.create_task(spend_until_refused(server.url, "spender", sent, stop)))
    await mid_load(acked, sent, tasks)
    os.kill(server.proc.pid, signal.SIGKILL)
    await asyncio.gather(*tasks)
    server.stop()
    return acked, sent


async def check_after_restart(
    home: Path, acked: dict[str, dict[int, dict]], sent: list[str]
) -> None:
    server = Server(home, free_port(), **ENV)
    try:
        await asyncio.to_thread(server.wait_healthy)
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
            for agent, versions in acked.items():
                history = await client.get(
                    f"{NS}/agents/{agent}/state/history", params={"limit": 1000}
                )
                stored = {h["version"]: h["state"] for h in history.json()}
                assert {v: stored.get(v) for v in versions} == versions
            for key in sent:
                body = {"kind": "spend", "amount": 1, "agent": "spender", "idempotency_key": key}
                retried = await client.post(f"{NS}/budgets/b/transactions", json=body)
                assert retried.status_code in (200, 201), retried.text
            budget = (await client.get(f"{NS}/budgets/b")).json()
            assert budget["spent"] == len(sent)
    finally:
        server.stop()


async def test_acknowledged_state_and_spends_survive_a_kill(home_dir: Path) -> None:
    async with asyncio.timeout(900):  # two server starts and the load, on a loaded machine
        acked, sent = await load_then_kill(home_dir)
        assert all(len(v) > ENOUGH for v in acked.values()), "too little load to prove anything"
        assert len(sent) > ENOUGH
        await check_after_restart(home_dir, acked, sent)
