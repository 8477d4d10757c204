"""Known-entity matching: find every stored name or alias in a text in one pass.

An Aho-Corasick automaton (pyahocorasick) over the folded names finds all
occurrences in time linear in the text; a hit counts only on word boundaries, and
overlapping hits keep the longest ("New York City" over "York"). Folding removes case
and accents from both sides, so "jose" finds "José".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import ahocorasick

from kgmem.ingest.normalise import fold_char, key


@dataclass(frozen=True, slots=True)
class Hit:
    """A name found in the text: the span in the original text and the entity's uid."""

    start: int
    end: int
    uid: str
    surface: str


def fold_with_offsets(text: str) -> tuple[str, list[int]]:
    """The folded text and, for each folded character, its index in ``text``."""
    if text.isascii():
        # ASCII has no accents and folds one character to one: the common case, fast.
        return text.lower(), list(range(len(text)))
    chars: list[str] = []
    offsets: list[int] = []
    for i, c in enumerate(text):
        folded = fold_char(c)
        chars.append(folded)
        offsets.extend([i] * len(folded))
    return "".join(chars), offsets


class NameMatcher:
    """An automaton over (name, uid) pairs; build once, match many texts."""

    def __init__(self, names: Iterable[tuple[str, str]]) -> None:
        self._automaton = ahocorasick.Automaton()
        count = 0
        for name, uid in names:
            folded = key(name)
            if len(folded) >= 2:
                self._automaton.add_word(folded, (len(folded), uid))
                count += 1
        self.size = count
        if count:
            self._automaton.make_automaton()

    def find(self, text: str) -> list[Hit]:
        """Non-overlapping hits on word boundaries, longest first where they overlap."""
        if not self.size:
            return []
        folded, offsets = fold_with_offsets(text)
        # The automaton's keys are single-spaced; so must the text be.
        spaced = _NOT_ALNUM.sub(" ", folded)
        candidates = []
        for end, (length, uid) in self._automaton.iter(spaced):
            start = end - length + 1
            if _bounded(spaced, start, end):
                candidates.append((start, end, uid))
        candidates.sort(key=lambda c: (-(c[1] - c[0]), c[0]))
        taken: list[Hit] = []
        used: set[int] = set()
        for start, end, uid in candidates:
            if used.isdisjoint(range(start, end + 1)):
                used.update(range(start, end + 1))
                lo, hi = offsets[start], offsets[end] + 1
                taken.append(Hit(lo, hi, uid, text[lo:hi]))
        return sorted(taken, key=lambda h: h.start)


# Exactly the characters for which str.isalnum() is false ("\w" is isalnum() or "_").
_NOT_ALNUM = re.compile(r"[\W_]")


def _bounded(text: str, start: int, end: int) -> bool:
    before = start == 0 or not text[start - 1].isalnum()
    after = end == len(text) - 1 or not text[end + 1].isalnum()
    return before and after
