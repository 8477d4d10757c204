"""The Cypher pass-through cannot be escaped: a corpus of attack strings, each a clear
4xx, and afterwards nothing changed anywhere; the database fences hold on their own."""

import uuid
from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest

from kgmem import EntityWrite, Memory
from kgmem.storage.sql import reader_role
from tests.server.test_entities_api import PROBLEM

BREAKOUT = "$$) AS (a agtype); CREATE TABLE public.pwned (x int); --"

# (query, params, mode, expected status). Every one must fail cleanly.
ATTACKS: list[tuple[str, dict, str, int]] = [
    # dollar-quote breakouts
    (f"MATCH (n) RETURN n {BREAKOUT}", {}, "read", 422),
    (f"CREATE (n) {BREAKOUT}", {}, "write", 422),
    (
        "RETURN 1 $$, NULL) AS (a agtype) UNION ALL SELECT name::text FROM kgmem.api_key --",
        {},
        "read",
        422,
    ),
    ("RETURN 1 $cy_0123456789abcdef$) AS (a agtype); SELECT 1; --", {}, "read", 422),
    ("RETURN 1 $cy$ ) AS (a agtype); SELECT 1; --", {}, "read", 422),
    ("RETURN $", {}, "read", 422),
    ("RETURN `x` $$", {}, "read", 422),
    ("RETURN `$$) AS (a agtype); CREATE TABLE public.pwned (x int); --` AS a", {}, "read", 422),
    # stacked statements and comments
    ("RETURN 1 AS a; CREATE TABLE public.pwned (x int)", {}, "read", 422),
    ("RETURN 1 AS a;;", {}, "read", 422),
    ("RETURN 1 AS a /* $$ */ ; SELECT 1", {}, "read", 422),
    ("// $$) AS (a agtype);\nRETURN 1 AS a; DROP SCHEMA kgmem CASCADE", {}, "read", 422),
    ("RETURN 1 AS a /* unterminated $$", {}, "read", 422),
    ("RETURN 1 AS a -- DROP TABLE kgmem.namespace", {}, "read", 422),
    # Unicode look-alikes and control characters
    ("RETURN 1 AS a \uff04\uff04) AS (a agtype); SELECT 1", {}, "read", 422),
    ("RETURN 1 AS a \uff1b SELECT 1", {}, "read", 422),
    ("RETURN 1 AS a\u2028; SELECT 1", {}, "read", 422),
    ("\u041cATCH (n) RETURN n", {}, "read", 422),
    ("MATCH (n) RETURN n\u037e SELECT 1", {}, "read", 422),
    ("RETURN 1 AS a\x00; SELECT 1", {}, "read", 422),
    # SQL by another door: schema-qualified functions and procedures
    ("RETURN pg_catalog.set_config('role', 'postgres', true) AS a", {}, "read", 422),
    ("RETURN pg_catalog.pg_read_file('/etc/passwd') AS a", {}, "read", 422),
    ("RETURN kgmem.create_namespace_tables('x', 3) AS a", {}, "write", 422),
    ("RETURN `pg_catalog`.`current_setting`('data_directory') AS a", {}, "read", 422),
    ("CALL apoc.cypher.run('MATCH (n) DETACH DELETE n', {})", {}, "read", 422),
    ("CALL db.labels() YIELD label CALL dbms.killQuery('x') RETURN label", {}, "read", 422),
    ("MATCH (n) RETURN n UNION ALL RETURN pg_catalog.current_user() AS n", {}, "read", 422),
    ("RETURN set_config('role', 'postgres', true) AS a", {}, "read", 422),
    # another namespace's graph and kgmem's own tables
    ("RETURN cypher('{other}', 'MATCH (n) RETURN n') AS a", {}, "read", 422),
    ("RETURN ag_catalog.cypher('{other}', 'MATCH (n) RETURN n') AS a", {}, "read", 422),
    ("RETURN query_to_xml('SELECT * FROM kgmem.api_key', true, false, '') AS a", {}, "read", 422),
    # writes in read mode, also hidden in a UNION or a subquery
    ("CREATE (n:Pwned) RETURN n", {}, "read", 403),
    ("MATCH (n) SET n.pwned = true RETURN n", {}, "read", 403),
    ("MATCH (n) DETACH DELETE n", {}, "read", 403),
    ("MERGE (n:Pwned {a: 1}) RETURN n", {}, "read", 403),
    ("MATCH (n) REMOVE n.name RETURN n", {}, "read", 403),
    # several labels: the composite label is made only for a write, and is kgmem's name
    ("CREATE (n:Pwned:Twice) RETURN n", {}, "read", 403),
    ("MERGE (:Pwned:Twice {a: 1})", {}, "read", 403),
    ("MATCH (n) SET n:Pwned RETURN n", {}, "read", 403),
    # setting and removing labels: writes, kgmem's function only where its rewrite puts it
    ("MATCH (n) REMOVE n:Person", {}, "read", 403),
    ("MERGE (a:Person) ON MATCH SET a:Pwned", {}, "read", 403),
    ("MATCH (n) RETURN kgmem_cypher.relabel(n, ['Pwned'], []) AS a", {}, "write", 422),
    ("MATCH (n:Person) SET n:`__kgmem_L_Pwned`", {}, "write", 422),
    (
        "MATCH (n:Person) SET n:`');DROP TABLE kgmem.api_key;--`:Pwned CREATE (n)-[:R]->()",
        {},
        "write",
        422,
    ),
    (f"MATCH (n:Person) SET n:`{'A' * 40}`:`{'B' * 40}`", {}, "write", 422),
    ("CREATE (:`__kgmem_L_Pwned_sTwice`)", {}, "write", 422),
    ("MATCH (n) RETURN kgmem_cypher.has_labels(label(n), ['A']) AS a", {}, "read", 422),
    ("MATCH (n:A:B) WHERE pg_catalog.current_user() = 'x' RETURN n", {}, "read", 422),
    ("RETURN 1 AS x UNION ALL MATCH (n) SET n.pwned = 1 RETURN 2 AS x", {}, "read", 403),
    ("MATCH (n) WHERE EXISTS { MATCH (m) SET m.pwned = 1 } RETURN n", {}, "read", 403),
    # list predicates, comprehensions and what kgmem moves into WITH clauses of its own
    ("RETURN [x IN [1] | pg_catalog.current_user()] AS a", {}, "read", 422),
    (
        "UNWIND [1, 2] AS y WITH [x IN [y] | graph_stats('g')] AS a, count(*) AS c RETURN a",
        {},
        "read",
        422,
    ),
    (
        "UNWIND [1] AS y RETURN y ORDER BY size([x IN [y] WHERE kgmem_cypher.unnull(x)])",
        {},
        "read",
        422,
    ),
    ("UNWIND [1] AS y RETURN y, [x IN collect(y) | vertex_stats('g', x)] AS a", {}, "read", 422),
    (
        "RETURN any(x IN [1] WHERE x = pg_catalog.set_config('role', 'postgres', true)) AS a",
        {},
        "read",
        422,
    ),
    ("RETURN reduce(s = 0, x IN [1] | s + delete_global_graphs('g')) AS a", {}, "read", 422),
    ("WITH 1 AS __kgmem_l1 RETURN __kgmem_l1 AS a", {}, "read", 422),
    ("UNWIND [1] AS `__kgmem_u1` RETURN 1 AS a", {}, "read", 422),
    ("MATCH (n) WITH collect(n) AS ns UNWIND [x IN ns WHERE true] AS m DELETE m", {}, "read", 403),
    ("MATCH (n) WITH collect(n) AS ns UNWIND [x IN ns | x] AS m SET m.pwned = 1", {}, "read", 403),
    ("WITH [1] AS l UNWIND [x IN l | x] AS v MERGE (:Pwned {v: v})", {}, "read", 403),
    # a leading OPTIONAL MATCH, several relationship types, pattern comprehensions
    ("OPTIONAL MATCH (n) SET n.pwned = 1 RETURN n", {}, "read", 403),
    ("OPTIONAL MATCH (n) RETURN pg_catalog.current_user() AS a", {}, "read", 422),
    ("MATCH (a)-[:X|Y]->(b) DETACH DELETE b", {}, "read", 403),
    ("MATCH (a)-[r:X|Y]->(b) WHERE pg_catalog.current_user() = 'x' RETURN b", {}, "read", 422),
    ("MATCH (n) RETURN [(n)-->(m) | pg_catalog.current_user()] AS a", {}, "read", 422),
    ("MATCH (n) RETURN [(n)-->(m) WHERE graph_stats('g') | m] AS a", {}, "read", 422),
    ("MATCH (n) WITH [(n)-->(m) | m] AS ms UNWIND ms AS m DETACH DELETE m", {}, "read", 403),
    # membership made three-valued: the list and the element stay fenced
    ("RETURN [1] IN [[pg_catalog.current_user()]] AS a", {}, "read", 422),
    ("RETURN pg_catalog.current_user() IN [[null]] AS a", {}, "read", 422),
    ("MATCH (n) WITH collect(n) AS ns WHERE NOT [1] IN [ns] DETACH DELETE ns[0]", {}, "read", 403),
    ("WITH 1 AS __kgmem_in RETURN [1] IN [[__kgmem_in]] AS a", {}, "read", 422),
    ("RETURN 1 IN '$$) AS (a agtype); SELECT 1; --' AS a", {}, "read", 422),
    # a call in a map's value is checked against the allow-list like any other
    ("RETURN {a: graph_stats('g')} AS a", {}, "read", 422),
    ("MATCH (n) RETURN n {.*, a: vertex_stats('g', 1)} AS a", {}, "read", 422),
    ("RETURN point.pg_sleep(1) AS a", {}, "read", 422),
    ("RETURN $__kgmem_clock_statement_datetime AS a", {}, "read", 422),
    # components of stored temporal values: kgmem's SQL functions only where it writes them
    ("MATCH (n) RETURN kgmem_cypher.part(n.born, 'year') AS a", {}, "read", 422),
    ("MATCH (n) RETURN n.born.year + pg_catalog.current_user() AS a", {}, "read", 422),
    ("MATCH (n) WHERE n.born.epochMillis > 0 SET n.pwned = 1 RETURN n", {}, "read", 403),
    ("MATCH (n) SET n.born.year = 1", {}, "write", 422),
    ("WITH '2020-01-01' AS b RETURN b.year + pg_catalog.current_user() AS a", {}, "read", 422),
    ("MATCH (n) WITH n.born AS b WHERE b.year > 0 SET n.pwned = 1", {}, "read", 403),
    ("WITH $d AS `b` RETURN `b`.year AS a", {"d": "'); SELECT 1; --"}, "read", 422),
    # a final DETACH DELETE of a path: still a write, still fenced
    ("MATCH p = (a)-->(b) DETACH DELETE p", {}, "read", 403),
    ("MATCH p = (a)-->(b) WITH p LIMIT 1 MATCH q = (c)-->(d) DETACH DELETE p, q", {}, "read", 403),
    ("MATCH p = (a)-->(b) WHERE pg_catalog.current_user() = 'x' DETACH DELETE p", {}, "write", 422),
    ("MATCH `__kgmem_d1r` = (a)-->(b) DETACH DELETE `__kgmem_d1r`", {}, "write", 422),
    # fences after writes, split CREATEs, batches, renamed and held nodes: still fenced
    ("UNWIND [1] AS x CREATE (n:Pwned) WITH n WHERE n.x > 0 RETURN n", {}, "read", 403),
    (
        "MATCH (n) DELETE n WITH 1 AS a WHERE pg_catalog.current_user() = 'x' RETURN a",
        {},
        "write",
        422,
    ),
    ("CREATE (a {id: 0}), (b {id: pg_catalog.current_user()})", {}, "write", 422),
    ("CREATE (a {id: 0}), (b:Pwned {n: a.id})", {}, "read", 403),
    (" ".join(f"CREATE (n{i}:Pwned)" for i in range(60)), {}, "read", 403),
    (
        " ".join(f"CREATE (n{i})" for i in range(60)) + " RETURN graph_stats('g') AS a",
        {},
        "write",
        422,
    ),
    ("MATCH (n) WITH n AS a MERGE (a)-[:Pwned]->(b) RETURN a", {}, "read", 403),
    ("MATCH (n) WITH coalesce(n, n) AS x MATCH (x)-->(y) SET y.pwned = 1", {}, "read", 403),
    ("MATCH (n) WITH n AS x MATCH (x) WHERE vertex_stats('g', x) RETURN x", {}, "read", 422),
    ("WITH [1] AS x MATCH (x) RETURN x", {}, "read", 422),
    ("MATCH (n) WITH n AS `__kgmem_b1` MATCH (`__kgmem_b1`) RETURN 1 AS a", {}, "read", 422),
    ("MATCH (n) RETURN n AS count ORDER BY count.name, pg_catalog.current_user()", {}, "read", 422),
    ("RETURN tail(pg_catalog.current_schemas(true)) AS a", {}, "read", 422),
    ("RETURN 0o17 AS a, 0o99 AS b", {}, "read", 422),
    ("MATCH (n) RETURN kgmem_cypher.arith('+', n.a, n.b) AS a", {}, "read", 422),
    ("RETURN kgmem_cypher.to_string(pg_catalog.current_user()) AS a", {}, "read", 422),
    ("RETURN toString(pg_catalog.current_user()) AS a", {}, "read", 422),
    # errors raised while planning: nothing runs
    (
        "RETURN 1 AS a UNION RETURN 2 AS a UNION ALL CREATE (p:Pwned) RETURN 3 AS a",
        {},
        "write",
        422,
    ),
    ("CREATE (:Pwned)-[:R*2]->(:Pwned)", {}, "write", 422),
    ("CREATE (p:Pwned) RETURN length(p), 1.34E999 AS f", {}, "write", 422),
    ("MATCH (n) RETURN n.a + pg_catalog.current_user() AS a", {}, "read", 422),
    ("MATCH (n) WHERE n.a - n.b > 0 SET n.pwned = 1", {}, "read", 403),
    # parameters crafted as code
    ("RETURN 1 AS a", {"a) AS (x agtype); CREATE TABLE public.pwned (x int); --": 1}, "read", 422),
    ("RETURN $p AS p", {"q": BREAKOUT}, "read", 422),
    ("RETURN $`p` AS p", {"p": BREAKOUT}, "read", 422),
    ("RETURN 1 AS a", {"$$": BREAKOUT}, "read", 422),
]


@pytest.fixture
async def two_namespaces(memory: Memory) -> AsyncIterator[tuple[str, str]]:
    names = (f"t_{uuid.uuid4().hex[:12]}", f"t_{uuid.uuid4().hex[:12]}")
    for name in names:
        await memory.create_namespace(name)
        await memory.upsert_entity(name, EntityWrite("alice", "Person", {"name": name}))
    yield names
    for name in names:
        await memory.delete_namespace(name)


def test_the_corpus_is_large_enough() -> None:
    assert len(ATTACKS) >= 30


async def snapshot(conn: asyncpg.Connection, other: str) -> tuple:
    tables = await conn.fetchval(
        "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')"
    )
    namespaces = await conn.fetchval("SELECT count(*) FROM kgmem.namespace")
    keys = await conn.fetchval("SELECT count(*) FROM kgmem.api_key")
    other_rows = await conn.fetch(f'SELECT properties::text FROM "{other}"."Person"')
    return tables, namespaces, keys, sorted(r[0] for r in other_rows)


async def test_every_attack_gets_a_clear_4xx_and_nothing_escapes(
    client: httpx.AsyncClient, two_namespaces: tuple[str, str], raw_conn: asyncpg.Connection
) -> None:
    mine, other = two_namespaces
    before = await snapshot(raw_conn, other)
    own_before = await raw_conn.fetch(f'SELECT properties::text FROM "{mine}"."Person"')
    for query, params, mode, status in ATTACKS:
        body = {"query": query.replace("{other}", other), "params": params, "mode": mode}
        response = await client.post(f"/v1/namespaces/{mine}/cypher", json=body)
        assert response.status_code == status, (query, response.text)
        assert response.headers["content-type"].startswith(PROBLEM)
        problem = response.json()
        assert problem["code"].startswith("cypher_"), (query, problem)
        assert problem["error_class"] in {"syntax", "semantic", "type", "permission"}
        assert problem["detail"]
    assert await snapshot(raw_conn, other) == before
    assert await raw_conn.fetch(f'SELECT properties::text FROM "{mine}"."Person"') == own_before
    assert await raw_conn.fetchval("SELECT to_regclass('public.pwned')") is None


async def test_parameter_values_are_data_never_code(
    client: httpx.AsyncClient, namespace: str, raw_conn: asyncpg.Connection
) -> None:
    crafted = [BREAKOUT, "'}) RETURN 1 //", "$p", "\u2028;", {"$$": BREAKOUT}, [BREAKOUT]]
    for value in crafted:
        response = await client.post(
            f"/v1/namespaces/{namespace}/cypher",
            json={"query": "RETURN $p AS p", "params": {"p": value}},
        )
        assert response.status_code == 200, response.text
        assert response.json()["rows"] == [[value]]
    string_with_quote = "RETURN '$$) AS (a agtype); CREATE TABLE public.pwned (x int); --' AS s"
    response = await client.post(
        f"/v1/namespaces/{namespace}/cypher", json={"query": string_with_quote}
    )
    assert response.status_code == 200, response.text
    assert response.json()["rows"] == [["$$) AS (a agtype); CREATE TABLE public.pwned (x int); --"]]
    assert await raw_conn.fetchval("SELECT to_regclass('public.pwned')") is None


@pytest.mark.parametrize("bad", ["beta';--", "ag_catalog", "kgmem", "pg_toast", "Alpha"])
async def test_namespace_in_the_path_is_validated(client: httpx.AsyncClient, bad: str) -> None:
    response = await client.post(f"/v1/namespaces/{bad}/cypher", json={"query": "RETURN 1 AS a"})
    assert response.status_code in (404, 422), response.text
    assert response.headers["content-type"].startswith(PROBLEM)


async def test_the_reader_role_cannot_reach_other_graphs_or_kgmem_tables(
    memory: Memory, two_namespaces: tuple[str, str], raw_conn: asyncpg.Connection
) -> None:
    """The database fence alone, with the guard bypassed: the role a read runs as."""
    mine, other = two_namespaces
    result = await memory.cypher(mine, "MATCH (n:Person) RETURN n.name AS name")
    assert result.rows == [[mine]]
    role = reader_role(mine)
    probes = [
        f"SELECT * FROM ag_catalog.cypher('{other}', $q$MATCH (n) RETURN n$q$) AS (n agtype)",
        f'SELECT * FROM "{other}"."Person"',
        "SELECT * FROM kgmem.api_key",
        "SELECT * FROM kgmem.namespace",
        f'SELECT * FROM "{mine}"."_kg_vertex"',
        f"SELECT * FROM ag_catalog.cypher('{mine}', $q$CREATE (n:X) RETURN n$q$) AS (n agtype)",
    ]
    for sql in probes:
        async with raw_conn.transaction(readonly=True):
            await raw_conn.execute(f'SET LOCAL ROLE "{role}"')
            with pytest.raises(asyncpg.PostgresError) as caught:
                await raw_conn.fetch(sql)
            assert caught.value.sqlstate in ("42501", "25006", "3F000"), (sql, caught.value)
    async with raw_conn.transaction():
        await raw_conn.execute(f'SET LOCAL ROLE "{role}"')
        with pytest.raises(asyncpg.PostgresError) as caught:
            await raw_conn.fetch(
                f"SELECT * FROM ag_catalog.cypher('{mine}', $q$CREATE (n:X) RETURN n$q$) "
                "AS (n agtype)"
            )
        assert caught.value.sqlstate == "42501", caught.value
    async with raw_conn.transaction():  # moving a node: not the reader's to call
        await raw_conn.execute(f'SET LOCAL ROLE "{role}"')
        with pytest.raises(asyncpg.PostgresError) as caught:
            await raw_conn.fetch("SELECT kgmem_cypher.relabel(NULL, NULL, NULL)")
        assert caught.value.sqlstate == "42501", caught.value


async def test_an_analyst_login_role_reads_only_its_namespace(
    memory: Memory, two_namespaces: tuple[str, str], raw_conn: asyncpg.Connection, pg_url: str
) -> None:
    """What docs/cypher.md tells analysts to do for psql or AGE Viewer."""
    mine, other = two_namespaces
    reader = await memory.cypher_reader_role(mine)
    login = f"analyst_{uuid.uuid4().hex[:8]}"
    await raw_conn.execute(f'CREATE ROLE {login} LOGIN IN ROLE "{reader}"')
    await raw_conn.execute(f"ALTER ROLE {login} SET session_preload_libraries = 'age'")
    await raw_conn.execute(f'ALTER ROLE {login} SET search_path = ag_catalog, "$user", public')
    await raw_conn.execute(f"ALTER ROLE {login} SET default_transaction_read_only = on")
    database = await raw_conn.fetchval("SELECT current_database()")
    try:
        analyst = await asyncpg.connect(pg_url, user=login, database=database)
        try:
            rows = await analyst.fetch(
                f"SELECT * FROM cypher('{mine}', $$MATCH (n:Person) RETURN n.name$$) AS (n agtype)"
            )
            assert [r[0] for r in rows] == [f'"{mine}"']
            for sql in (
                f"SELECT * FROM cypher('{other}', $$MATCH (n) RETURN n$$) AS (n agtype)",
                f"SELECT * FROM cypher('{mine}', $$CREATE (n:Person) RETURN n$$) AS (n agtype)",
                "SELECT count(*) FROM kgmem.api_key",
            ):
                with pytest.raises(asyncpg.PostgresError) as caught:
                    await analyst.fetch(sql)
                assert caught.value.sqlstate in ("42501", "25006"), (sql, caught.value)
        finally:
            await analyst.close()
    finally:
        await raw_conn.execute(f"DROP ROLE {login}")


async def test_deleting_a_namespace_drops_its_reader_role(
    memory: Memory, raw_conn: asyncpg.Connection
) -> None:
    name = f"t_{uuid.uuid4().hex[:12]}"
    await memory.create_namespace(name)
    role = await memory.cypher_reader_role(name)
    exists = "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)"
    assert await raw_conn.fetchval(exists, role)
    await memory.delete_namespace(name)
    assert not await raw_conn.fetchval(exists, role)
    # A namespace of the same name later gets a working role again.
    await memory.create_namespace(name)
    try:
        assert await memory.cypher_reader_role(name) == role
        assert await raw_conn.fetchval(exists, role)
    finally:
        await memory.delete_namespace(name)
