"""API keys, stored hashed in ``kgmem.api_key``.

A key reads ``kgm_<id>_<secret>``: ``id`` (12 hex) finds the row, ``secret`` (43
URL-safe characters, 256 bits) is checked against its SHA-256. A slow password hash
buys nothing for a random 256-bit secret, and a fast one keeps every request cheap.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

import asyncpg

from kgmem.errors import ApiKeyNotFound, InvalidInput
from kgmem.model import ApiKey, IssuedKey, Scope
from kgmem.storage import rows

_KEY = re.compile(r"kgm_([0-9a-f]{12})_([A-Za-z0-9_-]{43})")


def _hash(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def parse(presented: str) -> tuple[str, str] | None:
    """(id, secret) of a well-formed key, else None."""
    match = _KEY.fullmatch(presented.strip())
    return (match.group(1), match.group(2)) if match else None


class KeyRow(NamedTuple):
    """A row of ``kgmem.api_key``; its secret's hash only where a presented key is
    checked against it (``authenticate``), None elsewhere."""

    id: str
    name: str
    scopes: list[Scope]
    namespaces: list[str] | None
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None
    secret_hash: bytes | None


def _record(row: KeyRow | None) -> ApiKey:
    assert row is not None  # from an INSERT ... RETURNING, or found (callers check)
    return ApiKey(
        id=row.id,
        name=row.name,
        scopes=tuple(row.scopes),
        namespaces=tuple(row.namespaces) if row.namespaces is not None else None,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
        last_used_at=row.last_used_at,
    )


_COLUMNS = "id, name, scopes, namespaces, created_at, revoked_at, last_used_at"
_WITHOUT_SECRET = f"{_COLUMNS}, NULL::bytea AS secret_hash"


async def create(
    conn: asyncpg.Connection,
    *,
    name: str,
    scopes: Sequence[Scope],
    namespaces: Sequence[str] | None,
    presented: str | None = None,
) -> IssuedKey:
    """Store a new key and return it with its secret (shown this once).

    With ``presented`` (a well-formed key chosen elsewhere, e.g. a container secret),
    that key is stored instead of a fresh one; storing it again changes nothing.
    """
    if presented is None:
        key_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    else:
        parsed = parse(presented)
        if parsed is None:
            raise InvalidInput("the key is not of the form kgm_<12 hex>_<43 characters>")
        key_id, secret = parsed
    row = await rows.fetchrow(
        conn,
        KeyRow,
        f"INSERT INTO kgmem.api_key (id, name, secret_hash, scopes, namespaces) "
        f"VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO UPDATE SET name = kgmem.api_key.name "
        f"RETURNING {_WITHOUT_SECRET}",
        key_id,
        name,
        _hash(secret),
        list(scopes),
        list(namespaces) if namespaces is not None else None,
    )
    return IssuedKey(key=_record(row), secret=f"kgm_{key_id}_{secret}")


async def list_all(conn: asyncpg.Connection) -> list[ApiKey]:
    """All keys, revoked ones included, oldest first."""
    found = await rows.fetch(
        conn, KeyRow, f"SELECT {_WITHOUT_SECRET} FROM kgmem.api_key ORDER BY created_at, id"
    )
    return [_record(r) for r in found]


async def revoke(conn: asyncpg.Connection, key_id: str) -> ApiKey:
    """Revoke key ``key_id`` from now on (idempotent)."""
    row = await rows.fetchrow(
        conn,
        KeyRow,
        f"UPDATE kgmem.api_key SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 "
        f"RETURNING {_WITHOUT_SECRET}",
        key_id,
    )
    if row is None:
        raise ApiKeyNotFound(f"no API key with id {key_id!r}", id=key_id)
    return _record(row)


async def active_count(conn: asyncpg.Connection) -> int:
    """How many keys are not revoked."""
    return int(await conn.fetchval("SELECT count(*) FROM kgmem.api_key WHERE revoked_at IS NULL"))


async def authenticate(
    conn: asyncpg.Connection, presented: str, *, mark_used: bool = True
) -> ApiKey | None:
    """The active key ``presented`` stands for, or None. Marks it used (at most once a
    minute) when ``mark_used`` (not on a replica, which takes no writes)."""
    parsed = parse(presented)
    if parsed is None:
        return None
    key_id, secret = parsed
    row = await rows.fetchrow(
        conn,
        KeyRow,
        f"SELECT {_COLUMNS}, secret_hash FROM kgmem.api_key WHERE id = $1 AND revoked_at IS NULL",
        key_id,
    )
    if row is None or row.secret_hash is None:
        return None
    if not hmac.compare_digest(bytes(row.secret_hash), _hash(secret)):
        return None
    if not mark_used:
        return _record(row)
    await conn.execute(
        "UPDATE kgmem.api_key SET last_used_at = now() WHERE id = $1 "
        "AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')",
        key_id,
    )
    return _record(row)
