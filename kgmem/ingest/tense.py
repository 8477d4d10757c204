"""Which way a sentence points in time: the tense around a date it names.

A date that could lie on either side of an episode's reference time ("July 1", "in
May", "on Friday") takes its side from the clause that names it: a future form ("will",
"going to", "I'm starting") or a present one ("I start at Feedzai on July 1": English
states arrangements in the present) reads forward; a past form ("I moved to Lisbon in
May", "we met on Friday", "was", "had") reads backward. Without a verb to go by, the
caller decides (``kgmem.text.time_expressions`` reads backward).

Rules, not a parser: the clause is the stretch between punctuation or "and"/"but"
around the date's words; its verb is the word after a subject (a pronoun or a
capitalised name, adverbs such as "just" skipped).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kgmem.text.time_expressions import Direction


def _set(words: str) -> frozenset[str]:
    return frozenset(words.split())


_CLAUSE_BREAK = re.compile(r"[.!?;,\n]+|\s(?:and|but|while|whereas|although)\s", re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z][A-Za-z'\u2019]*")
_FUTURE = re.compile(
    r"\b(?:will|shall|won't|going to|gonna|about to|plan(?:ning)? to|intend(?:ing)? to|"
    r"scheduled to|due to|set to)\b|\w['\u2019]ll\b",
    re.IGNORECASE,
)
SUBJECTS = _set("i we you he she they it")
ADVERBS = _set("just finally already recently actually officially also then first really still")
PAST_AUXILIARIES = _set("was were had did used")
PRESENT_AUXILIARIES = _set("am is are 'm 're 's")
PERFECT_AUXILIARIES = _set("have has 've 's")
ARRANGEMENTS = _set(
    """starts begins leaves arrives moves joins flies returns opens finishes ends retires
    graduates visits comes goes"""
)
IRREGULAR_PAST = _set(
    """went began came got took made left met found flew bought saw told said gave knew
    thought felt became brought ran wrote won lost spent sold sent built kept held quit
    drove rode swam sang ate drank fell grew chose broke spoke stood sat slept woke wore
    taught caught paid heard read led lent meant"""
)


@dataclass(frozen=True, slots=True)
class Tense:
    """The direction a clause points and the words that say so."""

    direction: Direction
    because: str


def tense_near(text: str, phrase: str) -> Tense | None:
    """The tense of the clause of ``text`` naming ``phrase`` (case folded); of every
    clause when ``text`` does not name it, if they agree. None when nothing says."""
    clauses = [c for c in _CLAUSE_BREAK.split(text) if c.strip()]
    folded = " ".join(phrase.lower().split())
    naming = [c for c in clauses if folded and folded in " ".join(c.lower().split())]
    found = {t for t in map(clause_tense, naming or clauses) if t is not None}
    if len({t.direction for t in found}) != 1:
        return None
    return min(found, key=lambda t: t.because)


def clause_tense(clause: str) -> Tense | None:
    """The direction one clause points, by its auxiliaries or its subject's verb."""
    future = _FUTURE.search(clause)
    if future:
        return Tense("future", f"future tense: {future.group(0)!r}")
    words = [w.replace("\u2019", "'") for w in _WORD.findall(clause)]
    for i, word in enumerate(words):
        if word.lower() in SUBJECTS or word.split("'")[0].lower() in SUBJECTS or word[:1].isupper():
            verb = _verb_after(words, i)
            if verb is not None:
                return verb
    return None


def _verb_after(words: list[str], i: int) -> Tense | None:
    subject, rest = words[i], words[i + 1 :]
    if "'" in subject:  # "I'm", "she's": the auxiliary is attached
        subject, attached = subject.split("'", 1)
        rest = ["'" + attached, *rest]
    while rest and rest[0].lower() in ADVERBS:
        rest = rest[1:]
    if not rest:
        return None
    verb, after = rest[0].lower(), rest[1].lower() if len(rest) > 1 else ""
    said = subject + ("" if verb.startswith("'") else " ") + rest[0]
    if verb in PAST_AUXILIARIES or _past(verb):
        return Tense("past", f"past tense: {said!r}")
    if verb in PERFECT_AUXILIARIES and _past(after):
        return Tense("past", f"past tense: '{said} {rest[1]}'")
    if verb in PRESENT_AUXILIARIES and after.endswith("ing"):
        return Tense("future", f"an arrangement: '{said} {rest[1]}'")
    pronoun = subject.lower() in SUBJECTS
    if verb.isalpha() and verb[:1].islower() and (pronoun or verb in ARRANGEMENTS):
        return Tense("future", f"present tense of an arrangement: {said!r}")
    return None


def _past(word: str) -> bool:
    regular = len(word) > 4 and word.endswith("ed") and not word.endswith("eed")
    return regular or word in IRREGULAR_PAST
