"""Refuse request text that is not valid Unicode before any route reads it.

JSON can spell a lone UTF-16 surrogate (``"\\ud800"``) that Python decodes into a ``str``
no database, JSON encoder or UTF-8 codec accepts; a body can also carry bytes that are
not UTF-8 at all. Either would otherwise fail deep inside a route. This ASGI middleware
checks every JSON body once, at the edge, and answers 422 ``invalid_text``.

Path and query parameters need no check here: the HTTP server and Starlette decode
them as UTF-8 with replacement characters, so they never hold a surrogate.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kgmem.errors import InvalidText
from kgmem.server.problems import from_error
from kgmem.text.jsontext import unencodable

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# A \\u escape of a surrogate (D800-DFFF); bodies without one cannot decode to a lone one.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


class TextGuard:
    """ASGI middleware answering ``invalid_text`` for a JSON body that is not valid
    Unicode text."""

    def __init__(self, app: ASGIApp, exempt: Callable[[str], bool] = lambda path: False) -> None:
        self.app = app
        self.exempt = exempt  # paths whose bodies are streamed, never held in memory

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not _reads_json(scope) or self.exempt(scope["path"]):
            await self.app(scope, receive, send)
            return
        messages = await read_messages(receive)
        body = b"".join(m.get("body", b"") for m in messages)
        problem = text_problem(body)
        if problem is not None:
            await from_error(InvalidText(problem))(scope, receive, send)
            return

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)


def text_problem(body: bytes) -> str | None:
    """Why ``body`` is not valid Unicode JSON text, or None when it is (or when it is
    not JSON at all: the route answers that)."""
    if not body.isascii():  # ASCII (most bodies) is UTF-8; the check is a fast scan
        try:
            body.decode("utf-8")
        except UnicodeDecodeError as exc:
            return f"the body is not UTF-8: byte {exc.start} cannot start or continue a character"
    if not _SURROGATE_ESCAPE.search(body):
        return None
    try:
        orjson.loads(body)  # refuses lone surrogates, accepts escaped pairs
        return None
    except orjson.JSONDecodeError:
        pass
    try:
        value = json.loads(body)  # the parser the routes use
    except (ValueError, RecursionError):
        return None
    where = unencodable(value)
    if where is None:
        return None
    return f"a string in the body holds a lone surrogate ({where}); send valid Unicode text"


def _reads_json(scope: Scope) -> bool:
    """A request whose body FastAPI would read as JSON: no content type, or a JSON one."""
    if scope["type"] != "http" or scope["method"] not in _BODY_METHODS:
        return False
    return json_content_type(scope) is not False


def json_content_type(scope: Scope) -> bool | None:
    """Whether the request's content type is one FastAPI reads as JSON (application/json,
    application/*+json); None when the request names no content type."""
    for name, value in scope["headers"]:
        if name == b"content-type":
            kind: bytes = value.split(b";", 1)[0].strip().lower()
            return kind == b"application/json" or (
                kind.startswith(b"application/") and kind.endswith(b"+json")
            )
    return None


async def read_messages(receive: Receive) -> list[Message]:
    """The request's body messages, up to its end or a disconnect (the size is bounded
    outside, by ``BodyLimit``)."""
    messages = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request" or not message.get("more_body", False):
            return messages
