"""Tell a client why its request was slow when it waited for the embedding model.

The local model loads on first use, or in the background from ``kgmem serve``'s start,
and a first start after an install also exports it to ONNX: tens of seconds. A request
that arrived while the model was loading and finished after it was ready answers with
``X-Kgmem-Model-Load: waited`` (and /health shows ``embedding.loaded``), so the delay
is explained rather than silent.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = "x-kgmem-model-load"


class ModelNotice:
    """ASGI middleware adding ``HEADER`` to responses that waited for the model."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        memory = getattr(scope["app"].state, "memory", None) if "app" in scope else None
        if scope["type"] != "http" or memory is None or memory.model_ready:
            await self.app(scope, receive, send)
            return

        async def notify(message: Message) -> None:
            if message["type"] == "http.response.start" and memory.model_ready:
                MutableHeaders(scope=message).append(HEADER, "waited")
            await send(message)

        await self.app(scope, receive, notify)
