"""OpenAI-compatible embeddings: ``POST /v1/embeddings {model, input: [...]}`` answering
``{data: [{index, embedding}, ...]}``; works with OpenAI, vLLM, LiteLLM, LM Studio, ..."""

from __future__ import annotations

from typing import Any

from kgmem.embedding.remote import RemoteEmbedder
from kgmem.settings.config import EmbeddingSettings


class OpenAIEmbedder(RemoteEmbedder):
    """Embeddings from any server speaking the OpenAI embeddings API."""

    provider = "openai"
    default_url = "https://api.openai.com"

    def __init__(self, settings: EmbeddingSettings) -> None:
        super().__init__(settings)
        self._base = self._base.removesuffix("/v1")

    def headers(self) -> dict[str, str]:
        key = self._settings.api_key
        return {"Authorization": f"Bearer {key.get_secret_value()}"} if key else {}

    def request(self, texts: list[str]) -> tuple[str, dict[str, Any]]:
        payload = {"model": self._settings.model, "input": texts, "encoding_format": "float"}
        return "/v1/embeddings", payload

    def parse(self, body: Any) -> list[list[float]]:
        items = sorted(body["data"], key=lambda item: int(item["index"]))
        return [item["embedding"] for item in items]
