"""A generated set of names with known duplicates, for entity-resolution quality.

Each canonical person is stored with a name (and, for some, a nickname alias); each
mention is either a variant of one of them (typo, case, initials, alias,
transliteration) or a different person with a confusable name (same surname or same
first name). Deterministic for a seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

FIRST = [
    "John",
    "Maria",
    "José",
    "Anna",
    "William",
    "Robert",
    "Elizabeth",
    "Jürgen",
    "Zoë",
    "François",
    "Katherine",
    "Michael",
    "Søren",
    "Chloé",
    "Andrés",
    "Margaret",
    "Thomas",
    "Renée",
    "Dmitri",
    "Ingrid",
    "Patrick",
    "Nadia",
    "Oscar",
    "Hélène",
    "Victor",
]
LAST = [
    "Smith",
    "Müller",
    "García",
    "Nowak",
    "Okafor",
    "Lindqvist",
    "Dubois",
    "Tanaka",
    "O'Brien",
    "Kowalski",
    "Fernández",
    "Brontë",
    "Schröder",
    "Novák",
    "Haddad",
    "Johansson",
    "Moreau",
    "Petrović",
    "Rossi",
    "Çelik",
]
NICKNAMES = {
    "William": "Bill",
    "Robert": "Bob",
    "Elizabeth": "Liz",
    "Katherine": "Kate",
    "Michael": "Mike",
    "Margaret": "Peggy",
    "Thomas": "Tom",
    "Patrick": "Pat",
}
TRANSLIT = {
    "ü": "ue",
    "ö": "oe",
    "ä": "ae",
    "é": "e",
    "è": "e",
    "ë": "e",
    "á": "a",
    "í": "i",
    "ç": "c",
    "ø": "o",
    "ć": "c",
    "ñ": "n",
    "š": "s",
}


@dataclass(frozen=True)
class Canonical:
    uid: str
    name: str
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class Mention:
    text: str
    truth: str | None  # the canonical uid it names, or None for a different person
    kind: str


def _typo(name: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(name) - 1)
    if name[i] == " " or name[i + 1] == " ":
        i = 1
    op = rng.choice(("swap", "drop", "double"))
    if op == "swap":
        return name[:i] + name[i + 1] + name[i] + name[i + 2 :]
    if op == "drop":
        return name[:i] + name[i + 1 :]
    return name[:i] + name[i] + name[i:]


def _translit(name: str) -> str:
    return "".join(TRANSLIT.get(c, TRANSLIT.get(c.lower(), c)) for c in name)


def generate(people: int = 200, seed: int = 5) -> tuple[list[Canonical], list[Mention]]:
    """``people`` canonical names and about 2.5 mentions each."""
    rng = random.Random(seed)
    pairs = rng.sample([(f, s) for f in FIRST for s in LAST], people)
    canon = []
    for i, (first, last) in enumerate(pairs):
        alias = (f"{NICKNAMES[first]} {last}",) if first in NICKNAMES else ()
        canon.append(Canonical(f"p{i}", f"{first} {last}", alias))
    mentions = []
    for c in canon:
        first, last = c.name.split(" ", 1)
        variants = [
            ("exact", c.name),
            ("case", c.name.upper()),
            ("typo", _typo(c.name, rng)),
            ("initials", f"{first[0]}. {last}"),
        ]
        if c.aliases:
            variants.append(("alias", c.aliases[0]))
        if _translit(c.name) != c.name:
            variants.append(("transliteration", _translit(c.name)))
        for kind, text in rng.sample(variants, 2):
            mentions.append(Mention(text, c.uid, kind))
    taken = {c.name for c in canon}
    others = [f"{f} {s}" for f in FIRST for s in LAST if f"{f} {s}" not in taken]
    for name in rng.sample(others, people // 2):
        mentions.append(Mention(name, None, "different person"))
    return canon, mentions
