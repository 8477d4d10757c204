"""Keys, existence and property type constraints; the property types kgmem can and
cannot enforce."""

import pytest

from kgmem import Memory
from kgmem.errors import CypherSemanticError
from kgmem.neo4j_schema.constraints import allowed_types, property_types, shown_type
from kgmem.neo4j_schema.errors import ConstraintViolation
from kgmem.neo4j_schema.model import Constraint
from tests.neo4j_schema.constraint_helpers import declare


async def _write(memory: Memory, namespace: str, query: str) -> None:
    await memory.cypher(namespace, query, mode="write")


def _c(kind: str, label: str, *props: str, type_text: str | None = None) -> Constraint:
    return Constraint(
        name=f"c_{kind.lower()}",
        type=kind,  # type: ignore[arg-type]
        entity="NODE",
        label=label,
        properties=props,
        property_type=type_text,
    )


async def test_a_node_key_needs_every_property_and_unique_values(
    memory: Memory, namespace: str
) -> None:
    await _write(memory, namespace, "CREATE (:Person {first: 'A', last: 'B'})")
    await declare(memory, namespace, _c("KEY", "Person", "first", "last"))
    with pytest.raises(
        ConstraintViolation, match="with label `Person` must have the property `last`"
    ):
        await _write(memory, namespace, "CREATE (:Person {first: 'C'})")
    with pytest.raises(ConstraintViolation, match="already exists"):
        await _write(memory, namespace, "CREATE (:Person {first: 'A', last: 'B'})")
    with pytest.raises(ConstraintViolation, match="must have the property `first`"):
        await _write(memory, namespace, "MATCH (p:Person) REMOVE p.first")
    await _write(memory, namespace, "CREATE (:Person {first: 'A', last: 'C'})")


async def test_existence_is_required_on_create_set_and_remove(
    memory: Memory, namespace: str
) -> None:
    await _write(memory, namespace, "CREATE (:Doc {title: 't'})")
    await declare(memory, namespace, _c("PROPERTY_EXISTENCE", "Doc", "title"))
    for query in (
        "CREATE (:Doc)",
        "CREATE (:Doc {title: null})",
        "MATCH (d:Doc) REMOVE d.title",
        "MATCH (d:Doc) SET d.title = null",
        "MATCH (d:Doc) SET d = {other: 1}",
        "MERGE (:Doc {other: 2})",
    ):
        with pytest.raises(
            ConstraintViolation, match="with label `Doc` must have the property `title`"
        ):
            await _write(memory, namespace, query)
    await _write(memory, namespace, "CREATE (:Doc {title: 'u'})")


async def test_existing_nodes_without_the_property_fail_the_creation(
    memory: Memory, namespace: str
) -> None:
    await _write(memory, namespace, "CREATE (:Doc {title: 't'}), (:Doc {name: 'n'})")
    with pytest.raises(match="must have the property `title`"):
        await declare(memory, namespace, _c("PROPERTY_EXISTENCE", "Doc", "title"))
    await _write(memory, namespace, "CREATE (:Doc)")


@pytest.mark.parametrize(
    ("type_text", "good", "bad", "found"),
    [
        ("STRING", "'x'", "1", "INTEGER"),
        ("INTEGER", "1", "1.5", "FLOAT"),
        ("FLOAT", "1.5", "1", "INTEGER"),
        ("BOOLEAN", "true", "'true'", "STRING"),
        ("STRING | INTEGER", "2", "false", "BOOLEAN"),
        ("LIST<STRING NOT NULL>", "['a', 'b']", "['a', 1]", "LIST<ANY>"),
        ("LIST<INTEGER NOT NULL>", "[]", "[1.5]", "LIST<FLOAT NOT NULL>"),
        ("INTEGER", "1", "[1]", "LIST<INTEGER NOT NULL>"),
    ],
)
async def test_property_types_are_enforced(
    memory: Memory, namespace: str, type_text: str, good: str, bad: str, found: str
) -> None:
    await _write(memory, namespace, f"CREATE (:T {{p: {good}}}), (:T)")
    await declare(memory, namespace, _c("PROPERTY_TYPE", "T", "p", type_text=type_text))
    with pytest.raises(ConstraintViolation) as caught:
        await _write(memory, namespace, f"CREATE (:T {{p: {bad}}})")
    shown = shown_type(type_text)
    assert caught.value.detail.endswith(
        f"with label `T` required the property `p` to be of type `{shown}`, "
        f"but was of type `{found}`"
    )
    with pytest.raises(ConstraintViolation):
        await _write(memory, namespace, f"MATCH (t:T) SET t.p = {bad}")
    await _write(memory, namespace, f"MATCH (t:T) SET t.p = {good}")


async def test_existing_values_of_another_type_fail_the_creation(
    memory: Memory, namespace: str
) -> None:
    await _write(memory, namespace, "CREATE (:T {p: 'x'}), (:T {p: 2})")
    with pytest.raises(match="but was of type `INTEGER`"):
        await declare(memory, namespace, _c("PROPERTY_TYPE", "T", "p", type_text="STRING"))


def test_type_texts_are_read_as_neo4j_reads_them() -> None:
    assert property_types("int | STRING") == ("STRING", "INTEGER")
    assert property_types("ANY<BOOL | VARCHAR>") == ("BOOLEAN", "STRING")
    assert property_types("LIST<INT NOT NULL> | FLOAT") == ("FLOAT", "LIST<INTEGER NOT NULL>")
    assert property_types("STRING NOT NULL LIST") == ("LIST<STRING NOT NULL>",)
    assert shown_type("signed integer|float64") == "INTEGER | FLOAT"
    assert allowed_types("LIST<STRING | INTEGER NOT NULL>") == (
        "LIST<STRING NOT NULL>",
        "LIST<INTEGER NOT NULL>",
    )


@pytest.mark.parametrize(
    "type_text", ["DATE", "ZONED DATETIME", "STRING | DURATION", "LIST<POINT NOT NULL>"]
)
def test_types_kgmem_cannot_tell_apart_are_refused_by_name(type_text: str) -> None:
    with pytest.raises(CypherSemanticError) as caught:
        allowed_types(type_text)
    refused = [t for t in property_types(type_text) if t != "STRING"]
    assert all(t in caught.value.detail for t in refused)


@pytest.mark.parametrize("type_text", ["STRING NOT NULL", "LIST<STRING>", "NUMBER", "MAP"])
def test_texts_that_are_no_property_type_are_refused(type_text: str) -> None:
    with pytest.raises(CypherSemanticError):
        property_types(type_text)


async def test_a_refused_type_builds_nothing(memory: Memory, namespace: str) -> None:
    await _write(memory, namespace, "CREATE (:T {p: 'x'})")
    with pytest.raises(CypherSemanticError, match="DATE"):
        await declare(memory, namespace, _c("PROPERTY_TYPE", "T", "p", type_text="DATE"))
    await _write(memory, namespace, "CREATE (:T {p: 1})")


async def test_relationship_existence_and_type(memory: Memory, namespace: str) -> None:
    await _write(memory, namespace, "CREATE (:N)-[:R {since: 2020}]->(:N)")
    for kind, type_text in (("PROPERTY_EXISTENCE", None), ("PROPERTY_TYPE", "INTEGER")):
        c = Constraint(
            name=f"r_{kind.lower()}",
            type=kind,  # type: ignore[arg-type]
            entity="RELATIONSHIP",
            label="R",
            properties=("since",),
            property_type=type_text,
        )
        await declare(memory, namespace, c)
    with pytest.raises(ConstraintViolation, match=r"^Relationship\(\d+\) with type `R` must"):
        await _write(memory, namespace, "CREATE (:N)-[:R]->(:N)")
    with pytest.raises(ConstraintViolation, match="to be of type `INTEGER`, but was of type"):
        await _write(memory, namespace, "MATCH ()-[r:R]->() SET r.since = '2020'")
    await _write(memory, namespace, "CREATE (:N)-[:R {since: 2021}]->(:N)")
