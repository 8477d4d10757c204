"""How a write's facts meet the facts in force, the same way through every write path
(one fact, a batch, an episode's facts).

- **Restatement**: a fact written without a uid of its own whose statement (subject,
  predicate, object) is already in force, over a valid interval that overlaps its own,
  or was closed and held at the new fact's start, is that fact said again: it adds a
  claim (its source, episode, confidence) to the stored fact and never makes a second
  edge. The same holds between two facts of one write.
- **Supersession**: for a functional predicate, the facts in force of one subject are
  put in valid-time order (no start first, then by start, then by when they were
  recorded); a fact is closed at the start of a later one with another object that
  starts while it holds. Two values with the same start are an update (the later
  recorded wins) unless each has sources and none in common: then they are competing
  claims, both kept for consensus scoring to weigh. A source that moves to another
  value from the same start withdraws its own claim on the former value; that value is
  closed only when all its sources moved on. So at any valid time at most one value of
  a functional predicate per subject and asserter is in force, whatever order the facts
  came in.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from kgmem.errors import FactAlreadyClosed
from kgmem.schema import GraphSchema
from kgmem.storage import Connection, NamespaceRef
from kgmem.storage.graph import facts as fact_store
from kgmem.storage.graph import facts_in_force as statement_store
from kgmem.storage.graph.facts import FactRow
from kgmem.storage.graph.facts_in_force import StatedFact

_EARLIEST = datetime.min.replace(tzinfo=UTC)


def overlaps(
    a: tuple[datetime | None, datetime | None], b: tuple[datetime | None, datetime | None]
) -> bool:
    """Whether two valid intervals ``[from, to)`` (None: unbounded) share a moment."""
    a_from, a_to = a
    b_from, b_to = b
    if a_to is not None and b_from is not None and a_to <= b_from:
        return False
    return not (b_to is not None and a_from is not None and b_to <= a_from)


@dataclass(slots=True)
class Restated:
    """A write's fact rows after restatement: ``rows`` to upsert, ``claims`` (rows that
    restate a stored fact or an earlier row: only their claim is written), ``uids``
    (each restating row's original uid to the uid of the fact it restates) and
    ``stored_ids`` (graph ids of the stored facts restated)."""

    rows: list[FactRow]
    claims: list[FactRow] = field(default_factory=list)
    uids: dict[str, str] = field(default_factory=dict)
    stored_ids: dict[str, int] = field(default_factory=dict)


async def restate(
    conn: Connection, ns: NamespaceRef, rows: Sequence[FactRow], generated: Collection[str]
) -> Restated:
    """Find the rows (among those whose uid is in ``generated``: made by kgmem, not
    given by the caller) that restate a fact in force or an earlier row of the write."""
    candidates = [r for r in rows if r.uid in generated]
    if not candidates:
        return Restated(list(rows))
    stored = await statement_store.in_force(
        conn,
        ns,
        {r.subject.id for r in candidates},
        {r.predicate for r in candidates},
        with_closed=True,
    )
    known: dict[tuple[int, str, int], list[tuple[str, int | None, FactRow | StatedFact]]]
    known = defaultdict(list)
    for s in stored:
        known[(s.subject_id, s.predicate, s.object_id)].append((s.uid, s.id, s))
    out = Restated([])
    for row in rows:
        key = (row.subject.id, row.predicate, row.object.id)
        match = _matching(known[key], row) if row.uid in generated else None
        if match is None:
            out.rows.append(row)
            known[key].append((row.uid, None, row))
            continue
        uid, stored_id = match
        out.uids[row.uid] = uid
        if stored_id is not None:
            out.stored_ids[uid] = stored_id
        row.uid = uid
        out.claims.append(row)
    return out


def _matching(
    same: Iterable[tuple[str, int | None, FactRow | StatedFact]], row: FactRow
) -> tuple[str, int | None] | None:
    for uid, stored_id, other in same:
        if isinstance(other, StatedFact) and other.closed:
            if _within(row.valid_from, other):
                return uid, stored_id
        elif overlaps((other.valid_from, other.valid_to), (row.valid_from, row.valid_to)):
            return uid, stored_id
    return None


def _within(start: datetime | None, closed: StatedFact) -> bool:
    """Whether a statement starting at ``start`` falls inside a closed fact's validity
    (it restates what held then; a statement with no start is a new assertion)."""
    if start is None:
        return False
    after_start = closed.valid_from is None or closed.valid_from <= start
    return after_start and (closed.valid_to is None or start < closed.valid_to)


def successions(facts: Iterable[StatedFact]) -> list[tuple[str, datetime | None]]:
    """(uid, valid_to) of each fact in force that a later value supersedes; ``facts``
    are of functional predicates (any subjects). A None end means "now"."""
    return succession_plan(facts)[0]


def succession_plan(
    facts: Iterable[StatedFact], said: Mapping[tuple[int, int], datetime] | None = None
) -> tuple[list[tuple[str, datetime | None]], list[tuple[int, frozenset[int]]]]:
    """The facts to close, as ``successions``, and the claims to withdraw: (fact id,
    source ids). Between values with the same start, a source keeps only its claim on
    the value it said last (by ``said``: (fact id, source id) -> when the source last
    said it; without it, the later recorded value) and withdraws its others; a value
    is closed only when every source that asserted it moved on (or it had no source),
    so the other sources' claims stay in force for consensus scoring."""
    plan = closing_plan(facts, said)
    return [(uid, end) for uid, end, _ in plan.closing], plan.withdrawn


def closing_plan(
    facts: Iterable[StatedFact], said: Mapping[tuple[int, int], datetime] | None = None
) -> ClosingPlan:
    """``succession_plan`` with the closer of each fact to close: ``closing`` holds
    (uid, valid_to, graph id of the fact whose value closes it)."""
    groups: dict[tuple[int, str], list[StatedFact]] = defaultdict(list)
    for f in facts:
        groups[(f.subject_id, f.predicate)].append(f)
    plan = ClosingPlan(said or {})
    for group in groups.values():
        group.sort(key=lambda f: (f.valid_from or _EARLIEST, f.recorded_at, f.id))
        open_: list[StatedFact] = []
        for after in group:
            kept: list[StatedFact] = []
            current: StatedFact | None = after
            for before in open_:
                if current is None or not _supersedes(current, before):
                    kept.append(before)
                elif _competing(current, before):
                    survivor, current = plan.move(before, current)
                    kept += [survivor] if survivor is not None else []
                else:
                    plan.closing.append((before.uid, current.valid_from, current.id))
            open_ = [*kept, *([current] if current is not None else [])]
    return plan


@dataclass(slots=True)
class ClosingPlan:
    """What supersession does to the facts in force: ``closing`` (uid, valid_to, closer
    graph id) and ``withdrawn`` claims (fact graph id, source ids); ``said`` is when
    each source last said each fact."""

    said: Mapping[tuple[int, int], datetime]
    closing: list[tuple[str, datetime | None, int]] = field(default_factory=list)
    withdrawn: list[tuple[int, frozenset[int]]] = field(default_factory=list)

    def move(
        self, before: StatedFact, after: StatedFact
    ) -> tuple[StatedFact | None, StatedFact | None]:
        """Two values from one start that share sources: each shared source stays on
        the one it said last. Returns both, less the withdrawn claims (None: closed)."""
        shared = before.sources & after.sources
        back = frozenset(s for s in shared if self._later(before.id, after.id, s))
        return self._less(before, shared - back, after), self._less(after, back, before)

    def _later(self, first: int, second: int, source: int) -> bool:
        a, b = self.said.get((first, source)), self.said.get((second, source))
        return a is not None and b is not None and a > b

    def _less(
        self, fact: StatedFact, sources: frozenset[int], other: StatedFact
    ) -> StatedFact | None:
        if not sources:
            return fact
        if sources == fact.sources:
            self.closing.append((fact.uid, fact.valid_from, other.id))
            return None
        self.withdrawn.append((fact.id, sources))
        return fact._replace(sources=fact.sources - sources)


def _supersedes(after: StatedFact, before: StatedFact) -> bool:
    """Whether ``after`` (later in valid-time order) ends ``before``: another value,
    while ``before`` still holds, and either starting later or, from the same start,
    not a competing claim (each has sources, none shared: consensus scoring weighs
    those)."""
    if after.object_id == before.object_id:
        return False
    end, start = before.valid_to, after.valid_from
    if end is not None and start is not None and end <= start:
        return False
    if after.valid_from != before.valid_from or not (after.sources and before.sources):
        return True
    return bool(after.sources & before.sources)


def _sharing(facts: Iterable[StatedFact]) -> list[int]:
    """Graph ids of the facts that share a source with another value of their item from
    the same start (only their claim times can change what supersession does)."""
    seen: dict[tuple[int, str, datetime | None], list[StatedFact]] = defaultdict(list)
    for f in facts:
        if f.sources:
            seen[(f.subject_id, f.predicate, f.valid_from)].append(f)
    out: set[int] = set()
    for group in seen.values():
        for k, a in enumerate(group):
            for b in group[k + 1 :]:
                if a.object_id != b.object_id and a.sources & b.sources:
                    out.update((a.id, b.id))
    return sorted(out)


def _competing(after: StatedFact, before: StatedFact) -> bool:
    """Whether two values are claims of sources from one start (not an update of a
    value nobody sourced)."""
    return after.valid_from == before.valid_from and bool(after.sources and before.sources)


async def supersede(
    conn: Connection,
    ns: NamespaceRef,
    schema: GraphSchema,
    rows: Iterable[FactRow],
    now: datetime,
) -> list[str]:
    """Close the facts in force that the written ``rows`` (or the rows among themselves)
    supersede; returns the uids closed."""
    return await supersede_items(conn, ns, schema, {(r.subject.id, r.predicate) for r in rows}, now)


async def supersede_items(
    conn: Connection,
    ns: NamespaceRef,
    schema: GraphSchema,
    items: Collection[tuple[int, str]],
    now: datetime,
) -> list[str]:
    """``supersede`` for the data items (subject graph id, predicate) a write touched."""
    functional = [(s, p) for s, p in items if schema.is_functional(p)]
    if not functional:
        return []
    stored = await statement_store.in_force(
        conn, ns, {s for s, _ in functional}, {p for _, p in functional}
    )
    shared = _sharing(stored)
    said = await statement_store.claim_times(conn, ns, shared) if shared else {}
    plan = closing_plan(stored, said)
    for fact_id, sources in plan.withdrawn:
        await fact_store.withdraw_claims(conn, ns, fact_id, sources)
    closed = []
    for uid, end, closer in plan.closing:
        try:
            await fact_store.close(conn, ns, uid, valid_to=end, now=now, closer=closer)
        except FactAlreadyClosed:  # pragma: no cover - in force was read in this transaction
            continue
        closed.append(uid)
    return closed
