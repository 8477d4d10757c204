"""The values a write gives a record's declared data fields (a fact's, by default:
``kgmem.declarations.fact.DATA_FIELDS``; an episode's), checked against their declared
types: the same check for every write, an import's records included."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

import pydantic

from kgmem.declarations.data_field import DataField
from kgmem.declarations.fact import DATA_FIELDS
from kgmem.errors import InvalidRequest


def data_values(
    given: Mapping[str, Any], fields: Sequence[DataField] = DATA_FIELDS, record: str = "fact"
) -> dict[str, Any]:
    """Each of ``fields``' value in ``given`` (None when absent), checked against its
    declared type; a name that is not one of them is refused (``record`` names whose
    fields they are in the messages)."""
    unknown = given.keys() - {f.name for f in fields}
    if unknown:
        raise InvalidRequest(f"not {_a(record)} field: {', '.join(sorted(unknown))}")
    values = {}
    for spec in fields:
        try:
            values[spec.name] = _checker(spec.type).validate_python(given.get(spec.name))
        except pydantic.ValidationError as exc:
            message = exc.errors()[0]["msg"]
            raise InvalidRequest(f"{record} field {spec.name!r}: {message}") from None
    return values


def _a(noun: str) -> str:
    return f"an {noun}" if noun[0] in "aeiou" else f"a {noun}"


@functools.cache
def _checker(kind: Any) -> pydantic.TypeAdapter[Any]:
    return pydantic.TypeAdapter(kind | None)
