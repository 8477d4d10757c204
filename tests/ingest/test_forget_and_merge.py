"""Forgetting episodes; merging, unmerging and resolution by similarity."""

from datetime import UTC, datetime

from kgmem import BatchWrite, EntityWrite, FactQuery, FactWrite, Memory
from kgmem.ingest import EntityMention, EpisodeWrite, FactMention

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def ep(uid: str, *facts: FactMention, session: str | None = None, hour: int = 0) -> EpisodeWrite:
    return EpisodeWrite(
        text=uid, uid=uid, reference_time=T0.replace(hour=hour), facts=facts, session=session
    )


async def test_forgetting_an_episode_keeps_what_others_support(
    memory: Memory, namespace: str
) -> None:
    shared = FactMention("Eve", "WORKS_AT", "Orbit")
    await memory.add_episodes(
        namespace,
        [
            ep("a", shared, FactMention("Eve", "LIKES", "Chess"), session="s", hour=1),
            ep("b", shared, session="s", hour=2),
            ep("c", session="s", hour=3),
        ],
    )
    gone = await memory.delete_episode(namespace, "a")
    assert len(gone.facts_deleted) == 1 and len(gone.facts_kept) == 1
    [chess] = gone.entities_deleted
    assert chess.startswith("ent-chess")
    works = (await memory.list_facts(namespace, FactQuery(predicate="WORKS_AT"))).items
    assert len(works) == 1 and works[0].episodes == ("b",)
    assert (await memory.list_facts(namespace, FactQuery(predicate="LIKES"))).items == ()
    assert set((await memory.check_namespace(namespace)).values()) == {0}
    # Deleting the last supporter removes the fact and its now-orphaned entities.
    gone = await memory.delete_episode(namespace, "b")
    assert gone.facts_deleted == (works[0].uid,)
    assert sorted(gone.entities_deleted)[0].startswith("ent-eve")
    precedes = (await memory.list_facts(namespace, FactQuery(predicate="PRECEDES"))).items
    assert precedes == ()
    await memory.delete_episode(namespace, "c")
    stats = await memory.namespace_stats(namespace)
    assert sum(stats.vertices.values()) == 0 and sum(stats.edges.values()) == 0


async def test_forgetting_a_middle_episode_mends_the_session_chain(
    memory: Memory, namespace: str
) -> None:
    await memory.add_episodes(
        namespace, [ep(u, session="s", hour=h) for h, u in enumerate(("x", "y", "z"))]
    )
    await memory.delete_episode(namespace, "y")
    precedes = (await memory.list_facts(namespace, FactQuery(predicate="PRECEDES"))).items
    assert [(f.subject, f.object) for f in precedes] == [("x", "z")]


async def test_explicit_merge_repoints_facts_and_unmerge_restores_both(
    memory: Memory, namespace: str
) -> None:
    await memory.write_batch(
        namespace,
        BatchWrite(
            entities=[
                EntityWrite("ibm", "Organization", {"name": "IBM"}),
                EntityWrite("big-blue", "Organization", {"name": "Big Blue"}),
                EntityWrite("ann", "Person", {"name": "Ann"}),
            ],
            facts=[
                FactWrite("ann", "WORKS_AT", "big-blue", uid="f1"),
                FactWrite("ann", "KNOWS", "ibm", uid="f2"),
            ],
        ),
    )
    record = await memory.merge_entities(namespace, "ibm", "big-blue")
    assert (await memory.get_fact(namespace, "f1")).object == "ibm"
    kept = await memory.get_entity(namespace, "ibm")
    assert kept.entity.properties["aliases"] == ["Big Blue"]
    assert [m.id for m in await memory.merge_history(namespace, "ibm")] == [record.id]
    undone = await memory.unmerge(namespace, record.id)
    assert undone.undone_at is not None
    assert (await memory.get_fact(namespace, "f1")).object == "big-blue"
    assert (await memory.get_fact(namespace, "f2")).object == "ibm"
    assert (await memory.get_entity(namespace, "big-blue")).entity.properties["name"] == "Big Blue"
    assert (await memory.get_entity(namespace, "ibm")).entity.properties["aliases"] == []


async def test_similar_mention_resolves_with_a_logged_reversible_merge(
    memory: Memory, namespace: str
) -> None:
    await memory.add_episodes(
        namespace,
        [EpisodeWrite(text="a", uid="a", entities=[EntityMention("Jonathan Smith", "Person")])],
    )
    [out] = await memory.add_episodes(
        namespace,
        [
            EpisodeWrite(
                text="b",
                uid="b",
                facts=[FactMention("Jonathon Smith", "LIKES", "Golf")],
                entities=[EntityMention("Jonathon Smith", "Person")],
            )
        ],
    )
    by_name = {r.name: r for r in out.entities}
    assert by_name["Jonathon Smith"].method == "fuzzy"
    kept = by_name["Jonathon Smith"].uid
    [merge] = await memory.merge_history(namespace, kept)
    assert merge.evidence["surface"] == "Jonathon Smith"
    # An initial resolves to the one entity it can mean.
    [out] = await memory.add_episodes(
        namespace, [EpisodeWrite(text="c", uid="c", entities=[EntityMention("J. Smith", "Person")])]
    )
    assert (out.entities[0].method, out.entities[0].uid) == ("initials", kept)
    await memory.unmerge(namespace, merge.id)
    [likes] = (await memory.list_facts(namespace, FactQuery(predicate="LIKES"))).items
    assert likes.subject != kept and likes.subject == merge.merged
    # Two Smiths now: "J. Smith" is ambiguous and stays apart.
    [out] = await memory.add_episodes(
        namespace, [EpisodeWrite(text="d", uid="d", entities=[EntityMention("J. Smith", "Person")])]
    )
    assert out.entities[0].method != "initials"


async def test_different_types_do_not_merge(memory: Memory, namespace: str) -> None:
    await memory.add_episodes(
        namespace, [EpisodeWrite(text="a", entities=[EntityMention("Jordan", "Place")])]
    )
    [out] = await memory.add_episodes(
        namespace, [EpisodeWrite(text="b", entities=[EntityMention("Jordan", "Person")])]
    )
    assert out.entities[0].created
