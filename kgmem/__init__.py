"""kgmem: a graph-centric knowledge memory server on PostgreSQL with Apache AGE and pgvector.

The public Python API is what ``__all__`` lists; everything else may change.
"""

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
