"""The model's records as JSON, one way for every door.

pydantic serialises the frozen dataclasses themselves, so a field added to a record
appears on the wire with no second declaration. The wire names and derived fields are
declared on the records (``Entity.id`` is ``graph_id``; a fact carries its ``status``).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import TypeAdapter


@cache
def adapter(kind: Any) -> TypeAdapter[Any]:
    """The (cached) pydantic adapter of a record type, e.g. ``Entity`` or ``Page[Fact]``."""
    return TypeAdapter(kind)


def json_bytes(record: object, kind: Any = None) -> bytes:
    """``record`` as JSON with its wire names; ``kind`` for a generic (``Page[Entity]``)."""
    return adapter(_kind(record, kind)).dump_json(record, by_alias=True)


def jsonable(record: object, kind: Any = None) -> Any:
    """``record`` as JSON values (dicts, lists, strings, numbers) with its wire names; a
    list or tuple of records item by item."""
    if kind is None and isinstance(record, (list, tuple)):
        return [jsonable(item) for item in record]
    return adapter(_kind(record, kind)).dump_python(record, mode="json", by_alias=True)


def _kind(record: object, kind: Any) -> Any:
    return type(record) if kind is None else kind
