"""Salient noun phrases found by rules, without a model or a tagger.

A phrase is a run of one to three lower-case content words that directly follows a
cue: a determiner or possessive ("a", "the", "my", "some", ...) or a preposition
("on", "in", "at", "for", "to", ...). The run stops at the first word that is not a
content word (a function word, an adverb in "-ly", punctuation, a capitalised word:
names are ``kgmem.ingest.rules``' business). A run after "to" whose first word is a
common verb ("to help") is an infinitive, not a phrase; a one-word run of a generic
noun ("time", "stuff", "lot") is dropped.

What it cannot see: phrases without a cue before them ("art can show emotions"),
and verbs inside a run ("my kids love" gives "kids love"). docs/performance.md gives
its precision and recall on hand-labelled LoCoMo turns.
"""

from __future__ import annotations

import re

from kgmem.ingest.rules import Found

_WORD = re.compile(r"[A-Za-z][A-Za-z'\u2019-]*|[^\sA-Za-z]")
MAX_WORDS = 3


def _set(text: str) -> frozenset[str]:
    return frozenset(text.split())


DETERMINERS = _set(
    "a an the my your his her our their its this that these those some any every each another such"
)
PREPOSITIONS = _set("on in at for with about from of to into onto near")
CUES = DETERMINERS | PREPOSITIONS
FUNCTION = CUES | _set(
    """i me you he she it we they us them him myself yourself ourselves themselves
    and or but so if because as than then when while where what who whom which how why
    is are was were be been being am do does did have has had will would can could
    should may might must shall not no nor all both few more most other own same very
    just also too still even always never ever soon already here there now again
    really quite pretty much many lot lots up down out over off by after before
    during since until through like one ones something anything everything nothing
    someone anyone everyone nobody yes yeah oh wow hey hi thanks thank please sure ok
    okay im i'm it's that's you're we're they're i've i'll i'd don't can't didn't
    let's ya"""
)
GENERIC = _set(
    """time times thing things stuff way ways lot bit day days moment moments life
    memories people kind sort part idea ideas place world end start week month year
    today tomorrow yesterday night morning weekend situation"""
)
VERBS = _set(
    """be have do get go make take see know think feel help share support show try keep
    give find tell ask work play learn hear say come look use start stay let hang
    chat talk catch spend enjoy love meet visit check reach explore plan"""
)


def _content(word: str) -> bool:
    w = word.lower().replace("\u2019", "'")
    return (
        word[:1].islower()
        and w not in FUNCTION
        and not (w.endswith("ly") and len(w) > 4)
        and any(c.isalpha() for c in w)
    )


def find(text: str) -> list[Found]:
    """The salient noun phrases of ``text``, each once, in text order (label
    ``Concept``, named in lower case)."""
    matches = list(_WORD.finditer(text))
    tokens = [m.group() for m in matches]
    found: dict[str, Found] = {}
    for i, token in enumerate(tokens[:-1]):
        cue = token.lower()
        if cue not in CUES:
            continue
        run: list[str] = []
        for word in tokens[i + 1 : i + 1 + MAX_WORDS]:
            if not _content(word):
                break
            run.append(word)
        if not run or (cue == "to" and run[0].lower() in VERBS):
            continue
        if len(run) < MAX_WORDS and i + 1 + len(run) < len(tokens):
            following = tokens[i + 1 + len(run)]
            if following[:1].isupper() and following.isalpha():
                continue  # "the Golden Gate": part of a name
        name = " ".join(w.lower().replace("\u2019", "'") for w in run)
        if len(run) == 1 and name in GENERIC:
            continue
        # The surface as written (its words may be apart by any whitespace).
        surface = text[matches[i + 1].start() : matches[i + len(run)].end()]
        found.setdefault(name, Found(surface, "Concept", name))
    return list(found.values())
