"""Property keys that are keywords: the rule as text, then read and written on AGE."""

from kgmem import Memory
from kgmem.cypher import plan


def test_keyword_keys_after_a_dot_are_quoted_and_nothing_else_is() -> None:
    planned = plan(
        "MATCH (n) RETURN n.exists IS NULL AS e, n.`end` AS z, n.name AS m, 1.5 AS f, "
        "labels(n) AS l ORDER BY n.order"
    )
    assert planned.text == (
        "MATCH (n) RETURN n.`exists` IS NULL AS e, n.`end` AS z, n.name AS m, 1.5 AS f, "
        "kgmem_cypher.labels(label(n)) AS l ORDER BY n.`order`"
    )
    assert "keyword_keys" in planned.rewrites
    assert plan("MATCH (n) RETURN n.name AS m").rewrites == ()


def test_column_names_keep_the_key_as_written() -> None:
    assert plan("MATCH (n) RETURN n.count, n.exists IS NULL").columns == [
        "n.count",
        "n.exists IS NULL",
    ]


async def test_keyword_keys_read_and_write_on_age(memory: Memory, namespace: str) -> None:
    await memory.cypher(
        namespace, "CREATE (n:K) SET n.`exists` = 1, n.count = 2, n.end = 3", mode="write"
    )
    result = await memory.cypher(
        namespace,
        "MATCH (n:K) RETURN n.exists AS e, n.count AS c, n.end AS d, n.missing IS NULL AS m",
    )
    assert result.rows == [[1, 2, 3, True]]
