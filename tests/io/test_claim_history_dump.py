"""A JSON Lines dump of a namespace carries its facts' times, claims and withdrawn claims:
dump then import into a fresh namespace gives the same facts in force, the same claims,
the same consensus and the same claim history."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kgmem import BatchWrite, EntityWrite, FactWrite, Memory
from kgmem.errors import KgmemError
from kgmem.io.exporter import ExportOptions
from kgmem.io.loader import ImportOptions
from tests.graph.test_invariants import EXAMPLES, Runner, store  # noqa: F401

CITIES = ("berlin", "lisbon", "oslo")
SOURCES = ("census", "atlas", "registry")


async def _said(memory: Memory, ns: str, moves: list[tuple[str, str]]) -> None:
    entities = [EntityWrite("dana", "Person", {"name": "Dana"})]
    entities += [EntityWrite(c, "Place", {"name": c.title()}) for c in CITIES]
    await memory.write_batch(ns, BatchWrite(entities=entities))
    for source, city in moves:
        await memory.add_fact(ns, FactWrite("dana", "LIVES_IN", city, source=source))


async def _state(memory: Memory, ns: str) -> dict[str, Any]:
    """Facts with their times, claims, claim history and the consensus of a full run."""
    await memory.verify_namespace(ns)
    async with memory.database.acquire() as conn:
        facts = await conn.fetch(
            f"SELECT f.uid, o.uid AS object, f.valid_from, f.valid_to, f.recorded_at, "
            f'f.expired_at FROM "{ns}"._kg_fact f JOIN "{ns}"._kg_vertex o '
            "ON o.id = f.object_id ORDER BY f.uid"
        )
        rows = [
            {
                tuple(r)
                for r in await conn.fetch(
                    f"SELECT f.uid, x.uid, c.confidence, c.observed_at{extra} "
                    f'FROM "{ns}".{claim_table} c JOIN "{ns}"._kg_fact f ON f.id = c.fact_id '
                    f'JOIN "{ns}"._kg_vertex x ON x.id = c.source_id'
                )
            }
            for claim_table, extra in (("_kg_claim", ""), ("_kg_claim_history", ", c.withdrawn_at"))
        ]
    claims, history = rows
    views = {}
    for r in facts:
        v = await memory.fact_verification(ns, r["uid"])
        views[r["uid"]] = (v.chosen, round(v.trust or 0.0, 9), v.status, v.withdrawn)
    return {
        "facts": [tuple(r) for r in facts],
        "claims": claims,
        "history": history,
        "consensus": views,
    }


async def _dump_and_load(memory: Memory, ns: str, tmp: Path) -> str:
    path = tmp / f"{ns}.jsonl"
    path.write_bytes(b"".join([c async for c in memory.export(ns, ExportOptions("jsonl"))]))
    target = f"t_{uuid.uuid4().hex[:12]}"
    await memory.create_namespace(target)
    report = await memory.import_file(target, path, ImportOptions(report_dir=tmp))
    assert report.records_rejected == 0
    return target


async def test_dump_then_import_keeps_claims_and_history(
    memory: Memory, namespace: str, tmp_path: Path
) -> None:
    moves = [("census", "berlin"), ("atlas", "berlin"), ("census", "lisbon"), ("census", "berlin")]
    await _said(memory, namespace, moves)
    before = await _state(memory, namespace)
    assert len(before["history"]) == 1 and any(f[5] is not None for f in before["facts"])
    target = await _dump_and_load(memory, namespace, tmp_path)
    try:
        assert await _state(memory, target) == before
        # The same dump imported again over it changes nothing: no second history row.
        options = ImportOptions(report_dir=tmp_path)
        await memory.import_file(target, tmp_path / f"{namespace}.jsonl", options)
        assert await _state(memory, target) == before
    finally:
        await memory.delete_namespace(target)


async def test_claims_of_writes_without_a_source_survive_dump_and_import(
    memory: Memory, namespace: str, tmp_path: Path
) -> None:
    """Every write is a claim, one naming no source nor episode too; the dump writes it
    with null uids and the import restores it (it used to be refused as malformed)."""
    entities = [EntityWrite("dana", "Person", {"name": "Dana"})]
    entities += [EntityWrite(c, "Place", {"name": c.title()}) for c in CITIES]
    await memory.write_batch(namespace, BatchWrite(entities=entities))
    await memory.add_fact(namespace, FactWrite("dana", "LIVES_IN", "berlin", confidence=0.75))
    await memory.add_fact(namespace, FactWrite("dana", "VISITED", "oslo", source="census"))
    async with memory.database.acquire() as conn:
        sql = (
            "SELECT f.uid, c.source_id IS NULL, c.episode_id IS NULL, c.confidence, "
            'c.observed_at FROM "{ns}"._kg_claim c JOIN "{ns}"._kg_fact f ON f.id = c.fact_id '
            "ORDER BY 1, 2"
        )
        before = [tuple(r) for r in await conn.fetch(sql.format(ns=namespace))]
        assert (True, True, 0.75) in {r[1:4] for r in before}
        target = await _dump_and_load(memory, namespace, tmp_path)
        try:
            assert [tuple(r) for r in await conn.fetch(sql.format(ns=target))] == before
        finally:
            await memory.delete_namespace(target)


async def test_a_malformed_history_record_is_rejected_with_its_line(
    memory: Memory, namespace: str, tmp_path: Path, raw_conn: asyncpg.Connection
) -> None:
    await _said(memory, namespace, [])
    rows = [
        {"kind": "vertex", "uid": "census", "label": "Source", "properties": {}},
        {
            "kind": "edge",
            "label": "LIVES_IN",
            "start": "dana",
            "end": "oslo",
            "withdrawn": [{"source": "census", "observed_at": "2024-01-01T00:00:00+00:00"}],
        },
        {
            "kind": "edge",
            "label": "LIVES_IN",
            "start": "dana",
            "end": "berlin",
            "valid_from": "not a time",
        },
    ]
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    options = ImportOptions(report_dir=tmp_path, on_error="skip")
    report = await memory.import_file(namespace, path, options)
    assert report.records_rejected == 2
    assert await raw_conn.fetchval(f'SELECT count(*) FROM "{namespace}"._kg_fact') == 0


moves = st.lists(st.tuples(st.sampled_from(SOURCES), st.sampled_from(CITIES)), max_size=8)


@pytest.mark.slow
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(said=moves)
def test_random_value_changes_survive_dump_and_import(
    store: tuple[Runner, Memory],  # noqa: F811
    tmp_path: Path,
    said: list[tuple[str, str]],
) -> None:
    runner, memory = store

    async def run() -> None:
        ns = f"p_{uuid.uuid4().hex[:12]}"
        await memory.create_namespace(ns)
        target = None
        try:
            await _said(memory, ns, said)
            before = await _state(memory, ns)
            target = await _dump_and_load(memory, ns, tmp_path)
            after = await _state(memory, target)
            assert after["consensus"] == before["consensus"]
            assert after["history"] == before["history"]
            assert after == before
        finally:
            for n in (ns, target):
                if n is not None:
                    await memory.delete_namespace(n)

    try:
        runner.run(run())
    except (AssertionError, KgmemError) as exc:
        raise AssertionError(f"after {said!r}: {exc}") from None
