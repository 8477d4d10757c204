"""The rules a search query must meet, checked before any I/O; each failure is an
``InvalidInput`` (HTTP 422) naming the field."""

from __future__ import annotations

import math

from kgmem.errors import InvalidInput, InvalidNumber, InvalidTimestamp
from kgmem.graph.graph_context import GraphContext
from kgmem.graph.prepare import aware
from kgmem.model import AXES, CausalQuery, ExpansionQuery, PlaceQuery, SearchQuery, TimeQuery
from kgmem.retrieval.fusion import FUSIONS
from kgmem.schema import validate_label, validate_uid

MAX_K = 1000
MAX_DEPTH = 6
MAX_HOPS = 3
MAX_TEXT = 4000
MAX_CONTEXT = 10


def query(ctx: GraphContext, q: SearchQuery) -> None:
    """Raise if ``q`` is malformed or asks for nothing."""
    if not (q.text and q.text.strip()) and not any(
        (q.embedding, q.time, q.place, q.causal, q.expansion and q.expansion.seeds)
    ):
        raise InvalidInput(
            "a search needs at least one of text, time, place, causal or expansion seeds",
            field="text",
        )
    if q.text is not None and len(q.text) > MAX_TEXT:
        raise InvalidInput(f"text is {len(q.text)} characters; at most {MAX_TEXT}", field="text")
    if not 1 <= q.k <= MAX_K:
        raise InvalidInput(f"k must be between 1 and {MAX_K}; got {q.k}", field="k")
    if not q.types:
        raise InvalidInput("types must name at least one of entities, facts, episodes")
    _weights_and_filters(q)
    _fusion_and_context(q)
    if q.time:
        time(q.time)
    if q.place:
        place(q.place)
    if q.causal:
        causal(ctx, q.causal)
    if q.expansion:
        expansion(ctx, q.expansion)


def _fusion_and_context(q: SearchQuery) -> None:
    if q.fusion not in FUSIONS:
        raise InvalidInput(
            f"fusion must be one of {', '.join(FUSIONS)}; got {q.fusion!r}", field="fusion"
        )
    if not 0 <= q.context <= MAX_CONTEXT:
        raise InvalidInput(
            f"context must be between 0 and {MAX_CONTEXT}; got {q.context}", field="context"
        )


def _weights_and_filters(q: SearchQuery) -> None:
    for axis in AXES:
        _number(f"weights.{axis}", q.weights.of(axis), low=0.0, high=None)
    for name in (
        "nearby_keyword",
        "nearby_vector",
        "speaker",
        "statement",
        "first_person",
        "present",
        "answer_type",
        "named_time",
    ):
        _number(f"weights.{name}", getattr(q.weights, name), low=0.0, high=None)
    for label in q.filters.labels:
        validate_label(label, "filters.labels")
    for predicate in q.filters.predicates:
        validate_label(predicate, "filters.predicates")


def time(t: TimeQuery) -> None:
    """Aware datetimes, start before end, a positive half-life."""
    for name in ("valid_at", "known_at", "start", "end", "now"):
        aware(f"time.{name}", getattr(t, name))
    if t.start is not None and t.end is not None and t.start >= t.end:
        raise InvalidTimestamp(
            f"time.start {t.start.isoformat()} must be before time.end {t.end.isoformat()}",
            field="time.start",
        )
    if t.half_life_days is not None:
        _number("time.half_life_days", t.half_life_days, low=0.0, high=None, open_low=True)


def place(p: PlaceQuery) -> None:
    """Latitudes in [-90, 90], longitudes in [-180, 180], a radius >= 0, one shape."""
    if p.near is None and p.box is None:
        raise InvalidInput("place needs near (with radius_km or nearest) or box", field="place")
    if p.near is not None:
        _latlon("place.near", p.near.lat, p.near.lon)
    if p.radius_km is not None:
        if p.near is None:
            raise InvalidInput("place.radius_km needs place.near", field="place.radius_km")
        _number("place.radius_km", p.radius_km, low=0.0, high=None)
    if p.nearest is not None and not 1 <= p.nearest <= MAX_K:
        raise InvalidInput(f"place.nearest must be 1..{MAX_K}", field="place.nearest")
    if p.box is not None:
        south, west, north, east = p.box
        _latlon("place.box", south, west)
        _latlon("place.box", north, east)
        if south > north:
            raise InvalidInput(
                f"place.box south {south} is north of its north edge {north}", field="place.box"
            )


def causal(ctx: GraphContext, c: CausalQuery) -> None:
    """A valid anchor uid, depth 1..6, min_strength in [0, 1]."""
    validate_uid(c.anchor, ctx.limits.max_uid_length)
    if c.direction not in ("forward", "backward"):
        raise InvalidInput("causal.direction must be forward or backward", field="direction")
    if not 1 <= c.depth <= MAX_DEPTH:
        raise InvalidInput(f"causal.depth must be 1..{MAX_DEPTH}; got {c.depth}", field="depth")
    _number("causal.min_strength", c.min_strength, low=0.0, high=1.0)


def expansion(ctx: GraphContext, e: ExpansionQuery) -> None:
    """Valid seed uids, hops 1..3, per-hop limit 1..1000, damping in (0, 1)."""
    for seed in e.seeds:
        validate_uid(seed, ctx.limits.max_uid_length)
    if not 1 <= e.hops <= MAX_HOPS:
        raise InvalidInput(f"expansion.hops must be 1..{MAX_HOPS}", field="expansion.hops")
    if not 1 <= e.per_hop <= MAX_K:
        raise InvalidInput(f"expansion.per_hop must be 1..{MAX_K}", field="expansion.per_hop")
    if not 0.0 < e.damping < 1.0:
        raise InvalidInput("expansion.damping must be in (0, 1)", field="expansion.damping")


def _latlon(name: str, lat: float, lon: float) -> None:
    _number(f"{name} latitude", lat, low=-90.0, high=90.0)
    _number(f"{name} longitude", lon, low=-180.0, high=180.0)


def _number(
    name: str, value: float, *, low: float, high: float | None, open_low: bool = False
) -> None:
    if not math.isfinite(value):
        raise InvalidNumber(f"{name} must be a finite number")
    too_low = value <= low if open_low else value < low
    if too_low or (high is not None and value > high):
        bounds = f"{'(' if open_low else '['}{low}, {high if high is not None else 'inf'}]"
        raise InvalidInput(f"{name} {value} is outside {bounds}", field=name)
