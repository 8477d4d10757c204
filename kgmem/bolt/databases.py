"""Which database (kgmem namespace) a Bolt request lands in, and what ``SHOW DATABASES``
says about them.

- A database the client names (the ``db`` field of RUN, BEGIN and ROUTE, which the
  drivers' ``database=`` and Browser's ``:use`` send; a query starting ``USE name``)
  is that namespace.
- A client that names none lands in the caller's home database, as in Neo4j: the
  key's only namespace when the key is limited to exactly one; else the server's
  default database, ``KGMEM_BOLT_DEFAULT_DATABASE`` (``neo4j``, as Neo4j's), when the
  key may use it. A key limited to several namespaces, the default not among them,
  has no home: such a client must name one (``no_home``).
- The default database is created on its first use, named or not, by a caller that
  may create namespaces (an admin key, or a loopback client of a store without keys),
  so a fresh store answers ``RETURN 1`` at once. Anyone else is told how to create it.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from typing import Any

from kgmem.access import Principal
from kgmem.errors import NamespaceExists, NamespaceNotFound
from kgmem.memory import Memory

_SETTING = "KGMEM_BOLT_DEFAULT_DATABASE"
_USE = re.compile(r"\A\s*USE\s+(?:`([^`]+)`|([A-Za-z][\w.-]*))(?=\s)\s*", re.IGNORECASE)
_COLUMNS = ["name", "type", "aliases", "access", "address", "role", "writer",
            "requestedStatus", "currentStatus", "statusMessage", "default", "home",
            "constituents"]  # fmt: skip


@dataclass(frozen=True, slots=True)
class Databases:
    """The databases as one caller sees them: ``default`` is the server's default
    database, ``home`` the caller's (None: it has none)."""

    who: Principal
    default: str

    @property
    def home(self) -> str | None:
        """The caller's home database (module docstring), None when it has none."""
        only = self.who.namespaces
        if only is not None and len(only) == 1:
            return next(iter(only))
        return self.default if self.who.may_use(self.default) else None

    def target(self, named: str | None) -> str:
        """The database a request lands in: ``named``, else the home database."""
        if named:
            return named
        home = self.home
        if home is None:
            raise no_home(self.default)
        return home

    @property
    def may_create_default(self) -> bool:
        """Whether this caller creates the default database by using it."""
        return "admin" in self.who.scopes and self.who.may_use(self.default)

    async def ensure(self, memory: Memory, namespace: str) -> None:
        """Create ``namespace`` when it is the default database, missing, and this caller
        may create it; a caller that may not is told how (NamespaceNotFound)."""
        if namespace != self.default:
            return
        try:
            await memory.get_namespace(namespace)
            return
        except NamespaceNotFound:
            if not self.may_create_default:
                raise _missing_default(namespace) from None
        with contextlib.suppress(NamespaceExists):  # another session created it meanwhile
            await memory.create_namespace(namespace, "Bolt's default database")

    async def rows(self, memory: Memory, named: str | None = None) -> list[dict[str, Any]]:
        """``SHOW DATABASES`` (``SHOW DATABASE named``): the namespaces this caller may
        use, with the default database when using it would create it."""
        names = {n.name for n in await memory.list_namespaces() if self.who.may_use(n.name)}
        if self.may_create_default:
            names.add(self.default)
        return [self.row(name) for name in sorted(names) if named in (None, name)]

    def row(self, name: str) -> dict[str, Any]:
        """One database as ``SHOW DATABASES`` describes it."""
        values = [name, "standard", [], "read-write", "", "primary", True, "online",
                  "online", "", name == self.default, name == self.home, []]  # fmt: skip
        return dict(zip(_COLUMNS, values, strict=True))


def columns() -> list[str]:
    """The columns of ``SHOW DATABASES``, in Neo4j's order."""
    return list(_COLUMNS)


def split_use(query: str) -> tuple[str | None, str]:
    """The database a leading ``USE name`` clause names (None without one) and the rest
    of the query."""
    found = _USE.match(query)
    if found is None:
        return None, query
    return found.group(1) or found.group(2), query[found.end() :]


def no_home(default: str) -> NamespaceNotFound:
    """The error for a client naming no database when its key has no home."""
    return NamespaceNotFound(
        "no database named, and this API key has no home database: it may use several "
        f"namespaces, not the default database {default!r} ({_SETTING}). Name one: "
        "database= in the driver's session or execute_query, :use in Neo4j Browser, "
        "-d in cypher-shell, or USE <namespace> before the query",
        namespace=default,
    )


def _missing_default(name: str) -> NamespaceNotFound:
    return NamespaceNotFound(
        f"the default database {name!r} ({_SETTING}) does not exist yet: an admin key "
        f"creates it by using it, as does `kgmem namespaces create {name}`; or name "
        "another namespace (database= in the driver, :use in Neo4j Browser)",
        namespace=name,
    )
