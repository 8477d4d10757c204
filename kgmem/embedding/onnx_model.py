"""The local sentence-transformers model run by ONNX Runtime instead of torch.

The ONNX file is exported once from the local weights (nothing is downloaded) and kept
under ``KGMEM_HOME/models`` (or ``KGMEM_EMBEDDING_ONNX_DIR``), named by the model and a
digest of its config, weights and the exporting library versions. Concurrent starts
serialise on a lock file next to it: the first exports, the others wait and reuse the
file. The export traces the whole sentence-transformers pipeline (transformer, pooling,
normalisation) on a *padded* example batch: transformers skips the attention mask when
every position is real, and a trace records whichever branch the example took, so an
unpadded example would give an ONNX graph that ignores padding (wrong vectors for
padded batches). Each new export is checked against torch (cosine >= 0.999 on single
texts and on a padded batch) before it is used; a failed check leaves no file behind
and the caller falls back to torch.

At run time only ``onnxruntime`` and ``tokenizers`` (the model's own fast tokenizer,
``tokenizer.json``) are needed: torch is not imported when the file already exists.

``ensure_quantised`` makes an int8 variant of an export (ONNX Runtime's dynamic
quantisation: weights stored as int8, activations quantised per batch), offline, next
to it and under the same kind of lock; it is checked against the float32 file (mean
cosine ``MIN_INT8_COSINE``) before it is used.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import re
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

_log = logging.getLogger("kgmem.embedding")

# Bump when the exported graph changes meaning (inputs, outputs, pooling).
EXPORT_FORMAT = 1
MIN_COSINE = 0.999
# Mean cosine of the int8 model to float32 over the check texts. int8 weights move
# vectors more than an export does, most on degenerate text (a word repeated to the
# length limit); a broken quantisation moves them all (docs/performance.md).
MIN_INT8_COSINE = 0.85
_CHECK_TEXTS = (
    "x",
    "hello world",
    "The support group met on Tuesday and talked about what helped them most.",
    "Paris is the capital of France; it lies on the Seine " * 6,
    "a " * 300,
)


def onnx_available() -> bool:
    """Whether ONNX Runtime can be imported (the backend's only run-time need)."""
    try:
        import onnxruntime  # noqa: F401
        import tokenizers  # noqa: F401
    except ImportError:
        return False
    return True


def cached_path(model_dir: Path, cache_dir: Path, name: str) -> Path:
    """Where the export of the model in ``model_dir`` lives under ``cache_dir``."""
    digest = hashlib.sha256()
    digest.update(f"format {EXPORT_FORMAT}\n".encode())
    for part in ("config.json", "modules.json", "sentence_bert_config.json", "tokenizer.json"):
        file = model_dir / part
        if file.is_file():
            digest.update(part.encode() + file.read_bytes())
    for weights in sorted(model_dir.glob("*.safetensors")) + sorted(model_dir.glob("*.bin")):
        stat = weights.stat()
        digest.update(f"{weights.name} {stat.st_size} {int(stat.st_mtime)}\n".encode())
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-") or "model"
    return cache_dir / f"{safe}-{digest.hexdigest()[:16]}.onnx"


def ensure_export(model_dir: Path, target: Path) -> Path:
    """The ONNX file at ``target``, exporting it first if absent (under a file lock)."""
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with (target.parent / (target.name + ".lock")).open("a+") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        try:
            if not target.is_file():  # another process may have finished meanwhile
                _export(model_dir, target)
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)
    return target


def quantised_path(export: Path) -> Path:
    """Where the int8 variant of the export at ``export`` lives."""
    return export.with_name(f"{export.stem}-int8.onnx")


def ensure_quantised(export: Path, tokenizer: Any) -> Path:
    """The int8 variant of the export at ``export``, quantising it first if absent
    (under a file lock); ``RuntimeError`` if it disagrees with the export."""
    target = quantised_path(export)
    if target.is_file():
        return target
    with (target.parent / (target.name + ".lock")).open("a+") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        try:
            if not target.is_file():
                _quantise(export, target, tokenizer)
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)
    return target


def _quantise(export: Path, target: Path, tokenizer: Any) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    partial = target.with_name(f"{target.stem}.{os.getpid()}.tmp.onnx")
    _log.info("quantising %s to int8 at %s (once)", export, target)
    try:
        quantize_dynamic(str(export), str(partial), weight_type=QuantType.QInt8)
        texts = list(_CHECK_TEXTS)
        reference = OnnxEncoder(export, tokenizer, threads=1).encode(texts, batch_size=64)
        got = OnnxEncoder(partial, tokenizer, threads=1).encode(texts, batch_size=64)
        cosine = float((reference * got).sum(1).mean())
        if cosine < MIN_INT8_COSINE:
            raise RuntimeError(
                f"the int8 model disagrees with float32 (mean cosine {cosine:.4f} "
                f"< {MIN_INT8_COSINE})"
            )
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def quiet_progress() -> None:
    """No progress bars from the model libraries in a server's log (loading weights,
    encoding batches): kgmem logs what it loads and how long it took."""
    try:
        from transformers.utils import logging as transformers_logging
    except ImportError:  # without the embeddings extra: loading says what is missing
        return
    disable: Callable[[], None] = transformers_logging.disable_progress_bar
    disable()


def _export(model_dir: Path, target: Path) -> None:
    import torch
    from sentence_transformers import SentenceTransformer

    quiet_progress()
    st = SentenceTransformer(str(model_dir), device="cpu").eval()
    tokenizer = load_tokenizer(model_dir)
    # sentence-transformers feeds the model what its tokenizer returns: segment ids
    # (all zero for one text) for BERT-like models, none for MPNet-like ones.
    segments = "token_type_ids" in st.tokenizer.model_input_names

    class Pipeline(torch.nn.Module):  # type: ignore[misc]  # torch is Any to mypy
        def __init__(self) -> None:
            super().__init__()
            self.st = st

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            features = {"input_ids": input_ids, "attention_mask": attention_mask}
            if segments:
                features["token_type_ids"] = torch.zeros_like(input_ids)
            out = self.st(features)["sentence_embedding"]
            return torch.nn.functional.normalize(out, p=2.0, dim=1)

    ids, mask = encode(
        tokenizer, ["hello world", "a longer example sentence, so the first is padded"]
    )
    assert mask.min() == 0, "the tracing example must contain padding"
    partial = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    _log.info("exporting %s to ONNX at %s (once)", model_dir, target)
    try:
        with torch.inference_mode(False), torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tracer warnings about the constant branches
            torch.onnx.export(
                Pipeline(),
                (torch.from_numpy(ids), torch.from_numpy(mask)),
                str(partial),
                input_names=["input_ids", "attention_mask"],
                output_names=["embedding"],
                dynamic_axes={
                    "input_ids": {0: "batch", 1: "tokens"},
                    "attention_mask": {0: "batch", 1: "tokens"},
                    "embedding": {0: "batch"},
                },
                opset_version=17,
                dynamo=False,
            )
        cosine = _agreement(st, tokenizer, partial)
        if cosine < MIN_COSINE:
            raise RuntimeError(
                f"the ONNX export disagrees with torch (least cosine {cosine:.5f} < {MIN_COSINE})"
            )
        os.replace(partial, target)
        _log.info("ONNX export ready (least cosine against torch %.6f)", cosine)
    finally:
        partial.unlink(missing_ok=True)


def _agreement(st: Any, tokenizer: Any, path: Path) -> float:
    """Least cosine between torch's and the ONNX file's vectors, single and batched."""
    import torch

    with torch.inference_mode():
        reference = st.encode(
            list(_CHECK_TEXTS), normalize_embeddings=True, batch_size=64, show_progress_bar=False
        )
    runner = OnnxEncoder(path, tokenizer, threads=1)
    batched = runner.encode(list(_CHECK_TEXTS), batch_size=64)
    single = np.vstack([runner.encode([t], batch_size=1) for t in _CHECK_TEXTS])
    return float(min((batched * reference).sum(1).min(), (single * reference).sum(1).min()))


def load_tokenizer(model_dir: Path) -> Any:
    """The model's fast tokenizer, truncating like sentence-transformers does and
    padding with the model's own pad token."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    limit = 512
    config = model_dir / "sentence_bert_config.json"
    if config.is_file():
        limit = int(json.loads(config.read_text(encoding="utf-8")).get("max_seq_length", limit))
    tokenizer.enable_truncation(max_length=limit)
    pad = pad_token(model_dir)
    pad_id = tokenizer.token_to_id(pad)
    tokenizer.enable_padding(pad_id=0 if pad_id is None else pad_id, pad_token=pad)
    return tokenizer


def pad_token(model_dir: Path) -> str:
    """The model's padding token, as its tokenizer files name it (``[PAD]`` if they
    do not): some models read it, MPNet's position ids skip it."""
    for name in ("special_tokens_map.json", "tokenizer_config.json"):
        file = model_dir / name
        if not file.is_file():
            continue
        token = json.loads(file.read_text(encoding="utf-8")).get("pad_token")
        if isinstance(token, dict):  # an AddedToken written out: {"content": ..., ...}
            token = token.get("content")
        if isinstance(token, str) and token:
            return token
    return "[PAD]"


def encode(tokenizer: Any, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Token ids and attention mask (int64, padded to the longest text)."""
    rows = tokenizer.encode_batch(list(texts))
    ids = np.array([r.ids for r in rows], dtype=np.int64)
    mask = np.array([r.attention_mask for r in rows], dtype=np.int64)
    return ids, mask


class OnnxEncoder:
    """One ONNX Runtime session over an exported model, with a fixed thread count."""

    def __init__(self, path: Path, tokenizer: Any, *, threads: int) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        # On a busy CPU spinning threads steal time from the database.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 3
        self._session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self._tokenizer = tokenizer

    def encode(self, texts: list[str], *, batch_size: int) -> np.ndarray:
        """Unit vectors, one row per text, in order (batches grouped by length)."""
        if len(texts) == 1:
            return self._run(texts)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        parts = [
            self._run([texts[i] for i in order[lo : lo + batch_size]])
            for lo in range(0, len(order), batch_size)
        ]
        vectors = np.vstack(parts)
        out = np.empty_like(vectors)
        out[order] = vectors
        return out

    def _run(self, texts: list[str]) -> np.ndarray:
        ids, mask = encode(self._tokenizer, texts)
        result = self._session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
        return np.asarray(result, dtype=np.float32)
