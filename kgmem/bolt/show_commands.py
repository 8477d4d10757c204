"""What Bolt answers before a query reaches the Cypher path: Neo4j's ``SHOW`` commands
(``SHOW DATABASES``, ``SHOW DATABASE x``, ``SHOW DEFAULT DATABASE``, ``SHOW HOME
DATABASE``, each with an optional ``YIELD`` of its columns), on any database, and on
Neo4j's ``system`` database a query that is one procedure call (``CALL
dbms.components()``, ``SHOW PROCEDURES``). Every other database is a namespace, where
the Cypher path answers procedures itself (``kgmem.memory.procedures``), also with
further clauses, and ``SHOW PROCEDURES`` / ``SHOW FUNCTIONS`` are such calls
(``kgmem.procedures.system``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from kgmem.bolt.databases import Databases, columns
from kgmem.cypher import calls
from kgmem.errors import CypherSemanticError, Forbidden
from kgmem.memory import Memory, procedures
from kgmem.model import CypherResult
from kgmem.procedures import system as system_procedures

_SHOW = re.compile(
    r"\A\s*SHOW\s+(?P<what>DATABASES|DEFAULT\s+DATABASE|HOME\s+DATABASE"
    r"|DATABASE\s+`?(?P<name>[\w-]+)`?)"
    r"(?:\s+YIELD\s+(?P<yield>.+?))?\s*;?\s*\Z",
    re.IGNORECASE | re.DOTALL,
)
_ITEM = re.compile(r"\A\s*`?(\w+)`?(?:\s+AS\s+`?(\w+)`?)?\s*\Z", re.IGNORECASE)

_ASKED_OF_ANY = frozenset({"dbms.components", "dbms.showcurrentuser", "db.ping",
                           "dbms.clientconfig", "kgmem.showprocedures",
                           "kgmem.showfunctions"})  # fmt: skip

Table = tuple[list[str], list[dict[str, Any]]]


async def answer(
    memory: Memory,
    namespace: str | None,
    query: str,
    params: Mapping[str, Any] | None = None,
    *,
    databases: Databases,
    system: str,
) -> CypherResult | None:
    """The answer to ``query`` when it is one of the commands above, else None.
    ``namespace``: the database the query is sent to (None: the caller's home, which
    the SHOW commands do not need); ``system`` names the administration database."""
    show = _SHOW.match(query)
    if show is not None:
        columns_, rows = await _shown(memory, show, databases)
        return _projected(columns_, rows, show.group("yield"))
    if namespace == system:
        query = system_procedures.as_call(query) or query
        found = calls.find(query)
        if calls.only_call(query, found):
            _check_system(found[0], databases, system)
            scope = procedures.Scope.of(memory.procedures, memory.settings.cypher, "read")
            return await procedures.answer_call(memory, namespace, found[0], params, scope=scope)
    return None


def _check_system(call: calls.Call, databases: Databases, system: str) -> None:
    """Any key may ask ``system`` what reads no namespace; the rest only a key that may
    use a namespace of that name."""
    if call.name.lower() not in _ASKED_OF_ANY and not databases.who.may_use(system):
        raise Forbidden(f"this API key may not use namespace {system!r}")


async def _shown(memory: Memory, show: re.Match[str], databases: Databases) -> Table:
    what = show.group("what").upper().split()
    if what[0] == "DATABASES":
        return columns(), await databases.rows(memory)
    if what[0] == "DATABASE":
        return columns(), await databases.rows(memory, show.group("name"))
    name = databases.default if what[0] == "DEFAULT" else databases.home
    shown = [c for c in columns() if c not in ("default", "home")]
    return shown, [databases.row(name)] if name is not None else []


def _projected(shown: list[str], rows: list[dict[str, Any]], items: str | None) -> CypherResult:
    """The rows with the ``YIELD`` columns (all of them for ``*`` or no YIELD)."""
    picks = [(c, c) for c in shown] if items is None or items.strip() == "*" else []
    for item in items.split(",") if not picks and items else ():
        found = _ITEM.match(item)
        if found is None or found.group(1) not in shown:
            known = ", ".join(shown)
            raise CypherSemanticError(f"SHOW ... YIELD {item.strip()!r}: the columns are {known}")
        picks.append((found.group(1), found.group(2) or found.group(1)))
    return CypherResult(
        columns=[alias for _, alias in picks],
        rows=[[row[column] for column, _ in picks] for row in rows],
        truncated=False,
        timings={},
    )
