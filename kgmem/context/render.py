"""A memory block as text: sections in order of use to a model, cut at the budget.

Contradictions come first (a model must not state a disputed value as settled), then
facts, then episodes. An item enters whole or not at all.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TypeVar

from kgmem.context.tokens import estimate_tokens
from kgmem.model import (
    ContextEpisode,
    ContextFact,
    ContextQuery,
    Contradiction,
    MemoryContext,
)

_HEADER = "Memory relevant to: {query}"
T = TypeVar("T")


def fit(
    query: ContextQuery,
    facts: Sequence[ContextFact],
    episodes: Sequence[ContextEpisode],
    contradictions: Sequence[Contradiction],
) -> MemoryContext:
    """The block with as many items as fit ``query.budget_tokens``, most relevant first."""
    block = _Block(query.budget_tokens, _HEADER.format(query=query.text))
    kept_contradictions = block.section(
        "Contradictions (do not treat as settled):", contradictions, contradiction_line
    )
    kept_facts = block.section("Facts:", facts, fact_line)
    kept_episodes = block.section("Episodes:", episodes, episode_line)
    text = "\n".join(block.lines)
    return MemoryContext(
        text=text,
        tokens=estimate_tokens(text),
        budget_tokens=query.budget_tokens,
        facts=kept_facts,
        episodes=kept_episodes,
        contradictions=kept_contradictions,
        omitted=block.omitted,
    )


class _Block:
    """Lines under a token budget; a line (with its section title) enters whole or not."""

    def __init__(self, budget: int, header: str) -> None:
        self.budget = budget
        self.lines = [header]
        self.used = estimate_tokens(header)
        self.omitted = 0

    def section(self, title: str, items: Sequence[T], render: Callable[[T], str]) -> tuple[T, ...]:
        kept: list[T] = []
        for item in items:
            text = render(item)
            # +1 per line for the newline joining it to the block.
            cost = estimate_tokens(text) + 1 + (0 if kept else estimate_tokens(title) + 1)
            if self.used + cost > self.budget:
                self.omitted += 1
                continue
            if not kept:
                self.lines.append(title)
            self.lines.append(text)
            self.used += cost
            kept.append(item)
        return tuple(kept)


def fact_line(fact: ContextFact) -> str:
    """``- Alice WORKS_AT Acme (valid 2024-01-01 to now; trust 0.82, verified; ...)``."""
    notes = [_validity(fact)]
    if fact.trust is not None:
        notes.append(f"trust {fact.trust:.2f}" + (f", {fact.status}" if fact.status else ""))
    if fact.sources:
        notes.append("sources: " + ", ".join(fact.sources))
    return f"- {fact.subject_name} {fact.predicate} {fact.object_name} ({'; '.join(notes)})"


def _validity(fact: ContextFact) -> str:
    start, end = _day(fact.valid_from), _day(fact.valid_to)
    if start:
        span = f"valid {start} to {end or 'now'}"
    else:
        span = f"valid until {end}" if end else "valid now, since an unknown time"
    return span if fact.current else f"no longer true: {span}"


def episode_line(episode: ContextEpisode) -> str:
    """``- [2024-03-01, session s1] alice: text`` and the turns around it."""
    where = ", ".join(x for x in (episode.occurred_at, _session(episode.session)) if x)
    who = f"{episode.speaker}: " if episode.speaker else ""
    line = f"- [{where}] {who}{episode.text}" if where else f"- {who}{episode.text}"
    around = "".join(f"\n  (same session) {turn}" for turn in episode.session_context)
    return line + around


def contradiction_line(found: Contradiction) -> str:
    """``- Alice LIVES_IN: Paris | Berlin``."""
    return f"- {found.subject} {found.predicate}: " + " | ".join(found.values)


def _day(value: datetime | None) -> str | None:
    return value.date().isoformat() if value else None


def _session(session: str | None) -> str | None:
    return f"session {session}" if session else None
