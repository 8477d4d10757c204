"""kgmem's procedures inside queries over REST: ``CALL proc() YIELD ... [WHERE ...]``
followed by further clauses and UNION ALL parts, as Neo4j Browser sends on connect."""

import asyncio
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kgmem import EntityWrite, FactWrite, Memory
from kgmem.errors import NamespaceNotFound
from kgmem.memory.procedures import NAMES as ALL_NAMES
from kgmem.procedures.builtin import registry

PROBLEM = "application/problem+json"

GUIDE = (Path(__file__).resolve().parents[2] / "docs" / "cypher.md").read_text()
BROWSER = (
    "CALL db.labels() YIELD label "
    "RETURN {name:'labels', data:COLLECT(label)[..1000]} AS result\n"
    "UNION ALL\n"
    "CALL db.relationshipTypes() YIELD relationshipType "
    "RETURN {name:'relationshipTypes', data:COLLECT(relationshipType)[..1000]} AS result\n"
    "UNION ALL\n"
    "CALL db.propertyKeys() YIELD propertyKey "
    "RETURN {name:'propertyKeys', data:COLLECT(propertyKey)[..1000]} AS result"
)


@pytest.fixture
async def graph(memory: Memory, namespace: str) -> str:
    await memory.upsert_entity(namespace, EntityWrite("ann", "Person", {"name": "Ann", "age": 3}))
    await memory.upsert_entity(namespace, EntityWrite("oslo", "City", {"name": "Oslo"}))
    await memory.add_fact(namespace, FactWrite("ann", "LIVES_IN", "oslo"))
    return namespace


def assert_problem(response: httpx.Response, status: int) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    assert response.json()["detail"]


async def cypher(client: httpx.AsyncClient, ns: str, query: str) -> httpx.Response:
    return await client.post(f"/v1/namespaces/{ns}/cypher", json={"query": query})


async def _keys(memory: Memory, ns: str) -> list[str]:
    result = await memory.cypher(
        ns,
        "MATCH (n) UNWIND keys(n) AS k RETURN DISTINCT k "
        "UNION MATCH ()-[r]->() UNWIND keys(r) AS k RETURN DISTINCT k",
    )
    return sorted(row[0] for row in result.rows)


async def test_the_neo4j_browser_statement_names_the_real_schema(
    client: httpx.AsyncClient, memory: Memory, graph: str
) -> None:
    response = await cypher(client, graph, BROWSER)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["columns"] == ["result"]
    rows = {row[0]["name"]: row[0]["data"] for row in body["rows"]}
    assert [row[0]["name"] for row in body["rows"]] == [
        "labels", "relationshipTypes", "propertyKeys"
    ]  # fmt: skip
    assert sorted(rows["labels"]) == ["City", "Person"]
    assert rows["relationshipTypes"] == ["LIVES_IN"]
    keys = await _keys(memory, graph)
    assert {"name", "age", "uid"} <= set(keys)
    assert sorted(rows["propertyKeys"]) == keys


async def test_yield_aliases_and_where(client: httpx.AsyncClient, graph: str) -> None:
    response = await cypher(
        client, graph, "CALL db.labels() YIELD label AS l WHERE l STARTS WITH 'P' RETURN l"
    )
    assert response.status_code == 200, response.text
    assert response.json()["rows"] == [["Person"]]
    alone = await cypher(client, graph, "CALL db.labels() YIELD label AS l WHERE l <> 'City'")
    assert alone.status_code == 200, alone.text
    assert alone.json()["columns"] == ["l"] and alone.json()["rows"] == [["Person"]]
    renamed = await cypher(client, graph, "CALL db.labels() YIELD label AS `the label`")
    assert renamed.json()["columns"] == ["the label"]
    assert renamed.json()["rows"] == [["City"], ["Person"]]


async def test_aggregation_order_and_values_of_every_kind(
    client: httpx.AsyncClient, graph: str
) -> None:
    counted = await cypher(
        client,
        graph,
        "CALL db.labels() YIELD label WITH label ORDER BY label DESC "
        "RETURN count(label) AS n, collect(label) AS labels",
    )
    assert counted.status_code == 200, counted.text
    assert counted.json()["rows"] == [[2, ["Person", "City"]]]
    listed = await cypher(
        client,
        graph,
        "CALL dbms.components() YIELD name, versions, edition "
        "WHERE name = 'kgmem' RETURN versions, size(versions) AS n, {e: edition} AS m",
    )
    assert listed.status_code == 200, listed.text
    [[versions, n, m]] = listed.json()["rows"]
    assert isinstance(versions, list) and n == 1 and m == {"e": "kgmem"}
    schema = await cypher(
        client,
        graph,
        "CALL db.schema.visualization() YIELD nodes "
        "UNWIND nodes AS node RETURN node.label AS label ORDER BY label",
    )
    assert schema.status_code == 200, schema.text
    assert schema.json()["rows"] == [["City"], ["Person"]]


async def test_an_empty_procedure_still_aggregates(
    client: httpx.AsyncClient, namespace: str
) -> None:
    response = await cypher(
        client, namespace, "CALL db.labels() YIELD label RETURN count(label) AS n"
    )
    assert response.status_code == 200, response.text
    assert response.json()["rows"] == [[0]]


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("CALL apoc.nope.schema() YIELD value RETURN value", 422),
        ("CALL dbms.security.createUser('x', 'y') ", 422),
        ("CALL db.labels() YIELD nope RETURN nope", 422),
        ("CALL db.labels() RETURN 1 AS x", 422),
        ("CALL db.labels('x') YIELD label RETURN label", 422),
        ("MATCH (n) CALL db.labels() YIELD label RETURN label", 200),
        ("MATCH (n) CALL db.labels() YIELD * RETURN label", 422),
        ("WITH 1 AS label CALL db.labels() YIELD label RETURN label", 422),
        ("CALL db.labels() YIELD * RETURN label", 422),
        ("CALL db.labels() YIELD label CREATE (:X {name: label})", 403),
        ("CALL db.labels() YIELD label RETURN label", 200),
    ],
)
async def test_what_is_refused_and_how(
    client: httpx.AsyncClient, graph: str, query: str, status: int
) -> None:
    response = await cypher(client, graph, query)
    if status == 200:
        assert response.status_code == 200, response.text
    else:
        assert_problem(response, status)


async def test_kgmem_parameter_names_stay_kgmem_s(client: httpx.AsyncClient, graph: str) -> None:
    response = await client.post(
        f"/v1/namespaces/{graph}/cypher",
        json={
            "query": "CALL db.labels() YIELD label RETURN label",
            "params": {"kgmem_call_0": ["Pwned"]},
        },
    )
    assert_problem(response, 422)


_WORDS = ["CALL", "YIELD", "RETURN", "WITH", "WHERE", "UNION", "ALL", "AS", "MATCH",
          "db.labels()", "label", "count(", "UNWIND", "ORDER BY", "LIMIT", "CREATE"]  # fmt: skip
_TEXT = st.lists(st.sampled_from([*"abcXYZ019 ()[]{}:.,;'\"`$*=<>-|\n", *_WORDS]), max_size=12).map(
    " ".join
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(prefix=_TEXT, suffix=_TEXT)
async def test_any_text_around_a_call_answers_or_gets_a_4xx(
    client: httpx.AsyncClient, graph: str, prefix: str, suffix: str
) -> None:
    query = f"{prefix} CALL db.labels() YIELD label {suffix}"
    async with asyncio.timeout(30):
        response = await cypher(client, graph, query)
    assert response.status_code == 200 or 400 <= response.status_code < 500, (
        query,
        response.text,
    )


async def test_the_example_in_the_cypher_guide_runs(client: httpx.AsyncClient, graph: str) -> None:
    section = GUIDE.split("## Procedures inside queries", 1)[1]
    example = section.split("```cypher\n", 1)[1].split("```", 1)[0]
    response = await cypher(client, graph, example)
    assert response.status_code == 200, response.text
    assert response.json()["rows"] == [[1, ["Person"]], [1, ["LIVES_IN"]]]


async def test_explain_shows_the_rewritten_call(client: httpx.AsyncClient, graph: str) -> None:
    response = await cypher(client, graph, "EXPLAIN CALL db.labels() YIELD label RETURN label")
    assert response.status_code == 200, response.text
    lines = [row[0] for row in response.json()["rows"]]
    assert "parameters: kgmem_call_0" in lines
    assert any("UNWIND $kgmem_call_0" in line for line in lines)
    alone = await cypher(client, graph, "EXPLAIN CALL db.labels()")
    assert alone.status_code == 200, alone.text


async def test_error_positions_count_in_the_query_as_written(
    client: httpx.AsyncClient, graph: str
) -> None:
    query = "CALL db.labels() YIELD label AS l WHERE l <> 'x' RETURN l AS all"
    response = await cypher(client, graph, query)
    assert_problem(response, 422)
    assert response.json()["position"] == query.index("all")
    explained = await cypher(client, graph, "EXPLAIN  " + query)
    assert_problem(explained, 422)
    # as for any EXPLAIN, counted from just after the word EXPLAIN
    assert explained.json()["position"] == query.index("all") + len("  ")


MISSING = "t_no_such_ns"

# A procedure alone, with its rows counted after it, and under EXPLAIN.
FORMS = ["CALL {name}()", "CALL {name}() YIELD {column} RETURN count(*) AS n",
         "EXPLAIN CALL {name}()"]  # fmt: skip


def first_column(name: str) -> str | None:
    """The first column the built-in procedure ``name`` yields (None: it is void)."""
    columns = next(p.columns for p in registry("") if p.name == name)
    return columns[0] if columns else None


# The vector procedures need a vector index and a vector (or a variable to write):
# tests/neo4j_schema/test_vector_*.py call them, also on a missing namespace; APOC's
# writes need write mode (tests/procedures/test_apoc_writes.py).
WRITERS = {p.name for p in registry("") if p.mode == "write"}
NAMES = [
    n
    for n in ALL_NAMES
    if not n.startswith(("db.index.vector.", "db.create.")) and n not in WRITERS
]

# The arguments of the built-ins that need some.
ARGUMENTS = {"db.awaitIndex": "'index_343aff4e'",
             "apoc.schema.properties.distinct": "'Person', 'name'"}  # fmt: skip


def called(form: str, name: str) -> str:
    """``form`` filled for procedure ``name`` (a void one yields nothing to count)."""
    column = first_column(name)
    if column is None:  # EXPLAIN plans a query: a void call alone leaves none
        form = form.replace("YIELD {column} ", "")
        form += " RETURN 1 AS done" if form.startswith("EXPLAIN") else ""
    return form.replace("()", f"({ARGUMENTS.get(name, '')})").format(name=name, column=column)


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("name", NAMES)
async def test_every_procedure_on_a_missing_namespace_is_404(
    client: httpx.AsyncClient, memory: Memory, graph: str, name: str, form: str
) -> None:
    """Like any other read (``MATCH``), whether or not the procedure reads the graph."""
    query = called(form, name)
    assert (await cypher(client, graph, query)).status_code == 200
    response = await cypher(client, MISSING, query)
    assert_problem(response, 404)
    assert response.json()["code"] == "namespace_not_found"
    assert response.json() == (await cypher(client, MISSING, "MATCH (n) RETURN n")).json()
    with pytest.raises(NamespaceNotFound):
        await memory.cypher(MISSING, query)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    name=st.sampled_from(NAMES).flatmap(
        lambda n: st.tuples(*[st.sampled_from([c.lower(), c.upper()]) for c in n]).map("".join)
    ),
    space=st.sampled_from(["", " ", "\n  "]),
    end=st.sampled_from(["", ";", " ;"]),
)
async def test_a_procedure_call_spelled_any_way_checks_the_namespace(
    client: httpx.AsyncClient, graph: str, name: str, space: str, end: str
) -> None:
    arguments = (
        next(a for n, a in ARGUMENTS.items() if n.lower() == name.lower())
        if any(n.lower() == name.lower() for n in ARGUMENTS)
        else ""
    )
    query = f"{space}CALL {name}({arguments}){end}"
    assert (await cypher(client, graph, query)).status_code == 200, query
    missing = await cypher(client, MISSING, query)
    assert_problem(missing, 404)
    assert missing.json()["code"] == "namespace_not_found", query
