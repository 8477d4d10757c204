"""kgmem: a graph-centric knowledge memory server on PostgreSQL with Apache AGE and pgvector.

The public Python API is what ``__all__`` lists; everything else may change. The names
are imported on first use (PEP 562), so that ``import kgmem.<module>`` (the CLI, the
client) does not pay for the store, the embedding stack and the graph model.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kgmem.config import Settings
    from kgmem.errors import KgmemError
    from kgmem.memory import Memory
    from kgmem.model import (
        ApiKey,
        BatchResult,
        BatchWrite,
        Entity,
        EntityDetail,
        EntityWrite,
        Fact,
        FactQuery,
        FactWrite,
        GeoPoint,
        HealthReport,
        IssuedKey,
        Namespace,
        NamespaceStats,
        Page,
        WriteOutcome,
    )

__version__ = "0.1.0"

_HOMES = {
    "Settings": "kgmem.config",
    "KgmemError": "kgmem.errors",
    "Memory": "kgmem.memory",
    **{
        name: "kgmem.model"
        for name in (
            "ApiKey",
            "BatchResult",
            "BatchWrite",
            "Entity",
            "EntityDetail",
            "EntityWrite",
            "Fact",
            "FactQuery",
            "FactWrite",
            "GeoPoint",
            "HealthReport",
            "IssuedKey",
            "Namespace",
            "NamespaceStats",
            "Page",
            "WriteOutcome",
        )
    },
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'kgmem' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOMES})


__all__ = [
    "ApiKey",
    "BatchResult",
    "BatchWrite",
    "Entity",
    "EntityDetail",
    "EntityWrite",
    "Fact",
    "FactQuery",
    "FactWrite",
    "GeoPoint",
    "HealthReport",
    "IssuedKey",
    "KgmemError",
    "Memory",
    "Namespace",
    "NamespaceStats",
    "Page",
    "Settings",
    "WriteOutcome",
    "__version__",
]
