"""``SET n = map`` and ``SET n += map`` from parameters, row fields and other expressions."""

from typing import Any

import pytest

from kgmem import Memory
from kgmem.cypher import plan


def test_a_parameter_map_is_read_through_properties() -> None:
    planned = plan(
        "MATCH (n:L) SET n += $m, n.x = 1, n = $all RETURN n", {"m": {}, "all": {}}, mode="write"
    )
    expected = "SET n += properties(kgmem_cypher.settable($m, false)), n.x = 1, "
    assert expected + "n = properties(kgmem_cypher.settable($all, true))" in planned.text


def test_map_literals_and_property_items_are_left_alone() -> None:
    query = "MATCH (n:L) SET n += {a: 1}, n.b = $b, n:M RETURN n"
    assert "properties(" not in plan(query, {"b": 1}, mode="write").text


async def props(memory: Memory, namespace: str, key: str) -> dict[str, Any]:
    result = await memory.cypher(
        namespace, "MATCH (n:L {k: $k}) RETURN properties(n) AS p", {"k": key}
    )
    assert len(result.rows) == 1
    return dict(result.rows[0][0])


async def test_set_from_a_parameter_merges_or_replaces(memory: Memory, namespace: str) -> None:
    await memory.cypher(namespace, "CREATE (:L {k: 'a', old: 1})", mode="write")
    await memory.cypher(
        namespace, "MATCH (n:L {k: 'a'}) SET n += $m", {"m": {"x": 2, "old": None}}, mode="write"
    )
    assert await props(memory, namespace, "a") == {"k": "a", "x": 2}
    await memory.cypher(
        namespace, "MATCH (n:L {k: 'a'}) SET n = $m", {"m": {"k": "a", "y": "z"}}, mode="write"
    )
    assert await props(memory, namespace, "a") == {"k": "a", "y": "z"}


async def test_set_from_row_fields_in_an_unwind(memory: Memory, namespace: str) -> None:
    rows = [{"k": "r1", "props": {"n": 1}}, {"k": "r2", "props": {"n": 2, "s": "t"}}]
    await memory.cypher(
        namespace,
        "UNWIND $rows AS row MERGE (n:L {k: row.k}) SET n += row.props",
        {"rows": rows},
        mode="write",
    )
    assert await props(memory, namespace, "r1") == {"k": "r1", "n": 1}
    assert await props(memory, namespace, "r2") == {"k": "r2", "n": 2, "s": "t"}


@pytest.mark.parametrize("action", ["ON CREATE SET n = $props", "ON CREATE SET n += $props"])
async def test_merge_actions_take_a_parameter_map(
    memory: Memory, namespace: str, action: str
) -> None:
    query = f"MERGE (n:L {{k: $k}}) {action} ON MATCH SET n += $seen RETURN n.k"
    params = {"k": "m", "props": {"k": "m", "made": True}, "seen": {"again": 1}}
    await memory.cypher(namespace, query, params, mode="write")
    assert await props(memory, namespace, "m") == {"k": "m", "made": True}
    await memory.cypher(namespace, query, params, mode="write")
    assert await props(memory, namespace, "m") == {"k": "m", "made": True, "again": 1}


async def test_set_from_another_node_copies_its_properties(memory: Memory, namespace: str) -> None:
    await memory.cypher(
        namespace, "CREATE (:L {k: 'src', v: 5}), (:L {k: 'dst', w: 1})", mode="write"
    )
    await memory.cypher(
        namespace,
        "MATCH (s:L {k: 'src'}), (d:L {k: 'dst'}) SET d += s SET d.k = 'dst'",
        mode="write",
    )
    assert await props(memory, namespace, "dst") == {"k": "dst", "v": 5, "w": 1}


async def test_relationship_maps_update_too(memory: Memory, namespace: str) -> None:
    await memory.cypher(namespace, "CREATE (:L {k: 'a'})-[:R {w: 1}]->(:L {k: 'b'})", mode="write")
    await memory.cypher(
        namespace, "MATCH ()-[r:R]->() SET r += $m", {"m": {"since": 2020}}, mode="write"
    )
    result = await memory.cypher(namespace, "MATCH ()-[r:R]->() RETURN properties(r)")
    assert result.rows == [[{"w": 1, "since": 2020}]]
