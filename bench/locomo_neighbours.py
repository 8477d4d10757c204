"""``python -m bench locomo-neighbours``: the last two multi-hop ideas of issue 39,
replayed over the candidates ``bench locomo --save-candidates`` cached, each chosen by
the nested cross-validation of ``bench.locomo_links`` (setting and penalty chosen
without the held-out conversation). Every variant adds to the shipped base: the base
features, the statement feature (``kgmem.retrieval.statement_favouring``) and the first-person
feature (``kgmem.retrieval.first_person``), as ``bench.locomo_feedback``'s
``first-person`` variant.

- ``time-neighbours``: per candidate, the best scaled keyword score and (a second
  feature) the best scaled vector score among the *other* candidates whose time is
  more than the nearby window (``kgmem.retrieval.nearby.WINDOW``) away but at most
  ``days`` days: matching turns of sessions close in time, where the nearby features
  take those of the same session.
- ``time-neighbours-shared``: the same, counting only a neighbour that shares a
  content word (``bench.locomo_feedback.words``, the speakers' names left out) with
  the candidate.
- ``speaker-profile``: per speaker (the episode's speaker field), a profile of the
  words of that speaker's turns, all of them in the conversation or only those among
  the top ``k`` candidates (by keyword plus vector). Two features: the share of the
  question's content words the candidate's speaker's profile holds, and the
  profile-weighted match (over the question's words the candidate holds, the share of
  its speaker's profile turns holding each, summed and divided by the question's
  word count).
- ``speaker-salience``: over the question's words the candidate holds, the sum of
  idf times the positive log ratio of the word's share among its speaker's turns to
  its share among all the conversation's turns (how much more that speaker says it),
  scaled by the best candidate.

Only times, texts and speakers are used: no LoCoMo specifics. ``--misses`` also
prints where the base ranker's multi-hop misses lie (evidence turns per question,
their spread in time and sessions, and whether the candidates hold them).
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.locomo import DATA, data_files, session_turns
from bench.locomo_cv import Question, load
from bench.locomo_feedback import Extra, personal, words
from bench.locomo_links import (
    Outcome,
    Rows,
    Variant,
    asking,
    joined,
    nested,
    print_outcome,
    read_items,
    read_texts,
)
from kgmem.retrieval.nearby import WINDOW

DAY = 86400.0
DAYS = (1, 3, 7, 30)
TOPS: tuple[int | str, ...] = (10, 20, 50, "all")
MULTI_HOP = 1
Said = Mapping[str, Mapping[str, frozenset[str]]]  # conversation -> turn -> content words


def neighbours(said: Said | None = None) -> Extra:
    """The ``time-neighbours`` features at setting ``days``; with ``said``, a
    neighbour counts only when it shares one of its content words with the candidate."""

    def extra(q: Question, rows: Rows, days: Any) -> Rows:
        far = float(days) * DAY
        held = said[q.conversation] if said is not None else {}
        out: Rows = {}
        for t in rows:
            best = [0.0, 0.0]
            at = q.times.get(t)
            for u in rows:
                when = q.times.get(u)
                if u == t or at is None or when is None:
                    continue
                if not WINDOW < abs(when - at) <= far:
                    continue
                if said is not None and not held.get(t, frozenset()) & held.get(u, frozenset()):
                    continue
                best = [max(best[0], rows[u][0]), max(best[1], rows[u][1])]
            out[t] = best
        return out

    return extra


@dataclass(frozen=True)
class Turns:
    """One conversation's turns: each turn's content words and its speaker."""

    said: Mapping[str, frozenset[str]]
    speaker: Mapping[str, str]

    def share(self, who: str, within: Sequence[str] | None = None) -> dict[str, float]:
        """Per word, the share of ``who``'s turns (among ``within``, default all) that
        hold it: ``who``'s profile."""
        mine = [t for t in (self.said if within is None else within) if self.speaker.get(t) == who]
        counts = Counter(w for t in mine for w in self.said.get(t, ()))
        return {w: c / len(mine) for w, c in counts.items()}


def read_turns(data: Path) -> dict[str, Turns]:
    """Per conversation, each turn's content words (the speakers' names left out: the
    stored text starts with the speaker) and each turn's speaker."""
    texts = read_texts(data)
    out = {}
    for f in data_files(data):
        for conv in json.loads(f.read_text()):
            c = conv["sample_id"]
            speaker = {t["dia_id"]: t["speaker"] for _, ts in session_turns(conv) for t in ts}
            names = {w for who in speaker.values() for w in words(who)}
            said = {t: frozenset(words(x)) - names for t, x in texts[c].items()}
            out[c] = Turns(said, speaker)
    return out


def asked(q: Question, turns: Turns) -> set[str]:
    """The question's content words, the speakers' names left out."""
    names = {w for who in set(turns.speaker.values()) for w in words(who)}
    return set(words(q.text)) - names


def profile(turns: Mapping[str, Turns]) -> Extra:
    """The ``speaker-profile`` features at setting ``top`` (a number of candidates, or
    "all" for every turn of the conversation)."""

    def extra(q: Question, rows: Rows, top: Any) -> Rows:
        conv = turns[q.conversation]
        question = asked(q, conv)
        within = None
        if top != "all":
            within = sorted(rows, key=lambda t: (-(rows[t][0] + rows[t][1]), t))[: int(top)]
        shares = {who: conv.share(who, within) for who in set(conv.speaker.values())}
        out: Rows = {}
        for t in rows:
            held = shares.get(conv.speaker.get(t, ""), {})
            if not question:
                out[t] = [0.0, 0.0]
                continue
            covered = sum(1 for w in question if w in held)
            matched = sum(held.get(w, 0.0) for w in question & conv.said.get(t, frozenset()))
            out[t] = [covered / len(question), matched / len(question)]
        return out

    return extra


def salience(turns: Mapping[str, Turns]) -> Extra:
    """The ``speaker-salience`` feature (no setting): over the question's words the
    candidate holds, idf times max(0, log(share among its speaker's turns / share among
    all turns)), scaled by the best candidate."""
    whole = {c: _whole(v) for c, v in turns.items()}
    mine = {c: {who: v.share(who) for who in set(v.speaker.values())} for c, v in turns.items()}

    def extra(q: Question, rows: Rows, _: Any) -> Rows:
        conv, everyone = turns[q.conversation], whole[q.conversation]
        question = asked(q, conv)
        values = {}
        for t in rows:
            held = mine[q.conversation].get(conv.speaker.get(t, ""), {})
            total = 0.0
            for w in question & conv.said.get(t, frozenset()):
                # A word the candidate holds is in its speaker's profile: ratio > 0.
                ratio = held[w] / everyone[w]
                total += math.log(1 + 1 / everyone[w]) * max(0.0, math.log(ratio))
            values[t] = total
        high = max(values.values(), default=0.0)
        return {t: [v / high if high > 0 else 0.0] for t, v in values.items()}

    return extra


def _whole(turns: Turns) -> dict[str, float]:
    """Per word, the share of all the conversation's turns that hold it."""
    counts = Counter(w for found in turns.said.values() for w in found)
    return {w: c / len(turns.said) for w, c in counts.items()}


def variants(texts: Mapping[str, Mapping[str, str]], turns: Mapping[str, Turns]) -> list[Variant]:
    base = (asking(texts), personal(texts))
    said = {c: v.said for c, v in turns.items()}
    return [
        Variant("first-person", (0.0,), extra=joined(*base)),
        Variant("time-neighbours", DAYS, extra=joined(*base, neighbours())),
        Variant("time-neighbours-shared", DAYS, extra=joined(*base, neighbours(said))),
        Variant("speaker-profile", TOPS, extra=joined(*base, profile(turns))),
        Variant("speaker-salience", (0.0,), extra=joined(*base, salience(turns))),
    ]


def misses(questions: Sequence[Question], o: Outcome, data: Path) -> None:
    """Where the multi-hop questions the ranker of ``o`` misses at 10 lie: how many
    evidence turns they have, how far apart in time, in how many sessions, and how
    many of them the candidates hold at all."""
    _, _, times = read_items(data)
    groups: dict[str, list[int]] = defaultdict(list)
    for i, q in enumerate(questions):
        if q.category == MULTI_HOP:
            groups["missed" if o.at10[i] < 1.0 else "found"].append(i)
    for name, rows in groups.items():
        print(f"multi-hop {name}: {len(rows)} questions")
        spread = [_spread(questions[i], times[questions[i].conversation]) for i in rows]
        counts = Counter(len(questions[i].gold) for i in rows)
        print("    evidence turns: " + ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())))
        sessions = Counter(s for _, s in spread)
        print("    sessions: " + ", ".join(f"{k}: {v}" for k, v in sorted(sessions.items())))
        days = [d for d, s in spread if s > 1]
        if days:
            cuts = statistics.quantiles(days, n=4) if len(days) > 1 else days * 3
            print(f"    days apart (over >1 session): quartiles {[round(c, 1) for c in cuts]}")
        held = [_held(questions[i]) for i in rows]
        print(f"    evidence among the candidates: {statistics.fmean(held):.3f}")
        found = [o.at10[i] for i in rows]
        print(f"    recall@10: {statistics.fmean(found):.3f}")


def _spread(q: Question, times: Mapping[str, float]) -> tuple[float, int]:
    """Days between the question's first and last evidence turn, and its sessions."""
    at = [times[t] for t in q.gold if t in times]
    sessions = {t.split(":", 1)[0] for t in q.gold}
    return ((max(at) - min(at)) / DAY if at else 0.0), len(sessions)


def _held(q: Question) -> float:
    """The share of the question's evidence the keyword and vector top 50 hold."""
    found = set(q.top("keyword")) | set(q.top("vector"))
    return len(q.gold & found) / len(q.gold)


async def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m bench locomo-neighbours")
    p.add_argument("--candidates", type=Path, required=True)
    p.add_argument("--data", type=Path, default=DATA)
    p.add_argument("--only", default=None, help="comma-separated variant names")
    p.add_argument("--misses", action="store_true", help="where the base's multi-hop misses lie")
    args = p.parse_args(argv)
    questions = load(args.candidates)
    for v in variants(read_texts(args.data), read_turns(args.data)):
        if args.only is not None and v.name not in args.only.split(","):
            continue
        outcome = nested(questions, v)
        print_outcome(v.name, questions, outcome)
        if args.misses and v.name == "first-person":
            misses(questions, outcome, args.data)
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    import asyncio

    sys.exit(asyncio.run(main(sys.argv[1:])))
