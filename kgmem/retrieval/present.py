"""Questions about the present: the newest statement of a changing fact answers them.

"Where does Maya live now?" is answered by "I moved to Lisbon last week!", not by the
older turns about Munich that share more of its words. A search text *asks about the
present* when it holds one of "now", "currently", "current", "these days",
"nowadays", "at the moment", "at present", "right now", "anymore", "still" or
"lately" (any case), unless it asks how long ("how long", "since when": the
start of a present state is an older statement). For such a search the ``minmax``
fusion (``kgmem.retrieval.fusion``) adds, at the ``present`` weight of ``AxisWeights``:

- to each eligible episode, how much it is about what the question asks (its
  relevance: its best score on any axis, scaled between that axis's floor and its
  best) times the share of the other episodes' relevance that lies before it in time
  less the share that lies after it: the newest of the statements about the
  question's subject and attribute gains most, an older one that newer ones
  superseded loses (down to -1 for the oldest), and a turn about something else
  neither gains nor holds the others back;
- to each eligible fact, 1 when it is the newest of the eligible facts with its
  subject and predicate (the latest value of a changing attribute, by valid time, then
  by recording time), else 0.

When the candidates hold no two distinct times the feature cannot order them and is
left out. Like the other features it orders, never filters; its weight was chosen by
leave-one-conversation-out cross-validation (docs/decisions.md, "Questions about the
present"). It is an English rule, read on the search text only.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Mapping
from datetime import UTC, datetime
from typing import TypeVar

from kgmem.retrieval.plan import SearchPlan
from kgmem.retrieval.scope import EPISODE, Key
from kgmem.storage.indexes.candidates import FactInfo, VertexInfo

K = TypeVar("K", bound=Hashable)
NAME = "present"
REASON = "the newest statement, for a question about the present"
_PRESENT = re.compile(
    r"\b(?:now|currently|current|these days|nowadays|at the moment|at present|"
    r"anymore|any more|still|lately)\b"
)
# A question about how long a present state has lasted ("How long has she had her
# current job?") asks when it began: the older statement answers it.
_DURATION = re.compile(r"\b(?:how long|since when)\b")
_EARLIEST = datetime.min.replace(tzinfo=UTC)


def about_present(text: str) -> bool:
    """Whether ``text`` asks about the present ("now", "currently", "these days", ...)."""
    low = text.lower()
    return _PRESENT.search(low) is not None and _DURATION.search(low) is None


def applies(plan: SearchPlan, axes: int) -> bool:
    """Whether the search fuses several axes with a text about the present and a
    ``present`` weight."""
    q = plan.query
    return (
        q.fusion == "minmax"
        and q.weights.present > 0
        and bool(q.text)
        and axes > 1
        and about_present(q.text or "")
    )


def relevance(axes: Mapping[str, Mapping[Key, float]]) -> dict[Key, float]:
    """Each candidate's best score on any axis, scaled between that axis's floor and its
    best (0 to 1): how much it is about what the search asks."""
    out: dict[Key, float] = {}
    for scores in axes.values():
        if not scores:
            continue
        low, high = min(scores.values()), max(scores.values())
        for key, s in scores.items():
            scaled = (s - low) / (high - low) if high > low else 1.0
            out[key] = max(out.get(key, 0.0), scaled)
    return out


def recency(times: Mapping[K, float], relevance: Mapping[K, float]) -> dict[K, float]:
    """Each item's relevance times the share of the others' relevance that is older
    than it less the share that is newer: the newest of the relevant items scores
    most, a relevant statement that newer relevant ones superseded scores below
    nothing, and an item about something else (no relevance) scores nothing and
    holds the others back no more than it pushes them on. Values lie in [-1, 1]."""
    total = sum(relevance.get(k, 0.0) for k in times)
    upto: dict[float, float] = {}  # per time: the relevance at or before it
    older: dict[float, float] = {}  # per time: the relevance strictly before it
    at: dict[float, float] = {}
    for k, t in times.items():
        at[t] = at.get(t, 0.0) + relevance.get(k, 0.0)
    running = 0.0
    for t in sorted(at):
        older[t] = running
        running += at[t]
        upto[t] = running
    out: dict[K, float] = {}
    for k, t in times.items():
        mine = relevance.get(k, 0.0)
        others = total - mine
        newer = total - upto[t]
        out[k] = mine * (older[t] - newer) / others if others > 0 else 0.0
    return out


def values(
    vertices: Mapping[int, VertexInfo],
    facts: Mapping[int, FactInfo],
    relevance: Mapping[Key, float],
) -> dict[Key, float] | None:
    """Each eligible candidate's recency (see the module docstring) times its
    ``relevance``; None when no two candidates differ in time."""
    times = {
        i: v.occurred_at.timestamp()
        for i, v in vertices.items()
        if v.label == EPISODE and v.occurred_at is not None
    }
    out: dict[Key, float] = {("v", i): 0.0 for i in vertices}
    found = recency({("v", i): t for i, t in times.items()}, relevance)
    out.update(found)
    ordered = any(v != 0 for v in found.values())
    newest: dict[tuple[int, str], tuple[datetime, datetime, int]] = {}
    for i, f in facts.items():
        mark = (f.valid_from or _EARLIEST, f.recorded_at, i)
        group = (f.subject_id, f.predicate)
        if group not in newest or mark > newest[group]:
            newest[group] = mark
    for i, f in facts.items():
        latest = newest[(f.subject_id, f.predicate)][2] == i
        out[("f", i)] = float(latest)
        ordered = ordered or not latest
    return out if ordered else None
