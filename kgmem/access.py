"""Who may do what, for every door (REST, MCP): API keys, scopes, namespace limits.

- A caller presents a key (``kgm_...``); a valid, unrevoked key admits it with its
  scopes and, if limited, its namespaces.
- While the store has no active key, only local callers (loopback clients, a process
  on this machine over stdio) are served, with every scope.
- Once a key exists, every caller must present a valid one.
- Scopes nest: ``admin`` ⊇ ``write`` ⊇ ``read``. A key limited to namespaces never
  reads, writes or sees any other namespace.
- A write sent in read mode is an access-mode error for a key that may write (it
  chose the mode), and Forbidden for one that may not (``as_seen_by``).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from kgmem.cypher_errors import CypherAccessMode
from kgmem.errors import CypherPermissionDenied, Forbidden, KgmemError, Unauthenticated
from kgmem.memory import Memory
from kgmem.model import ApiKey, Scope

_RANK: dict[Scope, int] = {"read": 0, "write": 1, "admin": 2}


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller: its key (None for a keyless local caller) and what it may touch."""

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


async def identify(memory: Memory, presented: str | None, *, local: bool) -> Principal:
    """The principal presenting ``presented`` (a key or None); ``local`` says whether the
    caller is on this machine. Raises Unauthenticated or Forbidden (module docstring)."""
    if presented:
        key = await memory.authenticate(presented)
        if key is None:
            raise Unauthenticated(await _unknown_key(memory))
        top = max(_RANK[s] for s in key.scopes)
        scopes = frozenset(s for s, r in _RANK.items() if r <= top)
        allowed = frozenset(key.namespaces) if key.namespaces is not None else None
        return Principal(key=key, scopes=scopes, namespaces=allowed)
    if await memory.active_key_count() > 0:
        raise Unauthenticated("an API key is required (Authorization: Bearer kgm_...)")
    if not local:
        raise Forbidden(
            "this server has no API keys yet and serves only loopback clients; "
            "create one with `kgmem keys create`"
        )
    return Principal(key=None, scopes=frozenset(_RANK), namespaces=None)


async def _unknown_key(memory: Memory) -> str:
    """Why a presented key is refused: revoked or mistyped, or a store with no keys at
    all (a configuration copied with its key line onto a fresh store)."""
    if await memory.active_key_count() == 0:
        return (
            "an API key was given, but this store has no API keys yet: leave the key out "
            "(callers on this machine need none) or create one with `kgmem keys create`"
        )
    return "the API key is invalid or revoked"


def admit(who: Principal, scope: Scope, namespace: str | None) -> Principal:
    """``who`` if it has ``scope`` on ``namespace`` (None: no namespace), else Forbidden."""
    if scope not in who.scopes:
        raise Forbidden(f"this API key lacks the {scope!r} scope")
    if namespace is not None and not who.may_use(namespace):
        raise Forbidden(f"this API key may not use namespace {namespace!r}")
    return who


def as_seen_by(who: Principal, exc: KgmemError) -> KgmemError:
    """``exc`` as the doors answer it to ``who``: a write refused in read mode stays
    Neo4j's access-mode error for a key that may write, and is Forbidden for a key that
    may not (write mode would not help it), as Neo4j answers a user without the
    privilege."""
    if not isinstance(exc, CypherAccessMode) or "write" in who.scopes:
        return exc
    return CypherPermissionDenied(
        f"{exc.what}, and this API key lacks the 'write' scope", position=exc.position
    )
