"""A declared property's index is built on the expression Cypher's indexes are, so one
planner rule serves both (``kgmem.storage.neo4j_schema.expression_indexes``)."""

from hypothesis import given
from hypothesis import strategies as st

from kgmem.storage.graph.labels import property_index_sql
from kgmem.storage.neo4j_schema.expression_indexes import property_expression
from kgmem.storage.refs import NamespaceRef

NS = NamespaceRef(name="ns", graph_oid=1)


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=12))
def test_the_index_expression_is_cyphers(prop: str) -> None:
    sql = property_index_sql(NS, "Person", prop, unique=False)
    assert sql.endswith(f"({property_expression(prop)})")


def test_a_plain_name_keeps_the_expression_existing_indexes_have() -> None:
    sql = property_index_sql(NS, "Person", "uid", unique=True)
    assert sql.startswith("CREATE UNIQUE INDEX IF NOT EXISTS")
    assert sql.endswith(
        """(ag_catalog.agtype_access_operator(VARIADIC ARRAY[properties, '"uid"'::agtype]))"""
    )
