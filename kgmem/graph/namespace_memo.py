"""Values derived from a namespace's data and kept per process, keyed by namespace (with
its graph oid, so a namespace dropped and created again starts afresh) and a name."""

from __future__ import annotations

from kgmem.storage import NamespaceRef


class NamespaceMemo:
    """What a caller derived for ``(namespace, name)``; the caller says what it holds
    (``kgmem.verification.value_kinds`` keeps each predicate's value kind here)."""

    def __init__(self) -> None:
        self._kept: dict[tuple[str, int, str], object] = {}

    def get(self, ns: NamespaceRef, name: str) -> object | None:
        return self._kept.get((ns.name, ns.graph_oid, name))

    def keep(self, ns: NamespaceRef, name: str, value: object) -> None:
        self._kept[(ns.name, ns.graph_oid, name)] = value

    def forget(self, ns: NamespaceRef, name: str) -> None:
        self._kept.pop((ns.name, ns.graph_oid, name), None)
