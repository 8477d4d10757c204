"""Map projections as Neo4j answers them: a null entry stays a null entry and overrides
what ``.*`` reads, a missing property selected is null, a null subject gives null."""

from hypothesis import given, settings
from hypothesis import strategies as st

from kgmem import Memory
from kgmem.cypher import plan
from kgmem.cypher.lexer import tokenize
from kgmem.cypher.map_projections import rewrite


def test_a_projection_becomes_one_call_and_patterns_maps_become_conditions() -> None:
    planned = plan("MATCH (n:L {a: 1})-[r {w: 2}]->(m) RETURN n {.*, embedding: null} AS n")
    assert planned.text == (
        "MATCH (n:L )-[r ]->(m) WHERE n.a = 1 AND r.w = 2 RETURN "
        "kgmem_cypher.project(properties(n), true, ['embedding'], [null]) AS n"
    )
    assert "map_projections" in planned.rewrites


def test_keys_are_written_as_strings_and_values_as_expressions() -> None:
    text = "RETURN x {.`a b`, k: f(x {.c}), v}"
    assert rewrite(text, tokenize(text)) == (
        "RETURN kgmem_cypher.project(x, false, ['a b', 'k', 'v'], "
        "[x.`a b`, f(kgmem_cypher.project(x, false, ['c'], [x.c])), v])"
    )


async def test_the_library_projections_leave_stored_vectors_out(
    memory: Memory, namespace: str
) -> None:
    await memory.cypher(
        namespace,
        "CREATE (:Chunk {id: 'c1', text: 'hello', embedding: [0.1, 0.2], source: 'a'})",
        mode="write",
    )
    graphrag = await memory.cypher(
        namespace,
        "MATCH (node:Chunk) RETURN node { .*, `embedding`: null } AS node, "
        "labels(node) AS nodeLabels, elementId(node) AS elementId",
    )
    assert graphrag.rows[0][0] == {"id": "c1", "text": "hello", "embedding": None, "source": "a"}
    langchain = await memory.cypher(
        namespace,
        "MATCH (node:Chunk) RETURN node.`text` AS text, "
        "node {.*, `text`: Null, `embedding`: Null, id: elementId(node)} AS metadata",
    )
    text, metadata = langchain.rows[0]
    assert text == "hello"
    assert metadata == {"id": graphrag.rows[0][2], "text": None, "embedding": None, "source": "a"}
    llama = await memory.cypher(
        namespace,
        "MATCH (node:Chunk) RETURN node{.* , embedding: Null, name: Null, id: Null} AS properties",
    )
    assert llama.rows == [[{"text": "hello", "source": "a", "embedding": None, "name": None,
                            "id": None}]]  # fmt: skip


async def test_selectors_variables_relationships_and_nesting(
    memory: Memory, namespace: str
) -> None:
    await memory.cypher(
        namespace, "CREATE (:P {a: 1, b: 'x'})-[:R {w: 2, v: 3}]->(:P {a: 2})", mode="write"
    )
    result = await memory.cypher(
        namespace,
        "MATCH (n:P {a: 1})-[r:R]->(m) WITH n, r, m, 7 AS seven "
        "RETURN n {.a, .missing} AS sel, r {.*, v: null} AS rel, n {seven, k: n.a + 1} AS vars, "
        "m {.a, back: n {.b}} AS nested, n {} AS empty",
    )
    assert result.rows == [[
        {"a": 1, "missing": None},
        {"w": 2, "v": None},
        {"seven": 7, "k": 2},
        {"a": 2, "back": {"b": "x"}},
        {},
    ]]  # fmt: skip
    missing = await memory.cypher(
        namespace, "OPTIONAL MATCH (n:Nope) RETURN n {.*} AS a, n {.x, k: 1} AS b"
    )
    assert missing.rows == [[None, None]]
    collected = await memory.cypher(
        namespace, "MATCH (n:P) WITH n ORDER BY n.a RETURN collect(n {.a, z: null}) AS l"
    )
    assert collected.rows == [[[{"a": 1, "z": None}, {"a": 2, "z": None}]]]


@settings(max_examples=60, deadline=None)
@given(
    st.dictionaries(
        st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True),
        st.one_of(st.none(), st.integers(-9, 9), st.text("ab", max_size=3)),
        max_size=5,
    )
)
def test_projection_text_names_every_key_once(entries: dict[str, object]) -> None:
    inner = ", ".join(f"{k}: null" for k in entries)
    text = f"RETURN m {{.*{', ' if inner else ''}{inner}}} AS x"
    out = rewrite(text, tokenize(text))
    assert out.startswith("RETURN kgmem_cypher.project(properties(m), true, [")
    for key in entries:
        assert out.count(f"'{key}'") == 1
