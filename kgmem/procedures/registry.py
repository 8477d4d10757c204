"""The procedures ``CALL`` can name: each declared once, with its typed arguments and
output columns, its mode and a Python body, in a ``Registry``.

``Memory`` holds one registry: kgmem's built-ins (``kgmem.procedures.builtin``), then
the procedures installed packages declare under the entry-point group
``kgmem.procedures`` (loaded when the store opens), then whatever code registers
(``memory.procedures.register(...)``). A body is an async callable given a ``Reader``
(read-only Cypher on the namespace the call runs in, and its counts) and the call's
arguments, checked against their types, by name; it returns rows, each a sequence in
the order of the outputs or a mapping by output name. ``table()`` declares a procedure
whose rows are fixed, as the openCypher TCK's test procedures are.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import logging
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from kgmem.model import CypherResult, NamespaceStats
from kgmem.procedures import signature
from kgmem.procedures.signature import Field
from kgmem.procedures.types import Mismatch, coerce

GROUP = "kgmem.procedures"
"""The entry-point group installed packages declare their procedures under."""

Mode = Literal["read", "write"]
Row = Sequence[Any] | Mapping[str, Any]
_log = logging.getLogger("kgmem.procedures")


class Reader(Protocol):
    """What a procedure's body may read: the namespace the call runs in, read-only."""

    @property
    def namespace(self) -> str: ...

    async def cypher(self, query: str, params: Mapping[str, Any] | None = None) -> CypherResult: ...

    async def stats(self) -> NamespaceStats: ...

    async def sql(self, query: str, *args: Any) -> Sequence[Sequence[Any]]:
        """Rows of kgmem's own read-only SQL on the namespace (``{schema}`` stands for
        its graph schema), as its reader role, within the query's deadline."""
        ...


Body = Callable[[Reader, Mapping[str, Any]], Awaitable[Iterable[Row]]]


@dataclass(frozen=True, slots=True)
class Procedure:
    """One procedure. ``mode="write"``: refused where only reads are allowed (a read
    key, a read transaction), whatever the body does."""

    name: str
    arguments: tuple[Field, ...]
    outputs: tuple[Field, ...]
    body: Body
    mode: Mode = "read"
    description: str = ""

    def __post_init__(self) -> None:
        if not signature.NAME.match(self.name):
            raise ValueError(f"{self.name!r} is not a procedure name (dotted plain names)")
        for fields in (self.arguments, self.outputs):
            names = [f.name for f in fields]
            if len(set(names)) != len(names):
                raise ValueError(f"{self.name}: a name is used twice in {names}")
        optional = [f.optional for f in self.arguments]
        if optional != sorted(optional):
            raise ValueError(f"{self.name}: arguments with defaults come last")
        if self.mode not in ("read", "write"):
            raise ValueError(f"{self.name}: mode is 'read' or 'write', not {self.mode!r}")

    @property
    def signature(self) -> str:
        """As Neo4j prints it: ``name(a :: INTEGER?) :: (b :: STRING?)``."""
        arguments = ", ".join(str(a) for a in self.arguments)
        outputs = f"({', '.join(str(o) for o in self.outputs)})" if self.outputs else "VOID"
        return f"{self.name}({arguments}) :: {outputs}"

    @property
    def columns(self) -> list[str]:
        return [o.name for o in self.outputs]


def procedure(
    declared: str, body: Body, *, mode: Mode = "read", description: str = ""
) -> Procedure:
    """The procedure ``declared`` (a signature, ``kgmem.procedures.signature``) whose
    rows ``body`` computes."""
    name, arguments, outputs = signature.parse(declared)
    return Procedure(name, arguments, outputs, body, mode, description)


def table(
    declared: str, rows: Iterable[Sequence[Any]], *, mode: Mode = "read", description: str = ""
) -> Procedure:
    """The procedure ``declared`` whose rows are fixed: each row of ``rows`` holds the
    arguments' values, then the outputs' values; a call yields the outputs of the rows
    whose arguments equal its own (null equals null)."""
    name, arguments, outputs = signature.parse(declared)
    width = len(arguments) + len(outputs)
    fields = arguments + outputs
    typed = [[_cell(f, v) for f, v in zip(fields, _wide(row, width), strict=True)] for row in rows]
    count = len(arguments)

    async def body(reader: Reader, given: Mapping[str, Any]) -> list[list[Any]]:
        wanted = [given[a.name] for a in arguments]
        return [row[count:] for row in typed if all(map(same, row[:count], wanted))]

    return Procedure(name, arguments, outputs, body, mode, description)


def _wide(row: Sequence[Any], width: int) -> Sequence[Any]:
    if len(row) != width:
        raise ValueError(f"a row of {len(row)} values where the signature has {width}")
    return row


def _cell(declared: Field, value: Any) -> Any:
    try:
        return coerce(declared.type, value)
    except Mismatch as exc:
        raise ValueError(f"{declared.name}: {exc}") from None


def same(a: Any, b: Any) -> bool:
    """Cypher equality of two argument values, with null equal to null and a boolean
    never equal to a number."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(map(same, a, b))
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return bool(a == b)


class Registry:
    """Procedures by name (matched case-insensitively, as kgmem always has)."""

    def __init__(self, procedures: Iterable[Procedure] = ()) -> None:
        self._by_name: dict[str, Procedure] = {}
        self._loaded: set[str] = set()  # entry points already loaded
        for item in procedures:
            self.register(item)

    def register(self, item: Procedure, *, replace: bool = False) -> None:
        """Add ``item``; ``ValueError`` if its name is taken, unless ``replace``."""
        if not isinstance(item, Procedure):
            raise TypeError(f"not a Procedure: {item!r}")
        key = item.name.lower()
        if key in self._by_name and not replace:
            raise ValueError(f"a procedure named {self._by_name[key].name} is registered")
        self._by_name[key] = item

    def unregister(self, name: str) -> Procedure:
        """Remove and return the procedure ``name``; ``KeyError`` if there is none."""
        return self._by_name.pop(name.lower())

    def find(self, name: str) -> Procedure | None:
        return self._by_name.get(name.lower())

    def __iter__(self) -> Iterator[Procedure]:
        return iter(sorted(self._by_name.values(), key=lambda p: p.name))

    def copy(self) -> Registry:
        return Registry(self)

    @contextlib.contextmanager
    def registered(self, *items: Procedure, replace: bool = False) -> Iterator[Registry]:
        """``items`` registered for the block, then removed (what they replaced back)."""
        before = {item.name.lower(): self.find(item.name) for item in items}
        try:
            for item in items:
                self.register(item, replace=replace)
            yield self
        finally:
            for key, previous in before.items():
                self._by_name.pop(key, None)
                if previous is not None:
                    self._by_name[key] = previous

    def load_entry_points(self) -> list[str]:
        """Register the procedures of the ``kgmem.procedures`` entry points not loaded
        yet; an entry point that fails to load is logged and skipped. The names added."""
        added: list[str] = []
        for point in importlib.metadata.entry_points(group=GROUP):
            key = f"{point.name}={point.value}"
            if key in self._loaded:
                continue
            self._loaded.add(key)
            try:
                found = list(_procedures_in(point.load()))
                taken = [item.name for item in found if self.find(item.name) is not None]
                if taken:
                    raise ValueError(f"procedure names already registered: {taken}")
                for item in found:
                    self.register(item)
            except Exception:
                _log.exception("procedure entry point %s could not be loaded", key)
                continue
            added.extend(item.name for item in found)
        return added


def _procedures_in(loaded: Any) -> Iterator[Procedure]:
    """What an entry point names: a Procedure, an iterable of them, or a function of no
    arguments that returns either."""
    if callable(loaded) and not isinstance(loaded, Procedure):
        loaded = loaded()
    if isinstance(loaded, Procedure):
        yield loaded
        return
    for item in loaded:
        if not isinstance(item, Procedure):
            raise TypeError(f"not a Procedure: {item!r}")
        yield item
