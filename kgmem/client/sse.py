"""The live stream's server-sent events as the client hands them out (the stream itself
is parsed by httpx-sse)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from httpx_sse import ServerSentEvent


@dataclass(frozen=True, slots=True)
class LiveEvent:
    """One event: ``id`` (pass as ``last_event_id`` to resume), ``type`` (e.g.
    ``entity.upserted``, or ``reset`` when events may have been missed) and ``data``."""

    id: str | None
    type: str
    data: dict[str, Any] = field(default_factory=dict)


def live_event(sse: ServerSentEvent) -> LiveEvent | None:
    """The event ``sse`` carries; None for a message without data (the stream's
    retry hint)."""
    if not sse.data:
        return None
    try:
        data = json.loads(sse.data)
    except ValueError:
        data = {"text": sse.data}
    return LiveEvent(sse.id or None, sse.event, data if isinstance(data, dict) else {"value": data})
