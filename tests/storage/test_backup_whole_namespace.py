"""A namespace using every feature comes back whole from its backup, in a fresh store
and under another name: the same reads, exports byte for byte, the same checksum, and
new writes to every table with an identity succeed. A restore failing midway changes
nothing."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import neo4j
import psycopg
import pytest

from kgmem import EntityWrite, FactWrite, Memory
from kgmem.bolt import BoltServer
from kgmem.decisions import Decisions
from kgmem.errors import StorageError
from kgmem.ingest.types import EpisodeWrite
from kgmem.io.exporter import ExportOptions
from kgmem.model.agent_model import BudgetWrite, DecisionWrite, TransactionWrite
from kgmem.server.app import create_app
from kgmem.settings.config import BoltSettings
from kgmem.storage.backups import backup, checksum
from tests.fixtures.app import serving
from tests.mcp.test_mcp_http import mcp_client, payload
from tests.storage.test_backup import NewDatabase, answers, fill, opened, rewrite_json

NT = b"""<http://e.org/ada> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://e.org/Poet> .
<http://e.org/ada> <http://e.org/wrote> <http://e.org/ode> .
<http://e.org/ode> <http://e.org/title> "Ode \\u00e0 la nuit" .
"""
EXACT = {"sum": 0.1 + 0.2, "tiny": 1e-300, "big": 2**53 + 1, "nested": {"ünï": ["✓", {"k": None}]}}
OFFSET_TIME = "2024-03-01T10:11:12.123456+05:30"


async def use_everything(memory: Memory, ns: str, tmp_path: Path) -> None:
    """Entities, facts (one closed, one with a time at an offset), episodes, claims,
    trust, budgets and spends, agent state and scratch, tiers, decisions, a merge, an
    RDF import, a node with several labels and (through every write) events."""
    await fill(memory, ns)
    met = FactWrite("globex", "MET", "bob", valid_from=datetime.fromisoformat(OFFSET_TIME))
    await memory.add_fact(ns, met)
    closing = await memory.add_fact(ns, FactWrite("alice", "LIKES", "bob", source="gossip"))
    await memory.close_fact(ns, closing.uid, valid_to=datetime(2024, 5, 1, tzinfo=UTC))
    await memory.add_episodes(ns, [EpisodeWrite(text="An old memo.", uid="ep-2")])
    await memory.verify_namespace(ns)
    await memory.budgets.create(ns, BudgetWrite("tokens", limit=100))
    for amount in (0.1, 0.2):
        await memory.budgets.post(
            ns, "tokens", TransactionWrite("spend", amount, agent="bot", metadata=EXACT)
        )
    await memory.agent_states.put(ns, "bot", EXACT)
    await memory.agent_states.put(ns, "bot", {**EXACT, "step": 2})
    await memory.agent_states.set_scratch(ns, "bot", "note", {"when": OFFSET_TIME})
    await memory.tiers.set_policy(ns, {"promote_min_facts": 1, "track_recalls": False})
    await memory.tiers.apply(ns)
    await memory.tiers.archive(ns, ["ep-2"])
    await Decisions(memory).record(
        ns, DecisionWrite("bot", "hire carol", options=[EXACT], facts=[closing.uid])
    )
    await memory.upsert_entity(ns, EntityWrite("al", "Person", {"name": "Al"}))
    await memory.merge_entities(ns, "alice", "al")
    rdf = tmp_path / "poets.nt"
    rdf.write_bytes(NT)
    await memory.import_file(ns, rdf)
    await memory.cypher(ns, "CREATE (:Poet:Peer {name: 'Byron'})", mode="write")


CYPHER = (
    "MATCH (a)-[r]->(b) RETURN a.uid AS a, type(r) AS t, r.valid_from AS f, "
    "r.valid_to AS v, b.uid AS b ORDER BY a, t, b, f"
)


SEVERAL_LABELS = "MATCH (n:Peer:Poet) RETURN n.name AS name, labels(n) AS labels"


def _untimed(value: Any) -> Any:
    """An answer without what varies run to run (timings)."""
    if isinstance(value, dict):
        return {k: _untimed(v) for k, v in value.items() if k not in ("timings", "took_ms")}
    if isinstance(value, list):
        return [_untimed(v) for v in value]
    return value


async def door_reads(memory: Memory, ns: str) -> dict[str, Any]:
    """What REST, MCP and Bolt answer about the namespace, served from ``memory``."""
    bolt = BoltServer(memory, BoltSettings(port=0))
    await bolt.start()
    try:
        async with serving(create_app(memory=memory)) as url, httpx.AsyncClient() as http:
            base = f"{url}/v1/namespaces/{ns}"
            rest = {
                "entity": (await http.get(f"{base}/entities/bob?include_closed=true")).json(),
                "cypher": (await http.post(f"{base}/cypher", json={"query": CYPHER})).json(),
                "facts": (await http.get(f"{base}/facts?include_closed=true")).json(),
            }
            async with mcp_client(url) as mcp:
                entity = await mcp.call_tool(
                    "get_entity", {"namespace": ns, "uid": "bob", "include_closed": True}
                )
                rows = await mcp.call_tool("cypher_read", {"namespace": ns, "query": CYPHER})
            via_mcp = {"entity": payload(entity), "cypher": payload(rows)}
        driver = neo4j.AsyncGraphDatabase.driver(f"bolt://127.0.0.1:{bolt.port}", auth=None)
        async with driver, driver.session(database=ns) as session:
            via_bolt = [r.values() async for r in await session.run(CYPHER)]
    finally:
        await bolt.stop()
    return _untimed({"rest": rest, "mcp": via_mcp, "bolt": [str(v) for v in via_bolt]})


async def reads(memory: Memory, ns: str) -> dict[str, Any]:
    """What a user reads back, exports as bytes."""
    exports = {
        fmt: b"".join([c async for c in memory.export(ns, ExportOptions(fmt))])
        for fmt in ("jsonl", "ntriples", "graphml")
    }
    return {
        **await answers(memory, ns),
        "exports": exports,
        "entity": await memory.get_entity(ns, "alice", include_closed=True),
        "timeline": await memory.timeline(ns, "bob"),
        "facts": await memory.list_facts(ns),
        "budget": await memory.budgets.get(ns, "tokens"),
        "ledger": await memory.budgets.transactions(ns, "tokens"),
        "state": await memory.agent_states.history(ns, "bot"),
        "scratch": await memory.agent_states.scratch(ns, "bot", "note"),
        "tiers": (await memory.tiers.policy(ns), await memory.tiers.states(ns)),
        "decisions": await Decisions(memory).search(ns, _all_decisions()),
        "merges": await memory.merge_history(ns),
        "several labels": (await memory.cypher(ns, SEVERAL_LABELS)).rows,
    }


def _all_decisions() -> Any:
    from kgmem.model.agent_model import DecisionQuery

    return DecisionQuery()


async def write_again(memory: Memory, ns: str) -> None:
    """A write to every table a sequence fills, and an event."""
    spend = await memory.budgets.post(ns, "tokens", TransactionWrite("spend", 1, agent="bot"))
    ledger = await memory.budgets.transactions(ns, "tokens")
    assert spend.id > max(t.id for t in ledger if t.id != spend.id)
    await memory.add_fact(ns, FactWrite("bob", "KNOWS", "globex", source="staff-list"))
    await Decisions(memory).record(ns, DecisionWrite("bot", "again"))
    await memory.agent_states.put(ns, "bot", {"step": 3})
    await memory.upsert_entity(ns, EntityWrite("bo", "Person", {"name": "Bo"}))
    await memory.merge_entities(ns, "bob", "bo")


def _events(url: str, ns: str) -> list[tuple[int, Any]]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT seq, body->'namespace' FROM kgmem.event WHERE namespace = %s ORDER BY seq",
            (ns,),
        )
        return list(rows)


async def test_a_namespace_using_every_feature_comes_back_whole(
    fresh_database: NewDatabase, tmp_path: Path
) -> None:
    source = await fresh_database()
    memory = await opened(source, tmp_path)
    try:
        await use_everything(memory, "full", tmp_path)
        before = await reads(memory, "full")
        doors = await door_reads(memory, "full")
    finally:
        await memory.close()
    assert before["ledger"] and before["state"] and before["decisions"] and before["merges"]
    assert before["several labels"] == [["Byron", ["Peer", "Poet"]]]
    digest = checksum.summary(source, "full")["digest"]
    events = _events(source, "full")
    path = tmp_path / "full.kgb"
    await asyncio.to_thread(backup.backup, source, path, namespace="full")

    target = await fresh_database()
    await asyncio.to_thread(backup.restore, target, path)
    await asyncio.to_thread(backup.restore, target, path, into="copy")  # beside: a detour
    assert checksum.summary(target, "full")["digest"] == digest
    assert checksum.summary(target, "copy")["digest"] == digest
    assert _events(target, "full") == events
    assert _events(target, "copy") == [(seq, "copy") for seq, _ in events]
    restored = await opened(target, tmp_path)
    try:
        assert await reads(restored, "full") == before
        assert await door_reads(restored, "full") == doors
        assert doors["bolt"] and doors["rest"]["cypher"]["rows"] == doors["mcp"]["cypher"]["rows"]
        copy = await reads(restored, "copy")
        assert copy["exports"] == before["exports"]
        assert copy["several labels"] == before["several labels"]
        # Store-wide ids the original holds were moved past it, in the same order.
        assert [replace(t, id=0) for t in copy["ledger"]] == [
            replace(t, id=0) for t in before["ledger"]
        ]
        assert [t.id for t in copy["ledger"]] > [t.id for t in before["ledger"]]
        assert copy["state"][0].state == {**EXACT, "step": 2}
        for ns in ("full", "copy"):
            await write_again(restored, ns)
    finally:
        await restored.close()
    assert _events(target, "copy")[-1][0] > events[-1][0]
    await asyncio.to_thread(backup.restore, target, path, replace=True)  # over the ledger
    assert checksum.summary(target, "full")["digest"] == digest


def _corrupted(path: Path, out: Path) -> None:
    """``path`` with one ledger leg pointing at no transaction: the restore fails at
    its last tables, after the graph and most rows went in."""
    leg = '{"transaction_id": 999999, "account": "x", "amount": 1}'

    def corrupt(rows: Any) -> Any:
        rows["parts"]["ledger_entry"].append(leg)
        return rows

    rewrite_json(path, out, "rows.json", corrupt)


async def test_a_restore_failing_midway_leaves_the_store_as_it_was(
    fresh_database: NewDatabase, tmp_path: Path
) -> None:
    url = await fresh_database()
    memory = await opened(url, tmp_path)
    try:
        await fill(memory, "people")
        await memory.budgets.create(memory_ns := "people", BudgetWrite("tokens", limit=5))
        await memory.budgets.post(memory_ns, "tokens", TransactionWrite("spend", 1, agent="a"))
    finally:
        await memory.close()
    await asyncio.to_thread(backup.backup, url, tmp_path / "ok.kgb", namespace="people")
    _corrupted(tmp_path / "ok.kgb", tmp_path / "bad.kgb")
    before = checksum.summary(url)

    for into, dropping in (("other", False), (None, True)):
        with pytest.raises(StorageError, match="nothing was changed"):
            await asyncio.to_thread(
                backup.restore, url, tmp_path / "bad.kgb", into=into, replace=dropping
            )
        assert checksum.summary(url) == before
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT 1 FROM kgmem.namespace WHERE name = 'other'").fetchone() is None
        assert conn.execute("SELECT to_regnamespace('other')").fetchone() == (None,)
