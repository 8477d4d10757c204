"""The stored episode's own fields, declared once.

An episode is a vertex labelled ``Episode``; its fields are keys of that vertex's
property map, so Cypher and Bolt read them (``e.session``), and exports, backups and
restores carry them with the vertex, with no list of their own.

Most fields are ``coded``: kgmem's code writes and reads them by name (the text, the
time it happened, the extraction's status). A field added here with
``data_field(name, description=...)`` is a plain data field and needs no other edit:
``EpisodeWrite``'s requests on every door take it (REST, MCP, the Python client), the
episode's vertex keeps it, a retry of the episode keeps it, and everything that reads
or carries vertices shows it. Records hold such fields in ``declared`` and show them as
fields of their own (``kgmem.model.declared_fields``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

LABEL = "Episode"
"""The label of an episode's vertex."""


@dataclass(frozen=True, slots=True)
class EpisodeField:
    """One key of an episode vertex's property map.

    ``coded``: kgmem writes and reads it by name; otherwise it is a plain data field
    (see the module docstring) whose value a write may give, of type ``type`` (or null),
    described to callers by ``description``. ``told``: a hit on the episode tells it to
    the frameworks' retrievers (LangChain's document metadata, LlamaIndex's node
    metadata), as every data field is.
    """

    name: str
    coded: bool = False
    type: Any = str
    description: str = ""
    told: bool = True


def _coded(name: str, *, told: bool = False) -> EpisodeField:
    return EpisodeField(name, coded=True, told=told)


def data_field(name: str, *, type: Any = str, description: str = "") -> EpisodeField:
    """A plain data field (see the module docstring), kept on the episode's vertex."""
    return EpisodeField(name, type=type, description=description)


EPISODE_FIELDS: tuple[EpisodeField, ...] = (
    _coded("text"),
    _coded("occurred_at", told=True),
    _coded("extraction"),
    _coded("extraction_error"),
    _coded("input"),
    _coded("preceding"),
    _coded("speaker", told=True),
    _coded("session", told=True),
    _coded("source"),
    _coded("metadata"),
    _coded("tokens"),
    _coded("notes"),
)

KEYS = frozenset(f.name for f in EPISODE_FIELDS)
"""The keys of an episode vertex's property map that kgmem writes."""

TOLD = tuple(f.name for f in EPISODE_FIELDS if f.told)
"""The keys a hit on an episode tells the frameworks' retrievers."""


def _data_fields(fields: tuple[EpisodeField, ...]) -> tuple[EpisodeField, ...]:
    names = [f.name for f in fields]
    doubled = sorted({n for n in names if names.count(n) > 1})
    if doubled:
        raise ValueError(f"episode fields declared twice: {', '.join(doubled)}")
    return tuple(f for f in fields if not f.coded)


DATA_FIELDS = _data_fields(EPISODE_FIELDS)
"""The plain data fields: keys of the episode's vertex that writes set and every reader
of vertices shows, by the declaration alone."""
