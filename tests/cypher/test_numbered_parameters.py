"""Parameters named by digits (``$1``), as Neo4j takes them: given, checked and bound
under the analyst's names on every door (``kgmem.cypher.numbered``)."""

import pytest

from kgmem import Memory
from kgmem.cypher import plan
from kgmem.errors import CypherRejected, CypherSemanticError
from tests.fixtures.bolt import Bolt


async def test_numbered_parameters_filter_and_bind_as_named_ones(
    memory: Memory, namespace: str
) -> None:
    await memory.cypher(namespace, "CREATE ({id: 0, n: 'a'}), ({id: 1, n: 'b'})", mode="write")
    result = await memory.cypher(
        namespace,
        "MATCH (x) WHERE x.id = $1 OR x.n IN $0 RETURN x.n AS n, $2 + $x AS s ORDER BY n",
        {"0": ["b"], "1": 0, "2": 10, "x": 5},
    )
    assert result.rows == [["a", 15], ["b", 15]]


async def test_a_missing_numbered_parameter_is_named_as_written(
    memory: Memory, namespace: str
) -> None:
    with pytest.raises(CypherSemanticError, match=r"\$1\b") as raised:
        await memory.cypher(namespace, "RETURN $1 AS a", {})
    assert "__kgmem" not in str(raised.value)


def test_the_reserved_name_stays_refused_and_other_names_stay_checked() -> None:
    with pytest.raises(CypherRejected, match="__kgmem_"):
        plan("RETURN $__kgmem_n1 AS a", {"1": 1})
    with pytest.raises(CypherRejected, match="plain identifier or digits"):
        plan("RETURN $a AS a", {"a": 1, "1x": 2})


async def test_numbered_parameters_over_bolt(bolt: Bolt) -> None:
    async with bolt.driver() as driver:
        records, _, _ = await driver.execute_query(
            "RETURN $1 AS a, $0 AS b", {"1": "one", "0": [0]}, database_="alpha"
        )
    assert [(r["a"], r["b"]) for r in records] == [("one", [0])]
