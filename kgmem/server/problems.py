"""Errors as RFC 9457 problem documents (``application/problem+json``).

Every error response carries ``type``, ``title``, ``status``, ``detail`` and a stable
``code``; ``STATUS`` below is the one table from codes to HTTP statuses, and
``api/errors.md`` lists them for clients (a contract test keeps the two equal).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from kgmem import errors
from kgmem.errors import KgmemError
from kgmem.failover_errors import RETRY_AFTER_S
from kgmem.neo4j_schema import errors as schema_errors

_log = logging.getLogger("kgmem.server")

MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://kgmem.dev/problems/"

STATUS: Mapping[type[KgmemError], int] = {
    KgmemError: 500,
    errors.InvalidInput: 422,
    errors.PayloadTooLarge: 413,
    errors.NotFound: 404,
    errors.Conflict: 409,
    schema_errors.SchemaRuleNotFound: 404,
    schema_errors.SchemaRuleExists: 409,
    errors.VersionMismatch: 412,
    errors.AuthError: 403,
    errors.Unauthenticated: 401,
    errors.DatabaseUnavailable: 503,
    errors.QueryTimeout: 504,
    errors.TooManyRequests: 429,
    errors.EmbeddingError: 502,
    errors.ExtractionError: 502,
}

# Problems the HTTP layer itself raises, keyed by status: FastAPI answers 400 for a body
# it cannot parse at all (a broken multipart form, JSON nested past the parser's depth).
HTTP_CODES: Mapping[int, tuple[str, str]] = {
    400: ("malformed_request", "Request body could not be parsed"),
    404: ("route_not_found", "No such route"),
    405: ("method_not_allowed", "Method not allowed"),
    415: ("unsupported_media_type", "Request body must be JSON"),
}


def http_code(status: int) -> tuple[str, str]:
    """The (code, title) for a problem the HTTP layer raises: its own row in
    ``HTTP_CODES``, else the generic documented code of its class (never a made-up one)."""
    if status in HTTP_CODES:
        return HTTP_CODES[status]
    generic = errors.InvalidRequest if status < 500 else KgmemError
    return generic.code, generic.title


def status_of(cls: type[KgmemError]) -> int:
    """The HTTP status for an error class: the nearest ancestor in ``STATUS``."""
    for ancestor in cls.__mro__:
        if ancestor in STATUS:
            return STATUS[ancestor]
    return 500


def problem(status: int, code: str, title: str, detail: str, **extra: Any) -> JSONResponse:
    """A problem+json response; a ``retry_after_s`` among ``extra`` is also sent as
    Retry-After (whole seconds, at least one)."""
    body = {
        "type": TYPE_BASE + code,
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
        **extra,
    }
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else {}
    if isinstance(extra.get("retry_after_s"), int | float):
        headers["Retry-After"] = str(max(1, math.ceil(extra["retry_after_s"])))
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def from_error(exc: KgmemError) -> JSONResponse:
    """The problem document for a kgmem error. Every 503 says when to try again
    (``retry_after_s``, and Retry-After): the database comes back by itself."""
    extra = {k: v for k, v in exc.extra.items() if k not in {"type", "title", "status", "code"}}
    status = status_of(type(exc))
    if status == 503:
        extra.setdefault("retry_after_s", RETRY_AFTER_S)
    return problem(status, exc.code, exc.title, exc.detail, **extra)


def answer(exc: KgmemError) -> JSONResponse:
    """What the app answers for a kgmem error raised while handling a request (server
    errors are logged too)."""
    status = status_of(type(exc))
    if status >= 500:  # a 503 is expected (a failover, a restart): a warning, no more
        _log.log(
            logging.WARNING if status == 503 else logging.ERROR, "%s: %s", exc.code, exc.detail
        )
    return from_error(exc)


def install(app: FastAPI) -> None:
    """Make every error leave ``app`` as problem+json."""

    @app.exception_handler(KgmemError)
    async def _kgmem(_: Request, exc: KgmemError) -> JSONResponse:
        return answer(exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        if (kind := not_json_body(request, exc)) is not None:
            code, title = HTTP_CODES[415]
            detail = (
                f"this route reads a JSON body, and the request came with {kind}: send "
                "Content-Type: application/json (curl: -H 'Content-Type: application/json')"
            )
            return problem(415, code, title, detail)
        issues = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in exc.errors()
        ]
        err = errors.refused_input(issues)
        return problem(422, err.code, err.title, err.detail, errors=issues)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code, title = http_code(exc.status_code)
        return problem(exc.status_code, code, title, str(exc.detail))

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        _log.exception("unhandled error")
        return problem(500, KgmemError.code, KgmemError.title, "an unexpected error occurred")


def not_json_body(request: Request, exc: RequestValidationError) -> str | None:
    """How the request named its body's type (``no Content-Type`` when it named none)
    when the whole body failed to validate because it was not read as JSON (curl -d
    without a header sends a form; a bare POST sends none); else None."""
    from kgmem.server.text_guard import json_content_type  # it answers with from_error

    if json_content_type(request.scope):
        return None
    if not any(tuple(e.get("loc", ())) == ("body",) for e in exc.errors()):
        return None
    kind = request.headers.get("content-type")
    return "no Content-Type" if kind is None else f"Content-Type {kind.split(';', 1)[0].strip()!r}"


def error_table() -> list[tuple[str, int, str]]:
    """(code, status, title) for every code a client can receive, each once (a subclass
    may keep its parent's code)."""
    rows = {(cls.code, status_of(cls), cls.title) for cls in errors.all_error_classes()}
    rows |= {(code, status, title) for status, (code, title) in HTTP_CODES.items()}
    return sorted(rows)


def error_markdown() -> str:
    """The text of api/errors.md."""
    lines = [
        "# Error codes",
        "",
        "Every error response is `application/problem+json` (RFC 9457) with `type`, `title`,",
        "`status`, `detail` and a stable `code`; some add fields (`uids`, `namespace`,",
        "`errors`, ...). Branch on `code`, never on `detail`. A contract test keeps this",
        "table equal to the server's (kgmem/server/problems.py); regenerate it with",
        "`kgmem errors > api/errors.md`.",
        "",
        "| code | status | title |",
        "|---|---|---|",
    ]
    lines += [f"| `{code}` | {status} | {title} |" for code, status, title in error_table()]
    return "\n".join(lines) + "\n"
