"""The outermost middleware of the app: a request id, per-route metrics, and the one
log record of an unhandled error.

Every response carries ``X-Request-ID``: the client's own (letters, digits, ``.-_:``,
at most 64) or a new one; log records written while serving the request carry it
(``kgmem.process.logs``). Each request counts in ``kgmem_http_requests`` and
``kgmem_http_request_duration_seconds`` under its route template
(``/v1/namespaces/{ns}/entities/{uid}``, never the raw path, so namespaces and ids do
not multiply the series; ``unmatched`` for paths no route serves).

An exception no handler turned into a response is logged here once, with its traceback
and the request's method, route and id, and answered with a 500 problem. It is not
raised further: Starlette's outer error middleware and uvicorn would each log it again.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kgmem.errors import KgmemError
from kgmem.live.stream_counts import publish_gauges
from kgmem.process.logs import request_id
from kgmem.process.metrics import instruments
from kgmem.server import problems

HEADER = "x-request-id"
ROUTE_KEY = "kgmem.route"
"""Scope key of the route template of a request answered before routing (FastSearch)."""

_VALID_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_log = logging.getLogger("kgmem.server")


class Observe:
    """ASGI middleware; ``sample`` records point-in-time gauges (called after requests,
    at most once a second)."""

    def __init__(self, app: ASGIApp, *, sample: Callable[[Any], None] | None = None) -> None:
        self.app = app
        self.sample = sample or sample_gauges
        self._sampled = 0.0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = _given_id(scope) or uuid.uuid4().hex
        token = request_id.set(rid)
        start = time.perf_counter()
        status = 500
        started = False

        async def tagged(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                status, started = message["status"], True
                MutableHeaders(scope=message).append(HEADER, rid)
            await send(message)

        try:
            await self.app(scope, receive, tagged)
        except Exception:
            _log.exception("unhandled error: %s %s", scope["method"], route_of(scope))
            if not started:
                await _internal_error()(scope, receive, tagged)
        finally:
            self._count(scope, status, time.perf_counter() - start)
            request_id.reset(token)

    def _count(self, scope: Scope, status: int, seconds: float) -> None:
        measures, method, route = instruments(), scope["method"], route_of(scope)
        measures.http_requests.labels(method, route, str(status)).inc()
        measures.http_seconds.labels(method, route).observe(seconds)
        now = time.monotonic()
        if now - self._sampled >= 1.0:
            self._sampled = now
            self.sample(scope["app"])


def route_of(scope: Scope) -> str:
    """The route template that served the request, or ``unmatched``."""
    route = scope.get("route")
    path = getattr(route, "path", None) or scope.get(ROUTE_KEY)
    return str(path) if path else "unmatched"


def _given_id(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            text = value.decode("latin-1")
            return text if _VALID_ID.fullmatch(text) else None
    return None


def _internal_error() -> ASGIApp:
    return problems.problem(500, KgmemError.code, KgmemError.title, "an unexpected error occurred")


def sample_gauges(app: Any) -> None:
    """Record this process's pool use and cache size as gauges (``kgmem.process.metrics``)."""
    memory = getattr(app.state, "memory", None)
    if memory is None:
        return
    gauge = instruments().pool_connections
    for pool, (opened, busy) in memory.reads.pool_use().items():
        gauge.labels(pool, "open").set(opened)
        gauge.labels(pool, "in_use").set(busy)
    publish_gauges(memory.live.gauges())
