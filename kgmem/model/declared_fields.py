"""A record's plain data fields (``DATA_FIELDS`` of ``kgmem.declarations.fact`` and
``kgmem.declarations.episode``), held in its ``declared`` map and shown as fields of
their own.

kgmem's code reads a record's coded fields by name; a data field it only carries. The
record keeps such values in ``declared`` (``{name: value}``); ``carry`` makes pydantic
show each one as a top-level field of the record's JSON (with the declared type and
description, in the OpenAPI document too) and read it back from there, so the client
and every door see ``{"uid": ..., "origin": ...}``. Requests generated from a record
(``kgmem.model.record_input``) take the same fields at the top level.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import computed_field, model_validator

from kgmem.declarations.data_field import DataField

FIELD = "declared"
"""The name of the map a record keeps its data fields in."""


def carry(record: type, fields: Sequence[DataField]) -> None:
    """Show ``fields`` (data fields) as fields of ``record``'s JSON and read them back."""
    type.__setattr__(record, "__data_fields__", tuple(fields))
    if not fields:
        return
    for spec in fields:
        shown = computed_field(return_type=spec.type | None, description=spec.description)
        type.__setattr__(record, spec.name, shown(property(_getter(spec.name))))
    names = frozenset(f.name for f in fields)
    validator: Any = model_validator(mode="before")
    packer = validator(classmethod(_packer(names)))
    type.__setattr__(record, "_pack_declared", packer)


def data_fields(record: type) -> tuple[DataField, ...]:
    """The data fields ``record`` carries (none for most records)."""
    fields: tuple[DataField, ...] = getattr(record, "__data_fields__", ())
    return fields


def _getter(name: str) -> Any:
    def value(self: Any) -> Any:
        return getattr(self, FIELD).get(name)

    value.__name__ = name
    return value


def _packer(names: frozenset[str]) -> Any:
    def pack(cls: type, data: Any) -> Any:
        if isinstance(data, Mapping) and names & data.keys():
            data = dict(data)
            data[FIELD] = {**data.get(FIELD, {}), **{k: data.pop(k) for k in names & data.keys()}}
        return data

    return pack
