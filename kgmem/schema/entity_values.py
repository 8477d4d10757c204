"""An entity's declared data fields (``kgmem.declarations.entity.DATA_FIELDS``) in its
property map, where the entity keeps them: the values a write or a patch gives, checked
against their declared types."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kgmem.declarations.entity import DATA_FIELDS
from kgmem.errors import InvalidRequest
from kgmem.schema.fact_values import data_values


def with_declared(
    properties: Mapping[str, Any], declared: Mapping[str, Any], *, patch: bool = False
) -> Mapping[str, Any]:
    """``properties`` with the values of ``declared`` (data fields by name). A write's
    null leaves a field out; a patch's null stays, so that the merge removes the key.
    A field also given as a property with another value is refused."""
    if not declared:
        return properties
    checked = data_values(declared, DATA_FIELDS, record="entity")
    given = {k: v for k, v in checked.items() if k in declared and (patch or v is not None)}
    for name, value in given.items():
        if name in properties and properties[name] != value:
            raise InvalidRequest(f"entity field {name!r} is given twice: as a field and a property")
    return {**properties, **given}
