"""The REST API's paths, built from names quoted as path segments."""

from __future__ import annotations

from urllib.parse import quote

NAMESPACES = "/v1/namespaces"
"""Where the namespaces are listed and created."""


def segment(text: str) -> str:
    """A path segment, quoted (uids may hold '/', kept as the server's routes expect)."""
    return quote(text, safe="/:@")


def namespace(name: str, *parts: str) -> str:
    """Namespace ``name``'s path, or with ``parts`` (each quoted) one within it, e.g.
    ``namespace("ops", "facts", uid, "close")``."""
    return "/".join([NAMESPACES, *map(segment, (name, *parts))])
