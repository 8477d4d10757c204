"""The ONNX backend's tokenizer pads with the model's own pad token, as its tokenizer
files name it, on tiny synthetic model folders (no weights)."""

import json
from pathlib import Path

import pytest

from kgmem.embedding import onnx_model


def folder(tmp_path: Path, **files: object) -> Path:
    for name, content in files.items():
        (tmp_path / f"{name}.json").write_text(json.dumps(content), encoding="utf-8")
    return tmp_path


def test_the_pad_token_is_read_from_the_special_tokens_map(tmp_path: Path) -> None:
    model = folder(
        tmp_path,
        special_tokens_map={"pad_token": "<pad>", "cls_token": "<s>"},
        tokenizer_config={"pad_token": "[PAD]"},
    )
    assert onnx_model.pad_token(model) == "<pad>"


def test_a_pad_token_written_as_an_added_token_gives_its_content(tmp_path: Path) -> None:
    model = folder(
        tmp_path, special_tokens_map={"pad_token": {"content": "<pad>", "lstrip": False}}
    )
    assert onnx_model.pad_token(model) == "<pad>"


def test_the_tokenizer_config_names_the_pad_token_when_the_map_does_not(tmp_path: Path) -> None:
    model = folder(
        tmp_path, special_tokens_map={"unk_token": "<unk>"}, tokenizer_config={"pad_token": "<p>"}
    )
    assert onnx_model.pad_token(model) == "<p>"


def test_a_model_that_names_no_pad_token_pads_with_bert_s(tmp_path: Path) -> None:
    assert onnx_model.pad_token(tmp_path) == "[PAD]"
    assert onnx_model.pad_token(folder(tmp_path, tokenizer_config={"pad_token": None})) == "[PAD]"


def test_batches_are_padded_with_the_models_pad_token_id(tmp_path: Path) -> None:
    tokenizers = pytest.importorskip("tokenizers")
    vocab = {"<s>": 0, "<pad>": 1, "[UNK]": 2, "hello": 3, "world": 4}
    tokenizer = tokenizers.Tokenizer(tokenizers.models.WordLevel(vocab, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = tokenizers.pre_tokenizers.Whitespace()
    tokenizer.save(str(tmp_path / "tokenizer.json"))
    model = folder(tmp_path, special_tokens_map={"pad_token": "<pad>"})

    ids, mask = onnx_model.encode(onnx_model.load_tokenizer(model), ["hello", "hello world"])

    assert ids.tolist() == [[3, 1], [3, 4]]
    assert mask.tolist() == [[1, 0], [1, 1]]
