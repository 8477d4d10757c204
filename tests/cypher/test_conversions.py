"""toString, toInteger and toBoolean: the rewrite as text, then openCypher's and Neo4j's
answers on AGE."""

import pytest

from kgmem import Memory
from kgmem.errors import CypherTypeError
from tests.cypher.rules import applied


def test_tostring_and_tointeger_call_kgmems_forms() -> None:
    planned = applied(
        "conversions",
        "RETURN toString(1.0) AS s, TOINTEGER('') AS i, n.toString AS k, toBoolean(' x') AS b",
    )
    assert planned.text == (
        "RETURN kgmem_cypher.to_string(1.0) AS s, kgmem_cypher.to_integer('') AS i, "
        "n.toString AS k, kgmem_cypher.to_boolean(' x') AS b"
    )
    assert planned.columns == ["s", "i", "k", "b"]


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
        ("toInteger(' 42 ')", None),  # Neo4j reads a long as Java does: no spaces
        ("toInteger('0x1F')", None),
        ("toInteger('+42')", 42),
        ("toInteger('-7.9')", -7),
        ("toInteger('1e3')", 1000),
        ("toInteger('9223372036854775807')", 9223372036854775807),
        ("toInteger(1e20)", 9223372036854775807),  # Java's cast: the nearest end
        ("toInteger(-1e20)", -9223372036854775808),
        ("toInteger(0.0 / 0.0)", 0),
        ("toBoolean(' true ')", True),
        ("toBoolean('FALSE')", False),
        ("toBoolean('yes')", None),
        ("toBoolean(0)", False),
        ("toBooleanOrNull(' True')", True),
        ("toBooleanList([' false', 'x', 1, 1.5])", [False, None, True, None]),
        ("toIntegerOrNull('9223372036854775808')", None),
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


async def test_an_integer_beyond_64_bits_is_an_error(memory: Memory, namespace: str) -> None:
    with pytest.raises(CypherTypeError, match="too large"):
        await memory.cypher(namespace, "RETURN toInteger('9223372036854775808') AS v")


async def test_stored_strings_convert_as_literals_do(memory: Memory, namespace: str) -> None:
    await memory.cypher(namespace, "CREATE (:V {i: ' 12 ', b: ' TRUE', f: -2.5})", mode="write")
    result = await memory.cypher(
        namespace,
        "MATCH (v:V) RETURN toInteger(v.i) AS i, toBoolean(v.b) AS b, toInteger(v.f) AS f",
    )
    assert result.rows == [[None, True, -2]]
