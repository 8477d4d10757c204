"""Opaque keyset-paging cursors: base64url of the last key seen on a page."""

from __future__ import annotations

import base64
import binascii
import json

from kgmem.errors import InvalidCursor


def encode(kind: str, key: str | int) -> str:
    """A cursor that resumes a ``kind`` listing after ``key``."""
    raw = json.dumps([kind, key], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(kind: str, cursor: str | None) -> str | int | None:
    """The key inside ``cursor`` (None for the first page); ``InvalidCursor`` if it is not
    a cursor of this ``kind`` of listing."""
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        found_kind, key = json.loads(raw)
    except (binascii.Error, ValueError, TypeError) as exc:
        raise InvalidCursor("the page cursor is not one this server issued") from exc
    if found_kind != kind or not isinstance(key, str | int) or isinstance(key, bool):
        raise InvalidCursor(f"the page cursor does not belong to a {kind} listing")
    return key
