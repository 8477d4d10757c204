"""Tool results as a model reads them best: plain JSON with a one-line summary each."""

from __future__ import annotations

from typing import Any

from pydantic_core import to_jsonable_python

from kgmem.model import Entity, EntityDetail, Fact, NamespaceStats, SearchHit, SearchResult, wire
from kgmem.model.search import fact_summary
from kgmem.model.shown import shown
from kgmem.schema.graph_schema import GraphSchema, LabelSpec


def jsonable(value: Any) -> Any:
    """Records (or lists of them) as JSON values, with the names REST gives them."""
    return wire.jsonable(value)


def record(value: object) -> dict[str, Any]:
    """A record (a dataclass or mapping) as a JSON object, a tool's answer."""
    found = to_jsonable_python(value)
    if not isinstance(found, dict):
        raise TypeError(f"a tool answered {type(value).__name__}, not a record")
    return found


def entity_line(entity: Entity) -> str:
    """``Person "Alice Smith" (alice)``."""
    name = entity.properties.get("name")
    return f'{entity.label} "{name}" ({entity.uid})' if name else f"{entity.label} {entity.uid}"


def fact_line(fact: Fact) -> str:
    """``Alice works at Acme, valid 2024-01-01..now, trust 0.82 (verified)``: the fact in
    words (``kgmem.model.search.fact_summary``) with its validity and trust."""
    start = fact.valid_from.date().isoformat() if fact.valid_from else "?"
    end = fact.valid_to.date().isoformat() if fact.valid_to else "now"
    line = f"{fact_summary(fact)}, valid {start}..{end}"
    if fact.expired_at is not None:
        line += ", no longer believed"
    if fact.trust is not None:
        line += f", trust {fact.trust:.2f}" + (
            f" ({fact.verification})" if fact.verification else ""
        )
    return line


def hit(found: SearchHit) -> dict[str, Any]:
    """One search hit: what it is, its summary (the same as REST's), its fused score,
    per-axis scores and reasons, shown as every door shows them."""
    return {
        "kind": found.kind,
        "uid": found.uid,
        "summary": found.summary,
        "score": shown(found.score),
        "scores": {axis: shown(s) for axis, s in found.scores.items()},
        "reasons": dict(found.reasons),
        "trust": None if found.trust is None else shown(found.trust),
        "status": found.status,
    }


def search(result: SearchResult) -> dict[str, Any]:
    """The hits, best first."""
    return {"hits": [hit(h) for h in result.hits]}


def entity(detail: EntityDetail) -> dict[str, Any]:
    """The entity with its facts, each with a summary line."""
    return {
        "entity": jsonable(detail.entity),
        "summary": entity_line(detail.entity),
        "outgoing": [{"summary": fact_line(f), "fact": jsonable(f)} for f in detail.outgoing],
        "incoming": [{"summary": fact_line(f), "fact": jsonable(f)} for f in detail.incoming],
    }


def schema(graph: GraphSchema, stats: NamespaceStats) -> dict[str, Any]:
    """The declared labels with their properties and semantics, and those in use."""

    def label(spec: LabelSpec) -> dict[str, Any]:
        out: dict[str, Any] = {
            "description": spec.description,
            "properties": {p.name: p.type for p in spec.properties.values()},
        }
        if spec.kind == "edge":
            out |= {"functional": spec.functional, "causal": spec.causal}
        return out

    return {
        "entity_types": {name: label(s) for name, s in graph.vertices.items()},
        "predicates": {name: label(s) for name, s in graph.edges.items()},
        "in_use": {"vertices": dict(stats.vertices), "edges": dict(stats.edges)},
    }
