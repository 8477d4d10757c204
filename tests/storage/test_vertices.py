"""Entities as AGE vertices plus side rows: written together, read back, deleted together."""

import asyncio

import asyncpg
import pytest

from kgmem import EntityWrite, FactWrite, GeoPoint, Memory
from kgmem.errors import EntityNotFound, InvalidCursor, InvalidProperty, LabelKindConflict
from kgmem.storage import agtype

VEC = [0.1] * 384


async def cypher(conn: asyncpg.Connection, graph: str, query: str) -> list:
    rows = await conn.fetch(
        f"SELECT * FROM ag_catalog.cypher('{graph}', $$ {query} $$) AS (r ag_catalog.agtype)"
    )
    return [agtype.decode(str(r["r"])) for r in rows]


async def test_upsert_creates_a_vertex_cypher_can_match(
    memory: Memory, namespace: str, raw_conn: asyncpg.Connection
) -> None:
    out = await memory.upsert_entity(
        namespace, EntityWrite("alice", "Person", {"name": "Alice", "age": 41}, VEC)
    )
    assert out.created
    found = await cypher(raw_conn, namespace, "MATCH (p:Person) WHERE p.uid = 'alice' RETURN p")
    assert len(found) == 1
    assert found[0]["properties"] == {"uid": "alice", "name": "Alice", "age": 41}


async def test_upsert_replaces_properties_and_keeps_the_graph_id(
    memory: Memory, namespace: str
) -> None:
    await memory.upsert_entity(namespace, EntityWrite("a", "Person", {"name": "A", "x": 1}))
    first = (await memory.get_entity(namespace, "a")).entity
    out = await memory.upsert_entity(namespace, EntityWrite("a", "Person", {"name": "B"}))
    second = (await memory.get_entity(namespace, "a")).entity
    assert not out.created
    assert second.properties == {"name": "B"}
    assert second.id == first.id
    assert second.updated_at >= first.updated_at and second.created_at == first.created_at


async def test_relabel_moves_vertex_and_keeps_its_facts(
    memory: Memory, namespace: str, raw_conn: asyncpg.Connection
) -> None:
    await memory.upsert_entity(namespace, EntityWrite("acme", "Entity", {"name": "Acme"}))
    await memory.upsert_entity(namespace, EntityWrite("bob", "Person", {"name": "Bob"}))
    fact = await memory.add_fact(namespace, FactWrite("bob", "WORKS_AT", "acme"))
    await memory.upsert_entity(namespace, EntityWrite("acme", "Organization", {"name": "Acme"}))
    detail = await memory.get_entity(namespace, "acme")
    assert detail.entity.label == "Organization"
    assert [f.uid for f in detail.incoming] == [fact.uid]
    assert await cypher(raw_conn, namespace, "MATCH (e:Entity) RETURN e") == []
    names = await cypher(
        raw_conn, namespace, "MATCH (:Person)-[:WORKS_AT]->(o:Organization) RETURN o.name"
    )
    assert names == ["Acme"]
    assert not any((await memory.check_namespace(namespace)).values())


async def test_location_and_embedding_are_stored(memory: Memory, namespace: str) -> None:
    await memory.upsert_entity(
        namespace, EntityWrite("paris", "Place", {"name": "Paris"}, VEC, GeoPoint(48.8566, 2.3522))
    )
    entity = (await memory.get_entity(namespace, "paris")).entity
    assert entity.location == GeoPoint(48.8566, 2.3522)
    assert entity.has_embedding


async def test_rewrite_without_vector_keeps_the_stored_one_when_text_is_unchanged(
    memory: Memory, namespace: str
) -> None:
    await memory.upsert_entity(namespace, EntityWrite("a", "Person", {"name": "A"}, VEC))
    await memory.upsert_entity(namespace, EntityWrite("a", "Person", {"name": "A", "k": 1}))
    assert (await memory.get_entity(namespace, "a")).entity.has_embedding
    await memory.upsert_entity(namespace, EntityWrite("a", "Person", {"name": "Changed"}))
    assert not (await memory.get_entity(namespace, "a")).entity.has_embedding


async def test_list_pages_by_uid_with_cursor(memory: Memory, namespace: str) -> None:
    for uid in ["c", "a", "e", "b", "d"]:
        await memory.upsert_entity(namespace, EntityWrite(uid, "Person" if uid != "e" else "Place"))
    page1 = await memory.list_entities(namespace, limit=2)
    page2 = await memory.list_entities(namespace, limit=2, cursor=page1.next_cursor)
    page3 = await memory.list_entities(namespace, limit=2, cursor=page2.next_cursor)
    assert [e.uid for e in page1.items + page2.items + page3.items] == ["a", "b", "c", "d", "e"]
    assert page3.next_cursor is None
    people = await memory.list_entities(namespace, label="Person", limit=10)
    assert [e.uid for e in people.items] == ["a", "b", "c", "d"]


async def test_bad_cursor_is_refused(memory: Memory, namespace: str) -> None:
    with pytest.raises(InvalidCursor):
        await memory.list_entities(namespace, cursor="not-a-cursor")
    facts_cursor = (await memory.list_facts(namespace)).next_cursor
    assert facts_cursor is None
    from kgmem.graph import cursor

    with pytest.raises(InvalidCursor):
        await memory.list_entities(namespace, cursor=cursor.encode("facts", 5))


async def test_delete_removes_vertex_edges_and_side_rows(
    memory: Memory, namespace: str, raw_conn: asyncpg.Connection
) -> None:
    for uid in ("a", "b", "c"):
        await memory.upsert_entity(namespace, EntityWrite(uid, "Person", {"name": uid}, VEC))
    await memory.add_fact(namespace, FactWrite("a", "KNOWS", "b", source="s1"))
    await memory.add_fact(namespace, FactWrite("c", "KNOWS", "a"))
    kept = await memory.add_fact(namespace, FactWrite("b", "KNOWS", "c"))
    await memory.delete_entity(namespace, "a")
    with pytest.raises(EntityNotFound):
        await memory.get_entity(namespace, "a")
    q = lambda sql: raw_conn.fetchval(sql.replace("NS", f'"{namespace}"'))  # noqa: E731
    assert await q("SELECT count(*) FROM NS._kg_vertex WHERE uid = 'a'") == 0
    assert await q("SELECT count(*) FROM NS._kg_fact") == 1
    assert await q("SELECT count(*) FROM NS._ag_label_edge") == 1
    # Only the kept fact's own claim (every write is one, sourceless too) is left.
    assert await q("SELECT count(*) FROM NS._kg_claim") == 1
    # no side row without its AGE element, and no edge without its side row
    assert (
        await q(
            "SELECT count(*) FROM NS._kg_vertex v LEFT JOIN NS._ag_label_vertex a "
            "ON a.id = v.id WHERE a.id IS NULL"
        )
        == 0
    )
    assert (
        await q(
            "SELECT count(*) FROM NS._ag_label_edge e LEFT JOIN NS._kg_fact f "
            "ON f.id = e.id WHERE f.id IS NULL"
        )
        == 0
    )
    assert (await memory.get_fact(namespace, kept.uid)).subject == "b"
    with pytest.raises(EntityNotFound):
        await memory.delete_entity(namespace, "a")
    assert not any((await memory.check_namespace(namespace)).values())


async def test_integrity_sweep_notices_raw_cypher_writes(
    memory: Memory, namespace: str, raw_conn: asyncpg.Connection
) -> None:
    await memory.upsert_entity(namespace, EntityWrite("a", "Person"))
    await memory.upsert_entity(namespace, EntityWrite("b", "Person"))
    await memory.add_fact(namespace, FactWrite("a", "KNOWS", "b", source="s"))
    assert not any((await memory.check_namespace(namespace)).values())
    await cypher(raw_conn, namespace, "CREATE (x:Person {uid: 'sneaky'}) RETURN x")
    await cypher(raw_conn, namespace, "MATCH (p:Person {uid: 'a'}) DETACH DELETE p RETURN 1")
    found = await memory.check_namespace(namespace)
    assert found["graph_vertices_without_side_row"] == 1
    assert found["side_vertices_without_graph_vertex"] == 1
    assert found["side_facts_without_graph_edge"] == 1


async def test_label_used_as_predicate_cannot_become_vertex_label(
    memory: Memory, namespace: str
) -> None:
    await memory.upsert_entity(namespace, EntityWrite("a"))
    await memory.add_fact(namespace, FactWrite("a", "LIKES", "a"))
    with pytest.raises(LabelKindConflict):
        await memory.upsert_entity(namespace, EntityWrite("b", "LIKES"))


async def test_schema_declared_edge_label_is_not_a_vertex_label(
    memory: Memory, namespace: str
) -> None:
    with pytest.raises(Exception, match="edge label") as err:
        await memory.upsert_entity(namespace, EntityWrite("b", "WORKS_AT"))
    assert err.value.code == "invalid_input"


async def test_declared_property_types_are_enforced(memory: Memory, namespace: str) -> None:
    with pytest.raises(InvalidProperty, match=r"Person\.birth_date is declared date"):
        await memory.upsert_entity(namespace, EntityWrite("a", "Person", {"birth_date": "soon"}))
    assert (await memory.list_entities(namespace)).items == ()


async def test_new_label_gets_a_uid_index_cypher_uses(
    memory: Memory, namespace: str, raw_conn: asyncpg.Connection
) -> None:
    await memory.upsert_entity(namespace, EntityWrite("r1", "Robot", {"name": "R"}))
    indexes = [
        r["indexdef"]
        for r in await raw_conn.fetch(
            "SELECT indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename = 'Robot'",
            namespace,
        )
    ]
    assert any("UNIQUE" in i and '"uid"' in i for i in indexes)
    assert any('"name"' in i for i in indexes)
    await raw_conn.execute("SET enable_seqscan = off")
    plan = await raw_conn.fetch(
        f"EXPLAIN SELECT * FROM ag_catalog.cypher('{namespace}', $$ "
        "MATCH (r:Robot) WHERE r.uid = 'r1' RETURN r $$) AS (r ag_catalog.agtype)"
    )
    assert "Index" in "\n".join(r[0] for r in plan)


async def test_concurrent_creation_of_one_new_entity_makes_one_vertex(
    memory: Memory, namespace: str, raw_conn: asyncpg.Connection
) -> None:
    results = await asyncio.gather(
        *[
            memory.upsert_entity(namespace, EntityWrite("same", "Newlabel", {"name": f"n{i}"}))
            for i in range(16)
        ]
    )
    assert sum(r.created for r in results) == 1
    count = await raw_conn.fetchval(f'SELECT count(*) FROM "{namespace}"."Newlabel"')
    assert count == 1


async def test_relabel_carries_the_kept_vector_to_the_new_graph_id(
    memory: Memory, namespace: str
) -> None:
    await memory.upsert_entity(namespace, EntityWrite("x", "Entity", {"name": "X"}, VEC))
    before = (await memory.get_entity(namespace, "x")).entity
    await memory.upsert_entity(namespace, EntityWrite("x", "Concept", {"name": "X"}))
    after = (await memory.get_entity(namespace, "x")).entity
    assert after.id != before.id and after.label == "Concept"
    assert after.has_embedding
    assert not any((await memory.check_namespace(namespace)).values())
