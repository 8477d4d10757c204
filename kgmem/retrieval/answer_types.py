"""Answer types: an episode that holds the kind of thing a question asks for is better
evidence than one that only shares its words.

A question's first words say what kind of answer it wants: "When ...", "What year ..."
a time; "How many ...", "How often ...", "How long ..." a number; "Where ..." and
"Who ..." a name. An episode *holds* a time when its text has a time expression
(a day, month or year, "yesterday", "last week", "two weeks ago", "since"), a number
when it has a numeral or a number word, and a name when it has a capitalised word that
does not begin a sentence. The ``minmax`` fusion (``kgmem.retrieval.fusion``) adds, at
the ``answer_type`` weight of ``AxisWeights``, 1 to every episode candidate that holds
what the search text asks for and 0 to every other candidate, when some but not all
eligible episodes do (otherwise the feature could not order them and is left out).
Like the first-person feature it orders, never filters; it reads the eligible
episodes' texts in the same statement (``kgmem.retrieval.words``), and its default
weight was fitted with the others (``python -m bench locomo``). It is an English rule:
a search text that asks in no such way, or a namespace whose text search
configuration is not English, leaves it out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Literal

from kgmem.retrieval.plan import SearchPlan
from kgmem.retrieval.scope import Key

NAME = "answer_type"
REASON = "it holds what the question asks for (a time, a number or a name)"

Kind = Literal["time", "number", "name"]

_ASKS: tuple[tuple[re.Pattern[str], Kind], ...] = (
    (re.compile(r"\s*(?:when|what (?:year|month|date|day|time))\b"), "time"),
    (re.compile(r"\s*how (?:many|much|often|long)\b"), "number"),
    (re.compile(r"\s*(?:where|who)\b"), "name"),
)
_UNITS = "weeks?|months?|years?|days?|weekend"
_DAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
_TIME = re.compile(
    rf"\b(?:yesterday|today|tonight|tomorrow|ago|since|(?:19|20)\d\d|{_MONTHS}|{_DAYS}|{_UNITS}"
    rf"|last (?:night|{_DAYS}|{_UNITS})|next (?:{_UNITS})|this (?:morning|{_UNITS}))\b",
    re.IGNORECASE,
)
_NUMBER = re.compile(
    r"\b(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|twice|once|a few|several"
    r"|couple)\b",
    re.IGNORECASE,
)
# A capitalised word that does not begin the text or a sentence ("I" is one letter).
_NAME = re.compile(r"(?<![.!?] )(?<!^)\b[A-Z][a-z]+")
_HOLDS = {"time": _TIME, "number": _NUMBER, "name": _NAME}


def asked(text: str) -> Kind | None:
    """The kind of answer a question asks for, by its first words; None for another."""
    lowered = text.lower()
    return next((kind for pattern, kind in _ASKS if pattern.match(lowered)), None)


def kind_asked(plan: SearchPlan, axes: int) -> Kind | None:
    """The kind of answer the search's text asks for, when the search fuses several
    axes with an answer-type weight (else None: the feature does not apply)."""
    q = plan.query
    if q.fusion != "minmax" or q.weights.answer_type <= 0 or not q.text or axes < 2:
        return None
    return asked(q.text)


def holds(kind: Kind, text: str) -> bool:
    """Whether ``text`` holds an answer of ``kind``."""
    return _HOLDS[kind].search(text) is not None


def values(keys: Iterable[Key], texts: Mapping[int, str], kind: Kind) -> dict[Key, float] | None:
    """1 for each episode of ``keys`` whose text in ``texts`` holds an answer of
    ``kind``, 0 for every other key; ``None`` when that cannot order the episodes (all
    or none of them do)."""
    holding = {i for i, text in texts.items() if holds(kind, text)}
    if not holding or len(holding) == len(texts):
        return None
    return {key: float(key[0] == "v" and key[1] in holding) for key in keys}
