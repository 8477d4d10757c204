"""Full-text indexes declared and queried on the Cypher doors, end to end."""

from __future__ import annotations

import neo4j
import pytest

from kgmem import Memory
from kgmem.errors import KgmemError
from tests.fixtures.bolt import Bolt


async def test_declared_in_cypher_and_yielding_real_nodes(memory: Memory, namespace: str) -> None:
    await memory.cypher(
        namespace,
        "CREATE (:Movie {title: 'Full Metal Jacket'}), (:Book {title: 'The Jacket'}), "
        "(:Movie:Book {title: 'Yellow Jacket'}), (:Movie {title: 'Heat'})",
        mode="write",
    )
    await memory.cypher(
        namespace,
        "CREATE FULLTEXT INDEX titles FOR (n:Movie|Book) ON EACH [n.title]",
        mode="write",
    )
    result = await memory.cypher(
        namespace,
        "CALL db.index.fulltext.queryNodes('titles', 'jacket') YIELD node, score "
        "RETURN node.title AS title, score ORDER BY score DESC, title",
    )
    assert sorted(r[0] for r in result.rows) == ["Full Metal Jacket", "The Jacket", "Yellow Jacket"]
    result = await memory.cypher(
        namespace,
        "CALL db.index.fulltext.queryNodes('titles', 'jacket', {limit: 2}) YIELD node, score "
        "RETURN node.title, score",
    )
    scores = [r[1] for r in result.rows]
    assert len(scores) == 2 and scores == sorted(scores, reverse=True)
    # A composite label made after the index is covered by the statement layer's hook.
    await memory.cypher(namespace, "CREATE (:Movie:Extra {title: 'Jacket Required'})", mode="write")
    result = await memory.cypher(
        namespace,
        "CALL db.index.fulltext.queryNodes('titles', 'required') YIELD node RETURN node.title",
    )
    assert result.rows == [["Jacket Required"]]
    await memory.cypher(namespace, "DROP INDEX titles", mode="write")
    with pytest.raises(KgmemError):
        await memory.cypher(
            namespace, "CALL db.index.fulltext.queryNodes('titles', 'x') YIELD score RETURN score"
        )


async def test_bolt_read_key_queries_but_cannot_create(bolt: Bolt) -> None:
    async with bolt.driver(bolt.writer) as driver:
        await driver.execute_query(
            "CREATE (:Doc {text: 'the quick brown fox'}), (:Doc {text: 'a lazy dog'})",
            database_="alpha",
        )
        await driver.execute_query(
            "CREATE FULLTEXT INDEX docs FOR (n:Doc) ON EACH [n.text]", database_="alpha"
        )
    async with bolt.driver(bolt.reader) as driver:
        records, _, _ = await driver.execute_query(
            "CALL db.index.fulltext.queryNodes('docs', 'fox OR dog') YIELD node, score "
            "RETURN node.text AS text, score",
            database_="alpha",
        )
        assert {r["text"] for r in records} == {"the quick brown fox", "a lazy dog"}
        with pytest.raises(neo4j.exceptions.ClientError):
            await driver.execute_query(
                "CREATE FULLTEXT INDEX more FOR (n:Doc) ON EACH [n.text]", database_="alpha"
            )
