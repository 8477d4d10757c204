"""Which candidates meet every constraint of a search, and their time and place scores.

A candidate is judged on its side row (label or predicate, validity, uid): the scope's
labels and predicates, the time constraint (as believed at the query's known time, when
one is asked), structural edges, property filters and the place. The temporal and
spatial axes both generate candidates and score the candidates other axes found, so a
text match outside the window or the area is dropped and one inside it is ranked by
time or distance too. Side rows already read (by an axis, or ahead) are not read again.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from kgmem.model import PlaceQuery, SearchQuery
from kgmem.retrieval import scope as scopes
from kgmem.retrieval import spatial, temporal
from kgmem.retrieval.candidates import Candidates, Judged, Location, SideRows
from kgmem.retrieval.fusion import Scored
from kgmem.retrieval.plan import SearchPlan
from kgmem.retrieval.scope import Key
from kgmem.storage import Connection, NamespaceRef
from kgmem.storage.graph import vertices as vertex_store
from kgmem.storage.indexes import candidates as cand
from kgmem.storage.indexes import geo


@dataclass(frozen=True, slots=True)
class Eligible:
    """Candidates meeting every constraint, with their side rows."""

    vertices: Mapping[int, cand.VertexInfo]
    facts: Mapping[int, cand.FactInfo]


async def read_ahead(
    conn: Connection, ns: NamespaceRef, plan: SearchPlan, found: Candidates
) -> SideRows:
    """The side rows of ``found`` not read with them, and (for a place) the locations of
    the endpoints of the facts already read, in one statement."""
    keys = found.keys()
    vertex_ids = [i for kind, i in keys if kind == "v" and i not in found.vertex_rows]
    fact_ids = [i for kind, i in keys if kind == "f" and i not in found.fact_rows]
    ends: list[int] = []
    if plan.query.place is not None:
        read = (found.fact_rows[i] for kind, i in keys if kind == "f" and i in found.fact_rows)
        ends = sorted({e for f in read for e in (f.subject_id, f.object_id)})
    if not vertex_ids and not fact_ids and not ends:
        return SideRows()
    if plan.query.place is None:
        vertices, facts = await cand.side_rows(conn, ns, vertex_ids, fact_ids)
        return SideRows(vertices, facts)
    vertices, facts, located = await cand.side_rows_and_locations(
        conn, ns, vertex_ids, fact_ids, ends
    )
    return SideRows(vertices, facts, located)


async def constrain(
    conn: Connection, ns: NamespaceRef, plan: SearchPlan, found: Candidates
) -> tuple[Candidates, Eligible]:
    """Every candidate judged (those judged ahead are not judged again); the temporal
    and spatial axes then score every eligible candidate."""
    keys = found.keys()
    ahead = found.judged
    judged = await judge(conn, ns, plan, found, keys - ahead.keys if ahead else keys)
    if ahead is not None:
        judged = ahead.merged(judged)
    axes = dict(found.axes)
    if plan.query.time is not None:
        axes["temporal"] = judged.temporal
    if plan.query.place is not None:
        axes["spatial"] = judged.spatial
    return dataclasses.replace(found, axes=axes), Eligible(judged.vertices, judged.facts)


async def judge(
    conn: Connection, ns: NamespaceRef, plan: SearchPlan, found: Candidates, keys: set[Key]
) -> Judged:
    """The candidates ``keys`` meeting every constraint, and their time and place
    scores; side rows not read yet are read (one statement), as are endpoint locations
    the spatial scores need and were not read ahead."""
    q, scope, now = plan.query, plan.scope, plan.now
    known_v, known_f = found.vertex_rows, found.fact_rows
    vrows = {i: known_v[i] for kind, i in keys if kind == "v" and i in known_v}
    frows = {i: known_f[i] for kind, i in keys if kind == "f" and i in known_f}
    more_v, more_f = await cand.side_rows(
        conn,
        ns,
        [i for kind, i in keys if kind == "v" and i not in vrows],
        [i for kind, i in keys if kind == "f" and i not in frows],
    )
    vrows.update(more_v)
    frows.update(more_f)
    if q.time is not None and q.time.known_at is not None:
        frows = await cand.as_known(conn, ns, frows, q.time.known_at)
    vertices = {
        i: v
        for i, v in vrows.items()
        if scopes.label_ok(scope, v.label) and temporal.vertex_ok(q.time, v)
    }
    facts = {
        i: f
        for i, f in frows.items()
        if scopes.predicate_ok(scope, f.predicate) and temporal.fact_ok(q.time, f, now)
    }
    if not q.include_structural:
        facts = await scopes.without_structure(conn, ns, facts)
    if q.filters.properties:
        vertices, facts = await _with_properties(conn, ns, q, vertices, facts)
    times = _score_time(plan, vertices, facts) if q.time is not None else {}
    places: dict[Key, Scored] = {}
    if q.place is not None:
        vertices, facts, places = await _score_place(conn, ns, plan, found, vertices, facts)
    return Judged(frozenset(keys), vertices, facts, times, places)


async def _with_properties(
    conn: Connection,
    ns: NamespaceRef,
    q: SearchQuery,
    vertices: dict[int, cand.VertexInfo],
    facts: dict[int, cand.FactInfo],
) -> tuple[dict[int, cand.VertexInfo], dict[int, cand.FactInfo]]:
    wanted = q.filters.properties
    props = await vertex_store.properties_of(
        conn,
        ns,
        [(i, v.label) for i, v in vertices.items()] + [(i, f.predicate) for i, f in facts.items()],
    )

    def matches(element_id: int) -> bool:
        have = props.get(element_id, {})
        return all(key in have and have[key] == value for key, value in wanted.items())

    return (
        {i: v for i, v in vertices.items() if matches(i)},
        {i: f for i, f in facts.items() if matches(i)},
    )


def _score_time(
    plan: SearchPlan, vertices: dict[int, cand.VertexInfo], facts: dict[int, cand.FactInfo]
) -> dict[Key, Scored]:
    t, now = plan.query.time, plan.now
    assert t is not None
    scored: dict[Key, Scored] = {}
    for i, v in vertices.items():
        s = temporal.vertex_score(t, v, now)
        if s is not None:
            scored[("v", i)] = s
    for i, f in facts.items():
        scored[("f", i)] = temporal.fact_score(t, f, now)
    return scored


async def _score_place(
    conn: Connection,
    ns: NamespaceRef,
    plan: SearchPlan,
    found: Candidates,
    vertices: dict[int, cand.VertexInfo],
    facts: dict[int, cand.FactInfo],
) -> tuple[dict[int, cand.VertexInfo], dict[int, cand.FactInfo], dict[Key, Scored]]:
    """The candidates that meet the place, and their spatial scores."""
    p, area = plan.query.place, found.area
    assert p is not None
    assert area is not None
    ends = {e for f in facts.values() for e in (f.subject_id, f.object_id)}
    known = {e: found.locations[e] for e in ends if e in found.locations}
    where = {e: at for e, at in known.items() if at is not None}
    if missing := sorted(ends - known.keys()):
        where.update(await geo.locations(conn, ns, missing))
    where.update(
        {i: (v.lat, v.lon) for i, v in vertices.items() if v.lat is not None and v.lon is not None}
    )
    distance = _distances(p, area, where)
    scored: dict[Key, Scored] = {}
    kept_v: dict[int, cand.VertexInfo] = {}
    for i, v in vertices.items():
        d = distance(i)
        if d is not None:
            kept_v[i] = v
            scored[("v", i)] = spatial.score(p, area, d)
    kept_f: dict[int, cand.FactInfo] = {}
    for i, f in facts.items():
        ds = [d for e in (f.subject_id, f.object_id) if (d := distance(e)) is not None]
        if ds:
            kept_f[i] = f
            s = spatial.score(p, area, min(ds))
            scored[("f", i)] = Scored(s.score, f"an endpoint is {s.reason}")
    return kept_v, kept_f, scored


def _distances(
    p: PlaceQuery, area: spatial.Area, where: Mapping[int, Location]
) -> Callable[[int], float | None]:
    """A function from an element to its distance inside the place (None: outside or
    not located), computed once per element: facts share endpoints, and a vertex is
    often also an endpoint."""
    memo: dict[int, float | None] = {}
    # Most candidates of the other axes lie outside the latitudes the circle's boxes
    # span: rejected here with one comparison (``spatial.inside`` checks the boxes).
    south, north = spatial.band(area)

    def distance(element: int) -> float | None:
        if element in memo:
            return memo[element]
        d: float | None
        if element in area.distances:  # found by the spatial axis: its distance is known
            known = area.distances[element]
            d = 0.0 if known is None else known
        else:
            at = where.get(element)
            d = None if at is None or not south <= at[0] <= north else _inside(p, area, at)
        memo[element] = d
        return d

    return distance


def _inside(p: PlaceQuery, area: spatial.Area, at: tuple[float, float]) -> float | None:
    return spatial.inside(p, area, at[0], at[1])
