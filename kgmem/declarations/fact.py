"""The stored fact's own fields, declared once: each with its column in ``_kg_fact``,
whether the edge's agtype map mirrors it, whether the doors show it, and how exports
and backups carry it.

Every list of fact fields kgmem keeps is derived from ``FACT_FIELDS``: the keys kgmem
writes into an edge's map (and refuses among a caller's properties), the fact block of
an export, the times an import restores, the fields RDF reifies and CSV drops.

Most fields are ``coded``: kgmem's code reads them by name (``Fact.valid_from``). A
field added here with ``data_field(name, sql, description=...)`` is a plain data field,
and it needs no other edit: writes take it (``FactWrite``'s requests on every door), the
side table gets its column (when the store opens, and in every new namespace), reads
and searches show it, the edge map mirrors it for Cypher and Bolt, and exports, backups
and restores carry it in the fact block. Records hold such fields in ``declared`` and
show them as fields of their own (``kgmem.model.declared_fields``). Its column must be
nullable: the facts stored before it have no value for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Dumped = Literal["fact", "edge", "properties"]
"""Where an export (and so a backup) keeps a field: in the edge's ``fact`` block, as a
field of the edge itself, or in the edge's property map (mirrored fields)."""


@dataclass(frozen=True, slots=True)
class FactField:
    """One field of a stored fact.

    ``sql`` is its column in ``_kg_fact`` (None: computed, not stored there);
    ``mirrored``: kgmem also writes it into the edge's agtype map, as Cypher reads it;
    ``time``: a ``timestamptz``, exported as ISO 8601 text; ``shown``: a field of the
    ``Fact`` every door answers; ``dumped``: where an export and a backup keep it
    (None: not carried); ``csv``: CSV carries it; ``with_group``: it travels with a
    group of records (``revisions``) and is lost with them; ``kind``: its column type
    in the graph-tool exports (GraphML, GEXF, ...).

    ``coded``: kgmem's records have it as an attribute and its code handles it by name;
    otherwise it is a plain data field (see the module docstring), whose value a write
    may give, of type ``type`` (or null), described to callers by ``description``.
    """

    name: str
    sql: str | None
    mirrored: bool = False
    time: bool = False
    shown: bool = True
    dumped: Dumped | None = "properties"
    csv: bool = True
    with_group: str | None = None
    kind: str = "string"
    coded: bool = False
    type: Any = str
    description: str = ""

    @property
    def optional(self) -> bool:
        """Whether a fact may leave it unset."""
        return self.sql is None or "NOT NULL" not in self.sql


def _time(name: str, sql: str = "timestamptz") -> FactField:
    """A time of the fact's validity or belief, mirrored and kept in an export's fact
    block (CSV has no column for it)."""
    return FactField(name, sql, mirrored=True, time=True, dumped="fact", csv=False, coded=True)


def data_field(
    name: str,
    sql: str,
    *,
    type: Any = str,
    description: str = "",
    kind: str = "string",
    mirrored: bool = True,
) -> FactField:
    """A plain data field (see the module docstring): a nullable column ``sql``, kept in
    an export's fact block (CSV included), mirrored into the edge's map for Cypher
    unless ``mirrored`` is False."""
    return FactField(
        name, sql, mirrored=mirrored, dumped="fact", kind=kind, type=type, description=description
    )


FACT_FIELDS: tuple[FactField, ...] = (
    FactField("uid", "text NOT NULL UNIQUE", mirrored=True, dumped="edge", coded=True),
    _time("valid_from"),
    _time("valid_to"),
    _time("recorded_at", "timestamptz NOT NULL DEFAULT now()"),
    _time("expired_at"),
    FactField(
        "revised_at",
        "timestamptz",
        time=True,
        shown=False,
        dumped="edge",
        with_group="revisions",
        coded=True,
    ),
    FactField(
        "confidence",
        "double precision CHECK (confidence BETWEEN 0 AND 1)",
        mirrored=True,
        kind="double",
        coded=True,
    ),
    FactField("text", "text", mirrored=True, coded=True),
    FactField("closed_by", "ag_catalog.graphid", shown=False, dumped="edge", csv=False, coded=True),
    FactField("status", None, dumped="fact", coded=True),
    FactField("trust", None, dumped="fact", kind="double", coded=True),
)

MIRRORED_KEYS = tuple(f.name for f in FACT_FIELDS if f.mirrored)
"""The keys kgmem writes into a fact edge's map (mirrors of its ``_kg_fact`` row), which
a caller's properties may not use."""

MIRRORED_TIMES = tuple(f.name for f in FACT_FIELDS if f.mirrored and f.time)
"""The times of a fact an export writes and an import restores onto it."""

UNSET_TIMES = tuple(f.name for f in FACT_FIELDS if f.mirrored and f.time and f.optional)
"""The mirrored times a fact may leave unset (``recorded_at`` it always has)."""

TIMES = tuple(f.name for f in FACT_FIELDS if f.time)
"""Every time of a fact an export carries (the mirrored ones and ``revised_at``)."""

FACT_BLOCK = tuple(f.name for f in FACT_FIELDS if f.dumped == "fact")
"""The fields of an exported edge's ``fact`` block."""

EDGE_FIELDS = tuple(f.name for f in FACT_FIELDS if f.dumped == "edge" and f.name != "uid")
"""The fact fields an exported edge carries beside its fact block (the uid aside)."""

CSV_DROPPED = tuple(f.name for f in FACT_FIELDS if f.dumped and not f.csv and not f.with_group)
"""The fact fields a CSV export loses (those lost with a group are named by the group)."""

EXPORTED_KINDS = {
    f.name: f.kind
    for f in sorted(FACT_FIELDS, key=lambda f: f.dumped != "fact")
    if f.dumped in ("fact", "edge") and f.name != "uid"
}
"""The fact fields an export writes beside the edge's properties (the fact block first),
each with its column type in the graph-tool formats."""


def _data_fields(fields: tuple[FactField, ...]) -> tuple[FactField, ...]:
    names = [f.name for f in fields]
    doubled = sorted({n for n in names if names.count(n) > 1})
    if doubled:
        raise ValueError(f"fact fields declared twice: {', '.join(doubled)}")
    plain = tuple(f for f in fields if not f.coded)
    for f in plain:
        if f.sql is None or not f.optional or f.with_group or f.dumped != "fact":
            raise ValueError(f"fact field {f.name!r}: declare a data field with data_field()")
    return plain


DATA_FIELDS = _data_fields(FACT_FIELDS)
"""The plain data fields (see the module docstring): each a nullable ``_kg_fact`` column
that writes set, reads show and exports carry by the declaration alone."""
