"""Facts: bi-temporal edges with provenance; closed, never deleted, to supersede."""

from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from kgmem import EntityWrite, FactQuery, FactWrite, Memory
from kgmem.errors import (
    EntityNotFound,
    FactAlreadyClosed,
    FactNotFound,
    InvalidInput,
    InvalidTimestamp,
    UidConflict,
)
from kgmem.storage import agtype

T0 = datetime(2020, 1, 1, tzinfo=UTC)


@pytest.fixture
async def people(memory: Memory, namespace: str) -> str:
    for uid, label, name in [
        ("alice", "Person", "Alice"),
        ("bob", "Person", "Bob"),
        ("acme", "Organization", "Acme"),
        ("ep1", "Episode", "ep"),
    ]:
        await memory.upsert_entity(namespace, EntityWrite(uid, label, {"name": name}))
    return namespace


async def test_fact_is_an_edge_with_times_and_text(
    memory: Memory, people: str, raw_conn: asyncpg.Connection
) -> None:
    fact = await memory.add_fact(
        people,
        FactWrite(
            "alice",
            "WORKS_AT",
            "acme",
            {"role": "CTO"},
            valid_from=T0,
            confidence=0.9,
            source="hr",
            episode="ep1",
        ),
    )
    assert fact.text == "Alice works at Acme"
    assert fact.properties == {"role": "CTO"}
    assert (fact.valid_from, fact.valid_to, fact.expired_at) == (T0, None, None)
    assert fact.sources == ("hr",) and fact.episodes == ("ep1",)
    rows = await raw_conn.fetch(
        f"SELECT * FROM ag_catalog.cypher('{people}', $$ MATCH (a)-[r:WORKS_AT]->(b) "
        "RETURN r $$) AS (r ag_catalog.agtype)"
    )
    edge = agtype.decode(str(rows[0]["r"]))
    assert edge["properties"]["uid"] == fact.uid
    assert edge["properties"]["valid_from"] == "2020-01-01T00:00:00.000000Z"
    assert edge["properties"]["expired_at"] is None
    assert edge["properties"]["role"] == "CTO"


async def test_unknown_source_becomes_a_source_entity(memory: Memory, people: str) -> None:
    await memory.add_fact(people, FactWrite("alice", "KNOWS", "bob", source="wiki"))
    source = (await memory.get_entity(people, "wiki")).entity
    assert source.label == "Source"


async def test_missing_endpoints_and_episode_are_refused_and_nothing_is_written(
    memory: Memory, people: str
) -> None:
    with pytest.raises(EntityNotFound, match="'nobody'"):
        await memory.add_fact(people, FactWrite("alice", "KNOWS", "nobody", source="new_src"))
    with pytest.raises(EntityNotFound, match="'no_episode'"):
        await memory.add_fact(people, FactWrite("alice", "KNOWS", "bob", episode="no_episode"))
    assert (await memory.list_facts(people)).items == ()
    with pytest.raises(EntityNotFound):
        await memory.get_entity(people, "new_src")


async def test_close_sets_valid_to_and_expired_at_and_keeps_the_fact(
    memory: Memory, people: str
) -> None:
    fact = await memory.add_fact(people, FactWrite("alice", "WORKS_AT", "acme", valid_from=T0))
    end = T0 + timedelta(days=400)
    closed = await memory.close_fact(people, fact.uid, valid_to=end)
    assert closed.valid_to == end and closed.expired_at is not None and closed.is_closed
    assert (await memory.get_fact(people, fact.uid)).is_closed
    assert (await memory.list_facts(people)).items == ()
    everything = await memory.list_facts(people, FactQuery(include_closed=True))
    assert [f.uid for f in everything.items] == [fact.uid]
    with pytest.raises(FactAlreadyClosed):
        await memory.close_fact(people, fact.uid)


async def test_close_defaults_to_now(memory: Memory, people: str) -> None:
    fact = await memory.add_fact(people, FactWrite("alice", "KNOWS", "bob"))
    before = datetime.now(UTC)
    closed = await memory.close_fact(people, fact.uid)
    assert closed.valid_to is not None and closed.valid_to >= before - timedelta(seconds=1)


async def test_close_before_valid_from_is_refused(memory: Memory, people: str) -> None:
    fact = await memory.add_fact(people, FactWrite("alice", "KNOWS", "bob", valid_from=T0))
    with pytest.raises(InvalidTimestamp):
        await memory.close_fact(people, fact.uid, valid_to=T0 - timedelta(days=1))
    assert not (await memory.get_fact(people, fact.uid)).is_closed


async def test_instant_fact_keeps_its_bounds(
    memory: Memory, people: str, raw_conn: asyncpg.Connection
) -> None:
    fact = await memory.add_fact(
        people, FactWrite("alice", "KNOWS", "bob", valid_from=T0, valid_to=T0)
    )
    assert (fact.valid_from, fact.valid_to) == (T0, T0)
    contained = await raw_conn.fetchval(
        "SELECT kgmem.time_range(valid_from, valid_to) @> $1::timestamptz "
        f'FROM "{people}"._kg_fact WHERE uid = $2',
        T0,
        fact.uid,
    )
    assert contained


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"valid_from": T0, "valid_to": T0 - timedelta(seconds=1)}, InvalidTimestamp),
        ({"valid_from": datetime(2020, 1, 1)}, InvalidTimestamp),
        ({"recorded_at": datetime.now(UTC) + timedelta(days=1)}, InvalidTimestamp),
        ({"confidence": 1.5}, InvalidInput),
        ({"confidence": float("nan")}, InvalidInput),
        ({"properties": {"valid_to": "x"}}, InvalidInput),
    ],
)
async def test_bad_fact_fields_are_refused(
    memory: Memory, people: str, kwargs: dict, error: type[Exception]
) -> None:
    with pytest.raises(error):
        await memory.add_fact(people, FactWrite("alice", "KNOWS", "bob", **kwargs))
    assert (await memory.list_facts(people, FactQuery(include_closed=True))).items == ()


async def test_upsert_by_uid_updates_in_place(memory: Memory, people: str) -> None:
    first = await memory.add_fact(
        people, FactWrite("alice", "KNOWS", "bob", uid="k1", confidence=0.5)
    )
    second = await memory.add_fact(
        people, FactWrite("alice", "KNOWS", "bob", uid="k1", confidence=0.8, source="s2")
    )
    assert second.id == first.id and second.confidence == 0.8 and second.sources == ("s2",)
    assert len((await memory.list_facts(people)).items) == 1


async def test_reusing_a_fact_uid_for_another_statement_conflicts(
    memory: Memory, people: str
) -> None:
    await memory.add_fact(people, FactWrite("alice", "KNOWS", "bob", uid="k1"))
    with pytest.raises(UidConflict):
        await memory.add_fact(people, FactWrite("alice", "KNOWS", "acme", uid="k1"))


async def test_updating_a_closed_fact_keeps_it_closed(memory: Memory, people: str) -> None:
    await memory.add_fact(people, FactWrite("alice", "KNOWS", "bob", uid="k1"))
    await memory.close_fact(people, "k1")
    again = await memory.add_fact(
        people, FactWrite("alice", "KNOWS", "bob", uid="k1", properties={"note": "x"})
    )
    assert again.is_closed and again.properties == {"note": "x"}


async def test_list_filters_by_subject_predicate_object(memory: Memory, people: str) -> None:
    await memory.add_fact(people, FactWrite("alice", "KNOWS", "bob"))
    await memory.add_fact(people, FactWrite("alice", "WORKS_AT", "acme"))
    await memory.add_fact(people, FactWrite("bob", "WORKS_AT", "acme"))
    by_subject = await memory.list_facts(people, FactQuery(subject="alice"))
    assert {f.predicate for f in by_subject.items} == {"KNOWS", "WORKS_AT"}
    by_both = await memory.list_facts(people, FactQuery(predicate="WORKS_AT", object="acme"))
    assert {f.subject for f in by_both.items} == {"alice", "bob"}
    assert (await memory.list_facts(people, FactQuery(subject="nobody"))).items == ()


async def test_fact_pages_follow_creation_order(memory: Memory, people: str) -> None:
    made = [
        await memory.add_fact(people, FactWrite("alice", "KNOWS", "bob", uid=f"f{i}"))
        for i in range(5)
    ]
    seen, cursor = [], None
    while True:
        page = await memory.list_facts(people, FactQuery(limit=2, cursor=cursor))
        seen += [f.uid for f in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == [f.uid for f in made]


async def test_delete_fact_removes_edge_and_claims(
    memory: Memory, people: str, raw_conn: asyncpg.Connection
) -> None:
    fact = await memory.add_fact(people, FactWrite("alice", "KNOWS", "bob", source="s"))
    await memory.delete_fact(people, fact.uid)
    with pytest.raises(FactNotFound):
        await memory.get_fact(people, fact.uid)
    assert await raw_conn.fetchval(f'SELECT count(*) FROM "{people}"."KNOWS"') == 0
    assert await raw_conn.fetchval(f'SELECT count(*) FROM "{people}"._kg_claim') == 0
    with pytest.raises(FactNotFound):
        await memory.delete_fact(people, fact.uid)
    assert not any((await memory.check_namespace(people)).values())


async def test_edge_reads_by_id_use_an_index(
    memory: Memory, people: str, raw_conn: asyncpg.Connection
) -> None:
    """AGE gives edge label tables no index on id; kgmem adds one (else: seq scans)."""
    fact = await memory.add_fact(people, FactWrite("alice", "KNOWS", "bob"))
    await raw_conn.execute("SET enable_seqscan = off")
    plan = await raw_conn.fetch(
        f'EXPLAIN SELECT properties FROM "{people}"."KNOWS" WHERE id = ANY($1::graphid[])',
        [str(fact.id)],
    )
    assert "Index" in "\n".join(r[0] for r in plan)
