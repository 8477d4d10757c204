"""GEXF exports are read by the tools they are for: networkx (``read_gexf``) and
graphology-gexf (the GEXF reader of Gephi's JavaScript family: sigma.js, graphology),
each getting every vertex and fact, the attribute values with their types, the
location and each fact's valid time as its spell. kgmem does not import GEXF: its
export says so (``DROPPED``), and what it writes is checked against the store.

graphology-gexf runs under node from ``ui/node_modules`` (``./run`` installs it with
``npm ci``); without node or those modules the graphology half is skipped, saying why.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings

from kgmem import EntityWrite, FactWrite, Memory
from kgmem.io.exporter import ExportOptions
from kgmem.io.formats import DROPPED
from kgmem.io.graph_tool_formats import kind, plain
from tests.graph.test_invariants import Runner, store  # noqa: F401
from tests.io.round_trip_graphs import Plan, plans, snapshot, write
from tests.io.test_round_trips import ISSUE_GRAPH

EXAMPLES = 6
ROOT = Path(__file__).resolve().parents[2]
UI_MODULES = ROOT / "ui" / "node_modules"
SCRIPT = Path(__file__).with_name("read_gexf.cjs")
TIMES = ("valid_from", "valid_to", "recorded_at", "expired_at")


def _graphology_missing() -> str | None:
    if shutil.which("node") is None:
        return "node is not installed"
    if not (UI_MODULES / "graphology-gexf").is_dir():
        return f"{UI_MODULES} has no graphology-gexf (run `npm ci` in ui/)"
    return None


async def _exported(memory: Memory, plan: Plan, folder: Path) -> tuple[Path, dict[str, Any]]:
    """Write ``plan`` into a fresh namespace; its GEXF export and its snapshot."""
    ns = f"t_{uuid.uuid4().hex[:12]}"
    await memory.create_namespace(ns)
    try:
        await write(memory, ns, plan)
        path = folder / f"{ns}.gexf"
        path.write_bytes(b"".join([c async for c in memory.export(ns, ExportOptions("gexf"))]))
        return path, await snapshot(memory, ns)
    finally:
        await memory.delete_namespace(ns)


def _kinds(items: list[dict[str, Any]]) -> dict[str, str]:
    """The column kind of each property over ``items`` (a mixed column holds JSON)."""
    found: dict[str, str] = {}
    for props in items:
        for key, value in props.items():
            found[key] = kind(value) if found.get(key, kind(value)) == kind(value) else "json"
    return found


def _networkx_value(value: Any, kind_: str, read: Any) -> Any:
    """What networkx gives for ``value`` in a column of ``kind_``: scalars typed, lists
    (GEXF ``liststring``) and JSON columns as their text, decoded here."""
    if kind_ in ("long", "double", "boolean", "string"):
        return read
    assert isinstance(read, str)
    return json.loads(read)


def _graphology_value(value: Any, kind_: str, read: Any) -> Any:
    """What graphology gives: scalars typed, a ``liststring`` as a list of the items'
    texts (decoded back to the items here), a JSON column as its text."""
    if kind_.endswith("[]"):
        assert isinstance(read, list)
        pairs = zip(read, value, strict=True)
        return [x if isinstance(v, str) else json.loads(x) for x, v in pairs]
    if kind_ == "json":
        return json.loads(read)
    return read


def _display(fallback: str, props: dict[str, Any], keys: tuple[str, ...]) -> str:
    """The GEXF label of a node or edge: the first of its properties ``keys``, else
    ``fallback``."""
    for key in keys:
        if key in props:
            return props[key] if isinstance(props[key], str) else plain(props[key])
    return fallback


def _time(text: Any) -> datetime | None:
    return None if text in (None, "None") else datetime.fromisoformat(text)


def _check_networkx(path: Path, found: dict[str, Any]) -> None:
    graph = nx.read_gexf(path)
    assert graph.is_directed() and graph.graph["mode"] == "dynamic"
    vertices, facts = found["vertices"], found["facts"]
    assert set(graph.nodes) == set(vertices)
    kinds = _kinds([v["properties"] for v in vertices.values()])
    for uid, vertex in vertices.items():
        node = graph.nodes[uid]
        assert node["kg_label"] == vertex["label"]
        assert (node.get("kg_lat"), node.get("kg_lon")) == (vertex["location"] or (None, None))
        # networkx reads the element's label into "label": a property of that name is it.
        assert node["label"] == _display(uid, vertex["properties"], ("label", "name"))
        for key, value in vertex["properties"].items():
            if key != "label":
                assert _networkx_value(value, kinds[key], node[key]) == value, key
    edges = {d["id"]: (u, v, d) for u, v, d in graph.edges(data=True)}
    assert set(edges) == set(facts)
    edge_kinds = _kinds([f["properties"] for f in facts.values()])
    for uid, fact in facts.items():
        u, v, data = edges[uid]
        assert (u, v) == fact["ends"] and data["kg_label"] == fact["label"]
        assert data["label"] == _display(fact["label"], fact["properties"], ("label",))
        for key, value in fact["properties"].items():
            if key != "label":
                assert _networkx_value(value, edge_kinds[key], data[key]) == value, key
        for key in TIMES:
            assert _time(data.get(key)) == fact[key], key
        assert data.get("closed_by") == fact["closed_by"]
        _check_spells(data.get("spells"), fact)


def _check_spells(spells: Any, fact: dict[str, Any]) -> None:
    """One spell, the valid time, when the fact has one (networkx reads an open end as
    the text "None")."""
    if fact["valid_from"] is None and fact["valid_to"] is None:
        assert spells is None
        return
    assert [(_time(a), _time(b)) for a, b in spells] == [(fact["valid_from"], fact["valid_to"])]


def _check_graphology(path: Path, found: dict[str, Any]) -> None:
    out = subprocess.run(
        ["node", str(SCRIPT), str(path)],
        capture_output=True,
        check=True,
        env={**os.environ, "NODE_PATH": str(UI_MODULES)},
        timeout=60,
    )
    graph = json.loads(out.stdout)
    assert graph["type"] == "directed"
    vertices, facts = found["vertices"], found["facts"]
    nodes = {n["key"]: n["attributes"] for n in graph["nodes"]}
    assert set(nodes) == set(vertices)
    kinds = _kinds([v["properties"] for v in vertices.values()])
    for uid, vertex in vertices.items():
        attributes, props = nodes[uid], vertex["properties"]
        assert attributes["kg_label"] == vertex["label"]
        located = (attributes.get("kg_lat"), attributes.get("kg_lon"))
        assert located == (vertex["location"] or (None, None))
        if "label" not in props:
            assert attributes["label"] == _display(uid, props, ("name",))
        for key, value in props.items():
            assert _graphology_value(value, kinds[key], attributes[key]) == value, key
            if kinds[key] in ("long", "double", "boolean"):
                assert type(attributes[key]) is type(value) or kinds[key] == "double"
    edges = {e["key"]: e for e in graph["edges"]}
    assert set(edges) == set(facts)
    edge_kinds = _kinds([f["properties"] for f in facts.values()])
    for uid, fact in facts.items():
        edge = edges[uid]
        attributes = edge["attributes"]
        assert (edge["source"], edge["target"]) == fact["ends"]
        assert attributes["kg_label"] == fact["label"]
        if "label" not in fact["properties"]:
            assert attributes["label"] == fact["label"]
        for key, value in fact["properties"].items():
            assert _graphology_value(value, edge_kinds[key], attributes[key]) == value, key
        for key in TIMES:
            assert _time(attributes.get(key)) == fact[key], key


def _check(memory: Memory, runner: Runner, plan: Plan, folder: Path, node: bool) -> None:
    path, found = runner.run(_exported(memory, plan, folder))
    _check_networkx(path, found)
    if node:
        _check_graphology(path, found)


def test_characters_xml_cannot_hold_are_replaced_and_the_file_reads(
    store: tuple[Runner, Memory],  # noqa: F811
    tmp_path: Path,
) -> None:
    """A control character in a value (which kgmem stores) would make the file
    unreadable XML: it is written as U+FFFD."""
    runner, memory = store
    plan = Plan([EntityWrite("a", "Thing", {"name": "bell\x07", "note": "x\x01y\tz"})], [], [])
    path, _ = runner.run(_exported(memory, plan, tmp_path))
    node = nx.read_gexf(path).nodes["a"]
    assert (node["label"], node["note"]) == ("bell\ufffd", "x\ufffdy\tz")


def test_an_edge_property_named_label_is_read_apart_from_the_predicate(
    store: tuple[Runner, Memory],  # noqa: F811
    tmp_path: Path,
) -> None:
    runner, memory = store
    plan = Plan(
        [EntityWrite(u, "Thing", {"name": u}) for u in ("a", "b")],
        [FactWrite("a", "KNOWS", "b", {"label": "old friends", "since": 1999}, uid="f")],
        [],
    )
    _check(memory, runner, plan, tmp_path, node=_graphology_missing() is None)


def test_kgmem_does_not_import_gexf_and_says_so() -> None:
    assert "import" in DROPPED["gexf"] and "location" not in DROPPED["gexf"]


def test_the_issue_graph_reads_whole_in_networkx_and_graphology(
    store: tuple[Runner, Memory],  # noqa: F811
    tmp_path: Path,
) -> None:
    """Unicode names, typed and list properties, a property named ``label``, a
    location, valid times and a closed fact."""
    runner, memory = store
    missing = _graphology_missing()
    _check(memory, runner, ISSUE_GRAPH, tmp_path, node=missing is None)
    if missing is not None:
        pytest.skip(f"graphology-gexf half not run: {missing}")


def test_random_graphs_read_in_networkx_and_graphology(
    store: tuple[Runner, Memory],  # noqa: F811
    tmp_path: Path,
) -> None:
    runner, memory = store
    missing = _graphology_missing()

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(plan=plans())
    def check(plan: Plan) -> None:
        _check(memory, runner, plan, tmp_path, node=missing is None)

    check()
    if missing is not None:
        pytest.skip(f"graphology-gexf half not run: {missing}")
