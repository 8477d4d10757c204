"""The error a client raises for a problem answer from the server."""

from __future__ import annotations

import contextlib
from typing import Any

import httpx

_MAX_RETRY_AFTER_S = 60.0


class ApiError(Exception):
    """The server refused a request: its HTTP ``status`` and the problem's stable
    ``code`` (the same codes as ``kgmem.errors``, listed in api/errors.md)."""

    def __init__(self, status: int, code: str, detail: str, body: Any = None) -> None:
        super().__init__(f"{status} {code}: {detail}")
        self.status = status
        self.code = code
        self.detail = detail
        self.body = body
        self.retry_after_s = 0.0
        """The server's ``Retry-After`` in seconds, 0 when it named none."""
        self.method = ""
        """The HTTP method of the refused request (empty when unknown)."""

    @classmethod
    def of(cls, status: int, body: Any, text: str) -> ApiError:
        """The error for a response with ``status`` and its JSON ``body`` (or ``text``)."""
        if isinstance(body, dict) and "code" in body:
            return cls(status, str(body["code"]), str(body.get("detail", "")), body)
        return cls(status, f"http_{status}", text[:500], body)

    @classmethod
    def from_response(cls, response: httpx.Response) -> ApiError:
        """The error for a refused ``response``, with its ``Retry-After``."""
        try:
            data = response.json()
        except ValueError:
            data = None
        error = cls.of(response.status_code, data, response.text)
        error.retry_after_s = retry_after_s(response)
        with contextlib.suppress(RuntimeError):  # a response built without its request
            error.method = response.request.method
        return error


def retry_after_s(response: httpx.Response) -> float:
    """The response's ``Retry-After`` in seconds (at most a minute), or 0."""
    value = response.headers.get("retry-after")
    try:
        return min(float(value), _MAX_RETRY_AFTER_S) if value else 0.0
    except ValueError:
        return 0.0
