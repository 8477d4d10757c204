"""The transfer measurement of ``bench truth-transfer`` on a small generated set:
reliabilities learnt on one half of the items rank the sources of the other half."""

from __future__ import annotations

import numpy as np
import pytest

from bench import truth_arrays, truth_books, truth_transfer
from kgmem.schema.graph_schema import ValueType
from kgmem.verification.claims import Estimator
from kgmem.verification.estimators import CHOSEN


@pytest.fixture(scope="module")
def books() -> truth_arrays.Labelled:
    data = truth_books.generate(truth_books.Shape(books=200, sources=60, claims=3_000))
    return truth_arrays.labelled(data, lambda _: ValueType(kind="names"))


@pytest.mark.parametrize("how", ["random", "time"])
def test_the_halves_split_the_items_evenly_and_apart(
    books: truth_arrays.Labelled, how: str
) -> None:
    first = truth_transfer.halves(books, how)
    assert abs(int(first.sum()) - len(first) // 2) <= 1
    one = truth_transfer.restricted(books.arrays, first)
    assert first[one.value_item[one.claim_value]].all()


@pytest.mark.parametrize("how", ["random", "time"])
def test_reliabilities_learnt_on_one_half_predict_the_other(
    books: truth_arrays.Labelled, how: str
) -> None:
    params = CHOSEN["accu"].params
    assert isinstance(params, Estimator)
    got = truth_transfer.measure(books, how, params)
    assert got.sources > 40 and got.spearman > 0.3 and got.mae < 0.3
    assert got.fixed > got.vote


def test_spearman_is_a_rank_correlation_with_ties() -> None:
    x = np.array([1.0, 2.0, 2.0, 5.0])
    assert truth_transfer.spearman(x, x**3) == pytest.approx(1.0)
    assert truth_transfer.spearman(x, -x) == pytest.approx(-1.0)
    assert np.isnan(truth_transfer.spearman(x[:2], x[:2]))
