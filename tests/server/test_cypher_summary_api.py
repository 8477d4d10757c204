"""REST's Cypher answer carries the same summary as Bolt's: the counters and the query
type, from the one ``CypherResult`` every door shares; bytes as kgmem's tagged map."""

import httpx

from kgmem.cypher.stored_values import BYTES_KEY


async def cypher(client: httpx.AsyncClient, ns: str, query: str, **body: object) -> httpx.Response:
    return await client.post(f"/v1/namespaces/{ns}/cypher", json={"query": query, **body})


async def test_a_write_answers_its_counters_and_query_type(
    client: httpx.AsyncClient, namespace: str
) -> None:
    created = await cypher(
        client, namespace, "CREATE (n:Note:Draft {t: 'x', n: 1}) RETURN n.t AS t", mode="write"
    )
    body = created.json()
    assert body["query_type"] == "rw"
    counted = {k: v for k, v in body["counters"].items() if v}
    assert counted == {
        "nodes_created": 1,
        "labels_added": 2,
        "properties_set": 2,
        "contains_updates": True,
    }
    read = (await cypher(client, namespace, "MATCH (n:Note) RETURN n.t AS t")).json()
    assert read["query_type"] == "r" and read["counters"]["contains_updates"] is False
    index = (
        await cypher(client, namespace, "CREATE INDEX i_note FOR (n:Note) ON (n.t)", mode="write")
    ).json()
    assert index["query_type"] == "s" and index["counters"]["indexes_added"] == 1


async def test_bytes_are_the_tagged_map_both_ways(
    client: httpx.AsyncClient, namespace: str
) -> None:
    data = {BYTES_KEY: "AAH/"}
    await cypher(client, namespace, "CREATE (:Blob {b: $b})", params={"b": data}, mode="write")
    found = await cypher(
        client, namespace, "MATCH (x:Blob) WHERE x.b = $b RETURN x.b AS b", params={"b": data}
    )
    assert found.json()["rows"] == [[data]]
