"""Ollama's embedding endpoint: ``POST /api/embed {model, input: [...]}`` answering
``{embeddings: [[...], ...]}`` (e.g. nomic-embed-text, 768 dimensions)."""

from __future__ import annotations

from typing import Any

from kgmem.embedding.remote import RemoteEmbedder


class OllamaEmbedder(RemoteEmbedder):
    """Embeddings from an Ollama server."""

    provider = "ollama"
    default_url = "http://127.0.0.1:11434"

    def request(self, texts: list[str]) -> tuple[str, dict[str, Any]]:
        return "/api/embed", {"model": self._settings.model, "input": texts, "truncate": True}

    def parse(self, body: Any) -> list[list[float]]:
        return list(body["embeddings"])
