"""The FastAPI application: ``create_app(settings)`` or ``create_app(memory=...)``.

With a ``Memory`` the app serves it and leaves its lifetime to the caller (the CLI,
the tests); with settings only, the app opens the store at start-up and closes it at
shutdown (``uvicorn --factory kgmem.server.app:create_app``).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

import kgmem
from kgmem.errors import DatabaseUnavailable, KgmemError
from kgmem.mcp.http import McpEndpoint
from kgmem.memory import Memory
from kgmem.server import docs_pages, explorer, operations, problems
from kgmem.server.body_limit import BodyLimit
from kgmem.server.fast_search import FastSearch
from kgmem.server.model_notice import ModelNotice
from kgmem.server.observe import Observe
from kgmem.server.read_your_writes import ReadYourWrites
from kgmem.server.routes import (
    agents,
    batch,
    budgets,
    causal,
    context,
    cypher,
    decisions,
    entities,
    episodes,
    facts,
    health,
    live,
    namespaces,
    search,
    tiers,
    timeline,
    transfer,
    verification,
)
from kgmem.server.schemas import Problem
from kgmem.server.text_guard import TextGuard
from kgmem.settings.config import Settings

PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "description": text}
    for status, text in {
        401: "No or invalid API key",
        403: "The key lacks the scope or namespace",
        404: "Namespace, entity or fact not found",
        409: "Conflict with the stored state",
        413: "Body too large",
        422: "Invalid input",
        429: "Over a rate, open streams or transactions, or heavy jobs at once (Retry-After)",
        503: "Database unavailable, or its connections all in use",
    }.items()
}

_log = logging.getLogger("kgmem.server")

DESCRIPTION = """Graph-centric knowledge memory on PostgreSQL with Apache AGE and pgvector.

Errors are `application/problem+json` with a stable `code` (see api/errors.md).
Agents can also use MCP at `/mcp` (streamable HTTP) with the same keys.
Authenticate with `Authorization: Bearer <key>`; a store without keys serves loopback
clients only."""


def create_app(
    settings: Settings | None = None,
    *,
    memory: Memory | None = None,
    close_memory: bool = False,
) -> FastAPI:
    """The kgmem HTTP application serving ``memory`` (or a store opened from ``settings``).

    With ``close_memory`` the app closes the given store at shutdown: a server stopped
    by a signal must release the store inside the ASGI shutdown, because uvicorn
    re-raises the signal once shutdown is complete.
    """
    settings = settings or (memory.settings if memory else Settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store = memory if memory is not None else await Memory.open(settings)
        app.state.memory = store
        await _sweep_imports(app)
        try:
            async with _mcp(app, store):
                yield
        finally:
            await _stop_jobs(app)
            if memory is None or close_memory:
                await store.close()

    app = FastAPI(
        title="kgmem",
        version=kgmem.__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        openapi_tags=operations.TAGS,
        generate_unique_id_function=operations.operation_id,
        docs_url=None,
        redoc_url=None,
    )
    if memory is not None:
        app.state.memory = memory
    app.state.metrics_access = settings.server.metrics
    problems.install(app)
    # Added innermost first: Observe sees every request, ReadYourWrites tags writes with
    # their WAL position and reads with where they ran, BodyLimit bounds every body,
    # then TextGuard refuses text that is not valid Unicode, then FastSearch serves search.
    app.add_middleware(FastSearch)
    app.add_middleware(ModelNotice)
    app.add_middleware(TextGuard, exempt=_streamed)
    app.add_middleware(BodyLimit, max_bytes=settings.server.max_body_bytes, exempt=_streamed)
    app.add_middleware(ReadYourWrites)
    app.add_middleware(Observe)  # outermost: request ids, metrics, unhandled errors
    docs_pages.install(app)
    explorer.install(app)
    app.include_router(health.router)
    app.include_router(live.metrics_router)
    # verification before facts: its /facts/{uid}/verification must win over /facts/{uid}.
    for module in (
        namespaces,
        timeline,
        entities,
        verification,
        facts,
        batch,
        search,
        causal,
        context,
        episodes,
        cypher,
        transfer,
        live,
        agents,
        budgets,
        decisions,
        tiers,
    ):
        app.include_router(module.router, responses=PROBLEM_RESPONSES)
    app.router.routes.append(Route("/mcp", _McpRoute(), methods=["GET", "POST", "DELETE"]))
    _document_problems(app)
    return app


def _streamed(path: str) -> bool:
    """Import uploads are streamed to disk, not held in memory: no body limit for them."""
    return path.endswith("/imports")


@asynccontextmanager
async def _mcp(app: FastAPI, memory: Memory) -> AsyncIterator[None]:
    """The MCP endpoint (``kgmem.mcp``) at /mcp, running while the app runs."""
    async with McpEndpoint(memory).running() as endpoint:
        app.state.mcp = endpoint
        yield


class _McpRoute:
    """An ASGI app (not a request handler) passing /mcp to the running endpoint."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        endpoint: McpEndpoint | None = getattr(scope["app"].state, "mcp", None)
        if endpoint is None:
            raise DatabaseUnavailable("MCP starts with the app's lifespan; it has not started")
        await endpoint(scope, receive, send)


async def _sweep_imports(app: FastAPI) -> None:
    """Mark failed the import jobs of processes that died (their heartbeat is stale), so
    that a restart after a crash does not leave them reading as running."""
    try:
        await transfer.jobs_for(app).sweep()
    except KgmemError as exc:  # the next admission or poll sweeps again
        _log.warning("sweeping import jobs of stopped processes failed: %s", exc)


async def _stop_jobs(app: FastAPI) -> None:
    jobs = getattr(app.state, "import_jobs", None)
    if jobs is not None:
        await jobs.close()


def _document_problems(app: FastAPI) -> None:
    """Declare error responses as application/problem+json in the OpenAPI document,
    and add the examples."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            for operation in (op for path in schema["paths"].values() for op in path.values()):
                for status, response in operation.get("responses", {}).items():
                    content = response.get("content", {})
                    if status[0] in "45" and "application/json" in content:
                        content[problems.MEDIA_TYPE] = content.pop("application/json")
            operations.add_examples(schema)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
