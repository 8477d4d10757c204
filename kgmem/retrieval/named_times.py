"""Times a question names: what happened then is better evidence than what only shares
its words.

"What did Maria donate to a homeless shelter in December 2023?" is answered by what was
said in December 2023. When the search text names a time (a day, a month or a year, "the
week before 3 May 2023", "last summer", "yesterday": the first time expression
``kgmem.retrieval.question.window`` reads, relative ones from the search's now; else a
month without a year, "in June", which is June of any year), the ``minmax`` fusion
(``kgmem.retrieval.fusion``) adds, at the ``named_time`` weight of ``AxisWeights``, 1 to
every eligible vertex that occurred then (episodes and events, by ``occurred_at``) and 0
to every other candidate, when some but not all candidates did (otherwise the feature
could not order them and is left out).

It orders, never filters: a question may name the time of the event it asks about
while the conversation told of it later. A ``time`` query is the filter, and a search
that gives one gets no feature (the temporal axis then decides). Its default weight was
fitted with the others, leave one conversation out (docs/decisions.md, "Named times").
It reads dates in English, as ``kgmem.text.calendar_dates`` writes them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from kgmem.retrieval import question
from kgmem.retrieval.plan import SearchPlan
from kgmem.retrieval.scope import Key
from kgmem.storage.indexes.candidates import VertexInfo
from kgmem.text.calendar_dates import MONTHS

NAME = "named_time"
REASON = "it happened in the time the question names"
# A month named without a year ("in June"), capitalised so "may" the verb is none.
_MONTH = re.compile(
    r"\b(?:in|during|of|since|until|by)\s+(" + "|".join(m.capitalize() for m in MONTHS) + r")\b"
)


@dataclass(frozen=True, slots=True)
class Named:
    """The time a text names: [start, end), or a month of any year (1..12)."""

    start: datetime | None = None
    end: datetime | None = None
    month: int | None = None

    def holds(self, t: datetime) -> bool:
        """Whether ``t`` falls in the named time."""
        if self.month is not None:
            return t.astimezone(UTC).month == self.month
        return self.start is not None and self.end is not None and self.start <= t < self.end


def read(text: str, now: datetime) -> Named | None:
    """The time ``text`` names: its first time expression's window
    (``kgmem.retrieval.question.window``), else a month named without a year; None."""
    window = question.window(text, now)
    if window is not None:
        return Named(start=window[0], end=window[1])
    month = _MONTH.search(text)
    return Named(month=MONTHS.index(month.group(1).lower()) + 1) if month else None


def named(plan: SearchPlan, axes: int) -> Named | None:
    """The time the search text names, when the search fuses several axes with a
    ``named_time`` weight and gives no time query of its own; else None."""
    q = plan.query
    if q.fusion != "minmax" or q.weights.named_time <= 0 or not q.text or axes < 2:
        return None
    if q.time is not None:
        return None
    return read(q.text, plan.now)


def inside(times: Mapping[Key, datetime | None], when: Named) -> set[Key]:
    """The keys whose time falls in ``when``."""
    return {k for k, t in times.items() if t is not None and when.holds(t)}


def values(
    vertices: Mapping[int, VertexInfo], facts: Mapping[int, object], when: Named
) -> dict[Key, float] | None:
    """1 for each eligible vertex that occurred in ``when``, 0 for every other
    candidate; None when all or none did."""
    found = inside({("v", i): v.occurred_at for i, v in vertices.items()}, when)
    keys = [*(("v", i) for i in vertices), *(("f", i) for i in facts)]
    if not found or len(found) == len(keys):
        return None
    return {k: float(k in found) for k in keys}
