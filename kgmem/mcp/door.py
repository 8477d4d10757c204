"""What a tool needs from its transport: the store and the caller."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError

from kgmem.access import Principal, admit
from kgmem.errors import KgmemError
from kgmem.memory import Memory
from kgmem.model import Scope


@dataclass(frozen=True, slots=True)
class Door:
    """The store served and how to tell who is calling from a tool's context."""

    memory: Memory
    caller: Callable[[Context[Any, Any]], Principal]

    def admit(self, ctx: Context[Any, Any], scope: Scope, namespace: str | None) -> Principal:
        """The caller if it has ``scope`` on ``namespace``; a readable refusal otherwise."""
        with reported():
            return admit(self.caller(ctx), scope, namespace)


@contextmanager
def reported() -> Iterator[None]:
    """Turn kgmem's errors into tool errors a model can read: ``code: detail``."""
    try:
        yield
    except KgmemError as exc:
        raise ToolError(f"{exc.code}: {exc.detail}") from exc
