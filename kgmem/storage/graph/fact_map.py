"""A fact edge's agtype property map: the caller's properties and the fact fields kgmem
mirrors into it (``kgmem.declarations.fact.MIRRORED_KEYS``), built here for every
writer (``kgmem.storage.graph.facts`` and the bulk import alike).

The map holds each mirrored field its writer has, a null when the fact leaves it unset:
a fact write has them all. A field the writer does not have is left out: an import
knows a new edge's uid, text and recording time, and restores its other times later
(``kgmem.storage.bulk.restore``), which keeps an imported map shorter
(PostgreSQL parses, stores and indexes it once per edge). Cypher reads a missing key as
null, as it reads a stored null, and kgmem reads the fact fields from ``_kg_fact``, so
both shapes answer alike. Times are stored in ``timestamp``'s sortable text form.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from kgmem.declarations.fact import DATA_FIELDS, MIRRORED_KEYS


def edge_map(user: Mapping[str, Any], row: object = None, **given: Any) -> dict[str, Any]:
    """The map of an edge with the caller's properties ``user`` and each mirrored field
    taken from ``given`` or else from ``row``: its attribute of that name, or for a data
    field its ``declared`` map (a row with one has every data field, null when unset);
    a field neither has is left out."""
    values = {k: given[k] if k in given else _value(row, k) for k in _had(row, given)}
    return mirror(dict(user), values)


_DATA = frozenset(f.name for f in DATA_FIELDS)


def _had(row: object, given: Mapping[str, Any]) -> list[str]:
    data = hasattr(row, "declared")
    return [k for k in MIRRORED_KEYS if k in given or hasattr(row, k) or (data and k in _DATA)]


def _value(row: object, key: str) -> Any:
    if key in _DATA:
        declared: Mapping[str, Any] = getattr(row, "declared", {})
        return declared.get(key)
    return getattr(row, key)


def mirror(props: dict[str, Any], values: Mapping[str, Any]) -> dict[str, Any]:
    """``props`` with each of ``values`` set in its stored form (None as null)."""
    for key, value in values.items():
        props[key] = timestamp(value) if isinstance(value, datetime) else value
    return props


def timestamp(value: datetime | None) -> str | None:
    """The agtype form of a time: UTC ISO 8601 with fixed width, so strings sort as times."""
    if value is None:
        return None
    text = _STAMPS.get(value)
    if text is None:
        if len(_STAMPS) >= _STAMPS_MAX:
            _STAMPS.clear()
        # Equal instants in other zones hash alike and share the UTC form.
        text = _STAMPS[value] = value.astimezone(UTC).isoformat(timespec="microseconds")[:-6] + "Z"
    return text


# Batches repeat the same few times (one recorded_at, clustered valid times); formatting
# one costs more than the lookup.
_STAMPS: dict[datetime, str] = {}
_STAMPS_MAX = 65_536
