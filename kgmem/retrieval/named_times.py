"""Times a question names: what happened then is better evidence than what only shares
its words.

"What did Maria donate to a homeless shelter in December 2023?" is answered by what was
said in December 2023. When the search text names a time (a day, a month or a year, "the
week before 3 May 2023", "last summer", "yesterday": the first time expression
``kgmem.retrieval.question.window`` reads, relative ones from the search's now), the
``minmax`` fusion (``kgmem.retrieval.fusion``) adds, at the ``named_time`` weight of
``AxisWeights``, 1 to every eligible vertex that occurred inside that window (episodes
and events, by ``occurred_at``) and 0 to every other candidate, when some but not all
candidates did (otherwise the feature could not order them and is left out).

It orders, never filters: a question may name the time of the event it asks about
while the conversation told of it later. A ``time`` query is the filter, and a search
that gives one gets no feature (the temporal axis then decides). Its default weight was
fitted with the others, leave one conversation out (docs/decisions.md, "Named times").
It reads dates in English, as ``kgmem.text.calendar_dates`` writes them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from kgmem.retrieval import question
from kgmem.retrieval.plan import SearchPlan
from kgmem.retrieval.scope import Key
from kgmem.storage.indexes.candidates import VertexInfo

NAME = "named_time"
REASON = "it happened in the time the question names"


def named(plan: SearchPlan, axes: int) -> tuple[datetime, datetime] | None:
    """The [start, end) the search text names, when the search fuses several axes with a
    ``named_time`` weight and gives no time query of its own; else None."""
    q = plan.query
    if q.fusion != "minmax" or q.weights.named_time <= 0 or not q.text or axes < 2:
        return None
    if q.time is not None:
        return None
    return question.window(q.text, plan.now)


def inside(times: Mapping[Key, datetime | None], window: tuple[datetime, datetime]) -> set[Key]:
    """The keys whose time falls inside ``window``."""
    start, end = window
    return {k for k, t in times.items() if t is not None and start <= t < end}


def values(
    vertices: Mapping[int, VertexInfo],
    facts: Mapping[int, object],
    window: tuple[datetime, datetime],
) -> dict[Key, float] | None:
    """1 for each eligible vertex that occurred inside ``window``, 0 for every other
    candidate; None when all or none did."""
    found = inside({("v", i): v.occurred_at for i, v in vertices.items()}, window)
    keys = [*(("v", i) for i in vertices), *(("f", i) for i in facts)]
    if not found or len(found) == len(keys):
        return None
    return {k: float(k in found) for k in keys}
