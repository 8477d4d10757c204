"""kgmem's data types to and from the REST API's JSON.

The REST answers are the model's records as JSON (``kgmem.model.wire``), so pydantic
reads them back as those records, checking and converting times, tuples and literals.
"""

from __future__ import annotations

import dataclasses
from typing import Any
from urllib.parse import quote

from pydantic_core import to_jsonable_python

from kgmem.model.wire import adapter


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


def decode(kind: Any, data: Any) -> Any:
    """``data`` (JSON) as ``kind``."""
    return adapter(kind).validate_python(data)
