"""Batches of facts alone on a store without a model: the endpoint lookup runs while
the batch is validated, and a bad batch is still refused whole with the same error."""

from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest

from kgmem import BatchWrite, EntityWrite, FactWrite, Memory
from kgmem.errors import EntityNotFound, InvalidTimestamp, InvalidUid, NamespaceNotFound


async def fact_count(conn: asyncpg.Connection, ns: str) -> tuple[int, int]:
    return (
        await conn.fetchval(f'SELECT count(*) FROM "{ns}"._kg_fact'),
        await conn.fetchval(f'SELECT count(*) FROM "{ns}"._ag_label_edge'),
    )


async def people(memory: Memory, ns: str, n: int) -> None:
    await memory.write_batch(
        ns,
        BatchWrite(entities=[EntityWrite(f"p{i}", "Person", {"name": f"P{i}"}) for i in range(n)]),
    )


async def test_invalid_last_item_writes_nothing_and_the_store_stays_usable(
    memory: Memory, namespace: str, raw_conn: asyncpg.Connection
) -> None:
    await people(memory, namespace, 30)
    good = [FactWrite(f"p{i}", "KNOWS", f"p{i + 1}", uid=f"k{i}") for i in range(29)]
    early = datetime(2024, 5, 1, tzinfo=UTC)
    bad = FactWrite(
        "p0", "KNOWS", "p2", valid_from=early, valid_to=datetime(2020, 1, 1, tzinfo=UTC)
    )
    with pytest.raises(InvalidTimestamp) as err:
        await memory.write_batch(namespace, BatchWrite(facts=[*good, bad]))
    assert "facts[29]" in str(err.value)
    assert await fact_count(raw_conn, namespace) == (0, 0)
    # The endpoints it locked are free again, and the next batch goes through.
    result = await memory.write_batch(namespace, BatchWrite(facts=good))
    assert [o.created for o in result.facts] == [True] * 29
    assert await fact_count(raw_conn, namespace) == (29, 29)
    await memory.delete_entity(namespace, "p29")  # not blocked by a lingering lock


async def test_non_string_uid_is_a_validation_error(
    memory: Memory, namespace: str, raw_conn: asyncpg.Connection
) -> None:
    await people(memory, namespace, 2)
    odd: Any = 12
    with pytest.raises(InvalidUid) as err:
        await memory.write_batch(
            namespace,
            BatchWrite(facts=[FactWrite("p0", "KNOWS", "p1"), FactWrite("p0", "KNOWS", odd)]),
        )
    assert "facts[1]" in str(err.value)
    assert await fact_count(raw_conn, namespace) == (0, 0)


async def test_bad_batch_for_a_missing_namespace_reports_the_bad_item_first(
    memory: Memory,
) -> None:
    bad = FactWrite("a", "KNOWS", " b")
    with pytest.raises(InvalidUid):
        await memory.write_batch("no_such_namespace", BatchWrite(facts=[bad]))
    with pytest.raises(NamespaceNotFound):
        await memory.write_batch(
            "no_such_namespace", BatchWrite(facts=[FactWrite("a", "KNOWS", "b")])
        )


async def test_unknown_endpoint_is_named_and_nothing_is_written(
    memory: Memory, namespace: str, raw_conn: asyncpg.Connection
) -> None:
    await people(memory, namespace, 3)
    facts = [FactWrite("p0", "KNOWS", "p1"), FactWrite("p1", "KNOWS", "ghost")]
    with pytest.raises(EntityNotFound) as err:
        await memory.write_batch(namespace, BatchWrite(facts=facts))
    assert "ghost" in str(err.value)
    assert await fact_count(raw_conn, namespace) == (0, 0)


async def test_new_source_and_known_episode_are_resolved(
    memory: Memory, namespace: str, raw_conn: asyncpg.Connection
) -> None:
    await people(memory, namespace, 3)
    await memory.upsert_entity(namespace, EntityWrite("ep1", "Episode", {"name": "Talk"}))
    facts = [
        FactWrite("p0", "KNOWS", "p1", uid="f1", source="paper-1", episode="ep1"),
        FactWrite("p1", "KNOWS", "p2", uid="f2", source="paper-1"),
    ]
    await memory.write_batch(namespace, BatchWrite(facts=facts))
    first = await memory.get_fact(namespace, "f1")
    assert (first.subject, first.object, first.sources, first.episodes) == (
        "p0",
        "p1",
        ("paper-1",),
        ("ep1",),
    )
    assert first.text == "P0 knows P1"
    assert (await memory.get_entity(namespace, "paper-1")).entity.label == "Source"
    assert await fact_count(raw_conn, namespace) == (2, 2)


# Batches of 500 facts or more with their own uids are written chunk by chunk.
LONG = 620


def long_batch(prefix: str, *, source: str | None = None) -> list[FactWrite]:
    return [
        FactWrite(
            f"p{i % 40}",
            "KNOWS" if i % 3 else "LIKES",
            f"p{(i * 7 + 1) % 40}",
            uid=f"{prefix}{i}",
            confidence=0.5 + (i % 5) / 10,
            source=source,
        )
        for i in range(LONG)
    ]


async def test_long_batch_is_written_like_a_short_one(
    memory: Memory, namespace: str, raw_conn: asyncpg.Connection
) -> None:
    await people(memory, namespace, 40)
    await memory.upsert_entity(namespace, EntityWrite("paper", "Source", {"name": "Paper"}))
    facts = long_batch("L", source="paper")
    # Some of the batch exists already (written by short batches): those are updates.
    for i in range(0, 60, 20):
        await memory.write_batch(namespace, BatchWrite(facts=facts[i : i + 10]))
    result = await memory.write_batch(namespace, BatchWrite(facts=facts))
    assert [o.uid for o in result.facts] == [f.uid for f in facts]
    old = {f"L{i}" for s in range(0, 60, 20) for i in range(s, s + 10)}
    assert [o.created for o in result.facts] == [f.uid not in old for f in facts]
    assert await fact_count(raw_conn, namespace) == (LONG, LONG)
    claims = await raw_conn.fetchval(f'SELECT count(*) FROM "{namespace}"._kg_claim')
    assert claims == LONG
    for i in (0, 249, 250, 499, 500, LONG - 1):
        stored = await memory.get_fact(namespace, f"L{i}")
        want = facts[i]
        assert (stored.subject, stored.predicate, stored.object) == (
            want.subject,
            want.predicate,
            want.object,
        )
        assert stored.confidence == pytest.approx(want.confidence)
        assert stored.sources == ("paper",)
    # Written again: every fact is an update, nothing is added.
    again = await memory.write_batch(namespace, BatchWrite(facts=facts))
    assert not any(o.created for o in again.facts)
    assert await fact_count(raw_conn, namespace) == (LONG, LONG)


async def test_long_batch_bad_item_in_a_later_chunk_writes_nothing(
    memory: Memory, namespace: str, raw_conn: asyncpg.Connection
) -> None:
    await people(memory, namespace, 40)
    facts = long_batch("B")
    facts[555] = FactWrite(
        "p0",
        "KNOWS",
        "p1",
        uid="B555",
        valid_from=datetime(2024, 5, 1, tzinfo=UTC),
        valid_to=datetime(2020, 1, 1, tzinfo=UTC),
    )
    with pytest.raises(InvalidTimestamp) as err:
        await memory.write_batch(namespace, BatchWrite(facts=facts))
    assert "facts[555]" in str(err.value)
    assert await fact_count(raw_conn, namespace) == (0, 0)
    facts[555] = FactWrite("p0", "KNOWS", "p1", uid="B555")
    result = await memory.write_batch(namespace, BatchWrite(facts=facts))
    assert all(o.created for o in result.facts)
    assert await fact_count(raw_conn, namespace) == (LONG, LONG)
    await memory.delete_entity(namespace, "p39")  # no lingering lock


async def test_long_batch_with_an_unknown_endpoint_or_a_repeated_uid(
    memory: Memory, namespace: str, raw_conn: asyncpg.Connection
) -> None:
    await people(memory, namespace, 40)
    facts = long_batch("U")
    facts[400] = FactWrite("p1", "KNOWS", "ghost", uid="U400")
    with pytest.raises(EntityNotFound) as err:
        await memory.write_batch(namespace, BatchWrite(facts=facts))
    assert "ghost" in str(err.value)
    assert await fact_count(raw_conn, namespace) == (0, 0)
    # A uid given twice: written once, the later item winning, as in a short batch.
    facts = long_batch("R")
    facts[600] = FactWrite("p2", "KNOWS", "p3", uid="R10", confidence=0.25)
    result = await memory.write_batch(namespace, BatchWrite(facts=facts))
    assert len(result.facts) == LONG
    assert await fact_count(raw_conn, namespace) == (LONG - 1, LONG - 1)
    assert (await memory.get_fact(namespace, "R10")).confidence == pytest.approx(0.25)
