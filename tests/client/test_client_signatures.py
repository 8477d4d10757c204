"""The two clients are one implementation with one typed surface: ``Client`` takes
every public method of ``AsyncClient`` with the same parameters and types (a stream as
an iterator of the same items), typed with the model's records (no ``Any``)."""

from __future__ import annotations

import inspect
import types
import typing
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

from typing_extensions import TypeAliasType

from kgmem.client import AsyncClient, Client

# The names the synchronous client uses for the asynchronous ones.
SYNC_NAMES = {"aclose": "close", "__aenter__": "__enter__", "__aexit__": "__exit__"}


def public(cls: type) -> dict[str, Callable[..., Any]]:
    return {
        name: member
        for name, member in vars(cls).items()
        if callable(member)
        and (not name.startswith("_") or name in {*SYNC_NAMES, *SYNC_NAMES.values(), "__init__"})
    }


def as_sync(hint: object) -> object:
    """The type the synchronous client answers for an asynchronous answer ``hint``."""
    if typing.get_origin(hint) is AsyncIterator:
        return types.GenericAlias(Iterator, typing.get_args(hint))
    return hint


def test_the_clients_have_the_same_methods_and_signatures() -> None:
    asynchronous, synchronous = public(AsyncClient), public(Client)
    assert {SYNC_NAMES.get(n, n) for n in asynchronous} == set(synchronous)
    for name, method in asynchronous.items():
        twin = synchronous[SYNC_NAMES.get(name, name)]
        mine, theirs = inspect.signature(method), inspect.signature(twin)
        assert list(mine.parameters) == list(theirs.parameters), name
        for p in mine.parameters.values():
            q = theirs.parameters[p.name]
            assert (p.kind, p.default) == (q.kind, q.default), (name, p.name)
        hints, twin_hints = typing.get_type_hints(method), typing.get_type_hints(twin)
        if name in {"__aexit__", "__aenter__"}:
            continue  # Self and None, by the context-manager protocol
        assert {k: as_sync(v) for k, v in hints.items()} == twin_hints, name


def test_a_sync_stream_is_an_iterator_of_the_async_streams_items() -> None:
    assert typing.get_type_hints(Client.export)["return"] == Iterator[bytes]
    assert "namespace" in inspect.signature(Client.events).parameters


def _mentions_any(hint: object, seen: set[int]) -> bool:
    """Whether ``hint`` is ``Any`` or holds it anywhere, through type aliases too
    (``JsonValue`` as written says nothing of what it stands for)."""
    if hint is Any:
        return True
    if isinstance(hint, TypeAliasType):
        if id(hint) in seen:
            return False
        seen.add(id(hint))
        return _mentions_any(hint.__value__, seen)
    return any(_mentions_any(arg, seen) for arg in typing.get_args(hint))


def resolved_with_any(cls: type) -> list[str]:
    """``Class.method parameter: type`` for each resolved type holding ``Any``."""
    return [
        f"{cls.__name__}.{name} {where}: {hint}"
        for name, method in public(cls).items()
        for where, hint in typing.get_type_hints(method).items()
        if _mentions_any(hint, set())
    ]


def test_no_public_signature_of_either_client_says_any() -> None:
    for cls in (AsyncClient, Client):
        assert len(public(cls)) > 20
        assert resolved_with_any(cls) == []


def test_the_check_sees_any_behind_an_alias_and_nested() -> None:
    class Loose:
        def put(self, value: dict[str, list[Any]]) -> None: ...

        def get(self) -> Json: ...

    assert len(resolved_with_any(Loose)) == 2


Json = TypeAliasType("Json", dict[str, Any] | None)
