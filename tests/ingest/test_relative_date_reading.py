"""Relative dates as a user writes them: "I start at Feedzai on July 1" said on June 10
is this July, a past-tense "I moved to Lisbon in May" is this May, and the answer says
which way an ambiguous date was read and when a fact was closed by its own write. The
same conversation over REST on a real server and over MCP with the SDK's client."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from kgmem import BatchWrite, EntityWrite, FactWrite, Memory
from kgmem.client import AsyncClient
from kgmem.ingest.tense import tense_near
from kgmem.text.time_expressions import read
from tests.ingest.episode_doors import over_mcp, over_rest

REF = "2024-06-10T09:00:00Z"
FEEDZAI = {"subject": "Maya", "predicate": "WORKS_AT", "object": "Feedzai"}
MAYA = [
    {
        "text": "I work at Siemens in Munich.",
        "speaker": "Maya",
        "reference_time": "2024-01-15T09:00:00Z",
        "facts": [{"subject": "Maya", "predicate": "WORKS_AT", "object": "Siemens"}],
    },
    {
        "text": "Big news: I start at Feedzai on July 1!",
        "speaker": "Maya",
        "reference_time": REF,
        "facts": [
            {
                "subject": "Maya",
                "predicate": "WORKS_AT",
                "object": "Feedzai",
                "valid_from": "July 1",
            }
        ],
    },
    {
        "text": "I moved to Lisbon in May.",
        "speaker": "Maya",
        "reference_time": REF,
        "facts": [
            {"subject": "Maya", "predicate": "LIVES_IN", "object": "Lisbon", "valid_from": "in May"}
        ],
    },
]


def _check_answers(answers: list[dict[str, Any]], facts: dict[str, dict[str, Any]]) -> None:
    siemens, feedzai, lisbon = answers
    assert feedzai["status"] == "done", feedzai
    [started] = feedzai["facts"]
    assert facts[started]["valid_from"].startswith("2024-07-01"), facts[started]
    assert started not in feedzai["closed"], "the new job must not be closed by the old one"
    assert feedzai["closed"] == siemens["facts"], "the new job closes the old one"
    notes = " ".join(feedzai["notes"])
    assert "'July 1' read as 2024-07-01, after the reference time 2024-06-10" in notes
    assert "I start" in notes, notes  # the reason: the tense
    [moved] = lisbon["facts"]
    assert facts[moved]["valid_from"].startswith("2024-05-01")
    assert "before the reference time" in " ".join(lisbon["notes"])
    assert "I moved" in " ".join(lisbon["notes"])


async def _facts(http: httpx.AsyncClient, ns: str, uids: list[str]) -> dict[str, dict[str, Any]]:
    out = {}
    for uid in uids:
        r = await http.get(f"/v1/namespaces/{ns}/facts/{uid}")
        assert r.status_code == 200, r.text
        out[uid] = r.json()
    return out


async def test_relative_dates_read_by_tense_over_rest_and_mcp(
    live_url: str, memory: Memory, namespace: str
) -> None:
    other = f"{namespace}_mcp"
    await memory.create_namespace(other)
    try:
        async with httpx.AsyncClient(base_url=live_url, timeout=60) as http:
            rest = await over_rest(http, namespace, MAYA)
            made = [u for a in rest for u in a["facts"]]
            _check_answers(rest, await _facts(http, namespace, made))

            by_mcp = await over_mcp(live_url, other, MAYA)
            made = [u for a in by_mcp for u in a["facts"]]
            _check_answers(by_mcp, await _facts(http, other, made))
        assert [a["notes"] for a in by_mcp] == [a["notes"] for a in rest]
    finally:
        await memory.delete_namespace(other)


async def test_a_fact_closed_by_its_own_write_says_so(
    client: httpx.AsyncClient, namespace: str
) -> None:
    """An old job and a new one given in one episode: the old one is closed at once,
    and the answer says why."""
    episode = {
        "text": "I was at Siemens, and I start at Feedzai on July 1.",
        "reference_time": REF,
        "facts": [
            {"subject": "Maya", "predicate": "WORKS_AT", "object": "Siemens"},
            {**FEEDZAI, "valid_from": "July 1"},
        ],
    }
    r = await client.post(f"/v1/namespaces/{namespace}/episodes", json=episode)
    assert r.status_code == 201, r.text
    out = r.json()
    siemens, _ = out["facts"]
    assert out["closed"] == [siemens]
    closing = [n for n in out["notes"] if "closed in the same write" in n]
    assert len(closing) == 1 and "Maya WORKS_AT Siemens" in closing[0]
    assert "Feedzai from 2024-07-01" in closing[0]


async def test_the_other_facts_of_an_episode_decide_when_the_tense_does_not(
    client: httpx.AsyncClient, namespace: str
) -> None:
    """No verb to go by: a past reading would have the stated job closed at once by the
    one the same episode gives, so the date reads forward."""
    episode = {
        "text": "Siemens until then; Feedzai: July 1.",
        "reference_time": REF,
        "facts": [
            {"subject": "Maya", "predicate": "WORKS_AT", "object": "Siemens"},
            {**FEEDZAI, "valid_from": "July 1"},
        ],
    }
    out = (await client.post(f"/v1/namespaces/{namespace}/episodes", json=episode)).json()
    fact = (await client.get(f"/v1/namespaces/{namespace}/facts/{out['facts'][1]}")).json()
    assert fact["valid_from"].startswith("2024-07-01"), out["notes"]
    assert any("would close it at once" in n for n in out["notes"]), out["notes"]


@pytest.mark.parametrize(
    ("text", "phrase", "direction"),
    [
        ("I start at Feedzai on July 1", "July 1", "future"),
        ("I'm starting at Feedzai on July 1", "July 1", "future"),
        ("We will fly to Rome on Friday", "Friday", "future"),
        ("Maya moved to Lisbon in May!", "May", "past"),
        ("I left Siemens in May and I start at Feedzai on July 1", "May", "past"),
        ("I left Siemens in May and I start at Feedzai on July 1", "July 1", "future"),
        ("I've joined Feedzai in May", "May", "past"),
        ("Big news: new job on July 1", "July 1", None),
    ],
)
def test_the_tense_of_the_clause_naming_a_date(text: str, phrase: str, direction: str) -> None:
    found = tense_near(text, phrase)
    assert (found.direction if found else None) == direction


@pytest.mark.parametrize(
    ("expression", "expected", "ambiguous"),
    [
        ("last May", datetime(2024, 5, 1, tzinfo=UTC), False),
        ("this July", datetime(2024, 7, 1, tzinfo=UTC), False),
        ("next Tuesday", datetime(2024, 6, 11, tzinfo=UTC), False),
        ("in two weeks", datetime(2024, 6, 24, 9, tzinfo=UTC), False),
        ("July 1", datetime(2023, 7, 1, tzinfo=UTC), True),
        ("in June", datetime(2024, 6, 1, tzinfo=UTC), False),
        ("2024-07-01", datetime(2024, 7, 1, tzinfo=UTC), False),
    ],
)
def test_one_reading_of_expressions(expression: str, expected: datetime, ambiguous: bool) -> None:
    found = read(expression, datetime.fromisoformat(REF))
    assert found is not None and (found.when, found.ambiguous) == (expected, ambiguous)


def test_an_iso_time_without_offset_or_a_day_that_does_not_exist_is_unreadable() -> None:
    ref = datetime.fromisoformat(REF)
    assert read("2024-05-01T12:00:00", ref) is None
    assert read("2023-02-29T00:00:00Z", ref) is None
    assert read("2024-13-01", ref) is None


async def test_facts_take_the_expressions_episodes_take_on_every_door(
    live_url: str, memory: Memory, namespace: str
) -> None:
    """The expression "last May" on POST /facts, in a batch, through the client and the Python API:
    one reader, one answer; an ambiguous date read backward says so."""
    await memory.write_batch(
        namespace,
        BatchWrite(entities=[EntityWrite(u, "Person", {"name": u}) for u in ("ada", "bob")]),
    )
    recorded = "2024-06-10T09:00:00+00:00"
    body = {"subject": "ada", "predicate": "KNOWS", "object": "bob", "recorded_at": recorded}
    async with httpx.AsyncClient(base_url=live_url, timeout=60) as http:
        r = await http.post(
            f"/v1/namespaces/{namespace}/facts", json={**body, "valid_from": "last May"}
        )
        assert r.status_code == 201, r.text
        rest = r.json()
        assert rest["valid_from"].startswith("2024-05-01") and rest["notes"] == []

        r = await http.post(
            f"/v1/namespaces/{namespace}/facts", json={**body, "valid_from": "July 1", "uid": "j"}
        )
        assert r.status_code == 201, r.text
        assert r.json()["valid_from"].startswith("2023-07-01")
        [note] = r.json()["notes"]
        assert "'July 1' read as 2023-07-01, before the reference time 2024-06-10" in note

        r = await http.post(
            f"/v1/namespaces/{namespace}/batch",
            json={"facts": [{**body, "valid_from": "last May", "valid_to": "in two weeks"}]},
        )
        assert r.status_code in (200, 201), r.text
        r = await http.post(
            f"/v1/namespaces/{namespace}/facts", json={**body, "valid_from": "when pigs fly"}
        )
        assert r.status_code == 422 and r.json()["code"] == "invalid_timestamp"
        assert "valid_from" in r.json()["detail"]

    when = datetime.fromisoformat(recorded)
    fact = FactWrite("ada", "KNOWS", "bob", valid_from="last May", recorded_at=when, uid="c")
    async with AsyncClient(live_url) as client:
        by_client = await client.add_fact(namespace, fact)
    in_process = await memory.add_fact(namespace, dataclasses.replace(fact, uid="m"))
    assert by_client.valid_from == in_process.valid_from == datetime(2024, 5, 1, tzinfo=UTC)


async def test_a_fact_closed_by_its_own_write_says_so_on_facts(
    client: httpx.AsyncClient, memory: Memory, namespace: str
) -> None:
    await memory.write_batch(
        namespace,
        BatchWrite(
            entities=[EntityWrite(u, "Entity", {"name": u}) for u in ("maya", "siemens", "cern")]
        ),
    )
    newer = {"subject": "maya", "predicate": "WORKS_AT", "object": "siemens"}
    r = await client.post(
        f"/v1/namespaces/{namespace}/facts", json={**newer, "valid_from": "2024-01-01"}
    )
    assert r.status_code == 201 and r.json()["notes"] == []
    older = {**newer, "object": "cern", "valid_from": "2020-01-01"}
    r = await client.post(f"/v1/namespaces/{namespace}/facts", json=older)
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "closed"
    [note] = r.json()["notes"]
    assert "closed by its own write" in note
