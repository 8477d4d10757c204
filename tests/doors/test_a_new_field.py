"""A field added to the fact's declaration, one added to the episode's and one to the
entity's, each with no other edit, reach every door.

The test copies kgmem, adds one line to each of ``kgmem/declarations/fact.py``,
``episode.py`` and ``entity.py`` in the copy (as a newcomer would), and runs the
copy's server, CLI and client in their own processes. The fields are then written and
read over REST, MCP, the Python client and Bolt; they appear in every export format,
come back through the imports that read them, survive a retry of the episode, and
survive a backup restored into a fresh home. The test's own process keeps the unchanged
kgmem: it talks to the copy only as a user's tools do."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import neo4j
import pytest

import kgmem
from kgmem.io.formats import EXPORT_FORMATS, FORMATS
from tests.cli import test_serve
from tests.cli.test_serve import Server, env_for, free_port
from tests.mcp.test_mcp_http import mcp_client, payload

pytestmark = pytest.mark.slow

home = test_serve.home

QUICK = {"KGMEM_EMBEDDING_PROVIDER": "none", "KGMEM_EMBEDDING_DIMENSION": "384"}
ADDED = '    data_field("origin", "text", description="Where the fact was heard"),\n'
HEARD = "heard-at-lunch"
EPISODE_ADDED = '    data_field("channel", description="Where the episode came in"),\n'
CAME = "came-by-email"
ENTITY_ANCHOR = '    # data_field("nickname", description="What friends call it"),\n'
ENTITY_ADDED = '    data_field("nickname", description="What friends call her"),\n'
CALLED = "Annie"
ROUND_TRIPS = ("jsonl", "graphml", "gml", "turtle", "jsonld")


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of kgmem whose fact declaration has one more line, and nothing else new."""
    root = Path(kgmem.__file__).resolve().parent.parent
    src = tmp_path_factory.mktemp("src")
    # copy2 keeps the times, so the compiled modules stay valid but the edited one.
    shutil.copytree(root / "kgmem", src / "kgmem", symlinks=True)
    for resources in ("migrations", "graph_schema", "cypher"):
        (src / resources).symlink_to(root / resources)
    declaration = src / "kgmem" / "declarations" / "fact.py"
    text = declaration.read_text(encoding="utf-8")
    anchor = '    FactField("status"'
    assert anchor in text
    declaration.write_text(text.replace(anchor, ADDED + anchor, 1), encoding="utf-8")
    episodes = src / "kgmem" / "declarations" / "episode.py"
    text = episodes.read_text(encoding="utf-8")
    anchor = '    _coded("notes"),\n'
    assert anchor in text
    episodes.write_text(text.replace(anchor, anchor + EPISODE_ADDED, 1), encoding="utf-8")
    entities = src / "kgmem" / "declarations" / "entity.py"
    text = entities.read_text(encoding="utf-8")
    assert ENTITY_ANCHOR in text
    edited = text.replace(ENTITY_ANCHOR, ENTITY_ANCHOR + ENTITY_ADDED, 1)
    entities.write_text(edited, encoding="utf-8")
    return src


def copy_env(source: Path, home: Path, **extra: str) -> dict[str, str]:
    return env_for(home, **QUICK, PYTHONPATH=str(source), **extra)


def run(source: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """A command of the copy (its working directory is the copy, so ``-m kgmem`` and
    ``import kgmem`` find the copy)."""
    done = subprocess.run(
        [sys.executable, *args],
        cwd=source,
        env=copy_env(source, home),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done


def post(http: httpx.Client, path: str, body: dict[str, Any], status: int = 201) -> Any:
    answer = http.post(path, json=body)
    assert answer.status_code == status, answer.text
    return answer.json()


def write_over_rest(http: httpx.Client) -> None:
    post(http, "/v1/namespaces", {"name": "notes"})
    for uid, label in (("ann", "Person"), ("acme", "Organization")):
        body = {"label": label, "properties": {"name": uid.title()}, "nickname": CALLED}
        assert http.put(f"/v1/namespaces/notes/entities/{uid}", json=body).status_code == 201
    refused = http.put("/v1/namespaces/notes/entities/bob", json={"nickname": 5})
    assert refused.status_code == 422 and "nickname" in refused.text
    assert http.get("/v1/namespaces/notes/entities/bob").status_code == 404
    patch = {"nickname": "Acme Co"}
    patched = http.patch("/v1/namespaces/notes/entities/acme", json=patch)
    assert patched.status_code == 200, patched.text
    fact = {"uid": "f1", "subject": "ann", "predicate": "WORKS_AT", "object": "acme"}
    written = post(
        http,
        "/v1/namespaces/notes/facts",
        {**fact, "text": "Ann works at Acme"} | {"origin": HEARD},
    )
    assert written["origin"] == HEARD
    refused = http.post("/v1/namespaces/notes/facts", json={**fact, "uid": "f2", "origin": 5})
    assert refused.status_code == 422 and "origin" in refused.text
    assert http.get("/v1/namespaces/notes/facts/f2").status_code == 404
    episode = {"uid": "ep-1", "text": "Cy met Ann.", "channel": CAME, "facts": [MET]}
    post(http, "/v1/namespaces/notes/episodes", {**episode, "entities": [CY, ANN]})
    refused = http.post(
        "/v1/namespaces/notes/episodes", json={**episode, "uid": "ep-2", "channel": 5}
    )
    assert refused.status_code == 422 and "channel" in refused.text
    assert http.get("/v1/namespaces/notes/episodes/ep-2").status_code == 404


MET = {"subject": "Cy", "predicate": "MET", "object": "Ann", "origin": "in the episode"}
CY = {"name": "Cy", "label": "Person", "uid": "cy"}
ANN = {"name": "Ann", "label": "Person", "uid": "ann"}


def read_over_rest(http: httpx.Client, namespace: str = "notes") -> None:
    base = f"/v1/namespaces/{namespace}"
    assert http.get(f"{base}/episodes/ep-1").json()["properties"]["channel"] == CAME
    met = http.get(f"{base}/facts", params={"subject": "cy", "predicate": "MET"}).json()
    assert [f["origin"] for f in met["items"]] == ["in the episode"]
    assert http.get(f"{base}/facts/f1").json()["origin"] == HEARD
    listed = http.get(f"{base}/facts", params={"subject": "ann", "predicate": "WORKS_AT"}).json()
    assert [f["origin"] for f in listed["items"]] == [HEARD]
    detail = http.get(f"{base}/entities/ann").json()
    assert {f["uid"]: f["origin"] for f in detail["outgoing"]}["f1"] == HEARD
    assert detail["entity"]["properties"]["nickname"] == CALLED
    acme = http.get(f"{base}/entities/acme").json()["entity"]["properties"]
    assert acme == {"name": "Acme", "nickname": "Acme Co"}


def test_the_openapi_document_describes_the_field(source: Path, home: Path) -> None:
    done = run(source, home, "-m", "kgmem", "openapi")
    schemas = json.loads(done.stdout)["components"]["schemas"]
    assert schemas["FactIn"]["properties"]["origin"]["description"] == "Where the fact was heard"
    assert "origin" in schemas["Fact"]["properties"]
    assert "origin" in schemas["FactMentionIn"]["properties"]
    channel = schemas["EpisodeIn"]["properties"]["channel"]
    assert channel["description"] == "Where the episode came in"
    for request in ("EntityIn", "EntityPatchIn", "EntityMentionIn"):
        called = schemas[request]["properties"]["nickname"]
        assert called["description"] == "What friends call her", request


def test_every_door_export_and_restore_carries_the_field(source: Path, home: Path) -> None:
    bolt = free_port()
    server = Server(
        home, free_port(), cwd=source, **copy_env(source, home, KGMEM_BOLT_PORT=str(bolt))
    )
    try:
        server.wait_healthy()
        with httpx.Client(base_url=server.url, timeout=120) as http:
            write_over_rest(http)
            read_over_rest(http)
            retried = http.post("/v1/namespaces/notes/episodes/ep-1/extract")
            assert retried.status_code == 200, retried.text
            read_over_rest(http)
            asyncio.run(over_mcp(server.url, http))
            over_the_client(source, home, server.url)
            assert over_bolt(bolt) == ([HEARD], [CAME], [CALLED])
            exports = {fmt: export(http, fmt) for fmt in EXPORT_FORMATS}
            for fmt, text in exports.items():
                assert HEARD in text, fmt
                nodes = export(http, fmt, "nodes") if fmt == "csv" else text
                assert CAME in nodes and CALLED in nodes, fmt
            for fmt in ROUND_TRIPS:
                assert fmt in FORMATS
                reimport(http, fmt, exports[fmt])
                read_over_rest(http, f"copy_{fmt}")
        run(source, home, "-m", "kgmem", "backup", str(home.parent / "store.backup"))
    finally:
        server.stop()
    restored_home = home.parent / "restored"
    run(source, restored_home, "-m", "kgmem", "restore", str(home.parent / "store.backup"))
    restored = Server(restored_home, free_port(), cwd=source, **copy_env(source, restored_home))
    try:
        restored.wait_healthy()
        with httpx.Client(base_url=restored.url, timeout=120) as http:
            read_over_rest(http)
    finally:
        restored.stop()


async def over_mcp(url: str, http: httpx.Client) -> None:
    """An episode's fact given the field over MCP, then read back by get_entity."""
    async with mcp_client(url) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        assert "origin" in json.dumps(tools["add_episode"].input_schema)
        episode = {
            "text": "Bo knows Ann.",
            "entities": [
                {"name": "Bo", "label": "Person", "uid": "bo", "nickname": "Bobo"},
                {"name": "Ann", "label": "Person", "uid": "ann"},
            ],
            "facts": [{"subject": "Bo", "predicate": "KNOWS", "object": "Ann", "origin": "mcp"}],
        }
        assert "channel" in json.dumps(tools["add_episode"].input_schema)
        assert "nickname" in json.dumps(tools["add_episode"].input_schema)
        episode |= {"uid": "ep-mcp", "channel": "mcp"}
        payload(await client.call_tool("add_episode", {"namespace": "notes", "episode": episode}))
        found = payload(await client.call_tool("get_entity", {"namespace": "notes", "uid": "bo"}))
        stored = {"namespace": "notes", "uid": "ep-mcp"}
        kept = payload(await client.call_tool("get_entity", stored))
    assert [f["fact"]["origin"] for f in found["outgoing"]] == ["mcp"]
    assert kept["entity"]["properties"]["channel"] == "mcp"
    assert found["entity"]["properties"]["nickname"] == "Bobo"
    listed = await asyncio.to_thread(
        http.get, "/v1/namespaces/notes/facts", params={"subject": "bo"}
    )
    assert [f["origin"] for f in listed.json()["items"]] == ["mcp"]


_CLIENT = """
import json, sys
from kgmem.client import Client
from kgmem.model import EntityWrite, EpisodeWrite, FactWrite
with Client(sys.argv[1]) as client:
    client.upsert_entity("notes", EntityWrite("dee", "Person", declared={"nickname": "D"}))
    called = client.get_entity("notes", "dee").entity.properties["nickname"]
    written = client.add_fact("notes", FactWrite("ann", "LIKES", "acme", uid="f3",
                                             declared={"origin": "the client"}))
    read = client.get_fact("notes", "f3")
    client.add_episodes("notes", [EpisodeWrite("Ann called.", uid="ep-c",
                                               declared={"channel": "the client"})])
    episode = client.get_entity("notes", "ep-c").entity
    print(json.dumps([written.declared, read.declared, client.get_fact("notes", "f1").declared,
                      episode.properties["channel"], called]))
"""


def over_the_client(source: Path, home: Path, url: str) -> None:
    found = json.loads(run(source, home, "-c", _CLIENT, url).stdout)
    expected = [{"origin": "the client"}, {"origin": "the client"}, {"origin": HEARD}]
    assert found == [*expected, "the client", "D"]


def over_bolt(port: int) -> tuple[list[Any], list[Any], list[Any]]:
    with neo4j.GraphDatabase.driver(f"bolt://127.0.0.1:{port}", auth=None) as driver:
        facts, _, _ = driver.execute_query(
            "MATCH ()-[r:WORKS_AT]->() RETURN r.origin AS origin",
            database_="notes",
        )
        episodes, _, _ = driver.execute_query(
            "MATCH (e:Episode {uid: 'ep-1'}) RETURN e.channel AS channel",
            database_="notes",
        )
        people, _, _ = driver.execute_query(
            "MATCH (p:Person {uid: 'ann'}) RETURN p.nickname AS nickname",
            database_="notes",
        )
    called = [r["nickname"] for r in people]
    return [r["origin"] for r in facts], [r["channel"] for r in episodes], called


def export(http: httpx.Client, fmt: str, part: str = "relationships") -> str:
    params = {"format": fmt, "part": part} if fmt == "csv" else {"format": fmt}
    answer = http.get("/v1/namespaces/notes/export", params=params)
    assert answer.status_code == 200, answer.text
    return answer.text


def reimport(http: httpx.Client, fmt: str, text: str) -> None:
    post(http, "/v1/namespaces", {"name": f"copy_{fmt}"})
    files = {"file": (f"export.{fmt}", text.encode(), "application/octet-stream")}
    job = http.post(f"/v1/namespaces/copy_{fmt}/imports", files=files, data={"format": fmt})
    assert job.status_code == 202, job.text
    path = f"/v1/namespaces/copy_{fmt}/imports/{job.json()['id']}"
    deadline = time.monotonic() + 300
    while (state := http.get(path).json())["status"] in ("queued", "running"):
        assert time.monotonic() < deadline, state
        time.sleep(0.3)
    assert state["status"] == "finished", state
