"""vector.similarity.cosine / euclidean against numpy, for any pair of vectors of one
dimension (Hypothesis), and what they refuse."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kgmem import Memory
from kgmem.errors import CypherError

QUERY = "RETURN vector.similarity.cosine($a, $b) AS c, vector.similarity.euclidean($a, $b) AS e"
_numbers = st.floats(min_value=-1e3, max_value=1e3, allow_nan=False, width=32)


@st.composite
def pairs(draw: st.DrawFn) -> tuple[list[float], list[float]]:
    size = draw(st.integers(min_value=1, max_value=64))
    a = draw(st.lists(_numbers, min_size=size, max_size=size))
    b = draw(st.lists(_numbers | st.integers(-100, 100), min_size=size, max_size=size))
    return a, b


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(pair=pairs())
async def test_scores_are_neo4js_formulas(
    memory: Memory, namespace: str, pair: tuple[list[float], list[float]]
) -> None:
    a, b = pair
    ((cosine, euclidean),) = (await memory.cypher(namespace, QUERY, {"a": a, "b": b})).rows
    x, y = np.array(a, dtype=np.float64), np.array(b, dtype=np.float64)
    norms = np.linalg.norm(x) * np.linalg.norm(y)
    if norms == 0:
        assert cosine is None
    else:
        assert cosine == pytest.approx((1 + x @ y / norms) / 2, abs=1e-5)
        assert 0 <= cosine <= 1
    assert euclidean == pytest.approx(1 / (1 + ((x - y) ** 2).sum()), rel=1e-4, abs=1e-9)
    assert 0 < euclidean <= 1


@pytest.mark.parametrize(
    ("a", "b"),
    [([1e-30, 0.0, 0.0], [1, 1, 0]), ([1e-22, 0.0], [1e-22, 1e-22]), ([3e-20], [5e-21])],
)
async def test_tiny_norms_keep_their_angle(
    memory: Memory, namespace: str, a: list[float], b: list[float]
) -> None:
    """Squared norms below single precision's range (pgvector's arithmetic) still give
    the angle, as Neo4j's double-precision product of the norms does."""
    ((cosine, _),) = (await memory.cypher(namespace, QUERY, {"a": a, "b": b})).rows
    x, y = np.array(a, dtype=np.float64), np.array(b, dtype=np.float64)
    assert cosine == pytest.approx((1 + x @ y / (np.linalg.norm(x) * np.linalg.norm(y))) / 2)


@pytest.mark.parametrize(
    ("a", "b", "words"),
    [
        ([1, 2], [1, 2, 3], "different dimensions"),
        (["x"], [1], "finite numbers"),
        ([], [], "finite numbers"),
        ([[1]], [1], "finite numbers"),
        ("text", [1], "finite numbers"),
    ],
)
async def test_what_the_functions_refuse(
    memory: Memory, namespace: str, a: object, b: object, words: str
) -> None:
    with pytest.raises(CypherError, match=words):
        await memory.cypher(namespace, QUERY, {"a": a, "b": b})


async def test_null_in_null_out(memory: Memory, namespace: str) -> None:
    result = await memory.cypher(namespace, QUERY, {"a": None, "b": [1, 2]})
    assert result.rows == [[None, None]]


async def test_cosine_of_subnormal_numbers_is_computed_in_double_precision(
    memory: Memory, namespace: str
) -> None:
    # single precision underflows on these norms (pgvector answered NaN)
    query = "RETURN vector.similarity.cosine($a, $a) AS c"
    found = await memory.cypher(namespace, query, {"a": [1e-40, 2e-40]})
    assert found.rows[0][0] == pytest.approx(1.0, abs=1e-5)
