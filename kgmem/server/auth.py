"""Who may do what over HTTP: the key comes as ``Authorization: Bearer kgm_...`` or
``X-API-Key``, and the rules are ``kgmem.access``'s (loopback clients count as local).
Each request a key makes counts against its rate (``kgmem.keys.quotas``); re-checks of a
stream's key do not.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from kgmem.access import Principal, admit, identify, is_loopback
from kgmem.graph import callers
from kgmem.memory import Memory
from kgmem.model import Scope

__all__ = [
    "Admin",
    "Principal",
    "Reader",
    "Writer",
    "admit",
    "authorize",
    "is_loopback",
    "memory_of",
    "principal",
    "require",
    "still_admitted",
]

bearer = HTTPBearer(auto_error=False, description="An API key from `kgmem keys create`.")
api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False)


def memory_of(request: Request) -> Memory:
    """The store this app serves."""
    memory: Memory = request.app.state.memory
    return memory


async def principal(
    request: Request,
    credentials: HTTPAuthorizationCredentials | None = Depends(bearer),
    header_key: str | None = Depends(api_key_header),
) -> Principal:
    """Authenticate the request (see ``kgmem.access``) and count it against the key's
    rate (``RateLimited`` past it)."""
    presented = credentials.credentials if credentials is not None else header_key
    who = await _identified(request, presented)
    key_id = who.key.id if who.key is not None else None
    memory_of(request).quotas.spend(key_id)
    callers.identify(key_id)
    return who


async def authorize(request: Request, scope: Scope, namespace: str | None) -> Principal:
    """What ``require(scope)`` does, for a handler outside FastAPI's dependencies."""
    who = await principal(request, await bearer(request), await api_key_header(request))
    return admit(who, scope, namespace)


async def still_admitted(request: Request, scope: Scope, namespace: str | None) -> Principal:
    """``authorize`` again for a request being served (a stream's key re-checked),
    without counting a request."""
    credentials = await bearer(request)
    presented = credentials.credentials if credentials is not None else None
    who = await _identified(request, presented or await api_key_header(request))
    return admit(who, scope, namespace)


async def _identified(request: Request, presented: str | None) -> Principal:
    client = request.client.host if request.client else None
    return await identify(memory_of(request), presented, local=is_loopback(client))


def require(scope: Scope) -> Callable[..., Awaitable[Principal]]:
    """A dependency admitting callers with ``scope`` on the path's ``{ns}``, if any."""

    async def check(request: Request, who: Principal = Depends(principal)) -> Principal:
        return admit(who, scope, request.path_params.get("ns"))

    return check


Reader = Annotated[Principal, Depends(require("read"))]
"""A caller with the read scope on the path's namespace."""
Writer = Annotated[Principal, Depends(require("write"))]
"""A caller with the write scope on the path's namespace."""
Admin = Annotated[Principal, Depends(require("admin"))]
"""A caller with the admin scope (on the path's namespace, if any)."""
