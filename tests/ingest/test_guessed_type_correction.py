"""A name typed by a guess ("lunch at Siemens": a Place) is stored as a guess, and a
later turn with a sure cue ("I work at Siemens") corrects it: the same entity, now an
Organization, no longer marked a guess. Over REST on a real server."""

from __future__ import annotations

from typing import Any

import httpx

from tests.ingest.episode_doors import over_rest

TURNS = [
    "Lunch at Siemens with Ana today.",
    "The canteen at Siemens was busy.",
    "I work at Siemens, by the way, in the robotics group.",
    "Later we walked through Alfama.",
]


def _turns() -> list[dict[str, Any]]:
    return [
        {
            "text": text,
            "speaker": "Maya",
            "session": "chat-retype",
            "reference_time": f"2024-06-{10 + i:02d}T09:00:00Z",
        }
        for i, text in enumerate(TURNS)
    ]


def _named(answers: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    return [e for a in answers for e in a["entities"] if e["name"] == name]


async def test_a_guessed_type_is_corrected_by_a_later_sure_cue(
    live_url: str, namespace: str
) -> None:
    async with httpx.AsyncClient(base_url=live_url, timeout=60) as http:
        answers = await over_rest(http, namespace, _turns())
        siemens = _named(answers, "Siemens")
        # First a guess, said to be one; then the sure cue corrects the same entity.
        assert (siemens[0]["label"], siemens[0]["type_guessed"]) == ("Place", True)
        assert (siemens[-1]["label"], siemens[-1]["type_guessed"]) == ("Organization", False)
        assert siemens[-1]["method"] == "retyped"
        assert len({e["uid"] for e in siemens}) == 1
        uid = siemens[0]["uid"]
        r = await http.get(f"/v1/namespaces/{namespace}/entities/{uid}")
        assert r.status_code == 200, r.text
        stored = r.json()["entity"]
        assert stored["label"] == "Organization"
        assert "type_guessed" not in stored["properties"]
        by_label = await http.get(
            f"/v1/namespaces/{namespace}/entities", params={"label": "Organization"}
        )
        assert [e["uid"] for e in by_label.json()["items"]] == [uid]
        places = await http.get(f"/v1/namespaces/{namespace}/entities", params={"label": "Place"})
        assert all(e["properties"]["name"] != "Siemens" for e in places.json()["items"])
        # A guess nothing corrected stays one, stored as one, and says so when met again.
        [ana] = [e for e in _named(answers, "Ana")]
        assert ana["type_guessed"] is True
        r = await http.get(f"/v1/namespaces/{namespace}/entities/{ana['uid']}")
        assert r.json()["entity"]["properties"]["type_guessed"] is True
        assert siemens[1]["type_guessed"] is True and siemens[1]["uid"] == uid
