"""Claim history as users read it: a fact's verification names the claims sources have
withdrawn from its value (source, value, when said, when withdrawn), in process, over
REST, through the client and through MCP; a source that comes back to its old value
counts again, and its past withdrawal stays on record."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import asyncpg
import httpx

from kgmem import BatchWrite, EntityWrite, FactWrite, Memory
from kgmem.client import AsyncClient
from kgmem.model import FactVerification
from kgmem.model.shown import shown as shown_number
from tests.mcp.test_mcp_http import mcp_client, payload


async def _dana(memory: Memory, namespace: str) -> dict[str, str]:
    """Dana in Berlin by census and atlas, then census says Lisbon; fact uid by city."""
    await memory.write_batch(
        namespace,
        BatchWrite(
            entities=[
                EntityWrite("dana", "Person", {"name": "Dana"}),
                EntityWrite("berlin", "Place", {"name": "Berlin"}),
                EntityWrite("lisbon", "Place", {"name": "Lisbon"}),
            ]
        ),
    )
    uids = {}
    for source in ("census", "atlas"):
        f = await memory.add_fact(namespace, FactWrite("dana", "LIVES_IN", "berlin", source=source))
        uids["berlin"] = f.uid
    f = await memory.add_fact(namespace, FactWrite("dana", "LIVES_IN", "lisbon", source="census"))
    uids["lisbon"] = f.uid
    return uids


def _withdrawn(v: FactVerification) -> list[tuple[str, str]]:
    return [(w.source, w.fact) for w in v.withdrawn]


async def test_a_withdrawn_claim_shows_in_the_fact_verification(
    memory: Memory, namespace: str, raw_conn: asyncpg.Connection
) -> None:
    start = await raw_conn.fetchval("SELECT clock_timestamp()")
    uids = await _dana(memory, namespace)
    berlin = await memory.fact_verification(namespace, uids["berlin"])
    assert [c.source for c in berlin.sources_for] == ["atlas"]
    [gone] = berlin.withdrawn
    assert (gone.source, gone.value, gone.fact) == ("census", berlin.value, uids["berlin"])
    assert start <= gone.observed_at <= gone.withdrawn_at
    lisbon = await memory.fact_verification(namespace, uids["lisbon"])
    assert [c.source for c in lisbon.sources_for] == ["census"]
    assert lisbon.withdrawn == ()
    # History is not counted: the withdrawn claim backs nothing and contradicts nothing.
    assert berlin.basis.sources == 1 and berlin.basis.claims == 1
    assert [c.source for c in lisbon.sources_against] == ["atlas"]


async def test_a_source_that_returns_counts_again_and_its_withdrawal_stays(
    memory: Memory, namespace: str
) -> None:
    uids = await _dana(memory, namespace)
    before = await memory.fact_verification(namespace, uids["berlin"])
    await memory.add_fact(namespace, FactWrite("dana", "LIVES_IN", "berlin", source="census"))
    berlin = await memory.fact_verification(namespace, uids["berlin"])
    assert sorted(c.source for c in berlin.sources_for) == ["atlas", "census"]
    # The past withdrawal is a fact about the past: it is kept as it was.
    assert berlin.withdrawn == before.withdrawn
    back = next(c for c in berlin.sources_for if c.source == "census")
    assert back.observed_at > berlin.withdrawn[0].withdrawn_at
    # Lisbon had no other source: it is closed (closing is its record), not withdrawn.
    assert (await memory.get_fact(namespace, uids["lisbon"])).is_closed
    # A second move away adds a second row; the first stays.
    await memory.add_fact(namespace, FactWrite("dana", "LIVES_IN", "lisbon", source="census"))
    again = await memory.fact_verification(namespace, uids["berlin"])
    assert _withdrawn(again) == [("census", uids["berlin"])] * 2
    assert again.withdrawn[0] == before.withdrawn[0]
    assert not any((await memory.check_namespace(namespace)).values())


async def test_withdrawn_claims_over_rest_the_client_and_mcp(
    memory: Memory, namespace: str, live_url: str
) -> None:
    uids = await _dana(memory, namespace)
    expected = await memory.fact_verification(namespace, uids["berlin"])
    async with httpx.AsyncClient(base_url=live_url, timeout=30) as http:
        r = await http.get(f"/v1/namespaces/{namespace}/facts/{uids['berlin']}/verification")
    assert r.status_code == 200, r.text
    [row] = r.json()["withdrawn"]
    assert row["source"] == "census" and row["fact"] == uids["berlin"]
    assert datetime.fromisoformat(row["withdrawn_at"]) == expected.withdrawn[0].withdrawn_at
    async with AsyncClient(live_url) as client:
        shown = replace(expected, trust=shown_number(expected.trust))  # as the doors show it
        assert await client.fact_verification(namespace, uids["berlin"]) == shown
    async with mcp_client(live_url) as mcp:
        check = payload(
            await mcp.call_tool(
                "verify_claim",
                {
                    "namespace": namespace,
                    "subject": "dana",
                    "predicate": "LIVES_IN",
                    "value": "berlin",
                },
            )
        )
    [match] = check["matches"]
    assert [w["source"] for w in match["withdrawn"]] == ["census"]
    assert [w["source"] for w in check["contradictions"][0]["withdrawn"]] == []
