"""Public data types of kgmem's Python API: what is written and stored (entities,
facts, namespaces, keys, health, Cypher answers).

Inputs (``EntityWrite``, ``FactWrite``) describe what a caller wants stored; outputs
(``Entity``, ``Fact``, ...) describe what is stored. All are frozen. Times are
timezone-aware ``datetime`` values; vectors are sequences of floats.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Generic, Literal, TypeVar

import pydantic
from pydantic import AliasChoices, Field, computed_field

from kgmem.declarations import entity as entity_declaration
from kgmem.declarations.fact import DATA_FIELDS
from kgmem.model.cluster import ClusterReport
from kgmem.model.cypher_summary import NO_CHANGES, CypherCounters, QueryType
from kgmem.model.declared_fields import carry
from kgmem.model.shown import Shown
from kgmem.model.times import Instant, TimeText

T = TypeVar("T")

JsonValue = pydantic.JsonValue
"""A JSON value: None, bool, int, float, str, list of JSON values or str-keyed map."""

Properties = Mapping[str, Any]
"""A vertex's or edge's properties: JSON values by name, which each reader narrows to
what it expects (a name is a str, aliases a list); the store keeps them as JSON."""

Scope = Literal["read", "write", "admin"]

VerificationStatus = Literal["verified", "contested", "unverified", "refuted"]

FactStatus = Literal["current", "closed"]

DatabaseState = Literal["up", "restarting", "down"]
"""The database as /health and /readyz report it (``restarting``: the embedded server
died and is being started again)."""

GraphId = Annotated[
    int,
    Field(
        validation_alias=AliasChoices("graph_id", "id"),
        serialization_alias="graph_id",
        description="AGE graph id (changes if the label changes)",
    ),
]
"""A vertex's or edge's AGE id: ``id`` in Python, ``graph_id`` on the wire."""


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
    label: Annotated[str, Field(description="Vertex label, e.g. Person")] = "Entity"
    properties: Properties = field(default_factory=dict)
    embedding: Annotated[
        Sequence[float] | None,
        Field(description="Your own vector; otherwise name/summary/description is embedded"),
    ] = None
    location: GeoPoint | None = None
    # The declared data fields' values, shown as fields of their own (see carry below).
    declared: Annotated[Mapping[str, Any], Field(exclude=True)] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class EntityPatch:
    """A change to a stored entity with JSON merge-patch semantics (RFC 7386):
    ``properties`` are merged into the stored ones (a None value removes the key,
    nested maps merge the same way); ``label`` and ``location`` replace the stored ones
    when given; ``remove_location`` drops the stored point."""

    label: Annotated[str | None, Field(description="A new vertex label")] = None
    properties: Annotated[
        Properties | None,
        Field(description="Properties to set; a null value removes that property"),
    ] = None
    location: Annotated[GeoPoint | None, Field(description="A new point; null removes it")] = None
    remove_location: bool = False
    # The declared data fields given (null removes one), shown as fields of their own.
    declared: Annotated[Mapping[str, Any], Field(exclude=True)] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class FactWrite:
    """A fact: the edge ``subject -[predicate]-> object`` with its times and provenance.

    ``valid_from``/``valid_to`` say when it holds in the world (open when None): times,
    or expressions ("last May", "July 1") read against ``recorded_at``;
    ``recorded_at`` when the store learnt it (now when None). With a ``uid`` that
    already names a fact of the same statement, the fact is updated in place.
    """

    subject: Annotated[str, Field(description="uid of the subject entity")]
    predicate: Annotated[str, Field(description="Edge label, e.g. WORKS_AT")]
    object: Annotated[str, Field(description="uid of the object entity")]
    properties: Properties = field(default_factory=dict)
    uid: Annotated[str | None, Field(description="Stable id; generated when absent")] = None
    valid_from: Annotated[
        TimeText | None,
        Field(
            description="When it starts to hold: an ISO time, or an expression such as "
            "'last May' read against recorded_at",
        ),
    ] = None
    valid_to: Annotated[TimeText | None, Field(description="When it stops holding")] = None
    recorded_at: Annotated[Instant | None, Field(description="When it was learnt (now)")] = None
    confidence: Annotated[float | None, Field(description="0..1")] = None
    source: Annotated[str | None, Field(description="uid of the asserting Source")] = None
    episode: Annotated[str | None, Field(description="uid of the asserting episode")] = None
    text: Annotated[str | None, Field(description="The fact as a sentence")] = None
    embedding: Sequence[float] | None = None
    # The declared data fields' values, shown as fields of their own (see carry below).
    declared: Annotated[Mapping[str, Any], Field(exclude=True)] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Entity:
    """A stored vertex."""

    uid: str
    label: str
    properties: Properties
    id: GraphId
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
    id: GraphId
    subject: str
    predicate: str
    object: str
    properties: Properties
    valid_from: datetime | None
    valid_to: datetime | None
    recorded_at: datetime
    expired_at: datetime | None
    confidence: float | None
    text: str | None
    sources: tuple[str, ...] = ()
    episodes: tuple[str, ...] = ()
    trust: Shown | None = None
    verification: VerificationStatus | None = None
    notes: Annotated[
        tuple[str, ...],
        Field(
            description="What writing this fact decided and a reader should know: a date "
            "read in a chosen direction, the fact closed by its own write (empty on reads)"
        ),
    ] = ()
    declared: Annotated[Mapping[str, Any], Field(exclude=True)] = field(default_factory=dict)

    @property
    def is_closed(self) -> bool:
        """True once the store has superseded or retracted this fact."""
        return self.expired_at is not None

    def _status(self) -> FactStatus:
        return "closed" if self.expired_at is not None else "current"

    status = computed_field(description="closed once superseded or retracted, else current")(
        property(_status)
    )


carry(EntityWrite, entity_declaration.DATA_FIELDS)
carry(EntityPatch, entity_declaration.DATA_FIELDS)
carry(FactWrite, DATA_FIELDS)
carry(Fact, [f for f in DATA_FIELDS if f.shown])


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

    subject: Annotated[str | None, Field(description="uid of the subject")] = None
    predicate: Annotated[str | None, Field(description="edge label")] = None
    object: Annotated[str | None, Field(description="uid of the object")] = None
    include_closed: bool = False
    cursor: Annotated[str | None, Field(description="next_cursor of the previous page")] = None
    limit: Annotated[int, Field(ge=1, le=10_000)] = 100


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a keyset-paged listing; pass ``next_cursor`` back for the next page."""

    items: tuple[T, ...]
    next_cursor: Annotated[str | None, Field(description="Pass as ?cursor= for the next page")]


@dataclass(frozen=True, slots=True)
class Namespace:
    """A tenant: its own AGE graph and side tables."""

    name: Annotated[str, Field(description="3-63 characters: a-z, 0-9, _; starts with a letter")]
    description: str
    created_at: datetime
    text_config: Annotated[
        str,
        Field(
            max_length=63,
            description="PostgreSQL text search configuration of the keyword index: how "
            "words are stemmed and which are stop words (english, simple, french, german, ...)",
        ),
    ] = "english"


@dataclass(frozen=True, slots=True)
class NamespaceStats:
    """Counts and size of one namespace. ``facts_current`` and ``facts_closed`` count
    facts about the world; ``structural_edges`` the links episode building writes
    (MENTIONS, PART_OF, PRECEDES, MEMBER_OF; ``kgmem.storage.graph.structural``), which
    ``edges`` counts with the facts per label."""

    name: str
    vertices: Mapping[str, int]
    edges: Mapping[str, int]
    facts_current: int
    facts_closed: int
    embedded_entities: int
    embedded_facts: int
    bytes: int
    structural_edges: Annotated[
        int,
        Field(
            description="Links episode building writes (MENTIONS, PART_OF, PRECEDES, "
            "MEMBER_OF), not counted in facts_current or facts_closed"
        ),
    ] = 0


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
    closed: Annotated[
        tuple[str, ...], Field(description="Facts the batch's functional values superseded")
    ] = ()
    notes: Annotated[
        tuple[str, ...],
        Field(
            description="What the write decided: dates read in a chosen direction, facts "
            "closed by their own write"
        ),
    ] = ()


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
    keyword_search: Literal["bm25"]
    embedding: EmbeddingInfo
    embedding_loaded: bool
    embedded_database: bool
    embedding_backend: str | None = None
    database_state: DatabaseState = "up"
    restart_attempt: int = 0
    restarts: int = 0
    database_error: str | None = None
    keyword_index: Literal["ok", "checking", "repaired"] = "ok"
    """The keyword index against the rows: ``checking`` after an unclean stop until
    checked, ``repaired`` when a check found statistics that differed and wrote them
    again (the log names the namespaces)."""
    services: Mapping[str, ServiceStatus] = field(default_factory=dict)
    """Each background service of this process by name."""
    cluster: ClusterReport | None = None
    """The server the pool reaches, failovers, refusals, standbys' lag."""


@dataclass(frozen=True, slots=True)
class ServiceStatus:
    """What a background service of the server is doing (``kgmem.process.periodic``)."""

    state: Literal["starting", "running", "failing", "stopped"]
    failures: int = 0
    """Steps failed in a row (0 once a step succeeds)."""
    last_error: str | None = None


@dataclass(frozen=True, slots=True)
class CypherResult:
    """The answer to a Cypher query: column names, rows of typed JSON values (see
    ``kgmem.cypher.values``), whether rows were cut at the limit, timings in
    milliseconds (plan, database, decode, total), the rewrites kgmem applied and, per
    column, the temporal type (``date``, ``datetime``, ...) of values the query made
    temporal (ISO 8601 text in the rows; Bolt sends them as temporal structures)."""

    columns: list[str]
    rows: list[list[Any]]
    truncated: bool
    timings: Annotated[
        dict[str, float], Field(description="plan_ms, database_ms, decode_ms, total_ms")
    ]
    rewrites: Annotated[
        tuple[str, ...], Field(description="kgmem's rewrites applied to the query")
    ] = ()
    # Bolt's concern (its temporal structures); JSON rows already hold ISO 8601 text.
    temporal: Annotated[tuple[str | None, ...], Field(exclude=True)] = ()
    # Bolt's too: per column, whether it reads a stored value back as it is (a variable
    # or a property), so text in a temporal value's form is sent as one; empty: all.
    read_back: Annotated[tuple[bool, ...], Field(exclude=True)] = ()
    counters: Annotated[
        CypherCounters, Field(description="what the statement changed, as Neo4j counts it")
    ] = NO_CHANGES
    query_type: Annotated[
        QueryType, Field(description="r (read), w (write), rw (write returning rows), s (schema)")
    ] = "r"
