"""An episode's speaker is the source of the facts it states: the facts get claims,
sources and trust like facts written with a source, an explicit ``source`` wins over
the speaker, and forgetting an episode withdraws just its speaker's claim."""

from __future__ import annotations

import httpx

from kgmem import Memory
from kgmem.ingest import EpisodeWrite, FactMention
from kgmem.ingest.types import speaker_source


def turn(
    text: str,
    speaker: str | None,
    *facts: FactMention,
    uid: str | None = None,
    source: str | None = None,
) -> EpisodeWrite:
    return EpisodeWrite(
        text, uid=uid, speaker=speaker, source=source, session="chat-1", facts=facts
    )


def lives_in(place: str, who: str = "Dana") -> FactMention:
    return FactMention(who, "LIVES_IN", place, valid_from=MAY)


MAY = "2024-05-01T00:00:00+00:00"
"""One valid time for every value: values of a functional predicate said for the same
time compete (a later time would close the former value instead)."""


async def _only_fact(memory: Memory, namespace: str, episode: EpisodeWrite) -> str:
    [outcome] = await memory.add_episodes(namespace, [episode])
    assert outcome.status == "done", outcome.error
    [fact] = outcome.facts
    return fact


def test_a_speaker_maps_to_one_source_uid() -> None:
    assert speaker_source("Ada  Lovelace ") == "speaker:Ada Lovelace"
    assert speaker_source("  ") is None and speaker_source(None) is None
    assert turn("x", "Ada", source="wiki").claimant == "wiki"
    assert turn("x", "Ada").claimant == "speaker:Ada"


async def test_a_speakers_fact_rests_on_the_speaker(memory: Memory, namespace: str) -> None:
    [outcome] = await memory.add_episodes(
        namespace, [turn("Dana lives in Lisbon.", "Sam", lives_in("Lisbon"))]
    )
    assert outcome.source == "speaker:Sam"
    fact = await memory.get_fact(namespace, outcome.facts[0])
    assert fact.sources == ("speaker:Sam",) and fact.trust is not None
    check = await memory.fact_verification(namespace, fact.uid)
    assert (check.basis.claims, check.basis.sources) == (1, 1)
    assert check.basis.rests_on == "consensus" and check.trust == fact.trust
    assert [s.source for s in check.sources_for] == ["speaker:Sam"]


async def test_an_explicit_source_wins_over_the_speaker(memory: Memory, namespace: str) -> None:
    episode = turn("Dana lives in Lisbon.", "Sam", lives_in("Lisbon"), source="census")
    fact = await memory.get_fact(namespace, await _only_fact(memory, namespace, episode))
    assert fact.sources == ("census",)


async def test_without_speaker_or_source_a_fact_rests_on_nothing(
    memory: Memory, namespace: str
) -> None:
    [outcome] = await memory.add_episodes(namespace, [turn("Dana, Lisbon.", None, lives_in("X"))])
    assert outcome.source is None
    check = await memory.fact_verification(namespace, outcome.facts[0])
    assert check.trust is None and check.basis.rests_on == "nothing"


async def test_agreeing_speakers_give_more_trust_than_disagreeing_ones(
    memory: Memory, namespace: str
) -> None:
    agreed = await _only_fact(memory, namespace, turn("Lisbon.", "Ann", lives_in("Lisbon")))
    alone = (await memory.get_fact(namespace, agreed)).trust
    again = await _only_fact(memory, namespace, turn("Lisbon!", "Bob", lives_in("Lisbon")))
    assert again == agreed
    both = await memory.fact_verification(namespace, agreed)
    assert (both.basis.claims, both.basis.sources) == (2, 2) and both.contradiction == 0
    rome = await _only_fact(memory, namespace, turn("Rome.", "Eve", lives_in("Rome", "Max")))
    await _only_fact(memory, namespace, turn("Oslo.", "Fay", lives_in("Oslo", "Max")))
    contested = await memory.fact_verification(namespace, rome)
    assert [s.source for s in contested.sources_against] == ["speaker:Fay"]
    assert contested.contradiction == 1 and contested.status == "contested"
    assert alone is not None and both.trust is not None and contested.trust is not None
    assert both.trust > alone > contested.trust


async def test_forgetting_a_turn_withdraws_its_speakers_claim_only(
    memory: Memory, namespace: str
) -> None:
    ann = turn("Lisbon.", "Ann", lives_in("Lisbon"), uid="t-ann")
    bob = turn("Lisbon, yes.", "Bob", lives_in("Lisbon"), uid="t-bob")
    fact = await _only_fact(memory, namespace, ann)
    assert await _only_fact(memory, namespace, bob) == fact
    forgotten = await memory.delete_episode(namespace, "t-ann")
    assert forgotten.facts_kept == (fact,) and not forgotten.facts_deleted
    assert (await memory.get_fact(namespace, fact)).sources == ("speaker:Bob",)
    check = await memory.fact_verification(namespace, fact)
    assert (check.basis.claims, check.basis.sources) == (1, 1)
    forgotten = await memory.delete_episode(namespace, "t-bob")
    assert forgotten.facts_deleted == (fact,)


async def test_rest_episode_with_a_speaker_gives_its_fact_trust(
    client: httpx.AsyncClient, namespace: str
) -> None:
    url = f"/v1/namespaces/{namespace}"
    body = {
        "text": "Dana moved to Lisbon.",
        "speaker": "Sam",
        "session": "chat-42",
        "facts": [{"subject": "Dana", "predicate": "LIVES_IN", "object": "Lisbon"}],
    }
    posted = await client.post(f"{url}/episodes", json=body)
    assert posted.status_code == 201, posted.text
    assert posted.json()["source"] == "speaker:Sam"
    [uid] = posted.json()["facts"]
    fact = (await client.get(f"{url}/facts/{uid}")).json()
    assert fact["sources"] == ["speaker:Sam"] and isinstance(fact["trust"], float)
    check = (await client.get(f"{url}/facts/{uid}/verification")).json()
    assert check["basis"]["claims"] == 1 and check["basis"]["sources"] == 1
    assert check["basis"]["rests_on"] == "consensus" and check["trust"] == fact["trust"]
    explicit = {**body, "text": "Dana lives in Porto.", "source": "census"}
    explicit["facts"] = [{"subject": "Dana", "predicate": "LIVES_IN", "object": "Porto"}]
    posted = (await client.post(f"{url}/episodes", json=explicit)).json()
    assert posted["source"] == "census"
    fact = (await client.get(f"{url}/facts/{posted['facts'][0]}")).json()
    assert fact["sources"] == ["census"]
    source = await client.get(f"{url}/sources/speaker:Sam")
    assert source.status_code == 200, source.text
