"""Procedure calls answered on every Cypher door (REST, MCP, Bolt), from the store's
registry (``kgmem.procedures``): the built-ins graph tools call, the procedures of
installed packages, those code registers.

A query that is one call (``CALL db.labels() [YIELD label AS l]``) is answered here;
a call with further clauses, before or after it (``... YIELD label RETURN
collect(label)``, ``MATCH (n) CALL p() YIELD x RETURN n, x``, parts of a ``UNION``),
is rewritten by ``kgmem.cypher.calls`` into an ``UNWIND`` of the procedure's rows, and
the query then runs like any other. A procedure runs once per call with arguments
evaluated once (``kgmem.procedures.arguments``), or once per distinct argument list
when its arguments read the query's variables (``kgmem.memory.procedure_rows``),
within the Cypher statement timeout
and row cap; a write procedure is refused in read mode; a body's own reads are
read-only Cypher through the same path, nested at most ``MAX_DEPTH`` deep. A call
answered alone first checks that the namespace exists (``NamespaceNotFound``, as any
other read of a missing namespace), since some procedures read nothing of it.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

from kgmem.cypher import Mode, apoc_writes, calls, explained
from kgmem.cypher_errors import CypherAccessMode
from kgmem.errors import (
    CypherError,
    CypherPermissionDenied,
    CypherRejected,
    CypherTimeout,
    KgmemError,
    LimitExceeded,
    ProcedureFailed,
    ProcedureNotFound,
)
from kgmem.graph import deadline
from kgmem.memory import procedure_rows, subquery_rows
from kgmem.model import CypherResult, Namespace, NamespaceStats
from kgmem.neo4j_schema import vector, vector_procedures, vector_writes
from kgmem.procedures import Procedure, Registry, arguments, builtin
from kgmem.procedures.signature import Field
from kgmem.procedures.types import Mismatch, coerce
from kgmem.settings.config import CypherSettings

NAMES = builtin.NAMES
"""The built-in procedures, as Neo4j spells them (calls match case-insensitively)."""
_log = logging.getLogger("kgmem.procedures")

MAX_DEPTH = 3
"""How deep procedures may call procedures through their reads."""
_DEPTH: contextvars.ContextVar[int] = contextvars.ContextVar("kgmem_procedure_depth", default=0)

Table = tuple[list[str], list[list[Any]]]


class Source(Protocol):
    """What the procedures read: the namespace's record and counts, read-only Cypher."""

    async def get_namespace(self, name: str, /) -> Namespace: ...

    async def namespace_stats(self, namespace: str, /) -> NamespaceStats: ...

    async def cypher(
        self,
        namespace: str,
        query: str,
        params: Mapping[str, Any] | None = None,
        *,
        mode: Mode = "read",
        limit: int | None = None,
    ) -> CypherResult: ...

    async def read_sql(self, namespace: str, query: str, args: Sequence[Any], /) -> list[Any]: ...


@dataclass(frozen=True, slots=True)
class Scope:
    """Where and how a query's calls run: the registry, the caller's mode, limits."""

    registry: Registry
    mode: Mode
    max_rows: int
    timeout_s: float

    @classmethod
    def of(cls, registry: Registry, settings: CypherSettings, mode: Mode) -> Scope:
        return cls(registry, mode, settings.max_rows, settings.statement_timeout_ms / 1000)


@dataclass(frozen=True, slots=True)
class Prepared:
    """A query whose calls were answered: either the whole answer, or the query to run
    with the procedures' rows added to its parameters."""

    answer: CypherResult | None
    query: str
    params: Mapping[str, Any]
    original: Callable[[int], int] = int  # a position in ``query`` in the text as written

    def placed(self, error: CypherError) -> CypherError:
        """``error`` (raised by the rewritten query) with its position in the query as
        the caller wrote it."""
        if error.position is not None:
            error.position = self.original(error.position)
            error.extra = {**error.extra, "position": error.position}
        return error


async def prepare(
    source: Source,
    namespace: str,
    query: str,
    params: Mapping[str, Any] | None,
    *,
    scope: Scope,
    known: bool = False,
) -> Prepared:
    """Answer the procedure calls in ``query`` (see the module docstring). ``known``:
    the caller has already found the namespace (an open transaction on it)."""
    given = dict(params or {})
    inner = explained(query)
    if inner is not None:  # EXPLAIN shows the plan of the rewritten query
        head = query[: len(query) - len(inner)]
        inner = apoc_writes.rewrite(await _set_vectors(source, namespace, inner, given), scope.mode)
        done = await _rewritten(source, namespace, inner, given, scope)
        # positions in an EXPLAIN's errors count from just after the word EXPLAIN
        return Prepared(None, head + done.text, given, done.original)
    query, scope = await _subquery(source, namespace, query, given, scope)
    query = apoc_writes.rewrite(await _set_vectors(source, namespace, query, given), scope.mode)
    found = calls.find(query)
    if not found:
        return Prepared(None, query, given)
    if calls.only_call(query, found):
        if not known:
            await source.get_namespace(namespace)
        table = await run(source, namespace, found[0], given, scope=scope)
        if not _elements(_procedure(found[0], scope), table[1]):
            return Prepared(_answer(found[0], table), query, given)
        # graph ids: the call becomes a query that matches them (``calls.rewrite``)
        done = await _rewritten(source, namespace, query, given, scope, table)
        return Prepared(None, done.text, given, done.original)
    done = await _rewritten(source, namespace, query, given, scope)
    return Prepared(None, done.text, given, done.original)


async def _subquery(
    source: Source, namespace: str, query: str, given: dict[str, Any], scope: Scope
) -> tuple[str, Scope]:
    """``query`` with a leading returning subquery answered first and standing in as a
    procedure of a registry of its own (``kgmem.memory.subquery_rows``), and that scope."""
    found = subquery_rows.leading(query)
    if found is None:
        return query, scope

    async def answer(inner: str) -> CypherResult:
        return await source.cypher(namespace, inner, given, mode=scope.mode, limit=scope.max_rows)

    query, stand = await subquery_rows.stand_in(*found, answer)
    registry = scope.registry.copy()
    registry.register(stand, replace=True)
    return query, replace(scope, registry=registry)


async def _set_vectors(source: Source, namespace: str, query: str, given: dict[str, Any]) -> str:
    """``query`` with its ``db.create.set*VectorProperty`` calls made ``SET`` clauses
    (``kgmem.neo4j_schema.vector_writes``)."""
    if not vector_writes.setters(query):
        return query
    reader = _Reader(source, namespace, given)

    async def dimensions(entity: str, key: str) -> int:
        found = {
            vector.vectors(index).dimensions
            for index in await vector_procedures.declared_indexes(reader)
            if index.type == "VECTOR" and index.entity == entity and index.properties == (key,)
        }
        return found.pop() if len(found) == 1 else 0

    return await vector_writes.rewrite(query, given, dimensions)


async def _rewritten(
    source: Source,
    namespace: str,
    query: str,
    given: dict[str, Any],
    scope: Scope,
    first: Table | None = None,
) -> calls.Rewritten:
    """``query`` with its calls rewritten; their rows are added to ``given``. ``first``:
    the table of the first call, already run."""
    found = calls.find(query)
    if not found:
        return calls.Rewritten(query, ())
    clash = [name for name in given if name.startswith(calls.PARAM_PREFIX)]
    if clash:
        raise CypherRejected(f"parameter names starting {calls.PARAM_PREFIX!r} are kgmem's own")
    asked = dict(given)
    keyed = frozenset(i for i, call in enumerate(found) if arguments.per_row(call))
    tables: list[tuple[list[str], list[Any]]] = []
    elements: list[calls.Elements] = []
    for number, call in enumerate(found):
        procedure = _procedure(call, scope)
        if number in keyed:
            columns, entries = await _per_row(source, namespace, query, call, asked, scope)
            elements.append(_elements(procedure, [r for e in entries for r in e["r"]], named=True))
            tables.append((columns, entries))
            continue
        done = first if number == 0 and first is not None else None
        columns, rows = done or await run(source, namespace, call, asked, scope=scope)
        elements.append(_elements(procedure, rows))
        mapped = [dict(zip(columns, row, strict=True)) for row in rows]
        if elements[-1]:  # the rows keep the procedure's order through the MATCH
            mapped = [{**row, calls.ORDINAL: at} for at, row in enumerate(mapped)]
        tables.append((columns, mapped))
    rewritten = calls.rewrite(query, found, [c for c, _ in tables], keyed, elements)
    for param, (_, values) in zip(rewritten.params, tables, strict=True):
        given[param] = values
    return rewritten


_ELEMENT_TYPES = ("NODE", "RELATIONSHIP")


def _elements(procedure: Procedure, rows: Sequence[Any], *, named: bool = False) -> calls.Elements:
    """The outputs of ``procedure`` declared NODE or RELATIONSHIP that ``rows`` (lists,
    or mappings by column when ``named``) fill with graph ids rather than values."""
    found: dict[str, str] = {}
    for at, output in enumerate(procedure.outputs):
        if output.type.name not in _ELEMENT_TYPES:
            continue
        values = (row[output.name] if named else row[at] for row in rows)
        if any(_graph_id(value) for value in values):
            found[output.name] = output.type.name
    return found


def _graph_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


async def _per_row(
    source: Source,
    namespace: str,
    query: str,
    call: calls.Call,
    params: Mapping[str, Any],
    scope: Scope,
) -> tuple[list[str], list[Any]]:
    """The entries of a call whose arguments read each row (``procedure_rows``)."""
    procedure = _procedure(call, scope)
    reader = _Reader(source, namespace, params)

    async def reads(text: str, limit: int) -> CypherResult:
        return await source.cypher(namespace, text, params, mode="read", limit=limit)

    async def invoke(bound: Mapping[str, Any]) -> list[list[Any]]:
        return await _invoke(procedure, reader, bound, scope)

    runner = procedure_rows.Runner(reads, invoke, scope.max_rows, scope.timeout_s)
    found = await procedure_rows.entries(query, call, procedure, runner)
    return procedure.columns, found


async def run(
    source: Source, namespace: str, call: calls.Call, params: Mapping[str, Any], *, scope: Scope
) -> Table:
    """The columns and rows of the procedure ``call`` names (case-insensitive)."""
    procedure = _procedure(call, scope)
    reader = _Reader(source, namespace, params)
    bound = await arguments.bind(call, procedure, params, reader.row)
    rows = await _invoke(procedure, reader, bound, scope)
    return procedure.columns, rows


def _procedure(call: calls.Call, scope: Scope) -> Procedure:
    """The procedure ``call`` names, if the registry holds it and the mode allows it."""
    procedure = scope.registry.find(call.name)
    if procedure is None:
        raise ProcedureNotFound(
            f"procedure {call.name} is not available in kgmem", position=call.start
        )
    if procedure.mode == "write" and scope.mode == "read":
        raise CypherAccessMode(f"procedure {procedure.name} writes", position=call.start)
    return procedure


async def _invoke(
    procedure: Procedure, reader: _Reader, bound: Mapping[str, Any], scope: Scope
) -> list[list[Any]]:
    depth = _DEPTH.get()
    if depth >= MAX_DEPTH:
        raise CypherRejected(f"procedures may call procedures at most {MAX_DEPTH} deep")
    token = _DEPTH.set(depth + 1)
    try:
        async with asyncio.timeout(deadline.remaining(scope.timeout_s)) as limit:
            produced = await procedure.body(reader, bound)
            return _rows(procedure, produced, scope.max_rows)
    except TimeoutError:
        if limit.expired():
            raise CypherTimeout(
                f"procedure {procedure.name} ran past the query's time limit"
            ) from None
        raise _failed(procedure) from None
    except KgmemError:
        raise
    except Exception as exc:  # a bug of the procedure's: reported, never a 500
        raise _failed(procedure) from exc
    finally:
        _DEPTH.reset(token)


def _failed(procedure: Procedure) -> ProcedureFailed:
    """The error for a procedure whose body failed (the exception being handled),
    logged with its traceback for the procedure's author."""
    _log.exception("procedure %s failed", procedure.name)
    kind, value, _ = sys.exc_info()
    what = f"{kind.__name__}: {value}" if kind is not None else "an error"
    return ProcedureFailed(f"procedure {procedure.name} failed: {what}"[:500])


def _rows(procedure: Procedure, produced: Iterable[Any], most: int) -> list[list[Any]]:
    """The body's rows as lists in the order of the outputs, at most ``most`` of them."""
    rows: list[list[Any]] = []
    for row in produced:
        if len(rows) == most:
            raise LimitExceeded(f"procedure {procedure.name} yields more than {most} rows")
        rows.append(_row(procedure, row))
    return rows


def _row(procedure: Procedure, row: Any) -> list[Any]:
    """One row checked against the declared outputs (a mismatch is the procedure's
    fault, a ``TypeError``)."""
    columns = procedure.columns
    if isinstance(row, Mapping):
        row = [row.get(column) for column in columns]
    if not isinstance(row, Sequence) or isinstance(row, str) or len(row) != len(columns):
        raise TypeError(f"procedure {procedure.name} yielded {row!r}, not a row of {columns}")
    try:
        return [_output(o, value) for o, value in zip(procedure.outputs, row, strict=True)]
    except Mismatch as exc:
        raise TypeError(f"procedure {procedure.name} yielded {row!r}: {exc}") from None


def _output(output: Field, value: Any) -> Any:
    """``value`` checked against ``output``; a NODE or RELATIONSHIP may be a graph id."""
    if output.type.name in _ELEMENT_TYPES and _graph_id(value):
        return value
    return coerce(output.type, value)


class _Reader:
    """A procedure body's view: read-only Cypher on the call's namespace, its counts."""

    def __init__(self, source: Source, namespace: str, params: Mapping[str, Any]) -> None:
        self._source, self._namespace, self._params = source, namespace, params

    @property
    def namespace(self) -> str:
        return self._namespace

    async def cypher(self, query: str, params: Mapping[str, Any] | None = None) -> CypherResult:
        """Read-only Cypher: a body that tries to write is Forbidden whatever the call's
        mode (no mode lets it write), not an access-mode error."""
        try:
            return await self._source.cypher(self._namespace, query, params, mode="read")
        except CypherAccessMode as exc:
            raise CypherPermissionDenied(f"{exc.what}: a procedure's body may only read") from None

    async def stats(self) -> NamespaceStats:
        return await self._source.namespace_stats(self._namespace)

    async def sql(self, query: str, *args: Any) -> Sequence[Sequence[Any]]:
        return await self._source.read_sql(self._namespace, query, args)

    async def row(self, query: str) -> Sequence[Any]:
        """The one row of ``query`` with the call's parameters (argument evaluation: the
        caller's own expressions, refused as the caller's query would be)."""
        result = await self._source.cypher(self._namespace, query, self._params, mode="read")
        return result.rows[0]


async def answer_call(
    source: Source,
    namespace: str,
    call: calls.Call,
    params: Mapping[str, Any] | None = None,
    *,
    scope: Scope,
) -> CypherResult:
    """A one-call query's answer: the YIELD columns (renamed by AS), in their order."""
    return _answer(call, await run(source, namespace, call, params or {}, scope=scope))


def _answer(call: calls.Call, table: Table) -> CypherResult:
    """The answer of a one-call query whose procedure yielded ``table``."""
    columns, rows = table
    items = calls.checked(call, columns)
    picks = [columns.index(column) for column, _ in items]
    return CypherResult(
        columns=[alias for _, alias in items],
        rows=[[row[i] for i in picks] for row in rows],
        truncated=False,
        timings={},
    )
