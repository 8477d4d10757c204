"""POST /v1/namespaces/{ns}/search answered before FastAPI's routing and dependencies.

Search is what agents call on every turn. Routing a request through the app's nested
routers, solving the key-check dependencies and decoding the body to a dict before
validating it cost about as much CPU as a vector search's own Python work (seen with
cProfile). This ASGI middleware
recognises the route by its path, validates the body straight from its bytes, admits
the caller with the same check (``auth.authorize``) and answers with the route's own
code (``routes.search.answer``).

Anything else goes on to the app untouched: other paths and methods, a body whose
content type is not JSON, a body that does not validate (replayed, so FastAPI answers
with its own 422), a client that disconnects. The route stays the documented one.
"""

from __future__ import annotations

from pydantic import ValidationError
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kgmem.errors import KgmemError
from kgmem.model.search_input import SearchIn
from kgmem.server import problems
from kgmem.server.auth import authorize
from kgmem.server.observe import ROUTE_KEY
from kgmem.server.routes.search import answer
from kgmem.server.text_guard import json_content_type, read_messages

ROUTE = "/v1/namespaces/{ns}/search"
_PREFIX = "/v1/namespaces/"
_SUFFIX = "/search"


class FastSearch:
    """ASGI middleware serving well-formed search requests directly."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        namespace = search_namespace(scope)
        if namespace is None:
            await self.app(scope, receive, send)
            return
        messages = await read_messages(receive)
        body = b"".join(m.get("body", b"") for m in messages)
        try:
            if messages[-1]["type"] != "http.request":
                raise ValueError("the client went away")
            query = SearchIn.model_validate_json(body)
        except (ValueError, ValidationError):
            await self.app(scope, _replay(messages, receive), send)
            return
        request = Request(scope, receive)
        scope[ROUTE_KEY] = ROUTE
        try:
            await authorize(request, "read", namespace)
            response = await answer(request, namespace, query)
        except KgmemError as exc:
            response = problems.answer(exc)
        await response(scope, receive, send)


def search_namespace(scope: Scope) -> str | None:
    """The ``{ns}`` of a JSON POST to the search route, else None."""
    if scope["type"] != "http" or scope["method"] != "POST" or scope.get("root_path"):
        return None
    path: str = scope["path"]
    if not (path.startswith(_PREFIX) and path.endswith(_SUFFIX)):
        return None
    namespace = path[len(_PREFIX) : -len(_SUFFIX)]
    if not namespace or "/" in namespace or not json_content_type(scope):
        return None
    return namespace


def _replay(messages: list[Message], receive: Receive) -> Receive:
    async def replay() -> Message:
        return messages.pop(0) if messages else await receive()

    return replay
