"""Shared transport for embedding servers reached over HTTP (Ollama, OpenAI-compatible).

Batches texts, retries transient failures (connection errors, 429, 5xx) twice with a
short back-off, and turns every other failure into ``EmbeddingError`` carrying the
server's own message.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

import httpx
import numpy as np

from kgmem.embedding.provider import Vectors, checked
from kgmem.errors import EmbeddingError
from kgmem.model import EmbeddingInfo
from kgmem.settings.config import EmbeddingSettings

_RETRIES = 2
_TRANSIENT = {429, 500, 502, 503, 504}


class RemoteEmbedder:
    """Base of the HTTP providers; subclasses say how to ask and how to read the answer."""

    provider = "remote"
    default_url = "http://127.0.0.1"

    def __init__(self, settings: EmbeddingSettings) -> None:
        assert settings.dimension is not None
        self._settings = settings
        self._info = EmbeddingInfo(self.provider, settings.model, settings.dimension)
        self._base = (settings.url or self.default_url).rstrip("/")
        self._client = httpx.AsyncClient(timeout=settings.timeout_s)

    @property
    def info(self) -> EmbeddingInfo:
        return self._info

    @property
    def loaded(self) -> bool:
        return True

    async def embed(self, texts: Sequence[str]) -> Vectors:
        size = self._settings.batch_size
        parts = [await self._embed_batch(texts[i : i + size]) for i in range(0, len(texts), size)]
        if not parts:
            return np.zeros((0, self._info.dimension), dtype=np.float32)
        return np.vstack(parts)

    async def load(self) -> None:
        """Nothing to load: the server holds the model."""

    async def close(self) -> None:
        await self._client.aclose()

    async def _embed_batch(self, texts: Sequence[str]) -> Vectors:
        path, payload = self.request(list(texts))
        body = await self._post(path, payload)
        try:
            vectors = self.parse(body)
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise EmbeddingError(
                f"{self.provider} answered in an unexpected shape: {exc!r}"
            ) from exc
        return checked(self.provider, vectors, len(texts), self._info.dimension)

    async def _post(self, path: str, payload: Mapping[str, Any]) -> Any:
        url = self._base + path
        for attempt in range(_RETRIES + 1):
            try:
                response = await self._client.post(url, json=payload, headers=self.headers())
            except httpx.HTTPError as exc:
                if attempt == _RETRIES:
                    raise EmbeddingError(f"{self.provider} at {url} unreachable: {exc}") from exc
            else:
                if response.status_code not in _TRANSIENT or attempt == _RETRIES:
                    return self._decode(url, response)
            await asyncio.sleep(0.25 * 2**attempt)
        raise AssertionError("unreachable")

    def _decode(self, url: str, response: httpx.Response) -> Any:
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code != 200:
            message = _error_message(body) or response.text[:200]
            raise EmbeddingError(
                f"{self.provider} at {url} answered {response.status_code}: {message}",
                status=response.status_code,
            )
        if body is None:
            raise EmbeddingError(f"{self.provider} at {url} answered with invalid JSON")
        return body

    def headers(self) -> dict[str, str]:
        """Extra request headers (authentication)."""
        return {}

    def request(self, texts: list[str]) -> tuple[str, dict[str, Any]]:
        """Path and JSON body that ask for ``texts``' embeddings."""
        raise NotImplementedError

    def parse(self, body: Any) -> list[list[float]]:
        """The vectors in a successful answer, in input order."""
        raise NotImplementedError


def _error_message(body: Any) -> str | None:
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):
            return str(error.get("message") or error)
        if error is not None:
            return str(error)
    return None
