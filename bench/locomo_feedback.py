"""``python -m bench locomo-feedback``: more ideas for multi-hop recall, replayed over
the candidates ``bench locomo --save-candidates`` cached, each chosen by the nested
cross-validation of ``bench.locomo_links`` (setting and penalty chosen without the
held-out conversation). Every variant adds to the statement feature
(``kgmem.retrieval.statement_favouring``) and the base features:

- ``feedback``: pseudo-relevance feedback (RM3-style) over the candidates. The top
  ``k`` candidates by keyword plus vector score give their ``n`` most salient words
  not in the question (share of the turn's words times the first-stage score, times
  log(1 + candidates / candidates holding the word)); each candidate's feature is
  the summed weight of those words it holds, scaled by the best.
- ``feedback-keyword``: the same with the keyword score alone as the first stage.
- ``session-mass``: the mean (or sum, or count) of the scaled keyword scores of the
  other candidates of a candidate's time cluster (its session), scaled by the best.
- ``listing-diverse``: the session diversity of ``bench.locomo_links`` only for
  questions that ask for a list ("What activities...", "How many...", "... both ...").
- ``first-person``: whether the turn speaks in the first person
  (``kgmem.retrieval.first_person``), the feature that shipped; and with
  ``feedback-keyword`` beside it.

Words are lower-cased runs of letters and digits, without a short list of stop words
and with a crude suffix stripping; no LoCoMo specifics.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from bench.locomo import DATA
from bench.locomo_cv import Question, load
from bench.locomo_links import (
    Rows,
    Variant,
    asking,
    clusters,
    diverse,
    joined,
    nested,
    print_outcome,
    read_texts,
)
from kgmem.retrieval.first_person import speaks_of_self

STOP = frozenset(
    """a an the and or but if of to in on at by for with from as is are was were be been
    i you he she it we they me him her us them my your his its our their this that these
    those there here what which who whom whose when where why how do does did have has had
    not no so too very just also can could would should will may might about into over
    after before than then up out some any all each other such only own same both more
    most yes oh ok okay yeah really get got go going went make made thing things like know
    think well good great wow thanks hey hi""".split()  # noqa: SIM905 - a word list
)
_WORD = re.compile(r"[a-z0-9]+")
_LIST = re.compile(r"^\s*(?:what|which)\s+(?:(?:kinds?|types?|sorts?)\s+of\s+)?([a-z+/-]+)")
_VERBS = frozenset({"is", "was", "has", "does"})
Extra = Callable[[Question, Rows, Any], Rows]


def stem(word: str) -> str:
    for suffix in ("ing", "ies", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


def words(text: str) -> list[str]:
    return [stem(w) for w in _WORD.findall(text.lower()) if w not in STOP and len(w) > 2]


def feedback(texts: Mapping[str, Mapping[str, str]], first: tuple[int, ...] = (0, 1)) -> Extra:
    """The ``feedback`` feature at setting (k, n); ``first``: the base features summed
    as the first stage."""

    def extra(q: Question, rows: Rows, setting: Any) -> Rows:
        k, n = setting
        said = {t: words(texts[q.conversation].get(t, "")) for t in rows}
        stage = {t: sum(rows[t][i] for i in first) for t in rows}
        top = sorted(rows, key=lambda t: (-stage[t], t))[:k]
        held = Counter(w for t in rows for w in set(said[t]))
        asked = set(words(q.text))
        weight: dict[str, float] = defaultdict(float)
        for t in top:
            for w, c in Counter(said[t]).items():
                if w not in asked:
                    weight[w] += stage[t] * c / len(said[t])
        for w in weight:
            weight[w] *= math.log(1 + len(rows) / held[w])
        chosen = dict(sorted(weight.items(), key=lambda kv: -kv[1])[:n])
        return scaled({t: sum(chosen.get(w, 0.0) for w in set(said[t])) for t in rows})

    return extra


def mass(q: Question, rows: Rows, how: Any) -> Rows:
    """The ``session-mass`` feature: ``how`` is "mean", "sum" or "count"."""
    group = clusters({t: q.times.get(t, 0.0) for t in rows})
    members: dict[int, list[str]] = defaultdict(list)
    for t in rows:
        members[group[t]].append(t)
    out = {}
    for t in rows:
        others = [rows[u][0] for u in members[group[t]] if u != t]
        total = {"sum": sum(others), "count": float(len(others))}
        out[t] = total.get(how, sum(others) / len(others) if others else 0.0)
    return scaled(out)


def scaled(values: Mapping[str, float]) -> Rows:
    high = max(values.values(), default=0.0)
    return {t: [v / high if high > 0 else 0.0] for t, v in values.items()}


def listing(text: str) -> bool:
    """Whether a question asks for a list: "how many", "both", or "what/which" and a
    plural noun."""
    lowered = text.lower()
    if "how many" in lowered or " both " in lowered:
        return True
    found = _LIST.match(lowered)
    noun = found.group(1) if found else ""
    return noun.endswith("s") and not noun.endswith("ss") and noun not in _VERBS


def listing_diverse(q: Question, scores: dict[str, float], strength: float) -> list[str]:
    if listing(q.text):
        return diverse(q, scores, strength)
    return sorted(scores, key=lambda t: (-scores[t], t))


def personal(texts: Mapping[str, Mapping[str, str]]) -> Extra:
    def extra(q: Question, rows: Rows, _: Any) -> Rows:
        said = texts[q.conversation]
        return {t: [float(speaks_of_self(said.get(t, "")))] for t in rows}

    return extra


def variants(texts: Mapping[str, Mapping[str, str]]) -> list[Variant]:
    tells = asking(texts)
    grid = [(k, n) for k in (3, 5, 10) for n in (5, 10, 20)]
    strengths = (0.02, 0.05, 0.1, 0.2, 0.4)
    return [
        Variant("statement", (0.0,), extra=tells),
        Variant("feedback", grid, extra=joined(tells, feedback(texts))),
        Variant("feedback-keyword", grid, extra=joined(tells, feedback(texts, (0,)))),
        Variant("session-mass", ("mean", "sum", "count"), extra=joined(tells, mass)),
        Variant("listing-diverse", strengths, extra=tells, rerank=listing_diverse),
        Variant("first-person", (0.0,), extra=joined(tells, personal(texts))),
        Variant(
            "first-person+feedback-keyword",
            grid,
            extra=joined(tells, personal(texts), feedback(texts, (0,))),
        ),
    ]


async def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m bench locomo-feedback")
    p.add_argument("--candidates", type=Path, required=True)
    p.add_argument("--data", type=Path, default=DATA)
    p.add_argument("--only", default=None, help="comma-separated variant names")
    args = p.parse_args(argv)
    questions = load(args.candidates)
    for v in variants(read_texts(args.data)):
        if args.only is None or v.name in args.only.split(","):
            print_outcome(v.name, questions, nested(questions, v))
            sys.stdout.flush()
    return 0


if __name__ == "__main__":
    import asyncio

    sys.exit(asyncio.run(main(sys.argv[1:])))
