"""Over Bolt, a read after a write sees it through every name of the entity, one SET
through two names keeps both writes, and a DELETE that cannot delete an entity is
Neo4j's syntax error with the session going on (``kgmem.cypher.fresh_reads``,
``set_items``, ``deleted_values``)."""

import pytest
from neo4j.exceptions import ClientError

from tests.fixtures.bolt import Bolt


async def test_reads_after_writes_and_a_refused_delete_over_bolt(bolt: Bolt) -> None:
    await bolt.memory.cypher("alpha", "CREATE (:Sw {k: 1})", mode="write")
    async with bolt.driver() as driver, driver.session(database="alpha") as session:
        query = "MATCH (a:Sw), (c:Sw) SET a.s = 1, c.t = 2, a:Seen RETURN labels(c), c.s, a.t"
        record = await (await session.run(query)).single()
        assert record is not None and list(record.values()) == [["Seen", "Sw"], 1, 2]
        with pytest.raises(ClientError) as caught:
            await (await session.run("MATCH (a) WITH [a] AS l DELETE 1 + 1")).consume()
        assert caught.value.code == "Neo.ClientError.Statement.SyntaxError"
        deleted = await session.run("MATCH (a:Sw) WITH {k: a} AS m DETACH DELETE m.k")
        summary = await deleted.consume()
        assert summary.counters.nodes_deleted == 1


async def test_a_match_after_a_write_keeps_the_write_over_bolt(bolt: Bolt) -> None:
    """A MATCH that finds nothing after a CREATE (a label the graph lacks) answers no
    rows, as Neo4j does, and the CREATE is kept and counted (``written_matches``)."""
    async with bolt.driver() as driver, driver.session(database="alpha") as session:
        result = await session.run("CREATE (n:Kept {k: 1}) WITH n MATCH (m:Absent) RETURN m")
        assert [r async for r in result] == []
        summary = await result.consume()
        assert summary.counters.nodes_created == 1
        first = await session.run("CREATE (n:Fresh {k: 2}) WITH n MATCH (m:Fresh) RETURN m.k")
        assert [r["m.k"] async for r in first] == [2]
        kept = await session.run("MATCH (n) WHERE n:Kept OR n:Fresh RETURN count(n) AS c")
        record = await kept.single()
        assert record is not None and record["c"] == 2
