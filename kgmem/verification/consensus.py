r"""Truth discovery over claims: majority vote and an iterative accuracy estimator.

Terms. A *claim* says that source :math:`s` asserts value :math:`v` for data item
:math:`i = (\text{subject}, \text{predicate})`. The values of an item *compete* when its
predicate is functional (one true value); otherwise each value stands alone. Claims
arrive as arrays (``ClaimArrays``) so everything here is vectorised numpy and knows
nothing about the database.

Majority vote (the baseline)
    The value with most distinct sources wins; a tie goes to the value claimed first.

Accuracy estimator (ACCU family, Dong, Berti-Equille and Srivastava 2009, with the
value similarity of TruthFinder, Yin, Han and Yu 2007). Each source has an accuracy
:math:`A_s`, the probability that a value it asserts is true. With :math:`n` false
values per item assumed equally likely, a claim's vote is

.. math:: \tau_s = \ln \frac{n A_s}{1 - A_s},

and a value's vote count sums the votes of its claims, each weighted by the claim's
confidence :math:`w_c` (the source's own; a source asserting :math:`k` values of one
item counts only with its latest one) and its independence :math:`I_c` (below):

.. math:: C(v) = \sum_{c \to v} w_c I_c \tau_{s_c},

and :math:`C^*(v)` adds the partial credit of the more general values :math:`v`
implies and of similar values (``kgmem.verification.support``; the value types and
their implication are in ``kgmem.verification.canonical``). For a functional item
the probability that :math:`v` is true is a softmax over the
observed values plus the :math:`n + 1 - |V_i|` unobserved ones (vote count 0):

.. math:: P(v) = \frac{e^{C^*(v)}}{\sum_{u \in V_i} e^{C^*(u)} + \max(0, n + 1 - |V_i|)}.

A lone claim by a source of accuracy :math:`A` thus gets :math:`P = A`. For a
non-functional item values do not compete and :math:`P(v) = 1 - \prod_{c \to v}
(1 - A_{s_c})^{w_c I_c}` (independent confirmations), the product also running over
the claims of the values that imply :math:`v`. Accuracies are then re-estimated
as the smoothed mean probability of what each source asserts,

.. math:: A_s = \frac{\sum_{c \in s} w_c P(v_c) + \alpha\, A^0_s}{\sum_{c \in s} w_c + \alpha},

with the source's prior :math:`A^0_s` counting as :math:`\alpha` pseudo-claims (so a
source seen once is not declared perfect) and kept within :math:`[1 - A_{\max},
A_{\max}]` (``max_accuracy``, chosen by cross-validation: a source cannot confirm its
own votes without bound through the consensus they shape), and the two steps repeat
until no accuracy moves by more than ``tolerance``. Copy detection (below) is
re-estimated in the first ``copy_rounds`` rounds only and then held, since its
thresholds make the joint map discontinuous (a pair judged dependent one round and
not the next, the original and the copier swapping); the remaining map is smooth and
is solved with SQUAREM acceleration (``kgmem.verification.fixedpoint``). The rounds
are reported.

Held-out trust. The accuracies are learnt from the items they score, so an item
vouches for its own sources: two sources seen on one item only look accurate there
because they agree. The published trust of a value therefore weighs each claim by
:math:`A_s^{(-i)}`, its source's accuracy with the source's claims on the item
:math:`i` taken out of both sums (the prior alone for a source seen nowhere else). The
estimate :math:`P(v)` is kept (``Scores.estimate``): it makes the choice, and the
sources' sums count it. Within a functional item the held-out probabilities are dealt
out in the order of the estimate (``claims.in_order``), so the chosen value has its
item's highest trust. An incremental update's stored sums without the item are these
held-out sums, so it gives the same trust.

Malformed values. On an item where at least half of the claims are numbers, a value
that is not a number (a missing-value mark such as ``N/A`` or ``*``, a number a
spreadsheet turned into a date) is malformed: its claims get weight :math:`w_c = 0`,
so they neither vote nor move their source's accuracy. The rule looks at one item
only, so a full run and an incremental update of that item agree on it.

Copy detection. Two sources that share many *false* values are unlikely to be
independent (true values are shared by any two good sources). For each pair sharing
items, over the shared items :math:`O_=` where they agree and the :math:`k_d` items
where they differ, Bayes' rule with prior :math:`\beta` and copy rate :math:`c` gives
the dependence

.. math:: D_{ab} = \Big(1 + \tfrac{1-\beta}{\beta}
    \prod_{o \in O_=} \frac{P(v_o) P_t + (1 - P(v_o)) P_f}
                              {P(v_o) P'_t + (1 - P(v_o)) P'_f}
    \big(\tfrac{P_d}{P'_d}\big)^{k_d}\Big)^{-1},

where independent sources agree on a true value with :math:`P_t = A_a A_b`, on a false
one with :math:`P_f = (1 - A_a)(1 - A_b)/n`, differ with :math:`P_d = 1 - P_t - P_f`,
and a copier copies with probability :math:`c`: :math:`P'_t = A c + P_t (1 - c)`,
:math:`P'_f = (1 - A) c + P_f (1 - c)`, :math:`P'_d = P_d (1 - c)` (:math:`A` the mean
of the two). With ``copy_evidence="mixture"`` each shared value's truth is
marginalised as above; ``"soft"`` (the default) instead raises the two ratios to the
soft counts :math:`\sum P(v_o)` and :math:`\sum (1 - P(v_o))`, which lets many
probably-true shared values add up to strong false-value evidence. Cross-validation
chooses between the two.

Among the sources asserting a value, taken in order of accuracy, a
claim's independence is :math:`I_c = \prod_{s' \text{ before } s} (1 - c D_{s s'})`:
the most accurate counts fully, its likely copiers much less.

Per predicate (``predicate_share`` in the shipped configuration; the other two
options off). With ``copies_per_predicate``, ``predicate_strength`` or
``predicate_share`` set and each item's predicate known, every source is split into one
per (source, predicate) (``kgmem.verification.predicate_scope``): copy detection then
runs per predicate, and the accuracy :math:`A_{s,p}` of a split source is drawn toward
its source's accuracy over all predicates :math:`A_s` (with :math:`\beta` =
``predicate_strength`` pseudo-claims, or as the mix :math:`\lambda A_{s,p} + (1 -
\lambda) A_s`, :math:`\lambda` = ``predicate_share``); a source with claims on one
predicate only is scored exactly as without the split. The split scores are kept per
(source, predicate) in ``Scores.per_predicate``; ``settle`` moves a source's accuracy on
the items' predicate by the same mix (``LocalState.own``).

Deterministic: no randomness, stable sorts, ties broken by claim order.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from kgmem.verification import fixedpoint, predicate_scope
from kgmem.verification.claim_model import ClaimModel
from kgmem.verification.claims import (
    ClaimArrays,
    Estimator,
    Floats,
    Ints,
    Scores,
    argmax_per_item,
    in_order,
    sums,
)


def majority(claims: ClaimArrays) -> Ints:
    """Per item, the value asserted by most distinct sources; ties go to the earliest."""
    value, _ = _distinct(claims)
    counts = np.bincount(value, minlength=len(claims.value_item)).astype(np.float64)
    return argmax_per_item(claims, counts)


def estimate(claims: ClaimArrays, params: Estimator | None = None) -> Scores:
    """Learn source accuracies and value probabilities together (see the module text);
    per source and predicate when ``params.per_predicate`` and the claims say each
    item's predicate (``kgmem.verification.predicate_scope``)."""
    p = params or Estimator()
    if not p.per_predicate:
        return _estimate(claims, p)
    parted = predicate_scope.split(claims)
    if parted is None:
        return predicate_scope.unsplit(claims, _estimate(claims, p))
    return predicate_scope.fold(parted, _estimate(parted, p), len(claims.source_prior))


def _estimate(claims: ClaimArrays, p: Estimator) -> Scores:
    model = ClaimModel(claims, p)
    accuracy = np.clip(claims.source_prior.astype(np.float64), 0.01, 0.99)
    independence = np.ones(len(model.value))
    dependence = np.zeros(len(model.pair_a))
    echo = np.zeros(model.n_sources)
    for _ in range(p.copy_rounds if p.detect_copies else 0):
        prob = model.probability(accuracy, independence)
        accuracy = model.accuracy(prob)
        dependence = model.dependence(prob, accuracy)
        echo = model.echo_dependence(prob, accuracy)
        independence = model.independence(accuracy, dependence, echo)
    held = independence
    accuracy, calls = fixedpoint.solve(
        lambda acc: model.accuracy(model.probability(acc, held)),
        accuracy,
        tolerance=p.tolerance,
        max_rounds=p.max_iterations,
    )
    iterations = calls + (p.copy_rounds if p.detect_copies else 0)
    prob = model.probability(accuracy, independence)
    scores = model.scores(prob, accuracy, independence, (dependence, echo), iterations)
    return held_out(model, scores, model.held_out_accuracy(prob), independence)


def held_out(
    model: ClaimModel, scores: Scores, claim_accuracy: Floats, independence: Floats
) -> Scores:
    """``scores`` with each value's trust weighed by ``claim_accuracy`` (each claim's
    source accuracy without its item: ``ClaimModel.held_out_accuracy``), dealt out in
    the order of the estimate, which stays the choice (``claims.in_order``); the
    estimate is kept as ``Scores.estimate``."""
    trust = model.claim_probability(claim_accuracy, independence)
    ranked = in_order(model.claims, scores.trust, trust, model.functional_value)
    return replace(scores, trust=ranked, estimate=scores.trust)


@dataclass(frozen=True, slots=True)
class LocalState:
    """What an incremental update starts from, per source of the items re-scored: the
    stored accuracy and copy dependence, the accuracy sums without these items' claims
    (``base_hit``, ``base_weight``), and the stored pair dependences (keyed by the
    smaller source index first). With the per-predicate options (``own`` set: the
    sums on the items' one predicate without these items' claims), accuracy, copying
    and pairs are those of each source on that predicate, drawn toward the source's
    over all predicates (``predicate_scope.accuracy``)."""

    accuracy: Floats
    copying: Floats
    base_hit: Floats
    base_weight: Floats
    pairs: dict[tuple[int, int], float]
    own: tuple[Floats, Floats] | None = None


def settle(
    claims: ClaimArrays, state: LocalState, rounds: int, params: Estimator | None = None
) -> Scores:
    """Re-score a few items while moving only their sources' accuracies: ``rounds``
    alternations of the two steps of ``estimate`` with every other item's contribution
    to a source held at its stored sum. ``source_hit``/``source_weight`` of the result
    are the full sums (base plus these items)."""
    p = params or Estimator()
    model = ClaimModel(claims, p)
    dependence = np.array(
        [
            state.pairs.get((int(a), int(b)), 0.0)
            for a, b in zip(model.pair_a, model.pair_b, strict=True)
        ],
        dtype=np.float64,
    )
    prior = np.clip(claims.source_prior.astype(np.float64), 0.01, 0.99)
    accuracy = state.accuracy
    for step in range(rounds + 1):
        independence = (
            model.independence(accuracy, dependence, state.copying)
            if p.detect_copies
            else np.ones(len(model.value))
        )
        prob = model.probability(accuracy, independence)
        if step == rounds:
            break
        accuracy = _local_accuracy(model, prob, state, prior)
    scores = model.scores(prob, accuracy, independence, (dependence, state.copying), rounds)
    held = _accuracy(p, (state.base_hit, state.base_weight), state.own, prior)
    scores = held_out(model, scores, held[model.source], independence)
    return replace(
        scores,
        source_hit=state.base_hit + scores.source_hit,
        source_weight=state.base_weight + scores.source_weight,
        source_prior=prior,
        copying=state.copying,
    )


def _local_accuracy(model: ClaimModel, prob: Floats, state: LocalState, prior: Floats) -> Floats:
    """The sources' accuracies from their held sums plus these items' claims."""
    added = sums(model.source, model.weight * prob[model.value], model.n_sources)
    whole = (state.base_hit + added, state.base_weight + model.source_weight)
    own = None if state.own is None else (state.own[0] + added, state.own[1] + model.source_weight)
    return _accuracy(model.p, whole, own, prior)


def _accuracy(
    p: Estimator, whole: tuple[Floats, Floats], own: tuple[Floats, Floats] | None, prior: Floats
) -> Floats:
    """Accuracies from sums (hit, weight) over all of each source's claims, or on one
    predicate (``own``) drawn toward those with the per-predicate options."""
    if own is not None and p.per_predicate:
        return predicate_scope.accuracy(p, own, whole, prior)
    hit, weight = whole
    a = p.strength(weight)
    out: Floats = np.clip((hit + a * prior) / (weight + a), 1 - p.max_accuracy, p.max_accuracy)
    return out


def contributions(
    claims: ClaimArrays, trust: Floats, params: Estimator | None = None
) -> tuple[Floats, Floats]:
    """Per source, the weighted sum of ``trust`` over the claims that count and their
    total weight (the sufficient statistics of its accuracy)."""
    model = ClaimModel(claims, params or Estimator(), claims_only=True)
    hit: Floats = sums(model.source, model.weight * trust[model.value], minlength=model.n_sources)
    return hit, model.source_weight


def _distinct(claims: ClaimArrays) -> tuple[Ints, Ints]:
    """(value, source) of each distinct pair, ordered by first observation."""
    order = np.argsort(claims.claim_order, kind="stable")
    key = claims.claim_value[order] * (len(claims.source_prior) + 1) + claims.claim_source[order]
    _, first = np.unique(key, return_index=True)
    keep = order[np.sort(first)]
    return claims.claim_value[keep], claims.claim_source[keep]
