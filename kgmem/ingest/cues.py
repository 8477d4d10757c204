"""Words around a name that say what it names, read across a whole conversation.

- **organisations**: a name after a job phrase ("work at", "works for", "start at",
  "joined", "hired by", "job at", "interview with", "offer from", "intern at") is an
  ``Organization`` ("I start at Feedzai", "she joined Siemens");
- **animals**: a name a speaker gives a pet ("my cat Pixel", "our dog, Rex", "a puppy
  named Luna", "Pixel, my cat") is an ``Animal``.

A cue found anywhere in the conversation types the name wherever it appears, so a later
turn that only says "Pixel likes tuna" still names the cat.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NAME = r"(?P<name>[A-Z][\w'\u2019&-]*(?:[ \t]+(?:of[ \t]+|the[ \t]+)?[A-Z][\w'\u2019&-]*){0,3})"
_JOB = (
    r"(?:work(?:s|ed|ing)?\s+(?:at|for)|start(?:s|ed|ing)?\s+(?:at|with)|"
    r"join(?:s|ed|ing)?(?=\s+(?:the\s+)?[A-Z]\w*\b(?!\s+(?:for|and|on|at|in|to|with)\b))"
    r"|hired\s+(?:by|at)|employed\s+(?:by|at)|job\s+(?:at|with)|"
    r"intern(?:ing|ed|s)?\s+at|internship\s+(?:at|with)|interview(?:s|ed|ing)?\s+(?:at|with)|"
    r"offer\s+from|position\s+at|role\s+at)"
)
_PETS = (
    r"(?:cat|cats|kitten|dog|dogs|puppy|pup|pet|parrot|bird|hamster|rabbit|bunny|horse|"
    r"pony|turtle|tortoise|guinea\s+pig|goldfish|fish|snake|lizard|ferret)"
)
_ORGANISATION = re.compile(rf"\b{_JOB}\s+(?:the\s+)?{_NAME}")
_PET_BEFORE = re.compile(
    rf"\b(?:[Mm]y|[Oo]ur|[Hh]is|[Hh]er|[Tt]heir|[Aa]|[Tt]he)\s+(?:new\s+|little\s+|old\s+)?{_PETS}"
    rf",?\s+(?:(?:named|called)\s+)?{_NAME}"
)
_PET_AFTER = re.compile(rf"{_NAME},?\s+(?:my|our|his|her|their)\s+(?:new\s+|little\s+)?{_PETS}\b")


@dataclass(frozen=True, slots=True)
class Cue:
    """What a cue says a name is, and the words that say it."""

    label: str
    evidence: str


def cues_in(text: str) -> dict[str, Cue]:
    """The names the cues of ``text`` type, folded to lower case."""
    found: dict[str, Cue] = {}
    for pattern, label in (
        (_ORGANISATION, "Organization"),
        (_PET_BEFORE, "Animal"),
        (_PET_AFTER, "Animal"),
    ):
        for m in pattern.finditer(text):
            name = m.group("name")
            said = " ".join(m.group(0).split())
            found.setdefault(name.lower(), Cue(label, f"{said!r}"))
    return found
