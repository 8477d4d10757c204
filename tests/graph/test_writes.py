"""Batches: validated whole, written in one transaction, all or nothing."""

import asyncpg
import pytest

from kgmem import BatchWrite, EntityWrite, FactWrite, Memory
from kgmem.errors import EntityNotFound, InvalidVector, LimitExceeded, UidConflict

VEC = [0.5] * 384


async def counts(conn: asyncpg.Connection, ns: str) -> tuple[int, int, int, int]:
    q = lambda t: conn.fetchval(f'SELECT count(*) FROM "{ns}".{t}')  # noqa: E731
    return (
        await q("_ag_label_vertex"),
        await q("_ag_label_edge"),
        await q("_kg_vertex"),
        await q("_kg_fact"),
    )


async def test_batch_writes_entities_then_facts_between_them(
    memory: Memory, namespace: str, raw_conn: asyncpg.Connection
) -> None:
    result = await memory.write_batch(
        namespace,
        BatchWrite(
            entities=[EntityWrite(f"p{i}", "Person", {"name": f"P{i}"}, VEC) for i in range(50)],
            facts=[FactWrite(f"p{i}", "KNOWS", f"p{i + 1}") for i in range(49)],
        ),
    )
    assert [o.uid for o in result.entities] == [f"p{i}" for i in range(50)]
    assert all(o.created for o in result.entities + result.facts)
    assert await counts(raw_conn, namespace) == (50, 49, 50, 49)


async def test_failing_item_rolls_back_the_whole_batch(
    memory: Memory, namespace: str, raw_conn: asyncpg.Connection
) -> None:
    await memory.upsert_entity(namespace, EntityWrite("keep", "Person", {"name": "Keep"}))
    before = await counts(raw_conn, namespace)
    with pytest.raises(EntityNotFound):
        await memory.write_batch(
            namespace,
            BatchWrite(
                entities=[
                    EntityWrite("new1", "Person"),
                    EntityWrite("keep", "Person", {"name": "X"}),
                ],
                facts=[FactWrite("new1", "KNOWS", "keep"), FactWrite("new1", "KNOWS", "ghost")],
            ),
        )
    assert await counts(raw_conn, namespace) == before
    assert (await memory.get_entity(namespace, "keep")).entity.properties == {"name": "Keep"}


async def test_invalid_item_is_named_with_its_position(memory: Memory, namespace: str) -> None:
    with pytest.raises(InvalidVector) as err:
        await memory.write_batch(
            namespace,
            BatchWrite(
                entities=[EntityWrite("a"), EntityWrite("b", embedding=[1.0, 2.0])],
            ),
        )
    assert err.value.detail.startswith("entities[1]:")
    assert (await memory.list_entities(namespace)).items == ()


async def test_uid_twice_in_a_batch_is_written_once_the_later_winning(
    memory: Memory, namespace: str
) -> None:
    result = await memory.write_batch(
        namespace,
        BatchWrite(
            entities=[
                EntityWrite("a", "Person", {"name": "first"}),
                EntityWrite("a", "Person", {"name": "second"}),
            ]
        ),
    )
    assert [o.uid for o in result.entities] == ["a", "a"]
    assert (await memory.get_entity(namespace, "a")).entity.properties == {"name": "second"}


async def test_batch_reports_updates_versus_creations(memory: Memory, namespace: str) -> None:
    await memory.upsert_entity(namespace, EntityWrite("old"))
    result = await memory.write_batch(
        namespace, BatchWrite(entities=[EntityWrite("old"), EntityWrite("new")])
    )
    assert [(o.uid, o.created) for o in result.entities] == [("old", False), ("new", True)]


async def test_batch_size_limit(memory: Memory, namespace: str) -> None:
    limit = memory.settings.limits.max_batch_items
    with pytest.raises(LimitExceeded):
        await memory.write_batch(
            namespace, BatchWrite(entities=[EntityWrite(f"e{i}") for i in range(limit + 1)])
        )


async def test_uid_conflict_inside_batch_rolls_back(
    memory: Memory, namespace: str, raw_conn: asyncpg.Connection
) -> None:
    await memory.write_batch(
        namespace,
        BatchWrite(
            entities=[EntityWrite("a"), EntityWrite("b")],
            facts=[FactWrite("a", "KNOWS", "b", uid="f1")],
        ),
    )
    before = await counts(raw_conn, namespace)
    with pytest.raises(UidConflict):
        await memory.write_batch(
            namespace,
            BatchWrite(
                entities=[EntityWrite("c")],
                facts=[
                    FactWrite("a", "KNOWS", "c", uid="f2"),
                    FactWrite("b", "KNOWS", "a", uid="f1"),
                ],
            ),
        )
    assert await counts(raw_conn, namespace) == before


async def test_mixed_labels_and_predicates_in_one_batch(
    memory: Memory, namespace: str, raw_conn: asyncpg.Connection
) -> None:
    await memory.write_batch(
        namespace,
        BatchWrite(
            entities=[
                EntityWrite("x", "Person"),
                EntityWrite("y", "Place"),
                EntityWrite("z", "Gadget"),
            ],
            facts=[
                FactWrite("x", "LIVES_IN", "y"),
                FactWrite("x", "OWNS", "z"),
                FactWrite("z", "LOCATED_IN", "y"),
            ],
        ),
    )
    rows = await raw_conn.fetch(
        f"SELECT * FROM ag_catalog.cypher('{namespace}', $$ MATCH (p:Person)-[r]->(t) "
        "RETURN type(r) $$) AS (t ag_catalog.agtype)"
    )
    assert sorted(str(r["t"]) for r in rows) == ['"LIVES_IN"', '"OWNS"']
