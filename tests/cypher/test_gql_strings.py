"""Neo4j 5's newer string functions and operator (migration 0061,
``kgmem.cypher.trim_forms``, ``kgmem.cypher.neo4j_functions``): ``btrim``/``ltrim``/
``rtrim`` with the characters to trim, ``trim([LEADING|TRAILING|BOTH] [c] FROM s)``,
``upper``, ``lower``, ``char_length``, ``character_length``, ``normalize``, ``split``
by a list of delimiters and ``||`` of two strings."""

import re
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kgmem import Memory
from kgmem.cypher import plan
from kgmem.errors import CypherTypeError

_SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def test_the_forms_become_kgmems_calls() -> None:
    text = plan(
        "RETURN trim(LEADING 'x' FROM n.a), trim(FROM n.b), trim(n.c), normalize(n.d, NFKD), "
        "normalize(n.e), btrim(n.f, 'y')"
    ).text
    assert "kgmem_cypher.trim_character('leading', ('x'), n.a)" in text
    assert "kgmem_cypher.trim(n.b)" in text
    assert "kgmem_cypher.trim(n.c)" in text
    assert "kgmem_cypher.normalize(n.d, 'NFKD')" in text
    assert "kgmem_cypher.normalize(n.e, 'NFC')" in text
    assert "kgmem_cypher.trim(n.f, 'y')" in text


async def test_trim_forms_as_neo4j_answers_them(memory: Memory, namespace: str) -> None:
    result = await memory.cypher(
        namespace,
        "WITH 'xxahxaxx' AS s RETURN trim('x' FROM s), trim(LEADING 'x' FROM s), "
        "trim(TRAILING 'x' FROM s), trim(BOTH 'x' FROM s), trim(LEADING FROM '  a '), "
        "trim(null FROM s), trim('x' FROM null), btrim(' a '), btrim(s, ''), btrim('', 'x')",
    )
    assert result.rows == [
        ["ahxa", "ahxaxx", "xxahxa", "ahxa", "a ", None, None, "a", "xxahxaxx", ""]
    ]


@pytest.mark.parametrize(
    "query",
    [
        "RETURN trim('xy' FROM 'xyaxy')",
        "RETURN trim(TRAILING '' FROM 'a')",
        "RETURN btrim('a', 1)",
        "RETURN char_length([1])",
        "RETURN 'a' || 1",
    ],
)
async def test_wrong_arguments_are_errors(memory: Memory, namespace: str, query: str) -> None:
    with pytest.raises(CypherTypeError):
        await memory.cypher(namespace, query)


@_SETTINGS
@given(st.text(alphabet="xy ab", max_size=8), st.text(alphabet="xy ", max_size=3))
async def test_trims_with_characters_strip_those_characters(
    memory: Memory, namespace: str, text: str, chars: str
) -> None:
    result = await memory.cypher(
        namespace,
        "RETURN btrim($s, $c), ltrim($s, $c), rtrim($s, $c), upper($s), lower($s), "
        "char_length($s), character_length($s), $s || $c",
        {"s": text, "c": chars},
    )
    expected = [text.strip(chars), text.lstrip(chars), text.rstrip(chars)] if chars else [text] * 3
    assert result.rows == [
        [*expected, text.upper(), text.lower(), len(text), len(text), text + chars]
    ]


@_SETTINGS
@given(
    st.text(alphabet="a.|*,b", max_size=10),
    st.lists(st.sampled_from([".", "|", "*", ","]), min_size=1, max_size=3),
)
async def test_split_by_a_list_splits_at_any_of_them(
    memory: Memory, namespace: str, text: str, delimiters: list[str]
) -> None:
    result = await memory.cypher(namespace, "RETURN split($s, $d)", {"s": text, "d": delimiters})
    assert result.rows == [[re.split("|".join(map(re.escape, delimiters)), text)]]


async def test_normalize_and_concatenation(memory: Memory, namespace: str) -> None:
    composed = unicodedata.normalize("NFC", "e\u0301")
    result = await memory.cypher(
        namespace,
        "RETURN normalize($s) = $c, size(normalize($c, NFD)), normalize('\ufb01', NFKC), "
        "normalize(null), 'a' || 'b' || 'c', [1] || [2], 'a' || null, split('abc', [])",
        {"s": "e\u0301", "c": composed},
    )
    assert result.rows == [[True, 2, "fi", None, "abc", [1, 2], None, ["abc"]]]
