"""Decision history: recorded with what it relied on, queried by agent, time, outcome
and fact, explained from the graph, and flagged once a relied-on fact is closed,
refuted or deleted, or an episode forgotten."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kgmem import EntityWrite, FactWrite, Memory
from kgmem.decisions import Decisions
from kgmem.errors import DecisionNotFound, FactNotFound, InvalidInput, UidConflict
from kgmem.ingest import EpisodeWrite
from kgmem.model.agent_model import DecisionQuery, DecisionWrite


@pytest.fixture
async def facts(memory: Memory, namespace: str) -> dict[str, str]:
    for uid, label in [("alice", "Person"), ("acme", "Organization"), ("paris", "Place")]:
        await memory.upsert_entity(namespace, EntityWrite(uid, label, {"name": uid.title()}))
    works = await memory.add_fact(namespace, FactWrite("alice", "WORKS_AT", "acme"))
    lives = await memory.add_fact(namespace, FactWrite("alice", "LIVES_IN", "paris"))
    [episode] = await memory.add_episodes(
        namespace, [EpisodeWrite(text="Alice said she works at Acme.", uid="ep-1")]
    )
    return {"works": works.uid, "lives": lives.uid, "episode": episode.uid}


def hire(facts: dict[str, str], **more: object) -> DecisionWrite:
    return DecisionWrite(
        agent="recruiter",
        decision="Invite Alice to the Acme partner event",
        rationale="She works at Acme and lives nearby",
        options=["invite", "skip"],
        facts=[facts["works"], facts["lives"]],
        episodes=[facts["episode"]],
        **more,  # type: ignore[arg-type]
    )


async def test_why_is_answered_from_the_graph(
    memory: Memory, namespace: str, facts: dict[str, str]
) -> None:
    decisions = Decisions(memory)
    recorded = await decisions.record(namespace, hire(facts, uid="d1", cost=0.02))
    assert recorded.uid == "d1" and not recorded.flagged and recorded.cost == 0.02
    decision, relied, episodes = await decisions.why(namespace, "d1")
    assert decision.rationale == "She works at Acme and lives nearby"
    assert {(f.subject, f.predicate, f.object) for f in relied} == {
        ("alice", "WORKS_AT", "acme"),
        ("alice", "LIVES_IN", "paris"),
    }
    assert [e.properties["text"] for e in episodes] == ["Alice said she works at Acme."]


async def test_closing_a_relied_on_fact_flags_the_decision(
    memory: Memory, namespace: str, facts: dict[str, str]
) -> None:
    decisions = Decisions(memory)
    await decisions.record(namespace, hire(facts, uid="d1"))
    other = await decisions.record(
        namespace, DecisionWrite("recruiter", "Send a postcard to Paris", facts=[facts["lives"]])
    )
    await memory.close_fact(namespace, facts["works"])
    flagged = await decisions.get(namespace, "d1")
    assert flagged.flagged
    assert [(c.kind, c.uid, c.reason) for c in flagged.concerns] == [
        ("fact", facts["works"], "closed")
    ]
    assert not (await decisions.get(namespace, other.uid)).flagged
    only = await decisions.search(namespace, DecisionQuery(flagged=True))
    assert [d.uid for d in only] == ["d1"]
    using = await decisions.search(namespace, DecisionQuery(fact=facts["works"]))
    assert [d.uid for d in using] == ["d1"]


async def test_deleted_fact_and_forgotten_episode_are_concerns(
    memory: Memory, namespace: str, facts: dict[str, str]
) -> None:
    decisions = Decisions(memory)
    await decisions.record(namespace, hire(facts, uid="d1"))
    await memory.delete_fact(namespace, facts["lives"])
    await memory.delete_episode(namespace, facts["episode"])
    reasons = {(c.kind, c.reason) for c in (await decisions.get(namespace, "d1")).concerns}
    assert {("fact", "deleted"), ("episode", "forgotten")} <= reasons


async def test_a_superseding_value_flags_decisions_on_the_old_one(
    memory: Memory, namespace: str, facts: dict[str, str]
) -> None:
    decisions = Decisions(memory)
    await decisions.record(namespace, hire(facts, uid="d1"))
    await memory.upsert_entity(namespace, EntityWrite("lyon", "Place", {"name": "Lyon"}))
    await memory.add_fact(namespace, FactWrite("alice", "LIVES_IN", "lyon"))  # functional
    concerns = (await decisions.get(namespace, "d1")).concerns
    assert [(c.uid, c.reason) for c in concerns] == [(facts["lives"], "closed")]


async def test_query_by_agent_time_and_outcome(
    memory: Memory, namespace: str, facts: dict[str, str]
) -> None:
    decisions = Decisions(memory)
    start = datetime.now(UTC)
    await decisions.record(namespace, hire(facts, uid="d1"))
    await decisions.record(namespace, DecisionWrite("planner", "Book Lyon", uid="d2"))
    await decisions.set_outcome(namespace, "d1", "accepted", cost=1.5)
    by_agent = await decisions.search(namespace, DecisionQuery(agent="planner"))
    assert [d.uid for d in by_agent] == ["d2"]
    accepted = await decisions.search(namespace, DecisionQuery(outcome="accepted"))
    assert [(d.uid, d.cost) for d in accepted] == [("d1", 1.5)]
    assert accepted[0].outcome_at is not None
    window = DecisionQuery(since=start, until=start + timedelta(minutes=5))
    assert [d.uid for d in await decisions.search(namespace, window)] == ["d2", "d1"]
    later = DecisionQuery(since=start + timedelta(minutes=5))
    assert await decisions.search(namespace, later) == []


async def test_bad_decisions_are_refused(
    memory: Memory, namespace: str, facts: dict[str, str]
) -> None:
    decisions = Decisions(memory)
    with pytest.raises(FactNotFound):
        await decisions.record(namespace, DecisionWrite("a", "x", facts=["no-such-fact"]))
    with pytest.raises(InvalidInput):
        await decisions.record(namespace, DecisionWrite("a", "   "))
    await decisions.record(namespace, DecisionWrite("a", "x", uid="same"))
    with pytest.raises(UidConflict):
        await decisions.record(namespace, DecisionWrite("a", "y", uid="same"))
    with pytest.raises(DecisionNotFound):
        await decisions.set_outcome(namespace, "missing", "done")
    assert [d.uid for d in await decisions.search(namespace, DecisionQuery())] == ["same"]
