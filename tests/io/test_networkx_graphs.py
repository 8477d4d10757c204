"""Graphs as networkx writes them (Les Miserables, the karate club, the Florentine
families), imported and exported through the running server as a user does: GraphML and
GML without edge labels load whole, keep their graph attributes and directedness, their
nodes are found by search, and networkx reads the export back to the same graph."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable
from typing import Any

import httpx
import networkx as nx
import pytest

from kgmem.errors import InvalidInput
from kgmem.io.formats import DEFAULT_EDGE_TYPE
from kgmem.io.loader import ImportOptions

GRAPHS: dict[str, Callable[[], nx.Graph]] = {
    "les_miserables": nx.les_miserables_graph,
    "karate_club": nx.karate_club_graph,
    "florentine_families": nx.florentine_families_graph,
}


def written(graph: nx.Graph, fmt: str) -> bytes:
    out = io.BytesIO()
    (nx.write_graphml if fmt == "graphml" else nx.write_gml)(graph, out)
    return out.getvalue()


async def wait_for(client: httpx.AsyncClient, url: str) -> dict[str, Any]:
    for _ in range(600):
        job = (await client.get(url)).json()
        if job["status"] in ("finished", "failed"):
            return job
        await asyncio.sleep(0.05)
    raise AssertionError("the import job did not finish")


async def upload(
    client: httpx.AsyncClient, ns: str, name: str, data: bytes, **form: str
) -> dict[str, Any]:
    response = await client.post(
        f"/v1/namespaces/{ns}/imports", files={"file": (name, data)}, data=form
    )
    assert response.status_code == 202, response.text
    return await wait_for(client, f"/v1/namespaces/{ns}/imports/{response.json()['id']}")


async def exported(client: httpx.AsyncClient, ns: str, fmt: str, **params: Any) -> bytes:
    response = await client.get(f"/v1/namespaces/{ns}/export", params={"format": fmt, **params})
    assert response.status_code == 200, response.text
    return response.content


def same_graph(got: nx.Graph, want: nx.Graph) -> None:
    assert got.is_directed() == want.is_directed()
    assert sorted(got.nodes) == sorted(want.nodes)
    assert nx.is_isomorphic(
        got, want, node_match=lambda a, b: a == b, edge_match=lambda a, b: a == b
    )
    assert dict(got.nodes(data=True)) == dict(want.nodes(data=True))
    assert {frozenset((s, t)): d for s, t, d in got.edges(data=True)} == {
        frozenset((s, t)): d for s, t, d in want.edges(data=True)
    }


@pytest.mark.parametrize("name", GRAPHS)
@pytest.mark.parametrize("fmt", ["graphml", "gml"])
async def test_networkx_graph_round_trips_through_the_server(
    live_url: str, namespace: str, name: str, fmt: str
) -> None:
    original = GRAPHS[name]()
    async with httpx.AsyncClient(base_url=live_url, timeout=60) as client:
        job = await upload(client, namespace, f"{name}.{fmt}", written(original, fmt))
        assert job["status"] == "finished", job
        report = job["report"]
        assert report["records_rejected"] == 0, report["errors"][:3]
        assert report["edges_created"] == original.number_of_edges()
        assert report["vertices_created"] == original.number_of_nodes()
        data = await exported(client, namespace, fmt, plain="true")
    reader = nx.read_graphml if fmt == "graphml" else nx.read_gml
    back = reader(io.BytesIO(data))
    want = reader(io.BytesIO(written(original, fmt)))  # as networkx reads its own file
    assert sorted(want.nodes) == sorted(str(n) for n in original.nodes)
    same_graph(back, want)
    assert back.graph == want.graph


async def test_full_export_keeps_graph_attributes_and_direction(
    live_url: str, namespace: str
) -> None:
    """Without ``plain`` the export carries kgmem's columns too, and still the graph's
    own attributes, its undirectedness and each edge's weight."""
    karate = nx.karate_club_graph()
    async with httpx.AsyncClient(base_url=live_url, timeout=60) as client:
        job = await upload(client, namespace, "karate.graphml", written(karate, "graphml"))
        assert job["status"] == "finished", job
        data = await exported(client, namespace, "graphml")
    assert b'edgedefault="undirected"' in data
    back = nx.read_graphml(io.BytesIO(data))
    assert not back.is_directed()
    assert back.graph["name"] == "Zachary's Karate Club"
    edge = back.edges["0", "1"]
    assert edge["weight"] == 4 and edge["kg_label"] == DEFAULT_EDGE_TYPE
    assert "recorded_at" in edge and back.nodes["0"]["club"] == "Mr. Hi"


async def test_edges_take_the_named_type_and_a_bad_one_is_refused(
    live_url: str, namespace: str
) -> None:
    families = nx.florentine_families_graph()
    async with httpx.AsyncClient(base_url=live_url, timeout=60) as client:
        bad = await client.post(
            f"/v1/namespaces/{namespace}/imports",
            files={"file": ("f.graphml", written(families, "graphml"))},
            data={"edge_type": "MARRIED TO" * 7},
        )
        assert bad.status_code == 422 and bad.json()["code"] == "invalid_input", bad.text
        assert "edge type" in bad.json()["detail"]
        job = await upload(
            client, namespace, "f.gml", written(families, "gml"), edge_type="MARRIED_INTO"
        )
        assert job["status"] == "finished" and job["report"]["records_rejected"] == 0
        rows = await client.post(
            f"/v1/namespaces/{namespace}/cypher",
            json={"query": "MATCH ()-[r:MARRIED_INTO]->() RETURN count(r) AS n"},
        )
        assert rows.status_code == 200, rows.text
        assert rows.json()["rows"] == [[families.number_of_edges()]]
        plain = nx.read_gml(io.BytesIO(await exported(client, namespace, "gml", plain="true")))
    assert all(not d for _, _, d in plain.edges(data=True))


async def test_skip_keeps_every_edge(live_url: str, namespace: str) -> None:
    """``on_error=skip`` used to be the only way past unlabelled edges, and dropped them."""
    les = nx.les_miserables_graph()
    async with httpx.AsyncClient(base_url=live_url, timeout=60) as client:
        job = await upload(
            client, namespace, "les.graphml", written(les, "graphml"), on_error="skip"
        )
    assert job["report"]["edges_created"] == les.number_of_edges()
    assert job["report"]["records_rejected"] == 0


@pytest.mark.parametrize(
    ("fmt", "query", "uid"), [("graphml", "Valjean", "Valjean"), ("gml", "Mr. Hi", "0")]
)
async def test_nodes_without_a_name_are_found_by_search(
    live_url: str, namespace: str, fmt: str, query: str, uid: str
) -> None:
    graph = nx.les_miserables_graph() if query == "Valjean" else nx.karate_club_graph()
    async with httpx.AsyncClient(base_url=live_url, timeout=60) as client:
        job = await upload(client, namespace, f"g.{fmt}", written(graph, fmt))
        assert job["status"] == "finished", job
        response = await client.post(
            f"/v1/namespaces/{namespace}/search", json={"text": query, "k": 50}
        )
    assert response.status_code == 200, response.text
    found = response.json()
    print(found)
    uids = {h.get("uid") or h.get("entity", {}).get("uid") for h in found["hits"]}
    assert uid in uids


async def test_free_text_labels_stay_properties_and_text(live_url: str, namespace: str) -> None:
    """networkx users put display text in ``label``: text that is not a type name (it
    has spaces) is kept as the property, not refused as a type, and search finds the
    node by it."""
    graph = nx.Graph(title="cast")
    graph.add_node("jv", label="Jean Valjean")
    graph.add_node("co", label="Cosette Fauchelevent")
    graph.add_edge("jv", "co", label="adoptive father of", weight=2.5)
    async with httpx.AsyncClient(base_url=live_url, timeout=60) as client:
        job = await upload(client, namespace, "cast.graphml", written(graph, "graphml"))
        assert job["status"] == "finished" and job["report"]["records_rejected"] == 0, job
        found = await client.post(
            f"/v1/namespaces/{namespace}/search", json={"text": "Valjean", "k": 5}
        )
        data = await exported(client, namespace, "graphml", plain="true")
    assert "jv" in {h.get("uid") or h.get("entity", {}).get("uid") for h in found.json()["hits"]}
    back = nx.read_graphml(io.BytesIO(data))
    same_graph(back, nx.read_graphml(io.BytesIO(written(graph, "graphml"))))
    assert back.graph["title"] == "cast"


async def test_bad_choices_are_refused_alike(live_url: str, namespace: str) -> None:
    """The Python door refuses an edge type as REST does; ``plain`` is for GraphML and
    GML only."""
    with pytest.raises(InvalidInput, match=r"edge type: label 'co appears .* too long"):
        ImportOptions(edge_type="co appears " * 6)
    async with httpx.AsyncClient(base_url=live_url, timeout=60) as client:
        rest = await client.post(
            f"/v1/namespaces/{namespace}/imports",
            files={"file": ("g.gml", b"graph [ ]")},
            data={"edge_type": "co appears " * 6},
        )
        plain = await client.get(
            f"/v1/namespaces/{namespace}/export", params={"format": "turtle", "plain": "true"}
        )
    assert rest.status_code == 422 and rest.json()["detail"].startswith("edge type: label")
    assert plain.status_code == 422 and "GraphML and GML" in plain.json()["detail"]
