"""Indexing a list by what is not an integer is openCypher's TypeError (a
``cypher_type_error``, Neo4j's ``Neo.ClientError.Statement.TypeError`` over Bolt), as
is reading a map by a number; AGE reports the first as an internal error, which read as
a semantic one (``kgmem.storage.graph.cypher.classify``)."""

import pytest

from kgmem import Memory
from kgmem.errors import CypherTypeError


@pytest.mark.parametrize(
    "query",
    [
        "WITH [1, 2, 3] AS l RETURN l[1.0] AS a",
        "WITH [1, 2, 3] AS l RETURN l['a'] AS a",
        "WITH [1, 2, 3] AS l, true AS i RETURN l[i] AS a",
        "WITH [1, 2, 3] AS l RETURN l[0.5..2] AS a",
        "WITH {a: 1} AS m RETURN m[0] AS a",
    ],
)
async def test_an_index_of_the_wrong_type_is_a_type_error(
    memory: Memory, namespace: str, query: str
) -> None:
    with pytest.raises(CypherTypeError):
        await memory.cypher(namespace, query)


async def test_integer_indexes_and_null_still_answer(memory: Memory, namespace: str) -> None:
    result = await memory.cypher(
        namespace, "WITH [1, 2, 3] AS l, null AS i RETURN l[1], l[-1], l[i], l[0..2], {a: 1}['a']"
    )
    assert result.rows == [[2, 3, None, [1, 2], 1]]
