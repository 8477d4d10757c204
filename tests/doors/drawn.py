"""Hypothesis strategies for the JSON of a model record, read off its fields' types, so
every field of the record is drawn (a field added to the model is drawn too)."""

from __future__ import annotations

import types
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from hypothesis import strategies as st
from pydantic import BaseModel

WORDS = ("Ada", "Lovelace", "Babbage", "engine", "Paris", "Person", "KNOWS", "ada", "x")
_SCALARS: dict[Any, st.SearchStrategy[Any]] = {
    bool: st.booleans(),
    int: st.integers(0, 3),
    float: st.floats(0, 1, allow_nan=False),
    str: st.sampled_from(WORDS),
    object: st.sampled_from(WORDS),
    datetime: st.datetimes(datetime(1990, 1, 1), datetime(2030, 1, 1), timezones=st.just(UTC)).map(
        datetime.isoformat
    ),
}


def record(model: type[BaseModel], *, every: bool = False) -> st.SearchStrategy[dict[str, Any]]:
    """JSON objects for ``model``: its required fields and, unless ``every``, some of the
    others (with ``every``, all of them and never null)."""
    fields = model.model_fields
    required = {n: value(f.annotation, every=every) for n, f in fields.items() if f.is_required()}
    others = {n: value(f.annotation, every=every) for n, f in fields.items() if n not in required}
    if every:
        return st.fixed_dictionaries(required | others)
    return st.fixed_dictionaries(required, optional=others)


def value(annotation: Any, *, every: bool = False) -> st.SearchStrategy[Any]:
    """JSON values of a field typed ``annotation``."""
    if annotation in _SCALARS:
        return _SCALARS[annotation]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return record(annotation, every=every)
    origin, args = get_origin(annotation), get_args(annotation)
    for origins, strategy in _GENERICS:
        if origin in origins:
            return strategy(args, every)
    raise TypeError(f"no strategy for a field typed {annotation!r}: teach tests/doors/drawn.py")


def _union(args: tuple[Any, ...], every: bool) -> st.SearchStrategy[Any]:
    drawn = st.one_of([value(a, every=every) for a in args if a is not type(None)])
    return drawn if every else drawn | st.none()


def _sequence(args: tuple[Any, ...], every: bool) -> st.SearchStrategy[Any]:
    if args[-1:] == (Ellipsis,) or len(args) == 1:
        return st.lists(value(args[0], every=every), min_size=int(every), max_size=3)
    return st.tuples(*(value(a, every=every) for a in args)).map(list)


_GENERICS: list[
    tuple[tuple[Any, ...], Callable[[tuple[Any, ...], bool], st.SearchStrategy[Any]]]
] = [
    ((Annotated,), lambda args, every: value(args[0], every=every)),
    ((Literal,), lambda args, _: st.sampled_from(args)),
    ((Union, types.UnionType), _union),
    ((list, tuple), _sequence),
    (
        (dict,),
        lambda *_: st.dictionaries(st.sampled_from(WORDS), st.sampled_from(WORDS), max_size=2),
    ),
]
