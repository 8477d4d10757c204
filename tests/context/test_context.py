"""Memory blocks for prompts: facts with validity and trust, episodes with their session,
contradictions flagged, never over the token budget; over REST and as the core builds it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import httpx
from hypothesis import given, settings
from hypothesis import strategies as st

from kgmem import EntityWrite, FactWrite, Memory
from kgmem.context import build_context, estimate_tokens
from kgmem.context.render import fact_line, fit
from kgmem.ingest import EntityMention, EpisodeWrite, FactMention
from kgmem.model import ContextEpisode, ContextFact, ContextQuery, Contradiction

JAN = datetime(2020, 1, 1, tzinfo=UTC)


async def two_homes(memory: Memory, ns: str) -> None:
    for uid, label, name in [
        ("alice", "Person", "Alice Smith"),
        ("paris", "Place", "Paris"),
        ("berlin", "Place", "Berlin"),
        ("acme", "Organization", "Acme"),
    ]:
        await memory.upsert_entity(ns, EntityWrite(uid, label, {"name": name}))
    await memory.add_fact(
        ns, FactWrite("alice", "LIVES_IN", "paris", valid_from=JAN, source="census")
    )
    # The same start from sources that share none: competing values, both kept in force.
    await memory.add_fact(
        ns, FactWrite("alice", "LIVES_IN", "berlin", valid_from=JAN, source="gossip")
    )
    await memory.add_fact(ns, FactWrite("alice", "WORKS_AT", "acme", valid_from=JAN))


async def test_facts_carry_validity_and_competing_values_are_flagged(
    memory: Memory, namespace: str
) -> None:
    await two_homes(memory, namespace)
    block = await build_context(memory, namespace, ContextQuery("Alice Smith", budget_tokens=600))
    [flagged] = block.contradictions
    assert (flagged.subject, flagged.predicate) == ("alice", "LIVES_IN")
    assert set(flagged.values) == {"Paris", "Berlin"}
    lines = block.text.splitlines()
    assert lines.index("Contradictions (do not treat as settled):") < lines.index("Facts:")
    assert "- Alice Smith WORKS_AT Acme (valid 2020-01-01 to now" in block.text
    assert "sources: census" in block.text
    assert {f.predicate for f in block.facts} >= {"LIVES_IN", "WORKS_AT"}
    assert all(f.current for f in block.facts)
    assert block.tokens == estimate_tokens(block.text) <= 600


async def test_closed_facts_are_marked_no_longer_true(memory: Memory, namespace: str) -> None:
    await two_homes(memory, namespace)
    job = await memory.add_fact(namespace, FactWrite("alice", "VISITED", "paris", valid_from=JAN))
    await memory.close_fact(namespace, job.uid, valid_to=datetime(2021, 1, 1, tzinfo=UTC))
    block = await build_context(
        memory,
        namespace,
        ContextQuery("Alice", budget_tokens=600, valid_at=datetime(2020, 6, 1, tzinfo=UTC)),
    )
    current = {(f.predicate, f.object): f.current for f in block.facts}
    assert current[("WORKS_AT", "acme")] is True
    assert current[("VISITED", "paris")] is False


async def test_episodes_come_with_the_turns_around_them(memory: Memory, namespace: str) -> None:
    turns = [
        ("user", "I am planning a trip."),
        ("user", "My sister Zoe lives in Lisbon."),
        ("assistant", "Lisbon is lovely in spring."),
        ("user", "Unrelated: the printer is broken."),
    ]
    episodes = [
        EpisodeWrite(
            text=text,
            speaker=speaker,
            session="trip",
            reference_time=datetime(2024, 3, 1, 10, i, tzinfo=UTC),
            uid=f"turn-{i}",
            entities=[EntityMention("Zoe", "Person", uid="zoe")] if "Zoe" in text else [],
            facts=[FactMention("Zoe", "LIVES_IN", "Lisbon")] if "Zoe" in text else [],
        )
        for i, (speaker, text) in enumerate(turns)
    ]
    await memory.add_episodes(namespace, episodes)
    block = await build_context(memory, namespace, ContextQuery("sister Zoe", budget_tokens=800))
    by_uid = {e.uid: e for e in block.episodes}
    zoe = by_uid["turn-1"]
    assert zoe.session == "trip" and zoe.speaker == "user"
    # The two turns after it are found by what they follow (each is keyword-indexed
    # with the two turns before it), so they come as episodes of their own, not again
    # as the Zoe turn's context.
    assert by_uid["turn-2"].text == "Lisbon is lovely in spring."
    assert "turn-3" in by_uid
    assert zoe.session_context == ("user: I am planning a trip.",)
    assert "(same session) user: I am planning a trip." in block.text
    told = [(f.subject_name, f.predicate, f.object_name) for f in block.facts]
    assert ("Zoe", "LIVES_IN", "Lisbon") in told
    # Edges of episodes (MENTIONS, PRECEDES, PART_OF) are provenance, not facts.
    assert not any(u.startswith("turn-") for f in block.facts for u in (f.subject, f.object))


async def test_a_small_budget_keeps_the_most_relevant_whole_items(
    memory: Memory, namespace: str
) -> None:
    await two_homes(memory, namespace)
    big = await build_context(memory, namespace, ContextQuery("Alice Smith", budget_tokens=2000))
    small = await build_context(memory, namespace, ContextQuery("Alice Smith", budget_tokens=40))
    assert small.tokens <= 40 < big.tokens
    assert small.omitted > 0 and big.omitted == 0
    assert set(small.facts) <= set(big.facts)


async def test_context_over_rest(client: httpx.AsyncClient, memory: Memory, namespace: str) -> None:
    await two_homes(memory, namespace)
    url = f"/v1/namespaces/{namespace}/context"
    answer = await client.post(url, json={"query": "Alice Smith", "budget_tokens": 300})
    assert answer.status_code == 200
    body = answer.json()
    assert body["tokens"] <= 300 and "LIVES_IN" in body["text"]
    assert body["contradictions"][0]["predicate"] == "LIVES_IN"
    for bad in (
        {"query": "", "budget_tokens": 300},
        {"query": "x", "budget_tokens": 5},
        {"q": "x"},
    ):
        refused = await client.post(url, json=bad)
        assert refused.status_code == 422
        assert refused.headers["content-type"].startswith("application/problem+json")
    missing = await client.post("/v1/namespaces/no_such_ns/context", json={"query": "x"})
    assert missing.status_code == 404 and missing.json()["code"] == "namespace_not_found"


words = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=60)
facts = st.builds(
    lambda i, s, o: ContextFact(f"f{i}", s, "KNOWS", o, s, o, JAN, None, True, 0.5, None),
    st.integers(0, 10_000),
    words,
    words,
)
episodes = st.builds(
    lambda i, t, c: ContextEpisode(f"e{i}", t, None, "user", "s", tuple(c)),
    st.integers(0, 10_000),
    words,
    st.lists(words, max_size=3),
)
flags = st.builds(
    lambda s, vs: Contradiction(s, "LIVES_IN", tuple(f"f{i}" for i in range(len(vs))), tuple(vs)),
    words,
    st.lists(words, min_size=2, max_size=3),
)


@settings(max_examples=60, deadline=None)
@given(
    budget=st.integers(16, 600),
    query=words,
    fact_list=st.lists(facts, max_size=12, unique_by=lambda f: f.uid),
    episode_list=st.lists(episodes, max_size=6, unique_by=lambda e: e.uid),
    flag_list=st.lists(flags, max_size=3),
)
def test_a_block_never_exceeds_its_budget_and_keeps_relevance_order(
    budget: int, query: str, fact_list, episode_list, flag_list
) -> None:
    small = fit(ContextQuery(query, budget), fact_list, episode_list, flag_list)
    everything = fit(ContextQuery(query, 100_000), fact_list, episode_list, flag_list)
    assert small.tokens == estimate_tokens(small.text)
    header = estimate_tokens(f"Memory relevant to: {query}")
    assert small.tokens <= max(budget, header)
    assert len(small.facts) + len(small.episodes) + len(small.contradictions) + small.omitted == (
        len(fact_list) + len(episode_list) + len(flag_list)
    )
    assert list(small.facts) == [f for f in fact_list if f in small.facts]
    assert list(small.episodes) == [e for e in episode_list if e in small.episodes]
    assert everything.omitted == 0 and list(everything.facts) == fact_list


@settings(max_examples=100, deadline=None)
@given(a=words, b=words)
def test_token_estimate_of_joined_text_is_at_most_the_parts_plus_one(a: str, b: str) -> None:
    assert estimate_tokens(f"{a}\n{b}") <= estimate_tokens(a) + estimate_tokens(b) + 1


def test_fact_lines_say_validity_trust_and_sources() -> None:
    def line(**changes: object) -> str:
        base = ContextFact("f", "a", "WORKS_AT", "b", "Ann", "Acme", JAN, None, True, None, None)
        return fact_line(replace(base, **changes))

    assert line() == "- Ann WORKS_AT Acme (valid 2020-01-01 to now)"
    assert line(valid_from=None) == "- Ann WORKS_AT Acme (valid now, since an unknown time)"
    assert line(current=False, valid_to=datetime(2021, 5, 2, tzinfo=UTC)) == (
        "- Ann WORKS_AT Acme (no longer true: valid 2020-01-01 to 2021-05-02)"
    )
    assert line(trust=0.4, status="contested", sources=("hr", "web")) == (
        "- Ann WORKS_AT Acme (valid 2020-01-01 to now; trust 0.40, contested; sources: hr, web)"
    )
