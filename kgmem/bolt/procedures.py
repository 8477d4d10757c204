"""What Bolt answers before a query reaches the Cypher path: ``SHOW DATABASES`` (and
``SHOW DATABASE x``, ``SHOW DEFAULT DATABASE``, ``SHOW HOME DATABASE``), a matter of
Neo4j's ``system`` database, and on ``system`` a query that is one procedure call
(``CALL dbms.components()``). Every other database is a namespace, where the Cypher
path answers kgmem's procedures itself (``kgmem.memory.procedures``), also followed
by further clauses.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from kgmem.cypher import calls
from kgmem.errors import Forbidden
from kgmem.memory import Memory, procedures
from kgmem.model import CypherResult

_SHOW = re.compile(
    r"^\s*SHOW\s+(DATABASES|DEFAULT\s+DATABASE|HOME\s+DATABASE|DATABASE\s+`?([\w-]+)`?)\s*;?\s*$",
    re.IGNORECASE,
)
_DATABASE_COLUMNS = ["name", "type", "aliases", "access", "address", "role", "writer",
                     "requestedStatus", "currentStatus", "statusMessage", "default", "home",
                     "constituents"]  # fmt: skip

Table = tuple[list[str], list[list[Any]]]


async def answer(
    memory: Memory,
    namespace: str,
    query: str,
    *,
    may_use: Callable[[str], bool],
    default: str,
    system: str,
) -> CypherResult | None:
    """The answer to ``query`` when it is one of the commands above, else None.
    ``may_use`` says which namespaces the caller may see (SHOW DATABASES lists those);
    ``system`` names the administration database."""
    show = _SHOW.match(query)
    if show is not None:
        return _result(*await _databases(memory, show, may_use, default))
    if namespace == system:
        _check_namespace(namespace, may_use)
        found = calls.find(query)
        if calls.only_call(query, found):
            return await procedures.answer_call(memory, namespace, found[0])
    return None


def _result(columns: list[str], rows: list[list[Any]]) -> CypherResult:
    return CypherResult(columns=columns, rows=rows, truncated=False, timings={})


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
