"""A JSON Lines dump carries each fact's earlier versions (``_kg_fact_revision``) and
since when its version is believed (``revised_at``): dump then import into a fresh
namespace answers every "as of" read (``known_at`` search, entity, timeline; ``as_of``
export) at every known time as the original does."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
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
from kgmem.model import SearchQuery, TimeQuery
from tests.graph.test_invariants import EXAMPLES, Runner, store  # noqa: F401

CITIES = ("berlin", "lisbon", "oslo")
Y = [datetime(2018 + i, 1, 1, tzinfo=UTC) for i in range(8)]


async def _entities(memory: Memory, ns: str) -> None:
    entities = [EntityWrite("dana", "Person", {"name": "Dana"})]
    entities += [EntityWrite(c, "Place", {"name": c.title()}) for c in CITIES]
    await memory.write_batch(ns, BatchWrite(entities=entities))


async def _facts(memory: Memory, ns: str) -> list[Any]:
    return [f for f in (await memory.timeline(ns, "dana")) if f.fact.predicate == "LIVES_IN"]


async def _apply(memory: Memory, ns: str, step: tuple[str, int, int]) -> None:
    """One change: ``say`` a city from a year (a new value closes the one in force),
    ``close`` the n-th fact at a year, ``revalue`` the n-th fact from a year."""
    what, n, year = step
    if what == "say":
        write = FactWrite("dana", "LIVES_IN", CITIES[n], valid_from=Y[year], source="census")
        await memory.add_fact(ns, write)
        return
    facts = await _facts(memory, ns)
    if not facts:
        return
    fact = facts[n % len(facts)].fact
    if what == "close":
        try:
            await memory.close_fact(ns, fact.uid, valid_to=Y[year])
        except KgmemError:  # already closed, or an end before its start: refused
            return
        return
    valid_from = Y[year] if fact.valid_to is None or Y[year] < fact.valid_to else None
    write = FactWrite(
        "dana", "LIVES_IN", fact.object, uid=fact.uid, valid_from=valid_from,
        valid_to=fact.valid_to, source="census",
    )  # fmt: skip
    try:
        await memory.add_fact(ns, write)
    except KgmemError:
        return


async def _history(memory: Memory, ns: str, steps: list[tuple[str, int, int]]) -> list[datetime]:
    """Apply ``steps``; the known times before, between and after them."""
    await _entities(memory, ns)
    await memory.upsert_entity(ns, EntityWrite("census", "Source", {"name": "Census"}))
    known = [datetime.now(UTC)]
    for step in steps:
        await _apply(memory, ns, step)
        known.append(datetime.now(UTC))
    return known


def _shape(fact: Any) -> tuple[Any, ...]:
    return (fact.uid, fact.object, fact.valid_from, fact.valid_to, fact.is_closed)


async def _as_of(memory: Memory, ns: str, at: datetime) -> dict[str, Any]:
    """Every "as of" read at known time ``at`` (after a verification run: an export
    carries the scores of the last, which an import leaves to the next)."""
    await memory.verify_namespace(ns)
    found = {}
    for valid_at in (None, Y[1], Y[4], Y[7]):
        query = SearchQuery(time=TimeQuery(valid_at=valid_at, known_at=at), types=("facts",), k=50)
        hits = (await memory.search(ns, query)).hits
        found[f"search {valid_at}"] = sorted(_shape(h.fact) for h in hits if h.fact is not None)
    timeline = await memory.timeline(ns, "dana", known_at=at)
    found["timeline"] = [_shape(e.fact) for e in timeline]
    for closed in (False, True):
        detail = await memory.get_entity(ns, "dana", known_at=at, include_closed=closed)
        found[f"entity {closed}"] = sorted(_shape(f) for f in detail.outgoing)
    dumped = b"".join([c async for c in memory.export(ns, ExportOptions("jsonl", as_of=at))])
    lines = [json.loads(x) for x in dumped.decode().splitlines()]
    found["export"] = [x for x in lines if x.get("kind") == "edge"]
    return found


async def _revisions(conn: asyncpg.Connection, ns: str) -> list[tuple[Any, ...]]:
    rows = await conn.fetch(
        f"SELECT f.uid, r.valid_from, r.valid_to, r.expired_at, r.known_from, r.known_to "
        f'FROM "{ns}"._kg_fact_revision r JOIN "{ns}"._kg_fact f ON f.id = r.fact_id '
        "ORDER BY 1, 5, 6"
    )
    return [tuple(r) for r in rows]


async def _dump_and_load(memory: Memory, ns: str, tmp: Path) -> str:
    path = tmp / f"{ns}.jsonl"
    path.write_bytes(b"".join([c async for c in memory.export(ns, ExportOptions("jsonl"))]))
    target = f"t_{uuid.uuid4().hex[:12]}"
    await memory.create_namespace(target)
    report = await memory.import_file(target, path, ImportOptions(report_dir=tmp))
    assert report.records_rejected == 0
    return target


STEPS = [
    ("say", 0, 1),  # Berlin from 2019
    ("say", 1, 3),  # Lisbon from 2021 closes Berlin
    ("close", 1, 5),  # Lisbon closed at 2023 by hand
    ("revalue", 0, 0),  # Berlin re-valued: from 2018
    ("say", 2, 6),  # Oslo from 2024
]


async def test_as_of_reads_answer_the_same_after_dump_and_import(
    memory: Memory, namespace: str, tmp_path: Path, raw_conn: asyncpg.Connection
) -> None:
    known = await _history(memory, namespace, STEPS)
    kept = await _revisions(raw_conn, namespace)
    assert len(kept) >= 3  # the supersession, the hand close and the re-valuing each kept one
    before = [await _as_of(memory, namespace, at) for at in known]
    assert len({json.dumps(b, default=str, sort_keys=True) for b in before}) == len(known)
    target = await _dump_and_load(memory, namespace, tmp_path)
    try:
        assert await _revisions(raw_conn, target) == kept
        for at, then in zip(known, before, strict=True):
            assert await _as_of(memory, target, at) == then, at
        # The same dump imported again adds no revision.
        await memory.import_file(
            target, tmp_path / f"{namespace}.jsonl", ImportOptions(report_dir=tmp_path)
        )
        assert await _revisions(raw_conn, target) == kept
    finally:
        await memory.delete_namespace(target)


async def test_a_dump_names_its_version_and_a_newer_one_is_refused(
    memory: Memory, namespace: str, tmp_path: Path
) -> None:
    await _history(memory, namespace, STEPS[:2])
    dumped = b"".join([c async for c in memory.export(namespace, ExportOptions("jsonl"))])
    lines = [json.loads(x) for x in dumped.decode().splitlines()]
    assert lines[0] == {"kind": "dump", "version": 2}
    [revision] = [x for x in lines if x["kind"] == "revision"]
    assert set(revision) == {
        "kind", "fact", "valid_from", "valid_to", "expired_at", "known_from", "known_to",
    }  # fmt: skip
    newer = tmp_path / "newer.jsonl"
    newer.write_text(json.dumps({"kind": "dump", "version": 3}) + "\n")
    options = ImportOptions(report_dir=tmp_path, on_error="skip")
    report = await memory.import_file(namespace, newer, options)
    assert report.records_rejected == 1


async def test_a_version_one_dump_without_revisions_still_imports(
    memory: Memory, namespace: str, tmp_path: Path, raw_conn: asyncpg.Connection
) -> None:
    """A dump written before revisions were dumped (no version line, no ``revised_at``,
    no revision lines) imports as before: the facts as they are now, no revision."""
    await _history(memory, namespace, STEPS[:3])
    dumped = b"".join([c async for c in memory.export(namespace, ExportOptions("jsonl"))])
    old = []
    for line in dumped.decode().splitlines():
        item = json.loads(line)
        if item["kind"] in ("vertex", "edge"):
            item.pop("revised_at", None)
            old.append(json.dumps(item))
    path = tmp_path / "v1.jsonl"
    path.write_text("\n".join(old) + "\n")
    target = f"t_{uuid.uuid4().hex[:12]}"
    await memory.create_namespace(target)
    try:
        report = await memory.import_file(target, path, ImportOptions(report_dir=tmp_path))
        assert report.records_rejected == 0
        assert await _revisions(raw_conn, target) == []
        now = [_shape(e.fact) for e in await memory.timeline(target, "dana")]
        assert now == [_shape(e.fact) for e in await memory.timeline(namespace, "dana")]
    finally:
        await memory.delete_namespace(target)


async def test_a_revision_of_a_missing_fact_or_malformed_is_rejected(
    memory: Memory, namespace: str, tmp_path: Path, raw_conn: asyncpg.Connection
) -> None:
    t0 = datetime(2024, 1, 1, tzinfo=UTC)
    rows = [
        {"kind": "revision", "fact": "nope", "known_from": t0.isoformat(),
         "known_to": (t0 + timedelta(days=1)).isoformat()},
        {"kind": "revision", "fact": "nope", "known_from": t0.isoformat()},
        {"kind": "revision", "fact": "nope", "known_from": (t0 + timedelta(days=1)).isoformat(),
         "known_to": t0.isoformat()},
        {"kind": "revision", "known_from": t0.isoformat(), "known_to": t0.isoformat()},
    ]  # fmt: skip
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    options = ImportOptions(report_dir=tmp_path, on_error="skip")
    report = await memory.import_file(namespace, path, options)
    assert report.records_rejected == 4
    assert await _revisions(raw_conn, namespace) == []


steps = st.lists(
    st.tuples(
        st.sampled_from(("say", "close", "revalue")),
        st.integers(0, len(CITIES) - 1),
        st.integers(0, len(Y) - 1),
    ),
    max_size=7,
)


@pytest.mark.slow
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(said=steps)
def test_random_revisions_survive_dump_and_import(
    store: tuple[Runner, Memory],  # noqa: F811
    tmp_path: Path,
    said: list[tuple[str, int, int]],
) -> None:
    runner, memory = store

    async def run() -> None:
        ns = f"p_{uuid.uuid4().hex[:12]}"
        await memory.create_namespace(ns)
        target = None
        try:
            known = await _history(memory, ns, said)
            before = [await _as_of(memory, ns, at) for at in known]
            target = await _dump_and_load(memory, ns, tmp_path)
            for at, then in zip(known, before, strict=True):
                assert await _as_of(memory, target, at) == then, at
        finally:
            for n in (ns, target):
                if n is not None:
                    await memory.delete_namespace(n)

    try:
        runner.run(run())
    except (AssertionError, KgmemError) as exc:
        raise AssertionError(f"after {said!r}: {exc}") from None
