"""``bench locomo-embed`` embeds kgmem's own choice of context as kgmem does, and its
int8 model is a quantisation of the shipped weights that agrees with them."""

from datetime import datetime
from pathlib import Path

import numpy as np
import platformdirs

from bench import embed_variants as ev
from bench import locomo_embed
from kgmem.embedding import onnx_model
from kgmem.ingest.session_context import PRECEDING_TURNS, embedded_text, preceding_text

TEXTS = tuple(
    f"A: we talked about the {g} garden and my {p} yesterday"
    for g, p in zip(
        ("rose", "oak", "lily", "fern", "moss"), ("dog", "cat", "car", "job", "art"), strict=True
    )
)


def test_the_bench_embeds_kgmems_context_as_kgmem_does() -> None:
    session = ev.Session(datetime(2024, 5, 1), ("A",), TEXTS)
    for at in range(len(TEXTS)):
        following = TEXTS[at + 1] if at + 1 < len(TEXTS) else None
        before = preceding_text(list(TEXTS[max(0, at - PRECEDING_TURNS) : at]))
        assert ev.CONTEXTS["summary2+next"](session, at) == embedded_text(
            TEXTS[at], following, before
        )
    assert "(" not in ev.CONTEXTS["summary2+next"](session, 0)
    assert "rose garden" not in ev.CONTEXTS["summary2+next"](session, 3)
    assert "rose garden" in ev.CONTEXTS["summary+next"](session, 3)


def test_the_int8_model_is_kgmems_and_agrees_with_float32() -> None:
    # kgmem's exports where the local embedder keeps them by default (made once if absent).
    fp32, int8 = ev.models(platformdirs.user_data_path("kgmem"))
    assert int8.path == onnx_model.quantised_path(fp32.path)
    assert int8.path.stat().st_size < fp32.path.stat().st_size / 3
    a = fp32.encoder().encode(list(TEXTS), batch_size=8)
    b = int8.encoder().encode(list(TEXTS), batch_size=8)
    assert np.allclose(np.linalg.norm(b, axis=1), 1.0, atol=1e-4)
    assert float((a * b).sum(1).min()) > 0.9


def test_other_model_folders_are_repeatable_and_measured_on_the_shipped_context() -> None:
    args = locomo_embed.parse(["--model-dir", "/m/a", "--model-dir", "/m/b"])
    assert args.model_dir == [Path("/m/a"), Path("/m/b")]
    assert locomo_embed.parse([]).model_dir == []
    assert set(ev.OTHER_CONTEXTS) <= set(ev.CONTEXTS)
    assert {"summary2+next", "next"} <= set(ev.OTHER_CONTEXTS)
