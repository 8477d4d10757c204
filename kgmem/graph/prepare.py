"""Validate caller input against the graph model and the limits, before any I/O.

Each function returns the checked, normalised form or raises an ``InvalidInput``
subclass naming the offending item (``items[3].properties.age: ...``), so a bad
batch is rejected whole and nothing is written.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from kgmem.embedding import entity_text
from kgmem.embedding.text import plain
from kgmem.errors import (
    InvalidInput,
    InvalidNumber,
    InvalidTimestamp,
    InvalidVector,
    KgmemError,
    LimitExceeded,
)
from kgmem.graph import uids
from kgmem.graph.fact_times import read_times
from kgmem.graph.graph_context import GraphContext
from kgmem.model import EntityWrite, FactWrite, GeoPoint
from kgmem.model.times import in_utc_range
from kgmem.schema import normalise_properties, validate_label, validate_uid
from kgmem.schema.entity_values import with_declared
from kgmem.schema.fact_values import data_values

# How far in the future a caller's recorded_at may be (clock skew between hosts).
CLOCK_SKEW = timedelta(minutes=1)


@dataclass(slots=True)  # not frozen: a frozen init costs ~4x (made per item)
class PreparedEntity:
    """An entity write that passed validation."""

    uid: str
    label: str
    properties: dict[str, Any]
    text: str | None
    vector: list[float] | None
    location: GeoPoint | None


@dataclass(slots=True)  # not frozen: a frozen init costs ~4x (made per item)
class PreparedFact:
    """A fact write that passed validation (a new uid given if it had none); endpoints
    not yet resolved."""

    uid: str
    subject: str
    predicate: str
    object: str
    properties: dict[str, Any]
    valid_from: datetime | None
    valid_to: datetime | None
    recorded_at: datetime | None
    confidence: float | None
    source: str | None
    episode: str | None
    text: str | None
    vector: list[float] | None
    generated_uid: bool = False
    """The uid was made here (the caller gave none): the fact may restate a stored one."""
    declared: dict[str, Any] = field(default_factory=dict)
    """The values of the declared data fields (``kgmem.declarations.fact``)."""


def _where(prefix: str, exc: KgmemError) -> KgmemError:
    """The same error with ``prefix`` (the item's position) in front of its detail."""
    if prefix:
        exc.detail = f"{prefix}: {exc.detail}"
        exc.args = (exc.detail,)
    return exc


def entity(ctx: GraphContext, item: EntityWrite, at: str = "") -> PreparedEntity:
    """Check one entity write."""
    try:
        uid = validate_uid(item.uid, ctx.limits.max_uid_length)
        label = validate_label(item.label)
        spec = ctx.schema.label(label, "vertex")
        if ctx.schema.kind_of(label) == "edge":
            raise InvalidInput(f"{label!r} is declared as an edge label, not a vertex label")
        given = with_declared(item.properties, item.declared)
        props = normalise_properties(spec, given, ctx.property_limits)
        text = _text(ctx, entity_text(props))
        return PreparedEntity(
            uid=uid,
            label=label,
            properties=props,
            text=text,
            vector=vector(ctx, item.embedding),
            location=location(item.location),
        )
    except KgmemError as exc:
        raise _where(at, exc) from None


def fact(ctx: GraphContext, item: FactWrite, at: str = "") -> PreparedFact:
    """Check one fact write."""
    try:
        max_uid = ctx.limits.max_uid_length
        predicate = validate_label(item.predicate, "predicate")
        if ctx.schema.kind_of(predicate) == "vertex":
            raise InvalidInput(f"{predicate!r} is declared as a vertex label, not a predicate")
        spec = ctx.schema.label(predicate, "edge")
        item, _ = read_times(item)
        assert not isinstance(item.valid_from, str)
        assert not isinstance(item.valid_to, str)
        valid_from, valid_to = interval(item.valid_from, item.valid_to)
        return PreparedFact(
            uid=validate_uid(item.uid, max_uid) if item.uid is not None else uids.generated(),
            subject=validate_uid(item.subject, max_uid),
            predicate=predicate,
            object=validate_uid(item.object, max_uid),
            properties=causal_properties(
                ctx, predicate, normalise_properties(spec, item.properties, ctx.property_limits)
            ),
            valid_from=valid_from,
            valid_to=valid_to,
            recorded_at=recorded(item.recorded_at),
            confidence=unit_interval("confidence", item.confidence),
            source=validate_uid(item.source, max_uid) if item.source is not None else None,
            episode=validate_uid(item.episode, max_uid) if item.episode is not None else None,
            text=_text(ctx, plain(item.text).strip() if item.text else None),
            vector=vector(ctx, item.embedding),
            generated_uid=item.uid is None,
            declared=data_values(item.declared),
        )
    except KgmemError as exc:
        raise _where(at, exc) from None


_DURATION = re.compile(
    r"^P(?!$)(\d+(?:\.\d+)?Y)?(\d+(?:\.\d+)?M)?(\d+(?:\.\d+)?W)?(\d+(?:\.\d+)?D)?"
    r"(T(?=\d)(\d+(?:\.\d+)?H)?(\d+(?:\.\d+)?M)?(\d+(?:\.\d+)?S)?)?$"
)


def causal_properties(ctx: GraphContext, predicate: str, props: dict[str, Any]) -> dict[str, Any]:
    """On a causal predicate, ``strength`` must be a number in [0, 1] and ``lag`` an
    ISO 8601 duration (``P3D``, ``PT6H``)."""
    if not ctx.schema.is_causal(predicate):
        return props
    strength = props.get("strength")
    if strength is not None:
        if isinstance(strength, bool) or not isinstance(strength, int | float):
            raise InvalidInput("strength must be a number in [0, 1]", field="strength")
        unit_interval("strength", strength)
    lag = props.get("lag")
    if lag is not None and not (isinstance(lag, str) and _DURATION.match(lag)):
        raise InvalidInput(
            f"lag {lag!r} is not an ISO 8601 duration such as P3D or PT6H", field="lag"
        )
    return props


def batch_size(ctx: GraphContext, count: int) -> None:
    """Refuse a batch larger than the configured maximum."""
    if count > ctx.limits.max_batch_items:
        raise LimitExceeded(
            f"the batch has {count} items; the limit is {ctx.limits.max_batch_items}",
            limit=ctx.limits.max_batch_items,
        )


def vector(ctx: GraphContext, values: Sequence[float] | None) -> list[float] | None:
    """A caller-supplied embedding, checked for dimension and finiteness."""
    if values is None:
        return None
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InvalidVector("embedding must be a list of numbers") from exc
    if array.ndim != 1 or array.shape[0] != ctx.dimension:
        got = array.shape[0] if array.ndim == 1 else array.size
        raise InvalidVector(
            f"embedding has {got} dimensions; this store uses {ctx.dimension}",
            expected=ctx.dimension,
            got=got,
        )
    if not np.isfinite(array).all():
        raise InvalidNumber("embedding contains NaN or infinity")
    if not array.any():
        raise InvalidVector("embedding is all zeros; cosine similarity is undefined for it")
    out: list[float] = array.tolist()
    return out


def location(point: GeoPoint | None) -> GeoPoint | None:
    """A WGS84 point with latitude in [-90, 90] and longitude in [-180, 180]."""
    if point is None:
        return None
    lat, lon = float(point.lat), float(point.lon)
    if not (math.isfinite(lat) and math.isfinite(lon)):
        raise InvalidNumber("location must have finite coordinates")
    if not -90.0 <= lat <= 90.0:
        raise InvalidInput(f"latitude {lat} is outside [-90, 90]", field="location.lat")
    if not -180.0 <= lon <= 180.0:
        raise InvalidInput(f"longitude {lon} is outside [-180, 180]", field="location.lon")
    return GeoPoint(lat=lat, lon=lon)


def aware(name: str, value: datetime | None) -> datetime | None:
    """``value`` if it carries a timezone."""
    if value is not None and (value.tzinfo is None or value.utcoffset() is None):
        raise InvalidTimestamp(f"{name} must include a timezone offset (e.g. 2024-05-01T12:00:00Z)")
    if value is not None:
        try:
            in_utc_range(value)
        except ValueError as exc:
            raise InvalidTimestamp(f"{name}: {exc}", field=name) from None
    return value


def interval(
    valid_from: datetime | None, valid_to: datetime | None
) -> tuple[datetime | None, datetime | None]:
    """A validity interval with ``valid_from <= valid_to``."""
    start, end = aware("valid_from", valid_from), aware("valid_to", valid_to)
    if start is not None and end is not None and start > end:
        raise InvalidTimestamp(
            f"valid_from {start.isoformat()} is after valid_to {end.isoformat()}"
        )
    return start, end


def recorded(value: datetime | None) -> datetime | None:
    """A caller-supplied transaction time; it may lie in the past, not the future."""
    value = aware("recorded_at", value)
    if value is not None and value > datetime.now(UTC) + CLOCK_SKEW:
        raise InvalidTimestamp("recorded_at cannot be in the future")
    return value


def unit_interval(name: str, value: float | None) -> float | None:
    """A number in [0, 1]."""
    if value is None:
        return None
    value = float(value)
    if not math.isfinite(value):
        raise InvalidNumber(f"{name} must be a finite number")
    if not 0.0 <= value <= 1.0:
        raise InvalidInput(f"{name} {value} is outside [0, 1]", field=name)
    return value


def _text(ctx: GraphContext, text: str | None) -> str | None:
    if text is not None and len(text) > ctx.limits.max_text_length:
        raise LimitExceeded(
            f"text is {len(text)} characters; the limit is {ctx.limits.max_text_length}"
        )
    return text
