"""A conversation sent as plain turns, as an agent first does: no structured facts, so the
answer says why no facts were made and how to get them; names are typed from the whole
conversation (a job's company is an Organization, a cat is an Animal) and a typed guess
says it is one. Over REST on a real server and over MCP with the SDK's client, alike."""

from __future__ import annotations

from typing import Any

import httpx

from kgmem import Memory
from kgmem.ingest.rules import find
from tests.mcp.test_mcp_http import mcp_client, payload

TURNS = [
    "Hi! I'm Maya, I work at Siemens in Munich.",
    "My cat Pixel keeps me company while I code.",
    "Pixel likes tuna more than anything.",
    "Big news: I start at Feedzai on July 1!",
    "So I moved to Lisbon last week!",
    "Lisbon is sunny, Pixel loves the balcony.",
    "I miss my colleagues at Siemens though.",
    "Dinner with Tomas tonight.",
    "Tomas says hi.",
]


def conversation() -> list[dict[str, Any]]:
    return [
        {
            "text": text,
            "speaker": "Maya",
            "session": "chat-maya",
            "reference_time": f"2024-06-{10 + i:02d}T09:00:00Z",
        }
        for i, text in enumerate(TURNS)
    ]


def _types(answers: list[dict[str, Any]]) -> dict[str, tuple[str, bool]]:
    out: dict[str, tuple[str, bool]] = {}
    for answer in answers:
        for e in answer["entities"]:
            out.setdefault(e["name"], (e["label"], e["type_guessed"]))
    return out


def _check(answers: list[dict[str, Any]]) -> None:
    assert all(a["status"] == "done" and a["facts"] == [] for a in answers)
    for answer in answers:
        [why] = [n for n in answer["notes"] if n.startswith("no facts made")]
        assert "structured input" in why and "KGMEM_INGEST_LLM_URL" in why
    assert "Siemens" in answers[0]["notes"][-1]
    types = _types(answers)
    assert types["Siemens"] == ("Organization", False)
    assert types["Feedzai"] == ("Organization", False)
    assert types["Pixel"] == ("Animal", False)
    assert types["Munich"] == ("Place", True)  # after "in": a guess, and it says so
    assert types["Tomas"] == ("Person", True)
    assert types["Maya"] == ("Person", False)  # the speaker
    # One Pixel: the later turns name the cat, not a new person.
    assert len({e["uid"] for a in answers for e in a["entities"] if e["name"] == "Pixel"}) == 1


async def test_a_plain_conversation_says_why_no_facts_and_types_names_alike_on_both_doors(
    live_url: str, memory: Memory, namespace: str
) -> None:
    other = f"{namespace}_mcp"
    await memory.create_namespace(other)
    try:
        async with httpx.AsyncClient(base_url=live_url, timeout=60) as http:
            rest = []
            for turn in conversation():
                r = await http.post(f"/v1/namespaces/{namespace}/episodes", json=turn)
                assert r.status_code == 201, r.text
                rest.append(r.json())
        _check(rest)
        async with mcp_client(live_url) as client:
            by_mcp = [
                payload(await client.call_tool("add_episode", {"namespace": other, "episode": t}))
                for t in conversation()
            ]
        _check(by_mcp)
        assert [a["notes"] for a in by_mcp] == [a["notes"] for a in rest]
        assert _types(by_mcp) == _types(rest)
    finally:
        await memory.delete_namespace(other)


def test_cues_type_names_and_a_lone_word_is_a_guess() -> None:
    got = {f.name: (f.label, f.guessed) for f in find("I joined Google; she works for Acme.")}
    assert got == {"Google": ("Organization", False), "Acme": ("Organization", False)}
    assert {f.name: f.label for f in find("Our dog, Rex, barks at Luigi.")} == {
        "Rex": "Animal",
        "Luigi": "Place",
    }
    # "joined Maya for lunch" is company, not a company.
    assert {f.name: f.label for f in find("I joined Maya for lunch.")} == {"Maya": "Person"}
    # A cue in an earlier turn types the name in a later one, even opening a sentence.
    assert [(f.name, f.label) for f in find("Pixel likes tuna.", "My cat Pixel")] == [
        ("Pixel", "Animal")
    ]
