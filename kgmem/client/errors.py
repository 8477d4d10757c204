"""The error a client raises for a problem answer from the server."""

from __future__ import annotations

from typing import Any


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

    @classmethod
    def of(cls, status: int, body: Any, text: str) -> ApiError:
        """The error for a response with ``status`` and its JSON ``body`` (or ``text``)."""
        if isinstance(body, dict) and "code" in body:
            return cls(status, str(body["code"]), str(body.get("detail", "")), body)
        return cls(status, f"http_{status}", text[:500], body)
