"""kgmem's data types to and from the REST API's JSON.

The REST answers carry a few names of their own (``graph_id`` for the graph id, a
fact's ``status``); decoding maps them onto ``kgmem.model``'s fields and lets pydantic
check and convert the rest (times, tuples, literals).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from functools import cache
from typing import Any
from urllib.parse import quote

from pydantic import TypeAdapter
from pydantic_core import to_jsonable_python


def body(value: Any) -> Any:
    """A request body from a kgmem dataclass: its fields as JSON, unset (None) ones left
    out so the server applies its defaults. Mappings inside (properties) are kept whole."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: body(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if getattr(value, f.name) is not None
        }
    if isinstance(value, (list, tuple)):
        return [body(v) for v in value]
    return to_jsonable_python(value)


def segment(text: str) -> str:
    """A path segment, quoted (uids may hold '/', kept as the server's routes expect)."""
    return quote(text, safe="/:@")


@cache
def _adapter(kind: Any) -> TypeAdapter[Any]:
    return TypeAdapter(kind)


def decode(kind: Any, data: Any) -> Any:
    """``data`` (JSON) as ``kind``, with REST names mapped onto the model's."""
    return _adapter(kind).validate_python(_renamed(data))


def _renamed(data: Any) -> Any:
    if isinstance(data, list):
        return [_renamed(v) for v in data]
    if not isinstance(data, Mapping):
        return data
    out = {k: (v if k == "properties" else _renamed(v)) for k, v in data.items()}
    if "graph_id" in out:
        out["id"] = out.pop("graph_id")
        if "predicate" in out:  # a fact: its status is derived from expired_at
            out.pop("status", None)
    return out
