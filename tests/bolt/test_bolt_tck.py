"""A subset of the openCypher TCK through Bolt: each query gets, through the neo4j
driver, the same rows or the same class of error as through kgmem's Cypher path."""

from typing import Any

import neo4j
import pytest
from neo4j.exceptions import Neo4jError

from bench import tck
from kgmem.bolt.errors import neo4j_code
from kgmem.errors import KgmemError
from tests.fixtures.bolt import Bolt

SUBSET = (
    "expressions/literals/Literals1.feature",
    "expressions/boolean/Boolean1.feature",
    "expressions/list/List1.feature",
    "expressions/quantifier/Quantifier1.feature",
    "clauses/return/Return4.feature",
)

pytestmark = pytest.mark.shared_data


def _queries() -> list[tuple[str, str, dict[str, Any]]]:
    """(name, query, parameters) of the subset's scenarios on an empty graph."""
    if not tck.TCK.is_dir():
        pytest.skip("../shared/data/opencypher-tck is not here")
    found = []
    for scenario in tck.load(tck.TCK / "features"):
        if scenario.feature not in SUBSET:
            continue
        steps = scenario.steps
        if not steps[0].text.startswith(("an empty graph", "any graph")):
            continue
        params: dict[str, Any] = {}
        for step in steps:
            if step.text.startswith("parameters are"):
                params = {r[0]: tck._to_json(tck.tck_values.parse(r[1])) for r in step.table or []}
            if step.text.startswith("executing query"):
                found.append((scenario.name, step.doc or "", params))
                break
    return found


def _plain(value: Any) -> Any:
    """Driver values and kgmem's typed JSON in one comparable form."""
    if isinstance(value, neo4j.graph.Node):
        return ("node", sorted(value.labels), _plain(dict(value)))
    if isinstance(value, neo4j.graph.Relationship):
        return ("relationship", value.type, _plain(dict(value)))
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return _plain_map(value)
    return value


def _plain_map(value: dict[str, Any]) -> Any:
    if value.get("kind") == "node":
        return ("node", [value["label"]], _plain(value["properties"]))
    if value.get("kind") == "relationship":
        return ("relationship", value["label"], _plain(value["properties"]))
    return {k: _plain(v) for k, v in value.items()}


async def test_the_tck_subset_answers_the_same_through_bolt(bolt: Bolt) -> None:
    queries = _queries()
    assert len(queries) >= 40
    answered = 0
    async with bolt.driver() as driver:
        for name, query, params in queries:
            await bolt.memory.cypher("alpha", "MATCH (n) DETACH DELETE n", mode="write")
            try:
                direct = await bolt.memory.cypher("alpha", query, params, mode="write")
            except KgmemError as exc:
                expected = neo4j_code(exc)
                direct = None
            if direct is None:
                with pytest.raises(Neo4jError) as caught:
                    await driver.execute_query(query, params, database_="alpha")
                assert caught.value.code == expected, name
                continue
            await bolt.memory.cypher("alpha", "MATCH (n) DETACH DELETE n", mode="write")
            records, _, _ = await driver.execute_query(query, params, database_="alpha")
            assert [_plain(list(r.values())) for r in records] == _plain(direct.rows), name
            answered += 1
    assert answered >= 30
