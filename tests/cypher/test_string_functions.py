"""``size``, ``toUpper`` and ``toLower`` of a string count and change characters, not
the bytes of its UTF-8 as AGE alone does (migration 0045, ``kgmem.cypher.neo4j_functions``)."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kgmem import Memory
from kgmem.cypher import plan


def test_the_calls_are_kgmems() -> None:
    text = plan("MATCH (n) RETURN size(n.name), toUpper(n.a), toLower(n.b), n.size").text
    assert "kgmem_cypher.size(n.name)" in text
    assert "kgmem_cypher.to_upper(n.a)" in text and "kgmem_cypher.to_lower(n.b)" in text
    assert "n.size" in text


async def test_stored_names_are_measured_and_folded_by_character(
    memory: Memory, namespace: str
) -> None:
    await memory.cypher(namespace, "CREATE (:W {name: 'Zoë'}), (:W {name: '日本'})", mode="write")
    result = await memory.cypher(
        namespace,
        "MATCH (w:W) WHERE toLower(w.name) CONTAINS toLower($q) OR size(w.name) = 2 "
        "RETURN w.name, size(w.name), toUpper(w.name) ORDER BY w.name",
        {"q": "ZOË"},
    )
    assert result.rows == [["Zoë", 3, "ZOË"], ["日本", 2, "日本"]]
    others = await memory.cypher(
        namespace, "RETURN size([1, null]) AS a, size(null) AS b, toLower(null) AS c"
    )
    assert others.rows == [[2, None, None]]


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(alphabet="aZéÉñÑöÖ日本 -", max_size=8))
async def test_each_function_is_pythons_on_these_letters(
    memory: Memory, namespace: str, text: str
) -> None:
    result = await memory.cypher(
        namespace, "RETURN size($s) AS n, toUpper($s) AS u, toLower($s) AS l", {"s": text}
    )
    assert result.rows == [[len(text), text.upper(), text.lower()]]


_JAVA_WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \u1680\u2000\u2005\u2008\u200a\u2028\u2029\u205f\u3000"
)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.text(alphabet=_JAVA_WHITESPACE + "\u00a0\u2007\u202fab", max_size=8),
)
async def test_trims_remove_javas_whitespace(memory: Memory, namespace: str, text: str) -> None:
    """trim, ltrim and rtrim as Neo4j's (Java's ``Character.isWhitespace``): tabs, line
    breaks and Unicode spaces go, the non-breaking spaces stay; passed as a parameter
    and as a stored property."""
    await memory.cypher(namespace, "MATCH (n:T) DELETE n", mode="write")
    await memory.cypher(namespace, "CREATE (:T {s: $s})", {"s": text}, mode="write")
    result = await memory.cypher(
        namespace,
        "MATCH (n:T) RETURN trim(n.s), ltrim(n.s), rtrim(n.s), trim($s), ltrim($s), rtrim($s)",
        {"s": text},
    )
    expected = [
        text.strip(_JAVA_WHITESPACE),
        text.lstrip(_JAVA_WHITESPACE),
        text.rstrip(_JAVA_WHITESPACE),
    ]
    assert result.rows == [expected * 2]
