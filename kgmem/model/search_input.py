"""A search request as every door reads it: the validated form of ``SearchQuery``.

REST takes it as the body of POST /search, MCP's ``search`` tool takes its fields as
arguments (the same names), and ``to_query`` makes the core's ``SearchQuery``. Shape
is checked here; meaning (ranges, time order, unknown uids) by ``kgmem.retrieval`` so
the Python API gets the same rules and errors.
"""

from __future__ import annotations

from pydantic import Field, field_validator

from kgmem.model import search as model
from kgmem.model.record_input import RecordIn
from kgmem.schema.properties import MAX_DEPTH as MAX_PROPERTY_DEPTH
from kgmem.text import jsontext


class TimeIn(RecordIn, record=model.TimeQuery):
    """The temporal axis. Without valid_at, known_at or a window only current facts
    qualify; with one, closed facts qualify when that time falls inside them."""

    def to_query(self) -> model.TimeQuery:
        query: model.TimeQuery = self.to_record()
        return query


class PlaceIn(RecordIn, record=model.PlaceQuery):
    """The spatial axis: near + radius_km, near (+ nearest k), or box."""

    def to_query(self) -> model.PlaceQuery:
        query: model.PlaceQuery = self.to_record()
        return query


class CausalIn(RecordIn, record=model.CausalQuery):
    """The causal axis: paths from an anchor entity or event."""

    def to_query(self) -> model.CausalQuery:
        query: model.CausalQuery = self.to_record()
        return query


class TraceIn(CausalIn):
    """A causal trace on its own (REST's GET .../causal/trace, MCP's ``trace``)."""

    limit: int = Field(default=100, ge=1, le=10_000, description="Most paths returned")


class ExpansionIn(RecordIn, record=model.ExpansionQuery):
    """Graph expansion: k-hop neighbourhood ranked by personalised PageRank."""

    def to_query(self) -> model.ExpansionQuery:
        query: model.ExpansionQuery = self.to_record()
        return query


class FiltersIn(RecordIn, record=model.SearchFilters):
    @field_validator("properties")
    @classmethod
    def _storable_depth(cls, value: dict[str, object]) -> dict[str, object]:
        # No stored property nests deeper, so a deeper value could never match; and it
        # would be too deep to encode as the cache key.
        if jsontext.depth(value) > MAX_PROPERTY_DEPTH + 1:
            raise ValueError(f"a property value nests deeper than {MAX_PROPERTY_DEPTH} levels")
        return value

    def to_query(self) -> model.SearchFilters:
        filters: model.SearchFilters = self.to_record()
        return filters


class WeightsIn(RecordIn, record=model.AxisWeights):
    """Fusion weight per axis (0 turns an axis off)."""

    def to_query(self) -> model.AxisWeights:
        weights: model.AxisWeights = self.to_record()
        return weights


class SearchIn(RecordIn, record=model.SearchQuery):
    """Any combination of axes; at least one of text, embedding, time, place, causal
    or expansion seeds."""

    def to_query(self) -> model.SearchQuery:
        # The same kind asked twice is one kind.
        types = tuple(dict.fromkeys(self.model_dump(include={"types"})["types"]))
        query: model.SearchQuery = self.to_record(types=types)
        return query
