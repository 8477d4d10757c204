"""The clients' public methods are typed with the model's records and JSON values:
no ``Any`` in a parameter or return type, however deeply nested."""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable, Iterator

import pytest
from typing_extensions import TypeAliasType

from kgmem.client import AsyncClient, Client


def _public_methods(cls: type) -> Iterator[tuple[str, Callable[..., object]]]:
    for name, member in inspect.getmembers(cls, inspect.isfunction):
        if not name.startswith("_") or name in {"__init__", "__aenter__", "__enter__"}:
            yield name, member


def _mentions_any(hint: object, seen: set[int]) -> bool:
    if hint is typing.Any:
        return True
    if isinstance(hint, TypeAliasType):
        if id(hint) in seen:
            return False
        seen.add(id(hint))
        return _mentions_any(hint.__value__, seen)
    return any(_mentions_any(arg, seen) for arg in typing.get_args(hint))


def _hints_with_any(cls: type) -> list[str]:
    found = []
    for name, method in _public_methods(cls):
        for arg, hint in typing.get_type_hints(method).items():
            if _mentions_any(hint, set()):
                found.append(f"{cls.__name__}.{name} {arg}: {hint}")
    return found


@pytest.mark.parametrize("cls", [AsyncClient, Client])
def test_public_client_signatures_have_no_any(cls: type) -> None:
    assert len(list(_public_methods(cls))) > 20
    assert _hints_with_any(cls) == []


def test_the_check_sees_any_nested_in_a_signature() -> None:
    class Loose:
        def put(self, value: dict[str, list[typing.Any]]) -> None: ...

        def get(self) -> typing.Any: ...

    assert len(_hints_with_any(Loose)) == 2
