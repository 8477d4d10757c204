"""What a tool needs from its transport: the store and the caller; and what every
tool module declares alike: the namespace argument and the read and write hints."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.shared.exceptions import MCPError
from mcp_types import INTERNAL_ERROR, INVALID_PARAMS, ToolAnnotations
from pydantic import Field

from kgmem.access import Principal, admit, as_seen_by
from kgmem.errors import AuthError, Conflict, InvalidInput, KgmemError, NotFound
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
            return self.allowed(ctx, scope, namespace)

    def allowed(self, ctx: Context[Any, Any], scope: Scope, namespace: str | None) -> Principal:
        """The caller if it has ``scope`` on ``namespace``; else kgmem's own error
        (``Forbidden``, ``Unauthenticated``), for the caller to report its way. The rest
        of the call runs for the caller's key (``kgmem.graph.callers``)."""
        who = admit(self.caller(ctx), scope, namespace)
        callers.identify(who.key.id if who.key is not None else None)
        return who


@contextmanager
def reported(who: Principal | None = None) -> Iterator[None]:
    """Turn kgmem's errors into tool errors a model can read: ``code: detail``; as
    ``who`` sees them when given (``kgmem.access.as_seen_by``)."""
    try:
        yield
    except KgmemError as exc:
        seen = exc if who is None else as_seen_by(who, exc)
        raise ToolError(f"{seen.code}: {seen.detail}") from exc


# What a request asked wrongly (a namespace the key may not use, or that does not
# exist, bad input) is the caller's to change; anything else is the server's failure.
_CALLERS = (InvalidInput, NotFound, AuthError, Conflict)


@contextmanager
def resource_reported() -> Iterator[None]:
    """Turn kgmem's errors into the protocol error of a resource read, in the words a
    tool's refusal uses (``code: detail``) and with kgmem's ``code`` in its data:
    invalid params for what the request asked wrongly, an internal error otherwise.
    The SDK passes such an error to the client as it is and logs nothing (any other
    exception would reach the client as a bare "Error reading resource" and be logged
    with its traceback)."""
    try:
        yield
    except KgmemError as exc:
        code = INVALID_PARAMS if isinstance(exc, _CALLERS) else INTERNAL_ERROR
        message = f"{exc.code}: {exc.detail}"
        raise MCPError(code=code, message=message, data={"code": exc.code}) from exc
