"""Invariants of the memory over random sequences of operations against the real
database (hypothesis): facts one by one and in batches, restatements from other
sources, episodes, closes, merges and unmerges, and deletes of episodes and entities.

a. at any valid time, at most one value of a functional predicate per subject is in
   force, except competing claims of different sources from the same start (kept for
   consensus scoring, ``kgmem.graph.statements``), in every state the history went
   through, merges and unmerges of people included;
b. an "as of" query (known time T', valid time T) returns what replaying the operations
   recorded up to T' gives: the model is the history of states the store reported right
   after each operation (every fact with its validity and whether it was closed), and
   the state at T' is the one after the last operation before T' (less what was
   deleted for good since: a delete erases; a forget also erases the closes its
   episode's facts made, so the facts whose belief it changed are left out between the
   post and the forget, test_forget_equivalence checking what they become); checked
   through search, timelines and entity reads, with each fact's validity as believed
   then;
c. every fact has at least one claim, every claim a fact, no side row without its
   vertex or edge (``check_namespace``);
d. deleting an episode and posting it again gives the same graph (checksum), for an
   episode whose entities were neither deleted nor merged, no fact closed by hand, and
   no value of a functional predicate it wrote written again, since it was posted;
e. trust and status of a fact are the same through every read path;
f. the keyword statistics (documents, tokens, every lexeme's document frequency) are
   what the live rows give, with no rebuild (``kgmem.storage.indexes.text_index.check``).

The normal run tries ``KGMEM_PROPERTY_EXAMPLES`` sequences (default 8); set it higher for
a long run (``KGMEM_PROPERTY_EXAMPLES=300 pytest tests/graph/test_invariants.py``).
Each shrunk failure found this way becomes a plain regression test below.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import threading
import uuid
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kgmem import BatchWrite, EntityWrite, FactQuery, FactWrite, Memory, Settings
from kgmem.errors import KgmemError
from kgmem.ingest import EntityMention, EpisodeWrite, FactMention
from kgmem.model import Fact, SearchQuery, TimeQuery

T = TypeVar("T")
EXAMPLES = int(os.environ.get("KGMEM_PROPERTY_EXAMPLES", "8"))
PEOPLE = {"dana": "Dana", "eve": "Eve"}
PLACES = {"berlin": "Berlin", "lisbon": "Lisbon", "rome": "Rome"}
YEARS = [None, 2020, 2022, 2024]
PREDICATES = ("LIVES_IN", "KNOWS")
ASKED = (
    None,
    datetime(2019, 6, 1, tzinfo=UTC),
    datetime(2021, 6, 1, tzinfo=UTC),
    datetime(2023, 6, 1, tzinfo=UTC),
    datetime(2025, 6, 1, tzinfo=UTC),
)


class Runner:
    """An event loop on its own thread, so that hypothesis (which calls the test
    synchronously) can drive the asynchronous store."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, work: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(work, self.loop).result(timeout=300)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()
        self.loop.close()


@pytest.fixture(scope="module")
def store(settings: Settings) -> Iterator[tuple[Runner, Memory]]:
    runner = Runner()
    memory = runner.run(Memory.open(settings))
    try:
        yield runner, memory
    finally:
        runner.run(memory.close())
        runner.stop()


# -- operations -----------------------------------------------------------------------


@dataclass(frozen=True)
class AddFact:
    subject: str
    predicate: str
    object: str
    start: int | None
    source: str | None

    def write(self) -> FactWrite:
        start = datetime(self.start, 1, 1, tzinfo=UTC) if self.start else None
        return FactWrite(
            self.subject, self.predicate, self.object, valid_from=start, source=self.source
        )


@dataclass(frozen=True)
class Batch:
    facts: tuple[AddFact, ...]


@dataclass(frozen=True)
class Episode:
    facts: tuple[AddFact, ...]


@dataclass(frozen=True)
class Close:
    pick: int


@dataclass(frozen=True)
class ForgetEpisode:
    pick: int


@dataclass(frozen=True)
class DeleteEntity:
    uid: str


@dataclass(frozen=True)
class Merge:
    keep: str
    other: str


@dataclass(frozen=True)
class Unmerge:
    pick: int


facts = st.builds(
    AddFact,
    subject=st.sampled_from(sorted(PEOPLE)),
    predicate=st.sampled_from(["LIVES_IN", "KNOWS"]),
    object=st.sampled_from(sorted(PLACES)),
    start=st.sampled_from(YEARS),
    source=st.sampled_from([None, "a", "b"]),
)
operations = st.lists(
    st.one_of(
        facts,
        facts,
        st.builds(Batch, st.lists(facts, min_size=2, max_size=3).map(tuple)),
        st.builds(Episode, st.lists(facts, min_size=1, max_size=2).map(tuple)),
        st.builds(Close, st.integers(0, 20)),
        st.builds(ForgetEpisode, st.integers(0, 5)),
        st.builds(DeleteEntity, st.sampled_from(sorted(PEOPLE) + sorted(PLACES))),
        st.builds(Merge, st.sampled_from(sorted(PLACES)), st.sampled_from(sorted(PLACES))),
        st.builds(Merge, st.sampled_from(sorted(PEOPLE)), st.sampled_from(sorted(PEOPLE))),
        st.builds(Unmerge, st.integers(0, 3)),
    ),
    min_size=1,
    max_size=10,
)


@dataclass(frozen=True)
class Believed:
    """What the store reported of a fact at one time."""

    subject: str
    predicate: str
    object: str
    valid_from: datetime | None
    valid_to: datetime | None
    closed: bool
    sources: frozenset[str]

    @classmethod
    def of(cls, f: Fact) -> Believed:
        return cls(
            f.subject,
            f.predicate,
            f.object,
            f.valid_from,
            f.valid_to,
            f.is_closed,
            frozenset(f.sources),
        )

    @property
    def belief(self) -> tuple[datetime | None, datetime | None, bool]:
        """Its validity and whether it was closed (what a forget may rewrite)."""
        return self.valid_from, self.valid_to, self.closed

    def holds(self, at: datetime) -> bool:
        after_start = self.valid_from is None or self.valid_from <= at
        return after_start and (self.valid_to is None or at < self.valid_to)

    def current(self, at: datetime) -> bool:
        return not self.closed and (self.valid_to is None or self.valid_to > at)


@dataclass
class Session:
    """One sequence's namespace and what the checks need from its history."""

    memory: Memory
    namespace: str
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    episodes: list[str] = field(default_factory=list)
    merges: list[int] = field(default_factory=list)
    snapshots: list[tuple[datetime, dict[str, Believed]]] = field(default_factory=list)
    """After each operation: when, and every fact as the store then reported it."""
    quiet: list[tuple[datetime, datetime]] = field(default_factory=list)
    """Spans between two operations, when nothing was written."""
    deleted: set[str] = field(default_factory=set)
    intact: set[str] = field(default_factory=set)
    """Episodes posted since the last entity delete, merge, unmerge or hand close, and
    since which no value of a functional predicate they wrote, and no statement they
    wrote, was written again: for those, forgetting and posting again must give the
    same graph (d). (Posting again makes the episode's value the latest; a value written
    after it first was would otherwise be superseded in another order; and a statement
    written again by another write is that write's once the episode is forgotten, with
    the validity it stated.)"""
    wrote: dict[str, set[tuple[str, ...]]] = field(default_factory=dict)
    """The functional (subject, predicate) pairs and the statements each episode wrote."""
    posted: dict[str, int] = field(default_factory=dict)
    """Each episode's place in ``snapshots``: the snapshot right after its post."""
    erased: list[tuple[datetime, datetime, set[str]]] = field(default_factory=list)
    """What each forget rewrote: the facts whose belief it changed, whose history
    between the episode's post and the forget is rewritten (the closes the episode's
    facts made are erased, and a start only the episode stated gives way to the one the
    earliest remaining claim stated; tests/ingest/test_forget_equivalence.py checks what
    it becomes), so the as-of checks leave them out at known times in that span."""

    async def entities(self) -> None:
        """Every entity of the universe exists (deleted ones come back, new and empty)."""
        people = [EntityWrite(u, "Person", {"name": n}) for u, n in PEOPLE.items()]
        places = [EntityWrite(u, "Place", {"name": n}) for u, n in PLACES.items()]
        await self.memory.write_batch(self.namespace, BatchWrite(entities=people + places))

    async def apply(self, op: object) -> None:
        before = {f.uid for f in await self.all_facts()}
        self.quiet.append(
            (self.snapshots[-1][0] if self.snapshots else self.started, datetime.now(UTC))
        )
        # A refused operation (an unmerge of an unmerged pair...) changes nothing.
        with contextlib.suppress(KgmemError):
            await self._apply(op)
        after = await self.all_facts()
        self.deleted |= before - {f.uid for f in after}
        known = datetime.now(UTC)
        self.snapshots.append((known, {f.uid: Believed.of(f) for f in after}))
        self._forget_erases(op)
        self._written_again(op)

    def _forget_erases(self, op: object) -> None:
        """A forget erases the closes its episode's facts made, at every known time
        (docs/time.md): note the facts whose belief it changed, and when."""
        if not isinstance(op, ForgetEpisode) or len(self.snapshots) < 2:
            return
        gone = [uid for uid in self.posted if uid not in self.episodes]
        if not gone:
            return
        place = self.posted.pop(gone[0])
        prior, now = self.snapshots[-2][1], self.snapshots[-1][1]
        changed = {u for u, f in now.items() if u in prior and prior[u].belief != f.belief}
        if changed:
            self.erased.append((self.snapshots[place][0], self.snapshots[-1][0], changed))

    def rewritten(self, known: datetime) -> set[str]:
        """The facts whose history at ``known`` a later forget rewrote."""
        return {
            u for posted, forgotten, uids in self.erased if posted <= known < forgotten
            for u in uids
        }  # fmt: skip

    def _written_again(self, op: object) -> None:
        """Episodes no longer ``intact`` because ``op`` wrote again a value of a
        functional predicate they wrote, or a statement they wrote."""
        items = op.facts if isinstance(op, Batch | Episode) else (op,)
        said: set[tuple[str, ...]] = {
            (f.subject, f.predicate, f.object) for f in items if isinstance(f, AddFact)
        }
        keys = said | {k[:2] for k in said if k[1] == "LIVES_IN"}
        if not keys:
            return
        mine = self.episodes[-1] if isinstance(op, Episode) and self.episodes else None
        for uid, written in list(self.wrote.items()):
            if uid != mine and written & keys:
                self.intact.discard(uid)
        if mine is not None:
            self.wrote[mine] = keys

    async def _apply(self, op: object) -> None:
        m, ns = self.memory, self.namespace
        match op:
            case AddFact():
                await self.entities()
                await m.add_fact(ns, op.write())
            case Batch(items):
                await self.entities()
                await m.write_batch(ns, BatchWrite(facts=[f.write() for f in items]))
            case Episode(items):
                await self.entities()
                await m.add_episodes(ns, [self.episode(items)])
            case Close(pick):
                current = [f for f in await self.all_facts() if not f.is_closed]
                if current:
                    # A close of a fact only an episode supports goes with the episode.
                    self.intact.clear()
                    await m.close_fact(ns, current[pick % len(current)].uid)
            case ForgetEpisode(pick) if self.episodes:
                await m.delete_episode(ns, self.episodes.pop(pick % len(self.episodes)))
            case DeleteEntity(uid):
                self.intact.clear()
                await m.delete_entity(ns, uid)
            case Merge(keep, other) if keep != other:
                self.intact.clear()
                await self.entities()
                self.merges.append((await m.merge_entities(ns, keep, other)).id)
            case Unmerge(pick) if self.merges:
                self.intact.clear()
                await m.unmerge(ns, self.merges.pop(pick % len(self.merges)))

    def episode(self, items: tuple[AddFact, ...]) -> EpisodeWrite:
        uid = f"ep{len(self.episodes)}-{uuid.uuid4().hex[:6]}"
        self.episodes.append(uid)
        self.intact.add(uid)
        self.posted[uid] = len(self.snapshots)  # its snapshot is appended next
        names = {**PEOPLE, **PLACES}
        return EpisodeWrite(
            text=" and ".join(f"{names[f.subject]} {f.predicate} {names[f.object]}" for f in items),
            uid=uid,
            source=items[0].source,
            reference_time=datetime(2024, 6, 1, tzinfo=UTC),
            entities=[EntityMention(n, uid=u) for u, n in names.items()],
            facts=[
                FactMention(
                    names[f.subject],
                    f.predicate,
                    names[f.object],
                    valid_from=f"{f.start}-01-01T00:00:00Z" if f.start else None,
                )
                for f in items
            ],
        )

    async def all_facts(self) -> list[Fact]:
        query = FactQuery(include_closed=True, limit=1000)
        return [
            f
            for f in (await self.memory.list_facts(self.namespace, query)).items
            if f.predicate in PREDICATES
        ]


# -- the checks -------------------------------------------------------------------------


def overlapping(a: Believed, b: Believed) -> bool:
    if a.valid_to is not None and b.valid_from is not None and a.valid_to <= b.valid_from:
        return False
    return not (b.valid_to is not None and a.valid_from is not None and b.valid_to <= a.valid_from)


async def check_one_value_in_force(s: Session) -> None:
    for _, state in s.snapshots:
        check_one_value(list(state.values()))


def check_one_value(facts: list[Believed]) -> None:
    current = [f for f in facts if not f.closed and f.predicate == "LIVES_IN"]
    for i, a in enumerate(current):
        for b in current[i + 1 :]:
            if a.subject != b.subject or a.object == b.object or not overlapping(a, b):
                continue
            competing = a.valid_from == b.valid_from and a.sources and b.sources
            assert competing and not a.sources & b.sources, (a, b)


def state_at(s: Session, known: datetime) -> dict[str, Believed]:
    """The model: the state after the last operation recorded by ``known``, less the
    facts deleted since and those whose history a later forget rewrote."""
    state: dict[str, Believed] = {}
    for at, snapshot in s.snapshots:
        if at <= known:
            state = snapshot
    left_out = s.deleted | s.rewritten(known)
    return {u: f for u, f in state.items() if u not in left_out}


def expected(
    state: dict[str, Believed], known: datetime, valid: datetime | None
) -> dict[str, datetime | None]:
    if valid is None:
        return {u: f.valid_to for u, f in state.items() if f.current(known)}
    return {u: f.valid_to for u, f in state.items() if f.holds(valid)}


def known_times(s: Session) -> list[datetime]:
    """Before anything, right after each operation, and between two of them."""
    times = [s.started, *(at for at, _ in s.snapshots)]
    return [*times, *(a + (b - a) / 2 for a, b in s.quiet)]


async def check_as_of(s: Session) -> None:
    final = {f.uid: f for f in await s.all_facts()}
    for known in known_times(s):
        state = state_at(s, known)
        for valid in ASKED:
            found = await s.memory.search(
                s.namespace,
                SearchQuery(
                    time=TimeQuery(known_at=known, valid_at=valid),
                    types=("facts",),
                    k=1000,
                ),
            )
            rewritten = s.rewritten(known)
            got = {
                h.uid: h.fact.valid_to
                for h in found.hits
                if h.fact and h.fact.predicate in PREDICATES and h.uid not in rewritten
            }
            assert got == expected(state, known, valid), (known, valid)
        await check_entity_reads_as_of(s, known, state, final)


async def check_entity_reads_as_of(
    s: Session, known: datetime, state: dict[str, Believed], final: dict[str, Fact]
) -> None:
    """Timelines and entity reads of each person at ``known``: the facts of the state
    then that touch the person now (a merge moves facts; that is identity, not time)."""
    for person in PEOPLE:
        mine = {
            u: f
            for u, f in state.items()
            if u in final and person in (final[u].subject, final[u].object)
        }
        try:
            timeline = await s.memory.timeline(s.namespace, person, known_at=known)
            detail = await s.memory.get_entity(s.namespace, person, known_at=known)
        except KgmemError:  # merged away
            continue
        rewritten = s.rewritten(known)
        got = {
            e.fact.uid: e.fact.valid_to
            for e in timeline
            if e.fact.predicate in PREDICATES and e.fact.uid not in rewritten
        }
        assert got == {u: f.valid_to for u, f in mine.items()}, (person, known)
        now = {f.uid: f.valid_to for f in (*detail.outgoing, *detail.incoming)}
        now = {
            u: v
            for u, v in now.items()
            if u in final and final[u].predicate in PREDICATES and u not in rewritten
        }
        assert now == expected(mine, known, None), (person, known)


async def check_claims_and_side_rows(s: Session) -> None:
    assert set((await s.memory.check_namespace(s.namespace)).values()) == {0}
    facts = await s.memory.list_facts(s.namespace, FactQuery(include_closed=True, limit=1000))
    async with s.memory.database.acquire() as conn:
        unclaimed = await conn.fetchval(
            f'SELECT count(*) FROM "{s.namespace}"._kg_fact f WHERE NOT EXISTS '
            f'(SELECT 1 FROM "{s.namespace}"._kg_claim c WHERE c.fact_id = f.id)'
        )
    assert unclaimed == 0 and facts.items is not None


async def check_keyword_statistics(s: Session) -> None:
    for check, _ in await s.memory.check_keyword_index(s.namespace):
        assert check.ok, check


async def check_same_trust_everywhere(s: Session) -> None:
    for f in await s.all_facts():
        one = await s.memory.get_fact(s.namespace, f.uid)
        detail = await s.memory.get_entity(s.namespace, f.subject, include_closed=True)
        [out] = [o for o in detail.outgoing if o.uid == f.uid]
        timeline = await s.memory.timeline(s.namespace, f.subject)
        [entry] = [e.fact for e in timeline if e.fact.uid == f.uid]
        seen = {(x.trust, x.verification) for x in (f, one, out, entry)}
        if not f.is_closed:
            check = await s.memory.fact_verification(s.namespace, f.uid)
            seen.add((check.trust, check.status if check.trust is not None else None))
        assert len(seen) == 1, (f.uid, seen)


async def checksum(memory: Memory, namespace: str) -> str:
    """The graph's facts as statements with their times and provenance (uids aside)."""
    query = FactQuery(include_closed=True, limit=1000)
    rows = sorted(
        json.dumps(
            [
                f.subject,
                f.predicate,
                f.object,
                str(f.valid_from),
                str(f.valid_to),
                f.is_closed,
                sorted(f.sources),
                sorted(f.episodes),
            ]
        )
        for f in (await memory.list_facts(namespace, query)).items
    )
    return hashlib.sha256("\n".join(rows).encode()).hexdigest()


async def check_forget_and_post_again(s: Session) -> None:
    intact = [e for e in s.episodes if e in s.intact]
    if not intact:
        return
    uid = intact[-1]
    stored = await s.memory.get_episode(s.namespace, uid)
    before = await checksum(s.memory, s.namespace)
    await s.memory.delete_episode(s.namespace, uid)
    given = stored.properties.get("input") or {}
    again = EpisodeWrite(
        text=str(stored.properties["text"]),
        uid=uid,
        source=stored.properties.get("source"),
        reference_time=datetime(2024, 6, 1, tzinfo=UTC),
        entities=[EntityMention(**m) for m in given.get("entities", [])],
        facts=[FactMention(**f) for f in given.get("facts", [])],
    )
    await s.memory.add_episodes(s.namespace, [again])
    assert await checksum(s.memory, s.namespace) == before


async def run_sequence(memory: Memory, ops: list[object]) -> None:
    namespace = f"p_{uuid.uuid4().hex[:12]}"
    await memory.create_namespace(namespace)
    try:
        s = Session(memory, namespace)
        await s.entities()
        for op in ops:
            await s.apply(op)
        await check_one_value_in_force(s)
        await check_as_of(s)
        await check_claims_and_side_rows(s)
        await check_keyword_statistics(s)
        await check_same_trust_everywhere(s)
        await check_forget_and_post_again(s)
    finally:
        await memory.delete_namespace(namespace)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(ops=operations)
def test_invariants_hold_over_random_sequences(
    store: tuple[Runner, Memory], ops: list[object]
) -> None:
    replay(store, run_sequence, ops)


def replay(
    store: tuple[Runner, Memory],
    sequence: Callable[[Memory, list[object]], Coroutine[Any, Any, None]],
    ops: list[object],
) -> None:
    """``sequence(memory, ops)`` on the store's thread; a failure names ``ops``."""
    runner, memory = store
    try:
        runner.run(sequence(memory, ops))
    except AssertionError as exc:
        raise AssertionError(f"after {ops!r}: {exc}") from None


def _f(obj: str, source: str | None = None, start: int | None = None) -> AddFact:
    return AddFact("dana", "LIVES_IN", obj, start, source)


# Sequences hypothesis found and shrank, each fixed: a plain test apiece.
SHRUNK = {
    # A restated fact then closed: as-of reads after the close see it closed.
    "restated_then_closed": [_f("berlin"), _f("berlin"), Close(0)],
    # A sourceless value and a sourced one from no start: an update, not two in force.
    "sourceless_then_sourced_value": [_f("berlin"), _f("lisbon", "a")],
    # A fact without a start is found by an "as of" query on time alone.
    "as_of_finds_facts_without_a_start": [_f("berlin")],
    # Forgetting an episode that restated a closed fact and posting it again gives the
    # claim back to that fact instead of a second edge.
    "repost_restates_the_closed_fact": [_f("berlin"), Episode((_f("berlin"),)), Close(0)],
    # An entity deleted after the episode: the episode cannot be posted again unchanged
    # (d is checked on episodes whose entities are intact), the rest must hold.
    # Closing the fact only an episode supports: forgetting the episode forgets the
    # fact and its close; d is not asked of it, the rest must hold.
    "episode_fact_closed": [Episode((_f("berlin"),)), Close(0)],
    # Forgetting the episode whose value superseded another erases that close, at every
    # known time: the value reads as never closed by it.
    "forget_erases_the_close_it_made": [
        _f("lisbon"),
        Episode((_f("berlin"),)),
        ForgetEpisode(0),
    ],
    # An episode's value written again after it: posting the episode again would make
    # its value the latest, so d is not asked of it; the rest must hold.
    "episode_value_written_again": [
        _f("rome"),
        Episode((_f("berlin"),)),
        _f("lisbon"),
    ],
    # Two values of a functional predicate in one episode from one start: the later
    # stated wins, every time (so posting the episode again gives the same graph).
    "two_values_in_one_episode": [Episode((_f("berlin"), _f("lisbon")))],
    # The episode that made a fact forgotten, another that said it from an earlier start
    # (and again with none) still claiming it: the fact starts as the remaining one said,
    # as if the forgotten episode had never been written.
    "forgotten_maker_gives_way_to_the_next_claim": [
        Episode((_f("berlin"),)),
        Episode((_f("berlin", start=2020), _f("berlin"))),
        ForgetEpisode(0),
    ],
    # A statement of the episode written again by a plain write afterwards: forgetting the
    # episode leaves the fact that write's, with the validity it stated.
    "statement_written_again_after_the_episode": [
        _f("berlin"),
        Episode((_f("berlin"), AddFact("dana", "KNOWS", "rome", None, None))),
        AddFact("dana", "KNOWS", "rome", None, None),
    ],
    "entity_deleted_after_episode": [
        _f("berlin"),
        Episode((_f("berlin"),)),
        DeleteEntity("dana"),
    ],
}


@pytest.mark.parametrize("ops", list(SHRUNK.values()), ids=list(SHRUNK))
def test_shrunk_sequences_keep_the_invariants(
    store: tuple[Runner, Memory], ops: list[object]
) -> None:
    runner, memory = store
    runner.run(run_sequence(memory, ops))
