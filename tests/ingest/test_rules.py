"""Rule-based extraction: dates, names, places, organisations, sentence openers; and its
precision and recall on hand-labelled LoCoMo dev turns."""

import json
import os
from pathlib import Path

import pytest

from kgmem.ingest.rules import find

LABELS = Path(__file__).parent / "data" / "locomo_entity_labels.json"
LOCOMO = Path(
    os.environ.get(
        "KGMEM_TEST_LOCOMO_DIR",
        Path(__file__).resolve().parents[2].parent / "shared" / "data" / "locomo-dev",
    )
)


def found(text: str) -> dict[str, str]:
    return {f.name: f.label for f in find(text)}


def test_explicit_dates_become_day_month_or_year_names() -> None:
    got = found("We met on 7 May 2023, again on June 3rd, 2023, in July 2023 and in 2022.")
    assert got == {"2023-05-07": "Date", "2023-06-03": "Date", "2023-07": "Date", "2022": "Date"}


def test_a_month_inside_a_date_is_not_a_name() -> None:
    assert "May" not in found("I moved here on 7 May 2023 with Alex.")


def test_capitalised_runs_join_across_of_and_keep_their_type() -> None:
    got = found("I work at Bank of America near Golden Gate Park with Priya.")
    assert got["Golden Gate Park"] == "Place"
    assert got["Priya"] == "Person"
    assert "Bank of America" in got


def test_organisation_and_place_words_and_cues_type_a_run() -> None:
    got = found("She studies at Stanford University and lives in Lisbon.")
    assert got == {"Stanford University": "Organization", "Lisbon": "Place"}


def test_sentence_openers_and_lone_first_words_are_not_names() -> None:
    assert found("Thanks! Painting is fun. Yesterday was great. I love it.") == {}


def test_a_greeting_before_a_name_is_dropped_not_the_name() -> None:
    assert found("Hey Mel! Good to see you.") == {"Mel": "Person"}


def test_a_lone_first_word_counts_when_used_inside_a_sentence_too() -> None:
    assert "Luna" in found("Luna is sweet. I walk Luna daily.")


def test_precision_and_recall_on_labelled_locomo_turns() -> None:
    files = sorted(LOCOMO.glob("*.json")) if LOCOMO.is_dir() else []
    if not files:
        pytest.skip(f"LoCoMo dev data not found under {LOCOMO} (set KGMEM_TEST_LOCOMO_DIR)")
    texts = {
        (c["sample_id"], t["dia_id"]): t["text"]
        for f in files
        for c in json.loads(f.read_text())
        for key, turns in c["conversation"].items()
        if key.startswith("session_") and isinstance(turns, list)
        for t in turns
    }
    labels = json.loads(LABELS.read_text())["labels"]
    tp = fp = fn = 0
    for conv, turns in labels.items():
        for turn, gold in turns.items():
            got = {f.name.lower() for f in find(texts[(conv, turn)])}
            want = {g.lower() for g in gold}
            tp, fp, fn = tp + len(got & want), fp + len(got - want), fn + len(want - got)
    # Measured figures are in docs/performance.md; these floors catch a regression.
    assert tp / (tp + fp) >= 0.9
    assert tp / (tp + fn) >= 0.85
