"""Refuse request bodies above ``KGMEM_SERVER_MAX_BODY_BYTES`` before they are parsed.

A declared ``Content-Length`` above the limit is answered at once (the HTTP server
enforces that the body matches its declared length). A body sent without one
(chunked) is read here up to the limit and then replayed to the app, or refused as
soon as it passes the limit.

Starlette's own ``RequestBodyLimitMiddleware`` is not used: where the app does not read
the body it answers a plain-text 413 instead of problem+json, and an application-wide
limit cannot exempt the streamed import uploads (only a route-level limit can, and
that would mean a limit on every other route one by one).
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kgmem.errors import PayloadTooLarge
from kgmem.server.problems import from_error


class BodyLimit:
    """ASGI middleware enforcing a maximum request body size."""

    def __init__(
        self, app: ASGIApp, max_bytes: int, exempt: Callable[[str], bool] = lambda path: False
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.exempt = exempt

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.exempt(scope["path"]):
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None:
            if declared.isdigit() and int(declared) > self.max_bytes:
                await self._refuse(scope, receive, send)
                return
            await self.app(scope, receive, send)
            return
        buffered: list[Message] = []
        size = 0
        while True:
            message = await receive()
            buffered.append(message)
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            if size > self.max_bytes:
                await self._refuse(scope, receive, send)
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            return buffered.pop(0) if buffered else await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        error = PayloadTooLarge(
            f"the request body exceeds {self.max_bytes} bytes", limit=self.max_bytes
        )
        await from_error(error)(scope, receive, send)
