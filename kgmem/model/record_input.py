"""Requests generated from the core records, so that a door never restates a field.

A request class names the record it validates (``class FactIn(RecordIn,
record=FactWrite)``) and receives the record's fields with the record's own types,
defaults, constraints and descriptions (declared once, on the record, with
``Annotated[..., Field(...)]``). Only the shape of a few types changes on the way in:
an abstract ``Mapping``/``Sequence`` (or a ``tuple[X, ...]``) is taken as a JSON
object/array, a ``GeoPoint`` as the ``Location`` object, a ``JsonValue`` as any value
(what JSON holds), and a nested record as its own request class. A record's declared
data fields (``kgmem.model.declared_fields``) are the request's own top-level fields.
``to_record`` converts back to the core record.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import types
import typing
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, ClassVar, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field

from kgmem.model import declared_fields, records
from kgmem.model.records import GeoPoint, JsonValue

_ANNOTATED: Any = Annotated  # built from a record's hints at run time, beyond what mypy reads
_UNION: Any = Union
_REQUESTS: dict[type, type[RecordIn]] = {}
"""The request class of each record that has one, for records nested in others."""


class Location(BaseModel):
    """A WGS84 point in degrees."""

    model_config = ConfigDict(extra="forbid")
    lat: float = Field(description="Latitude, -90..90")
    lon: float = Field(description="Longitude, -180..180")

    def to_point(self) -> records.GeoPoint:
        return records.GeoPoint(self.lat, self.lon)


class RecordIn(BaseModel):
    """A request validated by the fields of a core record (see the module docstring):
    unknown fields are refused; ``exclude`` names fields a caller does not give."""

    model_config = ConfigDict(extra="forbid")
    __record__: ClassVar[type]
    __tuples__: ClassVar[frozenset[str]]

    def __init_subclass__(
        cls, record: type | None = None, exclude: Sequence[str] = (), **kwargs: Any
    ) -> None:
        if record is not None:
            # pydantic collects a model's fields after this hook runs: the record's become
            # the class's own, before any the class declares itself.
            own = inspect.get_annotations(cls)
            cls.__annotations__ = {**_fields(cls, record, exclude), **own}
            cls.__record__ = record
            cls.__tuples__ = _tuples(record)
            _REQUESTS[record] = cls
        super().__init_subclass__(**kwargs)

    def to_record(self, **given: Any) -> Any:
        """The core record of the validated fields, with ``given`` ones added."""
        # A request's own fields (a TraceIn's ``limit``) are not the record's.
        names = type(self).model_fields.keys() & _names(self.__record__) - given.keys()
        values = {name: _core(getattr(self, name)) for name in names}
        for name in self.__tuples__ & values.keys():
            values[name] = tuple(values[name])
        data = declared_fields.data_fields(self.__record__)
        if data and declared_fields.FIELD not in given:
            values[declared_fields.FIELD] = {f.name: getattr(self, f.name) for f in data}
        return self.__record__(**values, **given)


def _fields(cls: type, record: type, exclude: Sequence[str]) -> dict[str, Any]:
    hints = typing.get_type_hints(record, include_extras=True)
    annotations: dict[str, Any] = {}
    for field in dataclasses.fields(record):
        if field.name in exclude or field.name == declared_fields.FIELD:
            continue
        annotations[field.name] = _wire(hints[field.name])
        if isinstance(field.default, tuple):  # taken as a list, as the validated values are
            setattr(cls, field.name, Field(default_factory=functools.partial(list, field.default)))
        elif field.default is not dataclasses.MISSING:
            setattr(cls, field.name, field.default)
        elif field.default_factory is not dataclasses.MISSING:
            # A record made by default (a search's filters) is made as its request.
            made: Any = field.default_factory
            setattr(cls, field.name, Field(default_factory=_REQUESTS.get(made, made)))
    for spec in declared_fields.data_fields(record):
        annotations[spec.name] = _ANNOTATED[spec.type | None, Field(description=spec.description)]
        setattr(cls, spec.name, None)
    return annotations


@functools.cache
def _names(record: type) -> frozenset[str]:
    return frozenset(f.name for f in dataclasses.fields(record))


def _tuples(record: type) -> frozenset[str]:
    """The fields of ``record`` held as tuples, which a request takes as lists."""
    hints = typing.get_type_hints(record)
    return frozenset(n for n, h in hints.items() if get_origin(h) is tuple)


def _wire(hint: Any) -> Any:
    """``hint`` as a request takes it (see the module docstring)."""
    origin, args = get_origin(hint), get_args(hint)
    if origin is Annotated:
        return _ANNOTATED[(_wire(args[0]), *hint.__metadata__)]
    if origin in (Union, types.UnionType):
        return _UNION[tuple(_wire(a) for a in args)]
    if origin is Mapping:
        return dict[_wire(args[0]), _wire(args[1])]  # type: ignore[misc]
    if origin is Sequence or (origin is tuple and args[1:] == (...,)):
        return list[_wire(args[0])]  # type: ignore[misc]
    return _named(hint)


def _named(hint: Any) -> Any:
    if hint is GeoPoint:
        return Location
    if hint is JsonValue:  # a request's JSON holds nothing else: any value, as schemas say
        return Any
    return _REQUESTS.get(hint, hint)


def _core(value: Any) -> Any:
    if isinstance(value, RecordIn):
        return value.to_record()
    if isinstance(value, Location):
        return value.to_point()
    if isinstance(value, list):
        return [_core(item) for item in value]
    return value
