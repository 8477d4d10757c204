"""Incremental updates with copy detection active: the stored dependence between two
sources holds while single claims arrive, and the scores stay close to what a full
recompute gives."""

from __future__ import annotations

from dataclasses import replace

import asyncpg
import numpy as np
import pytest

from kgmem import BatchWrite, EntityWrite, FactWrite, Memory
from kgmem.errors import NamespaceNotFound
from kgmem.storage.graph import namespaces
from kgmem.storage.truth import claims as store
from kgmem.storage.truth import item_scores, score_columns
from kgmem.verification import rescoring, runs

PEOPLE = [f"p{i}" for i in range(12)]
ORGS = ["acme", "beta", "gamma", "delta", "omega", "sigma", "kappa"]


def employer(i: int) -> str:
    return ORGS[i % 2]


async def seed(memory: Memory, ns: str) -> None:
    """Twelve people's employers (more than copy detection needs): 'hr', 'registry' and
    'census' mostly right, each wrong once on its own; 'gossip' wrong each time and
    'echo' repeating gossip's false values (the claims interleave, so only the pairwise
    test can find the copier)."""
    entities = [EntityWrite(uid=p, label="Person") for p in [*PEOPLE, "p20", "p21"]]
    entities += [EntityWrite(uid=o, label="Organization", properties={"name": o}) for o in ORGS]
    facts = []
    for i, p in enumerate(PEOPLE):
        right = employer(i)
        wrong = ORGS[2 + i % 2]
        honest = {"hr": right, "registry": right, "census": right}
        slip = {4: "hr", 7: "registry", 10: "census"}.get(i)
        if slip is not None:
            honest[slip] = ORGS[4 + i % 3]
        facts += [
            FactWrite(subject=p, predicate="WORKS_AT", object=honest["hr"], source="hr"),
            FactWrite(subject=p, predicate="WORKS_AT", object=wrong, source="gossip"),
            FactWrite(
                subject=p, predicate="WORKS_AT", object=honest["registry"], source="registry"
            ),
            FactWrite(subject=p, predicate="WORKS_AT", object=wrong, source="echo"),
            FactWrite(subject=p, predicate="WORKS_AT", object=honest["census"], source="census"),
        ]
    facts = [replace(f, uid=f"{f.subject}-{f.object}") for f in facts]
    await memory.write_batch(ns, BatchWrite(entities=entities))
    # One batch per source, so the claims' observation order is the order above (the
    # claims of one batch share their observation time).
    for source in ("hr", "gossip", "registry", "echo", "census"):
        await memory.write_batch(ns, BatchWrite(facts=[f for f in facts if f.source == source]))


async def stored(memory: Memory, ns: str) -> tuple[dict[int, float], dict[int, float]]:
    """(trust by fact id, reliability by source id) as stored."""
    async with memory.database.acquire() as conn:
        ref = await namespaces.resolve(conn, ns)
        rows = await store.all_claims(conn, ref)
        facts = await store.fact_scores(conn, ref, rows.fact_id)
        sources = await store.source_scores(conn, ref)
    return {k: v.trust for k, v in facts.items()}, {k: v.reliability for k, v in sources.items()}


async def test_incremental_with_copy_detection_stays_close_to_a_full_recompute(
    memory: Memory, namespace: str
) -> None:
    await seed(memory, namespace)
    run = await memory.verify_namespace(namespace)
    assert run.dependent_pairs >= 1  # gossip and echo are judged dependent
    gossip = await memory.get_source(namespace, "gossip")
    echo = await memory.get_source(namespace, "echo")
    assert gossip.source.reliability is not None and echo.source.reliability is not None
    assert gossip.source.reliability < 0.5 and echo.source.reliability < 0.5
    new = [
        # echo copies gossip's false value on a new item
        FactWrite(subject="p20", predicate="WORKS_AT", object="gamma", source="gossip"),
        FactWrite(subject="p20", predicate="WORKS_AT", object="gamma", source="echo"),
        FactWrite(subject="p20", predicate="WORKS_AT", object="acme", source="hr"),
        # a new source on an existing item, and a reliable source on a new item
        FactWrite(subject="p0", predicate="WORKS_AT", object="beta", source="newcomer"),
        FactWrite(subject="p21", predicate="WORKS_AT", object="beta", source="registry"),
        FactWrite(subject="p3", predicate="WORKS_AT", object="delta", source="census"),
    ]
    for fact in new:
        written = await memory.add_fact(
            namespace, replace(fact, uid=f"{fact.subject}-{fact.object}")
        )
        assert written.trust is not None  # scored on write
    copied = await memory.fact_verification(namespace, "p20-gamma")
    # two claims, but the copy does not count as an independent source
    assert copied.support < 1.5 and copied.trust is not None and copied.trust < 0.5
    trust_inc, rel_inc = await stored(memory, namespace)
    await memory.verify_namespace(namespace)
    trust_full, rel_full = await stored(memory, namespace)
    assert trust_inc.keys() == trust_full.keys() and rel_inc.keys() == rel_full.keys()
    worst_fact = max(abs(trust_inc[k] - trust_full[k]) for k in trust_full)
    worst_source = max(abs(rel_inc[k] - rel_full[k]) for k in rel_full)
    assert worst_fact < 0.05, worst_fact
    assert worst_source < 0.05, worst_source


async def test_full_run_columns_index_like_the_row_path(memory: Memory, namespace: str) -> None:
    # The full run reads claims by binary COPY into columns and indexes them vectorised;
    # it must give the arrays the row path (used by incremental updates) gives.
    await seed(memory, namespace)
    async with memory.database.acquire() as conn:
        ref = await namespaces.resolve(conn, namespace)
        cols = await score_columns.claim_columns(conn, ref)
        rows = await store.all_claims(conn, ref)
        sources = await store.sources(conn, ref)
    functional = memory.schema.is_functional
    by_columns, facts, values = runs.index_columns(
        cols, sources, functional=functional, default_prior=0.8
    )
    by_rows = runs.index_claims(rows, sources, functional=functional, default_prior=0.8)
    a, b = by_columns.arrays, by_rows.arrays
    for name in ("claim_value", "claim_source", "claim_weight", "value_item", "source_prior"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    assert a.value_text == b.value_text and by_columns.item_keys == by_rows.item_keys
    assert by_columns.fact_value == by_rows.fact_value
    assert dict(zip(facts.tolist(), values.tolist(), strict=True)) == by_rows.fact_value
    assert len(cols.fact_id) == len(rows.fact_id) == 12 * 5


async def test_an_update_commits_without_waiting_for_the_wal_and_only_its_own_transaction(
    memory: Memory, namespace: str
) -> None:
    """The item's state is read with the setting that makes the update's commit
    asynchronous (scores are derived data); the setting is local to that transaction."""
    await seed(memory, namespace)
    await memory.verify_namespace(namespace)
    fact = await memory.add_fact(
        namespace, FactWrite(subject="p0", predicate="WORKS_AT", object="beta", source="hr")
    )
    async with memory.database.acquire() as conn:
        ref = await namespaces.resolve(conn, namespace)
        async with conn.transaction():
            item = await item_scores.item_state(
                conn, ref, fact.id, fact.predicate, async_commit=True
            )
            assert await conn.fetchval("SHOW synchronous_commit") == "off"
        assert await conn.fetchval("SHOW synchronous_commit") == "on"
        async with conn.transaction():
            plain = await item_scores.item_state(conn, ref, fact.id, fact.predicate)
            assert await conn.fetchval("SHOW synchronous_commit") == "on"
    assert item.rows == plain.rows and len(item.rows.fact_id) == 5


async def test_an_update_after_the_namespace_went_away_elsewhere_says_not_found(
    memory: Memory, namespace: str, raw_conn: asyncpg.Connection
) -> None:
    """The update takes the namespace from the per-process cache; when another process
    has deleted it, the update forgets the name and reports the namespace missing (not
    a storage error about a missing table)."""
    await seed(memory, namespace)
    fact = await memory.add_fact(
        namespace, FactWrite(subject="p0", predicate="WORKS_AT", object="beta", source="hr")
    )
    settings = memory.settings.verification
    at = (fact.id, fact.predicate)
    await runs.after_write(memory.ctx, namespace, fact.uid, "hr", settings, fact=at)
    assert memory.database.namespaces.get(namespace) is not None
    await raw_conn.execute("SELECT ag_catalog.drop_graph($1, true)", namespace)
    await raw_conn.execute("DELETE FROM kgmem.namespace WHERE name = $1", namespace)
    with pytest.raises(NamespaceNotFound):
        await runs.after_write(memory.ctx, namespace, fact.uid, "hr", settings, fact=at)
    assert memory.database.namespaces.get(namespace) is None
    await memory.create_namespace(namespace)  # for the fixture's clean-up


async def sums(memory: Memory, ns: str) -> dict[int, tuple[float, float]]:
    """Each source's stored accuracy sums (hit, weight)."""
    async with memory.database.acquire() as conn:
        ref = await namespaces.resolve(conn, ns)
        sources = await store.source_scores(conn, ref)
    return {k: (v.hit, v.weight) for k, v in sources.items()}


async def test_rescoring_an_unchanged_item_again_and_again_moves_no_sums(
    memory: Memory, namespace: str
) -> None:
    """An update takes out of the sources' sums what the item's facts added to them (their
    stored estimate), not their trust, which leaves the sources' own votes on the item
    out (``consensus.held_out``) and differs from it for a source seen on a few items:
    re-scoring an item again and again gives what one re-scoring gave, and the trust
    stays the full run's."""
    await seed(memory, namespace)
    # Two sources seen nowhere else agree on p21's employer, a third says otherwise.
    said = [("omega", "first"), ("omega", "second"), ("sigma", "third")]
    written = [
        await memory.add_fact(
            namespace, FactWrite(subject="p21", predicate="WORKS_AT", object=org, source=source)
        )
        for org, source in said
    ]
    fact = written[0]
    await memory.verify_namespace(namespace)
    trust_full, _ = await stored(memory, namespace)
    async with memory.database.acquire() as conn:
        ref = await namespaces.resolve(conn, namespace)
        scored = await store.fact_scores(conn, ref, [fact.id])
    estimate = scored[fact.id].estimate
    assert estimate is not None and estimate - scored[fact.id].trust > 0.02
    settings = memory.settings.verification
    at = (fact.id, fact.predicate)
    none_new = rescoring.NO_NEW_CLAIM  # re-scored as a forgetting re-scores kept items
    await runs.after_write(memory.ctx, namespace, fact.uid, none_new, settings, fact=at)
    once = await sums(memory, namespace)
    for _ in range(4):
        await runs.after_write(memory.ctx, namespace, fact.uid, none_new, settings, fact=at)
    again = await sums(memory, namespace)
    assert once.keys() == again.keys()
    for source, (hit, weight) in once.items():
        assert again[source] == pytest.approx((hit, weight), abs=1e-9), source
    trust, _ = await stored(memory, namespace)
    assert max(abs(trust[k] - trust_full[k]) for k in trust_full) < 0.01
