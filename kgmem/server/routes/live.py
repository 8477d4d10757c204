"""GET /v1/namespaces/{ns}/events (server-sent events) and GET /metrics."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import PlainTextResponse, Response, StreamingResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from kgmem.errors import InvalidRequest
from kgmem.live import EVENT_TYPES
from kgmem.live.events import parse_position
from kgmem.process.metrics import CONTENT_TYPE, render
from kgmem.server.auth import Reader, authorize, memory_of, still_admitted
from kgmem.server.observe import sample_gauges
from kgmem.server.sse import event_response, messages

router = APIRouter(tags=["live"])
metrics_router = APIRouter(tags=["health"])

_STREAM_DOC: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "text/event-stream: `id` is the event sequence, `event` its type, "
        "`data` JSON with namespace, type, ids, time and seq. An `event: reset` says the "
        "client may have missed events and should re-read what it needs. The stream ends "
        "after `namespace.deleted`, or with an `event: error` whose data is a problem "
        "document when the key is revoked or no longer reaches the namespace.",
        "content": {"text/event-stream": {"schema": {"type": "string"}}},
    }
}


@router.get("/v1/namespaces/{ns}/events", response_class=StreamingResponse, responses=_STREAM_DOC)
async def events(
    ns: str,
    request: Request,
    who: Reader,
    last_event_id: str | None = Query(
        default=None, description="Resume after this id (the Last-Event-ID header wins)"
    ),
    types: str | None = Query(
        default=None, description="Comma-separated event types to send (default: all)"
    ),
    last_event_id_header: str | None = Header(default=None, alias="Last-Event-ID"),
) -> Response:
    """Committed changes of the namespace as server-sent events, live; Last-Event-ID
    resumes after the given event (within KGMEM_EVENTS_RETENTION events). The stream
    ends within a second of its key being revoked or no longer reaching the namespace."""
    memory = memory_of(request)
    await memory.get_namespace(ns)
    last = last_event_id_header or last_event_id
    if last:
        parse_position(last)
    wanted = _types(types)
    key_id = who.key.id if who.key is not None else None
    held = memory.quotas.hold("connections", key_id)
    try:
        feed = memory.live.follow(ns, last or None)
        first = await anext(feed)
    except BaseException:
        held.release()
        raise
    admitted = memory.key_watch.while_admitted(
        key_id, feed, lambda: still_admitted(request, "read", ns)
    )
    body = messages(first, admitted, types=wanted)
    return event_response(body, keepalive_s=memory.live.event_settings.keepalive_s, held=held)


def _types(text: str | None) -> frozenset[str] | None:
    if not text:
        return None
    wanted = frozenset(t.strip() for t in text.split(",") if t.strip())
    unknown = sorted(wanted - set(EVENT_TYPES))
    if unknown:
        raise InvalidRequest(
            f"unknown event type(s) {', '.join(unknown)}; known: {', '.join(EVENT_TYPES)}"
        )
    return wanted


@metrics_router.get("/metrics", response_class=PlainTextResponse)
async def metrics(request: Request) -> Response:
    """Prometheus metrics of every worker process: requests and latency per route, pool
    use, search stage times, the embedding queue, import jobs, the cache and events
    (docs/observability.md). Open like /health unless KGMEM_SERVER_METRICS says
    otherwise."""
    access = request.app.state.metrics_access
    if access == "off":
        raise StarletteHTTPException(404, "GET /metrics is turned off (KGMEM_SERVER_METRICS)")
    if access == "admin":
        await authorize(request, "admin", None)
    sample_gauges(request.app)
    memory = getattr(request.app.state, "memory", None)
    if memory is not None:
        await memory.cluster()  # samples the standbys' lag
    return Response(render(), media_type=CONTENT_TYPE)
