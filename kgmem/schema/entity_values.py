"""An entity's declared data fields (``kgmem.declarations.entity.DATA_FIELDS``) in its
property map, where the entity keeps them: the values a write, a patch or an import
gives, checked against their declared types whether they come as fields of their own or
as properties."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kgmem.declarations.entity import DATA_FIELDS
from kgmem.errors import InvalidRequest
from kgmem.schema.fact_values import data_values

_NAMES = frozenset(f.name for f in DATA_FIELDS)


def with_declared(
    properties: Mapping[str, Any], declared: Mapping[str, Any], *, patch: bool = False
) -> Mapping[str, Any]:
    """``properties`` with the values of ``declared`` (data fields by name), all checked
    (``checked``). A write's null leaves a field out; a patch's null stays, so that the
    merge removes the key. A field also given as a property with another value is
    refused."""
    if declared:
        data_values(declared, DATA_FIELDS, record="entity")  # names known
    given = {k: v for k, v in declared.items() if patch or v is not None}
    for name, value in given.items():
        if name in properties and properties[name] != value:
            raise InvalidRequest(f"entity field {name!r} is given twice: as a field and a property")
    return checked({**properties, **given} if given else properties)


def checked(properties: Mapping[str, Any]) -> Mapping[str, Any]:
    """``properties`` with the values of declared data fields among them checked against
    their types (and coerced to them); nulls are left as they are."""
    present = {k: v for k, v in properties.items() if k in _NAMES and v is not None}
    if not present:
        return properties
    values = data_values(present, [f for f in DATA_FIELDS if f.name in present], "entity")
    return {**properties, **values}
