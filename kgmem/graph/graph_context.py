"""What the graph operations need, handed down in one object."""

from __future__ import annotations

from dataclasses import dataclass, field

from kgmem.embedding import Embedder
from kgmem.embedding.query_cache import QueryCache
from kgmem.graph.namespace_memo import NamespaceMemo
from kgmem.schema import GraphSchema, PropertyLimits
from kgmem.settings.config import LimitSettings
from kgmem.storage import Database


@dataclass(frozen=True, slots=True)
class GraphContext:
    """The database, the graph model, the embedder (None: callers supply vectors),
    the request limits, the store's vector dimension and the cache of search-text
    vectors (``property_limits`` is derived from ``limits`` once, for the per-item
    checks)."""

    db: Database
    schema: GraphSchema
    embedder: Embedder | None
    limits: LimitSettings
    dimension: int
    query_cache: QueryCache = field(default_factory=lambda: QueryCache(0))
    value_kinds: NamespaceMemo = field(default_factory=NamespaceMemo)
    property_limits: PropertyLimits = field(init=False)

    def __post_init__(self) -> None:
        limits = PropertyLimits(
            max_properties=self.limits.max_properties,
            max_string_length=self.limits.max_string_length,
        )
        object.__setattr__(self, "property_limits", limits)
