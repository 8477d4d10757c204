"""Full-text indexes on the label tables: several labels, composite-label nodes,
relationships, updates seen at once, analyzers, the GIN index in the plan, drop, a
store opened again, and the refusals."""

from __future__ import annotations

from pathlib import Path

import asyncpg
import pytest

from kgmem import Memory
from kgmem.errors import CypherSemanticError, ProcedureFailed
from kgmem.neo4j_schema import fulltext, fulltext_query
from kgmem.neo4j_schema.fulltext_query import Statistics
from kgmem.storage.neo4j_schema import fulltext_sql
from tests.fixtures.database import store_settings
from tests.neo4j_schema.fulltext_support import StoreReader, create, index, ref, tables


async def _write(
    memory: Memory, namespace: str, query: str, **params: object
) -> list[list[object]]:
    return (await memory.cypher(namespace, query, params, mode="write")).rows


async def _found(
    memory: Memory, namespace: str, name: str, text: str, entity: str = "NODE"
) -> list[int]:
    reader = StoreReader(memory, namespace)
    found = await fulltext_query.query(
        reader, name, text, {}, entity=entity, statistics=Statistics()
    )  # type: ignore[arg-type]
    return [i for i, _ in found]


async def test_several_labels_and_a_composite_label_node_found_once(
    memory: Memory, namespace: str, raw_conn: asyncpg.Connection
) -> None:
    rows = await _write(
        memory, namespace,
        "CREATE (a:Movie {title: 'Full Metal Jacket'}), (b:Book {title: 'The Jacket'}), "
        "(c:Movie:Book {title: 'Yellow Jacket'}), (d:Other {title: 'Jacket Potato'}) "
        "RETURN id(a), id(b), id(c)",
    )  # fmt: skip
    await create(raw_conn, namespace, index("titles", ["Movie", "Book"], ["title"]))
    found = await _found(memory, namespace, "titles", "jacket")
    assert sorted(found) == sorted(int(i) for i in rows[0])  # type: ignore[call-overload]
    # A composite label made after the index gets it through ``extend``.
    await _write(memory, namespace, "CREATE (:Movie:Extra {title: 'Jacket Required'})")
    known = set(await tables(raw_conn, namespace, ["Movie", "Book"]))
    ns = await ref(raw_conn, namespace)
    for table in known - {"Movie", "Book"}:
        await fulltext.extend(raw_conn, ns, index("titles", ["Movie", "Book"], ["title"]), table)
    assert len(await _found(memory, namespace, "titles", "jacket")) == 4


async def test_relationship_index(
    memory: Memory, namespace: str, raw_conn: asyncpg.Connection
) -> None:
    rows = await _write(
        memory, namespace,
        "CREATE (a:P)-[r:REVIEWED {message: 'Nils-Erik is reportedly difficult to work with'}]"
        "->(b:P)-[s:EMAILED {message: 'I have booked a team meeting tomorrow'}]->(a) "
        "RETURN id(r), id(s)",
    )  # fmt: skip
    declared = index("messages", ["REVIEWED", "EMAILED"], ["message"], entity="RELATIONSHIP")
    await create(raw_conn, namespace, declared)
    assert await _found(memory, namespace, "messages", "difficult", "RELATIONSHIP") == [
        int(rows[0][0])  # type: ignore[call-overload]
    ]
    assert await _found(memory, namespace, "messages", "meeting OR work", "RELATIONSHIP") != []
    with pytest.raises(ProcedureFailed, match="not a node full-text index"):
        await _found(memory, namespace, "messages", "difficult")


async def test_updates_are_seen_by_the_next_query(
    memory: Memory, namespace: str, raw_conn: asyncpg.Connection
) -> None:
    rows = await _write(memory, namespace, "CREATE (n:Note {text: 'alpha beta'}) RETURN id(n)")
    await create(raw_conn, namespace, index("notes", ["Note"], ["text", "tags"]))
    node = int(rows[0][0])  # type: ignore[call-overload]
    assert await _found(memory, namespace, "notes", "alpha") == [node]
    await _write(memory, namespace, "MATCH (n:Note) SET n.text = 'gamma'")
    assert await _found(memory, namespace, "notes", "alpha") == []
    assert await _found(memory, namespace, "notes", "gamma") == [node]
    await _write(memory, namespace, "MATCH (n:Note) SET n.tags = ['red', 'green'], n.text = 42")
    assert await _found(memory, namespace, "notes", "gamma") == []
    assert await _found(memory, namespace, "notes", "tags:green") == [node]
    await _write(memory, namespace, "MATCH (n:Note) DETACH DELETE n")
    assert await _found(memory, namespace, "notes", "green") == []


async def test_the_english_analyzer_stems_and_drops_stop_words(
    memory: Memory, namespace: str, raw_conn: asyncpg.Connection
) -> None:
    await _write(memory, namespace, "CREATE (:Doc {text: 'The dogs were running'})")
    await create(raw_conn, namespace, index("en", ["Doc"], ["text"], analyzer="english"))
    await create(raw_conn, namespace, index("plain", ["Doc"], ["text"]))
    assert len(await _found(memory, namespace, "en", "dog AND run")) == 1
    assert await _found(memory, namespace, "plain", "dog AND run") == []
    assert len(await _found(memory, namespace, "plain", "the")) == 1
    assert await _found(memory, namespace, "en", "the") == []


async def test_queries_are_answered_from_the_gin_index(
    memory: Memory, namespace: str, raw_conn: asyncpg.Connection
) -> None:
    await _write(memory, namespace, "CREATE (:Doc {text: 'indexed words'})")
    await create(raw_conn, namespace, index("docs", ["Doc"], ["text"]))
    doc = fulltext_sql.document_sql(["text"], "simple")
    async with raw_conn.transaction():
        await raw_conn.execute("SET LOCAL enable_seqscan = off")
        lines = await raw_conn.fetch(
            f'EXPLAIN SELECT id FROM ONLY "{namespace}"."Doc" '
            f"WHERE {doc} @@ to_tsquery('simple', 'words')"
        )
    plan = "\n".join(line[0] for line in lines)
    assert "kgd_" in plan and "Index Scan" in plan


async def test_drop_removes_every_postgres_index(
    memory: Memory, namespace: str, raw_conn: asyncpg.Connection
) -> None:
    await _write(memory, namespace, "CREATE (:A {t: 'x'}), (:B {t: 'x'}), (:A:B {t: 'x'})")
    declared = index("ab", ["A", "B"], ["t"])
    await create(raw_conn, namespace, declared)
    count = "SELECT count(*) FROM pg_indexes WHERE schemaname = $1 AND indexname LIKE 'kgd%_ft'"
    assert await raw_conn.fetchval(count, namespace) == 3
    await fulltext.drop(raw_conn, await ref(raw_conn, namespace), declared, [])
    assert await raw_conn.fetchval(count, namespace) == 0
    with pytest.raises(ProcedureFailed, match="no such fulltext schema index: ab"):
        await _found(memory, namespace, "ab", "x")


async def test_the_index_is_there_when_the_store_opens_again(
    memory: Memory, namespace: str, raw_conn: asyncpg.Connection, pg_url: str, tmp_path: Path
) -> None:
    await _write(memory, namespace, "CREATE (:Doc {text: 'kept across restarts'})")
    await create(raw_conn, namespace, index("docs", ["Doc"], ["text"]))
    again = await Memory.open(store_settings(pg_url, tmp_path))
    try:
        assert len(await _found(again, namespace, "docs", "restarts")) == 1
    finally:
        await again.close()


@pytest.mark.parametrize(
    "options",
    [
        {"indexConfig": {"fulltext.analyzer": "klingon"}},
        {"indexConfig": {"fulltext.unknown": 1}},
        {"indexConfig": {"fulltext.eventually_consistent": "yes"}},
        {"bogus": 1},
    ],
)
def test_bad_options_are_refused(options: dict[str, object]) -> None:
    declared = index("x", ["A"], ["p"])
    with pytest.raises(CypherSemanticError):
        fulltext.description(type(declared)(**{**_fields(declared), "options": options}))


def _fields(declared: object) -> dict[str, object]:
    return {name: getattr(declared, name) for name in declared.__slots__}  # type: ignore[attr-defined]


async def test_bad_query_options_and_unknown_indexes_are_procedure_errors(
    memory: Memory, namespace: str, raw_conn: asyncpg.Connection
) -> None:
    await create(raw_conn, namespace, index("docs", ["Doc"], ["text"]))
    reader = StoreReader(memory, namespace)
    with pytest.raises(ProcedureFailed, match="no such fulltext schema index: nope"):
        await fulltext_query.query(reader, "nope", "x", {}, entity="NODE", statistics=Statistics())
    for options in ({"limit": -1}, {"skip": "2"}, {"analyzer": "klingon"}):
        with pytest.raises(ProcedureFailed):
            await fulltext_query.query(
                reader, "docs", "x", options, entity="NODE", statistics=Statistics()
            )


async def test_the_standard_analyzer_and_the_query_analyzer_option(
    memory: Memory, namespace: str, raw_conn: asyncpg.Connection
) -> None:
    await _write(memory, namespace, "CREATE (:Doc {text: 'The Running dogs'})")
    await create(raw_conn, namespace, index("std", ["Doc"], ["text"], analyzer="standard"))
    assert await _found(memory, namespace, "std", "the") == []  # a stop word
    assert len(await _found(memory, namespace, "std", "RUNNING")) == 1  # lower case, no stem
    assert await _found(memory, namespace, "std", "run") == []
    reader = StoreReader(memory, namespace)
    stemmed = await fulltext_query.query(
        reader, "std", "runs", {"analyzer": "english"}, entity="NODE", statistics=Statistics()
    )
    assert stemmed == []  # the index holds 'running'; the query is stemmed to 'run'
