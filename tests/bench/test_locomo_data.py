from pathlib import Path

from bench.locomo import data_files
from bench.locomo_cv import Question, recall


def test_data_names_a_file_or_a_directory_of_files(tmp_path: Path) -> None:
    for name in ("b.json", "a.json", "notes.txt"):
        (tmp_path / name).write_text("[]")
    assert data_files(tmp_path) == [tmp_path / "a.json", tmp_path / "b.json"]
    assert data_files(tmp_path / "b.json") == [tmp_path / "b.json"]
    assert data_files(tmp_path / "missing") == []


def test_recall_counts_evidence_among_the_first_k() -> None:
    q = Question("c", 1, "?", frozenset({"D1:1", "D1:7"}), {})
    got = ["D1:1", *(f"D2:{i}" for i in range(8)), "D1:7"]
    assert recall(q, got) == 1.0
    assert recall(q, got, 5) == 0.5
