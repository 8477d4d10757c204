"""The procedures graph tools call, answered by kgmem on every Cypher door (REST, MCP,
Bolt): ``db.labels()``, ``db.relationshipTypes()``, ``db.propertyKeys()``,
``db.schema.visualization()``, ``dbms.components()``, ``db.info()``, ``db.ping()``,
``dbms.showCurrentUser()``.

A query that is one call (``CALL db.labels() [YIELD label AS l]``) is answered here;
a call followed by further clauses (``... YIELD label RETURN collect(label)``, parts of
a ``UNION ALL``) is rewritten by ``kgmem.cypher.calls`` into an ``UNWIND`` of the
procedure's rows, and the query then runs like any other. Other procedures are
refused (``CypherRejected``). A call answered alone first checks that the namespace
exists (``NamespaceNotFound``, as any other read of a missing namespace), since some
procedures (``dbms.components()``, ``db.ping()``) read nothing of it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from kgmem import __version__
from kgmem.cypher import Mode, calls, explained
from kgmem.errors import CypherError, CypherRejected, CypherSemanticError, ProcedureNotFound
from kgmem.model import CypherResult, Namespace, NamespaceStats

KERNEL_VERSION = "5.20.0"

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
    known: bool = False,
) -> Prepared:
    """Answer the procedure calls in ``query`` (see the module docstring). ``known``:
    the caller has already found the namespace (an open transaction on it)."""
    given = dict(params or {})
    inner = explained(query)
    if inner is not None:  # EXPLAIN shows the plan of the rewritten query
        head = query[: len(query) - len(inner)]
        done = await _rewritten(source, namespace, inner, given, calls.find(inner))
        # positions in an EXPLAIN's errors count from just after the word EXPLAIN
        return Prepared(None, head + done.text, given, done.original)
    found = calls.find(query)
    if not found:
        return Prepared(None, query, given)
    if calls.only_call(query, found):
        if not known:
            await source.get_namespace(namespace)
        return Prepared(await answer_call(source, namespace, found[0]), query, given)
    done = await _rewritten(source, namespace, query, given, found)
    return Prepared(None, done.text, given, done.original)


async def _rewritten(
    source: Source,
    namespace: str,
    query: str,
    given: dict[str, Any],
    found: list[calls.Call],
) -> calls.Rewritten:
    """``query`` with its calls rewritten; their rows are added to ``given``."""
    if not found:
        return calls.Rewritten(query, ())
    clash = [name for name in given if name.startswith(calls.PARAM_PREFIX)]
    if clash:
        raise CypherRejected(f"parameter names starting {calls.PARAM_PREFIX!r} are kgmem's own")
    tables = [await run(source, namespace, call) for call in found]
    rewritten = calls.rewrite(query, found, [columns for columns, _ in tables])
    for param, (columns, rows) in zip(rewritten.params, tables, strict=True):
        given[param] = [dict(zip(columns, row, strict=True)) for row in rows]
    return rewritten


async def run(source: Source, namespace: str, call: calls.Call) -> Table:
    """The columns and rows of the procedure ``call`` names (case-insensitive)."""
    procedure = _PROCEDURES.get(call.name.lower())
    if procedure is None:
        raise ProcedureNotFound(f"procedure {call.name} is not available in kgmem")
    if call.arguments:
        raise CypherSemanticError(f"procedure {call.name} takes no arguments")
    return await procedure(source, namespace)


async def answer_call(source: Source, namespace: str, call: calls.Call) -> CypherResult:
    """A one-call query's answer: the YIELD columns (renamed by AS), in their order."""
    columns, rows = await run(source, namespace, call)
    items = calls.checked(call, columns)
    picks = [columns.index(column) for column, _ in items]
    return CypherResult(
        columns=[alias for _, alias in items],
        rows=[[row[i] for i in picks] for row in rows],
        truncated=False,
        timings={},
    )


async def _labels(source: Source, namespace: str) -> Table:
    stats = await source.namespace_stats(namespace)
    return ["label"], [[label] for label in _in_use(stats.vertices)]


async def _types(source: Source, namespace: str) -> Table:
    stats = await source.namespace_stats(namespace)
    return ["relationshipType"], [[kind] for kind in _in_use(stats.edges)]


def _in_use(counts: Mapping[str, int]) -> list[str]:
    """Labels with at least one element, sorted (the schema declares more)."""
    return sorted(label for label, n in counts.items() if n > 0)


async def _keys(source: Source, namespace: str) -> Table:
    result = await source.cypher(
        namespace,
        "MATCH (n) UNWIND keys(n) AS k RETURN DISTINCT k "
        "UNION MATCH ()-[r]->() UNWIND keys(r) AS k RETURN DISTINCT k",
    )
    return ["propertyKey"], sorted([row[0]] for row in result.rows)


async def _schema(source: Source, namespace: str) -> Table:
    """One virtual node per label, one virtual relationship per (label, type, label)."""
    stats = await source.namespace_stats(namespace)
    ids = {label: -(i + 1) for i, label in enumerate(_in_use(stats.vertices))}
    nodes = [_virtual_node(i, label) for label, i in ids.items()]
    result = await source.cypher(
        namespace, "MATCH (a)-[r]->(b) RETURN DISTINCT label(a), type(r), label(b)"
    )
    rels = [
        {"kind": "relationship", "id": -(n + 1), "label": kind, "start": ids[a], "end": ids[b],
         "properties": {"name": kind}}
        for n, (a, kind, b) in enumerate(result.rows) if a in ids and b in ids
    ]  # fmt: skip
    return ["nodes", "relationships"], [[nodes, rels]]


def _virtual_node(node_id: int, label: str) -> dict[str, Any]:
    properties = {"name": label, "indexes": [], "constraints": []}
    return {"kind": "node", "id": node_id, "label": label, "properties": properties}


async def _components(source: Source, namespace: str) -> Table:
    rows = [["Neo4j Kernel", [KERNEL_VERSION], "community"], ["kgmem", [__version__], "kgmem"]]
    return ["name", "versions", "edition"], rows


async def _info(source: Source, namespace: str) -> Table:
    return ["id", "name", "creationDate"], [[namespace, namespace, None]]


async def _ping(source: Source, namespace: str) -> Table:
    return ["success"], [[True]]


async def _user(source: Source, namespace: str) -> Table:
    return ["username", "roles", "flags"], [["kgmem", [], []]]


_BY_NAME: dict[str, Callable[[Source, str], Awaitable[Table]]] = {
    "db.labels": _labels,
    "db.relationshipTypes": _types,
    "db.propertyKeys": _keys,
    "db.schema.visualization": _schema,
    "dbms.components": _components,
    "db.info": _info,
    "db.ping": _ping,
    "dbms.showCurrentUser": _user,
}
NAMES = tuple(_BY_NAME)
"""The procedures kgmem answers, as Neo4j spells them (calls match case-insensitively)."""
_PROCEDURES = {name.lower(): procedure for name, procedure in _BY_NAME.items()}
