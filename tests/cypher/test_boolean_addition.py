"""``+`` with a boolean and anything but a list is Neo4j's type error ("Cannot add"),
where AGE made a list (``1 + true``) or dropped the boolean (``'a' + true``); every
other ``+`` is as before (migration 0062)."""

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kgmem import Memory
from kgmem.errors import CypherTypeError

_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-1000, 1000),
    st.text(alphabet="ab", max_size=3),
    st.lists(st.integers(0, 9), max_size=2),
)


def _expected(a: Any, b: Any) -> Any:
    """Neo4j's ``a + b`` over these values; ``TypeError`` where it refuses."""
    if a is None or b is None:
        return None
    if isinstance(a, list) or isinstance(b, list):
        return (a if isinstance(a, list) else [a]) + (b if isinstance(b, list) else [b])
    if isinstance(a, bool) or isinstance(b, bool):
        return TypeError
    if isinstance(a, str) != isinstance(b, str):
        return f"{a}{b}"
    return a + b


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(_VALUES, _VALUES)
async def test_addition_answers_as_neo4j(memory: Memory, namespace: str, a: Any, b: Any) -> None:
    expected = _expected(a, b)
    if expected is TypeError:
        with pytest.raises(CypherTypeError, match="Cannot add"):
            await memory.cypher(namespace, "RETURN $a + $b AS s", {"a": a, "b": b})
        return
    result = await memory.cypher(namespace, "RETURN $a + $b AS s", {"a": a, "b": b})
    assert result.rows == [[expected]]


@pytest.mark.parametrize("query", ["RETURN 1 + true", "RETURN 'a' + false", "RETURN true + true"])
async def test_literals_are_refused_too(memory: Memory, namespace: str, query: str) -> None:
    with pytest.raises(CypherTypeError, match="Cannot add"):
        await memory.cypher(namespace, query)
