"""One SET or REMOVE clause that writes through several variables bound to one entity
keeps every item's write, and reads its right-hand sides as the clause found the graph
(``kgmem.cypher.set_items``); first as text, then run against AGE."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kgmem import Memory
from kgmem.cypher import plan
from tests.cypher.rules import written


def test_the_right_hand_sides_come_first_then_each_variable_is_written_in_turn() -> None:
    text = plan("MATCH (a:P), (c:P) SET a.s = c.t, c.t = a.s", mode="write").text
    assert text.startswith(
        "MATCH (a:P), (c:P) WITH kgmem_cypher.stored(a) AS a, kgmem_cypher.stored(c) AS c "
        "WITH a, c, c.t AS __kgmem_v1, a.s AS __kgmem_v2 "
    )
    assert text.endswith(
        "SET a.s = __kgmem_v1 WITH a, __kgmem_v1, __kgmem_v2, kgmem_cypher.stored(c) AS c "
        "SET c.t = __kgmem_v2"
    )


def test_one_variable_or_a_node_and_a_relationship_are_left_as_they_are() -> None:
    for query in (
        "MATCH (a:P) SET a.x = 1, a.y = a.x",
        "MATCH (a)-[r]->(b) SET a.x = 1, r.y = 2",
    ):
        assert "__kgmem_v" not in plan(query, mode="write").text, query


async def test_items_through_two_names_of_one_node_are_all_kept(
    memory: Memory, namespace: str
) -> None:
    await written(memory, namespace, "CREATE (:Sw {x: 1, y: 2})")
    query = "MATCH (a:Sw), (c:Sw) SET a.x = c.y, c.y = a.x, c.z = 3"
    await written(memory, namespace, query)
    stored = await written(memory, namespace, "MATCH (n:Sw) RETURN properties(n)")
    assert stored == [[{"x": 2, "y": 1, "z": 3}]]  # swapped: both read before either wrote
    await written(memory, namespace, "MATCH (a:Sw), (c:Sw) REMOVE a.x, c.y")
    stored = await written(memory, namespace, "MATCH (n:Sw) RETURN properties(n)")
    assert stored == [[{"z": 3}]]


async def test_a_self_loops_two_ends_are_one_node(memory: Memory, namespace: str) -> None:
    await written(memory, namespace, "CREATE (n:Loop)-[:R]->(n)")
    await written(memory, namespace, "MATCH (a)-[:R]->(b) SET a.from = 1, b.to = 2")
    stored = await written(memory, namespace, "MATCH (n:Loop) RETURN properties(n)")
    assert stored == [[{"from": 1, "to": 2}]]


async def test_each_row_starts_from_what_the_rows_before_it_wrote(
    memory: Memory, namespace: str
) -> None:
    await written(memory, namespace, "CREATE (:C), (:C)")
    query = "MATCH (a:C), (c:C) SET a.n = coalesce(a.n, 0) + 1, c.m = coalesce(c.m, 0) + 1"
    await written(memory, namespace, query)
    stored = await written(memory, namespace, "MATCH (n:C) RETURN n.n, n.m")
    assert stored == [[2, 2], [2, 2]]


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    items=st.lists(st.tuples(st.sampled_from("abc"), st.integers(0, 99)), min_size=2, max_size=6)
)
async def test_every_item_of_one_clause_is_written_whatever_name_it_uses(
    memory: Memory, namespace: str, items: list[tuple[str, int]]
) -> None:
    await written(memory, namespace, "MERGE (n:One {k: 1}) SET n = {k: 1}")
    sets = ", ".join(f"{name}.p{i} = {value}" for i, (name, value) in enumerate(items))
    await written(memory, namespace, f"MATCH (a:One), (b:One) WITH a, b, b AS c SET {sets}")
    [[stored]] = await written(memory, namespace, "MATCH (n:One) RETURN properties(n)")
    assert stored == {"k": 1, **{f"p{i}": value for i, (_, value) in enumerate(items)}}
