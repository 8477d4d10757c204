"""What text stands for an entity or a fact, for embedding and keyword search."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from kgmem.schema.graph_schema import VERTEX_TEXT_PROPERTIES


def entity_text(properties: Mapping[str, Any]) -> str | None:
    """The entity's name, summary, description and text joined by newlines, or None."""
    parts = [properties.get(key) for key in VERTEX_TEXT_PROPERTIES]
    kept = [p.strip() for p in parts if isinstance(p, str) and p.strip()]
    return "\n".join(kept) if kept else None


FIRST_TEXT_KEYS = ("label", "title")
"""The properties an entity without a name is told by first (``untitled_text``)."""


def untitled_text(uid: str, properties: Mapping[str, Any]) -> str:
    """The text of an entity without a name, summary, description or text (a node a
    graph tool wrote, such as networkx's ``"Valjean"`` or karate club member ``0`` of
    club ``"Mr. Hi"``): its uid, then its ``label`` and ``title``, then its other text
    properties in key order, one a line, each once."""
    keys = [*FIRST_TEXT_KEYS, *sorted(k for k in properties if k not in FIRST_TEXT_KEYS)]
    found = [uid.strip(), *(properties.get(k) for k in keys)]
    kept = [p.strip() for p in found if isinstance(p, str) and p.strip()]
    return "\n".join(dict.fromkeys(kept))


@functools.lru_cache(maxsize=1024)
def predicate_words(predicate: str) -> str:
    """``WORKS_AT`` as ``works at``; ``bornIn`` as ``born in``."""
    spaced = "".join(
        f" {c}" if c.isupper() and i and predicate[i - 1].islower() else c
        for i, c in enumerate(predicate)
    )
    return " ".join(spaced.replace("_", " ").lower().split())


def fact_text(subject: str, predicate: str, object_: str) -> str:
    """A plain sentence for a fact without a caller-supplied text."""
    return f"{subject} {predicate_words(predicate)} {object_}"
