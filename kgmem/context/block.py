"""Building a memory block: gather, then render within the token budget."""

from __future__ import annotations

from kgmem.context import gather
from kgmem.context.render import fit
from kgmem.errors import InvalidInput
from kgmem.memory import Memory
from kgmem.model import ContextQuery, MemoryContext
from kgmem.model.context_input import MAX_BUDGET, MIN_BUDGET

__all__ = ["MAX_BUDGET", "MIN_BUDGET", "build_context"]


async def build_context(memory: Memory, namespace: str, query: ContextQuery) -> MemoryContext:
    """The memory block for ``query``: current facts with validity and trust, relevant
    episodes with their session context, contradictions flagged; at most
    ``query.budget_tokens`` estimated tokens, the most relevant items first."""
    if not query.text.strip():
        raise InvalidInput("the context query needs text")
    if not MIN_BUDGET <= query.budget_tokens <= MAX_BUDGET:
        raise InvalidInput(f"budget_tokens must be between {MIN_BUDGET} and {MAX_BUDGET}")
    hits = await gather.search_hits(memory, namespace, query)
    raw_facts, names = await gather.facts_of(memory, namespace, hits, query)
    now = query.valid_at or gather.now_utc()
    facts = [gather.context_fact(f, names, now) for f in raw_facts]
    episodes = await gather.episodes_of(memory, namespace, hits)
    flagged = gather.contradictions(memory, facts)
    return fit(query, facts, episodes, flagged)
