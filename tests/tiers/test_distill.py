"""Distillation: episodes consolidated into fewer summaries (extractive, no LLM) and
facts (abstractive, through the chat-completions protocol within the token budget),
each linked in the graph to the episodes and sources it came from."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from kgmem import BatchWrite, EntityWrite, FactQuery, Memory, Settings
from kgmem.distill import Distiller
from kgmem.errors import EntityNotFound, InvalidInput
from kgmem.model import SearchFilters, SearchQuery
from kgmem.model.agent_model import BudgetWrite
from kgmem.model.tier_model import DistillRequest
from kgmem.settings.config import IngestSettings
from tests.fixtures.http_fakes import FakeChatServer, fake_vector

T0 = datetime(2024, 3, 1, 9, tzinfo=UTC)

SESSION_1 = [
    "Mia: I adopted a grey cat named Pixel last week. She sleeps all day.",
    "Leo: That is lovely! How old is Pixel?",
    "Mia: Pixel is two years old. The shelter said she likes quiet homes.",
    "Leo: I went hiking in the Alps in June. The views were amazing.",
]
SESSION_2 = [
    "Leo: My sister started a bakery in Lyon. She bakes sourdough every morning.",
    "Mia: A bakery in Lyon sounds wonderful. Does she sell croissants?",
    "Leo: Yes, and the sourdough sells out by noon.",
]


def turns(session: str, texts: list[str], start: int) -> list[EntityWrite]:
    return [
        EntityWrite(
            f"{session}:{i}",
            "Episode",
            {
                "text": text,
                "session": session,
                "source": text.split(":")[0].lower(),
                "occurred_at": (T0 + timedelta(minutes=start + i)).isoformat(),
            },
            embedding=fake_vector(text, 384),
        )
        for i, text in enumerate(texts)
    ]


@pytest.fixture
async def conversation(memory: Memory, namespace: str) -> str:
    sources = [EntityWrite(s, "Source", {"name": s}) for s in ("mia", "leo")]
    episodes = turns("s1", SESSION_1, 0) + turns("s2", SESSION_2, 100)
    await memory.write_batch(namespace, BatchWrite(entities=sources + episodes))
    return namespace


async def test_extractive_distillation_keeps_salient_sentences_linked_to_their_turns(
    memory: Memory, conversation: str
) -> None:
    distiller = Distiller(memory)
    done = await distiller.distill(conversation, DistillRequest(keep=2))
    assert done.episodes_in == 7 and len(done.items) == 2
    assert done.tokens_out < done.tokens_in / 2
    by_group = {}
    for item in done.items:
        p = await distiller.provenance(conversation, item.uid)
        by_group[p.properties["group"]] = p
        assert p.support == 1.0 and p.forgotten == 0
        for sentence in p.properties["sentences"]:  # every kept sentence is its turn's
            episode = await memory.get_episode(conversation, sentence["episode"])
            assert sentence["text"] in episode.properties["text"]
        assert {s["episode"] for s in p.properties["sentences"]} <= set(p.episodes)
        assert len(p.properties["sentences"]) == 2
    assert {len(p.episodes) for p in by_group.values()} == {4, 3}
    # the graph holds the links: Cypher reaches the episodes from the summary
    rows = await memory.cypher(
        conversation,
        "MATCH (s:Summary)-[:DISTILLED_FROM]->(e:Episode) RETURN s.uid AS s, e.uid AS e",
    )
    assert len(rows.rows) == 7
    again = await distiller.distill(conversation, DistillRequest(keep=2))
    assert again.items == () and again.episodes_in == 0  # only undistilled episodes


async def test_summaries_are_searchable_and_archived_sources_leave_the_index(
    memory: Memory, conversation: str
) -> None:
    done = await Distiller(memory).distill(
        conversation, DistillRequest(keep=0.5, archive_sources=True)
    )
    assert set(done.archived) == {u for i in done.items for u in i.episodes}
    query = SearchQuery(
        text="Pixel cat",
        types=("entities", "episodes"),
        filters=SearchFilters(labels=("Summary", "Episode")),
        k=10,
    )
    hits = (await memory.search(conversation, query)).hits
    assert hits and hits[0].entity is not None and hits[0].entity.label == "Summary"
    assert not {h.uid for h in hits} & set(done.archived)


async def test_provenance_follows_forgotten_episodes_and_source_reliability(
    memory: Memory, conversation: str
) -> None:
    distiller = Distiller(memory)
    done = await distiller.distill(conversation, DistillRequest(keep=3, episodes=("s1:0", "s1:2")))
    [item] = done.items
    assert item.sources == ("mia",) and item.episodes == ("s1:0", "s1:2")
    await memory.delete_episode(conversation, "s1:0")
    p = await distiller.provenance(conversation, item.uid)
    assert p.episodes == ("s1:2",) and p.forgotten == 1 and p.support == 0.5
    assert set(p.sources) == {"mia"}
    with pytest.raises(EntityNotFound):
        await distiller.provenance(conversation, "s1:2")


@pytest.mark.parametrize(
    "bad",
    [
        DistillRequest(method="magic"),  # type: ignore[arg-type]
        DistillRequest(window=0),
        DistillRequest(keep=1.5),
        DistillRequest(salience_mix=2),
        DistillRequest(method="abstractive"),  # no LLM configured
    ],
)
async def test_bad_distillation_requests_are_refused(
    memory: Memory, conversation: str, bad: DistillRequest
) -> None:
    with pytest.raises(InvalidInput):
        await Distiller(memory).distill(conversation, bad)


@pytest.fixture
async def llm_memory(settings: Settings, fake_chat_server: FakeChatServer) -> AsyncIterator[Memory]:
    ingest = IngestSettings(llm_url=fake_chat_server.url, llm_model="fake-1")
    opened = await Memory.open(settings.model_copy(update={"ingest": ingest}))
    try:
        yield opened
    finally:
        await opened.close()


REPLY = {
    "summary": "Mia adopted Pixel, a two-year-old grey cat.",
    "facts": [{"subject": "Mia", "predicate": "owns", "object": "Pixel", "episodes": [0, 2]}],
}


async def test_abstractive_distillation_writes_claimed_facts_and_spends_the_budget(
    llm_memory: Memory, fake_chat_server: FakeChatServer
) -> None:
    ns = "distil_llm"
    await llm_memory.create_namespace(ns)
    try:
        await llm_memory.write_batch(
            ns,
            BatchWrite(
                entities=[
                    EntityWrite("mia", "Source", {"name": "mia"}),
                    EntityWrite("person-mia", "Person", {"name": "Mia"}),
                    *turns("s1", SESSION_1, 0),
                ]
            ),
        )
        fake_chat_server.replies[:] = [json.dumps(REPLY)]
        done = await Distiller(llm_memory).distill(ns, DistillRequest(method="abstractive"))
        assert done.llm_tokens == 100 and len(done.items) == 1
        request = fake_chat_server.requests[-1]
        assert request["response_format"]["json_schema"]["name"] == "distilled"
        [fact] = (await llm_memory.list_facts(ns, FactQuery(predicate="OWNS"))).items
        assert fact.subject == "person-mia"  # the entity named Mia
        assert (await llm_memory.get_entity(ns, fact.object)).entity.properties["name"] == "Pixel"
        balance = await llm_memory.budgets.balance(ns, "llm-tokens", agent="kgmem-distill")
        assert balance.agent_spent == 100
        # the fact stands while one of the episodes that stated it is remembered
        await llm_memory.delete_episode(ns, "s1:0")
        assert (await llm_memory.list_facts(ns, FactQuery(predicate="OWNS"))).items
        await llm_memory.delete_episode(ns, "s1:2")
        assert not (await llm_memory.list_facts(ns, FactQuery(predicate="OWNS"))).items
    finally:
        await llm_memory.delete_namespace(ns)


async def test_a_spent_token_budget_stops_abstractive_distillation(
    llm_memory: Memory, fake_chat_server: FakeChatServer
) -> None:
    ns = "distil_cap"
    await llm_memory.create_namespace(ns)
    try:
        await llm_memory.write_batch(
            ns, BatchWrite(entities=turns("s1", SESSION_1, 0) + turns("s2", SESSION_2, 9))
        )
        await llm_memory.budgets.create(ns, BudgetWrite("llm-tokens", "tokens", limit=50))
        fake_chat_server.replies[:] = [json.dumps(REPLY), json.dumps(REPLY)]
        calls = len(fake_chat_server.requests)
        done = await Distiller(llm_memory).distill(ns, DistillRequest(method="abstractive"))
        # the first call is made (50 left) and overdraws; the second window is not sent
        assert len(fake_chat_server.requests) == calls + 1
        assert done.llm_tokens == 100 and len(done.items) == 1
        assert any("budget" in n for n in done.notes)
    finally:
        await llm_memory.delete_namespace(ns)
