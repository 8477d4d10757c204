"""Public types of retrieval: search queries and results, causal paths, timelines."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Literal

from pydantic import Field, computed_field

from kgmem.model.records import (
    Entity,
    Fact,
    GeoPoint,
    Properties,
    VerificationStatus,
)
from kgmem.model.shown import Shown
from kgmem.model.times import Instant

# -- retrieval -------------------------------------------------------------------

ResultType = Literal["entities", "facts", "episodes"]
Axis = Literal["vector", "keyword", "temporal", "spatial", "causal", "graph"]
AXES: tuple[Axis, ...] = ("vector", "keyword", "temporal", "spatial", "causal", "graph")


@dataclass(frozen=True, slots=True)
class TimeQuery:
    """The temporal axis.

    ``valid_at``: true in the world at that time. ``known_at``: as the store believed
    it then. Both together: "as of". ``start``/``end``: a window [start, end) that a
    fact's validity or a vertex's ``occurred_at`` must overlap. ``half_life_days``:
    recency decay, score 0.5 ** (age / half-life) with the age measured from ``now``
    (default: the time of the query). Without ``valid_at``, ``known_at`` or a window,
    only current facts qualify; with one, closed facts qualify when that time falls
    inside them.
    """

    valid_at: Annotated[Instant | None, Field(description="True in the world at")] = None
    known_at: Annotated[Instant | None, Field(description="As the store knew it at")] = None
    start: Annotated[Instant | None, Field(description="Window start (inclusive)")] = None
    end: Annotated[Instant | None, Field(description="Window end (exclusive)")] = None
    half_life_days: Annotated[
        float | None,
        Field(description="Recency decay: the score halves every this many days"),
    ] = None
    now: Annotated[Instant | None, Field(description="Decay reference (default: now)")] = None


@dataclass(frozen=True, slots=True)
class PlaceQuery:
    """The spatial axis (WGS84 degrees, kilometres on the sphere).

    ``near`` with ``radius_km``: within that distance; ``near`` alone: the nearest
    ``nearest`` vertices; ``box`` = (south, west, north, east): within the box, which
    crosses the antimeridian when west > east. Facts qualify through their subject or
    object.
    """

    near: GeoPoint | None = None
    radius_km: Annotated[float | None, Field(description="Within this distance of near")] = None
    box: Annotated[
        tuple[float, float, float, float] | None,
        Field(description="[south, west, north, east] in degrees; west > east crosses 180°"),
    ] = None
    nearest: Annotated[int | None, Field(description="The k vertices nearest to near")] = None


@dataclass(frozen=True, slots=True)
class CausalQuery:
    """The causal axis: follow causal edges from ``anchor`` (an entity or event uid)
    ``forward`` to effects or ``backward`` to causes, up to ``depth`` hops, keeping
    paths whose strength (product along the path) is at least ``min_strength``."""

    anchor: Annotated[str, Field(description="uid of the entity or event to trace from")]
    direction: Annotated[
        Literal["forward", "backward"], Field(description="forward: effects; backward: causes")
    ] = "forward"
    depth: Annotated[int, Field(description="Most hops, 1..6")] = 3
    min_strength: Annotated[float, Field(description="Prune paths weaker than this")] = 0.0


@dataclass(frozen=True, slots=True)
class ExpansionQuery:
    """Graph expansion: a k-hop neighbourhood of the seeds (``hops``, at most
    ``per_hop`` new vertices per hop) ranked by personalised PageRank. Seeds are
    these uids plus the entities whose names the query text mentions."""

    seeds: Annotated[tuple[str, ...], Field(description="uids to start from")] = ()
    hops: Annotated[int, Field(description="1..3")] = 2
    per_hop: Annotated[int, Field(description="Most new vertices per hop")] = 50
    damping: Annotated[float, Field(description="PageRank damping, (0, 1)")] = 0.5
    from_text: Annotated[bool, Field(description="Also seed entities the text names")] = True


@dataclass(frozen=True, slots=True)
class SearchFilters:
    """Hard filters: vertex labels, fact predicates, and properties equal to values."""

    labels: Annotated[tuple[str, ...], Field(description="Vertex labels to keep")] = ()
    predicates: Annotated[tuple[str, ...], Field(description="Fact predicates to keep")] = ()
    properties: Annotated[
        Properties, Field(description="Properties that must equal these values")
    ] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AxisWeights:
    """Weight of each axis in the fusion (0 turns an axis off); see
    ``kgmem.retrieval.fusion``. Only the ratios matter. ``nearby_keyword`` and
    ``nearby_vector`` (``minmax`` fusion only) weigh the best keyword and vector score
    of another candidate that occurred within an hour of a candidate
    (``kgmem.retrieval.nearby``); ``speaker`` (``minmax`` only) favours the episodes of
    a speaker the search's text names (``kgmem.retrieval.speakers``); ``statement``
    (``minmax`` only) favours what tells over episodes that ask
    (``kgmem.retrieval.statement_favouring``); ``first_person`` (``minmax`` only) favours the
    episodes whose speaker speaks in the first person
    (``kgmem.retrieval.first_person``); ``present`` (``minmax`` only) favours the newest
    statements when the search text asks about the present (``kgmem.retrieval.present``);
    ``answer_type`` (``minmax`` only) favours the episodes that hold the kind of answer
    the search text asks for (``kgmem.retrieval.answer_types``); ``named_time``
    (``minmax`` only) favours what occurred in the time the search text names
    (``kgmem.retrieval.named_times``)."""

    vector: float = 0.08
    keyword: float = 0.24
    temporal: float = 0.25
    spatial: float = 0.25
    causal: float = 0.25
    graph: float = 0.1
    nearby_keyword: Annotated[
        float,
        Field(
            description="minmax fusion: weight of the best keyword score of another hit "
            "that occurred within an hour of this one"
        ),
    ] = 0.06
    nearby_vector: Annotated[
        float,
        Field(
            description="minmax fusion: weight of the best vector score of another hit "
            "that occurred within an hour of this one"
        ),
    ] = 0.07
    speaker: Annotated[
        float,
        Field(
            description="minmax fusion: weight of an episode's speaker being named in the "
            "search text"
        ),
    ] = 0.05
    statement: Annotated[
        float,
        Field(
            description="minmax fusion: weight of a hit telling rather than asking (an "
            "episode whose last sentence mark is a question mark asks)"
        ),
    ] = 0.04
    first_person: Annotated[
        float,
        Field(
            description="minmax fusion: weight of an episode speaking in the first person "
            "(its text holds I, me, my, we, us or our)"
        ),
    ] = 0.07
    present: Annotated[
        float,
        Field(
            description="minmax fusion, for a search text about the present ('now', "
            "'currently', 'these days'): weight of a hit being the newest statement"
        ),
    ] = 0.4
    answer_type: Annotated[
        float,
        Field(
            description="minmax fusion, for a search text that asks when, how many or "
            "where/who: weight of an episode holding a time, a number or a name"
        ),
    ] = 0.13
    named_time: Annotated[
        float,
        Field(
            description="minmax fusion, for a search text that names a time ('in May "
            "2023', 'last summer') and no time query: weight of a hit having occurred then"
        ),
    ] = 0.26

    def of(self, axis: Axis) -> float:
        """The weight of ``axis``."""
        return float(getattr(self, axis))


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """One search along any combination of axes; at least one must be given.

    ``embedding`` is the query's own vector (the store's dimension) for callers that
    embed themselves; otherwise ``text`` is embedded with the store's model.
    ``fusion``: ``convex`` (scores scaled by their best, combined), ``minmax`` (scores
    scaled between their floor and best, combined) or ``rrf`` (ranks combined), see
    ``kgmem.retrieval.fusion``. ``context``: with each episode hit, up to this many
    turns before and after it in its session (0..10). ``time_from_text``: without a
    ``time``, use the window a time expression in ``text`` names ("in May 2023", "last
    summer"; ``kgmem.retrieval.question``).
    """

    text: Annotated[str | None, Field(description="Query text (embedded and keyword)")] = None
    time: TimeQuery | None = None
    place: PlaceQuery | None = None
    causal: CausalQuery | None = None
    expansion: ExpansionQuery | None = None
    filters: SearchFilters = field(default_factory=SearchFilters)
    types: Annotated[tuple[ResultType, ...], Field(description="Which kinds of result")] = (
        "entities",
        "facts",
        "episodes",
    )
    k: Annotated[int, Field(description="How many results, 1..1000")] = 10
    weights: AxisWeights = field(default_factory=AxisWeights)
    explain: Annotated[bool, Field(description="Add the plan and time per stage")] = False
    embedding: Annotated[
        Sequence[float] | None,
        Field(description="Your own query vector instead of embedding the text"),
    ] = None
    min_trust: Annotated[
        float | None,
        Field(description="Drop fact hits whose consensus trust is below this (0..1) or unscored"),
    ] = None
    order_by: Annotated[
        Literal["score", "trust"],
        Field(description="Rank by fused relevance score or by fact trust"),
    ] = "score"
    include_structural: Annotated[
        bool,
        Field(
            description="Also return structural edges (an episode MENTIONS an entity, PART_OF "
            "its session, ...) as fact hits"
        ),
    ] = False
    fusion: Annotated[
        Literal["convex", "rrf", "minmax"],
        Field(
            description="convex: weighted mean of each axis's scores scaled by its best; "
            "minmax: weighted mean of each axis's scores scaled between its floor and its "
            "best; rrf: weighted reciprocal-rank fusion"
        ),
    ] = "minmax"
    context: Annotated[
        int,
        Field(
            description="With each episode hit, up to this many turns before and "
            "after it in its session (0..10)"
        ),
    ] = 0
    time_from_text: Annotated[
        bool,
        Field(
            description="Without a time query, use the window a time expression in the text "
            "names ('in May 2023', 'last summer') as one"
        ),
    ] = False


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One result: an entity, episode or fact, its fused score and rank, and per axis
    that found or scored it, a score in [0, 1] and a short reason. ``relevance`` in
    [0, 1] is the weighted mean of the axes' scores, each scaled by the best of this
    search (1: the best on every axis used); ``context`` the neighbouring turns of an
    episode hit when the query asks for them."""

    kind: Literal["entity", "episode", "fact"]
    uid: str
    score: Annotated[Shown, Field(description="Fused score the hits are ranked by")]
    rank: int
    scores: Annotated[Mapping[str, Shown], Field(description="Per axis, in [0, 1]")]
    reasons: Annotated[Mapping[str, str], Field(description="Per axis, why it matched")]
    entity: Entity | None = None
    fact: Fact | None = None
    trust: Annotated[Shown | None, Field(description="A fact hit's consensus trust")] = None
    status: Annotated[
        VerificationStatus | None, Field(description="A fact hit's verification status")
    ] = None
    relevance: Annotated[
        Shown,
        Field(
            description="In [0, 1]: weighted mean of the axes' scores, each scaled by the "
            "best of this search; 1 = best on every axis used"
        ),
    ] = 0.0
    context: Annotated[
        tuple[Entity, ...],
        Field(
            description="With context: the episode's neighbouring turns in its session, in order"
        ),
    ] = ()

    def _summary(self) -> str:
        return hit_summary(self)

    summary = computed_field(
        description="One line a reader knows the hit by: a fact's own text (else subject, "
        "predicate and object), an episode's text (its first 300 characters), an "
        "entity's name"
    )(property(_summary))


SUMMARY_CHARS = 300
"""Longest summary of a hit, in characters (an episode's text is cut there)."""


def hit_summary(hit: SearchHit) -> str:
    """The one line every door shows for ``hit`` (``SearchHit.summary``)."""
    if hit.fact is not None:
        return fact_summary(hit.fact)
    if hit.entity is None:
        return hit.uid
    props = hit.entity.properties
    for key in ("name", "text", "summary", "title"):
        value = props.get(key)
        if isinstance(value, str) and value.strip():
            return " ".join(value.split())[:SUMMARY_CHARS]
    return hit.uid


def fact_summary(fact: Fact) -> str:
    """A fact in words: its own text (``Pixel likes tuna``), else its subject, predicate
    and object."""
    if fact.text and fact.text.strip():
        return " ".join(fact.text.split())[:SUMMARY_CHARS]
    return f"{fact.subject} {fact.predicate} {fact.object}"


@dataclass(frozen=True, slots=True)
class SearchResult:
    """Ranked hits; with ``explain``, the plan and milliseconds spent per stage."""

    hits: tuple[SearchHit, ...]
    plan: Annotated[tuple[str, ...] | None, Field(description="With explain: the stages run")] = (
        None
    )
    timings_ms: Annotated[
        Mapping[str, float] | None, Field(description="With explain: milliseconds per stage")
    ] = None


@dataclass(frozen=True, slots=True)
class CausalNode:
    """A vertex on a causal path: its uid, label and name (None when it has none)."""

    uid: str
    label: str
    name: str | None = None


@dataclass(frozen=True, slots=True)
class CausalStep:
    """One causal edge on a path: ``cause -[predicate]-> effect``, with the fact's text."""

    fact: str
    cause: str
    effect: str
    predicate: str
    strength: float
    lag: str | None
    cause_after_effect: Annotated[bool, Field(description="The cause starts after its effect")]
    text: Annotated[str | None, Field(description="The causal fact's text")] = None


@dataclass(frozen=True, slots=True)
class CausalPath:
    """A path from the anchor: its end vertex, strength (product), steps in order and
    the vertices along it, the anchor first."""

    end: str
    strength: Annotated[float, Field(description="Product of the strengths along the path")]
    steps: tuple[CausalStep, ...]
    nodes: Annotated[
        tuple[CausalNode, ...],
        Field(description="The vertices along the path, the anchor first"),
    ] = ()

    def _flagged(self) -> bool:
        return any(s.cause_after_effect for s in self.steps)

    flagged = computed_field(description="Some cause on the path starts after its effect")(
        property(_flagged, doc="True when some cause on the path starts after its effect.")
    )


@dataclass(frozen=True, slots=True)
class CausalTrace:
    """The causal paths from ``anchor`` in one ``direction``, strongest first."""

    anchor: str
    direction: Literal["forward", "backward"]
    paths: tuple[CausalPath, ...]


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """A fact touching an entity, in valid-time order, with when it was recorded and
    closed."""

    fact: Fact
    direction: Literal["outgoing", "incoming"]


@dataclass(frozen=True, slots=True)
class Timeline:
    """The facts touching the entity ``uid``, in valid-time order."""

    uid: str
    entries: tuple[TimelineEntry, ...]
