"""Retrieval along four axes (semantic, temporal, spatial, causal) plus graph
expansion, fused by a convex mix of their scaled scores (or reciprocal ranks); every hit
says why it ranked and how relevant it is, in [0, 1].

One module per axis (``semantic``, ``temporal``, ``spatial``, ``causal``,
``expansion``), ``fusion`` for the ranking, ``context`` for the session turns around an
episode hit, ``validate`` for the query's rules and ``search`` to run a query: its
``plan`` (decided from the query and settings alone), the axes' candidate generators
(``axes``), their results merged once (``candidates``), the constraints and the time
and place scores (``eligibility``), and fusion and loading into hits (``hits``). Sits
between ``kgmem.memory`` and ``kgmem.graph``.
"""

from kgmem.retrieval.causal import trace
from kgmem.retrieval.search import search
from kgmem.retrieval.temporal import timeline

__all__ = ["search", "timeline", "trace"]
