"""Retrieval along four axes (semantic, temporal, spatial, causal) plus graph
expansion, fused by weighted reciprocal-rank fusion; every hit says why it ranked.

One module per axis (``semantic``, ``temporal``, ``spatial``, ``causal``,
``expansion``), ``fusion`` for the ranking, ``validate`` for the query's rules and
``search`` to run a query. Sits between ``kgmem.memory`` and ``kgmem.graph``.
"""

from kgmem.retrieval.causal import trace
from kgmem.retrieval.search import search
from kgmem.retrieval.temporal import timeline

__all__ = ["search", "timeline", "trace"]
