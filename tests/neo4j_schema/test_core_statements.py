"""Parsing Neo4j 5's schema statements (``kgmem.neo4j_schema.statement_syntax``)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kgmem.cypher.lexer import quoted_name
from kgmem.errors import CypherSemanticError, CypherSyntaxError
from kgmem.neo4j_schema import show
from kgmem.neo4j_schema.model import Constraint, Create, Drop, Index, Show
from kgmem.neo4j_schema.statement_syntax import generated_name, is_schema_statement, parse


def _index(text: str, **params: object) -> Index:
    statement = parse(text, params)
    assert isinstance(statement, Create)
    assert isinstance(statement.target, Index)
    return statement.target


def _constraint(text: str) -> Constraint:
    statement = parse(text)
    assert isinstance(statement, Create)
    assert isinstance(statement.target, Constraint)
    return statement.target


def test_range_index_on_a_node_label_with_a_name_and_a_guard() -> None:
    statement = parse("CREATE INDEX person_name IF NOT EXISTS FOR (n:Person) ON (n.name)")
    assert statement == Create(
        Index("person_name", "RANGE", "NODE", ("Person",), ("name",)), True, True
    )


def test_composite_text_and_point_indexes() -> None:
    assert _index("create range index for (p:P) on (p.a, p.`b c`)").properties == ("a", "b c")
    assert _index("CREATE TEXT INDEX t FOR (n:Doc) ON (n.body)").type == "TEXT"
    assert _index("CREATE POINT INDEX FOR (n:Place) ON (n.at)").type == "POINT"


@pytest.mark.parametrize("arrow", ["()-[r:KNOWS]-()", "()-[r:KNOWS]->()", "()<-[r:KNOWS]-()"])
def test_relationship_index_in_each_direction(arrow: str) -> None:
    index = _index(f"CREATE INDEX k FOR {arrow} ON (r.since)")
    assert (index.entity, index.labels, index.properties) == (
        "RELATIONSHIP",
        ("KNOWS",),
        ("since",),
    )


def test_vector_index_resolves_parameters_in_its_options() -> None:
    index = _index(
        "CREATE VECTOR INDEX v IF NOT EXISTS FOR (c:Chunk) ON c.embedding "
        "OPTIONS {indexConfig: {`vector.dimensions`: $dims, "
        "`vector.similarity_function`: 'cosine'}}",
        dims=384,
    )
    assert index.properties == ("embedding",)
    assert index.options == {
        "indexConfig": {"vector.dimensions": 384, "vector.similarity_function": "cosine"}
    }
    assert _index("CREATE VECTOR INDEX v FOR (c:C) ON (c.e)").properties == ("e",)


def test_missing_option_parameter_is_named() -> None:
    with pytest.raises(CypherSemanticError, match="dims"):
        parse("CREATE VECTOR INDEX v FOR (c:C) ON c.e OPTIONS {indexConfig: {d: $dims}}")


def test_fulltext_indexes_over_several_labels_and_types() -> None:
    nodes = _index("CREATE FULLTEXT INDEX ft FOR (n:A|B) ON EACH [n.title, n.body]")
    assert (nodes.labels, nodes.properties) == (("A", "B"), ("title", "body"))
    rels = _index("CREATE FULLTEXT INDEX rt FOR ()-[r:T|U]-() ON EACH [r.note]")
    assert (rels.entity, rels.labels) == ("RELATIONSHIP", ("T", "U"))


def test_lookup_indexes() -> None:
    assert _index("CREATE LOOKUP INDEX l FOR (n) ON EACH labels(n)").labels == ()
    rel = _index("CREATE LOOKUP INDEX r FOR ()-[r]-() ON EACH type(r)")
    assert rel.entity == "RELATIONSHIP"


@pytest.mark.parametrize(
    ("text", "kind", "properties", "property_type"),
    [
        ("FOR (n:P) REQUIRE n.id IS UNIQUE", "UNIQUENESS", ("id",), None),
        ("FOR (n:P) REQUIRE (n.a, n.b) IS UNIQUE", "UNIQUENESS", ("a", "b"), None),
        ("FOR (n:P) REQUIRE n.a IS NODE UNIQUE", "UNIQUENESS", ("a",), None),
        ("FOR (n:P) REQUIRE (n.a, n.b) IS NODE KEY", "KEY", ("a", "b"), None),
        ("FOR (n:P) REQUIRE n.a IS KEY", "KEY", ("a",), None),
        ("FOR (n:P) REQUIRE n.a IS NOT NULL", "PROPERTY_EXISTENCE", ("a",), None),
        ("FOR (n:P) REQUIRE n.a IS :: STRING", "PROPERTY_TYPE", ("a",), "STRING"),
        ("FOR (n:P) REQUIRE n.a IS TYPED INTEGER | FLOAT", "PROPERTY_TYPE", ("a",),
         "INTEGER | FLOAT"),
        ("FOR (n:P) REQUIRE n.a IS :: LIST < STRING NOT NULL >", "PROPERTY_TYPE", ("a",),
         "LIST<STRING NOT NULL>"),
        ("ON (n:P) ASSERT n.id IS UNIQUE", "UNIQUENESS", ("id",), None),
        ("ON (n:P) ASSERT exists(n.id)", "PROPERTY_EXISTENCE", ("id",), None),
    ],
)  # fmt: skip
def test_constraint_forms(
    text: str, kind: str, properties: tuple[str, ...], property_type: str | None
) -> None:
    constraint = _constraint(f"CREATE CONSTRAINT c IF NOT EXISTS {text}")
    assert (constraint.type, constraint.label) == (kind, "P")
    assert (constraint.properties, constraint.property_type) == (properties, property_type)


def test_relationship_constraints() -> None:
    key = _constraint("CREATE CONSTRAINT FOR ()-[r:R]-() REQUIRE r.k IS RELATIONSHIP KEY")
    assert (key.entity, key.type, key.label) == ("RELATIONSHIP", "KEY", "R")
    with pytest.raises(CypherSyntaxError):
        parse("CREATE CONSTRAINT FOR ()-[r:R]-() REQUIRE r.k IS NODE KEY")


def test_drop_and_show() -> None:
    assert parse("DROP INDEX i IF EXISTS;") == Drop("INDEX", "i", True)
    assert parse("drop constraint `c c`") == Drop("CONSTRAINT", "c c", False)
    assert parse("SHOW INDEXES") == Show("INDEXES", "ALL", "")
    assert parse("SHOW VECTOR INDEXES YIELD name WHERE name = 'x' RETURN name") == Show(
        "INDEXES", "VECTOR", "YIELD name WHERE name = 'x' RETURN name"
    )
    assert parse("SHOW NODE KEY CONSTRAINTS YIELD *") == Show("CONSTRAINTS", "NODE KEY", "YIELD *")
    assert parse("show property type constraint") == Show("CONSTRAINTS", "PROPERTY TYPE", "")


def test_unnamed_objects_get_a_stable_neo4j_style_name() -> None:
    first = _index("CREATE INDEX FOR (n:P) ON (n.a)")
    assert first.name == _index("CREATE INDEX IF NOT EXISTS FOR (m:P) ON (m.a)").name
    assert first.name.startswith("index_") and len(first.name) == len("index_") + 8
    assert first.name != _index("CREATE INDEX FOR (n:P) ON (n.b)").name
    assert _constraint("CREATE CONSTRAINT FOR (n:P) REQUIRE n.a IS UNIQUE").name.startswith(
        "constraint_"
    )


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("CREATE INDEX FOR (n:P) ON n.a", "ON n"),
        ("CREATE INDEX i FOR (n:P) ON (m.a)", "m.a"),
        ("CREATE INDEX i FOR (n:P) ON (n.a) extra", "extra"),
        ("CREATE INDEX i FOR (n:P|Q) ON (n.a)", "|"),
        ("CREATE CONSTRAINT c FOR (n:P) REQUIRE n.a IS", None),
        ("CREATE CONSTRAINT c FOR (n:P) REQUIRE (n.a, n.b) IS NOT NULL", None),
        ("DROP INDEX", None),
        ("SHOW DATABASES", None),
        ("CREATE INDEX i FOR ()-[r:T]->() ON (r.a) OPTIONS [1]", "[1]"),
    ],
)
def test_malformed_statements_say_where(text: str, where: str | None) -> None:
    with pytest.raises(CypherSyntaxError) as caught:
        parse(text)
    assert caught.value.position is not None
    if where is not None:
        assert text[caught.value.position :].startswith(where.split()[-1][:1]) or text[
            caught.value.position :
        ].startswith(where)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("CREATE INDEX i FOR (n:P) ON (n.a)", True),
        ("  // c\n create vector index v for (n:P) on n.e", True),
        ("CREATE CONSTRAINT c FOR (n:P) REQUIRE n.a IS UNIQUE", True),
        ("DROP CONSTRAINT c", True),
        ("SHOW INDEXES", True),
        ("CREATE (n:INDEX)", False),
        ("MATCH (n) RETURN n", False),
        ("CREATE TEXT (n)", False),
        ("RETURN 'CREATE INDEX'", False),
        ("", False),
        ("'unterminated", False),
    ],
)
def test_is_schema_statement(text: str, expected: bool) -> None:
    assert is_schema_statement(text) is expected


def _backquoted(name: str) -> str:
    # A plain name that is a keyword (IF, FOR, ON) would read as the keyword.
    return "`" + name.replace("`", "``") + "`"


_names = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=12
)
_types = st.sampled_from(["RANGE", "TEXT", "POINT"])


@given(_names, _types, _names, st.lists(_names, min_size=1, max_size=3), st.booleans())
def test_written_index_reads_back(
    name: str, kind: str, label: str, properties: list[str], guard: bool
) -> None:
    if kind != "RANGE":
        properties = properties[:1]
    on = ", ".join(f"n.{quoted_name(p)}" for p in properties)
    text = (
        f"CREATE {kind} INDEX {_backquoted(name)} {'IF NOT EXISTS ' if guard else ''}"
        f"FOR (n:{quoted_name(label)}) ON ({on})"
    )
    statement = parse(text)
    assert statement == Create(Index(name, kind, "NODE", (label,), tuple(properties)), True, guard)  # type: ignore[arg-type]
    assert is_schema_statement(text)


@given(_names, st.sampled_from(["INDEX", "CONSTRAINT"]), st.booleans())
def test_written_drop_reads_back(name: str, kind: str, guard: bool) -> None:
    text = f"DROP {kind} {quoted_name(name)}{' IF EXISTS' if guard else ''}"
    assert parse(text) == Drop(kind, name, guard)  # type: ignore[arg-type]


def test_generated_names_differ_between_kinds() -> None:
    index = Index("", "RANGE", "NODE", ("P",), ("a",))
    assert generated_name(index) != generated_name(Index("", "TEXT", "NODE", ("P",), ("a",)))


def test_an_index_or_constraint_covers_at_most_32_properties() -> None:
    many = ", ".join(f"n.p{i}" for i in range(33))
    with pytest.raises(CypherSyntaxError, match="at most 32"):
        parse(f"CREATE INDEX i FOR (n:L) ON ({many})")
    with pytest.raises(CypherSyntaxError, match="at most 32"):
        parse(f"CREATE CONSTRAINT c FOR (n:L) REQUIRE ({many}) IS UNIQUE")
    assert len(_index(f"CREATE INDEX i FOR (n:L) ON ({many.rsplit(', ', 1)[0]})").properties) == 32


@st.composite
def _declared(draw: st.DrawFn) -> Index | Constraint:
    """Objects with any names, keywords (IF, FOR, ON) included."""
    entity = draw(st.sampled_from(["NODE", "RELATIONSHIP"]))
    properties = tuple(draw(st.lists(_names, min_size=1, max_size=3, unique=True)))
    if draw(st.booleans()):
        kind = draw(st.sampled_from(["RANGE", "TEXT", "POINT"]))
        props = properties if kind == "RANGE" else properties[:1]
        name = draw(st.one_of(_names, st.sampled_from(["IF", "FOR", "ON", "index"])))
        return Index(name, kind, entity, (draw(_names),), props)
    kind = draw(st.sampled_from(["UNIQUENESS", "KEY", "PROPERTY_EXISTENCE", "PROPERTY_TYPE"]))
    single = kind in ("PROPERTY_EXISTENCE", "PROPERTY_TYPE")
    typed = draw(st.sampled_from(["STRING", "INTEGER | FLOAT", "LIST<STRING NOT NULL>"]))
    return Constraint(
        draw(_names),
        kind,
        entity,
        draw(_names),
        properties[:1] if single else properties,
        typed if kind == "PROPERTY_TYPE" else None,
    )


@given(_declared())
def test_the_create_statement_shown_declares_the_same_object(obj: Index | Constraint) -> None:
    statement = parse(show.create_statement(obj))
    assert isinstance(statement, Create)
    assert statement.target == obj


def test_options_and_names_as_neo4j_graphrag_writes_them() -> None:
    statement = parse(
        "CREATE VECTOR INDEX $name IF NOT EXISTS FOR (n:Chunk) ON n.embedding OPTIONS "
        "{ indexConfig: { `vector.dimensions`: toInteger($dimensions), "
        "`vector.similarity_function`: $similarity_fn } }",
        {"name": "vectors", "dimensions": "384", "similarity_fn": "euclidean"},
    )
    assert isinstance(statement, Create)
    assert statement.target.name == "vectors" and statement.if_not_exists
    assert statement.target.options == {
        "indexConfig": {"vector.dimensions": 384, "vector.similarity_function": "euclidean"}
    }
    dropped = parse("DROP INDEX $name IF EXISTS", {"name": "vectors"})
    assert dropped == Drop("INDEX", "vectors", True)


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ("toInteger('7')", 7),
        ("toInteger(7.9)", 7),
        ("toFloat('2.5')", 2.5),
        ("toString(3)", "3"),
        ("toBoolean('TRUE')", True),
        ("toInteger('x')", None),
        ("toInteger(null)", None),
    ],
)
def test_constant_conversions_in_options(written: str, value: object) -> None:
    index = _index(f"CREATE INDEX i FOR (n:L) ON (n.p) OPTIONS {{indexConfig: {{k: {written}}}}}")
    assert index.options == {"indexConfig": {"k": value}}


def test_a_conversion_of_a_list_is_refused() -> None:
    with pytest.raises(CypherSemanticError, match="cannot convert"):
        parse("CREATE INDEX i FOR (n:L) ON (n.p) OPTIONS {indexConfig: {k: toInteger([1])}}")
