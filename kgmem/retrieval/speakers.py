"""Speaker favouring: a question that names a speaker favours that speaker's turns.

An episode of a conversation carries its ``speaker``. When a search's text names one
(the speaker's whole name, any case, as a word of the text: "What did Caroline
research?"), the ``minmax`` fusion (``kgmem.retrieval.fusion``) adds, at the
``speaker`` weight of ``AxisWeights``, 1 to every episode candidate of that speaker and
0 to the others. It is a feature of the fused ranking like the nearby ones, not a
filter: a question that names the wrong speaker on purpose still finds the right turn
when the text axes agree on it. The default weight was fitted with the others
(``python -m bench locomo``). It applies only where a search fuses several axes, and
costs one statement (the candidates' speakers, ``kgmem.retrieval.words``) only when
some eligible candidate is an episode.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

from kgmem.retrieval.plan import SearchPlan
from kgmem.retrieval.scope import Key

NAME = "speaker"
REASON = "the text names its speaker"


def applies(plan: SearchPlan, axes: int) -> bool:
    """Whether the search fuses several axes with a text and a speaker weight."""
    q = plan.query
    return q.fusion == "minmax" and q.weights.speaker > 0 and bool(q.text) and axes > 1


@lru_cache(maxsize=4096)
def _pattern(name: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w){re.escape(name)}(?!\w)", re.IGNORECASE)


def named(text: str, speakers: Mapping[int, str]) -> set[int]:
    """The ids among ``speakers`` whose speaker ``text`` names."""
    names = {s for s in set(speakers.values()) if s.strip() and _pattern(s.strip()).search(text)}
    return {i for i, s in speakers.items() if s in names}


def favoured(text: str, speakers: Mapping[int, str]) -> dict[Key, float]:
    """1 for each episode among ``speakers`` whose speaker ``text`` names (others are
    left out)."""
    return {("v", i): 1.0 for i in named(text, speakers)}
