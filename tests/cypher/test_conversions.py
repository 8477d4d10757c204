"""toString and toInteger: the rewrite as text, then openCypher's answers on AGE."""

import pytest

from kgmem import Memory
from tests.cypher.rules import applied


def test_tostring_and_tointeger_call_kgmems_forms() -> None:
    planned = applied(
        "conversions", "RETURN toString(1.0) AS s, TOINTEGER('') AS i, n.toString AS k"
    )
    assert planned.text == (
        "RETURN kgmem_cypher.to_string(1.0) AS s, kgmem_cypher.to_integer('') AS i, n.toString AS k"
    )
    assert planned.columns == ["s", "i", "k"]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("toString(1.0)", "1.0"),
        ("toString(-0.0)", "-0.0"),
        ("toString(1.5)", "1.5"),
        ("toString(42)", "42"),
        ("toString(true)", "true"),
        ("toString('x')", "x"),
        ("toString(null)", None),
        ("toInteger('')", None),
        ("toInteger('   ')", None),
        ("toInteger('foo')", None),
        ("toInteger('42')", 42),
        ("toInteger(' 42 ')", 42),
        ("toInteger(3.9)", 3),
        ("toInteger(null)", None),
    ],
)
async def test_conversions_answer_as_opencypher_says(
    memory: Memory, namespace: str, expression: str, expected: object
) -> None:
    result = await memory.cypher(namespace, f"RETURN {expression} AS v")
    assert result.rows == [[expected]]


async def test_conversions_of_stored_values(memory: Memory, namespace: str) -> None:
    await memory.cypher(namespace, "CREATE (:V {f: 2.0, s: '', i: 7})", mode="write")
    result = await memory.cypher(
        namespace, "MATCH (v:V) RETURN toString(v.f) AS f, toInteger(v.s) AS s, toString(v.i) AS i"
    )
    assert result.rows == [["2.0", None, "7"]]
