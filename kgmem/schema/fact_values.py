"""The values a write gives a fact's declared data fields
(``kgmem.declarations.fact.DATA_FIELDS``), checked against their declared types:
the same check for every write, an import's records included."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import pydantic

from kgmem.declarations.fact import DATA_FIELDS
from kgmem.errors import InvalidRequest


def data_values(given: Mapping[str, Any]) -> dict[str, Any]:
    """Each declared data field's value in ``given`` (None when absent), checked against
    its declared type; a name that is not a data field is refused."""
    unknown = given.keys() - {f.name for f in DATA_FIELDS}
    if unknown:
        raise InvalidRequest(f"not a fact field: {', '.join(sorted(unknown))}")
    values = {}
    for spec in DATA_FIELDS:
        try:
            values[spec.name] = _checker(spec.type).validate_python(given.get(spec.name))
        except pydantic.ValidationError as exc:
            message = exc.errors()[0]["msg"]
            raise InvalidRequest(f"fact field {spec.name!r}: {message}") from None
    return values


@functools.cache
def _checker(kind: Any) -> pydantic.TypeAdapter[Any]:
    return pydantic.TypeAdapter(kind | None)
