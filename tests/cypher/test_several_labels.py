"""Nodes with several labels: the composite label's name, each rewrite rule as text,
and the whole path against AGE (Memory.cypher)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kgmem import Memory
from kgmem.cypher import label_sets, plan
from kgmem.errors import CypherPermissionDenied, CypherSemanticError


def test_a_composite_name_lists_the_sorted_labels_and_reads_back() -> None:
    name = label_sets.composite(["Person", "Employee", "Person"])
    assert name == "__kgmem_L_Employee_sPerson"
    assert label_sets.split(name) == ["Employee", "Person"]
    assert label_sets.split("Person") == ["Person"]
    assert label_sets.split("") == []  # AGE's unlabelled vertex


@pytest.mark.parametrize("labels", [["a_b", "a", "_b"], ["B c", "x's", "é", "\U0001f600"]])
def test_any_label_survives_the_composite_name(labels: list[str]) -> None:
    name = label_sets.composite(labels)
    assert name.replace("_", "").isalnum() and name.isascii()
    assert label_sets.split(name) == sorted(labels)


def test_labels_too_long_to_name_together_are_refused() -> None:
    with pytest.raises(CypherSemanticError, match="too long"):
        label_sets.composite(["A" * 30, "B" * 30])


def test_create_names_the_composite_and_lists_its_label_set() -> None:
    planned = plan("CREATE (n:B:A {x: 1})-[:T]->(:C), (:D:C) RETURN n", mode="write")
    assert planned.text == (
        "CREATE (n:__kgmem_L_A_sB {x: 1})-[:T]->(:C), (:__kgmem_L_C_sD) RETURN n"
    )
    assert planned.label_sets == (("A", "B"), ("C", "D"))
    merged = plan("MERGE (n:A:B {k: 1}) RETURN n", mode="write")
    assert merged.text == "MERGE (n:__kgmem_L_A_sB {k: 1}) RETURN n"
    assert plan("CREATE (n:A) RETURN n", mode="write").label_sets == ()


def test_match_keeps_the_first_label_and_tests_the_others_before_the_where() -> None:
    planned = plan("MATCH (n:A:B)-->(:C:D) WHERE n.x = 1 OR n.y = 2 RETURN n")
    assert planned.text == (
        "MATCH (n:A)-->(__kgmem_l1:C) WHERE kgmem_cypher.has_labels(label(n), ['B']) AND "
        "kgmem_cypher.has_labels(label(__kgmem_l1), ['D']) AND ( n.x = 1 OR n.y = 2) RETURN n"
    )
    alone = plan("OPTIONAL MATCH (n:A:B:C) RETURN n")
    assert alone.text == (
        "WITH 0 AS __kgmem_o "  # kgmem.cypher.optional
        "OPTIONAL MATCH (n:A) WHERE kgmem_cypher.has_labels(label(n), ['B', 'C']) RETURN n"
    )


def test_labels_of_a_node_bound_earlier_become_tests() -> None:
    planned = plan("MATCH (a)-[r]->() WITH r, a MATCH (a:X)-[r]->(b:Y) RETURN a, b")
    assert planned.text == (
        "MATCH (a)-[r]->() WITH r, a MATCH (a)-[r]->(b:Y) "
        "WHERE kgmem_cypher.has_labels(label(a), ['X']) RETURN a, b"
    )


def test_label_predicates_and_labels_read_the_composite() -> None:
    planned = plan("MATCH (n) WHERE n:A:B RETURN labels(n) AS l, size(labels(n)) AS s")
    assert planned.text == (
        "MATCH (n) WHERE kgmem_cypher.has_labels(label(n), ['A', 'B']) "
        "RETURN kgmem_cypher.labels(label(n)) AS l, "
        "kgmem_cypher.size(kgmem_cypher.labels(label(n))) AS s"
    )
    assert plan("RETURN n.labels AS l", {}).text == "RETURN n.labels AS l"


def test_a_read_key_cannot_create_nodes_with_several_labels() -> None:
    with pytest.raises(CypherPermissionDenied):
        plan("CREATE (:A:B)")


async def test_several_labels_on_age(memory: Memory, namespace: str) -> None:
    await memory.cypher(
        namespace,
        "CREATE (:A:B {n: 1}), (:A {n: 2}), (:C:B {n: 3}), (:B:A {n: 4})",
        mode="write",
    )
    counts = await memory.cypher(
        namespace,
        "MATCH (a:A) WITH count(a) AS a MATCH (b:B) WITH a, count(b) AS b "
        "MATCH (ab:B:A) RETURN a, b, count(ab) AS ab",
    )
    assert counts.rows == [[3, 3, 2]]
    listed = await memory.cypher(
        namespace,
        "MATCH (x) RETURN x.n AS n, labels(x) AS l, x:A:B AS ab, x:C AS c ORDER BY n",
    )
    assert listed.rows == [
        [1, ["A", "B"], True, False],
        [2, ["A"], False, False],
        [3, ["B", "C"], False, True],
        [4, ["A", "B"], True, False],
    ]
    node = (await memory.cypher(namespace, "MATCH (x:C) RETURN x")).rows[0][0]
    assert node["label"] == "B" and node["labels"] == ["B", "C"]
    merged = await memory.cypher(namespace, "MERGE (x:A:B {n: 1}) RETURN x.n AS n", mode="write")
    assert merged.rows == [[1]]
    one = await memory.cypher(namespace, "MERGE (x:C {n: 3}) RETURN labels(x) AS l", mode="write")
    assert one.rows == [[["B", "C"]]]
    total = await memory.cypher(namespace, "MATCH (x) RETURN count(x) AS c")
    assert total.rows == [[4]]
    again = await memory.cypher(
        namespace, "MATCH (x {n: 3}) WITH x MATCH (x:C:B) RETURN labels(x) AS l"
    )
    assert again.rows == [[["B", "C"]]]
    bare = await memory.cypher(namespace, "CREATE (x) RETURN labels(x) AS l", mode="write")
    assert bare.rows == [[[]]]


async def test_labels_in_use_and_counts_name_each_label(memory: Memory, namespace: str) -> None:
    await memory.cypher(namespace, "CREATE (:A:B), (:A), (:C:B)", mode="write")
    used = await memory.cypher(namespace, "CALL db.labels() YIELD label RETURN label")
    assert sorted(row[0] for row in used.rows) == ["A", "B", "C"]
    stats = await memory.namespace_stats(namespace)
    assert {k: v for k, v in stats.vertices.items() if v} == {"A": 2, "B": 2, "C": 1}


async def test_nodes_with_several_labels_update_link_and_delete(
    memory: Memory, namespace: str
) -> None:
    await memory.cypher(
        namespace, "CREATE (:A:B {n: 1})-[:T]->(:B:C {n: 2}), (:A {n: 3})", mode="write"
    )
    await memory.cypher(namespace, "MATCH (x:B) SET x.seen = true", mode="write")
    linked = await memory.cypher(
        namespace,
        "MATCH (x:A)-[:T]->(y:C) RETURN x.n AS x, y.n AS y, x.seen AS s, labels(y) AS l",
    )
    assert linked.rows == [[1, 2, True, ["B", "C"]]]
    await memory.cypher(namespace, "MATCH (x:A:B) DETACH DELETE x", mode="write")
    left = await memory.cypher(namespace, "MATCH (x) RETURN x.n AS n ORDER BY n")
    assert left.rows == [[2], [3]]
    edges = await memory.cypher(namespace, "MATCH ()-[r]->() RETURN count(r) AS c")
    assert edges.rows == [[0]]


def test_label_sets_with_underscores_fit_in_the_compact_spelling() -> None:
    labels = ["Person", "__Entity__", "__KGBuilder__"]
    name = label_sets.composite(labels)
    assert len(name.encode()) <= label_sets.MAX_NAME and "_x" in name
    assert label_sets.split(name) == sorted(labels)
    # a name that fits keeps the first spelling: stored composites keep their names
    assert label_sets.composite(["a_b", "c"]) == "__kgmem_L_a_u005fb_sc"


_LABEL = st.text(alphabet=st.sampled_from("ab_ Z9é-"), min_size=1, max_size=14).filter(
    lambda s: not s.startswith("__kgmem_")
)


@settings(max_examples=60, deadline=None)
@given(labels=st.lists(_LABEL, min_size=2, max_size=4, unique=True))
async def test_sql_spells_and_reads_label_sets_as_python_does(
    memory: Memory, labels: list[str]
) -> None:
    try:
        expected = label_sets.composite(labels)
    except CypherSemanticError:
        expected = None
    async with memory.ctx.db.acquire() as conn:
        name, listed = await conn.fetchrow(
            "SELECT kgmem_cypher._composite($1::text[]), "
            "kgmem_cypher._label_list(kgmem_cypher._composite($1::text[]))",
            labels,
        )
    if expected is None:
        assert len(name.encode()) > label_sets.MAX_NAME
        return
    assert name == expected
    assert sorted(listed) == sorted(labels) == label_sets.split(name)


async def test_a_library_label_set_is_stored_and_matched(memory: Memory, namespace: str) -> None:
    await memory.cypher(
        namespace,
        "CREATE (n:Organization:__Entity__ {id: 1}) SET n:__KGBuilder__ RETURN n",
        mode="write",
    )
    found = await memory.cypher(
        namespace, "MATCH (n:__Entity__ {id: 1}) RETURN labels(n) AS l, n:__KGBuilder__ AS b"
    )
    assert sorted(found.rows[0][0]) == ["Organization", "__Entity__", "__KGBuilder__"]
    assert found.rows[0][1] is True


def test_a_label_predicate_in_brackets_is_a_test_and_a_pattern_stays_one() -> None:
    text = plan("MATCH (a) WHERE NOT (a:B) AND (a)-->(:C) RETURN (a:A|B) AS x").text
    assert "NOT (kgmem_cypher.has_labels(label(a), ['B']))" in text
    assert "exists((a)-->(:C))" in text and "(a:A|B)" not in text
    assert "WHERE exists((a:B)-->())" in plan("MATCH (a) WHERE (a:B)-->() RETURN a").text


async def test_bracketed_label_predicates_filter_and_answer(memory: Memory, namespace: str) -> None:
    await memory.cypher(namespace, "CREATE (:A {n: 1}), (:B {n: 2}), (:A:B {n: 3})", mode="write")
    queries = {
        "MATCH (a) WHERE NOT (a:B) RETURN a.n": [[1]],
        "MATCH (a) WHERE (a:A) AND NOT (a:B) OR (a:A:B) RETURN a.n ORDER BY a.n": [[1], [3]],
        "MATCH (a) RETURN a.n, (a:B) AS b ORDER BY a.n": [[1, False], [2, True], [3, True]],
    }
    for query, rows in queries.items():
        assert (await memory.cypher(namespace, query)).rows == rows, query
