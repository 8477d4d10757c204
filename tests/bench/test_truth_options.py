"""``bench truth-options``: the sub-grid crossed with the options asked for, and the
claim arrays it runs on telling the estimator each item's predicate."""

from __future__ import annotations

from datetime import UTC, datetime

from bench import truth_arrays, truth_data, truth_options
from kgmem.verification.claims import Estimator


def test_each_option_asked_for_multiplies_the_sub_grid() -> None:
    asked = ["copies_per_predicate", "predicate_strength"]
    choices = truth_options.grid(asked)
    assert len(choices) == len(truth_options.BASE) * 2 * 4
    plain = truth_options._allowed(choices, set())
    assert [choices[k].params for k in plain] == truth_options.BASE
    one = truth_options._allowed(choices, {"copies_per_predicate"})
    assert len(one) == 2 * len(truth_options.BASE)
    params = [choices[k].params for k in one]
    assert all(isinstance(p, Estimator) and p.predicate_strength == 0 for p in params)


def test_labelled_items_carry_their_predicate() -> None:
    at = datetime(2020, 1, 1, tzinfo=UTC)
    claims = [
        truth_data.Claim(city, attr, value, source, at)
        for city in ("oslo", "rome")
        for attr, value in (("TEMPERATURE", "20"), ("HUMIDITY", "50"))
        for source in ("a", "b")
    ]
    data = truth_arrays.labelled(truth_data.TruthSet("tiny", claims, {}))
    keys, predicate = data.item_keys, data.arrays.item_predicate
    assert predicate is not None and len(predicate) == len(keys) == 4
    for (_, p), (_, q), i, j in zip(keys, keys[1:], predicate, predicate[1:], strict=False):
        assert (p == q) == (i == j)
