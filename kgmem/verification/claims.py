"""What truth discovery reads and returns: claims as parallel arrays, an estimator's
hyper-parameters and scores, and the array helpers the estimators share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from kgmem.schema.graph_schema import ValueType

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[Any]  # float64 (numpy's stubs type bincount sums as integers)
Bools = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class Estimator:
    """Hyper-parameters of the accuracy estimator. The values kgmem runs with are the
    ones cross-validation chose (``kgmem.verification.estimators.CHOSEN``)."""

    false_values: float = 10.0
    prior_strength: float = 2.0
    similarity_weight: float = 0.1
    copy_rate: float = 0.8
    copy_prior: float = 0.1
    copy_min_shared: int = 5
    max_iterations: int = 2000
    tolerance: float = 1e-4
    copy_rounds: int = 10
    detect_copies: bool = True
    numeric_share: float = 0.5
    implied_credit: float = 0.5
    copy_evidence: str = "soft"
    max_accuracy: float = 0.99
    few_claims_strength: float = 0.0
    numeric_tolerance: float = 1.0
    predicate_strength: float = 0.0
    predicate_share: float = 0.0
    copies_per_predicate: bool = False
    names_false_values: float = 0.0
    completeness_strength: float = 0.0

    def false_values_of(self, kind: str) -> float:
        """How many false values an item of value kind ``kind`` is taken to have:
        ``names_false_values`` for lists of names when set (a list can be wrong in many
        more ways than a reading), else ``false_values``."""
        if kind == "names" and self.names_false_values > 0:
            return self.names_false_values
        return self.false_values

    @property
    def completeness(self) -> bool:
        """Whether each source's completeness on lists of names is read from its claims
        (``completeness_strength`` > 0: the pseudo-claims of its prior, a complete
        source): a source that lists fewer names than others gives its claim's credit
        to the longer lists that contain it, so a store that lists only the first
        author does not contradict the complete list (``ClaimModel._listed_short``)."""
        return self.completeness_strength > 0

    def strength(self, weight: Floats) -> Floats:
        """The prior's pseudo-claims for sources of claim weight ``weight``:
        ``prior_strength`` plus ``few_claims_strength / max(weight, 1)``, so a source seen
        once leans on its prior more than one seen often."""
        out: Floats = self.prior_strength + self.few_claims_strength / np.maximum(weight, 1.0)
        return out

    @property
    def per_predicate(self) -> bool:
        """Whether sources are split per predicate: for copy detection
        (``copies_per_predicate``: a site may copy one attribute and not another) or
        for reliability (``predicate_strength`` > 0: learnt per predicate, shrunk toward
        the source's reliability over all its predicates with that many pseudo-claims;
        or ``predicate_share`` > 0: that share of the per-predicate reliability mixed
        with the rest of the source's; at 0 one reliability per source)."""
        return self.copies_per_predicate or self.predicate_strength > 0 or self.predicate_share > 0


@dataclass(frozen=True, slots=True)
class ClaimArrays:
    """Claims as parallel arrays. Values are indexed globally; each belongs to one item.

    ``claim_value``, ``claim_source``, ``claim_weight`` (the source's confidence, 1 when
    none) and ``claim_order`` (observation rank, for ties) have one entry per claim;
    ``value_item`` and ``value_text`` one per value; ``item_functional`` one per item;
    ``source_prior`` and ``source_group`` one per source. A source in a group (its kind;
    -1 for none) is shrunk toward its group's learnt mean accuracy instead of its prior.
    ``item_predicate`` (one per item, an index) lets the estimator learn a reliability
    per source and predicate (``Estimator.predicate_strength``); ``source_parent`` (one
    per source) is set on such split claims: the source each one stands for.
    """

    claim_value: Ints
    claim_source: Ints
    claim_weight: Floats
    claim_order: Ints
    value_item: Ints
    value_text: list[str]
    item_functional: Bools
    source_prior: Floats
    source_group: Ints | None = None
    item_type: tuple[ValueType, ...] | None = None
    item_predicate: Ints | None = None
    source_parent: Ints | None = None

    def item_types(self) -> tuple[ValueType, ...]:
        """Each item's value type (``auto`` for all when none are given)."""
        if self.item_type is not None:
            return self.item_type
        return (ValueType(),) * len(self.item_functional)

    def value_types(self) -> list[ValueType]:
        """Each value's type (its item's)."""
        types = self.item_types()
        return [types[i] for i in self.value_item.tolist()]

    @property
    def claim_item(self) -> Ints:
        """The data item of each claim."""
        out: Ints = self.value_item[self.claim_value]
        return out


@dataclass(frozen=True, slots=True)
class PredicateScores:
    """Per (source, predicate) pair, one row each: the source and predicate indices,
    the learnt accuracy on that predicate with its sums (``hit``, ``weight``), the
    claims and the copy dependence; and the dependent source pairs per predicate
    (source a < source b, predicate, probability). What an incremental update of the
    per-predicate options starts from."""

    source: Ints
    predicate: Ints
    reliability: Floats
    hit: Floats
    weight: Floats
    claims: Ints
    copying: Floats
    dependence: list[tuple[int, int, int, float]]


@dataclass(frozen=True, slots=True)
class Scores:
    """Per value (fact): trust, support, contradiction, consensus; per item the chosen
    value; per source the learnt accuracy; the source pairs judged dependent; with the
    per-predicate options, the same per (source, predicate) in ``per_predicate``."""

    trust: Floats
    support: Floats
    contradiction: Ints
    consensus: Floats
    chosen: Ints
    reliability: Floats
    dependence: list[tuple[int, int, float]]
    iterations: int
    source_hit: Floats
    source_weight: Floats
    source_prior: Floats
    copying: Floats
    per_predicate: PredicateScores | None = None
    name_rates: tuple[Floats, Floats] | None = None
    """Per source, the latent truth model's sensitivity and false-positive rate on lists
    of names (``estimators.by_kind``), when it ran."""
    estimate: Floats | None = None
    """Per value, the estimator's own probability when ``trust`` is not it (ACCU's
    held-out trust, ``consensus.held_out``): what ACCU's choice follows and what the
    sources' sums count."""

    @property
    def estimated(self) -> Floats:
        """The estimator's own probability of each value (``estimate``, else ``trust``)."""
        return self.trust if self.estimate is None else self.estimate


def argmax_per_item(claims: ClaimArrays, score: Floats) -> Ints:
    """Per item, the value of highest ``score``; ties go to the value claimed first."""
    first = np.full(len(claims.value_item), np.iinfo(np.int64).max)
    np.minimum.at(first, claims.claim_value, claims.claim_order)
    order = np.lexsort((first, -score, claims.value_item))
    items = claims.value_item[order]
    starts = np.flatnonzero(run_starts(items))
    chosen = np.full(len(claims.item_functional), -1, dtype=np.int64)
    chosen[items[starts]] = order[starts]
    return chosen


def in_order(claims: ClaimArrays, by: Floats, values: Floats, where: Bools) -> Floats:
    """``values`` with the values of each item that ``where`` marks (per value) dealt out
    again in the order ``by`` ranks them: the item's largest to its value of highest
    ``by`` (ties to the value claimed first, as ``argmax_per_item`` breaks them), and so
    on down. Each item keeps its own numbers; only who has which follows ``by``."""
    first = np.full(len(claims.value_item), np.iinfo(np.int64).max)
    np.minimum.at(first, claims.claim_value, claims.claim_order)
    at = np.flatnonzero(where)
    items = claims.value_item[at]
    ranked = at[np.lexsort((first[at], -by[at], items))]
    sorted_values = values[at[np.lexsort((-values[at], items))]]
    out = values.copy()
    out[ranked] = sorted_values
    return out


def run_starts(keys: Ints) -> Bools:
    """Whether each entry of the sorted ``keys`` starts a new run (the first one does)."""
    out: Bools = np.empty(len(keys), dtype=np.bool_)
    if len(keys):
        out[0] = True
        np.not_equal(keys[1:], keys[:-1], out=out[1:])
    return out


def ramp(sizes: Ints) -> Ints:
    """0..size-1 for each size, concatenated."""
    total = int(sizes.sum())
    out: Ints = np.arange(total) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    return out


def sums(index: Ints, weights: Floats, minlength: int) -> Floats:
    """Sums of ``weights`` per ``index`` as floats (even when there is nothing to sum)."""
    out: Floats = np.bincount(index, weights, minlength=minlength).astype(np.float64, copy=False)
    return out
