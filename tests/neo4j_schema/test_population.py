"""Indexes over many elements are populated in the background: the statement answers at
once, SHOW INDEXES says POPULATING then ONLINE, db.awaitIndex(es) and the query
procedures wait, a build interrupted half way (an invalid leftover) is built again by
the next service, a drop cancels a build, a refused build is FAILED with its reason."""

from __future__ import annotations

import asyncio
import secrets
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import pytest

from kgmem import Memory
from kgmem.cypher.label_sets import PREFIX as COMPOSITE_PREFIX
from kgmem.errors import CypherError
from kgmem.neo4j_schema import population
from kgmem.neo4j_schema.population import Population, population_connection
from kgmem.settings.config import Settings
from kgmem.storage.neo4j_schema.names import pg_name
from tests.fixtures.database import analyze_namespace, store_settings

ROWS = 40  # past this many elements an index is populated in the background here


@pytest.fixture(scope="module")
async def small(settings: Settings) -> AsyncIterator[Memory]:
    """A store whose indexes over more than ``ROWS`` elements populate in the background."""
    cypher = settings.cypher.model_copy(update={"index_background_rows": ROWS})
    opened = await Memory.open(settings.model_copy(update={"cypher": cypher}))
    try:
        yield opened
    finally:
        await opened.close()


@asynccontextmanager
async def serving(memory: Memory) -> AsyncIterator[Population]:
    """The store's index-population service, as a serving process runs it."""
    url = memory.runtime.url
    service = Population(memory.runtime.db, lambda: population_connection(url), interval_s=0.2)
    service.start()
    try:
        yield service
    finally:
        await service.stop()


@pytest.fixture
async def ns(small: Memory) -> AsyncIterator[str]:
    name = f"t_{uuid.uuid4().hex[:12]}"
    await small.create_namespace(name, "test")
    try:
        yield name
    finally:
        await small.delete_namespace(name)


@asynccontextmanager
async def holding(memory: Memory, ns: str, index: str) -> AsyncIterator[None]:
    """Hold the build lock of ``index``, as another process building it would."""
    conn = await asyncpg.connect(memory.runtime.url)
    try:
        await conn.fetchval("SELECT pg_advisory_lock(hashtext($1), hashtext($2))", ns, index)
        yield
    finally:
        await conn.close()


async def _people(memory: Memory, ns: str, count: int) -> None:
    await memory.cypher(
        ns,
        f"UNWIND range(1, {count}) AS i CREATE (:Person {{name: 'p' + i, age: i}}) "
        f"WITH i WHERE i % 4 = 0 CREATE (:Person:Poet {{name: 'poet' + i, age: i}})",
        mode="write",
    )


async def _state(memory: Memory, ns: str, name: str) -> list[object]:
    found = await memory.cypher(
        ns,
        "SHOW INDEXES YIELD name, state, populationPercent, failureMessage "
        "WHERE name = $n RETURN state, populationPercent, failureMessage",
        {"n": name},
    )
    return found.rows[0] if found.rows else []


async def test_a_large_index_answers_at_once_and_comes_online(small: Memory, ns: str) -> None:
    await _people(small, ns, 3000)
    async with serving(small) as service:
        async with holding(small, ns, "by_name"):
            await small.cypher(ns, "CREATE INDEX by_name FOR (n:Person) ON (n.name)", mode="write")
            assert await _state(small, ns, "by_name") == ["POPULATING", 0.0, ""]
            with pytest.raises(CypherError, match="exceeded the timeout of 1 seconds"):
                await small.cypher(ns, "CALL db.awaitIndex('by_name', 1)")
            # written while populating: in the index once it is online
            await small.cypher(ns, "CREATE (:Person:Poet {name: 'late'})", mode="write")
        service.wake()
        await small.cypher(ns, "CALL db.awaitIndexes(30)")
        assert await _state(small, ns, "by_name") == ["ONLINE", 100.0, ""]
    await analyze_namespace(small, ns)
    query = "MATCH (n:Person) WHERE n.name = 'late' RETURN n"
    text = "\n".join(await small.explain_cypher(ns, query, {}))
    assert pg_name("by_name", "Person", "range") in text
    found = await small.cypher(ns, "MATCH (n:Person) WHERE n.name = 'late' RETURN labels(n)")
    assert sorted(found.rows[0][0]) == ["Person", "Poet"]
    valid = await _valid_indexes(small, ns, "by_name", "range")
    assert valid == {"Person": True, "composite": True}


async def _valid_indexes(memory: Memory, ns: str, index: str, suffix: str) -> dict[str, bool]:
    """Whether each label table's index of ``index`` is valid, composite tables as
    ``composite`` (their names are derived)."""
    conn = await asyncpg.connect(memory.runtime.url)
    try:
        rows = await conn.fetch(
            "SELECT t.relname::text AS t, x.relname::text AS x, i.indisvalid FROM pg_index i "
            "JOIN pg_class x ON x.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid "
            "JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = $1",
            ns,
        )
    finally:
        await conn.close()
    return {
        ("composite" if r["t"].startswith(COMPOSITE_PREFIX) else r["t"]): r["indisvalid"]
        for r in rows
        if r["x"] == pg_name(index, r["t"], suffix)
    }


async def test_small_indexes_are_built_in_their_statement(small: Memory, ns: str) -> None:
    await _people(small, ns, 10)
    async with serving(small), holding(small, ns, "small"):
        await small.cypher(ns, "CREATE INDEX small FOR (n:Person) ON (n.age)", mode="write")
        assert await _state(small, ns, "small") == ["ONLINE", 100.0, ""]


async def test_vector_and_fulltext_queries_wait_for_their_index(small: Memory, ns: str) -> None:
    await small.cypher(
        ns,
        "UNWIND range(1, 100) AS i CREATE (:Doc {text: 'word' + i, v: [1.0, toFloat(i)]})",
        mode="write",
    )
    async with serving(small) as service:
        async with holding(small, ns, "vec"), holding(small, ns, "words"):
            await small.cypher(
                ns,
                "CREATE VECTOR INDEX vec FOR (n:Doc) ON n.v OPTIONS {indexConfig: "
                "{`vector.dimensions`: 2, `vector.similarity_function`: 'euclidean'}}",
                mode="write",
            )
            await small.cypher(
                ns, "CREATE FULLTEXT INDEX words FOR (n:Doc) ON EACH [n.text]", mode="write"
            )
            assert (await _state(small, ns, "vec"))[0] == "POPULATING"
            vector = asyncio.create_task(
                small.cypher(
                    ns,
                    "CALL db.index.vector.queryNodes('vec', 2, [1.0, 7.0]) YIELD node "
                    "RETURN node.text",
                )
            )
            words = asyncio.create_task(
                small.cypher(
                    ns,
                    "CALL db.index.fulltext.queryNodes('words', 'word42') YIELD node "
                    "RETURN node.text",
                )
            )
            await asyncio.sleep(0.5)
            assert not vector.done() and not words.done()
        service.wake()
        assert (await vector).rows[0] == ["word7"]
        assert (await words).rows == [["word42"]]


async def test_a_build_interrupted_half_way_is_built_again(small: Memory, ns: str) -> None:
    await _people(small, ns, 100)
    async with serving(small) as service, holding(small, ns, "by_age"):
        await small.cypher(ns, "CREATE INDEX by_age FOR (n:Person) ON (n.age)", mode="write")
        await service.stop()  # the process dies; its leftover below
    await _invalid_leftover(small, ns, pg_name("by_age", "Person", "range"))
    assert await _valid_indexes(small, ns, "by_age", "range") == {"Person": False}
    async with serving(small):  # the next process
        await small.cypher(ns, "CALL db.awaitIndex('by_age', 30)")
    assert await _state(small, ns, "by_age") == ["ONLINE", 100.0, ""]
    assert await _valid_indexes(small, ns, "by_age", "range") == {"Person": True, "composite": True}


async def _invalid_leftover(memory: Memory, ns: str, name: str) -> None:
    """What a concurrent build killed half way leaves: an invalid index of ``name``."""
    writer = await asyncpg.connect(memory.runtime.url)
    builder = await asyncpg.connect(memory.runtime.url)
    try:
        tx = writer.transaction()
        await tx.start()
        await writer.execute(f'LOCK TABLE "{ns}"."Person" IN ROW EXCLUSIVE MODE')
        pid = await builder.fetchval("SELECT pg_backend_pid()")
        build = asyncio.create_task(
            builder.execute(
                f'CREATE INDEX CONCURRENTLY "{name}" ON "{ns}"."Person" '
                "((properties::text))"  # any expression: only the name matters
            )
        )
        for _ in range(100):
            await asyncio.sleep(0.05)
            if await writer.fetchval("SELECT to_regclass($1) IS NOT NULL", f'"{ns}"."{name}"'):
                break
        await writer.execute("SELECT pg_terminate_backend($1)", pid)
        with pytest.raises((asyncpg.PostgresError, asyncpg.InterfaceError, OSError)):
            await build
        await tx.rollback()
    finally:
        await writer.close()
        builder.terminate()


async def test_dropping_a_populating_index_leaves_nothing(small: Memory, ns: str) -> None:
    await _people(small, ns, 100)
    async with serving(small) as service:
        async with holding(small, ns, "gone"):
            await small.cypher(ns, "CREATE INDEX gone FOR (n:Person) ON (n.name)", mode="write")
            await small.cypher(ns, "DROP INDEX gone", mode="write")
        service.wake()
        await small.cypher(ns, "CALL db.awaitIndexes(30)")
    assert await _state(small, ns, "gone") == []
    assert await _valid_indexes(small, ns, "gone", "range") == {}


async def test_a_refused_build_is_failed_with_its_reason(small: Memory, ns: str) -> None:
    # an index entry holds at most a page: random text does not compress below it
    await small.cypher(
        ns,
        "UNWIND range(1, 60) AS i CREATE (:Blob {body: $big + i})",
        {"big": secrets.token_hex(6000)},
        mode="write",
    )
    async with serving(small):
        await small.cypher(ns, "CREATE INDEX blob FOR (n:Blob) ON (n.body)", mode="write")
        refused = r"FAILED state: PostgreSQL refused the build \(SQLSTATE 54000\): index row"
        with pytest.raises(CypherError, match=refused):
            await small.cypher(ns, "CALL db.awaitIndex('blob', 30)")
    state, share, reason = await _state(small, ns, "blob")
    assert (state, share) == ("FAILED", 0.0) and "index row requires" in str(reason)
    await small.cypher(ns, "DROP INDEX blob", mode="write")
    assert await _valid_indexes(small, ns, "blob", "range") == {}


async def test_a_store_without_a_service_builds_in_the_statement(memory: Memory) -> None:
    assert not population.available(memory.runtime.db)


async def test_a_serving_store_populates_by_itself(
    fresh_database: Callable[[], Awaitable[str]], home_dir: Path
) -> None:
    settings = store_settings(await fresh_database(), home_dir)
    cypher = settings.cypher.model_copy(update={"index_background_rows": ROWS})
    async with asyncio.timeout(120):
        served = await Memory.open(settings.model_copy(update={"cypher": cypher}), serve=True)
        try:
            assert population.available(served.runtime.db)
            await served.create_namespace("big", "test")
            await _people(served, "big", 100)
            await served.cypher("big", "CREATE INDEX FOR (n:Person) ON (n.age)", mode="write")
            await served.cypher("big", "CALL db.awaitIndexes(60)")
            shown = await served.cypher(
                "big", "SHOW INDEXES YIELD state, type WHERE type = 'RANGE' RETURN state"
            )
            assert [r[0] for r in shown.rows].count("ONLINE") >= 1
            assert "POPULATING" not in [r[0] for r in shown.rows]
        finally:
            await served.close()


async def test_a_label_age_made_by_itself_gets_its_id_index(small: Memory, ns: str) -> None:
    await small.cypher(
        ns,
        "UNWIND range(1, 3000) AS i CREATE (:Fresh {x: i})-[:FRESHLY]->(:Fresh {x: -i})",
        mode="write",
    )
    conn = await asyncpg.connect(small.runtime.url)
    query = (
        "SELECT c.relname::text, count(x.relname) FILTER (WHERE x.relname LIKE 'kgmem\\_id\\_%') "
        "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "LEFT JOIN pg_index i ON i.indrelid = c.oid LEFT JOIN pg_class x ON x.oid = i.indexrelid "
        "WHERE n.nspname = $1 AND c.relname IN ('Fresh', 'FRESHLY') GROUP BY 1 ORDER BY 1"
    )
    try:
        async with serving(small) as service:
            service.wake()
            async with asyncio.timeout(30):
                while await conn.fetch(query, ns) != [("FRESHLY", 3), ("Fresh", 1)]:  # noqa: ASYNC110 (polls the catalogue)
                    await asyncio.sleep(0.1)
    finally:
        await conn.close()
    await analyze_namespace(small, ns)
    found = await small.cypher(ns, "MATCH (n:Fresh {x: 2}) RETURN elementId(n)")
    element = found.rows[0][0]
    plan = "\n".join(
        await small.explain_cypher(
            ns, "MATCH (n) WHERE elementId(n) = $e RETURN n.x", {"e": element}
        )
    )
    assert "kgmem_id_" in plan and 'Seq Scan on "Fresh"' not in plan, plan
