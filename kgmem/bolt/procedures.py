"""The procedures and commands graph tools send when they connect, answered by kgmem:
``CALL db.labels()``, ``db.relationshipTypes()``, ``db.propertyKeys()``,
``db.schema.visualization()``, ``dbms.components()``, ``db.info()``, ``db.ping()``,
``dbms.showCurrentUser()``, ``SHOW DATABASES`` (and ``SHOW DATABASE x``,
``SHOW DEFAULT DATABASE``, ``SHOW HOME DATABASE``).

A ``CALL`` may end in ``YIELD a, b`` (those columns, in that order); anything more
(``WHERE``, ``RETURN``) is not supported and gets a clear error. Other procedures stay
refused by the Cypher guard.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from kgmem import __version__
from kgmem.errors import CypherRejected, CypherSemanticError, Forbidden
from kgmem.memory import Memory
from kgmem.model import CypherResult

_CALL = re.compile(
    r"^\s*CALL\s+([A-Za-z_][\w.]*)\s*(?:\(\s*\))?\s*(?:YIELD\s+(.+?))?\s*;?\s*$",
    re.IGNORECASE | re.DOTALL,
)
_SHOW = re.compile(
    r"^\s*SHOW\s+(DATABASES|DEFAULT\s+DATABASE|HOME\s+DATABASE|DATABASE\s+`?([\w-]+)`?)\s*;?\s*$",
    re.IGNORECASE,
)
KERNEL_VERSION = "5.20.0"
_DATABASE_COLUMNS = ["name", "type", "aliases", "access", "address", "role", "writer",
                     "requestedStatus", "currentStatus", "statusMessage", "default", "home",
                     "constituents"]  # fmt: skip

Table = tuple[list[str], list[list[Any]]]


async def answer(
    memory: Memory, namespace: str, query: str, *, may_use: Callable[[str], bool], default: str
) -> CypherResult | None:
    """The answer to ``query`` when it is one of this module's procedures, else None.
    ``may_use`` says which namespaces the caller may see (SHOW DATABASES lists those)."""
    call = _CALL.match(query)
    if call is not None:
        _check_namespace(namespace, may_use)
        name = call.group(1).lower()
        procedure = _PROCEDURES.get(name)
        if procedure is None:
            raise CypherRejected(f"procedure {call.group(1)} is not available in kgmem")
        columns, rows = await procedure(memory, namespace)
        return _result(*_yield(columns, rows, call.group(2)))
    show = _SHOW.match(query)
    if show is not None:
        return _result(*await _databases(memory, show, may_use, default))
    return None


def _yield(columns: list[str], rows: list[list[Any]], spec: str | None) -> Table:
    if not spec or spec.strip() == "*":
        return columns, rows
    wanted = [part.strip() for part in spec.split(",")]
    for name in wanted:
        if name not in columns:
            raise CypherSemanticError(f"the procedure yields no column {name!r}: {columns}")
    picks = [columns.index(name) for name in wanted]
    return wanted, [[row[i] for i in picks] for row in rows]


def _result(columns: list[str], rows: list[list[Any]]) -> CypherResult:
    return CypherResult(columns=columns, rows=rows, truncated=False, timings={})


async def _labels(memory: Memory, namespace: str) -> Table:
    stats = await memory.namespace_stats(namespace)
    return ["label"], [[label] for label in _in_use(stats.vertices)]


async def _types(memory: Memory, namespace: str) -> Table:
    stats = await memory.namespace_stats(namespace)
    return ["relationshipType"], [[kind] for kind in _in_use(stats.edges)]


def _in_use(counts: Mapping[str, int]) -> list[str]:
    """Labels with at least one element, sorted (the schema declares more)."""
    return sorted(label for label, n in counts.items() if n > 0)


async def _keys(memory: Memory, namespace: str) -> Table:
    result = await memory.cypher(
        namespace,
        "MATCH (n) UNWIND keys(n) AS k RETURN DISTINCT k "
        "UNION MATCH ()-[r]->() UNWIND keys(r) AS k RETURN DISTINCT k",
    )
    return ["propertyKey"], sorted([row[0]] for row in result.rows)


async def _schema(memory: Memory, namespace: str) -> Table:
    """One virtual node per label, one virtual relationship per (label, type, label)."""
    stats = await memory.namespace_stats(namespace)
    ids = {label: -(i + 1) for i, label in enumerate(_in_use(stats.vertices))}
    nodes = [_virtual_node(i, label) for label, i in ids.items()]
    result = await memory.cypher(
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


async def _components(memory: Memory, namespace: str) -> Table:
    rows = [["Neo4j Kernel", [KERNEL_VERSION], "community"], ["kgmem", [__version__], "kgmem"]]
    return ["name", "versions", "edition"], rows


async def _info(memory: Memory, namespace: str) -> Table:
    return ["id", "name", "creationDate"], [[namespace, namespace, None]]


async def _ping(memory: Memory, namespace: str) -> Table:
    return ["success"], [[True]]


async def _user(memory: Memory, namespace: str) -> Table:
    return ["username", "roles", "flags"], [["kgmem", [], []]]


_PROCEDURES: dict[str, Callable[[Memory, str], Awaitable[Table]]] = {
    "db.labels": _labels,
    "db.relationshiptypes": _types,
    "db.propertykeys": _keys,
    "db.schema.visualization": _schema,
    "dbms.components": _components,
    "db.info": _info,
    "db.ping": _ping,
    "dbms.showcurrentuser": _user,
}


def _check_namespace(namespace: str, may_use: Callable[[str], bool]) -> None:
    if not may_use(namespace):
        raise Forbidden(f"this API key may not use namespace {namespace!r}")


async def _databases(
    memory: Memory, show: re.Match[str], may_use: Callable[[str], bool], default: str
) -> Table:
    what = show.group(1).upper().split()[0]
    if what in ("DEFAULT", "HOME"):
        return ["name"], [[default]]
    names = [n.name for n in await memory.list_namespaces() if may_use(n.name)]
    if show.group(2):
        names = [n for n in names if n == show.group(2)]
    rows = [[name, "standard", [], "read-write", "", "primary", True, "online", "online", "",
             name == default, name == default, []] for name in names]  # fmt: skip
    return _DATABASE_COLUMNS, rows
