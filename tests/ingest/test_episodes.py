"""Episodes: stored before extraction, built into entities, facts and links."""

from datetime import UTC, datetime

import asyncpg

from kgmem import Memory
from kgmem.ingest import EntityMention, EpisodeWrite, FactMention

T0 = datetime(2024, 5, 15, 12, tzinfo=UTC)


async def test_episode_is_stored_with_structured_facts_and_links(
    memory: Memory, namespace: str
) -> None:
    [out] = await memory.add_episodes(
        namespace,
        [
            EpisodeWrite(
                text="Alice joined Acme last Tuesday.",
                uid="e1",
                reference_time=T0,
                speaker="Bob",
                session="s1",
                entities=[EntityMention("Alice", "Person"), EntityMention("Acme", "Organization")],
                facts=[FactMention("Alice", "WORKS_AT", "Acme", valid_from="last Tuesday")],
            )
        ],
    )
    assert out.status == "done", out.error
    episode = await memory.get_episode(namespace, "e1")
    assert episode.properties["extraction"] == "done"
    [fact] = [f for f in (await memory.list_facts(namespace)).items if f.predicate == "WORKS_AT"]
    assert fact.valid_from == datetime(2024, 5, 14, tzinfo=UTC)
    assert fact.episodes == ("e1",)
    predicates = sorted(f.predicate for f in (await memory.list_facts(namespace)).items)
    assert predicates == ["MENTIONS", "MENTIONS", "MENTIONS", "PART_OF", "WORKS_AT"]


async def test_known_entities_are_found_in_text_and_precedes_links_a_session(
    memory: Memory, namespace: str
) -> None:
    await memory.add_episodes(
        namespace,
        [
            EpisodeWrite(
                text="x",
                uid="a",
                reference_time=T0,
                session="s",
                entities=[EntityMention("José Ramírez", "Person")],
            )
        ],
    )
    [out] = await memory.add_episodes(
        namespace,
        [
            EpisodeWrite(
                text="I saw JOSE RAMIREZ today, not josé ramírezz.",
                uid="b",
                reference_time=T0.replace(hour=13),
                session="s",
            )
        ],
    )
    assert [(r.method, r.created) for r in out.entities] == [("known", False)]
    facts = (await memory.list_facts(namespace)).items
    precedes = [(f.subject, f.object) for f in facts if f.predicate == "PRECEDES"]
    assert precedes == [("a", "b")]


async def test_failed_extraction_is_recorded_and_retryable(
    memory: Memory, namespace: str, raw_conn: asyncpg.Connection
) -> None:
    bad = FactMention("Alice", "not a label! " * 6, "Acme")
    [out] = await memory.add_episodes(
        namespace, [EpisodeWrite(text="t", uid="f1", reference_time=T0, facts=[bad])]
    )
    assert out.status == "failed" and out.error and "invalid_identifier" in out.error
    stored = await memory.get_episode(namespace, "f1")
    assert stored.properties["extraction"] == "failed"
    assert stored.properties["text"] == "t"
    # The stored input is still bad: the retry runs again and says so.
    again = await memory.retry_episode(namespace, "f1")
    assert again.status == "failed"
    assert await raw_conn.fetchval(f'SELECT count(*) FROM "{namespace}"._kg_fact') == 0
