"""What a tool needs from its transport: the store and the caller; and what every
tool module declares alike: the namespace argument and the read and write hints."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import ToolAnnotations
from pydantic import Field

from kgmem.access import Principal, admit
from kgmem.errors import KgmemError
from kgmem.graph import callers
from kgmem.memory import Memory
from kgmem.model import Scope

Namespace = Annotated[str, Field(description="The namespace (memory) to use; see list_namespaces")]
READ = ToolAnnotations(readOnlyHint=True, openWorldHint=False)
WRITE = ToolAnnotations(readOnlyHint=False, destructiveHint=False, openWorldHint=False)


@dataclass(frozen=True, slots=True)
class Door:
    """The store served and how to tell who is calling from a tool's context."""

    memory: Memory
    caller: Callable[[Context[Any, Any]], Principal]

    def admit(self, ctx: Context[Any, Any], scope: Scope, namespace: str | None) -> Principal:
        """The caller if it has ``scope`` on ``namespace``; a readable refusal otherwise."""
        with reported():
            who = admit(self.caller(ctx), scope, namespace)
        callers.identify(who.key.id if who.key is not None else None)
        return who


@contextmanager
def reported() -> Iterator[None]:
    """Turn kgmem's errors into tool errors a model can read: ``code: detail``."""
    try:
        yield
    except KgmemError as exc:
        raise ToolError(f"{exc.code}: {exc.detail}") from exc
