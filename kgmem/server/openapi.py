"""The OpenAPI document, as snapshotted in api/openapi.json."""

from __future__ import annotations

from typing import Any

from kgmem.server.app import create_app
from kgmem.settings.config import Settings


def document() -> dict[str, Any]:
    """The app's OpenAPI document (built without touching a database)."""
    return create_app(Settings()).openapi()
