"""Replaying a data item's supersessions without the facts that left it.

Forgetting a fact (its episode's, or the fact itself) must leave the store as if it had
never been written. The facts it closed cannot simply be reopened: another remaining
value may close them, and at another time. So the closes of each data item (subject,
predicate) it belonged to are derived again: the item's remaining facts are written
again in the order they were recorded, each with the validity it was written with,
and the rules of ``kgmem.graph.statements`` close what they close; a close by hand
stays, and takes its fact out of force when it happened. Where the result differs from
what is stored, the stored close is erased (``kgmem.storage.graph.closers.erase_close``) and
the derived one made, naming its closer.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from datetime import datetime
from itertools import groupby
from typing import NamedTuple

from kgmem.graph import statements
from kgmem.schema import GraphSchema
from kgmem.storage import Connection, NamespaceRef
from kgmem.storage.graph import closers
from kgmem.storage.graph import facts as fact_store
from kgmem.storage.graph import facts_in_force as statement_store
from kgmem.storage.graph.closers import ItemFact
from kgmem.storage.graph.facts_in_force import StatedFact


class Close(NamedTuple):
    """A close the rules give a fact: its end (None: when its closer was written) and
    the graph id of the fact whose value closes it."""

    valid_to: datetime | None
    closer: int


async def replay(
    conn: Connection,
    ns: NamespaceRef,
    schema: GraphSchema,
    items: Collection[tuple[int, str]],
    now: datetime,
) -> list[str]:
    """Make the closes of the functional ``items`` (subject graph id, predicate) those
    their remaining facts give (closing at known time ``now``); returns the uids of
    the facts whose close changed."""
    facts = await closers.history(conn, ns, [i for i in items if schema.is_functional(i[1])])
    sourced = [f.id for f in facts if f.sources]
    said = await statement_store.claim_times(conn, ns, sourced) if sourced else {}
    wanted = derive(facts, said)
    changed = [f for f in facts if _differs(f, wanted.get(f.id))]
    for fact in changed:
        if fact.expired_at is not None:
            await closers.erase_close(conn, ns, fact.id)
    for fact in changed:
        close = wanted.get(fact.id)
        if close is not None:
            await fact_store.close(
                conn, ns, fact.uid, valid_to=close.valid_to, now=now, closer=close.closer
            )
    return [f.uid for f in changed]


def derive(facts: Sequence[ItemFact], said: Mapping[tuple[int, int], datetime]) -> dict[int, Close]:
    """Fact graph id -> its close, for each of ``facts`` (of functional items) that the
    rules close when the facts are written again in the order they were recorded (the
    facts of one transaction together); ``said`` as for
    ``statements.closing_plan``."""
    in_force: dict[int, StatedFact] = {}
    closes: dict[int, Close] = {}
    for written, by_hand in _events(facts):
        for fact in by_hand:
            in_force.pop(fact.id, None)
        in_force.update((f.id, _stated(f)) for f in written)
        if not written:
            continue
        plan = statements.closing_plan(in_force.values(), said)
        for fact_id, sources in plan.withdrawn:
            stated = in_force[fact_id]
            in_force[fact_id] = stated._replace(sources=stated.sources - sources)
        ids = {f.uid: f.id for f in in_force.values()}
        for uid, end, closer in plan.closing:
            closes[ids[uid]] = Close(end, closer)
            del in_force[ids[uid]]
    return closes


def _events(facts: Sequence[ItemFact]) -> Iterator[tuple[list[ItemFact], list[ItemFact]]]:
    """(facts written, facts closed by hand) at each time something happened, in time
    order."""
    timed = [(f.recorded_at, 0, f) for f in facts]
    timed += [(f.expired_at, 1, f) for f in facts if _by_hand(f) and f.expired_at is not None]
    timed.sort(key=lambda e: (e[0], e[1], e[2].id))
    for _, group in groupby(timed, key=lambda e: e[0]):
        events = list(group)
        yield [f for _, k, f in events if k == 0], [f for _, k, f in events if k == 1]


def _stated(fact: ItemFact) -> StatedFact:
    return StatedFact(
        fact.uid,
        fact.id,
        fact.subject_id,
        fact.predicate,
        fact.object_id,
        fact.valid_from,
        fact.written_to,
        fact.recorded_at,
        frozenset(fact.sources),
    )


def _by_hand(fact: ItemFact) -> bool:
    return fact.expired_at is not None and fact.closed_by is None


def _differs(fact: ItemFact, close: Close | None) -> bool:
    """Whether the stored close of ``fact`` differs from the derived ``close`` (a
    close by hand never does: nothing derived undoes it)."""
    if _by_hand(fact):
        return False
    if close is None or fact.expired_at is None:
        return (close is None) != (fact.expired_at is None)
    moved = close.valid_to is not None and close.valid_to != fact.valid_to
    return moved or close.closer != fact.closed_by
