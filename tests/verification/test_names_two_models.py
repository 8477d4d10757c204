"""Lists of names by two models (``estimators.by_kind``): ACCU's and the latent truth
model's probabilities averaged on items of the ``names`` kind, every other item as ACCU
scores it. On hand-built claims and GENERATED author lists."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from bench import truth_arrays, truth_books, truth_typed
from kgmem.schema.graph_schema import ValueType
from kgmem.verification import consensus
from kgmem.verification.claims import ClaimArrays, Estimator
from kgmem.verification.estimators import CHOSEN, DEFAULT, Choice, by_kind, estimate, ltm
from tests.bench.test_truth_completeness import _rotating
from tests.verification.test_consensus import arrays

NAMES, NUMBER = ValueType(kind="names"), ValueType(kind="number")
_SHIPPED = CHOSEN["accu"].params
PARAMS = _SHIPPED if isinstance(_SHIPPED, Estimator) else Estimator()
ACCU_ALONE = Choice("accu", PARAMS)
MODEL = CHOSEN["accu"].names
assert MODEL is not None and DEFAULT.names == MODEL


def _mixed() -> ClaimArrays:
    """Items 0-9 populations (numbers), items 10-19 author lists, by the same stores."""
    claims = []
    for item in range(10):
        claims += [(item, str(1000 + item), s) for s in range(4)]
        claims += [(item, str(2000 + item), 4)]
    for item in range(10, 20):
        claims += [(item, f"Alpha{item}, Ann", s) for s in range(3)]
        claims += [(item, f"Ann Alpha{item}; Bob Beta{item}", s) for s in (3, 4)]
    a = arrays(claims)
    return replace(a, item_type=(NUMBER,) * 10 + (NAMES,) * 10)


def test_items_other_than_lists_keep_accus_scores() -> None:
    a = _mixed()
    accu = consensus.estimate(a, PARAMS)
    both = estimate(a, DEFAULT)
    numbers = np.flatnonzero(a.value_item < 10)
    assert np.array_equal(both.chosen[:10], accu.chosen[:10])
    assert np.array_equal(both.trust[numbers], accu.trust[numbers])
    assert np.array_equal(both.reliability, accu.reliability)


def test_a_lists_trust_is_the_mean_of_the_two_models() -> None:
    a = _mixed()
    lists = np.arange(20) >= 10
    part, values, items = by_kind.subset(a, lists)
    assert [a.value_text[v] for v in values] == part.value_text
    assert items.tolist() == list(range(10, 20))
    accu = consensus.estimate(a, PARAMS)
    atoms = ltm.estimate(part, MODEL)
    both = estimate(a, DEFAULT)
    assert np.allclose(both.trust[values], (accu.trust[values] + atoms.trust) / 2)
    for item in range(10, 20):
        own = np.flatnonzero(a.value_item == item)
        assert both.chosen[item] == own[np.argmax(both.trust[own])]


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 3), st.integers(0, 4)), min_size=1))
def test_the_subset_of_lists_holds_their_claims_and_nothing_else(
    drawn: list[tuple[int, int, int]],
) -> None:
    claims = [(item, f"Name{item} {v}" if item % 2 else str(v), s) for item, v, s in drawn]
    a = arrays(claims)
    n_items = len(a.item_functional)
    kinds = tuple(NAMES if i % 2 else NUMBER for i in range(n_items))
    a = replace(a, item_type=kinds)
    lists = np.array([i % 2 == 1 for i in range(n_items)])
    part, values, items = by_kind.subset(a, lists)
    assert [a.value_text[v] for v in values] == part.value_text
    kept = [(i, t, s) for i, t, s in claims if i % 2]
    got = [
        (int(items[part.value_item[v]]), part.value_text[v], int(s))
        for v, s in zip(part.claim_value.tolist(), part.claim_source.tolist(), strict=True)
    ]
    assert got == kept
    assert all(part.item_types()[k] == NAMES for k in range(len(items)))


def test_a_list_that_says_it_goes_on_denies_no_name_in_either_model() -> None:
    a = _rotating_arrays(" et al.")
    atoms = ltm.estimate(a, MODEL)
    assert sum("Bob" in a.value_text[atoms.chosen[b]] for b in range(20)) == 20
    default = estimate(a, DEFAULT)
    assert sum("Bob" in a.value_text[default.chosen[b]] for b in range(20)) == 20


def _rotating_arrays(mark: str) -> ClaimArrays:
    given = arrays(_rotating(mark))
    return replace(given, item_type=(NAMES,) * len(given.item_functional))


def test_generated_author_lists_choose_better_with_both_models() -> None:
    sets = [
        truth_books.generate(truth_books.Shape(books=300, sources=200, claims=6_000, seed=8)),
        truth_typed.generate("names", truth_typed.Shape(items=150)),
    ]
    for data in (truth_arrays.labelled(d, lambda _: NAMES) for d in sets):
        score = {
            name: truth_arrays.precision(
                data, np.asarray(estimate(data.arrays, c).chosen), data.gold_items
            )
            for name, c in (("accu", ACCU_ALONE), ("default", DEFAULT))
        }
        assert score["default"] > score["accu"], score


def test_an_item_rescored_with_the_full_runs_rates_keeps_the_full_runs_trust() -> None:
    """What an incremental update does to one author list (``by_kind.rescored``): with
    ACCU's scores of the item and the latent truth model's rates as the full run learnt
    them, the item's trust and choice are the full run's."""
    data = truth_arrays.labelled(
        truth_books.generate(truth_books.Shape(books=120, sources=60, claims=2_000, seed=3)),
        lambda _: NAMES,
    )
    a = data.arrays
    full = estimate(a, DEFAULT)
    accu = consensus.estimate(a, PARAMS)
    assert full.name_rates is not None
    moved = 0
    for item in range(0, len(a.item_functional), 3):
        part, values, _ = by_kind.subset(a, np.arange(len(a.item_functional)) == item)
        own = np.flatnonzero(values == accu.chosen[item])
        local = replace(accu, trust=accu.trust[values], estimate=accu.estimated[values], chosen=own)
        again = by_kind.rescored(part, local, full.name_rates, MODEL)
        assert np.allclose(again.trust, full.trust[values], atol=1e-3), item
        assert values[again.chosen[0]] == full.chosen[item]
        moved += not np.allclose(accu.trust[values], full.trust[values], atol=1e-3)
    assert moved > 0  # items where ACCU's trust alone is not the full run's


def test_only_the_default_keeps_the_models_rates_for_updates() -> None:
    """The rates an incremental update holds are those of the two-model default; a
    full run by another estimator (the latent truth model alone too) keeps none."""
    a = _mixed()
    assert estimate(a, DEFAULT).name_rates is not None
    for name in ("ltm", "truthfinder", "crh", "vote"):
        assert estimate(a, CHOSEN[name]).name_rates is None, name
    assert estimate(a, ACCU_ALONE).name_rates is None
