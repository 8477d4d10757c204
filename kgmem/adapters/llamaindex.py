"""LlamaIndex on kgmem: ``KgmemRetriever`` returns scored nodes from kgmem's search."""

from __future__ import annotations

from typing import Any

from llama_index.core.retrievers import BaseRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

from kgmem.adapters.hits import hit_metadata, hit_text
from kgmem.client import Client
from kgmem.model import SearchQuery


class KgmemRetriever(BaseRetriever):
    """Nodes for a query from a kgmem namespace, best first, scored by the fused score;
    each node's id is the hit's uid and its metadata the hit's kind, scores and trust."""

    def __init__(self, client: Client, namespace: str, *, k: int = 5, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.client = client
        self.namespace = namespace
        self.k = k

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        result = self.client.search(
            self.namespace, SearchQuery(text=query_bundle.query_str, k=self.k)
        )
        return [
            NodeWithScore(
                node=TextNode(id_=h.uid, text=hit_text(h), metadata=hit_metadata(h)),
                score=h.score,
            )
            for h in result.hits
        ]
