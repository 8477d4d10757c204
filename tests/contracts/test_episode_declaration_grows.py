"""A data field added to the episode's declaration reaches what derives from it with no
other edit: ``EpisodeWrite`` takes it as a field of its own (and its REST request and
JSON schema), the episode's vertex keeps it, a retry reads it back from the vertex, and
the frameworks' retrievers tell it in a hit's metadata.

The field is appended in a fresh interpreter before any module deriving from the
declaration is imported, as a newcomer's edit to ``kgmem/declarations/episode.py``
would be."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import kgmem

_PROGRAM = """
import json
import sys
import types
from datetime import UTC, datetime
from pathlib import Path

# The newcomer's edit: one more line in EPISODE_FIELDS, before anything derives from it.
source = Path("kgmem/declarations/episode.py").read_text(encoding="utf-8")
anchor = '    _coded("notes"),\\n'
assert anchor in source
added = '    data_field("channel", description="Where it came in"),\\n'
module = types.ModuleType("kgmem.declarations.episode")
module.__file__ = "kgmem/declarations/episode.py"
sys.modules[module.__name__] = module
exec(compile(source.replace(anchor, anchor + added, 1), module.__file__, "exec"), module.__dict__)

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
    root = Path(kgmem.__file__).parent.parent
    done = subprocess.run(
        [sys.executable, "-c", _PROGRAM],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found == {
        "declared": {"channel": "email"},
        "shown": "email",
        "request": {"channel": "phone"},
        "schema": True,
        "vertex": "email",
        "retried": {"channel": "email"},
        "told": "email",
    }
