"""Tool arguments derived from a model record, so a tool's argument is called what the
REST field is called and is checked the same way.

The SDK builds a tool's argument schema from the function's signature; a tool that
takes a record's fields declares ``**fields`` and ``takes_fields_of(Record)`` gives
it a signature naming each field with its type, constraints, default and description.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, Field
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

F = TypeVar("F", bound=Callable[..., Any])
_ANNOTATED: Any = Annotated  # built from a field at run time, beyond what mypy reads


def takes_fields_of(record: type[BaseModel]) -> Callable[[F], F]:
    """A decorator giving a tool ``fn(<its own parameters>, **fields)`` the signature
    ``fn(<its own parameters>, *, <each field of record>)``."""

    def decorate(fn: F) -> F:
        own = [
            p
            for p in inspect.signature(fn, eval_str=True).parameters.values()
            if p.kind != p.VAR_KEYWORD
        ]
        fields = [_parameter(name, info) for name, info in record.model_fields.items()]
        fn.__signature__ = inspect.Signature([*own, *fields])  # type: ignore[attr-defined]
        return fn

    return decorate


def _parameter(name: str, info: FieldInfo) -> inspect.Parameter:
    described = Field(description=info.description) if info.description else Field()
    annotation = _ANNOTATED[(info.annotation, *info.metadata, described)]
    return inspect.Parameter(
        name, inspect.Parameter.KEYWORD_ONLY, default=_default(info), annotation=annotation
    )


def _default(info: FieldInfo) -> Any:
    if info.default is not PydanticUndefined:
        return info.default
    if info.default_factory is not None:
        return info.default_factory()  # type: ignore[call-arg]
    return inspect.Parameter.empty
