"""kgmem's data types to and from the REST API's JSON.

The REST answers are the model's records as JSON (``kgmem.model.wire``), so pydantic
reads them back as those records, checking and converting times, tuples and literals.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable, Mapping
from typing import Any, TypeVar, cast

from pydantic_core import to_jsonable_python

from kgmem.model import EpisodeWrite, JsonValue, declared_fields
from kgmem.model.wire import adapter

T = TypeVar("T")


def body(value: Any) -> Any:
    """A request body from a kgmem dataclass: its fields as JSON, unset (None) ones left
    out so the server applies its defaults, its declared data fields as fields of their
    own. Mappings inside (properties) are kept whole."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
        fields.update(fields.pop(declared_fields.FIELD, None) or {})
        return {name: body(v) for name, v in fields.items() if v is not None}
    if isinstance(value, (list, tuple)):
        return [body(v) for v in value]
    return to_jsonable_python(value)


def present(params: Mapping[str, Any]) -> dict[str, Any]:
    """Query parameters without the unset (None) ones, so the server applies its defaults."""
    return {k: v for k, v in params.items() if v is not None}


def episode(episode: EpisodeWrite | Mapping[str, JsonValue]) -> Mapping[str, JsonValue]:
    """An episode as JSON: a mapping as given, a dataclass (``kgmem.ingest.EpisodeWrite``)
    by its fields; relative times stay text for the server to resolve."""
    if isinstance(episode, Mapping):
        return episode
    data: dict[str, Any] = body(episode)
    for mention in data.get("entities", []):
        mention.pop("via", None)  # how the server resolved it, not an input
    return data


def decode(kind: type[T], data: Any) -> T:
    """``data`` (JSON) as ``kind``: a record, ``list[Fact]``, ``Page[Fact]``..."""
    found: T = adapter(cast(Hashable, kind)).validate_python(data)
    return found
