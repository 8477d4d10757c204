"""Value kinds read from the claims, through the store: an author list nobody declared
compares as names on every path (full run, incremental update, reads, REST), says
what it was read as and why, and a declaration overrides the reading."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest

from kgmem import BatchWrite, EntityWrite, FactWrite, Memory, Settings
from kgmem.server.app import create_app
from kgmem.storage.graph import namespaces
from kgmem.storage.sql import table
from kgmem.storage.truth import claims as claims_store
from kgmem.verification import runs
from tests.fixtures.app import client_for
from tests.fixtures.database import store_settings

UNDECLARED = "[edge.AUTHORS]\nfunctional = true\n"
AS_TEXT = '[edge.AUTHORS]\nfunctional = true\nvalue = "string"\n'
PEOPLE = [
    ("Jiawei", "Han"),
    ("Micheline", "Kamber"),
    ("Jian", "Pei"),
    ("Jeffrey", "Ullman"),
    ("Jennifer", "Widom"),
    ("Donald", "Knuth"),
    ("Barbara", "Liskov"),
    ("Edsger", "Dijkstra"),
    ("Frances", "Allen"),
    ("Leslie", "Lamport"),
    ("Tony", "Hoare"),
    ("Niklaus", "Wirth"),
]


def listings(b: int) -> list[str]:
    """Book ``b``'s two authors as three stores write the full list (each its own
    way), then three stores that list only the first author."""
    (g1, s1), (g2, s2) = PEOPLE[b % 12], PEOPLE[(b + 5) % 12]
    full = [f"{g1} {s1}, {g2} {s2}", f"{s1}, {g1}; {s2}, {g2}", f"{g1[0]}. {s1} & {g2[0]}. {s2}"]
    return full + [f"by {s1}"] * 3


async def open_store(pg_url: str, home: Path, schema: str) -> Memory:
    path = home / "books.toml"
    path.write_text(schema)
    base = store_settings(pg_url, home)
    settings = Settings(
        home=home,
        database={"url": pg_url},
        embedding=base.embedding.model_dump(),
        schema={"files": [path]},
        verification={"update_on_write": False},
    )
    return await Memory.open(settings)


@pytest.fixture
async def books(pg_url: str, tmp_path: Path) -> AsyncIterator[tuple[Memory, str]]:
    memory = await open_store(pg_url, tmp_path, UNDECLARED)
    ns = f"t_{uuid.uuid4().hex[:12]}"
    await memory.create_namespace(ns)
    try:
        await seed(memory, ns)
        yield memory, ns
    finally:
        await memory.delete_namespace(ns)
        await memory.close()


async def seed(memory: Memory, ns: str, listed: Callable[[int], list[str]] = listings) -> None:
    entities, facts = [], []
    for b in range(10):
        for s, text in enumerate(listed(b)):
            uid = f"v-{b}-{s}"
            entities.append(EntityWrite(uid=uid, label="Entity", properties={"name": text}))
            fact = FactWrite(f"book{b}", "AUTHORS", uid, source=f"store{s}", uid=f"f-{b}-{s}")
            facts.append(fact)
    entities += [EntityWrite(uid=f"book{b}", label="Entity") for b in range(10)]
    await memory.write_batch(ns, BatchWrite(entities=entities, facts=facts))


async def test_undeclared_author_lists_are_read_as_names_and_merge(
    books: tuple[Memory, str],
) -> None:
    memory, ns = books
    run = await memory.verify_namespace(ns)
    [kind] = run.value_kinds
    assert (kind.predicate, kind.kind, kind.declared) == ("AUTHORS", "names", False)
    assert kind.values == 60 and kind.share == 1.0
    assert "60 values read as lists of personal names" in kind.evidence
    full = await memory.fact_verification(ns, "f-3-1")
    short = await memory.fact_verification(ns, "f-3-4")
    assert full.chosen and not short.chosen
    assert {c.source for c in full.sources_for} == {"store0", "store1", "store2"}
    assert full.value_kind == kind


async def test_an_incremental_update_reads_the_same_kind(books: tuple[Memory, str]) -> None:
    memory, ns = books
    await memory.verify_namespace(ns)
    before = await memory.fact_verification(ns, "f-0-0")
    listing = EntityWrite("v-new", "Entity", {"name": "KNUTH, D. and HAN, J."})
    await memory.upsert_entity(ns, listing)
    await memory.add_fact(ns, FactWrite("book0", "AUTHORS", "v-new", source="store9", uid="f-new"))
    await runs.after_write(memory.ctx, ns, "f-new", "store9", memory.settings.verification)
    new = await memory.fact_verification(ns, "f-new")
    old = await memory.fact_verification(ns, "f-0-0")
    assert {c.source for c in new.sources_for} == {"store0", "store1", "store2", "store9"}
    assert new.trust == old.trust and new.chosen and old.chosen
    assert old.support > before.support


async def test_a_declaration_overrides_the_reading(pg_url: str, tmp_path: Path) -> None:
    memory = await open_store(pg_url, tmp_path, AS_TEXT)
    ns = f"t_{uuid.uuid4().hex[:12]}"
    await memory.create_namespace(ns)
    try:
        await seed(memory, ns)
        run = await memory.verify_namespace(ns)
        assert [(k.kind, k.declared) for k in run.value_kinds] == [("text", True)]
        full = await memory.fact_verification(ns, "f-3-1")
        assert {c.source for c in full.sources_for} == {"store1"}
        assert full.value_kind is not None and full.value_kind.evidence.startswith("declared")
    finally:
        await memory.delete_namespace(ns)
        await memory.close()


async def test_rest_answers_say_what_values_were_read_as(books: tuple[Memory, str]) -> None:
    memory, ns = books
    await memory.verify_namespace(ns)
    async with client_for(create_app(memory=memory)) as client:
        one = await client.get(f"/v1/namespaces/{ns}/facts/f-2-0/verification")
        check = await client.post(
            f"/v1/namespaces/{ns}/verify",
            json={"subject": "book2", "predicate": "AUTHORS", "value": "Dijkstra, E. / Pei, J."},
        )
    assert one.status_code == 200 and check.status_code == 200, (one.text, check.text)
    kind = one.json()["value_kind"]
    assert kind["kind"] == "names" and kind["declared"] is False and kind["values"] == 60
    assert check.json()["value_kind"] == kind
    assert {m["fact"] for m in check.json()["matches"]} == {"f-2-0", "f-2-1", "f-2-2"}


async def test_a_predicate_without_claims_is_read_as_auto(
    memory: Memory, namespace: str, client: httpx.AsyncClient
) -> None:
    await memory.write_batch(
        namespace,
        BatchWrite(
            entities=[EntityWrite("a", "Entity"), EntityWrite("b", "Entity")],
            facts=[FactWrite("a", "KNOWS", "b")],
        ),
    )
    check = await client.post(
        f"/v1/namespaces/{namespace}/verify",
        json={"subject": "a", "predicate": "LIKES", "value": "b"},
    )
    assert check.status_code == 200, check.text
    assert check.json()["value_kind"]["kind"] == "auto"


async def test_a_kind_read_from_a_full_sample_is_kept_by_every_process(
    pg_url: str, tmp_path: Path
) -> None:
    """With 500 sourced facts the kind is fixed: the process that ran the full run and
    a fresh one reading the fact both keep it, and later facts do not move it."""
    memory = await open_store(pg_url, tmp_path, UNDECLARED)
    ns = f"t_{uuid.uuid4().hex[:12]}"
    await memory.create_namespace(ns)
    other = await open_store(pg_url, tmp_path, UNDECLARED)
    try:
        for part in range(5):  # 50 books x 6 listings per batch: 300 facts
            await seed_books(memory, ns, range(50 * part, 50 * part + 50))
        run = await memory.verify_namespace(ns)
        async with memory.ctx.db.acquire() as conn:
            ref = await namespaces.resolve(conn, ns)
        assert run.value_kinds[0].values == 500 and run.value_kinds[0].kind == "names"
        assert memory.ctx.value_kinds.get(ref, "AUTHORS") is not None
        assert other.ctx.value_kinds.get(ref, "AUTHORS") is None
        answer = await other.fact_verification(ns, "f-7-0")
        assert answer.value_kind == run.value_kinds[0]
        assert other.ctx.value_kinds.get(ref, "AUTHORS") is not None
    finally:
        await memory.delete_namespace(ns)
        await other.close()
        await memory.close()


async def seed_books(memory: Memory, ns: str, books: range) -> None:
    entities, facts = [], []
    for b in books:
        for s, text in enumerate(listings(b)):
            uid = f"v-{b}-{s}"
            entities.append(EntityWrite(uid=uid, label="Entity", properties={"name": text}))
            facts.append(
                FactWrite(f"book{b}", "AUTHORS", uid, source=f"store{s}", uid=f"f-{b}-{s}")
            )
        entities.append(EntityWrite(uid=f"book{b}", label="Entity"))
    await memory.write_batch(ns, BatchWrite(entities=entities, facts=facts))


def shortened(b: int) -> list[str]:
    """Book ``b``'s three authors as one store lists them all, two the first two and
    three the first alone: where ACCU and the latent truth model trust apart."""
    authors = [PEOPLE[(b + 4 * k) % 12] for k in range(3)]
    return ["; ".join(f"{s}, {g}" for g, s in authors[:n]) for n in (3, 2, 2, 1, 1, 1)]


async def _item_trust(memory: Memory, ns: str, book: int) -> list[float]:
    found = [await memory.fact_verification(ns, f"f-{book}-{s}") for s in range(6)]
    return [v.trust or 0.0 for v in found]


async def test_an_update_of_a_list_averages_the_two_models_as_the_full_run(
    books: tuple[Memory, str],
) -> None:
    """A full run keeps each store's rates in the latent truth model; an incremental
    update of an author list holds them fixed and averages the two models as the full
    run did, so re-scoring an item nothing new was said of keeps its trust. Without
    the rates (nulled here) the update is ACCU's alone and the trust moves."""
    memory, _ = books
    ns = f"t_{uuid.uuid4().hex[:12]}"
    await memory.create_namespace(ns)
    try:
        await seed(memory, ns, shortened)
        await _rescored_as_the_full_run(memory, ns)
    finally:
        await memory.delete_namespace(ns)


async def _rescored_as_the_full_run(memory: Memory, ns: str) -> None:
    await memory.verify_namespace(ns)
    learnt = await _rates(memory, ns)
    assert len(learnt) == 6 and all(a is not None and b is not None for a, b in learnt.values())
    settings = memory.settings.verification
    full = await _item_trust(memory, ns, 3)
    await runs.after_write(memory.ctx, ns, "f-3-0", "store0", settings)
    kept = await _item_trust(memory, ns, 3)
    assert max(abs(a - b) for a, b in zip(full, kept, strict=True)) < 0.01, (full, kept)
    assert await _rates(memory, ns) == learnt  # the update keeps the full run's rates
    async with memory.database.acquire() as conn:
        await conn.execute(
            f"UPDATE {table(ns, '_kg_source_score')} SET names_sensitivity = NULL, "
            "names_false_positive = NULL"
        )
    full = await _item_trust(memory, ns, 4)
    await runs.after_write(memory.ctx, ns, "f-4-0", "store0", settings)
    accu_alone = await _item_trust(memory, ns, 4)
    assert max(abs(a - b) for a, b in zip(full, accu_alone, strict=True)) > 0.2, accu_alone


async def _rates(memory: Memory, ns: str) -> dict[int, tuple[float | None, float | None]]:
    async with memory.database.acquire() as conn:
        ref = await namespaces.resolve(conn, ns)
        scores = await claims_store.source_scores(conn, ref)
    return {k: (s.names_sensitivity, s.names_false_positive) for k, s in scores.items()}
