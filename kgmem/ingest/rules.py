"""Entities found by rules, without a model: names, places, organisations and dates.

Rules, in order:

- **dates**: explicit calendar expressions ("7 May 2023", "May 7, 2023", "May 2023",
  "in 2022") become ``Date`` mentions named by the day, month or year they denote.
- **names**: runs of capitalised words ("Caroline", "New York City", "Golden Gate
  Park"), joined across "of" and "the" inside a run ("Bank of America"). A run that
  starts a sentence counts only when it has two or more words or the word is not a
  common sentence opener (``OPENERS``: "Hey", "Thanks", weekday and month names, ...).
- **types**, strongest first: a name the conversation places after a job cue ("work
  at", "start at", "joined", "hired by", ``kgmem.ingest.cues``) is an ``Organization``,
  one it names as a pet ("my cat Pixel", "our dog named Rex") an ``Animal``; a run
  ending in an organisation word (``ORG_WORDS``: "Inc", "University", "Club", ...) is an
  ``Organization``; one ending in a place word (``PLACE_WORDS``: "Park", "Street",
  "Lake", ...) a ``Place``. Weaker, and marked as guesses (``Found.guessed``): a run
  following "in", "at", "from", "to", "near" is a ``Place``, a lone capitalised word a
  ``Person``; longer runs stay ``Entity`` (a title, a brand, a team: the rules cannot
  tell). The cues are read in the whole conversation the caller gives (``context``: the
  session's earlier turns), so "Pixel" stays an ``Animal`` in a turn that only says
  "Pixel likes tuna".

It does not find lower-case names or common-noun phrases; the known-entity matcher
(``kgmem.ingest.matcher``) finds names the store already has in any case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kgmem.ingest.cues import Cue, cues_in
from kgmem.text.calendar_dates import DATE, MONTHS


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


OPENERS = frozenset(
    _words(
        """a an the i i'm i've i'd i'll im it it's its this that these those there here what
    when where who why how which hey hi hello thanks thank yes yeah yep no nope oh wow
    sure well ok okay so and but or if my our your his her their we you he she they me
    us them just also maybe awesome great cool nice sounds good lol haha congrats
    congratulations sorry please let glad love totally absolutely definitely really
    monday tuesday wednesday thursday friday saturday sunday today tomorrow yesterday
    do did does is are was were have has had can could would should will not don't
    as at by for from in of on to with after before during since"""
    )
) | frozenset(MONTHS)
ORG_WORDS = frozenset(
    _words(
        """inc corp corporation company co ltd llc university college school academy
    institute club association society foundation bank group team church hospital
    center centre museum library agency department ministry council committee
    shelter store shop restaurant cafe bakery studio"""
    )
)
PLACE_WORDS = frozenset(
    _words(
        """park street st avenue ave road rd lake river mountain mountains mount beach bay
    island islands city town village county state country valley canyon falls forest
    coast square bridge"""
    )
)
PLACE_CUES = frozenset(_words("in at from to near visited visiting"))
_JOINERS = frozenset({"of", "the", "de", "van", "von"})
_TOKEN = re.compile(r"[A-Za-z][\w'\u2019&-]*|[.!?;:,()\"]")


@dataclass(frozen=True, slots=True)
class Found:
    """A name or date found in a text: its surface, graph label and canonical name."""

    surface: str
    label: str
    name: str
    guessed: bool = False
    """The label rests on a weak sign (a lone capitalised word, a preposition before it)."""
    evidence: str | None = None
    """What typed it: the cue, the word it ends in, or why it is a guess."""


def find(text: str, context: str = "") -> list[Found]:
    """Dates then names in ``text``, each canonical name once, in text order; typed by
    the cues of ``context`` (earlier turns) and ``text`` together."""
    cues = cues_in(f"{context}\n{text}" if context else text)
    found: dict[str, Found] = {}
    for f in [*_dates(text), *_names(_without_dates(text), cues)]:
        found.setdefault(f.name.lower(), f)
    return list(found.values())


def _without_dates(text: str) -> str:
    """``text`` with its dates blanked, so "May" in "7 May 2023" is not a name."""
    return DATE.sub(lambda m: " " * len(m.group(0)), text)


def _dates(text: str) -> list[Found]:
    out = []
    for m in DATE.finditer(text):
        g = m.groupdict()
        name = g["y1"] or g["y2"] or g["y3"] or g["y4"]
        if month := g["m1"] or g["m2"] or g["m3"]:
            name = f"{name}-{MONTHS.index(month.lower()) + 1:02d}"
        if day := g["d1"] or g["d2"]:
            name = f"{name}-{int(re.sub(r'[a-z]', '', day)):02d}"
        out.append(Found(m.group(0), "Date", name))
    return out


def _names(text: str, cues: dict[str, Cue]) -> list[Found]:
    """Runs of capitalised words; a lone word opening a sentence counts only when the
    text also uses it inside a sentence (else "Painting is fun" would name one)."""
    tokens = _TOKEN.findall(text)
    runs: list[tuple[list[str], bool, str]] = []
    i = 0
    while i < len(tokens):
        run, end = _run(tokens, i)
        if run:
            before = tokens[i - 1] if i else "."
            runs.append((run, before in _SENTENCE_ENDS, before.lower()))
        i = end
    inside = {w for run, first, _ in runs if not first for w in run}
    out = []
    for run, first, before in runs:
        words = _trimmed(run)
        opens = first and words[:1] == run[:1]
        known = " ".join(words).lower() in cues
        if not words or (opens and len(words) == 1 and words[0] not in inside and not known):
            continue
        name = " ".join(words)
        cue = cues.get(name.lower())
        if cue is not None:
            out.append(Found(name, cue.label, name, evidence=cue.evidence))
            continue
        label, guessed, evidence = _label(words, before if words[0] == run[0] else "")
        out.append(Found(name, label, name, guessed, evidence))
    return out


_SENTENCE_ENDS = frozenset('.!?;:"(')


def _run(tokens: list[str], start: int) -> tuple[list[str], int]:
    """The run of capitalised words (with inner joiners) at ``start``, and its end."""
    run: list[str] = []
    i = start
    while i < len(tokens):
        t = tokens[i]
        if _capital(t):
            run.append(_POSSESSIVE.sub("", t))
        elif run and t.lower() in _JOINERS and i + 1 < len(tokens) and _capital(tokens[i + 1]):
            run.append(t)
        else:
            break
        i += 1
    return run, max(i, start + 1)


_POSSESSIVE = re.compile(r"['\u2019]s$")


def _capital(token: str) -> bool:
    """A word with a capital first letter and some lower case, or an acronym."""
    if len(token) < 2 or not token[0].isupper():
        return False
    return any(c.islower() for c in token[1:]) or token.isalpha()


def _trimmed(run: list[str]) -> list[str]:
    """The run without leading openers ("Hey Caroline") and trailing joiners."""
    words = list(run)
    while words and words[0].lower().replace("\u2019", "'") in OPENERS:
        words.pop(0)
    while words and words[-1].lower() in _JOINERS:
        words.pop()
    return words


def _label(words: list[str], before: str) -> tuple[str, bool, str | None]:
    """The label of a run, whether it is a guess, and what says so."""
    last = words[-1].lower().strip(".")
    if last in ORG_WORDS:
        return "Organization", False, f"ends in {words[-1]!r}"
    if last in PLACE_WORDS:
        return "Place", False, f"ends in {words[-1]!r}"
    if before in PLACE_CUES:
        return "Place", True, f"follows {before!r}"
    if len(words) == 1 and not words[0].isupper():
        return "Person", True, "a lone capitalised word"
    return "Entity", False, None
