"""How kgmem's processes log: plain lines or one JSON object per line, each carrying
the id of the HTTP request it was written for (``request_id``), and quiet libraries.

``configure`` is called once by a command (``kgmem serve``, a worker process, the other
commands); nothing here runs at import time.
"""

from __future__ import annotations

import contextvars
import logging
import sys
import time
from typing import IO, Literal

import orjson

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "kgmem_request_id", default=None
)
"""The id of the HTTP request this task serves (set by ``kgmem.server.observe``)."""

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

# Libraries whose INFO lines are their own chatter, not the service's: the embedded
# server's wrapper prints every pg_ctl and initdb command line and its output, alembic
# a line per migration step (``kgmem migrate`` prints the revision itself).
_QUIET = ("pgserver", "alembic")


class _RequestId(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, request_id (when the
    record was written while serving a request), exc_info as one ``traceback`` string."""

    converter = staticmethod(time.gmtime)  # times end in "Z"

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "process": record.process,
        }
        rid = getattr(record, "request_id", None)
        if rid is not None:
            entry["request_id"] = rid
        if record.exc_info:
            entry["traceback"] = self.formatException(record.exc_info)
        return orjson.dumps(entry).decode()


class _TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        rid = getattr(record, "request_id", None)
        return f"{line} [request {rid}]" if rid is not None else line


def configure(
    level: str, fmt: Literal["text", "json"] = "text", *, stream: IO[str] | None = None
) -> None:
    """Log at ``level`` to ``stream`` (stderr) as ``fmt``; libraries' chatter at WARNING
    unless ``level`` is debug."""
    handler = logging.StreamHandler(stream or sys.stderr)
    formatter = JsonFormatter() if fmt == "json" else _TextFormatter(TEXT_FORMAT)
    handler.setFormatter(formatter)
    handler.addFilter(_RequestId())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    logging.captureWarnings(True)  # warnings become records in the same format
    quiet = logging.DEBUG if level.lower() == "debug" else logging.WARNING
    for name in _QUIET:
        logging.getLogger(name).setLevel(quiet)
    # uvicorn's loggers keep their own handlers unless told otherwise: route them here.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
