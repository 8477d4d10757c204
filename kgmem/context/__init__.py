"""Memory blocks for prompts: what the memory holds about a query, within a token budget.

``build_context`` gathers the current facts (validity, trust, sources), the relevant
episodes with the turns around them in their session, and flags contradictions; then
renders them as text, most relevant first, until the budget is spent.
"""

from kgmem.context.block import build_context
from kgmem.context.tokens import estimate_tokens

__all__ = ["build_context", "estimate_tokens"]
