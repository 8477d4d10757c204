"""Labels and relationship types AGE cannot hold as table names (``Big Co``, ``works
at``) through every door: written over REST, read back as written by REST, MCP, the
client, Cypher and Bolt, and stored in the table Cypher uses
(``kgmem.schema.label_names``); refused alike at every door when no door can take them
(empty, past 63 bytes once stored, control characters, kgmem's own prefix)."""

from __future__ import annotations

from typing import Any

import neo4j
from hypothesis import strategies as st

from kgmem import Memory
from kgmem.bolt import BoltServer
from kgmem.errors import KgmemError
from kgmem.model import EntityWrite, FactWrite
from kgmem.schema import label_names
from kgmem.settings.config import BoltSettings
from tests.doors.doors import Doors, opened
from tests.doors.test_check_doors_agree import check_everywhere
from tests.doors.test_doors_agree import (  # noqa: F401 (three: the fixture)
    _entity_view,
    add_everywhere,
    drawn,
    episode,
    search_everywhere,
    three,
)

MATCHED = "MATCH (n:`Big Co`)-[r:`works at`]->(m) RETURN n.uid, labels(n), type(r), m.uid"
REFUSED = ["", "x" * 64, "a b" * 20, "é" * 32, "tab\there", "nul\x00", "__kgmem_L_Big_u0020Co"]


async def _write(doors: Doors, namespace: str) -> None:
    """``acme`` (a ``Big Co``) ``works at`` ``park`` (a Place), over REST."""
    base = f"/v1/namespaces/{namespace}"
    body = {"label": "Big Co", "properties": {"name": "Acme"}}
    acme = await doors.rest("PUT", f"{base}/entities/acme", body)
    assert acme.answer["label"] == "Big Co", acme
    park = {"label": "Place", "properties": {"name": "Bletchley Park"}}
    assert (await doors.rest("PUT", f"{base}/entities/park", park)).accepted
    fact = {"subject": "acme", "predicate": "works at", "object": "park"}
    assert (await doors.rest("POST", f"{base}/facts", fact)).answer["predicate"] == "works at"


async def _tables(memory: Memory, namespace: str) -> set[str]:
    async with memory.ctx.db.acquire() as conn:
        rows = await conn.fetch(
            "SELECT l.name::text FROM ag_catalog.ag_label l JOIN ag_catalog.ag_graph g "
            "ON g.graphid = l.graph WHERE g.name = $1",
            namespace,
        )
    return {name for (name,) in rows}


async def _bolt_rows(memory: Memory, namespace: str, query: str) -> list[list[Any]]:
    bolt = BoltServer(memory, BoltSettings(port=0))
    await bolt.start()
    try:
        driver = neo4j.AsyncGraphDatabase.driver(f"bolt://127.0.0.1:{bolt.port}", auth=None)
        async with driver, driver.session(database=namespace) as session:
            return [r.values() async for r in await session.run(query)]
    finally:
        await bolt.stop()


async def test_a_rest_write_reads_back_as_written_at_every_door(
    live_url: str, memory: Memory, namespace: str
) -> None:
    base = f"/v1/namespaces/{namespace}"
    async with opened(live_url) as doors:
        await _write(doors, namespace)
        by_client = await doors.call(
            lambda: doors.client.upsert_entity(namespace, EntityWrite("initech", "Small Co"))
        )
        client_fact = await doors.call(
            lambda: doors.client.add_fact(namespace, FactWrite("initech", "works at", "park"))
        )
        small = await doors.rest_query(f"{base}/entities", {"label": "Small Co"})
        read = {
            "rest": await doors.rest("GET", f"{base}/entities/acme"),
            "mcp": await doors.tool("get_entity", {"namespace": namespace, "uid": "acme"}),
            "client": await doors.call(lambda: doors.client.get_entity(namespace, "acme")),
        }
        listed = await doors.rest_query(f"{base}/entities", {"label": "Big Co"})
        facts = await doors.rest_query(f"{base}/facts", {"predicate": "works at"})
        cypher = {
            "rest": await doors.rest("POST", f"{base}/cypher", {"query": MATCHED}),
            "mcp": await doors.tool("cypher_read", {"namespace": namespace, "query": MATCHED}),
        }
        by_label = {"text": "Acme", "filters": {"labels": ["Big Co"]}}
        found = await search_everywhere(doors, namespace, by_label)
        assert found.accepted, found
        by_type = {"text": "Acme", "types": ["facts"], "filters": {"predicates": ["works at"]}}
        found_facts = await search_everywhere(doors, namespace, by_type)
        assert found_facts.accepted, found_facts
    views = {_entity_view(door, o.answer) for door, o in read.items()}
    assert views == {("acme", "Big Co", "Acme", (("works at", "park"),))}
    assert [e["uid"] for e in listed.answer["items"]] == ["acme"]
    assert [f["predicate"] for f in facts.answer["items"]] == ["works at", "works at"]
    assert by_client.accepted and client_fact.answer.predicate == "works at"
    assert [(e["uid"], e["label"]) for e in small.answer["items"]] == [("initech", "Small Co")]
    for answer in cypher.values():
        assert answer.answer["rows"] == [["acme", ["Big Co"], "works at", "park"]]
    hits = {h["uid"]: h for h in found.answer["hits"]}
    assert hits["acme"]["kind"] == "entity" and hits["acme"]["entity"]["label"] == "Big Co"
    predicates = {h["fact"]["predicate"] for h in found_facts.answer["hits"]}
    assert predicates == {"works at"}
    assert {"__kgmem_L_Big_u0020Co", "__kgmem_L_works_u0020at"} <= await _tables(memory, namespace)
    assert not {"Big Co", "works at"} & await _tables(memory, namespace)
    bolt = await _bolt_rows(memory, namespace, f"{MATCHED}, n, r")
    [[uid, labels, kind, _, node, rel]] = bolt
    assert (uid, labels, kind) == ("acme", ["Big Co"], "works at")
    assert set(node.labels) == {"Big Co"} and rel.type == "works at"


async def test_episodes_name_such_labels_alike_at_every_door(
    live_url: str,
    three: dict[str, str],  # noqa: F811
) -> None:
    """An episode (REST, MCP's ``add_episodes``, the client) whose mentions carry such
    a label and type writes them as written; one past the limit fails the same way."""
    mentions = {
        "entities": [
            {"name": "Initech", "label": "Big Co", "uid": "initech"},
            {"name": "Austin", "label": "Place", "uid": "austin"},
        ],
        "facts": [{"subject": "Initech", "predicate": "based in", "object": "Austin"}],
    }
    too_long = {"facts": [{"subject": "Initech", "predicate": "x" * 64, "object": "Austin"}]}
    async with opened(live_url) as doors:
        stored = await add_everywhere(doors, three, [episode("e-1", **mentions)])
        failed = await add_everywhere(doors, three, [episode("e-2", **(mentions | too_long))])
        read = {
            "rest": await doors.rest("GET", f"/v1/namespaces/{three['rest']}/entities/initech"),
            "mcp": await doors.tool("get_entity", {"namespace": three["mcp"], "uid": "initech"}),
            "client": await doors.call(lambda: doors.client.get_entity(three["client"], "initech")),
        }
    assert stored.accepted and failed.accepted
    assert failed.answer["episodes"][0]["status"] == "failed"
    assert "invalid_identifier" in failed.answer["episodes"][0]["error"]
    views = {_entity_view(door, o.answer) for door, o in read.items()}
    assert views == {("initech", "Big Co", "Initech", (("based in", "austin"),))}


async def test_cypher_and_rest_share_the_stored_tables(memory: Memory, namespace: str) -> None:
    """A Cypher write makes the tables first; REST's writes land in them, and a label
    Cypher sets on a REST entity reads back as written and can be replaced over REST."""
    await memory.cypher(
        namespace,
        "CREATE (:`Big Co` {name: 'Cy'})-[:`works at`]->(:Place {name: 'There'})",
        mode="write",
    )
    for uid, label in (("acme", "Big Co"), ("park", "Place"), ("ada", "Person")):
        await memory.upsert_entity(namespace, EntityWrite(uid, label, {"name": uid}))
    await memory.add_fact(namespace, FactWrite("acme", "works at", "park"))
    counted = await memory.cypher(
        namespace,
        "MATCH (n:`Big Co`) WITH count(n) AS n MATCH ()-[r:`works at`]->() RETURN n, count(r)",
    )
    assert counted.rows == [[2, 2]]
    await memory.cypher(
        namespace, "MATCH (n {uid: 'ada'}) SET n:`Big Co` REMOVE n:Person", mode="write"
    )
    assert (await memory.get_entity(namespace, "ada")).entity.label == "Big Co"
    await memory.upsert_entity(namespace, EntityWrite("ada", "Small Co", {"name": "ada"}))
    moved = await memory.cypher(namespace, "MATCH (n {uid: 'ada'}) RETURN labels(n)")
    assert moved.rows == [[["Small Co"]]]
    await memory.delete_entity(namespace, "ada")
    left = await memory.cypher(namespace, "MATCH (n) WHERE n.uid = 'ada' RETURN count(n)")
    assert left.rows == [[0]]


async def test_names_no_door_can_take_are_refused_alike(
    live_url: str, memory: Memory, namespace: str
) -> None:
    base = f"/v1/namespaces/{namespace}"
    async with opened(live_url) as doors:
        for name in REFUSED:
            put = await doors.http.put(f"{base}/entities/x", json={"label": name})
            assert put.status_code == 422, (name, put.text)
            problem = put.json()
            assert (problem["code"], problem["field"]) == ("invalid_identifier", "label"), name
            listed = await doors.rest_query(f"{base}/entities", {"label": name})
            found = await search_everywhere(
                doors, namespace, {"text": "x", "filters": {"labels": [name]}}
            )
            claim = {"subject": "x", "predicate": name, "value": "y"}
            checked = await check_everywhere(doors, namespace, claim)
            expected = "invalid_request" if name == "" else "invalid_identifier"
            assert (listed.code, found.code, checked.code) == (
                "invalid_identifier",
                "invalid_identifier",
                expected,
            ), name
            assert not await _cypher_takes(memory, namespace, name), name


NAMES = st.text(
    alphabet=st.sampled_from(list("aZ9_ -.'`\"é日ß😀\t\x00\x7f:;()$\\/")), max_size=24
) | st.sampled_from(["Big Co", "works at", "UNWIND", " padded ", "__Entity__", "__kgmem_x"])


async def test_rest_mcp_the_client_and_cypher_agree_on_which_names_are_labels(
    live_url: str, memory: Memory, namespace: str
) -> None:
    names = [*drawn(NAMES, 40), *REFUSED]
    taken: list[bool] = []
    base = f"/v1/namespaces/{namespace}"
    async with opened(live_url) as doors:
        for uid, name in enumerate(names):
            expected = label_names.refusal(name) is None
            found = await search_everywhere(
                doors, namespace, {"text": "x", "filters": {"labels": [name]}}
            )
            assert found.accepted == expected, (name, found)
            assert found.accepted or found.code == "invalid_identifier", (name, found)
            put = await doors.rest("PUT", f"{base}/entities/e{uid}", {"label": name})
            assert put.accepted == expected, (name, put)
            assert await _cypher_takes(memory, namespace, name) == expected, name
            if expected:
                assert put.answer["label"] == name
                assert await _cypher_uids(memory, namespace, name) == [f"e{uid}"]
            taken.append(expected)
    assert any(taken) and not all(taken)


def _quoted(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


async def _cypher_takes(memory: Memory, namespace: str, name: str) -> bool:
    """Whether Cypher takes ``name`` as a label in a pattern."""
    try:
        await memory.cypher(namespace, f"MATCH (n:{_quoted(name)}) RETURN count(n)")
    except KgmemError:
        return False
    return True


async def _cypher_uids(memory: Memory, namespace: str, name: str) -> list[Any]:
    found = await memory.cypher(namespace, f"MATCH (n:{_quoted(name)}) RETURN n.uid")
    return [row[0] for row in found.rows]
