"""``SET n[key] = value`` and ``REMOVE n[key]`` (Neo4j 5.24): a property key the query
computes, from a literal, a variable, a parameter or any expression; a key that is not
a string is a type error, and a null value removes the property."""

import pytest

from kgmem import Memory
from kgmem.cypher.plan import plan
from kgmem.errors import CypherTypeError
from kgmem.storage.neo4j_schema.names import pg_name
from tests.fixtures.database import analyze_namespace


async def _write(memory: Memory, ns: str, query: str, **params: object) -> list[list[object]]:
    return (await memory.cypher(ns, query, params, mode="write")).rows


async def _props(memory: Memory, ns: str) -> dict[str, object]:
    rows = (await memory.cypher(ns, "MATCH (n:P) RETURN properties(n)")).rows
    return dict(rows[0][0])


async def test_a_computed_key_sets_the_property(memory: Memory, namespace: str) -> None:
    await _write(memory, namespace, "CREATE (:P {name: 'Andy', age: 36})")
    await _write(memory, namespace, "MATCH (n:P) SET n['hungry'] = true")
    await _write(memory, namespace, "MATCH (n:P) WITH n, 'ag' AS k SET n[k + 'e'] = n.age + 1")
    await _write(memory, namespace, "MATCH (n:P) SET n[$key] = $value", key="city", value="Malmo")
    assert await _props(memory, namespace) == {
        "name": "Andy", "age": 37, "hungry": True, "city": "Malmo"
    }  # fmt: skip


async def test_the_manuals_copy_of_every_property(memory: Memory, namespace: str) -> None:
    await _write(memory, namespace, "CREATE (:P {name: 'Andy', age: 36})")
    rows = await _write(
        memory,
        namespace,
        "MATCH (n) FOREACH (k IN keys(n) | SET n[k + 'Copy'] = n[k]) RETURN n.name, keys(n)",
    )
    assert rows[0][0] == "Andy"
    assert sorted(rows[0][1]) == ["age", "ageCopy", "name", "nameCopy"]


async def test_a_null_value_and_remove_take_the_property_away(
    memory: Memory, namespace: str
) -> None:
    await _write(memory, namespace, "CREATE (:P {a: 1, b: 2, c: 3, d: 4})")
    await _write(memory, namespace, "MATCH (n:P) SET n[$key] = null", key="a")
    await _write(memory, namespace, "MATCH (n:P) REMOVE n.b, n[$key], n.d", key="c")
    assert await _props(memory, namespace) == {}


async def test_remove_keeps_the_order_of_its_label_and_property_items(
    memory: Memory, namespace: str
) -> None:
    await _write(memory, namespace, "CREATE (:P:Q {a: 1, b: 2, c: 3})")
    await _write(memory, namespace, "MATCH (n:P) REMOVE n:Q, n['a'], n.b")
    rows = await _write(memory, namespace, "MATCH (n:P) RETURN labels(n), properties(n)")
    assert rows == [[["P"], {"c": 3}]]


async def test_a_relationship_takes_a_computed_key(memory: Memory, namespace: str) -> None:
    await _write(memory, namespace, "CREATE (:P)-[:R {since: 2016}]->(:P)")
    await _write(memory, namespace, "MATCH ()-[r:R]->() SET r[toString(r.since)] = 'yes'")
    await _write(memory, namespace, "MATCH ()-[r:R]->() REMOVE r[$key]", key="since")
    rows = await _write(memory, namespace, "MATCH ()-[r:R]->() RETURN properties(r)")
    assert rows == [[{"2016": "yes"}]]


async def test_merge_actions_take_computed_keys(memory: Memory, namespace: str) -> None:
    query = "MERGE (n:P {id: 1}) ON CREATE SET n[$key] = 'new' ON MATCH SET n[$key] = 'old'"
    await _write(memory, namespace, query, key="state")
    assert (await _props(memory, namespace))["state"] == "new"
    await _write(memory, namespace, query, key="state")
    assert (await _props(memory, namespace))["state"] == "old"


@pytest.mark.parametrize(
    ("key", "kind"), [(1, "INTEGER"), (None, "NULL"), (["a"], "LIST<STRING>"), (True, "BOOLEAN")]
)
async def test_a_key_that_is_not_a_string_is_a_type_error(
    memory: Memory, namespace: str, key: object, kind: str
) -> None:
    await _write(memory, namespace, "CREATE (:P {a: 1})")
    for query in ("MATCH (n:P) SET n[$key] = 2", "MATCH (n:P) REMOVE n[$key]"):
        with pytest.raises(CypherTypeError, match=f"to be of type STRING, but was of type {kind}"):
            await _write(memory, namespace, query, key=key)
    assert await _props(memory, namespace) == {"a": 1}


async def test_booleans_computed_in_the_item_are_stored(memory: Memory, namespace: str) -> None:
    await _write(memory, namespace, "CREATE (:P {a: 1})")
    await _write(memory, namespace, "MATCH (n:P) SET n['big'] = n.a > 2, n['none'] = n.b IS NULL")
    assert await _props(memory, namespace) == {"a": 1, "big": False, "none": True}


async def test_the_written_property_is_found_by_match_and_by_its_index(
    memory: Memory, namespace: str
) -> None:
    await _write(memory, namespace, "UNWIND range(1, 3000) AS i CREATE (:P {i: i})")
    await _write(memory, namespace, "CREATE INDEX by_code FOR (n:P) ON (n.code)")
    await _write(memory, namespace, "CALL db.awaitIndexes(30)")
    await _write(memory, namespace, "MATCH (n:P) SET n[$key] = 'c' + toString(n.i)", key="code")
    await analyze_namespace(memory, namespace)
    query = "MATCH (n:P) WHERE n.code = 'c42' RETURN n.i"
    assert (await memory.cypher(namespace, query)).rows == [[42]]
    explained = "\n".join(await memory.explain_cypher(namespace, query, {}))
    assert pg_name("by_code", "P", "range") in explained, explained
    anywhere = await memory.cypher(namespace, "MATCH (n) WHERE n.code = 'c7' RETURN n.i")
    assert anywhere.rows == [[7]]


def test_the_plan_writes_a_map_update_and_reads_the_key_already() -> None:
    planned = plan("MATCH (n) SET n[$k] = $v RETURN n[$k] AS v", {"k": "a", "v": 1}, mode="write")
    assert "n += properties(kgmem_cypher.property_entry(" in planned.text
    assert "dynamic_properties" in planned.rewrites
