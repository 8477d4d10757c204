"""kgmem: a graph-centric knowledge memory server on PostgreSQL with Apache AGE and pgvector.

The public Python API is what ``__all__`` lists; everything else may change. The names
are imported on first use (PEP 562), so that ``import kgmem.<module>`` (the CLI, the
client) does not pay for the store, the embedding stack and the graph model.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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
    from kgmem.settings.config import Settings

__version__ = "0.1.0"

# Where each public name lives; every other name of ``__all__`` is a data type of
# kgmem.model, so the list of model types is kept once (in ``__all__``).
_HOMES = {
    "Settings": "kgmem.settings.config",
    "KgmemError": "kgmem.errors",
    "Memory": "kgmem.memory",
}


def _home(name: str) -> str | None:
    if name in _HOMES:
        return _HOMES[name]
    return "kgmem.model" if name in __all__ and name != "__version__" else None


def __getattr__(name: str) -> Any:
    home = _home(name)
    if home is None:
        raise AttributeError(f"module 'kgmem' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


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
