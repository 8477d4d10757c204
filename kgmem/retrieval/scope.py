"""What a search ranges over: which kinds of element, which vertex labels.

Episodes are vertices labelled ``Episode``; "entities" are all other vertices.
"""

from __future__ import annotations

from dataclasses import dataclass

from kgmem.model import SearchQuery
from kgmem.storage import Connection, NamespaceRef
from kgmem.storage.graph import structural
from kgmem.storage.indexes.candidates import FactInfo

EPISODE = "Episode"

Key = tuple[str, int]
"""("v", vertex graph id) or ("f", fact graph id)."""


@dataclass(frozen=True, slots=True)
class Scope:
    """Label filters for vertex searches (None: no filter) and whether facts count."""

    vertices: bool
    facts: bool
    labels: tuple[str, ...] | None
    exclude_labels: tuple[str, ...] | None
    predicates: tuple[str, ...] | None


def of(q: SearchQuery) -> Scope:
    """The scope a query's types and filters ask for."""
    entities, episodes = "entities" in q.types, "episodes" in q.types
    labels: tuple[str, ...] | None = q.filters.labels or None
    exclude: tuple[str, ...] | None = None
    if entities and not episodes:
        exclude = (EPISODE,)
    elif episodes and not entities:
        labels = tuple(x for x in labels if x == EPISODE) if labels else (EPISODE,)
    return Scope(
        vertices=(entities or episodes) and labels != (),
        facts="facts" in q.types,
        labels=labels,
        exclude_labels=exclude,
        predicates=q.filters.predicates or None,
    )


def label_ok(scope: Scope, label: str) -> bool:
    """Whether a vertex of ``label`` is in scope."""
    if not scope.vertices:
        return False
    if scope.labels is not None and label not in scope.labels:
        return False
    return not (scope.exclude_labels is not None and label in scope.exclude_labels)


def predicate_ok(scope: Scope, predicate: str) -> bool:
    """Whether a fact of ``predicate`` is in scope."""
    return scope.facts and (scope.predicates is None or predicate in scope.predicates)


async def without_structure(
    conn: Connection, ns: NamespaceRef, facts: dict[int, FactInfo]
) -> dict[int, FactInfo]:
    """``facts`` less the structural edges among them (``kgmem.storage.graph.structural``);
    no round trip unless a candidate has a structural predicate."""
    maybe = [i for i, f in facts.items() if f.predicate in structural.PREDICATES]
    if not maybe:
        return facts
    linked = await structural.among(conn, ns, maybe)
    return {i: f for i, f in facts.items() if i not in linked}
