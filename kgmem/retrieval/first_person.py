"""First-person favouring: an episode whose speaker speaks of themself is better
evidence than one that only reacts to someone else.

In a conversation the turns that hold what a speaker did, has or likes say so in the
first person ("I signed up for a pottery class", "my kids loved it", "we went
camping"); the turns around them that share the question's words often only answer
the other speaker ("Wow, that's great!", "Your painting is lovely"). An episode
*speaks in the first person* when its text holds one of the words ``I``, ``me``,
``my``, ``mine``, ``myself``, ``we``, ``us``, ``our``, ``ours`` or ``ourselves``
(any case, with contractions such as "I'm" and "we've"). The ``minmax`` fusion
(``kgmem.retrieval.fusion``) adds, at the ``first_person`` weight of ``AxisWeights``,
1 to every episode candidate that does and 0 to every other candidate (entities and
facts have no speaker), when some but not all eligible episodes do (otherwise the
feature could not order them and is left out). Like the statement feature it orders,
never filters; its default weight was fitted with the others (``python -m bench
locomo``). It applies only where a search with a text fuses several axes, and reads
the eligible episodes' texts in the statement that reads their speakers
(``kgmem.retrieval.words``), so it adds no round trip. It is an English rule: in a
namespace whose text search configuration is not English the texts are not read and
the feature is left out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from kgmem.retrieval.plan import SearchPlan
from kgmem.retrieval.scope import Key

NAME = "first_person"
REASON = "its speaker speaks of themself (first person)"
# A word boundary before and after: "I'm" and "we've" hold "I" and "we". Matched on the
# lower-cased text: faster than a case-insensitive pattern.
_FIRST_PERSON = re.compile(r"\b(?:i|me|my|mine|myself|we|us|our|ours|ourselves)\b")


def applies(plan: SearchPlan, axes: int) -> bool:
    """Whether the search fuses several axes with a text and a first-person weight."""
    q = plan.query
    return q.fusion == "minmax" and q.weights.first_person > 0 and bool(q.text) and axes > 1


def speaks_of_self(text: str) -> bool:
    """Whether ``text`` holds a first-person pronoun (``I``, ``my``, ``we``, ...)."""
    return _FIRST_PERSON.search(text.lower()) is not None


def values(keys: Iterable[Key], texts: Mapping[int, str]) -> dict[Key, float] | None:
    """1 for each episode of ``keys`` whose text in ``texts`` speaks in the first
    person, 0 for every other key; ``None`` when that cannot order the episodes (all
    or none of them do)."""
    speaking = {i for i, text in texts.items() if speaks_of_self(text)}
    if not speaking or len(speaking) == len(texts):
        return None
    return {key: float(key[0] == "v" and key[1] in speaking) for key in keys}
