"""What the graph operations need, handed down in one object."""

from __future__ import annotations

from dataclasses import dataclass

from kgmem.config import LimitSettings
from kgmem.embedding import Embedder
from kgmem.schema import GraphSchema, PropertyLimits
from kgmem.storage import Database


@dataclass(frozen=True, slots=True)
class GraphContext:
    """The database, the graph model, the embedder (None: callers supply vectors),
    the request limits and the store's vector dimension."""

    db: Database
    schema: GraphSchema
    embedder: Embedder | None
    limits: LimitSettings
    dimension: int

    @property
    def property_limits(self) -> PropertyLimits:
        """The caps that apply to one property map."""
        return PropertyLimits(
            max_properties=self.limits.max_properties,
            max_string_length=self.limits.max_string_length,
        )
