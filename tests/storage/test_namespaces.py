import uuid

import asyncpg
import pytest

from kgmem import EntityWrite, FactWrite, Memory
from kgmem.errors import InvalidNamespaceName, NamespaceExists, NamespaceNotFound

VEC = [0.1] * 384


async def test_namespace_is_its_own_age_graph_with_schema_labels(
    memory: Memory, namespace: str, raw_conn: asyncpg.Connection
) -> None:
    labels = {
        r["name"]: r["kind"]
        for r in await raw_conn.fetch(
            "SELECT l.name::text AS name, l.kind::text AS kind FROM ag_catalog.ag_label l "
            "JOIN ag_catalog.ag_graph g ON g.graphid = l.graph WHERE g.name = $1",
            namespace,
        )
    }
    assert labels["Episode"] == "v" and labels["MENTIONS"] == "e"
    assert "Person" not in labels and "WORKS_AT" not in labels  # made on their first use
    await memory.upsert_entity(namespace, EntityWrite("ada", "Person", {"name": "Ada"}))
    await memory.upsert_entity(namespace, EntityWrite("acme", "Organization", {"name": "Acme"}))
    await memory.add_fact(namespace, FactWrite("ada", "WORKS_AT", "acme"))
    stats = await memory.namespace_stats(namespace)
    assert set(memory.schema.vertices) <= set(stats.vertices)  # every declared label shown
    assert stats.vertices["Person"] == 1 and stats.vertices["Place"] == 0
    assert stats.edges["WORKS_AT"] == 1 and stats.edges["LIVES_IN"] == 0
    tables = {
        r["t"]
        for r in await raw_conn.fetch(
            "SELECT tablename AS t FROM pg_tables WHERE schemaname = $1", namespace
        )
    }
    assert {"_kg_vertex", "_kg_fact", "_kg_claim"} <= tables


async def test_create_twice_conflicts(memory: Memory, namespace: str) -> None:
    with pytest.raises(NamespaceExists):
        await memory.create_namespace(namespace)


async def test_name_is_validated(memory: Memory) -> None:
    with pytest.raises(InvalidNamespaceName):
        await memory.create_namespace("No-Good")


async def test_list_and_get(memory: Memory, namespace: str) -> None:
    names = [n.name for n in await memory.list_namespaces()]
    assert namespace in names
    assert names == sorted(names)
    assert (await memory.get_namespace(namespace)).description == "test"
    only = await memory.list_namespaces([namespace, "t_missing_one"])
    assert [n.name for n in only] == [namespace]


async def test_stats_count_what_was_written(memory: Memory, namespace: str) -> None:
    await memory.upsert_entity(namespace, EntityWrite("a", "Person", {"name": "A"}, VEC))
    await memory.upsert_entity(namespace, EntityWrite("b", "Organization", {"name": "B"}))
    fact = await memory.add_fact(namespace, FactWrite("a", "WORKS_AT", "b"))
    await memory.add_fact(namespace, FactWrite("a", "KNOWS", "b"))
    await memory.close_fact(namespace, fact.uid)
    stats = await memory.namespace_stats(namespace)
    assert stats.vertices["Person"] == 1 and stats.vertices["Organization"] == 1
    assert stats.vertices["Place"] == 0
    assert stats.edges["WORKS_AT"] == 1 and stats.edges["KNOWS"] == 1
    assert (stats.facts_current, stats.facts_closed) == (1, 1)
    assert stats.embedded_entities == 1
    assert stats.bytes > 0


async def test_delete_removes_graph_and_every_side_row(
    memory: Memory, raw_conn: asyncpg.Connection
) -> None:
    name = f"t_{uuid.uuid4().hex[:12]}"
    await memory.create_namespace(name)
    await memory.upsert_entity(name, EntityWrite("a", "Person", {"name": "A"}, VEC))
    await memory.upsert_entity(name, EntityWrite("b", "Person", {"name": "B"}, VEC))
    await memory.add_fact(name, FactWrite("a", "KNOWS", "b", source="src"))
    await memory.delete_namespace(name)
    assert (
        await raw_conn.fetchval("SELECT count(*) FROM ag_catalog.ag_graph WHERE name = $1", name)
        == 0
    )
    assert (
        await raw_conn.fetchval("SELECT count(*) FROM pg_namespace WHERE nspname = $1", name) == 0
    )
    assert (
        await raw_conn.fetchval("SELECT count(*) FROM kgmem.namespace WHERE name = $1", name) == 0
    )
    with pytest.raises(NamespaceNotFound):
        await memory.get_namespace(name)
    with pytest.raises(NamespaceNotFound):
        await memory.delete_namespace(name)


async def test_recreated_namespace_starts_empty_and_writable(memory: Memory) -> None:
    name = f"t_{uuid.uuid4().hex[:12]}"
    await memory.create_namespace(name)
    await memory.upsert_entity(name, EntityWrite("a", "Robot", {"name": "R2"}))
    await memory.delete_namespace(name)
    await memory.create_namespace(name)
    try:
        assert (await memory.list_entities(name)).items == ()
        # the label cache must not remember the dropped graph's Robot label
        await memory.upsert_entity(name, EntityWrite("a", "Robot", {"name": "R2"}))
        assert (await memory.get_entity(name, "a")).entity.label == "Robot"
    finally:
        await memory.delete_namespace(name)


async def test_unknown_namespace_is_not_found_everywhere(memory: Memory) -> None:
    for call in (
        memory.namespace_stats("t_nowhere"),
        memory.upsert_entity("t_nowhere", EntityWrite("a")),
        memory.get_entity("t_nowhere", "a"),
        memory.list_entities("t_nowhere"),
        memory.list_facts("t_nowhere"),
    ):
        with pytest.raises(NamespaceNotFound):
            await call
