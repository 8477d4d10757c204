"""Random small graphs for the export/import round trips, and a snapshot of what a
namespace holds (identity, labels, properties, locations, fact times, closers, claims)
to compare after exporting and importing it again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import strategies as st

from kgmem import BatchWrite, EntityWrite, FactWrite, GeoPoint, Memory
from kgmem.storage import agtype
from kgmem.storage.graph.fact_reads import SYSTEM_KEYS

UIDS = ("ann", "bö", "東京", "z-9")
LABELS = ("Person", "Place", "Thing")
KEYS = ("name", "label", "age", "height", "alive", "tags", "note")
T0 = datetime(2020, 1, 1, tzinfo=UTC)

_text = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=8
)
_values = st.one_of(
    _text,
    st.integers(-(2**40), 2**40),
    st.floats(-1e6, 1e6, allow_nan=False).filter(lambda x: x != int(x)),
    st.booleans(),
    st.lists(_text, min_size=1, max_size=3),
    st.lists(st.integers(-100, 100), min_size=1, max_size=3),
)
_point = st.builds(GeoPoint, lat=st.floats(-89.5, 89.5), lon=st.floats(-179.5, 179.5))
_days = st.integers(0, 2000).map(lambda d: T0 + timedelta(days=d))


@dataclass(frozen=True)
class Plan:
    """What to write: entities, facts and which facts to close afterwards."""

    entities: list[EntityWrite]
    facts: list[FactWrite]
    closed: list[str]


@st.composite
def plans(draw: st.DrawFn) -> Plan:
    """A graph of up to four entities and five facts (a functional LIVES_IN among them,
    so that a later one closes an earlier one), with sources and valid times."""
    uids = draw(st.lists(st.sampled_from(UIDS), min_size=2, max_size=4, unique=True))
    entities = [
        EntityWrite(
            uid,
            draw(st.sampled_from(LABELS)),
            {"name": draw(_text), **draw(st.dictionaries(st.sampled_from(KEYS[1:]), _values))},
            location=draw(st.none() | _point),
        )
        for uid in uids
    ]
    facts = []
    for n in range(draw(st.integers(1, 5))):
        start, end = draw(st.lists(st.sampled_from(uids), min_size=2, max_size=2, unique=True))
        valid_from = draw(st.none() | _days)
        facts.append(
            FactWrite(
                start,
                draw(st.sampled_from(("KNOWS", "LIVES_IN"))),
                end,
                draw(st.dictionaries(st.sampled_from(("since", "role", "weight")), _values)),
                uid=f"f{n}",
                valid_from=valid_from,
                source=draw(st.none() | st.sampled_from(("census", "atlas"))),
            )
        )
    closed = draw(st.lists(st.sampled_from([f.uid or "" for f in facts]), max_size=1))
    return Plan(entities, facts, closed)


async def write(memory: Memory, ns: str, plan: Plan) -> None:
    """Write ``plan`` into ``ns``: entities, then each fact, then the closes."""
    await memory.write_batch(ns, BatchWrite(entities=plan.entities))
    for fact in plan.facts:
        await memory.write_batch(ns, BatchWrite(facts=[fact]))
    for uid in plan.closed:
        fact = await memory.get_fact(ns, uid)
        if fact.valid_to is None:
            await memory.close_fact(ns, uid)


FACT_PARTS = ("valid_from", "valid_to", "recorded_at", "expired_at", "closed_by", "claims")


async def snapshot(memory: Memory, ns: str) -> dict[str, Any]:
    """The namespace as data: vertices by uid (label, properties, location) and facts by
    uid (label, ends, own properties, times, closer, claims)."""
    q = f'"{ns}"'
    async with memory.database.acquire() as conn:
        vertices = await conn.fetch(
            f"SELECT v.uid, v.label, t.properties::text AS p, v.lat, v.lon FROM {q}._kg_vertex v "
            f"JOIN {q}._ag_label_vertex t ON t.id = v.id"
        )
        facts = await conn.fetch(
            f"SELECT f.uid, f.predicate, s.uid AS s, o.uid AS o, e.properties::text AS p, "
            f"f.valid_from, f.valid_to, f.recorded_at, f.expired_at, c.uid AS closed_by "
            f"FROM {q}._kg_fact f JOIN {q}._ag_label_edge e ON e.id = f.id "
            f"JOIN {q}._kg_vertex s ON s.id = f.subject_id "
            f"JOIN {q}._kg_vertex o ON o.id = f.object_id "
            f"LEFT JOIN {q}._kg_fact c ON c.id = f.closed_by"
        )
        claims = await conn.fetch(
            f"SELECT f.uid, x.uid AS source, c.confidence, c.observed_at FROM {q}._kg_claim c "
            f"JOIN {q}._kg_fact f ON f.id = c.fact_id "
            f"LEFT JOIN {q}._kg_vertex x ON x.id = c.source_id"
        )
    said: dict[str, set[tuple[Any, ...]]] = {}
    for r in claims:
        said.setdefault(r["uid"], set()).add((r["source"], r["confidence"], r["observed_at"]))
    return {
        "vertices": {r["uid"]: _vertex(r) for r in vertices},
        "facts": {r["uid"]: _fact(r, said.get(r["uid"], set())) for r in facts},
    }


def _vertex(r: Any) -> dict[str, Any]:
    props = agtype.decode(r["p"])
    props.pop("uid", None)
    located = None if r["lat"] is None else (r["lat"], r["lon"])
    return {"label": r["label"], "properties": props, "location": located}


def _fact(r: Any, claims: set[tuple[Any, ...]]) -> dict[str, Any]:
    props = {k: v for k, v in agtype.decode(r["p"]).items() if k not in SYSTEM_KEYS}
    fact = {k: r[k] for k in FACT_PARTS if k != "claims"}
    return {"label": r["predicate"], "ends": (r["s"], r["o"]), "properties": props, **fact,
            "claims": claims}  # fmt: skip


def without(found: dict[str, Any], dropped: tuple[str, ...]) -> dict[str, Any]:
    """``found`` without the parts an export format says it drops."""
    vertices = {
        uid: {k: (None if k in dropped else v) for k, v in vertex.items()}
        for uid, vertex in found["vertices"].items()
    }
    facts = {
        uid: {k: (None if k in dropped else v) for k, v in fact.items()}
        for uid, fact in found["facts"].items()
    }
    return {"vertices": vertices, "facts": facts}
