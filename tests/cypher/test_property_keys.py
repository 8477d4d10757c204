"""Property keys that are keywords: the rule as text, then read and written on AGE."""

from kgmem import Memory
from kgmem.cypher import plan
from tests.cypher.rules import applied


def test_keyword_keys_after_a_dot_are_quoted_and_nothing_else_is() -> None:
    planned = applied(
        "keyword_keys",
        "MATCH (n) RETURN n.exists IS NULL AS e, n.`end` AS z, n.name AS m, 1.5 AS f, "
        "labels(n) AS l ORDER BY n.order",
    )
    assert planned.text == (
        "MATCH (n) RETURN n.`exists` IS NULL AS e, n.`end` AS z, n.name AS m, 1.5 AS f, "
        "kgmem_cypher.labels(label(n)) AS l ORDER BY kgmem_cypher.sort_key(n.`order`)"
    )
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


def test_variables_named_by_unreserved_keywords_are_quoted() -> None:
    planned = applied(
        "keyword_variables",
        "MATCH (n) WITH count(n) AS count, n.count AS c RETURN count, c, COUNT { (n) }",
    )
    assert planned.text == (
        "MATCH (n) WITH count(n) AS `count`, n.`count` AS c RETURN `count`, c, COUNT { (n) }"
    )
    assert planned.columns == ["count", "c", "COUNT { (n) }"]


async def test_an_alias_named_count_is_read_back(memory: Memory, namespace: str) -> None:
    await memory.cypher(namespace, "CREATE ({num: 42}), ({num: 42})", mode="write")
    result = await memory.cypher(
        namespace,
        "MATCH (n) WITH n.num AS num, count(n) AS count RETURN num, count, count > 1 AS many, "
        "coalesce(null, count) AS coalesce",
    )
    assert result.columns == ["num", "count", "many", "coalesce"]
    assert result.rows == [[42, 2, True, 2]]


async def test_a_variable_named_end_works_beside_case_expressions(
    memory: Memory, namespace: str
) -> None:
    # neo4j-graphrag's writer names its relationship's end node `end`
    await memory.cypher(namespace, "CREATE (:K {i: 1}), (:K {i: 2})", mode="write")
    found = await memory.cypher(
        namespace,
        "MATCH (start:K {i: 1}), (end:K {i: 2}) WITH start, end "
        "CREATE (start)-[:R]->(end) "
        "RETURN elementId(end) = elementId(end) AS same, end.i AS i, "
        "CASE WHEN end.i > 1 THEN 'big' ELSE CASE end.i WHEN 1 THEN 'one' END END AS size",
        mode="write",
    )
    assert found.columns == ["same", "i", "size"]
    assert found.rows == [[True, 2, "big"]]
