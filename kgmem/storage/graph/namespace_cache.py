"""Per-process cache of resolved namespaces for the search path.

A search used to start with a round trip to look its namespace up (``namespaces.resolve``).
The cache keeps what that lookup returned, per ``Database`` (so per store). It is safe
for the search path because a search uses only the namespace's *name* (its tables are
``"<name>"._kg_vertex`` and so on), never its graph oid:

- a namespace deleted in this process is forgotten at once (``forget``, called by the
  delete);
- a namespace deleted by another process (another server worker, the CLI) makes the
  search's next statement fail with "relation/schema does not exist"
  (``is_missing_namespace``): the search forgets the name, looks it up again (now
  ``NamespaceNotFound``) or, if it was created again meanwhile, runs again on the new
  tables;
- a name is cached only after the lookup found it, so a namespace created later is
  found by the next search (nothing negative is cached).
"""

from __future__ import annotations

import asyncpg

from kgmem.errors import KgmemError, StorageError
from kgmem.storage.graph import namespaces
from kgmem.storage.refs import NamespaceRef

# undefined_table, invalid_schema_name: what a statement on a dropped namespace raises.
_MISSING = frozenset({"42P01", "3F000"})
_MAX = 10_000


class NamespaceCache:
    """name -> ``NamespaceRef`` of namespaces found to exist."""

    def __init__(self) -> None:
        self._refs: dict[str, NamespaceRef] = {}

    async def resolve(self, conn: asyncpg.Connection, name: str) -> NamespaceRef:
        """The namespace ``name`` from the cache, else looked up (``NamespaceNotFound``
        if it does not exist)."""
        ref = self._refs.get(name)
        if ref is not None:
            return ref
        ref = await namespaces.resolve(conn, name)
        if len(self._refs) >= _MAX:
            self._refs.clear()
        self._refs[name] = ref
        return ref

    def get(self, name: str) -> NamespaceRef | None:
        """The cached namespace ``name``, or None (not looked up yet)."""
        return self._refs.get(name)

    def forget(self, name: str) -> None:
        """Drop ``name`` (deleted, or found missing by a statement)."""
        self._refs.pop(name, None)


def is_missing_namespace(exc: KgmemError) -> bool:
    """Whether ``exc`` is a statement failing because a namespace's tables are gone."""
    return isinstance(exc, StorageError) and exc.extra.get("sqlstate") in _MISSING
