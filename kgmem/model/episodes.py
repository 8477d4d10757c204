"""Episodes: what a caller writes (an episode with the entities and facts it already
knows), what building one gives back, and what forgetting one removes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import Field

from kgmem.declarations import entity as entity_declaration
from kgmem.declarations import episode as episode_declaration
from kgmem.declarations.fact import DATA_FIELDS
from kgmem.model.declared_fields import carry
from kgmem.model.records import GeoPoint
from kgmem.model.times import Instant, TimeText

ExtractionStatus = Literal["pending", "done", "failed"]


@dataclass(frozen=True, slots=True)
class EntityMention:
    """An entity named in an episode: its surface name, a type if known, aliases, and
    where it is if the caller knows (the entity's stored point becomes that)."""

    name: Annotated[str, Field(min_length=1, description="The name as written, e.g. 'Alice Smith'")]
    label: Annotated[str, Field(description="Its type: Person, Organization, Place...")] = "Entity"
    aliases: Annotated[Sequence[str], Field(description="Other names for it")] = ()
    properties: Mapping[str, Any] = field(default_factory=dict)
    uid: Annotated[str | None, Field(description="A known entity's uid: no resolution")] = (
        None  # the entity is known: resolution is skipped
    )
    via: str = "caller"  # who named the uid: the caller or the known-entity matcher
    location: Annotated[
        GeoPoint | None,
        Field(description="Where the entity is: stored as its point (WGS84)"),
    ] = None
    # The declared data fields' values, shown as fields of their own (see carry below).
    declared: Annotated[Mapping[str, Any], Field(exclude=True)] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class FactMention:
    """A statement ``subject -[predicate]-> object`` between mentioned names.

    ``valid_from``/``valid_to`` are times or expressions ("last Tuesday", "in May")
    resolved against the episode's reference time by the date stage.
    """

    subject: Annotated[str, Field(min_length=1, description="Subject entity name")]
    predicate: Annotated[
        str, Field(min_length=1, description="Relation in UPPER_SNAKE, e.g. WORKS_AT")
    ]
    object: Annotated[str, Field(min_length=1, description="Object entity name")]
    valid_from: Annotated[
        TimeText | None,
        Field(
            description="ISO 8601 time or an expression such as 'last Tuesday' or 'July 1', "
            "read against reference_time by the tense of the text",
        ),
    ] = None
    valid_to: Annotated[TimeText | None, Field(description="When it stopped being true")] = None
    confidence: Annotated[float | None, Field(ge=0, le=1)] = None
    properties: Mapping[str, Any] = field(default_factory=dict)
    strength: Annotated[float | None, Field(description="Causal edges: 0..1")] = None
    # The fact's declared data fields, given as fields of their own (see carry below).
    declared: Annotated[Mapping[str, Any], Field(exclude=True)] = field(default_factory=dict)


carry(EntityMention, entity_declaration.DATA_FIELDS)
carry(FactMention, DATA_FIELDS)


@dataclass(frozen=True, slots=True)
class EpisodeWrite:
    """A raw memory to store and build the graph from.

    ``reference_time`` anchors relative dates (now when None). ``entities`` and
    ``facts`` are what the caller already knows; they are trusted as given. The facts
    are claimed by ``claimant``: the ``source`` given, else the speaker's source.
    """

    text: Annotated[
        str,
        Field(
            min_length=1,
            description="What was said or written: at most 100,000 characters by default "
            "(KGMEM_LIMITS_MAX_TEXT_LENGTH and KGMEM_LIMITS_MAX_STRING_LENGTH)",
        ),
    ]
    uid: Annotated[str | None, Field(description="Your key; generated when absent")] = None
    reference_time: Annotated[
        Instant | None,
        Field(description="When it happened; anchors relative dates (default now)"),
    ] = None
    speaker: Annotated[
        str | None,
        Field(
            description="Who said it. Unless `source` is given, the source `speaker:<name>` "
            "(created on first use) claims the episode's facts, so they get trust",
        ),
    ] = None
    source: Annotated[
        str | None,
        Field(
            description="The source uid asserting the episode's facts (created on first "
            "use); wins over `speaker`",
        ),
    ] = None
    session: Annotated[str | None, Field(description="Conversation or document id")] = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    entities: Annotated[Sequence[EntityMention], Field(description="Entities it mentions")] = ()
    facts: Annotated[Sequence[FactMention], Field(description="Statements it makes")] = ()
    # The episode's declared data fields, given as fields of their own (see carry below).
    declared: Annotated[Mapping[str, Any], Field(exclude=True)] = field(default_factory=dict)

    @property
    def claimant(self) -> str | None:
        """The uid of the Source claiming this episode's facts: ``source`` when given,
        else the speaker's (``speaker_source``), else none (the facts rest on nothing)."""
        return self.source or speaker_source(self.speaker)


carry(EpisodeWrite, episode_declaration.DATA_FIELDS)


SPEAKER_PREFIX = "speaker:"


def speaker_source(speaker: str | None) -> str | None:
    """The uid of the Source standing for a speaker: ``speaker:`` and the name with its
    runs of white space made one space (``speaker:Ada Lovelace``); None for no name.
    Case is kept: a speaker is named the same way across a conversation's turns."""
    name = " ".join((speaker or "").split())
    return SPEAKER_PREFIX + name if name else None


@dataclass(frozen=True, slots=True)
class Resolution:
    """Where a mention went: the entity uid, whether it is new, and why."""

    uid: str
    created: bool
    method: Annotated[
        str,
        Field(
            description="caller, known, exact, alias, initials, fuzzy, embedding, "
            "retyped (a stored guessed type corrected by a sure cue), new"
        ),
    ]
    score: float = 1.0
    label: str = "Entity"
    name: str = ""
    type_guessed: Annotated[
        bool,
        Field(
            description="The label of this new entity is a guess of the rules (a lone "
            "capitalised word read as a Person, a name after 'in' or 'at' as a Place); give "
            "`entities` with a label, or turn on an extraction model, to be sure"
        ),
    ] = False


@dataclass(frozen=True, slots=True)
class EpisodeOutcome:
    """The result of ingesting one episode."""

    uid: str
    status: Annotated[
        ExtractionStatus,
        Field(description="done or failed (failed episodes are stored; retry them)"),
    ]
    error: str | None
    entities: tuple[Resolution, ...]
    facts: tuple[str, ...]
    closed: Annotated[tuple[str, ...], Field(description="Facts this episode superseded")]
    tokens: int
    notes: tuple[str, ...]
    source: Annotated[
        str | None,
        Field(
            description="The source claiming the episode's facts: `source`, else "
            "`speaker:<speaker>`, else null (the facts rest on no source)"
        ),
    ] = None
    """The Source claiming the episode's facts (``EpisodeWrite.claimant``)."""


@dataclass(frozen=True, slots=True)
class Forgotten:
    """What deleting an episode removed and kept."""

    facts_deleted: tuple[str, ...]
    facts_kept: tuple[str, ...]
    entities_deleted: tuple[str, ...]
    items: Annotated[tuple[tuple[int, str], ...], Field(exclude=True)] = ()
    """The data items (subject graph id, predicate) of the deleted and kept facts, whose
    trust the forgetting changed: re-scored after it (``kgmem.verification.rescoring``)."""
