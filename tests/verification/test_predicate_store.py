"""Reliability per source and predicate through the store (``predicate_share`` in the
shipped configuration): a full run learns it, an incremental update moves it on the
written item's predicate and stays close to a full recompute."""

from __future__ import annotations

import pytest

from kgmem import BatchWrite, EntityWrite, FactWrite, Memory
from kgmem.storage.graph import namespaces
from kgmem.storage.truth import claims as store

WORKERS = [f"w{i}" for i in range(16)]
RESIDENTS = [f"r{i}" for i in range(8)]


def fact(subject: str, predicate: str, value: str, source: str) -> FactWrite:
    return FactWrite(
        subject=subject, predicate=predicate, object=value, source=source, uid=f"{subject}-{value}"
    )


async def seed(memory: Memory, ns: str) -> None:
    """Source 'a' is right on every employer and wrong on every home, 'b' the reverse,
    'c' and 'd' right on both but for one slip each per predicate; over both predicates
    'a' is right twice as often as 'b'. On home 'q' only 'a' and 'b' speak, and
    disagree."""
    facts = []
    for i, w in enumerate(WORKERS):
        right = ("acme", "beta")[i % 2]
        facts += [fact(w, "WORKS_AT", right, "a"), fact(w, "WORKS_AT", f"shop{i}", "b")]
        facts.append(fact(w, "WORKS_AT", right if i != 3 else "shop99", "c"))
        facts.append(fact(w, "WORKS_AT", right if i != 9 else "shop98", "d"))
    for i, r in enumerate(RESIDENTS):
        right = ("paris", "lima")[i % 2]
        facts += [fact(r, "LIVES_IN", right, "b"), fact(r, "LIVES_IN", f"town{i}", "a")]
        facts.append(fact(r, "LIVES_IN", right if i != 2 else "town99", "c"))
        facts.append(fact(r, "LIVES_IN", right if i != 5 else "town98", "d"))
    facts += [fact("q", "LIVES_IN", "rome", "a"), fact("q", "LIVES_IN", "oslo", "b")]
    values = sorted({f.object for f in facts})
    entities = [EntityWrite(uid=v, label="Entity", properties={"name": v}) for v in values]
    entities += [EntityWrite(uid=p, label="Person") for p in [*WORKERS, *RESIDENTS, "q", "q2"]]
    await memory.write_batch(ns, BatchWrite(entities=entities))
    for source in ("a", "b", "c", "d"):
        await memory.write_batch(ns, BatchWrite(facts=[f for f in facts if f.source == source]))


async def stored(
    memory: Memory, ns: str
) -> tuple[dict[int, float], dict[int, float], dict[tuple[int, str], store.SourcePredicateScore]]:
    """Trust by fact, reliability by source and the rows by (source, predicate)."""
    async with memory.database.acquire() as conn:
        ref = await namespaces.resolve(conn, ns)
        rows = await store.all_claims(conn, ref)
        facts = await store.fact_scores(conn, ref, rows.fact_id)
        sources = await store.source_scores(conn, ref)
        pairs = {}
        for predicate in ("WORKS_AT", "LIVES_IN"):
            found = await store.predicate_scores(conn, ref, list(sources), predicate)
            pairs.update({(s, predicate): row for s, row in found.items()})
    return (
        {k: v.trust for k, v in facts.items()},
        {k: v.reliability for k, v in sources.items()},
        pairs,
    )


async def source_id(memory: Memory, ns: str, uid: str) -> int:
    async with memory.database.acquire() as conn:
        ref = await namespaces.resolve(conn, ns)
        found = await store.source_by_uid(conn, ref, uid)
    assert found is not None
    return found.id


async def test_a_full_run_trusts_a_source_on_the_predicate_it_gets_right(
    memory: Memory, namespace: str
) -> None:
    ns = namespace
    await seed(memory, ns)
    await memory.verify_namespace(ns)
    # One reliability per source would side with 'a', right more often overall.
    oslo = await memory.fact_verification(ns, "q-oslo")
    rome = await memory.fact_verification(ns, "q-rome")
    assert oslo.chosen and not rome.chosen
    assert oslo.trust is not None and rome.trust is not None and oslo.trust > rome.trust
    # The answer names each claimant's reliability on the predicate its claim was weighed
    # with, beside the one over all its claims.
    (b_claim,) = oslo.sources_for
    (a_claim,) = oslo.sources_against
    assert b_claim.predicate_reliability is not None and a_claim.predicate_reliability is not None
    assert b_claim.predicate_reliability > 0.5 > a_claim.predicate_reliability
    assert a_claim.reliability is not None and a_claim.reliability > 0.5
    _, reliability, pairs = await stored(memory, ns)
    a, b = await source_id(memory, ns, "a"), await source_id(memory, ns, "b")
    assert pairs[(a, "WORKS_AT")].reliability > 0.5 > pairs[(a, "LIVES_IN")].reliability
    assert pairs[(b, "LIVES_IN")].reliability > 0.5 > pairs[(b, "WORKS_AT")].reliability
    assert pairs[(a, "WORKS_AT")].claims == 16 and pairs[(a, "LIVES_IN")].claims == 9
    # A source's reliability is the claim-weighted mean of its per-predicate ones.
    own = [pairs[(a, p)] for p in ("WORKS_AT", "LIVES_IN")]
    mean = sum(r.reliability * r.weight for r in own) / sum(r.weight for r in own)
    assert reliability[a] == pytest.approx(mean)


async def test_an_update_moves_the_written_predicate_and_stays_close_to_a_full_run(
    memory: Memory, namespace: str
) -> None:
    ns = namespace
    await seed(memory, ns)
    await memory.verify_namespace(ns)
    _, _, before = await stored(memory, ns)
    a = await source_id(memory, ns, "a")
    new = [
        fact("q2", "LIVES_IN", "bern", "a"),
        fact("q2", "LIVES_IN", "kyiv", "b"),
        fact("q2", "LIVES_IN", "kyiv", "c"),
        fact("w0", "WORKS_AT", "acme", "newcomer"),
        fact("r1", "LIVES_IN", "lima", "a"),  # 'a' changes its mind to the right value
    ]
    await memory.write_batch(
        ns,
        BatchWrite(
            entities=[
                EntityWrite(uid=v, label="Entity", properties={"name": v}) for v in ("bern", "kyiv")
            ]
        ),
    )
    for f in new:
        written = await memory.add_fact(ns, f)
        assert written.trust is not None  # scored on write
    chosen = await memory.fact_verification(ns, "q2-kyiv")
    assert chosen.chosen
    trust_inc, rel_inc, pairs_inc = await stored(memory, ns)
    # The updates moved 'a' on homes (two new claims), not its claims on employers.
    assert pairs_inc[(a, "LIVES_IN")].claims == before[(a, "LIVES_IN")].claims + 2
    assert pairs_inc[(a, "LIVES_IN")].reliability != before[(a, "LIVES_IN")].reliability
    assert pairs_inc[(a, "WORKS_AT")].claims == before[(a, "WORKS_AT")].claims
    await memory.verify_namespace(ns)
    trust_full, rel_full, pairs_full = await stored(memory, ns)
    assert trust_inc.keys() == trust_full.keys() and pairs_inc.keys() == pairs_full.keys()
    assert max(abs(trust_inc[k] - trust_full[k]) for k in trust_full) < 0.05
    assert max(abs(rel_inc[k] - rel_full[k]) for k in rel_full) < 0.05
    worst = max(abs(pairs_inc[k].reliability - pairs_full[k].reliability) for k in pairs_full)
    assert worst < 0.05, worst


async def test_a_store_without_per_predicate_rows_is_updated_per_source(
    memory: Memory, namespace: str
) -> None:
    """As a store migrated without a full run since: its updates move the sources' rows
    as before and write no per-predicate row until the next full run."""
    ns = namespace
    await seed(memory, ns)
    await memory.verify_namespace(ns)
    async with memory.database.acquire() as conn:
        ref = await namespaces.resolve(conn, ns)
        await conn.execute(
            f'TRUNCATE "{ref.name}"._kg_source_predicate_score, '
            f'"{ref.name}"._kg_source_predicate_dependence'
        )
    a = await source_id(memory, ns, "a")
    _, before, _ = await stored(memory, ns)
    await memory.write_batch(
        ns,
        BatchWrite(entities=[EntityWrite(uid="bern", label="Entity", properties={"name": "bern"})]),
    )
    written = await memory.add_fact(ns, fact("q2", "LIVES_IN", "bern", "a"))
    assert written.trust is not None
    _, after, pairs = await stored(memory, ns)
    assert pairs == {} and after[a] != before[a]
    await memory.verify_namespace(ns)
    _, full, pairs = await stored(memory, ns)
    assert (a, "LIVES_IN") in pairs and abs(full[a] - after[a]) < 0.05
