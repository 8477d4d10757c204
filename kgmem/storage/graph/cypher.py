"""Run analyst Cypher on one graph: the SQL around ``cypher()``, the reader roles, and
the translation of AGE's errors into classified Cypher errors.

The query text reaches PostgreSQL as a dollar-quoted constant whose tag the caller
has checked not to occur in it; its parameters are the third argument of
``cypher()``, bound as ``$1`` (AGE's parameter map), never part of the SQL text.

A read runs in a READ ONLY transaction as ``kgmem_read_<graph>``: a role with SELECT
on that graph's label tables and nothing else (no other graph, no ``kgmem`` schema,
no write grant), its search path reduced to ``ag_catalog``.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import asyncpg

from kgmem.cypher_errors import CypherArithmeticError
from kgmem.errors import (
    CypherError,
    CypherPermissionDenied,
    CypherSemanticError,
    CypherSyntaxError,
    CypherTimeout,
    CypherTypeError,
    KgmemError,
)
from kgmem.neo4j_schema.errors import ConstraintViolation
from kgmem.schema import label_names
from kgmem.settings.config import CypherSettings
from kgmem.storage.engine.driver_errors import (
    constraint_violation,
    demoted,
    label_race,
    past_a_limit,
    read_only_server,
    translate,
    unencodable,
)
from kgmem.storage.sql import ident, literal, reader_role

READER_BASE = "kgmem_cypher_reader"


@dataclass(frozen=True, slots=True)
class CypherCall:
    """One ``cypher()`` call: the graph, the checked text and its dollar-quote tag, how
    many columns it returns, its parameters as an agtype map (JSON) and a row cap."""

    graph: str
    text: str
    tag: str
    columns: int
    params_json: str | None
    max_rows: int | None
    lookups: bool = False  # plan joins as nested-loop index lookups (``CypherPlan.lookups``)
    # The (label, keys) of each MERGE pattern's map (``CypherPlan.merges``)
    merges: tuple[tuple[str, tuple[str, ...]], ...] = ()


@dataclass(frozen=True, slots=True)
class CypherRows:
    """Raw agtype text per row and cell, the database time in milliseconds, and the
    nodes whose labels the statement changed, as (old graph id, new graph id)
    (``kgmem.storage.graph.relabels``)."""

    rows: list[list[str | None]]
    database_ms: float
    moved: tuple[tuple[int, int], ...] = ()


def call_sql(call: CypherCall) -> tuple[str, int]:
    """The SQL for ``call`` and the offset of the query text inside it."""
    if call.tag in call.text or not (call.tag.startswith("$") and call.tag.endswith("$")):
        raise ValueError("the dollar-quote tag must not occur in the query text")
    try:  # checked here: the driver drops the connection when it cannot encode a query
        call.text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise unencodable(exc) from exc
    columns = ", ".join(f"c{i} ag_catalog.agtype" for i in range(max(call.columns, 1)))
    head = f"SELECT * FROM ag_catalog.cypher({literal(call.graph)}, {call.tag}"
    sql = f"{head}{call.text}{call.tag}, $1) AS ({columns})"
    if call.max_rows is not None:
        sql += f" LIMIT {int(call.max_rows)}"
    return sql, len(head)


# AGE checks that a DELETE left no relationship without its node when the statement's
# portal closes, which the driver's extended protocol leaves to the next statement on the
# connection: a statement that may delete is followed by an empty one, so the refusal is
# this statement's error (``connected_node``), not the next one's. The word inside a
# string literal or a quoted name does not count.
_DELETES = re.compile(r"\bdelete\b", re.IGNORECASE)
_QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|`[^`]*`", re.DOTALL)
_CLOSE_PORTAL = "SELECT"


def may_delete(text: str) -> bool:
    """Whether Cypher ``text`` holds the keyword DELETE outside its quoted strings and
    names."""
    return _DELETES.search(_QUOTED.sub(" ", text)) is not None


# AGE's parse of a variable-length relationship between two anonymous nodes
# (``()-[*0..1]->()``) leaves state in the prepared statement that its next run, in a
# later transaction, reads after it was freed: the driver's statement cache ran it
# again and PostgreSQL crashed (every backend restarted). A statement with a star inside
# brackets (a list such as ``[2 * 3]`` too, which costs only a round trip) is prepared
# afresh for each run rather than taken from the cache.
_OPENING = {"[": "]", "(": ")", "{": "}"}


def variable_length(text: str) -> bool:
    """Whether Cypher ``text`` may hold a variable-length relationship: a ``*`` whose
    innermost enclosing bracket is a ``[`` (``-[:T {k: [1]} *1..2]->`` too), outside its
    quoted strings and names."""
    if "*" not in text:
        return False  # most statements: no scan
    closers: list[str] = []
    for ch in _QUOTED.sub(" ", text):
        if ch in _OPENING:
            closers.append(_OPENING[ch])
        elif closers and ch == closers[-1]:
            closers.pop()
        elif ch == "*" and closers and closers[-1] == "]":
            return True
    return False


async def _fetch(conn: asyncpg.Connection, sql: str, call: CypherCall) -> list[asyncpg.Record]:
    """The records of ``sql`` with ``call``'s parameters; a statement that may hold a
    variable-length relationship is prepared for this run only (``variable_length``)."""
    records: list[asyncpg.Record]
    if not variable_length(call.text):
        records = await conn.fetch(sql, call.params_json)
    else:
        records = await (await conn.prepare(sql)).fetch(call.params_json)
    return records


async def run(conn: asyncpg.Connection, call: CypherCall) -> CypherRows:
    """Run ``call`` on ``conn`` (inside the caller's transaction, role and timeout set).

    Raises a ``CypherError`` subclass, ``CypherTimeout`` or ``CypherPermissionDenied``
    with the position in the query text when PostgreSQL reports one.
    """
    sql, offset = call_sql(call)
    started = time.perf_counter()
    try:
        async with _joins(conn, call):
            records = await _fetch(conn, sql, call)
            if may_delete(call.text):
                await conn.execute(_CLOSE_PORTAL)
    except asyncpg.PostgresError as exc:
        raise _refused(conn, exc, offset, len(call.text)) from exc
    elapsed = (time.perf_counter() - started) * 1000
    width = call.columns
    rows = [[record[i] for i in range(width)] for record in records]
    return CypherRows(rows=rows, database_ms=elapsed)


async def explain(conn: asyncpg.Connection, call: CypherCall) -> list[str]:
    """PostgreSQL's plan for ``call`` (EXPLAIN, not run)."""
    sql, offset = call_sql(call)
    try:
        async with _joins(conn, call):
            rows = await conn.fetch("EXPLAIN " + sql, call.params_json)
    except asyncpg.PostgresError as exc:
        raise _refused(conn, exc, offset + len("EXPLAIN "), len(call.text)) from exc
    return [str(r[0]) for r in rows]


_JOINS = ("enable_hashjoin", "enable_mergejoin")
# Joins off only when every label table of the graph has its id(n) index (``kgmem_id_``,
# ``kgmem.storage.graph.labels``): a table without one would be scanned once per row.
_LOOKUPS = r"""
SELECT current_setting($1), current_setting($2),
       CASE WHEN NOT EXISTS (
           SELECT 1 FROM ag_catalog.ag_label l JOIN ag_catalog.ag_graph g ON g.graphid = l.graph
           WHERE g.name = $3::name AND l.name NOT IN ('_ag_label_vertex', '_ag_label_edge')
             AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_index i
                             JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid
                             WHERE i.indrelid = l.relation AND c.relname LIKE 'kgmem\_id\_%'))
       THEN set_config($1, 'off', true) || set_config($2, 'off', true) END
"""


_CONTAINMENT = "age.enable_containment"
# Containment and joins off when each MERGE map's label has an index led by one of the
# map's keys (``kgmem.cypher.merge_keys``): AGE then looks each row's node up by it.
_MERGES = r"""
SELECT current_setting($1), current_setting($2), coalesce(current_setting($3, true), 'on'),
       CASE WHEN NOT EXISTS (
           SELECT 1 FROM unnest($5::text[], $6::text[]) AS e(label, keys)
           WHERE NOT EXISTS (
               SELECT 1 FROM ag_catalog.ag_label l
               JOIN ag_catalog.ag_graph g ON g.graphid = l.graph
               JOIN pg_catalog.pg_index i ON i.indrelid = l.relation
               WHERE g.name = $4::name AND l.name = e.label::name
                 AND EXISTS (SELECT 1 FROM unnest(string_to_array(e.keys, chr(31))) AS k(key)
                             WHERE strpos(pg_catalog.pg_get_indexdef(i.indexrelid, 1, true),
                                          '''"' || k.key || '"''') > 0)))
       THEN set_config($1, 'off', true) || set_config($2, 'off', true)
            || set_config($3, 'off', true) END
"""


@contextlib.asynccontextmanager
async def _joins(conn: asyncpg.Connection, call: CypherCall) -> AsyncIterator[None]:
    """For a call with ``lookups``: hash and merge joins off while it is planned (when
    every label table has its id index); for a call with ``merges`` that indexes
    answer: AGE's containment and hash and merge joins off (``kgmem.cypher.merge_keys``).
    Each back as it was after (the transaction may run more statements)."""
    if call.merges:
        labels = [label for label, _ in call.merges]
        keys = [chr(31).join(k) for _, k in call.merges]
        before = await conn.fetchrow(_MERGES, *_JOINS, _CONTAINMENT, call.graph, labels, keys)
    elif call.lookups:
        before = await conn.fetchrow(_LOOKUPS, *_JOINS, call.graph)
    else:
        yield
        return
    yield  # after a failure the transaction is rolled back, the settings with it
    await conn.execute(
        "SELECT set_config($1, $3, true), set_config($2, $4, true)", *_JOINS, before[0], before[1]
    )
    if call.merges:
        await conn.execute("SELECT set_config($1, $2, true)", _CONTAINMENT, before[2])


async def ensure_reader(conn: asyncpg.Connection, graph: str) -> str:
    """Create ``graph``'s reader role if missing and grant it SELECT on every label
    table of the graph and on its declared schema objects (``_kg_declared``), and, by
    default privileges, on labels created later."""
    role = reader_role(graph)
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext('kgmem.cypher_reader'))")
    exists = await conn.fetchval("SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)", role)
    if not exists:
        await conn.execute(f"CREATE ROLE {ident(role)} NOLOGIN IN ROLE {ident(READER_BASE)}")
    await conn.execute(f"GRANT {ident(role)} TO CURRENT_USER")
    tables = await conn.fetch(
        "SELECT l.relation::regclass::text AS t FROM ag_catalog.ag_label l "
        "JOIN ag_catalog.ag_graph g ON g.graphid = l.graph WHERE g.name = $1::name",
        graph,
    )
    await conn.execute(f"GRANT USAGE ON SCHEMA {ident(graph)} TO {ident(role)}")
    declared = await conn.fetchval("SELECT to_regclass($1)::text", f"{ident(graph)}._kg_declared")
    names = [t for (t,) in tables] + ([declared] if declared else [])
    if names:  # regclass text is already quoted
        await conn.execute(f"GRANT SELECT ON {', '.join(names)} TO {ident(role)}")
    await conn.execute(
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {ident(graph)} GRANT SELECT ON TABLES TO {ident(role)}"
    )
    return role


_READY = """
SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)
   AND EXISTS (SELECT 1 FROM ag_catalog.ag_graph WHERE name = $2::name)
   AND has_schema_privilege($1, $2, 'USAGE')
   AND NOT EXISTS (SELECT 1 FROM ag_catalog.ag_label l
                   JOIN ag_catalog.ag_graph g ON g.graphid = l.graph
                   WHERE g.name = $2::name
                     AND NOT has_table_privilege($1, l.relation, 'SELECT'))
   AND NOT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
                   WHERE s.nspname = $2::name AND c.relname = '_kg_declared'
                     AND NOT has_table_privilege($1, c.oid, 'SELECT'))
"""


async def reader_ready(conn: asyncpg.Connection, graph: str) -> bool:
    """Whether ``graph``'s reader role exists with USAGE on the graph and SELECT on
    every label table."""
    return bool(await conn.fetchval(_READY, reader_role(graph), graph))


# Parallel workers for an analyst's Cypher read: PostgreSQL's own default. kgmem's pool
# turns parallel query off (its short statements only pay the workers' start-up), but
# an analyst's query may scan a whole label, which two workers speed up.
ANALYST_PARALLEL_WORKERS = 2


async def enter_read(
    conn: asyncpg.Connection, graph: str, settings: CypherSettings, timeout_ms: int
) -> bool:
    """Inside a READ ONLY transaction: become ``graph``'s reader, with only
    ``kgmem_cypher`` and ``ag_catalog`` on the search path, ``timeout_ms`` as statement
    timeout, work_mem, and parallel query back on (``ANALYST_PARALLEL_WORKERS``), in one
    round trip. False (and nothing changed) when the role is not ready for the graph yet."""
    became = await conn.fetchval(
        "SELECT CASE WHEN ready THEN set_config('role', $1, true) "
        "|| set_config('search_path', $6, true) "
        "|| set_config('statement_timeout', $3, true) "
        "|| set_config('work_mem', $5, true) "
        "|| set_config('hash_mem_multiplier', '1', true) "
        "|| set_config('max_parallel_workers_per_gather', $4, true) END "
        f"FROM ({_READY.strip()}) AS r(ready)",
        reader_role(graph),
        graph,
        str(timeout_ms),
        str(ANALYST_PARALLEL_WORKERS),
        settings.work_mem,
        READ_SEARCH_PATH,
    )
    return became is not None


# kgmem's operators over Cypher values (migration 0044: ``/`` answers a float divided by
# zero as Neo4j does) come before AGE's: AGE writes an operator as the search path finds it.
READ_SEARCH_PATH = "kgmem_cypher, ag_catalog"
WRITE_SEARCH_PATH = 'kgmem_cypher, ag_catalog, "$user", public'


async def enter_write(conn: asyncpg.Connection, timeout_ms: int) -> None:
    """Inside a write transaction: the Cypher statement timeout and search path."""
    await conn.execute(
        "SELECT set_config('statement_timeout', $1, true), set_config('search_path', $2, true)",
        str(timeout_ms),
        WRITE_SEARCH_PATH,
    )


_TYPE_STATES = ("22", "42804", "2202E")
# AGE's internal errors (XX000) that are a value of the wrong type: Neo4j's TypeError.
_TYPE_MESSAGES = (
    "array index must resolve to an integer value",
    "array slices must resolve to an integer value",
)
_PERMISSION_STATES = ("42501", "25006")
# A value out of a temporal type's bounds (migration 0067): the semantic error the same
# value raises when kgmem computes it while planning (``kgmem.cypher.temporal``).
_BOUNDS_MESSAGES = ("Invalid value for duration",)


def _refused(
    conn: asyncpg.Connection, exc: asyncpg.PostgresError, offset: int, length: int
) -> KgmemError:
    """``classify``, except that a write refused because the whole server is read-only
    (a primary demoted during a failover) is the transient ``PrimaryUnavailable``, not
    the reader's missing permission."""
    if demoted(exc) and read_only_server(conn):
        return translate(exc)
    return classify(exc, offset, length)


def classify(exc: asyncpg.PostgresError, offset: int, length: int) -> KgmemError:
    """The classified Cypher error for ``exc`` (``offset``: where the query text starts
    in the SQL; ``length``: its length)."""
    state = str(getattr(exc, "sqlstate", "") or "")
    message = _STORED.sub(_written, str(exc).split("\n")[0])
    hint = getattr(exc, "hint", None)
    detail = f"{message} ({hint})" if hint else message
    position = _position(exc, offset, length)
    if isinstance(exc, asyncpg.exceptions.QueryCanceledError):
        return CypherTimeout(f"the query ran past the statement timeout: {message}")
    if label_race(exc):  # not the query's fault: a transient conflict
        return translate(exc)
    # A declared constraint refusing a row, or the request past a database limit.
    known: KgmemError | None = (
        constraint_violation(exc)
        or past_a_limit(exc)
        or _lost_entity(state, message)
        or connected_node(message)
        or _arithmetic(state, message, position)
        or _undefined_variable(message, position)
    )
    if known is not None:
        return known
    if state in _PERMISSION_STATES:
        return CypherPermissionDenied(detail, position=position, sqlstate=state)
    cls: type[CypherError]
    if state == "42601":
        cls = CypherSyntaxError
    elif message.startswith(_BOUNDS_MESSAGES):
        cls = CypherSemanticError
    elif state.startswith(_TYPE_STATES) or message.startswith(_TYPE_MESSAGES):
        cls = CypherTypeError
    elif state.startswith(("42", "XX000", "0A", "3F", "P0", "23", "21")):
        cls = CypherSemanticError
    else:
        return translate(exc)
    return cls(detail, position=position, sqlstate=state)


# A stored label name in AGE's message (``label __kgmem_L_works_u0020at is for edges``).
_STORED = re.compile(re.escape(label_names.PREFIX) + r"[A-Za-z0-9_]+")


def _written(match: re.Match[str]) -> str:
    """A stored label name as the labels it stands for (``works at``, ``A:B``)."""
    return ":".join(label_names.split(match.group()))


# Division by zero; the "floating-point exception" PostgreSQL reports for the SIGFPE of
# AGE's integer modulo by zero.
_ARITHMETIC_STATES = ("22012", "22P01")
# An integer result past 64 bits: kgmem's operators (migration 0063) in Java's words, and
# PostgreSQL's own for what AGE computes as bigint (``abs``, ``sum``).
_OVERFLOW_STATE = "22003"
_OVERFLOW_MESSAGES = ("long overflow", "bigint out of range")


def _arithmetic(state: str, message: str, position: int | None) -> CypherArithmeticError | None:
    """An integer divided by (or taken modulo) the integer zero, or an integer result that
    does not fit 64 bits: Neo4j's ArithmeticError, in Java's words (a float divided by
    zero is Infinity or NaN, never this)."""
    if state == _OVERFLOW_STATE and message in _OVERFLOW_MESSAGES:
        return CypherArithmeticError("long overflow", position=position, sqlstate=state)
    if state not in _ARITHMETIC_STATES:
        return None
    return CypherArithmeticError("/ by zero", position=position, sqlstate=state)


_NO_RTE = re.compile(r"could not find rte for (.+)$")


def _undefined_variable(message: str, position: int | None) -> CypherSyntaxError | None:
    """AGE meeting a variable nothing bound (``MATCH (n) RETURN m``): Neo4j's
    SyntaxError in its words, ``Variable `m` not defined``."""
    found = _NO_RTE.match(message)
    if found is None:
        return None
    return CypherSyntaxError(f"Variable `{found.group(1)}` not defined", position=position)


_CONNECTED = "Cannot delete a vertex that has edge(s)"


def connected_node(message: str) -> ConstraintViolation | None:
    """AGE refusing to DELETE a node that still has relationships: Neo4j's
    ``ConstraintValidationFailed`` (REST 409), nothing written."""
    if not message.startswith(_CONNECTED):
        return None
    return ConstraintViolation(
        "Cannot delete a node that still has relationships: delete its relationships "
        "first, or use DETACH DELETE",
    )


def _lost_entity(state: str, message: str) -> CypherSemanticError | None:
    """AGE 1.7 losing an element created earlier in the statement across a later MERGE
    (apache/age#1954): the statement is refused whole, nothing is written."""
    if state != "55000" or "was deleted" not in message or "assigned to variable" not in message:
        return None
    return CypherSemanticError(
        f"{message}: AGE loses an element created earlier in the statement when a MERGE "
        "follows; split the statement before the MERGE",
        sqlstate=state,
    )


def _position(exc: asyncpg.PostgresError, offset: int, length: int) -> int | None:
    raw = getattr(exc, "position", None)
    if not raw:
        return None
    where = int(raw) - 1 - offset
    return where if 0 <= where <= length else None
