"""A sample of the graph, per label and per relationship type, that the schema
procedures describe (``apoc.meta.*``, ``db.schema.*TypeProperties``).

APOC reads a sample of each label's nodes (``sample``, 1000 by default; -1 or 0 reads
them all) and of the relationships at them; kgmem reads the first ``sample`` nodes of
each label and the first ``sample`` relationships of each type, with one read-only
Cypher query per label and per type, each bounded by ``LIMIT``. Counts come from the
namespace's statistics, not from the sample.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kgmem.cypher import stored_values, temporal_text
from kgmem.cypher import temporal as t
from kgmem.procedures.registry import Reader

DEFAULT_SAMPLE = 1000


@dataclass(frozen=True, slots=True)
class Elements:
    """What the sample holds of one label or type: how many elements it has in all,
    the property maps read, and (nodes) their label sets."""

    name: str
    count: int
    properties: list[dict[str, Any]] = field(default_factory=list)
    label_sets: list[tuple[str, ...]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Pattern:
    """Relationships of one type from nodes of one label: the end nodes' labels seen,
    how many relationships, start nodes and end nodes the sample holds."""

    start: str
    type: str
    ends: tuple[str, ...]
    count: int
    starts: int
    end_nodes: int


@dataclass(frozen=True, slots=True)
class Sample:
    nodes: dict[str, Elements]
    relationships: dict[str, Elements]
    patterns: list[Pattern]


@dataclass(frozen=True, slots=True)
class Config:
    """The sampling options APOC's procedures take, read from their config map."""

    sample: int = DEFAULT_SAMPLE
    include_labels: frozenset[str] = frozenset()
    exclude_labels: frozenset[str] = frozenset()
    include_rels: frozenset[str] = frozenset()
    exclude_rels: frozenset[str] = frozenset()

    @classmethod
    def read(cls, config: Mapping[str, Any] | None) -> Config:
        given = dict(config or {})
        sample = given.get("sample", DEFAULT_SAMPLE)
        return cls(
            sample=sample if isinstance(sample, int) and not isinstance(sample, bool) else 1000,
            include_labels=_names(given.get("includeLabels") or given.get("labels")),
            exclude_labels=_names(given.get("excludeLabels") or given.get("excludes")),
            include_rels=_names(given.get("includeRels") or given.get("rels")),
            exclude_rels=_names(given.get("excludeRels")),
        )

    def label(self, name: str) -> bool:
        return (not self.include_labels or name in self.include_labels) and (
            name not in self.exclude_labels
        )

    def rel(self, name: str) -> bool:
        return (not self.include_rels or name in self.include_rels) and (
            name not in self.exclude_rels
        )

    @property
    def limit(self) -> str:
        return "" if self.sample <= 0 else f" LIMIT {self.sample}"


def _names(value: Any) -> frozenset[str]:
    if isinstance(value, str):
        return frozenset([value])
    if isinstance(value, list):
        return frozenset(v for v in value if isinstance(v, str))
    return frozenset()


def quoted(name: str) -> str:
    """A label or type in backticks, whatever it holds."""
    return "`" + name.replace("`", "``") + "`"


async def read(reader: Reader, config: Config) -> Sample:
    """The sample ``config`` asks for (see the module docstring)."""
    stats = await reader.stats()
    labels = sorted(k for k, n in stats.vertices.items() if n > 0 and config.label(k))
    types = sorted(k for k, n in stats.edges.items() if n > 0 and config.rel(k))
    nodes = {label: await _nodes(reader, label, stats.vertices[label], config) for label in labels}
    relationships: dict[str, Elements] = {}
    patterns: list[Pattern] = []
    for kind in types:
        elements, found = await _relationships(reader, kind, stats.edges[kind], config)
        relationships[kind] = elements
        patterns.extend(p for p in found if p.start in nodes)
    return Sample(nodes, relationships, patterns)


async def _nodes(reader: Reader, label: str, count: int, config: Config) -> Elements:
    result = await reader.cypher(
        f"MATCH (n:{quoted(label)}) WITH n{config.limit} RETURN labels(n), properties(n)"
    )
    sets = [tuple(sorted(row[0])) for row in result.rows]
    return Elements(label, count, [dict(row[1] or {}) for row in result.rows], sets)


async def _relationships(
    reader: Reader, kind: str, count: int, config: Config
) -> tuple[Elements, list[Pattern]]:
    result = await reader.cypher(
        f"MATCH (a)-[r:{quoted(kind)}]->(b) WITH a, r, b{config.limit} "
        "RETURN labels(a), properties(r), labels(b), id(a), id(b)"
    )
    elements = Elements(kind, count, [dict(row[1] or {}) for row in result.rows])
    return elements, _patterns(kind, result.rows)


def _patterns(kind: str, rows: Iterable[list[Any]]) -> list[Pattern]:
    ends: dict[str, Counter[str]] = {}
    counts: Counter[str] = Counter()
    starts: dict[str, set[int]] = {}
    end_nodes: dict[str, set[int]] = {}
    for start_labels, _, end_labels, start_id, end_id in rows:
        for label in start_labels or ():
            ends.setdefault(label, Counter()).update(end_labels or ())
            counts[label] += 1
            starts.setdefault(label, set()).add(start_id)
            end_nodes.setdefault(label, set()).add(end_id)
    return [
        Pattern(label, kind, tuple(sorted(ends[label])), counts[label], len(starts[label]),
                len(end_nodes[label]))
        for label in sorted(ends)
    ]  # fmt: skip


_TYPES = ((bool, "BOOLEAN"), (int, "INTEGER"), (float, "FLOAT"), (str, "STRING"),
          (list, "LIST"), (Mapping, "MAP"))  # fmt: skip


_TEMPORAL = {t.Date: "DATE", t.DateTime: "DATE_TIME", t.LocalDateTime: "LOCAL_DATE_TIME",
             t.Time: "TIME", t.LocalTime: "LOCAL_TIME", t.Duration: "DURATION"}  # fmt: skip


def type_name(value: Any) -> str:
    """APOC's name of a value's type (``apoc.meta.cypher.type``): a temporal value kgmem
    stores as its ISO text is the type Bolt sends it as (``kgmem.cypher.temporal_text``),
    a stored point POINT and stored bytes BYTE_ARRAY (``kgmem.cypher.stored_values``)."""
    if value is None:
        return "NULL"
    if isinstance(value, str):
        temporal = temporal_text.read(value)
        return "STRING" if temporal is None else _TEMPORAL[type(temporal)]
    if isinstance(value, dict):
        carried = stored_values.decode(value)
        if carried is not None:
            return "BYTE_ARRAY" if isinstance(carried, bytes) else "POINT"
    return next((name for python, name in _TYPES if isinstance(value, python)), "ANY")


def property_types(elements: Elements) -> dict[str, Counter[str]]:
    """Per property key of the sample, how often each type was seen, keys in the order
    first met."""
    found: dict[str, Counter[str]] = {}
    for properties in elements.properties:
        for key, value in properties.items():
            found.setdefault(key, Counter())[type_name(value)] += 1
    return found
