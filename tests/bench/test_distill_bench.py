"""bench distill: a summary hit stands for its quoted turns, and each conversation's
salience mix is chosen on the other conversations only."""

from __future__ import annotations

from datetime import UTC, datetime

from bench.distill import Run, _chosen, _turns
from kgmem.model import Entity, SearchHit


def hit(uid: str, label: str, sentences: list[str] | None = None) -> SearchHit:
    props = {"sentences": [{"text": "x", "episode": e} for e in sentences or []]}
    entity = Entity(uid, label, props, 1, None, True, datetime.now(UTC), datetime.now(UTC))
    kind = "episode" if label == "Episode" else "entity"
    return SearchHit(kind, uid, 1.0, 1, {}, {}, entity=entity)  # type: ignore[arg-type]


def test_summary_hits_stand_for_their_quoted_turns_in_order() -> None:
    hits = (
        hit("s", "Summary", ["c/D1:3", "c/D1:1"]),
        hit("c/D1:1", "Episode"),
        hit("c/D2:5", "Episode"),
    )
    assert _turns(hits) == ["D1:3", "D1:1", "D2:5"]


def test_the_mix_is_chosen_without_the_held_out_conversation() -> None:
    run = Run()
    run.conversations = {"a": [], "b": [], "c": []}
    run.archived = {
        ("a", 0.0): [1.0], ("a", 1.0): [0.0],
        ("b", 0.0): [0.2], ("b", 1.0): [0.4],
        ("c", 0.0): [0.3], ("c", 1.0): [0.5],
    }  # fmt: skip
    assert _chosen(run, "a", (0.0, 1.0)) == 1.0  # b and c prefer 1
    assert _chosen(run, "b", (0.0, 1.0)) == 0.0  # a outweighs c
