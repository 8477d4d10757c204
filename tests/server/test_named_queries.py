"""Named queries: listed with their parameters and columns, callable with parameters;
every file in cypher/ runs through the endpoint on a small graph."""

from pathlib import Path

import httpx
import pytest

from kgmem import EntityWrite, FactWrite, Memory
from kgmem.cypher.named import load_directory, load_file
from kgmem.errors import SchemaFileError
from kgmem.process.resources import resource_dir
from tests.server.test_entities_api import assert_problem

FILES = sorted(resource_dir("cypher").glob("*.cypher"))


@pytest.fixture
async def small_graph(memory: Memory, namespace: str) -> str:
    await memory.upsert_entity(namespace, EntityWrite("alice", "Person", {"name": "Alice"}))
    await memory.upsert_entity(namespace, EntityWrite("acme", "Organization", {"name": "Acme"}))
    await memory.add_fact(namespace, FactWrite("alice", "WORKS_AT", "acme"))
    return namespace


async def test_listing_shows_parameters_and_columns(
    client: httpx.AsyncClient, namespace: str
) -> None:
    listed = (await client.get(f"/v1/namespaces/{namespace}/queries")).json()
    by_name = {q["name"]: q for q in listed}
    assert set(by_name) == {p.stem for p in FILES}
    facts = by_name["current_facts_of"]
    assert facts["params"] == [{"name": "uid", "type": "string"}]
    assert facts["columns"] == ["predicate", "object", "valid_from", "valid_to"]
    assert facts["writes"] is False and "MATCH" in facts["query"]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
async def test_every_file_runs_through_the_endpoint(
    client: httpx.AsyncClient, memory: Memory, small_graph: str, path: Path
) -> None:
    episode = {"text": "Alice joined Acme.", "session": "alice", "speaker": "alice"}
    await memory.upsert_entity(small_graph, EntityWrite("ep-alice", "Episode", episode))
    query = load_file(path)
    params = {p.name: "alice" for p in query.params}
    response = await client.post(
        f"/v1/namespaces/{small_graph}/queries/{query.name}", json={"params": params}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["columns"] == list(query.columns)
    assert body["rows"], f"{path.name} returned nothing on the small graph"


async def test_named_query_results(client: httpx.AsyncClient, small_graph: str) -> None:
    url = f"/v1/namespaces/{small_graph}/queries/current_facts_of"
    rows = (await client.post(url, json={"params": {"uid": "alice"}})).json()["rows"]
    assert [r[:2] for r in rows] == [["WORKS_AT", "acme"]]
    counted = await client.post(f"/v1/namespaces/{small_graph}/queries/count_by_label", json={})
    assert dict(map(tuple, counted.json()["rows"])) == {"Organization": 1, "Person": 1}


async def test_bad_calls_are_clear_errors(client: httpx.AsyncClient, namespace: str) -> None:
    base = f"/v1/namespaces/{namespace}/queries"
    assert_problem(await client.post(f"{base}/nope", json={}), 404, "named_query_not_found")
    wrong_type = await client.post(f"{base}/entity_by_uid", json={"params": {"uid": 5}})
    assert_problem(wrong_type, 422, "cypher_type_error")
    unknown = await client.post(f"{base}/entity_by_uid", json={"params": {"uid": "a", "x": 1}})
    assert_problem(unknown, 422, "cypher_type_error")
    missing = await client.post(f"{base}/entity_by_uid", json={})
    assert_problem(missing, 422, "cypher_semantic_error")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("// name: q\n// description: d\n// params:\n// columns: a\n// writes: false\n"
         "RETURN 1 AS b", "declares columns"),
        ("// name: q\n// description: d\n// params: x (string)\n// columns: a\n"
         "// writes: false\nRETURN 1 AS a", "unused"),
        ("// name: q\n// description: d\n// params: x (blob)\n// columns: a\n"
         "// writes: false\nRETURN $x AS a", "bad parameter"),
        ("// name: q\n// params:\n// columns: a\n// writes: false\nRETURN 1 AS a", "lacks"),
    ],
)  # fmt: skip
def test_malformed_files_are_refused(tmp_path: Path, text: str, problem: str) -> None:
    (tmp_path / "q.cypher").write_text(text)
    with pytest.raises(SchemaFileError, match=problem):
        load_directory(tmp_path)
