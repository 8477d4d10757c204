"""What agents keep besides the knowledge graph: versioned state with scratch keys
(``AgentStates``) and budgets on a double-entry ledger (``Budgets``)."""

from kgmem.agents.budgets import Budgets
from kgmem.agents.state import AgentStates

__all__ = ["AgentStates", "Budgets"]
