"""Server-sent events as the live stream sends them, parsed line by line."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class LiveEvent:
    """One event: ``id`` (pass as ``last_event_id`` to resume), ``type`` (e.g.
    ``entity.upserted``, or ``reset`` when events may have been missed) and ``data``."""

    id: str | None
    type: str
    data: dict[str, Any] = field(default_factory=dict)


class EventParser:
    """Feed it lines; it yields each event when its blank line arrives."""

    def __init__(self) -> None:
        self._id: str | None = None
        self._type = "message"
        self._data: list[str] = []

    def feed(self, lines: Iterable[str]) -> Iterator[LiveEvent]:
        """The events completed by ``lines``."""
        for line in lines:
            event = self.line(line)
            if event is not None:
                yield event

    def line(self, line: str) -> LiveEvent | None:
        """Take one line; an event when it ends one."""
        if not line:
            return self._dispatch()
        if line.startswith(":"):
            return None
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "id":
            self._id = value
        elif name == "event":
            self._type = value
        elif name == "data":
            self._data.append(value)
        return None

    def _dispatch(self) -> LiveEvent | None:
        if not self._data:
            self._type = "message"
            return None
        text = "\n".join(self._data)
        try:
            data = json.loads(text)
        except ValueError:
            data = {"text": text}
        event = LiveEvent(self._id, self._type, data if isinstance(data, dict) else {"value": data})
        self._type, self._data = "message", []
        return event
