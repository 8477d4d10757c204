"""Statement favouring: an episode that tells something is better evidence than one
that asks.

A conversation's turns that ask ("What do you love most about camping?") echo a
question's words without holding its answer; the turns that answer them do. An episode
*asks* when the last sentence mark of its text (``.``, ``!`` or ``?``) is a question
mark: "Any plans? [shares a photo]" asks, "Why? Because I love it." does not. The
``minmax`` fusion (``kgmem.retrieval.fusion``) adds, at the ``statement`` weight of
``AxisWeights``, 1 to every candidate that does not ask (entities and facts never do)
and 0 to an episode that asks, when some eligible episode asks (when none does, the
feature could not order them and is left out). Like the speaker feature it orders, it
never filters. The default weight was fitted with the others (``python -m bench
locomo``). It applies only where a search with a text fuses several axes, and reads the
eligible episodes' texts in the statement that reads their speakers
(``kgmem.storage.indexes.candidates.episode_words``), which reads them only in a
namespace whose text search configuration is English: elsewhere the feature is left
out (other languages mark questions otherwise).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from kgmem.retrieval.plan import SearchPlan
from kgmem.retrieval.scope import Key

_MARKS = frozenset(".!?")
NAME = "statement"
REASON = "it tells rather than asks"


def applies(plan: SearchPlan, axes: int) -> bool:
    """Whether the search fuses several axes with a text and a statement weight (a
    search without a text has no words for a turn that asks to echo)."""
    q = plan.query
    return q.fusion == "minmax" and q.weights.statement > 0 and bool(q.text) and axes > 1


def asks(text: str) -> bool:
    """Whether the last sentence mark of ``text`` is a question mark."""
    last = next((c for c in reversed(text) if c in _MARKS), None)
    return last == "?"


def telling(keys: Iterable[Key], texts: Mapping[int, str]) -> dict[Key, float]:
    """1 for each of ``keys`` except the vertices whose text in ``texts`` asks."""
    return {key: 0.0 if key[0] == "v" and asks(texts.get(key[1], "")) else 1.0 for key in keys}
