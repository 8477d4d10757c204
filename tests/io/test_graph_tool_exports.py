"""GraphML, GEXF and Cytoscape.js exports keep each fact's time and trust, and
``as_of`` / ``current_only`` keep only the facts true and believed at a time."""

import io
import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import httpx
import networkx as nx
import pytest

from kgmem import BatchWrite, EntityWrite, FactWrite, Memory
from kgmem.errors import InvalidInput
from kgmem.io.exporter import ExportOptions

T = datetime(2019, 1, 1, tzinfo=UTC)
OLD = datetime(2020, 1, 1, tzinfo=UTC)
CLOSED = datetime(2021, 1, 1, tzinfo=UTC)
NEW = datetime(2022, 1, 1, tzinfo=UTC)
FIELDS = {"valid_from", "valid_to", "recorded_at", "expired_at", "status", "trust"}


@pytest.fixture
async def facts(memory: Memory, namespace: str) -> str:
    """a worked at b from 2020 to 2021 (closed), and at c from 2022 (current)."""
    await memory.write_batch(
        namespace,
        BatchWrite(
            entities=[EntityWrite(u, "Thing", {"name": u}, embedding=[0.1] * 384) for u in "abc"],
            facts=[
                FactWrite(
                    "a", "WORKS_AT", "b", uid="old", valid_from=OLD, recorded_at=T, source="s1"
                )
            ],
        ),
    )
    # Closed before the next value starts (written after, it would supersede it).
    await memory.close_fact(namespace, "old", valid_to=CLOSED)
    await memory.write_batch(
        namespace,
        BatchWrite(
            facts=[
                FactWrite(
                    "a", "WORKS_AT", "c", uid="new", valid_from=NEW, recorded_at=T, source="s1"
                )
            ]
        ),
    )
    return namespace


async def export(memory: Memory, ns: str, fmt: str, **kw: object) -> bytes:
    options = ExportOptions(fmt, **kw)  # type: ignore[arg-type]
    return b"".join([c async for c in memory.export(ns, options)])


async def test_graphml_edges_carry_time_and_trust(memory: Memory, facts: str) -> None:
    graph = nx.read_graphml(io.BytesIO(await export(memory, facts, "graphml")))
    edges = {d["kg_label"] + ">" + v: d for _, v, d in graph.edges(data=True)}
    old, new = edges["WORKS_AT>b"], edges["WORKS_AT>c"]
    assert datetime.fromisoformat(old["valid_from"]) == OLD
    assert datetime.fromisoformat(old["valid_to"]) == CLOSED
    assert datetime.fromisoformat(new["recorded_at"]) == T
    assert "valid_to" not in new  # open: a current fact looks current


async def test_gexf_is_dynamic_with_valid_time_spells(memory: Memory, facts: str) -> None:
    # networkx reads GEXF timeformat "date" (as text), not "dateTime": the spells are
    # date-times under "date", as the GEXF schema allows.
    root = ET.fromstring(await export(memory, facts, "gexf"))
    ns = {"g": "http://gexf.net/1.3"}
    graph = root.find("g:graph", ns)
    assert graph is not None
    assert (graph.get("mode"), graph.get("timeformat")) == ("dynamic", "date")
    spells = {
        e.get("target"): [(s.get("start"), s.get("end")) for s in e.iterfind(".//g:spell", ns)]
        for e in root.iterfind(".//g:edge", ns)
    }
    assert spells["b"] == [(OLD.isoformat(), CLOSED.isoformat())]
    assert spells["c"] == [(NEW.isoformat(), None)]
    titles = {
        a.get("title") for a in root.iterfind(".//g:attributes[@class='edge']/g:attribute", ns)
    }
    assert titles >= FIELDS


async def test_cytoscape_json_reads_in_networkx(memory: Memory, facts: str) -> None:
    data = json.loads(await export(memory, facts, "cytoscape"))
    assert data["directed"] is True and data["multigraph"] is True and "data" in data
    graph = nx.cytoscape_graph(data)
    assert graph.is_directed() and graph.number_of_edges() == 2
    for _, _, d in graph.edges(data=True):
        assert {"valid_from", "recorded_at"} <= set(d)
        own = {"id", "key", "source", "target", "label", "text"}
        assert set(d) - own <= FIELDS | {"claims", "withdrawn", "closed_by", "revised_at"}


async def test_as_of_and_current_only_keep_facts_true_and_believed_then(
    memory: Memory, facts: str
) -> None:
    async def targets(**kw: object) -> list[str]:
        data = json.loads(await export(memory, facts, "cytoscape", **kw))
        return sorted(e["data"]["target"] for e in data["elements"]["edges"])

    assert await targets() == ["b", "c"]
    assert await targets(current_only=True) == ["c"]
    assert await targets(as_of=datetime(2020, 6, 1, tzinfo=UTC)) == ["b"]
    assert await targets(as_of=datetime(2018, 6, 1, tzinfo=UTC)) == []  # not yet recorded
    with pytest.raises(InvalidInput):
        await targets(as_of=OLD, current_only=True)
    with pytest.raises(InvalidInput):
        await targets(as_of=datetime(2020, 6, 1))  # no time zone


async def test_rest_export_takes_as_of(client: httpx.AsyncClient, facts: str) -> None:
    response = await client.get(
        f"/v1/namespaces/{facts}/export",
        params={"format": "cytoscape", "as_of": "2020-06-01T00:00:00Z"},
    )
    assert response.status_code == 200
    edges = response.json()["elements"]["edges"]
    assert [e["data"]["target"] for e in edges] == ["b"]
    both = await client.get(
        f"/v1/namespaces/{facts}/export",
        params={"format": "gexf", "as_of": "2020-06-01T00:00:00Z", "current_only": "true"},
    )
    assert both.status_code == 422 and both.json()["code"] == "invalid_input"
    assert both.headers["content-type"].startswith("application/problem+json")


async def test_scored_facts_carry_status_and_trust(memory: Memory, facts: str) -> None:
    await memory.verify_namespace(facts)
    graph = nx.read_graphml(io.BytesIO(await export(memory, facts, "graphml")))
    edges = {d["id"]: d for _, _, d in graph.edges(data=True)}
    assert isinstance(edges["new"]["trust"], float) and edges["new"]["status"]
    # Closing the fact expired it (kgmem stopped believing it): verification skips it.
    assert "expired_at" in edges["old"] and "trust" not in edges["old"]
