"""What text stands for an entity or a fact, for embedding and keyword search."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from typing import Any

from kgmem.schema.graph_schema import VERTEX_CONTEXT_PROPERTY, VERTEX_OWN_TEXT_PROPERTIES

CONTEXT_SEPARATOR = "\x1e"
"""Between a vertex's own text and its context in its indexed text (U+001E, record
separator): the keyword index counts the words before it twice and those after it once
(``kgmem.text_vector``, migration ``0043_keyword_own_words``)."""


def entity_text(properties: Mapping[str, Any]) -> str | None:
    """The entity's name, summary, description and text joined by newlines, then, after
    ``CONTEXT_SEPARATOR``, its context (an episode's previous turns), or None. A
    separator inside a property reads as a space, so only kgmem's own marks the
    context."""
    own = "\n".join(_texts(properties.get(key) for key in VERTEX_OWN_TEXT_PROPERTIES))
    context = "".join(_texts([properties.get(VERTEX_CONTEXT_PROPERTY)]))
    if context:
        return f"{own}{CONTEXT_SEPARATOR}{context}"
    return own or None


def plain(text: str) -> str:
    """``text`` with any ``CONTEXT_SEPARATOR`` read as a space: a caller's text never
    marks where a context starts."""
    return text.replace(CONTEXT_SEPARATOR, " ")


def _texts(values: Iterable[Any]) -> list[str]:
    """The non-blank strings of ``values``, stripped, without the context separator."""
    kept = (plain(v).strip() for v in values if isinstance(v, str))
    return [v for v in kept if v]


FIRST_TEXT_KEYS = ("label", "title")
"""The properties an entity without a name is told by first (``untitled_text``)."""


def untitled_text(uid: str, properties: Mapping[str, Any]) -> str:
    """The text of an entity without a name, summary, description or text (a node a
    graph tool wrote, such as networkx's ``"Valjean"`` or karate club member ``0`` of
    club ``"Mr. Hi"``): its uid, then its ``label`` and ``title``, then its other text
    properties in key order, one a line, each once."""
    keys = [*FIRST_TEXT_KEYS, *sorted(k for k in properties if k not in FIRST_TEXT_KEYS)]
    return "\n".join(dict.fromkeys(_texts([uid, *(properties.get(k) for k in keys)])))


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
