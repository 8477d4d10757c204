"""A data field added to the episode's declaration reaches what derives from it with no
other edit: ``EpisodeWrite`` takes it as a field of its own (and its REST request and
JSON schema), the episode's vertex keeps it, a retry reads it back from the vertex, and
the frameworks' retrievers tell it in a hit's metadata (the edit: ``edited_declaration``)."""

from __future__ import annotations

from tests.contracts.edited_declaration import run_edited

# The newcomer's edit: one more line in EPISODE_FIELDS.
ANCHOR = '    _coded("notes"),\n'
ADDED = '    data_field("channel", description="Where it came in"),\n'

_PROGRAM = """
import json
from datetime import UTC, datetime

from pydantic import TypeAdapter

from kgmem.adapters.hits import hit_metadata
from kgmem.ingest import episode_vertex
from kgmem.ingest.types import Work
from kgmem.model import Entity, EpisodeWrite, SearchHit
from kgmem.model.episode_input import EpisodeIn

episode = TypeAdapter(EpisodeWrite).validate_python({"text": "Ann called.", "channel": "email"})
request = EpisodeIn.model_validate({"text": "Ann called.", "channel": "phone"}).to_core()
at = datetime(2026, 1, 1, tzinfo=UTC)
vertex = episode_vertex.to_vertex(Work("ns", "ep-1", episode, at), "done")
stored = Entity("ep-1", "Episode", vertex.properties, 1, None, False, at, at)
retried = episode_vertex.work_from("ns", stored).episode
hit = SearchHit("episode", "ep-1", 1.0, 1, {}, {}, entity=stored)
print(json.dumps({
    "declared": dict(episode.declared),
    "shown": TypeAdapter(EpisodeWrite).dump_python(episode, mode="json").get("channel"),
    "request": dict(request.declared),
    "schema": "channel" in EpisodeIn.model_json_schema()["properties"],
    "vertex": vertex.properties.get("channel"),
    "retried": dict(retried.declared),
    "told": hit_metadata(hit).get("channel"),
}))
"""


def test_a_declared_episode_field_reaches_what_derives_from_it() -> None:
    found = run_edited("episode", ANCHOR, ADDED, _PROGRAM, after=True)
    assert found == {
        "declared": {"channel": "email"},
        "shown": "email",
        "request": {"channel": "phone"},
        "schema": True,
        "vertex": "email",
        "retried": {"channel": "email"},
        "told": "email",
    }
