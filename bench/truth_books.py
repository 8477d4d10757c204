"""A *generated* book-author truth-discovery set: a stand-in for the Book-Author set
(bookstores listing the authors of books), which kgmem does not have. Figures measured
on it are labelled as generated wherever they are reported; they are no real-data
figure.

Each book has one to four authors drawn from a pool of made-up names (some with
accents or a "Jr." suffix). Each source (a bookstore) has an accuracy and lists a
share of the books; about a third of the stores list only the first author; a
listing is either the true list or one of the errors that real listings show:
truncated to its first author(s), an extra wrong author, a
misspelled surname, another book's authors. Whatever it lists, the store formats it
its own way: order, separators ("; ", " / ", " & ", " and ", ", "), "Last, First",
initials, HTML entities, "Edited by" or "(Author)". A share of the stores copy
another store's listings, errors included. Deterministic for a given seed.
"""

from __future__ import annotations

import html
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bench.truth_data import Claim, TruthSet

PREDICATE = "AUTHORS"
_SYLLABLES = [
    "ka",
    "lo",
    "mi",
    "ra",
    "ten",
    "sor",
    "vel",
    "dan",
    "ber",
    "gis",
    "hol",
    "mar",
    "tin",
    "rus",
    "pe",
    "lan",
    "dor",
    "fi",
    "cel",
    "wen",
]
_ACCENTS = {"e": "é", "o": "ö", "a": "á", "u": "ü"}


def word(rng: random.Random, syllables: int) -> str:
    """A made-up capitalised name of ``syllables`` syllables."""
    return "".join(rng.choice(_SYLLABLES) for _ in range(syllables)).capitalize()


@dataclass(frozen=True, slots=True)
class Shape:
    """Size of the generated set, the share of stores that list only the first author,
    and the Beta distribution of the stores' accuracies."""

    books: int = 1_200
    sources: int = 900
    claims: int = 25_000
    copier_share: float = 0.1
    first_only_share: float = 0.35
    accuracy_beta: tuple[float, float] = (2.0, 2.0)
    seed: int = 22


def generate(shape: Shape = Shape()) -> TruthSet:
    """Claims in observation order and the gold author list of every book."""
    rng = random.Random(shape.seed)
    people = _people(rng, 3 * shape.books)
    truth = [rng.sample(people, rng.choice((1, 1, 2, 2, 2, 3, 3, 4))) for _ in range(shape.books)]
    accuracy = [
        min(0.97, max(0.1, rng.betavariate(*shape.accuracy_beta))) for _ in range(shape.sources)
    ]
    first_only = [rng.random() < shape.first_only_share for _ in range(shape.sources)]
    style = [rng.randrange(6) for _ in range(shape.sources)]
    copies = {
        s: rng.randrange(shape.sources)
        for s in rng.sample(range(shape.sources), int(shape.copier_share * shape.sources))
    }
    weight = [rng.paretovariate(1.2) for _ in range(shape.sources)]
    listed: dict[tuple[int, int], str] = {}
    claims: list[Claim] = []
    start = datetime(2020, 1, 1, tzinfo=UTC)
    while len(claims) < shape.claims:
        source = rng.choices(range(shape.sources), weights=weight)[0]
        book = rng.randrange(shape.books)
        if (source, book) in listed:
            continue
        original = copies.get(source)
        if original is not None and (original, book) in listed:
            text = listed[(original, book)]
        else:
            authors = _listing(rng, truth, book, people, accuracy[source])
            authors = authors[:1] if first_only[source] else authors
            text = _format(rng, authors, style[source])
        listed[(source, book)] = text
        when = start + timedelta(seconds=len(claims))
        claims.append(Claim(f"book:{book}", PREDICATE, text, f"store:{source}", when))
    gold = {
        (f"book:{b}", PREDICATE): "; ".join(f"{f} {last}" for f, last in authors)
        for b, authors in enumerate(truth)
    }
    return TruthSet("books (generated)", claims, gold)


def _people(rng: random.Random, count: int) -> list[tuple[str, str]]:
    """Distinct (first, last) names; surnames are unique."""
    seen: set[str] = set()
    out = []
    while len(out) < count:
        last = word(rng, rng.choice((2, 3)))
        if last in seen:
            continue
        seen.add(last)
        first = word(rng, 2)
        if rng.random() < 0.1:
            first = first[:-1] + _ACCENTS.get(first[-1], first[-1])
        if rng.random() < 0.05:
            last = f"{last} Jr."
        out.append((first, last))
    return out


def _listing(
    rng: random.Random,
    truth: list[list[tuple[str, str]]],
    book: int,
    people: list[tuple[str, str]],
    accuracy: float,
) -> list[tuple[str, str]]:
    """The authors a store lists: the truth, or one of the usual errors."""
    authors = list(truth[book])
    if rng.random() < accuracy:
        return authors
    error = rng.randrange(4)
    if error == 0 and len(authors) > 1:
        return authors[: rng.randrange(1, len(authors))]
    if error == 1:
        return [*authors, rng.choice(people)]
    if error == 2:
        k = rng.randrange(len(authors))
        first, last = authors[k]
        spot = rng.randrange(1, len(last.split()[0]))
        authors[k] = (first, last[:spot] + rng.choice("aeioukr") + last[spot + 1 :])
        return authors
    return list(truth[rng.randrange(len(truth))])


def _format(rng: random.Random, authors: list[tuple[str, str]], style: int) -> str:
    """One store's way of writing an author list."""
    authors = list(authors)
    if rng.random() < 0.3:
        rng.shuffle(authors)
    if style == 0:
        text = "; ".join(f"{last}, {first}" for first, last in authors)
    elif style == 1:
        text = ", ".join(f"{first} {last}" for first, last in authors)
    elif style == 2:
        text = " & ".join(f"{first[0]}. {last}" for first, last in authors)
    elif style == 3:
        text = " / ".join(last.upper() for _, last in authors)
    elif style == 4:
        names = [f"{first} {last}" for first, last in authors]
        text = (
            " and ".join(names) if len(names) < 3 else ", ".join(names[:-1]) + " and " + names[-1]
        )
    else:
        text = html.escape(", ".join(f"{first} {last}" for first, last in authors)).replace(
            "é", "&eacute;"
        )
    noise = rng.random()
    if noise < 0.1:
        return f"Edited by {text}"
    if noise < 0.2:
        return f"{text} (Author)"
    return text
