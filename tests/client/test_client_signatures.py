"""The two clients are one implementation with one typed surface: the same public
methods with the same parameters, typed with the model's records (no ``Any``)."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterator
from typing import Any

from kgmem.client import AsyncClient, Client

# The names the synchronous twin uses for the asynchronous ones.
SYNC_NAMES = {"aclose": "close", "__aenter__": "__enter__", "__aexit__": "__exit__"}
SYNC_TYPES = [(r"\bAsyncIterator\b", "Iterator"), (r"\bAsyncBaseTransport\b", "BaseTransport")]


def public(cls: type) -> dict[str, Callable[..., Any]]:
    return {
        name: member
        for name, member in vars(cls).items()
        if callable(member)
        and (not name.startswith("_") or name in {*SYNC_NAMES, *SYNC_NAMES.values()})
    }


def as_sync(annotation: str) -> str:
    for pattern, replacement in SYNC_TYPES:
        annotation = re.sub(pattern, replacement, annotation)
    return annotation


def annotations(fn: Callable[..., Any]) -> Iterator[tuple[str, str]]:
    """Each parameter's annotation and the return's, as written."""
    signature = inspect.signature(fn)
    for p in signature.parameters.values():
        if p.annotation is not inspect.Parameter.empty:
            yield p.name, str(p.annotation)
    yield "return", str(signature.return_annotation)


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
            assert as_sync(str(p.annotation)) == str(q.annotation), (name, p.name)
        assert as_sync(str(mine.return_annotation)) == str(theirs.return_annotation), name


def test_no_public_signature_of_either_client_says_any() -> None:
    for cls in (AsyncClient, Client):
        for name, method in public(cls).items():
            for where, annotation in annotations(method):
                assert not re.search(r"\bAny\b", annotation), (cls.__name__, name, where)
