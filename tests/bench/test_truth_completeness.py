"""Completeness per source on author lists (``Estimator.completeness_strength``): a store
that lists fewer names than others is not thereby contradicting them. On generated
lists and hand-built claims; on the public population and weather sets, which have no
list of names, the option moves nothing."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from bench import truth_arrays, truth_books, truth_data
from kgmem.schema.graph_schema import ValueType
from kgmem.verification import consensus
from kgmem.verification.claim_model import ClaimModel
from kgmem.verification.claims import ClaimArrays, Estimator
from kgmem.verification.estimators import CHOSEN, Choice, estimate
from tests.verification.test_consensus import arrays

NAMES = ValueType(kind="names")
SHIPPED = CHOSEN["accu"].params
assert isinstance(SHIPPED, Estimator)
OFF = replace(SHIPPED, completeness_strength=0.0)
ON = SHIPPED
assert ON.completeness_strength > 0


def _arrays(claims: list[tuple[int, str, int]]) -> ClaimArrays:
    """Claims as (item, author list, source) on items of lists of names."""
    given = arrays(claims)
    return replace(given, item_type=(NAMES,) * len(given.item_functional))


def _first_only_majority() -> list[tuple[int, str, int]]:
    """Stores 0-5 list only the first author, stores 6 and 7 every author; each book is
    listed by four truncating stores and both complete ones, so on each of 30 books with
    two authors the truncated list has the majority."""
    claims = []
    for book in range(30):
        truncating = [(book + k) % 6 for k in range(4)]
        claims += [(book, f"Alpha{book}, Ann", s) for s in truncating]
        claims += [(book, f"Ann Alpha{book}; Bob Beta{book}", s) for s in (6, 7)]
    for book in range(30, 40):  # single-author books: every store lists them whole
        claims += [(book, f"Cy Gamma{book}", s) for s in range(8)]
    return claims


def test_a_store_that_lists_only_the_first_author_does_not_outvote_the_complete_list() -> None:
    a = _arrays(_first_only_majority())
    on = consensus.estimate(a, ON)
    two = range(30)
    assert all("Bob" in a.value_text[on.chosen[b]] for b in two)
    # Single-author books keep their one author, and the truncating stores stay reliable.
    assert all(a.value_text[on.chosen[b]] == f"Cy Gamma{b}" for b in range(30, 40))
    model = ClaimModel(a, ON)
    assert model.omission[:6].min() > 0.5
    assert model.omission[6:].max() < 0.1


def test_a_store_seen_on_few_books_is_as_complete_as_stores_are() -> None:
    """A store seen on two books, listing only the first author of both, is smoothed
    toward the rate of all stores' lists, not toward complete: on a book where it and
    another such store give the first author alone against one complete list, the
    complete list wins."""
    claims = _first_only_majority()
    claims += [(b, f"Alpha{b}, Ann", s) for b in (40, 41) for s in (8, 9)]
    claims += [(b, f"Ann Alpha{b}; Bob Beta{b}", s) for b in (40, 41) for s in (6, 7)]
    claims += [(42, "Ann Alpha42", s) for s in (8, 9)] + [(42, "Ann Alpha42; Bob Beta42", 10)]
    a = _arrays(claims)
    model = ClaimModel(a, ON)
    pooled = model.omission[:8].mean()
    assert model.omission[8] > 0.5 * pooled > 0
    on = consensus.estimate(a, ON)
    assert "Bob" in a.value_text[on.chosen[42]]


def test_an_extra_name_written_once_is_no_sign_of_omission() -> None:
    """A store that adds a wrong name once makes no other store look incomplete: the
    longer list must be written by two sources."""
    claims = [(b, f"Dee Delta{b}", s) for b in range(10) for s in range(4)]
    claims += [(b, f"Dee Delta{b}; Zed Wrong{b}", 4) for b in range(10)]
    a = _arrays(claims)
    assert ClaimModel(a, ON).omission.max() == 0.0
    on = consensus.estimate(a, ON)
    assert all(a.value_text[on.chosen[b]] == f"Dee Delta{b}" for b in range(10))


def _rotating(mark: str) -> list[tuple[int, str, int]]:
    """Eight stores, each complete on most books: on each of 20 two-author books six of
    them list only the first author (followed by ``mark``) and one lists both."""
    claims = []
    for book in range(20):
        claims += [(book, f"Alpha{book}, Ann{mark}", (book + k) % 8) for k in range(6)]
        claims += [(book, f"Ann Alpha{book}; Bob Beta{book}", (book + 6) % 8)]
    for book in range(20, 60):
        claims += [(book, f"Cy Gamma{book}; Di Delta{book}", s) for s in range(8)]
    return claims


@pytest.mark.parametrize("params", [ON, OFF], ids=["completeness", "without"])
def test_a_list_that_says_it_goes_on_does_not_outvote_the_complete_list(
    params: Estimator,
) -> None:
    """Six stores' "Alpha, Ann et al." says the book has more authors: it backs the
    complete list, which wins; the same six lists without the mark read as the whole
    list and outvote it. Either way the single-author books stay as they are."""
    for mark, complete in (("", 0), (" et al.", 20), (" & others", 20), ("...", 20)):
        a = _arrays(_rotating(mark))
        chosen = consensus.estimate(a, params).chosen
        assert sum("Bob" in a.value_text[chosen[b]] for b in range(20)) == complete, mark
        assert all("Di Delta" in a.value_text[chosen[b]] for b in range(20, 60))


def test_a_list_that_says_it_goes_on_is_chosen_when_nothing_longer_is_claimed() -> None:
    a = _arrays([(0, "Ullman, J. et al.", s) for s in range(3)] + [(0, "Jeffrey Ullman", 3)])
    chosen = consensus.estimate(a, ON).chosen
    assert a.value_text[chosen[0]] == "Ullman, J. et al."


@pytest.mark.parametrize("share", [0.35, 0.5])
def test_generated_books_with_many_first_author_stores_choose_the_complete_list(
    share: float,
) -> None:
    shape = truth_books.Shape(
        claims=12_000, first_only_share=share, accuracy_beta=(4.0, 2.0), seed=7
    )
    data = truth_arrays.labelled(truth_books.generate(shape), lambda _: NAMES)
    score = {}
    for name, params in (("off", OFF), ("on", ON)):
        chosen = np.asarray(estimate(data.arrays, Choice("accu", params)).chosen)
        score[name] = truth_arrays.precision(data, chosen, data.gold_items)
    assert score["on"] >= score["off"] - 0.01, score
    if share >= 0.5:  # the truncated list is most books' majority
        assert score["on"] >= score["off"] + 0.05, score


@pytest.mark.skipif(
    not (truth_data.DATA / "population").is_dir() or not (truth_data.DATA / "weather").is_dir(),
    reason="../shared/data/truth-discovery (population, weather) is not present",
)
@pytest.mark.parametrize("name", ["population", "weather"])
def test_public_sets_without_lists_of_names_choose_the_same_values(name: str) -> None:
    data = truth_arrays.labelled(truth_data.load_set(name), lambda _: ValueType(kind="number"))
    off = estimate(data.arrays, Choice("accu", OFF))
    on = estimate(data.arrays, Choice("accu", ON))
    assert np.array_equal(np.asarray(off.chosen), np.asarray(on.chosen))
    assert np.allclose(np.asarray(off.trust), np.asarray(on.trust))
