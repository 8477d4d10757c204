"""Labels and relationship types AGE cannot hold (``Works at``, ``Big Co``): how they
are named in AGE, the rewrite that writes them so, and every way in and out against
AGE (Memory.cypher)."""

from typing import Any

import pytest

from kgmem import Memory, Settings
from kgmem.cypher import label_sets, plan
from kgmem.errors import CypherError, CypherSemanticError

_NAMES = ["Works at", "Big Co", "2nd", "has-part", "x's", "é e", "\U0001f600", "a_b c", "ß"]


def test_a_name_age_holds_keeps_its_name_and_another_is_a_one_part_composite() -> None:
    assert label_sets.stored("Person") == "Person"
    assert label_sets.stored("Straße") == "Straße"  # AGE holds letters of any script
    assert label_sets.stored("Works at") == "__kgmem_L_Works_u0020at"
    assert label_sets.stored("__kgmem_L_x") == "__kgmem_L__u005f_u005fkgmem_u005fL_u005fx"
    for name in _NAMES:
        assert label_sets.split(label_sets.stored(name)) == [name]


def test_a_name_too_long_once_spelled_or_empty_is_refused() -> None:
    with pytest.raises(CypherSemanticError, match=r"too long.*63 bytes"):
        label_sets.stored("a b" * 20)
    with pytest.raises(CypherSemanticError, match="cannot be empty"):
        label_sets.stored("")


def test_a_name_with_control_characters_is_refused_as_every_door_refuses_it() -> None:
    with pytest.raises(CypherSemanticError, match="control characters"):
        label_sets.stored("a\tb")
    for query in ("MATCH (n:`a\tb`) RETURN n", "MATCH (n) SET n:`a\nb`"):
        with pytest.raises(CypherSemanticError, match="control characters"):
            plan(query, mode="write")


def test_patterns_name_the_stored_labels_and_type_reads_them_back() -> None:
    text = plan(
        "MATCH (a:Person)-[r:`Works at`]->(b:`Big Co`) WHERE b:`Big Co` RETURN type(r), [type(r)]"
    ).text
    assert text == (
        "MATCH (a:Person)-[r:__kgmem_L_Works_u0020at]->(b:__kgmem_L_Big_u0020Co) "
        "WHERE kgmem_cypher.has_labels(label(b), ['Big Co']) "
        "RETURN kgmem_cypher.label_name(type(r)), [kgmem_cypher.label_name(type(r))]"
    )
    created = plan("CREATE (n:Person:`Big Co`)-[:`has-part`]->(:`2nd`) RETURN n", mode="write")
    assert created.text == (
        "CREATE (n:__kgmem_L_Big_u0020Co_sPerson)-[:__kgmem_L_has_u002dpart]->"
        "(:__kgmem_L_2nd) RETURN n"
    )
    assert created.label_sets == (("Big Co", "Person"),)


def test_type_alternatives_and_lengths_test_the_stored_names() -> None:
    text = plan("MATCH (a)-[:KNOWS|`Works at`]->(b), (c)-[:`Works at`*1..2]->(d) RETURN b").text
    assert "type(__kgmem_t1) IN ['KNOWS', '__kgmem_L_Works_u0020at']" in text
    assert "-[:__kgmem_L_Works_u0020at*1..2]->" in text
    old_style = plan("MATCH (a)-[r:`A b`|:`C d`*2]->(b) RETURN b").text
    assert "['__kgmem_L_A_u0020b', '__kgmem_L_C_u0020d']" in old_style


def test_a_type_compared_with_literals_stores_them_and_else_reads_through_sql() -> None:
    text = plan(
        "MATCH ()-[r]->() WHERE type(r) = 'Works at' OR type(r) IN ['A', null] "
        "OR type(r) <> '' RETURN type(r) + '!'"
    ).text
    assert text == (
        "MATCH ()-[r]->() WHERE type(r) = '__kgmem_L_Works_u0020at' OR type(r) IN ['A', null] "
        "OR kgmem_cypher.label_name(type(r)) <> '' RETURN kgmem_cypher.label_name(type(r)) + '!'"
    )


def test_a_map_key_named_like_a_label_is_left_alone() -> None:
    text = plan("WITH 1 AS `my var` RETURN {`Big Co`: `my var`} AS m").text
    assert "__kgmem_L_" not in text


async def _rows(memory: Memory, ns: str, query: str, **params: Any) -> list[list[Any]]:
    return (await memory.cypher(ns, query, params, mode="write")).rows


async def test_sql_stores_and_reads_names_as_python_does(memory: Memory) -> None:
    async with memory.ctx.db.acquire() as conn:
        for name in [*_NAMES, "Person", "Straße", "__kgmem_L_x"]:
            stored, back = await conn.fetchrow(
                "SELECT kgmem_cypher._age_name($1), kgmem_cypher.label_name("
                "to_jsonb(kgmem_cypher._age_name($1))::text::ag_catalog.agtype)::text",
                name,
            )
            assert stored == label_sets.stored(name)
            assert back == name


async def test_create_match_and_read_back_in_every_form(memory: Memory, namespace: str) -> None:
    await _rows(
        memory,
        namespace,
        "CREATE (a:Person {id: 1})-[:`Works at` {since: 2020}]->(b:`Big Co` {id: 2}), "
        "(c:Person:`Big Co` {id: 3})-[:KNOWS]->(a)",
    )
    read = await _rows(
        memory,
        namespace,
        "MATCH (a)-[r:`Works at`]->(b:`Big Co`) RETURN type(r), r, labels(b), b, label(b)",
    )
    [[kind, rel, labels, node, label]] = read
    assert kind == "Works at" and rel["label"] == "Works at"
    assert labels == ["Big Co"] and node["labels"] == ["Big Co"] and label == "Big Co"
    by_label = await _rows(memory, namespace, "MATCH (n:`Big Co`) RETURN n.id ORDER BY n.id")
    assert by_label == [[2], [3]]  # the composite {Big Co, Person} inherits from Big Co
    assert await _rows(memory, namespace, "MATCH (n:Person) RETURN n.id ORDER BY n.id") == [
        [1],
        [3],
    ]
    for test in (
        "MATCH (n) WHERE n:`Big Co` RETURN n.id ORDER BY n.id",
        "MATCH (n:`Big Co`|Nothing) RETURN n.id ORDER BY n.id",
        "MATCH (n:`Big Co`&!Person) RETURN n.id",
        "MATCH (n) WHERE labels(n) = ['Big Co'] RETURN n.id",
        "MATCH (n:Person:`Big Co`) RETURN n.id",
    ):
        assert await _rows(memory, namespace, test) in ([[2], [3]], [[2]], [[3]])


async def test_errors_name_the_labels_as_written(memory: Memory, namespace: str) -> None:
    await _rows(memory, namespace, "CREATE ()-[:`works at`]->()")
    with pytest.raises(CypherSemanticError) as refused:
        await _rows(memory, namespace, "CREATE (:`works at`)")
    assert "works at" in refused.value.detail and "__kgmem_L_" not in refused.value.detail


async def test_types_compare_as_written(memory: Memory, namespace: str) -> None:
    await _rows(
        memory,
        namespace,
        "CREATE (a {id: 1})-[:`Works at`]->(b {id: 2})-[:`Works at`]->(c {id: 3}), "
        "(a)-[:KNOWS]->(c)",
    )
    cases = {
        "MATCH ()-[r]->() WHERE type(r) = 'Works at' RETURN count(r)": 2,
        "MATCH ()-[r]->() WHERE type(r) IN ['Works at', 'KNOWS'] RETURN count(r)": 3,
        "MATCH ()-[r:KNOWS|`Works at`]->() RETURN count(r)": 3,
        "MATCH ()-[r:!`Works at`]->() RETURN count(r)": 1,
        "MATCH (a {id: 1})-[:`Works at`*1..2]->(x) RETURN count(x)": 2,
        "MATCH (a {id: 1})-[:`Works at`]->{2}(x) RETURN count(x)": 1,
        "MATCH (n) WHERE EXISTS { (n)-[:`Works at`]->() } RETURN count(n)": 2,
        "MATCH (n {id: 1}) RETURN COUNT { (n)-[:`Works at`]->() }": 1,
        "MATCH (a {id: 1}), (c {id: 3}) "
        "MATCH p = shortestPath((a)-[:`Works at`*..3]->(c)) RETURN length(p)": 2,
    }
    for query, expected in cases.items():
        assert await _rows(memory, namespace, query) == [[expected]], query
    [[types]] = await _rows(
        memory,
        namespace,
        "MATCH p = ({id: 1})-[:`Works at`*2]->() RETURN [r IN relationships(p) | type(r)]",
    )
    assert types == ["Works at", "Works at"]


async def test_set_remove_merge_and_dynamic_labels(memory: Memory, namespace: str) -> None:
    await _rows(memory, namespace, "CREATE (:Person {id: 1})")
    assert await _rows(memory, namespace, "MATCH (n {id: 1}) SET n:`X y` RETURN labels(n)") == [
        [["Person", "X y"]]
    ]
    assert await _rows(memory, namespace, "MATCH (n:`X y`) RETURN n.id") == [[1]]
    assert await _rows(
        memory, namespace, "MATCH (n {id: 1}) REMOVE n:`X y`, n:Person RETURN labels(n)"
    ) == [[[]]]
    await _rows(memory, namespace, "MATCH (n {id: 1}) SET n:$($label)", label="Big Co")
    await _rows(memory, namespace, "UNWIND ['My Type'] AS t MATCH (n {id: 1}) SET n:$(t) RETURN n")
    assert await _rows(memory, namespace, "MATCH (n:`My Type`:`Big Co`) RETURN n.id") == [[1]]
    for _ in range(2):
        merged = await _rows(memory, namespace, "MERGE (x:`Merge me` {id: 9}) RETURN x.id")
        assert merged == [[9]]
    await _rows(
        memory,
        namespace,
        "MATCH (a {id: 1}), (b {id: 9}) MERGE (a)-[:$($t)]->(b) MERGE (a)-[:`Likes a lot`]->(b)",
        t="Dyn type",
    )
    types = await _rows(memory, namespace, "MATCH ()-[r]->() RETURN type(r) ORDER BY type(r)")
    assert types == [["Dyn type"], ["Likes a lot"]]
    assert await _rows(memory, namespace, "MATCH (n:`Merge me`) RETURN count(n)") == [[1]]


@pytest.mark.parametrize(
    "query",
    [
        "MATCH (n {id: 1}) CALL apoc.create.addLabels(n, [$name]) YIELD node RETURN node",
        "MATCH (a {id: 1}), (b {id: 2}) CALL apoc.merge.relationship(a, $name, {}, {}, b) "
        "YIELD rel RETURN rel",
        "MATCH (n {id: 1}) SET n:$($name)",
    ],
)
async def test_a_name_known_at_run_time_with_a_control_character_is_refused(
    memory: Memory, namespace: str, query: str
) -> None:
    await _rows(memory, namespace, "CREATE (:A {id: 1}), (:B {id: 2})")
    with pytest.raises(CypherError, match="control characters"):
        await _rows(memory, namespace, query, name="a\tb")
    assert await _rows(memory, namespace, "MATCH (n) RETURN labels(n) ORDER BY n.id") == [
        [["A"]],
        [["B"]],
    ]
    assert await _rows(memory, namespace, "MATCH ()-[r]->() RETURN count(r)") == [[0]]


async def test_apoc_writes_store_the_names(memory: Memory, namespace: str) -> None:
    await _rows(memory, namespace, "CREATE (:A {id: 1}), (:B {id: 2})")
    rows = [{"s": 1, "t": 2, "type": "Works at"}, {"s": 1, "t": 2, "type": "Programming language"}]
    counted = await _rows(
        memory,
        namespace,
        "UNWIND $rows AS row MERGE (s {id: row.s}) MERGE (t {id: row.t}) WITH s, t, row "
        "CALL apoc.merge.relationship(s, row.type, {}, {}, t) YIELD rel RETURN count(rel)",
        rows=rows,
    )
    assert counted == [[2]]
    await _rows(
        memory,
        namespace,
        "MATCH (a {id: 1}), (b {id: 2}) CALL apoc.create.relationship(a, 'Has friend', {}, b) "
        "YIELD rel WITH a CALL apoc.create.addLabels(a, ['Has space']) YIELD node "
        "WITH node CALL apoc.merge.node(['My Label', 'Person'], {id: 3}) YIELD node AS m "
        "RETURN m",
    )
    types = await _rows(memory, namespace, "MATCH ()-[r]->() RETURN type(r) ORDER BY type(r)")
    assert types == [["Has friend"], ["Programming language"], ["Works at"]]
    assert await _rows(memory, namespace, "MATCH (n:`Has space`) RETURN labels(n)") == [
        [["A", "Has space"]]
    ]
    assert await _rows(memory, namespace, "MATCH (n:`My Label`) RETURN labels(n)") == [
        [["My Label", "Person"]]
    ]
    with pytest.raises(CypherSemanticError, match="too long"):
        await _rows(
            memory,
            namespace,
            "MATCH (a {id: 1}) CALL apoc.create.relationship(a, $t, {}, a) YIELD rel RETURN rel",
            t="a b" * 20,
        )


async def test_schema_statements_on_such_a_label(memory: Memory, namespace: str) -> None:
    await _rows(memory, namespace, "CREATE (:`Big Co` {id: 1, name: 'x'})-[:`Works at`]->()")
    for statement in (
        "CREATE INDEX big_name FOR (n:`Big Co`) ON (n.name)",
        "CREATE INDEX works FOR ()-[r:`Works at`]-() ON (r.since)",
        "CREATE CONSTRAINT big_id FOR (n:`Big Co`) REQUIRE n.id IS UNIQUE",
        "CREATE FULLTEXT INDEX big_text FOR (n:`Big Co`) ON EACH [n.name]",
    ):
        await _rows(memory, namespace, statement)
    shown = await _rows(
        memory, namespace, "SHOW INDEXES YIELD name, labelsOrTypes RETURN name, labelsOrTypes"
    )
    assert ["works", ["Works at"]] in shown and ["big_name", ["Big Co"]] in shown
    with pytest.raises(Exception, match="already exists"):
        await _rows(memory, namespace, "CREATE (:Person:`Big Co` {id: 1})")
    found = await _rows(
        memory,
        namespace,
        "CALL db.index.fulltext.queryNodes('big_text', 'x') YIELD node RETURN labels(node)",
    )
    assert found == [[["Big Co"]]]


async def test_listings_read_the_names(memory: Memory, namespace: str) -> None:
    await _rows(
        memory,
        namespace,
        "CREATE (:Person:`Big Co` {id: 1})-[:`Works at` {since: 1}]->(:`Big Co` {id: 2})",
    )
    assert await _rows(memory, namespace, "CALL db.labels()") == [["Big Co"], ["Person"]]
    assert await _rows(memory, namespace, "CALL db.relationshipTypes()") == [["Works at"]]
    stats = await memory.namespace_stats(namespace)
    assert stats.vertices == {**stats.vertices, "Big Co": 2, "Person": 1}
    assert stats.edges["Works at"] == 1
    meta = await _rows(
        memory,
        namespace,
        "CALL apoc.meta.data() YIELD label, property, elementType "
        "WHERE elementType = 'relationship' RETURN label, property",
    )
    assert meta == [["Works at", "since"]]
    [[_, rels]] = await _rows(memory, namespace, "CALL db.schema.visualization()")
    assert {r["label"] for r in rels} == {"Works at"}


async def test_the_names_stay_after_a_restart(
    memory: Memory, namespace: str, settings: Settings
) -> None:
    await _rows(memory, namespace, "CREATE (:`Big Co` {id: 1})-[:`Works at`]->(:Person)")
    again = await Memory.open(settings)
    try:
        found = await again.cypher(
            namespace, "MATCH (a:`Big Co`)-[r:`Works at`]->(b) RETURN labels(a), type(r)"
        )
    finally:
        await again.close()
    assert found.rows == [[["Big Co"], "Works at"]]
