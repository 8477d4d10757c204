"""Long CREATE scripts in batches: the WITHs as text, then the whole script on AGE."""

from kgmem import Memory
from kgmem.cypher import create_batches, plan
from tests.cypher.rules import left_alone


def _script(nodes: int) -> str:
    """``nodes`` nodes, each then linked to the next, one CREATE clause apiece."""
    made = [f"CREATE (n{i}:P {{i: {i}}})" for i in range(nodes)]
    linked = [f"CREATE (n{i})-[:NEXT]->(n{i + 1})" for i in range(nodes - 1)]
    return " ".join(made + linked)


def test_a_long_script_carries_on_only_what_later_clauses_read() -> None:
    text = plan(_script(60) + " RETURN n0.i AS first", mode="write").text
    batches = text.split(" WITH ")
    assert len(batches) > 2
    assert "create_batches" in plan(_script(60), mode="write").rewrites
    # after the first batch of nodes every node is still to be linked
    carried = batches[1].split(" CREATE ")[0].split(", ")
    assert carried == sorted(f"n{i}" for i in range(create_batches.BATCH))
    # the last WITH carries what the last links and the RETURN read
    last = batches[-1].split(" CREATE ")[0].split(", ")
    assert "n0" in last and "n59" in last and "n1" not in last
    # within a batch the CREATE clauses are one, a pattern list (no nesting in AGE)
    assert batches[0].count("CREATE") == 1 and ") , (n1:P {i: 1})" in batches[0]


def test_short_scripts_are_left_alone() -> None:
    assert left_alone("create_batches", _script(20), mode="write")


def _chain(nodes: int) -> str:
    """``nodes`` nodes, each linked to the one before as soon as it is created."""
    clauses = [f"CREATE (n{i}:P {{i: {i}}})" for i in range(nodes)]
    for i in range(nodes - 1, 0, -1):
        clauses.insert(i + 1, f"CREATE (n{i - 1})-[:NEXT]->(n{i})")
    return " ".join(clauses)


async def test_a_script_past_postgresqls_column_limit_creates_everything(
    memory: Memory, namespace: str
) -> None:
    # unbatched, AGE carries more than 1,664 columns and PostgreSQL refuses the query
    await memory.cypher(namespace, _chain(250), mode="write")
    counted = await memory.cypher(
        namespace, "MATCH (a:P)-[:NEXT]->(b:P) WHERE b.i = a.i + 1 RETURN count(*) AS c"
    )
    assert counted.rows == [[249]]
    nodes = await memory.cypher(namespace, "MATCH (n:P) RETURN count(n) AS c")
    assert nodes.rows == [[250]]
