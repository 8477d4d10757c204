"""A fact's times as callers write them: ISO times or expressions ("last May", "July 1",
"two years ago"), read by ``kgmem.text.time_expressions`` against the fact's ``recorded_at``
(now when it has none), the same reader episodes use.

A fact written alone has no sentence to take a tense from: an expression that could lie
on either side of the reference time reads backward, except an end that would then lie
before the fact's start, which reads forward. Each such choice is a note of the answer,
as is a fact closed by its own write (a newer value of its functional predicate holds).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import UTC, datetime

from kgmem.errors import InvalidTimestamp
from kgmem.model import FactWrite
from kgmem.text.time_expressions import Reading, describe, read, readable


def read_times(fact: FactWrite, at: str = "") -> tuple[FactWrite, list[str]]:
    """``fact`` with its times as instants, and a note for each expression read in a
    chosen direction; ``InvalidTimestamp`` naming the field (after ``at``) for a time
    that is neither an ISO time kgmem can hold nor an expression."""
    if not isinstance(fact.valid_from, str) and not isinstance(fact.valid_to, str):
        return fact, []
    reference = fact.recorded_at if isinstance(fact.recorded_at, datetime) else datetime.now(UTC)
    if reference.tzinfo is None or reference.utcoffset() is None:
        raise InvalidTimestamp(
            f"{at + '.' if at else ''}recorded_at must include a timezone offset: the "
            "times of the fact are read against it",
            field="recorded_at",
        )
    notes: list[str] = []
    start = _instant(at, "valid_from", fact.valid_from, reference, notes, after=None)
    end = _instant(at, "valid_to", fact.valid_to, reference, notes, after=start)
    return dataclasses.replace(fact, valid_from=start, valid_to=end), notes


def closed_by_own_write(
    facts: Sequence[FactWrite], uids: Sequence[str], closed: Sequence[str]
) -> list[str]:
    """A note for each written fact (``uids`` in the order of ``facts``) that the same
    write also closed."""
    return [
        f"{f.subject} {f.predicate} {f.object} (fact {uid}) was closed by its own write: "
        f"{f.predicate} holds one value at a time and a value that starts later holds"
        for f, uid in zip(facts, uids, strict=True)
        if uid in closed
    ]


def _instant(
    at: str,
    name: str,
    value: datetime | str | None,
    reference: datetime,
    notes: list[str],
    *,
    after: datetime | None,
) -> datetime | None:
    if not isinstance(value, str):
        return value
    field = f"{at}.{name}" if at else name
    readable(field, value, reference)
    found = read(value, reference)
    if found is None:  # readable refused it already
        raise InvalidTimestamp(f"{field}: {value!r} is not a time", field=field)
    if not found.ambiguous:
        return found.when
    chosen: Reading | None = found
    why = "a fact written alone has no tense to go by; times read backward"
    if after is not None and found.when < after:
        chosen, why = read(value, reference, "future"), "else it would end before it starts"
    assert chosen is not None
    notes.append(describe(field, value, chosen, reference, why))
    return chosen.when
