"""Memory tiers: working, episodic and semantic episodes under a per-namespace policy
of promotion, decay and archiving (``Tiers``; the types in ``kgmem.model.tier_model``)."""

from kgmem.tiers.upkeep import Tiers

__all__ = ["Tiers"]
