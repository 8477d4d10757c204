"""Functional predicates supersede; others never do; restating adds provenance."""

from datetime import UTC, datetime

from kgmem import FactQuery, Memory
from kgmem.ingest import EpisodeWrite, FactMention

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def ep(uid: str, day: int, *facts: FactMention) -> EpisodeWrite:
    return EpisodeWrite(text=uid, uid=uid, reference_time=T0.replace(day=day), facts=facts)


async def test_fifty_unrelated_facts_and_one_functional_update_close_exactly_one(
    memory: Memory, namespace: str
) -> None:
    many = [FactMention("Ann", "LIKES", f"Thing {i}") for i in range(50)]
    await memory.add_episodes(
        namespace, [ep("e1", 1, FactMention("Ann", "LIVES_IN", "Oslo"), *many)]
    )
    [out] = await memory.add_episodes(
        namespace, [ep("e2", 5, FactMention("Ann", "LIVES_IN", "Rome"))]
    )
    assert len(out.closed) == 1
    query = FactQuery(predicate="LIVES_IN", include_closed=True)
    facts = {f.object: f for f in (await memory.list_facts(namespace, query)).items}
    closed = [
        f
        for f in (
            await memory.list_facts(namespace, FactQuery(include_closed=True, limit=1000))
        ).items
        if f.is_closed
    ]
    assert [f.uid for f in closed] == list(out.closed)
    assert closed[0].predicate == "LIVES_IN"
    assert closed[0].valid_to == T0.replace(day=5)
    current = [f for f in facts.values() if not f.is_closed]
    assert len(current) == 1 and current[0].valid_from == T0.replace(day=5)
    likes = await memory.list_facts(namespace, FactQuery(predicate="LIKES", limit=1000))
    assert len(likes.items) == 50 and not any(f.is_closed for f in likes.items)


async def test_non_functional_predicates_never_close_each_other(
    memory: Memory, namespace: str
) -> None:
    await memory.add_episodes(namespace, [ep("a", 1, FactMention("Bo", "LIKES", "Tea"))])
    [out] = await memory.add_episodes(namespace, [ep("b", 2, FactMention("Bo", "LIKES", "Jazz"))])
    assert out.closed == ()
    likes = await memory.list_facts(namespace, FactQuery(predicate="LIKES"))
    assert len(likes.items) == 2


async def test_restated_fact_gains_provenance_not_a_duplicate(
    memory: Memory, namespace: str
) -> None:
    [a] = await memory.add_episodes(namespace, [ep("a", 1, FactMention("Cy", "WORKS_AT", "Ink"))])
    [b] = await memory.add_episodes(namespace, [ep("b", 2, FactMention("cy", "WORKS_AT", "INK"))])
    assert a.facts == b.facts and b.closed == ()
    fact = await memory.get_fact(namespace, a.facts[0])
    assert fact.episodes == ("a", "b") and not fact.is_closed
