"""The stored entity, declared once: the columns of its side row (``_kg_vertex``) and
the data fields a write may give it.

An entity is a vertex: its label's table holds its property map, which Cypher and Bolt
read and every export and backup carries as it is. Beside it, kgmem keeps a side row
(``SIDE_COLUMNS``) of what its searches and walks read without parsing the map: each
column with its SQL type, where its value comes from and whether an export carries it
(a backup, a dump of the database, keeps every column).

A field added to ``ENTITY_FIELDS`` with ``data_field(name, type=..., description=...)``
is a plain data field and needs no other edit: ``EntityWrite`` and ``EntityPatch`` take
it as a field of their own on every door (REST, MCP, the Python client), checked against
its type, and the entity keeps it in its property map, where every reader of vertices
(Cypher, Bolt, exports, backups and restores) finds it. Records hold such values in
``declared`` (``kgmem.model.declared_fields``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

LABEL = "Entity"
"""The label of an entity written with none."""

Source = Literal["key", "write", "properties", "location", "database", "index"]
"""Where a side column's value comes from: the vertex's key (its graph id), what a write
gives (uid, label), its property map (read by kgmem's describers), its location, the
database (times of the row), or the keyword index (built from ``text``)."""


@dataclass(frozen=True, slots=True)
class SideColumn:
    """One column of ``_kg_vertex``: its SQL type and constraints, where its value comes
    from, and ``carried``: an export keeps it (otherwise an import of the export rebuilds
    it from what the export keeps, or the importing database sets it)."""

    name: str
    type: str
    source: Source
    constraint: str = ""
    carried: bool = False

    @property
    def sql(self) -> str:
        """The column's definition after its name."""
        return f"{self.type} {self.constraint}".strip()


SIDE_COLUMNS: tuple[SideColumn, ...] = (
    SideColumn("id", "ag_catalog.graphid", "key", "PRIMARY KEY"),
    SideColumn("uid", "text", "write", "NOT NULL UNIQUE", carried=True),
    SideColumn("label", "text", "write", "NOT NULL", carried=True),
    SideColumn("name", "text", "properties"),
    SideColumn("text", "text", "properties"),
    SideColumn("lat", "double precision", "location", "CHECK (lat BETWEEN -90 AND 90)", True),
    SideColumn("lon", "double precision", "location", "CHECK (lon BETWEEN -180 AND 180)", True),
    SideColumn("occurred_at", "timestamptz", "properties"),
    SideColumn("created_at", "timestamptz", "database", "NOT NULL DEFAULT now()"),
    SideColumn("updated_at", "timestamptz", "database", "NOT NULL DEFAULT now()"),
    SideColumn("tsv", "tsvector", "index"),
)

COLUMNS = {c.name: c for c in SIDE_COLUMNS}
"""The side columns by name."""

DESCRIBED = tuple(c.name for c in SIDE_COLUMNS if c.source == "properties")
"""The columns read from the property map by kgmem's describers (a vertex's name, its
text to search and embed, when it happened), set again whenever the map is."""

LOCATED = tuple(c.name for c in SIDE_COLUMNS if c.source == "location")
"""The columns of a vertex's point (latitude, longitude)."""

REWRITTEN = tuple(c.name for c in SIDE_COLUMNS if c.source in ("properties", "location"))
"""The columns every write of a vertex sets from its properties and location."""


@dataclass(frozen=True, slots=True)
class EntityField:
    """A data field of entities (see the module docstring): a key of the property map
    that writes may give as a field of their own, of type ``type`` (or null), described
    to callers by ``description``."""

    name: str
    type: Any = str
    description: str = ""


def data_field(name: str, *, type: Any = str, description: str = "") -> EntityField:
    """A plain data field (see the module docstring), kept in the entity's property map."""
    return EntityField(name, type=type, description=description)


ENTITY_FIELDS: tuple[EntityField, ...] = (
    # data_field("nickname", description="What friends call it"),
)

RESERVED = frozenset(
    {"uid", "label", "properties", "embedding", "location", "remove_location", "declared"}
)
"""Names a data field may not take: the property kgmem writes itself (``uid``) and the
fields entity writes have already."""


def _data_fields(fields: tuple[EntityField, ...]) -> tuple[EntityField, ...]:
    names = [f.name for f in fields]
    doubled = sorted({n for n in names if names.count(n) > 1} | (set(names) & RESERVED))
    if doubled:
        raise ValueError(f"entity fields declared twice: {', '.join(doubled)}")
    return fields


DATA_FIELDS = _data_fields(ENTITY_FIELDS)
"""The plain data fields: keys of an entity's property map that writes take as fields
of their own, by the declaration alone."""
