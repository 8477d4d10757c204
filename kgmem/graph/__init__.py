"""Graph operations: validate against the graph model, embed, and store.

``kgmem.building``, ``kgmem.retrieval`` and the other capabilities build on these.
"""

from kgmem.graph.graph_context import GraphContext

__all__ = ["GraphContext"]
