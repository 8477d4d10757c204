"""Procedures registered on the store, called through every form openCypher allows:
arguments (literals, parameters, expressions), implicit arguments, YIELD subsets and
aliases, WHERE, calls after other clauses, void procedures; and what is refused, how,
with the same fences as any Cypher (read mode, statement timeout, row cap, no writes
from a body, no endless recursion)."""

import asyncio
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kgmem import Memory
from kgmem.errors import CypherPermissionDenied, CypherTimeout, LimitExceeded, ProcedureFailed
from kgmem.graph import deadline
from kgmem.graph.cypher import CypherRequest
from kgmem.memory import procedures as runner
from kgmem.procedures import Reader, procedure, table
from tests.server.test_cypher_procedures import assert_problem

CITIES = table(
    "test.my.proc(name :: STRING?, id :: INTEGER?) :: (city :: STRING?, country_code :: INTEGER?)",
    [["Andres", 1, "Malmö", 46], ["Stefan", 1, "Berlin", 49], ["Stefan", 2, "München", 49]],
)
NUMBERS = table("test.num(in :: FLOAT?) :: (out :: STRING?)", [[42.0, "close"], [None, "nix"]])
NOTHING = table("test.doNothing() :: ()", [])


async def _echo(reader: Reader, args: Mapping[str, Any]) -> list[list[Any]]:
    return [[args["value"]]]


async def _count(reader: Reader, args: Mapping[str, Any]) -> list[list[Any]]:
    result = await reader.cypher("MATCH (n) RETURN count(n)")
    return [[result.rows[0][0], reader.namespace]]


async def _one(reader: Reader, args: Mapping[str, Any]) -> list[list[Any]]:
    return [[1]]


async def _write(reader: Reader, args: Mapping[str, Any]) -> list[list[Any]]:
    await reader.cypher("CREATE (:Sneaky)")
    return [[1]]


async def _slow(reader: Reader, args: Mapping[str, Any]) -> list[list[Any]]:
    await asyncio.sleep(30)
    return [[1]]


async def _pause(reader: Reader, args: Mapping[str, Any]) -> list[list[Any]]:
    await asyncio.sleep(0.3)
    return [[1]]


async def _many(reader: Reader, args: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    return ({"n": i} for i in range(args["count"]))  # rows made as they are read


async def _recurse(reader: Reader, args: Mapping[str, Any]) -> list[list[Any]]:
    result = await reader.cypher("CALL test.recurse() YIELD depth RETURN depth + 1 AS d")
    return [[result.rows[0][0]]]


REGISTERED = (
    CITIES,
    NUMBERS,
    NOTHING,
    procedure("test.echo(value :: ANY?) :: (out :: ANY?)", _echo),
    procedure("test.count() :: (n :: INTEGER, ns :: STRING)", _count),
    procedure("test.write() :: (n :: INTEGER)", _one, mode="write"),
    procedure("test.sneaky() :: (n :: INTEGER)", _write),
    procedure("test.slow() :: (n :: INTEGER)", _slow),
    procedure("test.pause() :: (n :: INTEGER)", _pause),
    procedure("test.many(count :: INTEGER) :: (n :: INTEGER)", _many),
    procedure("test.recurse() :: (depth :: INTEGER)", _recurse),
    table(
        "test.defaults(a :: STRING, b = 7 :: INTEGER) :: (out :: STRING)",
        [["x", 7, "seven"], ["x", 8, "eight"]],
    ),
)


@pytest.fixture
async def ns(memory: Memory, namespace: str) -> AsyncIterator[str]:
    await memory.cypher(namespace, "CREATE (:A {name: 'a'}), (:B {name: 'b'})", mode="write")
    with memory.procedures.registered(*REGISTERED):
        yield namespace


async def rows(client: httpx.AsyncClient, ns: str, query: str, **params: Any) -> Any:
    response = await client.post(
        f"/v1/namespaces/{ns}/cypher", json={"query": query, "params": params}
    )
    assert response.status_code == 200, (query, response.text)
    body = response.json()
    return body["columns"], body["rows"]


P = "CALL test.my.proc"
BOTH = ["city", "country_code"]
ANSWERED = [
    (f"{P}('Stefan', 1)", {}, BOTH, [["Berlin", 49]]),
    (f"{P}('Stefan', 1) YIELD *", {}, BOTH, [["Berlin", 49]]),
    (P, {"name": "Stefan", "id": 2}, BOTH, [["München", 49]]),
    (f"{P}($n, $i) YIELD city", {"n": "Andres", "i": 1}, ["city"], [["Malmö"]]),
    (f"{P}('Stefan', 1) YIELD country_code AS c, city AS x RETURN x, c", {}, ["x", "c"],
     [["Berlin", 49]]),
    (f"{P}('Stefan', 1 + 1) YIELD city WHERE city STARTS WITH 'M' RETURN city", {}, ["city"],
     [["München"]]),
    (f"{P}(toUpper(left($s, 1)) + 'tefan', 2) YIELD city", {"s": "stefan"}, ["city"],
     [["München"]]),
    ("CALL test.num(42)", {}, ["out"], [["close"]]),
    ("CALL test.num(null) YIELD out RETURN out", {}, ["out"], [["nix"]]),
    ("CALL test.num($f)", {"f": 42}, ["out"], [["close"]]),
    ("CALL test.defaults('x')", {}, ["out"], [["seven"]]),
    ("CALL test.defaults('x', 8)", {}, ["out"], [["eight"]]),
    ("CALL test.echo({a: [1, -2.5, 'x'], b: null})", {}, ["out"],
     [[{"a": [1, -2.5, "x"], "b": None}]]),
    ("CALL test.doNothing()", {}, [], []),
    ("MATCH (n) CALL test.doNothing() RETURN n.name AS name ORDER BY name", {}, ["name"],
     [["a"], ["b"]]),
    (f"MATCH (n) {P}('Stefan', 1) YIELD city RETURN n.name AS name, city ORDER BY name", {},
     ["name", "city"], [["a", "Berlin"], ["b", "Berlin"]]),
    (f"UNWIND [1, 2] AS x {P}('Nobody', 1) YIELD city RETURN x, city", {}, ["x", "city"], []),
    (f"{P}('Stefan', 1) YIELD city WITH count(*) AS c {P}('Stefan', 2) YIELD city RETURN *",
     {}, ["c", "city"], [[1, "München"]]),
    ("CALL test.count() YIELD n RETURN n", {}, ["n"], [[2]]),
    ("CALL TEST.ECHO(1)", {}, ["out"], [[1]]),
    # arguments read from each row: the procedure runs once per distinct list
    ("UNWIND [1, 2, 2] AS x CALL test.echo(x) YIELD out RETURN x, out", {}, ["x", "out"],
     [[1, 1], [2, 2], [2, 2]]),
    ("MATCH (n) CALL test.echo(n.name + $s) YIELD out RETURN out ORDER BY out", {"s": "!"},
     ["out"], [["a!"], ["b!"]]),
    ("UNWIND [null, 42, 1] AS x CALL test.num(x) YIELD out RETURN x, out", {}, ["x", "out"],
     [[None, "nix"], [42, "close"]]),
    (f"MATCH (n:A) WITH n.name AS name {P}('Stefan', size(name)) YIELD city RETURN city",
     {}, ["city"], [["Berlin"]]),
]  # fmt: skip


@pytest.mark.parametrize(("query", "params", "columns", "expected"), ANSWERED)
async def test_calls_answer_as_opencypher_says(
    client: httpx.AsyncClient,
    ns: str,
    query: str,
    params: dict[str, Any],
    columns: list[str],
    expected: list[list[Any]],
) -> None:
    assert await rows(client, ns, query, **params) == (columns, expected)


SEMANTIC, TYPE, DENIED = "cypher_semantic_error", "cypher_type_error", "cypher_permission_denied"
READ_MODE = "cypher_access_mode"  # a write sent in read mode by a key that may write
REFUSED = [
    (f"{P}('Dobby')", {}, 422, SEMANTIC),  # too few arguments
    (f"{P}(1, 2, 3, 4) YIELD city RETURN city", {}, 422, SEMANTIC),
    (P, {"name": "Stefan"}, 422, SEMANTIC),  # $id missing
    (f"{P} YIELD city RETURN city", {}, 422, SEMANTIC),  # implicit arguments inside a query
    (f"{P}(true, 1)", {}, 422, SEMANTIC),
    (f"{P}($n, 1)", {"n": 3}, 422, TYPE),
    (f"{P}('a', 1) RETURN city", {}, 422, SEMANTIC),
    (f"{P}('a', 1) YIELD town", {}, 422, SEMANTIC),
    (f"{P}('a', 1) YIELD city, country_code AS city", {}, 422, SEMANTIC),
    ("CALL test.nope() YIELD x RETURN x", {}, 422, "cypher_rejected"),
    ("MATCH (n) CALL test.echo(count(n)) YIELD out RETURN out", {}, 422, SEMANTIC),
    ("CALL test.echo(x) YIELD out RETURN out", {}, 422, SEMANTIC),
    ("MATCH (n) CALL test.echo(n) YIELD out RETURN out", {}, 422, SEMANTIC),
    ("MATCH (n) SET n.x = 1 WITH n CALL test.echo(n.x) YIELD out RETURN out", {}, 422, SEMANTIC),
    ("UNWIND ['s'] AS x CALL test.num(x) YIELD out RETURN out", {}, 422, TYPE),
    ("UNWIND range(1, 200000) AS x CALL test.echo(x) YIELD out RETURN out", {}, 422,
     "limit_exceeded"),
    ("CALL test.echo($missing)", {}, 422, SEMANTIC),
    ("CALL test.write()", {}, 403, READ_MODE),
    ("CALL test.sneaky()", {}, 403, DENIED),
    ("CALL test.recurse()", {}, 422, "cypher_rejected"),
    ("CALL test.many(100000000)", {}, 422, "limit_exceeded"),
    ("CALL test.echo(1 UNION MATCH (n) DETACH DELETE n RETURN 1)", {}, 403, READ_MODE),
    ("CALL test.echo(1) YIELD out CREATE (:X {v: out})", {}, 403, READ_MODE),
]  # fmt: skip


@pytest.mark.parametrize(("query", "params", "status", "code"), REFUSED)
async def test_what_is_refused_and_how(
    client: httpx.AsyncClient,
    memory: Memory,
    ns: str,
    query: str,
    params: dict[str, Any],
    status: int,
    code: str | None,
) -> None:
    response = await client.post(
        f"/v1/namespaces/{ns}/cypher", json={"query": query, "params": params}
    )
    assert_problem(response, status)
    if code is not None:
        assert response.json()["code"] == code, response.text
    if "DETACH" in query:  # the error names the argument's DETACH, as written
        assert response.json()["position"] == query.index("DETACH")
    untouched = await memory.cypher(ns, "MATCH (n) RETURN labels(n)[0] AS l ORDER BY l")
    assert untouched.rows == [["A"], ["B"]]


async def test_a_write_procedure_runs_in_write_mode_only(memory: Memory, ns: str) -> None:
    """A body reads read-only in any mode: what a write procedure changes is outside the
    graph, and a read procedure cannot write through its reads either."""
    assert (await memory.cypher(ns, "CALL test.write()", mode="write")).rows == [[1]]
    with pytest.raises(CypherPermissionDenied):
        await memory.cypher(ns, "CALL test.write() YIELD n RETURN n", mode="read")
    with pytest.raises(CypherPermissionDenied):
        await memory.cypher(ns, "CALL test.sneaky()", mode="write")


async def test_a_slow_procedure_meets_the_statement_timeout(memory: Memory, ns: str) -> None:
    scope = runner.Scope(memory.procedures, "read", 100, 0.2)
    with pytest.raises(CypherTimeout):
        await runner.prepare(memory, ns, "CALL test.slow()", {}, scope=scope)
    small = runner.Scope(memory.procedures, "read", 3, 5)
    with pytest.raises(LimitExceeded):
        await runner.prepare(memory, ns, "CALL test.many(4)", {}, scope=small)
    done = await runner.prepare(memory, ns, "CALL test.many(3)", {}, scope=small)
    assert done.answer is not None and done.answer.rows == [[0], [1], [2]]


async def test_a_query_s_calls_share_one_deadline(memory: Memory, ns: str) -> None:
    """Ten calls of 0.3 s joined by UNION ALL end at the request's deadline (here 1 s),
    not after ten times a statement timeout."""
    query = " UNION ALL ".join(["CALL test.pause() YIELD n RETURN n"] * 10)
    started = time.monotonic()
    with deadline.within(1.0), pytest.raises(CypherTimeout):
        await memory.cypher(ns, query)
    assert time.monotonic() - started < 2.5
    with deadline.within(10.0):
        assert len((await memory.cypher(ns, query)).rows) == 10


async def test_rows_that_do_not_fit_the_signature_are_the_procedure_s_fault(
    memory: Memory, ns: str
) -> None:
    async def liar(reader: Reader, args: Mapping[str, Any]) -> list[list[Any]]:
        return [[args["shape"]]] if args["shape"] != "wide" else [[1, 2]]

    declared = procedure("test.liar(shape :: ANY) :: (n :: INTEGER)", liar)
    with memory.procedures.registered(declared):
        assert (await memory.cypher(ns, "CALL test.liar(3)")).rows == [[3]]
        for shape in ("'x'", "true", "'wide'", "[1]"):
            with pytest.raises(ProcedureFailed, match=r"test\.liar"):
                await memory.cypher(ns, f"CALL test.liar({shape})")


async def test_a_procedure_that_raises_is_a_clear_error_not_a_server_error(
    memory: Memory, ns: str, live_url: str
) -> None:
    async def broken(reader: Reader, args: Mapping[str, Any]) -> list[list[Any]]:
        return [[1 // args["n"]]]

    declared = procedure("test.broken(n :: INTEGER) :: (q :: INTEGER)", broken)
    with memory.procedures.registered(declared):
        with pytest.raises(ProcedureFailed, match="ZeroDivisionError"):
            await memory.cypher(ns, "CALL test.broken(0)")
        async with httpx.AsyncClient(base_url=live_url) as client:
            answer = await client.post(
                f"/v1/namespaces/{ns}/cypher", json={"query": "CALL test.broken(0)"}
            )
            assert answer.status_code == 422, answer.text
            assert answer.headers["content-type"] == "application/problem+json"
            assert answer.json()["code"] == "procedure_failed"
            ok = await client.post(
                f"/v1/namespaces/{ns}/cypher", json={"query": "CALL test.broken(1)"}
            )
            assert ok.status_code == 200 and ok.json()["rows"] == [[1]]


async def test_procedures_in_a_transaction_see_its_mode(memory: Memory, ns: str) -> None:
    query = "MATCH (a:A) CALL test.my.proc('Stefan', 2) YIELD city RETURN a.name, city"
    async with memory.cypher_transaction(ns, "read") as run:
        found = await run(CypherRequest(query=query, params={}, mode="read"))
        assert found.rows == [["a", "München"]]
        with pytest.raises(CypherPermissionDenied):
            await run(CypherRequest(query="CALL test.write()", params={}, mode="read"))


_PIECES = st.sampled_from(
    ["1", "'s'", "$p", "null", "true", "[", "]", "{", "}", "k:", ",", "+", "-", "(", ")",
     "x", "count(", "toUpper(", "MATCH", "RETURN", "UNION", "CREATE", "n", ".", "*"]
)  # fmt: skip


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(argument=st.lists(_PIECES, min_size=1, max_size=8).map(" ".join))
async def test_any_argument_text_answers_or_gets_a_4xx(
    client: httpx.AsyncClient, memory: Memory, ns: str, argument: str
) -> None:
    query = f"CALL test.echo({argument}) YIELD out RETURN out"
    async with asyncio.timeout(30):
        response = await client.post(
            f"/v1/namespaces/{ns}/cypher", json={"query": query, "params": {"p": 1}}
        )
    assert response.status_code == 200 or 400 <= response.status_code < 500, (query, response.text)
    count = await memory.cypher(ns, "MATCH (n) RETURN count(n)")
    assert count.rows == [[2]]


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    xs=st.lists(st.one_of(st.none(), st.integers(-5, 5), st.sampled_from(["a", "b"])), max_size=6)
)
async def test_a_call_per_row_answers_each_row_as_a_call_alone_would(
    memory: Memory, ns: str, xs: list[Any]
) -> None:
    """Joining on the argument lists loses, adds and mixes up no row."""
    found = await memory.cypher(
        ns, "UNWIND $xs AS x CALL test.echo(x) YIELD out RETURN x, out", {"xs": xs}
    )
    assert sorted(map(repr, found.rows)) == sorted(repr([x, x]) for x in xs)
