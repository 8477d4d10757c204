"""Distillation: many episodes consolidated into fewer summaries and facts, each linked
to the episodes and sources it came from (``Distiller``)."""

from kgmem.distill.distiller import Distiller

__all__ = ["Distiller"]
