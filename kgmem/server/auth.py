"""Who may do what: API keys with scopes and an optional namespace list.

- A request presents a key as ``Authorization: Bearer kgm_...`` or ``X-API-Key``.
- While the store has no active key, only loopback clients are served, with every
  scope (a fresh local install needs no set-up); anything else gets 403.
- Once a key exists, every request must present a valid one.
- Scopes nest: ``admin`` ⊇ ``write`` ⊇ ``read``. A key limited to namespaces never
  reads, writes or sees any other namespace.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from kgmem.errors import Forbidden, Unauthenticated
from kgmem.memory import Memory
from kgmem.model import ApiKey, Scope

_RANK: dict[Scope, int] = {"read": 0, "write": 1, "admin": 2}

bearer = HTTPBearer(auto_error=False, description="An API key from `kgmem keys create`.")
api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False)


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller: its key (None for a keyless loopback client) and what it may touch."""

    key: ApiKey | None
    scopes: frozenset[Scope]
    namespaces: frozenset[str] | None

    def may_use(self, namespace: str) -> bool:
        """Whether this caller may touch ``namespace`` at all."""
        return self.namespaces is None or namespace in self.namespaces


def is_loopback(host: str | None) -> bool:
    """True for 127.0.0.0/8 and ::1 (and IPv4-mapped loopback)."""
    if not host:
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host == "localhost"
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


def memory_of(request: Request) -> Memory:
    """The store this app serves."""
    memory: Memory = request.app.state.memory
    return memory


async def principal(
    request: Request,
    credentials: HTTPAuthorizationCredentials | None = Depends(bearer),
    header_key: str | None = Depends(api_key_header),
) -> Principal:
    """Authenticate the request (see the module docstring)."""
    memory = memory_of(request)
    presented = credentials.credentials if credentials is not None else header_key
    if presented:
        key = await memory.authenticate(presented)
        if key is None:
            raise Unauthenticated("the API key is invalid or revoked")
        ranks = {_RANK[s] for s in key.scopes}
        scopes = frozenset(s for s, r in _RANK.items() if r <= max(ranks))
        allowed = frozenset(key.namespaces) if key.namespaces is not None else None
        return Principal(key=key, scopes=scopes, namespaces=allowed)
    if await memory.active_key_count() > 0:
        raise Unauthenticated("an API key is required (Authorization: Bearer kgm_...)")
    client = request.client.host if request.client else None
    if not is_loopback(client):
        raise Forbidden(
            "this server has no API keys yet and serves only loopback clients; "
            "create one with `kgmem keys create`"
        )
    return Principal(key=None, scopes=frozenset(_RANK), namespaces=None)


def admit(who: Principal, scope: Scope, namespace: str | None) -> Principal:
    """``who`` if it has ``scope`` on ``namespace`` (None: no namespace), else Forbidden."""
    if scope not in who.scopes:
        raise Forbidden(f"this API key lacks the {scope!r} scope")
    if namespace is not None and not who.may_use(namespace):
        raise Forbidden(f"this API key may not use namespace {namespace!r}")
    return who


async def authorize(request: Request, scope: Scope, namespace: str | None) -> Principal:
    """What ``require(scope)`` does, for a handler outside FastAPI's dependencies."""
    who = await principal(request, await bearer(request), await api_key_header(request))
    return admit(who, scope, namespace)


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
