"""Errors as Neo4j 5 classifies them, through ``Memory.cypher``: an undefined variable is
a syntax error in Neo4j's words, a write in read mode an access-mode error."""

import pytest

from kgmem import Memory
from kgmem.cypher_errors import CypherAccessMode
from kgmem.errors import CypherSyntaxError


@pytest.mark.parametrize(
    ("query", "name", "position"),
    [
        ("MATCH (n) RETURN m", "m", 17),
        ("RETURN x", "x", 7),
        ("WITH 1 AS a RETURN b", "b", 19),
        ("UNWIND [1] AS x RETURN [y IN [1] | z] AS l", "z", None),
        ("MATCH (n) WHERE q.x = 1 RETURN n", "q", None),
    ],
)
async def test_an_undefined_variable_is_a_syntax_error_naming_it(
    memory: Memory, namespace: str, query: str, name: str, position: int | None
) -> None:
    with pytest.raises(CypherSyntaxError) as caught:
        await memory.cypher(namespace, query)
    assert caught.value.detail == f"Variable `{name}` not defined"
    if position is not None:
        assert caught.value.position == position


@pytest.mark.parametrize(
    ("query", "what"),
    [
        ("CREATE (n:Note)", "CREATE writes to the graph"),
        ("MATCH (n) DETACH DELETE n", "DETACH writes to the graph"),
        ("CREATE INDEX i FOR (n:L) ON (n.p)", "CREATE of an index or constraint changes"),
    ],
)
async def test_a_write_in_read_mode_is_an_access_mode_error(
    memory: Memory, namespace: str, query: str, what: str
) -> None:
    with pytest.raises(CypherAccessMode) as caught:
        await memory.cypher(namespace, query)
    assert caught.value.detail.startswith(f"Writing in read access mode not allowed: {what}")
    assert caught.value.detail.count("not allowed") == 1  # said once, planned in a child
    assert caught.value.detail.endswith("; send it in write mode")
    assert caught.value.what.startswith(what)
    assert caught.value.code == "cypher_access_mode"
    assert (await memory.cypher(namespace, "MATCH (n) RETURN count(n)")).rows == [[0]]
