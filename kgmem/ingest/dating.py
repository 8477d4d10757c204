"""The date stage: each fact's times read against the episode's reference time.

A time that names one instant ("two years ago", "last May", an ISO time) is taken as
it is. One that could lie on either side of the reference time ("July 1", "in May")
takes its side from, in order:

1. the tense of the clause that names it (``kgmem.ingest.tense``): "I start at
   Feedzai on July 1" reads forward, "I moved to Lisbon in May" backward;
2. the other facts of the episode: a start that would put a value of a functional
   predicate before another value the episode gives (so that one would close it at
   once), or an end before its own start, reads forward;
3. otherwise backward: memories are mostly about what happened.

Each such choice is a note of the episode's answer, naming the reading and its reason.
A fact without a stated start starts at the reference time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from kgmem.ingest.normalise import key
from kgmem.ingest.tense import tense_near
from kgmem.ingest.types import FactMention, Work
from kgmem.schema import GraphSchema
from kgmem.text.time_expressions import Reading, bare, describe, read

_Clash = Callable[[Reading], str | None]


class DateStage:
    """Resolve each fact's time expressions against the episode's reference time."""

    name = "date"

    def __init__(self, schema: GraphSchema) -> None:
        self.schema = schema

    async def run(self, work: Work) -> None:
        facts = work.extraction.facts
        for fact in facts:
            start = self._start(work, fact, facts) or work.reference_time
            end = self._end(work, fact, start)
            if end is not None and end < start:
                work.extraction.notes.append(f"{_said(fact)}: end before start; end dropped")
                end = None
            work.dated.append((fact, start, end))

    def _start(
        self, work: Work, fact: FactMention, facts: Sequence[FactMention]
    ) -> datetime | None:
        value = fact.valid_from
        if not isinstance(value, str):
            return value
        fixed = [_fixed(o.valid_from, work.reference_time) for o in self._rivals(fact, facts)]
        later = [t for t in fixed if t is not None]

        def closed_at_once(reading: Reading) -> str | None:
            if later and reading.when < min(later):
                return "else another value the episode gives would close it at once"
            return None

        return _read(work, fact, "valid_from", value, closed_at_once)

    def _end(self, work: Work, fact: FactMention, start: datetime) -> datetime | None:
        value = fact.valid_to
        if not isinstance(value, str):
            return value

        def before_start(reading: Reading) -> str | None:
            return "else it would end before it starts" if reading.when < start else None

        return _read(work, fact, "valid_to", value, before_start)

    def _rivals(self, fact: FactMention, facts: Sequence[FactMention]) -> list[FactMention]:
        """The episode's other values of ``fact``'s functional predicate for its subject."""
        if not self.schema.is_functional(fact.predicate):
            return []
        return [
            o
            for o in facts
            if o is not fact
            and o.predicate == fact.predicate
            and key(o.subject) == key(fact.subject)
            and key(o.object) != key(fact.object)
        ]


def _read(work: Work, fact: FactMention, field: str, value: str, clash: _Clash) -> datetime | None:
    """``value`` read toward the tense of its clause, else away from a clash with the
    episode's other facts, else backward; a chosen direction is noted."""
    ref = work.reference_time
    found = read(value, ref)
    if found is None:
        work.extraction.notes.append(f"could not read the time {value!r}")
        return None
    if not found.ambiguous:
        return found.when
    tense = tense_near(work.episode.text, bare(value))
    if tense is not None:
        chosen, why = read(value, ref, tense.direction), tense.because
    elif (reason := clash(found)) is not None:
        chosen, why = read(value, ref, "future"), reason
    else:
        chosen, why = found, "nothing in the episode says which way; memories read backward"
    assert chosen is not None
    work.extraction.notes.append(describe(f"{_said(fact)}: {field}", value, chosen, ref, why))
    return chosen.when


def _fixed(value: datetime | str | None, reference: datetime) -> datetime | None:
    """A rival's start when it does not itself depend on a direction: its time, or the
    reference time when it states none."""
    if value is None:
        return reference
    if isinstance(value, datetime):
        return value
    found = read(value, reference)
    return found.when if found is not None and not found.ambiguous else None


def _said(fact: FactMention) -> str:
    return f"{fact.subject} {fact.predicate} {fact.object}"
