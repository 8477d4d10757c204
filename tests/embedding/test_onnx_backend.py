"""The ONNX Runtime backend of the local model: same vectors as torch, exported once."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from kgmem import Memory
from kgmem.embedding import onnx_model
from kgmem.embedding.local import LocalEmbedder, model_directory
from kgmem.server.app import create_app
from kgmem.settings.config import EmbeddingSettings
from tests.fixtures.app import client_for

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not onnx_model.onnx_available(), reason="onnxruntime not installed"),
]

# Lengths from one token to past the 256-token truncation, so batches carry padding.
TEXTS = [
    "x",
    "Alice is the chief technology officer of Acme",
    "Caroline went to the LGBTQ support group on 7 May 2023 and found it powerful. " * 3,
    "short",
    "word " * 400,
    "The weather in Lisbon was sunny and warm; we walked along the river until dusk.",
]


@pytest.fixture(scope="module")
async def torch_embedder() -> LocalEmbedder:
    embedder = LocalEmbedder(EmbeddingSettings(provider="local", backend="torch"))
    await embedder.load()
    return embedder


def least_cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float((a * b).sum(axis=1).min())


async def test_default_backend_is_onnx_and_matches_torch(
    local_embedder: LocalEmbedder, torch_embedder: LocalEmbedder
) -> None:
    assert local_embedder.backend == "onnx" and torch_embedder.backend == "torch"
    reference = await torch_embedder.embed(TEXTS)
    batched = await local_embedder.embed(TEXTS)  # one padded batch
    single = np.vstack([await local_embedder.embed([t]) for t in TEXTS])
    assert batched.shape == (len(TEXTS), 384) and batched.dtype == np.float32
    assert least_cosine(batched, reference) >= 0.999
    assert least_cosine(single, reference) >= 0.999
    assert np.allclose(np.linalg.norm(batched, axis=1), 1.0, atol=1e-5)
    # Padding must not leak into a text's vector: alone and in a batch agree.
    assert least_cosine(batched, single) >= 0.9999


async def test_batches_larger_than_batch_size_keep_their_order(tmp_path: Path) -> None:
    embedder = LocalEmbedder(EmbeddingSettings(provider="local", batch_size=2))
    texts = [TEXTS[i % len(TEXTS)] + f" {i}" for i in range(7)]
    together = await embedder.embed(texts)
    apart = np.vstack([await embedder.embed([t]) for t in texts])
    assert least_cosine(together, apart) >= 0.9999


def test_concurrent_starts_export_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model_dir = model_directory("all-MiniLM-L6-v2")
    target = onnx_model.cached_path(model_dir, tmp_path / "models", "all-MiniLM-L6-v2")
    real_export = onnx_model._export
    exports: list[Path] = []

    def counting(model: Path, to: Path) -> None:
        exports.append(to)
        real_export(model, to)

    monkeypatch.setattr(onnx_model, "_export", counting)
    results: list[Path] = []
    threads = [
        threading.Thread(target=lambda: results.append(onnx_model.ensure_export(model_dir, target)))
        for _ in range(3)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [target] * 3 and exports == [target]
    assert target.is_file() and target.stat().st_size > 10_000_000
    assert not list(target.parent.glob("*.tmp"))  # no half-written file left behind
    # The name follows the model's files: another model (or format) gets another file.
    assert target.name.startswith("all-MiniLM-L6-v2-") and target.suffix == ".onnx"


async def test_auto_falls_back_to_torch_when_the_export_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, torch_embedder: LocalEmbedder
) -> None:
    def broken(model_dir: Path, target: Path) -> Path:
        raise RuntimeError("exporter unavailable")

    monkeypatch.setattr(onnx_model, "ensure_export", broken)
    auto = LocalEmbedder(EmbeddingSettings(provider="local", onnx_dir=tmp_path))
    assert auto.backend == "onnx"  # what it will try
    vectors = await auto.embed(["hello world"])
    assert auto.backend == "torch"
    assert least_cosine(vectors, await torch_embedder.embed(["hello world"])) >= 0.9999

    strict = LocalEmbedder(EmbeddingSettings(provider="local", backend="onnx", onnx_dir=tmp_path))
    with pytest.raises(Exception, match="ONNX Runtime"):
        await strict.embed(["hello world"])


async def test_health_names_the_backend(embedding_memory: Memory) -> None:
    report = await embedding_memory.health()
    assert report.embedding_backend == "onnx"
    async with client_for(create_app(memory=embedding_memory)) as client:
        body = (await client.get("/health")).json()
    assert body["embedding"]["backend"] == "onnx"
    assert body["embedding"]["model"] == "all-MiniLM-L6-v2"


async def test_loading_and_exporting_print_no_progress_bars(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """A server's log holds kgmem's lines about the model, not the model libraries'
    progress bars (loading weights, encoding the export's check batches)."""
    for backend in ("onnx", "torch"):
        embedder = LocalEmbedder(
            EmbeddingSettings(provider="local", backend=backend, onnx_dir=tmp_path / backend)
        )
        await embedder.load()
        assert (await embedder.embed(["hello"])).shape == (1, 384)
    printed = capfd.readouterr()
    assert "Loading weights" not in printed.err + printed.out
    assert "Batches" not in printed.err + printed.out
