"""Public data types of kgmem's Python API.

Inputs (``EntityWrite``, ``FactWrite``) describe what a caller wants stored; outputs
(``Entity``, ``Fact``, ...) describe what is stored. All are frozen. Times are
timezone-aware ``datetime`` values; vectors are sequences of floats.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, Literal, TypeVar

T = TypeVar("T")

JsonValue = Any
"""A JSON value: None, bool, int, float, str, list of JSON values or str-keyed map."""

Scope = Literal["read", "write", "admin"]

VerificationStatus = Literal["verified", "contested", "unverified", "refuted"]


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class GeoPoint:
    """A WGS84 position in degrees: latitude in [-90, 90], longitude in [-180, 180]."""

    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class EntityWrite:
    """An entity to create or replace, identified by its ``uid`` within a namespace.

    ``properties`` replace the stored ones entirely. ``embedding`` is used as given;
    without it the entity is embedded from its ``name``, ``summary`` and
    ``description`` when an embedding provider is configured.
    """

    uid: str
    label: str = "Entity"
    properties: Mapping[str, JsonValue] = field(default_factory=dict)
    embedding: Sequence[float] | None = None
    location: GeoPoint | None = None


@dataclass(frozen=True, slots=True)
class EntityPatch:
    """A change to a stored entity with JSON merge-patch semantics (RFC 7386):
    ``properties`` are merged into the stored ones (a None value removes the key,
    nested maps merge the same way); ``label`` and ``location`` replace the stored ones
    when given; ``remove_location`` drops the stored point."""

    label: str | None = None
    properties: Mapping[str, JsonValue] | None = None
    location: GeoPoint | None = None
    remove_location: bool = False


@dataclass(frozen=True, slots=True)
class FactWrite:
    """A fact: the edge ``subject -[predicate]-> object`` with its times and provenance.

    ``valid_from``/``valid_to`` say when it holds in the world (open when None);
    ``recorded_at`` when the store learnt it (now when None). With a ``uid`` that
    already names a fact of the same statement, the fact is updated in place.
    """

    subject: str
    predicate: str
    object: str
    properties: Mapping[str, JsonValue] = field(default_factory=dict)
    uid: str | None = None
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    recorded_at: datetime | None = None
    confidence: float | None = None
    source: str | None = None
    episode: str | None = None
    text: str | None = None
    embedding: Sequence[float] | None = None


@dataclass(frozen=True, slots=True)
class Entity:
    """A stored vertex."""

    uid: str
    label: str
    properties: Mapping[str, JsonValue]
    id: int
    location: GeoPoint | None
    has_embedding: bool
    created_at: datetime
    updated_at: datetime

    @property
    def version(self) -> str:
        """An opaque tag of this state of the entity, new with each write of it (its
        HTTP ``ETag``; ``If-Match`` takes it back)."""
        return version_tag(self.updated_at)


def version_tag(updated_at: datetime) -> str:
    """``Entity.version`` of an entity last written at ``updated_at``."""
    micros = (updated_at - _EPOCH) // timedelta(microseconds=1)
    return f'"{micros:x}"'


@dataclass(frozen=True, slots=True)
class Fact:
    """A stored fact edge with its bi-temporal fields and provenance."""

    uid: str
    id: int
    subject: str
    predicate: str
    object: str
    properties: Mapping[str, JsonValue]
    valid_from: datetime | None
    valid_to: datetime | None
    recorded_at: datetime
    expired_at: datetime | None
    confidence: float | None
    text: str | None
    sources: tuple[str, ...] = ()
    episodes: tuple[str, ...] = ()
    trust: float | None = None
    verification: VerificationStatus | None = None

    @property
    def is_closed(self) -> bool:
        """True once the store has superseded or retracted this fact."""
        return self.expired_at is not None


@dataclass(frozen=True, slots=True)
class EntityDetail:
    """An entity with the facts that touch it."""

    entity: Entity
    outgoing: tuple[Fact, ...]
    incoming: tuple[Fact, ...]


@dataclass(frozen=True, slots=True)
class FactQuery:
    """Which facts to list: any of subject, predicate and object (uids and label), current
    ones only unless ``include_closed``; one page of ``limit`` after ``cursor``."""

    subject: str | None = None
    predicate: str | None = None
    object: str | None = None
    include_closed: bool = False
    cursor: str | None = None
    limit: int = 100


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a keyset-paged listing; pass ``next_cursor`` back for the next page."""

    items: tuple[T, ...]
    next_cursor: str | None


@dataclass(frozen=True, slots=True)
class Namespace:
    """A tenant: its own AGE graph and side tables."""

    name: str
    description: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class NamespaceStats:
    """Counts and size of one namespace. ``facts_current`` and ``facts_closed`` count
    facts about the world; ``structural_edges`` the links episode building writes
    (MENTIONS, PART_OF, PRECEDES, MEMBER_OF; ``kgmem.storage.structural``), which
    ``edges`` counts with the facts per label."""

    name: str
    vertices: Mapping[str, int]
    edges: Mapping[str, int]
    facts_current: int
    facts_closed: int
    embedded_entities: int
    embedded_facts: int
    bytes: int
    structural_edges: int = 0


@dataclass(frozen=True, slots=True)
class BatchWrite:
    """Entities, then facts, then fact closures, applied in one transaction."""

    entities: Sequence[EntityWrite] = ()
    facts: Sequence[FactWrite] = ()


@dataclass(frozen=True, slots=True)
class WriteOutcome:
    """What a write did to one item: its uid and whether it was created or updated."""

    uid: str
    created: bool


@dataclass(frozen=True, slots=True)
class BatchResult:
    """Outcome of a batch: one entry per input, in input order (a fact that restated
    one in force names that fact's uid), and the facts the batch's functional values
    superseded (``closed``)."""

    entities: tuple[WriteOutcome, ...]
    facts: tuple[WriteOutcome, ...]
    closed: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ApiKey:
    """An API key's record (never its secret)."""

    id: str
    name: str
    scopes: tuple[Scope, ...]
    namespaces: tuple[str, ...] | None
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


@dataclass(frozen=True, slots=True)
class IssuedKey:
    """A newly created key: the secret is shown once and stored only as a hash."""

    key: ApiKey
    secret: str


@dataclass(frozen=True, slots=True)
class EmbeddingInfo:
    """The model that produced a store's vectors."""

    provider: str
    model: str
    dimension: int


@dataclass(frozen=True, slots=True)
class HealthReport:
    """What /health reports."""

    database_ok: bool
    server_version: str
    extensions: Mapping[str, str]
    keyword_search: Literal["bm25", "fulltext"]
    embedding: EmbeddingInfo
    embedding_loaded: bool
    embedded_database: bool
    embedding_backend: str | None = None
    database_state: Literal["up", "restarting", "down"] = "up"
    restart_attempt: int = 0
    restarts: int = 0
    database_error: str | None = None


@dataclass(frozen=True, slots=True)
class SourceReliability:
    """A source and how far its claims have proven true (``reliability`` in [0, 1]; None
    until a verification run has scored it). ``copying`` is the probability that it
    copies whoever asserted an item before it."""

    uid: str
    name: str | None
    kind: str | None
    prior_reliability: float | None
    reliability: float | None
    claims: int
    copying: float
    scored_at: datetime | None


@dataclass(frozen=True, slots=True)
class ReliabilityPoint:
    """One reliability a source was given: by a full run or an incremental update."""

    at: datetime
    reliability: float
    claims: int
    run: Literal["full", "incremental"]


@dataclass(frozen=True, slots=True)
class SourceDetail:
    """A source with its reliability history (newest first)."""

    source: SourceReliability
    history: tuple[ReliabilityPoint, ...]


@dataclass(frozen=True, slots=True)
class SourceClaim:
    """A source asserting a value, with the source's reliability."""

    source: str
    reliability: float | None
    value: str
    fact: str
    confidence: float | None
    observed_at: datetime


TrustGround = Literal["consensus", "unscored", "competitors", "nothing"]


@dataclass(frozen=True, slots=True)
class TrustBasis:
    """What a trust figure rests on: ``sources`` distinct sources and ``claims`` claims
    for the value, the mean ``prior`` reliability of those sources (declared, else the
    default; None without sources), and ``rests_on``: ``consensus`` (scored from the
    claims), ``unscored`` (claims not scored yet: trust is None until a run),
    ``competitors`` (no claim for the value; trust is what the scored competing values
    of a functional predicate leave) or ``nothing`` (no claim at all: trust is None, and
    the status is never ``verified``)."""

    rests_on: TrustGround
    sources: int
    claims: int
    prior: float | None


@dataclass(frozen=True, slots=True)
class FactVerification:
    """How well-supported a fact is: ``support`` independent sources for it (copies
    discounted), ``contradiction`` sources for competing values of the same data item,
    ``consensus`` its share of the item's support, ``trust`` the probability it is true."""

    fact: str
    subject: str
    predicate: str
    value: str
    functional: bool
    trust: float | None
    support: float
    contradiction: int
    consensus: float
    status: VerificationStatus
    chosen: bool
    sources_for: tuple[SourceClaim, ...]
    sources_against: tuple[SourceClaim, ...]
    scored_at: datetime | None
    basis: TrustBasis


@dataclass(frozen=True, slots=True)
class CandidateCheck:
    """A candidate statement checked against the memory: the stored facts of its data
    item that match its value and those that contradict it, and the trust the memory
    gives the candidate (the matching fact's, else what is left when competitors hold)."""

    subject: str
    predicate: str
    value: str
    functional: bool
    trust: float | None
    status: VerificationStatus
    matches: tuple[FactVerification, ...]
    contradictions: tuple[FactVerification, ...]
    basis: TrustBasis


@dataclass(frozen=True, slots=True)
class VerificationRun:
    """What a full verification run did."""

    namespace: str
    claims: int
    facts: int
    items: int
    sources: int
    dependent_pairs: int
    iterations: int
    seconds: float
    read_seconds: float = 0.0
    compute_seconds: float = 0.0
    write_seconds: float = 0.0


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

    valid_at: datetime | None = None
    known_at: datetime | None = None
    start: datetime | None = None
    end: datetime | None = None
    half_life_days: float | None = None
    now: datetime | None = None


@dataclass(frozen=True, slots=True)
class PlaceQuery:
    """The spatial axis (WGS84 degrees, kilometres on the sphere).

    ``near`` with ``radius_km``: within that distance; ``near`` alone: the nearest
    ``nearest`` vertices; ``box`` = (south, west, north, east): within the box, which
    crosses the antimeridian when west > east. Facts qualify through their subject or
    object.
    """

    near: GeoPoint | None = None
    radius_km: float | None = None
    box: tuple[float, float, float, float] | None = None
    nearest: int | None = None


@dataclass(frozen=True, slots=True)
class CausalQuery:
    """The causal axis: follow causal edges from ``anchor`` (an entity or event uid)
    ``forward`` to effects or ``backward`` to causes, up to ``depth`` hops, keeping
    paths whose strength (product along the path) is at least ``min_strength``."""

    anchor: str
    direction: Literal["forward", "backward"] = "forward"
    depth: int = 3
    min_strength: float = 0.0


@dataclass(frozen=True, slots=True)
class ExpansionQuery:
    """Graph expansion: a k-hop neighbourhood of the seeds (``hops``, at most
    ``per_hop`` new vertices per hop) ranked by personalised PageRank. Seeds are
    these uids plus the entities whose names the query text mentions."""

    seeds: tuple[str, ...] = ()
    hops: int = 2
    per_hop: int = 50
    damping: float = 0.5
    from_text: bool = True


@dataclass(frozen=True, slots=True)
class SearchFilters:
    """Hard filters: vertex labels, fact predicates, and properties equal to values."""

    labels: tuple[str, ...] = ()
    predicates: tuple[str, ...] = ()
    properties: Mapping[str, JsonValue] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AxisWeights:
    """Weight of each axis in the fusion (0 turns an axis off); see
    ``kgmem.retrieval.fusion``. Only the ratios matter."""

    vector: float = 0.32
    keyword: float = 0.68
    temporal: float = 0.25
    spatial: float = 0.25
    causal: float = 0.25
    graph: float = 0.1

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

    text: str | None = None
    time: TimeQuery | None = None
    place: PlaceQuery | None = None
    causal: CausalQuery | None = None
    expansion: ExpansionQuery | None = None
    filters: SearchFilters = field(default_factory=SearchFilters)
    types: tuple[ResultType, ...] = ("entities", "facts", "episodes")
    k: int = 10
    weights: AxisWeights = field(default_factory=AxisWeights)
    explain: bool = False
    embedding: Sequence[float] | None = None
    min_trust: float | None = None
    order_by: Literal["score", "trust"] = "score"
    include_structural: bool = False
    """Also return structural edges (an episode MENTIONS an entity, ...) as fact hits."""
    fusion: Literal["convex", "rrf", "minmax"] = "minmax"
    context: int = 0
    time_from_text: bool = False


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One result: an entity, episode or fact, its fused score and rank, and per axis
    that found or scored it, a score in [0, 1] and a short reason. ``relevance`` in
    [0, 1] is the weighted mean of the axes' scores, each scaled by the best of this
    search (1: the best on every axis used); ``context`` the neighbouring turns of an
    episode hit when the query asks for them."""

    kind: Literal["entity", "episode", "fact"]
    uid: str
    score: float
    rank: int
    scores: Mapping[str, float]
    reasons: Mapping[str, str]
    entity: Entity | None = None
    fact: Fact | None = None
    trust: float | None = None
    status: VerificationStatus | None = None
    relevance: float = 0.0
    context: tuple[Entity, ...] = ()


@dataclass(frozen=True, slots=True)
class SearchResult:
    """Ranked hits; with ``explain``, the plan and milliseconds spent per stage."""

    hits: tuple[SearchHit, ...]
    plan: tuple[str, ...] | None = None
    timings_ms: Mapping[str, float] | None = None


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
    cause_after_effect: bool
    text: str | None = None


@dataclass(frozen=True, slots=True)
class CausalPath:
    """A path from the anchor: its end vertex, strength (product), steps in order and
    the vertices along it, the anchor first."""

    end: str
    strength: float
    steps: tuple[CausalStep, ...]
    nodes: tuple[CausalNode, ...] = ()

    @property
    def flagged(self) -> bool:
        """True when some cause on the path starts after its effect."""
        return any(s.cause_after_effect for s in self.steps)


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """A fact touching an entity, in valid-time order, with when it was recorded and
    closed."""

    fact: Fact
    direction: Literal["outgoing", "incoming"]


@dataclass(frozen=True, slots=True)
class CypherResult:
    """The answer to a Cypher query: column names, rows of typed JSON values (see
    ``kgmem.cypher.values``), whether rows were cut at the limit, timings in
    milliseconds (plan, database, decode, total) and the rewrites kgmem applied."""

    columns: list[str]
    rows: list[list[Any]]
    truncated: bool
    timings: dict[str, float]
    rewrites: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ContextQuery:
    """What a prompt needs from memory: ``text`` to look for, within ``budget_tokens``.

    ``k`` bounds the search hits the block starts from; ``valid_at`` reads the world as of
    that time; ``min_trust`` leaves out facts scored below it.
    """

    text: str
    budget_tokens: int = 1000
    k: int = 10
    valid_at: datetime | None = None
    min_trust: float | None = None


@dataclass(frozen=True, slots=True)
class ContextFact:
    """A fact in a memory block, with its names, validity and trust."""

    uid: str
    subject: str
    predicate: str
    object: str
    subject_name: str
    object_name: str
    valid_from: datetime | None
    valid_to: datetime | None
    current: bool
    trust: float | None
    status: VerificationStatus | None
    sources: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ContextEpisode:
    """An episode in a memory block with the turns around it in its session."""

    uid: str
    text: str
    occurred_at: str | None
    speaker: str | None
    session: str | None
    session_context: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Contradiction:
    """Competing values of one (subject, predicate): the facts and their values."""

    subject: str
    predicate: str
    facts: tuple[str, ...]
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class MemoryContext:
    """A ready-to-use memory block for a prompt (``text``) and what it was made of.

    ``tokens`` is the block's estimated size (``kgmem.context.estimate_tokens``), never
    above ``budget_tokens``; ``omitted`` counts items that did not fit.
    """

    text: str
    tokens: int
    budget_tokens: int
    facts: tuple[ContextFact, ...]
    episodes: tuple[ContextEpisode, ...]
    contradictions: tuple[Contradiction, ...]
    omitted: int
