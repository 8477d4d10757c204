"""A search request as every door reads it: the validated form of ``SearchQuery``.

REST takes it as the body of POST /search, MCP's ``search`` tool takes its fields as
arguments (the same names), and ``to_query`` makes the core's ``SearchQuery``. Shape
is checked here; meaning (ranges, time order, unknown uids) by ``kgmem.retrieval`` so
the Python API gets the same rules and errors.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from kgmem.model import search as model
from kgmem.model.record_input import RecordIn
from kgmem.schema.properties import MAX_DEPTH as MAX_PROPERTY_DEPTH
from kgmem.text import jsontext

# Defaults are the records' own, so the doors and the Python API cannot differ on them.
_SEARCH = model.SearchQuery()
# The fields of SearchIn that to_query converts; the rest it passes on as they are.
_SEARCH_PARTS = {"time", "place", "causal", "expansion", "filters", "types", "weights"}


def _all_types() -> list[model.ResultType]:
    return ["entities", "facts", "episodes"]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


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
        return model.CausalQuery(**{k: getattr(self, k) for k in CausalIn.model_fields})


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


class SearchIn(_In):
    """Any combination of axes; at least one of text, embedding, time, place, causal
    or expansion seeds."""

    text: str | None = Field(default=None, description="Query text (embedded and keyword)")
    embedding: list[float] | None = Field(
        default=None, description="Your own query vector instead of embedding the text"
    )
    time: TimeIn | None = None
    place: PlaceIn | None = None
    causal: CausalIn | None = None
    expansion: ExpansionIn | None = None
    filters: FiltersIn = Field(default_factory=FiltersIn)
    types: list[model.ResultType] = Field(
        default_factory=_all_types,
        description="Which kinds of result",
    )
    k: int = Field(default=_SEARCH.k, description="How many results, 1..1000")
    weights: WeightsIn = Field(default_factory=WeightsIn)
    explain: bool = Field(default=_SEARCH.explain, description="Add the plan and time per stage")
    min_trust: float | None = Field(
        default=None,
        description="Drop fact hits whose consensus trust is below this (0..1) or unscored",
    )
    order_by: Literal["score", "trust"] = Field(
        default=_SEARCH.order_by, description="Rank by fused relevance score or by fact trust"
    )
    include_structural: bool = Field(
        default=_SEARCH.include_structural,
        description="Also return structural edges (an episode MENTIONS an entity, PART_OF "
        "its session, ...) as fact hits",
    )
    fusion: Literal["convex", "rrf", "minmax"] = Field(
        default=_SEARCH.fusion,
        description="convex: weighted mean of each axis's scores scaled by its best; "
        "minmax: weighted mean of each axis's scores scaled between its floor and its best; "
        "rrf: weighted reciprocal-rank fusion",
    )
    context: int = Field(
        default=_SEARCH.context,
        description="With each episode hit, up to this many turns before and "
        "after it in its session (0..10)",
    )
    time_from_text: bool = Field(
        default=_SEARCH.time_from_text,
        description="Without a time query, use the window a time expression in the text "
        "names ('in May 2023', 'last summer') as one",
    )

    def to_query(self) -> model.SearchQuery:
        return model.SearchQuery(
            **self.model_dump(exclude=_SEARCH_PARTS),
            time=self.time.to_query() if self.time else None,
            place=self.place.to_query() if self.place else None,
            causal=self.causal.to_query() if self.causal else None,
            expansion=self.expansion.to_query() if self.expansion else None,
            filters=self.filters.to_query(),
            types=tuple(dict.fromkeys(self.types)),
            weights=self.weights.to_query(),
        )
