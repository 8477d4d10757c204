"""Embedding providers: the local default model, Ollama and OpenAI-compatible servers."""

from kgmem.embedding.provider import Embedder, Vectors, embedder_from_settings, store_dimension
from kgmem.embedding.text import entity_text, fact_text, untitled_text

__all__ = [
    "Embedder",
    "Vectors",
    "embedder_from_settings",
    "entity_text",
    "fact_text",
    "store_dimension",
    "untitled_text",
]
