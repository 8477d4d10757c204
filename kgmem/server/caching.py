"""Serving cacheable reads through ``Memory.live``: the X-Kgmem-Cache header and the
``Cache-Control: no-cache`` bypass."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from fastapi import Request, Response

from kgmem.server.auth import memory_of

CACHE_HEADER = "X-Kgmem-Cache"
_BYPASS = ("no-cache", "no-store", "max-age=0")


def wants_fresh(request: Request) -> bool:
    """Whether the client asked not to be served from the cache."""
    control = request.headers.get("cache-control", "").lower()
    return (
        any(word in control for word in _BYPASS)
        or "no-cache" in request.headers.get("pragma", "").lower()
    )


async def cached_json(
    request: Request,
    namespace: str,
    key: Sequence[object],
    compute: Callable[[], Awaitable[bytes]],
) -> Response:
    """A JSON response from the cache or from ``compute`` (the serialised body), with
    ``X-Kgmem-Cache: hit|miss|bypass``."""
    live = memory_of(request).live
    body, status = await live.cached(namespace, key, compute, bypass=wants_fresh(request))
    return Response(body, media_type="application/json", headers={CACHE_HEADER: status})
