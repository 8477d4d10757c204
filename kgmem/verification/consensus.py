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
source seen once is not declared perfect), and the two steps repeat until no accuracy
moves by more than ``tolerance``. Copy detection (below) is re-estimated in the first
``copy_rounds`` rounds only and then held, since its thresholds make the joint map
discontinuous (a pair judged dependent one round and not the next, the original and
the copier swapping); the remaining map is smooth and is solved with SQUAREM
acceleration (``kgmem.verification.fixedpoint``). The rounds are reported.

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

Deterministic: no randomness, stable sorts, ties broken by claim order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from kgmem.schema.graph_schema import ValueType
from kgmem.verification import fixedpoint, support

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


@dataclass(frozen=True, slots=True)
class ClaimArrays:
    """Claims as parallel arrays. Values are indexed globally; each belongs to one item.

    ``claim_value``, ``claim_source``, ``claim_weight`` (the source's confidence, 1 when
    none) and ``claim_order`` (observation rank, for ties) have one entry per claim;
    ``value_item`` and ``value_text`` one per value; ``item_functional`` one per item;
    ``source_prior`` and ``source_group`` one per source. A source in a group (its kind;
    -1 for none) is shrunk toward its group's learnt mean accuracy instead of its prior.
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
class Scores:
    """Per value (fact): trust, support, contradiction, consensus; per item the chosen
    value; per source the learnt accuracy; the source pairs judged dependent."""

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


def majority(claims: ClaimArrays) -> Ints:
    """Per item, the value asserted by most distinct sources; ties go to the earliest."""
    value, _ = _distinct(claims)
    counts = np.bincount(value, minlength=len(claims.value_item)).astype(np.float64)
    return argmax_per_item(claims, counts)


def estimate(claims: ClaimArrays, params: Estimator | None = None) -> Scores:
    """Learn source accuracies and value probabilities together (see the module text)."""
    p = params or Estimator()
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
    return model.scores(prob, accuracy, independence, (dependence, echo), iterations)


@dataclass(frozen=True, slots=True)
class LocalState:
    """What an incremental update starts from, per source of the items re-scored: the
    stored accuracy and copy dependence, the accuracy sums without these items' claims
    (``base_hit``, ``base_weight``), and the stored pair dependences (keyed by the
    smaller source index first)."""

    accuracy: Floats
    copying: Floats
    base_hit: Floats
    base_weight: Floats
    pairs: dict[tuple[int, int], float]


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
        hit = state.base_hit + _sum(model.source, model.weight * prob[model.value], model.n_sources)
        weight = state.base_weight + model.source_weight
        accuracy = np.clip(
            (hit + p.prior_strength * prior) / (weight + p.prior_strength), 0.01, 0.99
        )
    scores = model.scores(prob, accuracy, independence, (dependence, state.copying), rounds)
    return Scores(
        trust=scores.trust,
        support=scores.support,
        contradiction=scores.contradiction,
        consensus=scores.consensus,
        chosen=scores.chosen,
        reliability=accuracy,
        dependence=scores.dependence,
        iterations=rounds,
        source_hit=state.base_hit + scores.source_hit,
        source_weight=state.base_weight + scores.source_weight,
        source_prior=prior,
        copying=state.copying,
    )


def contributions(
    claims: ClaimArrays, trust: Floats, params: Estimator | None = None
) -> tuple[Floats, Floats]:
    """Per source, the weighted sum of ``trust`` over the claims that count and their
    total weight (the sufficient statistics of its accuracy)."""
    model = ClaimModel(claims, params or Estimator(), claims_only=True)
    hit: Floats = _sum(model.source, model.weight * trust[model.value], minlength=model.n_sources)
    return hit, model.source_weight


def _distinct(claims: ClaimArrays) -> tuple[Ints, Ints]:
    """(value, source) of each distinct pair, ordered by first observation."""
    order = np.argsort(claims.claim_order, kind="stable")
    key = claims.claim_value[order] * (len(claims.source_prior) + 1) + claims.claim_source[order]
    _, first = np.unique(key, return_index=True)
    keep = order[np.sort(first)]
    return claims.claim_value[keep], claims.claim_source[keep]


def argmax_per_item(claims: ClaimArrays, score: Floats) -> Ints:
    """Per item, the value of highest ``score``; ties go to the value claimed first."""
    first = np.full(len(claims.value_item), np.iinfo(np.int64).max)
    np.minimum.at(first, claims.claim_value, claims.claim_order)
    order = np.lexsort((first, -score, claims.value_item))
    items = claims.value_item[order]
    starts = np.flatnonzero(_changes(items))
    chosen = np.full(len(claims.item_functional), -1, dtype=np.int64)
    chosen[items[starts]] = order[starts]
    return chosen


class ClaimModel:
    """The fixed structure of one estimation: distinct claims, similarity pairs, and the
    claim pairs copy detection looks at."""

    def __init__(self, claims: ClaimArrays, p: Estimator, *, claims_only: bool = False) -> None:
        self.claims, self.p = claims, p
        self.n_values = len(claims.value_item)
        self.n_sources = len(claims.source_prior)
        self.item_type = claims.item_types()
        self.parsed = support.parsed_values(claims.value_text, claims.value_types())
        self.numbers = np.array([v.number if v.kind == "number" else np.nan for v in self.parsed])
        self._types()
        self._claims()
        if claims_only:  # the distinct claims and their weights, nothing to estimate
            return
        self._links()
        self._pairs()
        self._echoes()

    def _claims(self) -> None:
        """Distinct (value, source) claims. On a functional item a source's latest claim
        is its current assertion and replaces its earlier ones."""
        c = self.claims
        order = np.argsort(c.claim_order, kind="stable")[::-1]  # latest first
        item = c.value_item[c.claim_value[order]]
        functional = c.item_functional[item]
        slot = np.where(functional, -1 - item, c.claim_value[order])
        key = slot * (self.n_sources + 1) + c.claim_source[order]
        _, first = np.unique(key, return_index=True)
        keep = order[np.sort(first)][::-1]
        self.value, self.source = c.claim_value[keep], c.claim_source[keep]
        self.item = c.value_item[self.value]
        self.order = c.claim_order[keep]
        self.weight = np.clip(c.claim_weight[keep], 0.0, 1.0) * ~self.malformed[self.value]
        self.source_weight = _sum(self.source, self.weight, minlength=self.n_sources)
        n_items = len(c.item_functional)
        self.values_per_item = np.bincount(c.value_item, minlength=n_items)
        self.functional_value = c.item_functional[c.value_item]

    def _types(self) -> None:
        """Values that are not numbers on an item where at least ``numeric_share`` of the
        claims are numbers are malformed (a missing-value mark such as "N/A", a number
        mangled into a date) and carry no vote. Decided per item, so a full run and an
        incremental update of the item agree."""
        c = self.claims
        n_items = len(c.item_functional)
        is_num = ~np.isnan(self.numbers)
        claim_item = c.value_item[c.claim_value]
        share = _sum(claim_item, is_num[c.claim_value].astype(np.float64), n_items) / np.maximum(
            np.bincount(claim_item, minlength=n_items), 1
        )
        numeric = np.array([t.kind in ("auto", "number") for t in self.item_type], dtype=np.bool_)
        mostly = (share >= self.p.numeric_share) & numeric
        self.malformed = ~is_num & mostly[c.value_item]

    def _links(self) -> None:
        """Implication and similarity links between the values of each item."""
        c = self.claims
        eligible = (self.values_per_item[c.value_item] > 1) & ~self.malformed
        self.links = support.build(
            self.parsed,
            c.value_item,
            eligible,
            self.item_type,
            implied_credit=self.p.implied_credit,
            similarity_weight=self.p.similarity_weight,
        )
        functional = self.functional_value[self.links.general]
        self.lone_general = self.links.general[~functional]
        self.lone_specific = self.links.specific[~functional]

    def _pairs(self) -> None:
        """Claim pairs (a < b by source) on one item, for copy detection."""
        if not self.p.detect_copies:
            self.pair_a = self.pair_b = np.zeros(0, dtype=np.int64)
            return
        order = np.lexsort((self.source, self.item))
        items = self.item[order]
        starts = np.flatnonzero(_changes(items))
        sizes = np.diff(np.append(starts, len(order)))
        big = sizes > 1
        starts, sizes = starts[big], sizes[big]
        size_of = np.repeat(sizes, sizes)
        left = np.repeat(np.repeat(starts, sizes) + _ramp(sizes), size_of)
        right = np.repeat(np.repeat(starts, sizes), size_of) + _ramp(size_of)
        keep = left < right
        a, b = order[left[keep]], order[right[keep]]
        keep = self.source[a] != self.source[b]
        a, b = a[keep], b[keep]
        lo = np.minimum(self.source[a], self.source[b])
        hi = np.maximum(self.source[a], self.source[b])
        codes, self.pair_index = np.unique(lo * self.n_sources + hi, return_inverse=True)
        self.pair_a, self.pair_b = codes // self.n_sources, codes % self.n_sources
        self.pair_same = self.value[a] == self.value[b]
        self.pair_value = self.value[a]
        self.pair_claims = (a, b)
        shared = np.bincount(self.pair_index, minlength=len(codes))
        self.pair_shared = shared
        self.same_a, self.same_b = a[self.pair_same], b[self.pair_same]
        self.same_index = self.pair_index[self.pair_same]

    def _echoes(self) -> None:
        """Each claim's predecessor: the claim observed just before it on the same item,
        by another source (-1 when none)."""
        order = np.lexsort((self.order, self.item))
        items = self.item[order]
        prev = np.concatenate(([-1], order[:-1]))
        prev[_changes(items)] = -1
        has = prev >= 0
        has[has] = self.source[prev[has]] != self.source[order[has]]
        self.echo_claim, self.echo_prev = order[has], prev[has]
        self.echo_same = self.value[self.echo_claim] == self.value[self.echo_prev]
        self.echo_count = np.bincount(self.source[self.echo_claim], minlength=self.n_sources)

    def echo_dependence(self, prob: Floats, accuracy: Floats) -> Floats:
        """Per source, the probability that it copies whoever asserted the item last: the
        pairwise test with all its predecessors pooled as one source."""
        src, same = self.source[self.echo_claim], self.echo_same
        pv = prob[self.value[self.echo_claim]]
        total = np.maximum(self.echo_count, 1)
        ab = _sum(src, accuracy[self.source[self.echo_prev]], minlength=self.n_sources)
        ab = np.where(self.echo_count > 0, ab / total, accuracy)
        agree = self._agreement(
            src[same], self.n_sources, pv[same], accuracy[src[same]], ab[src[same]]
        )
        kd = self.echo_count - _sum(src[same], np.ones(int(same.sum())), self.n_sources)
        out = self._posterior(agree, kd)
        out[self.echo_count < self.p.copy_min_shared] = 0.0
        return out

    def _agreement(self, pair: Ints, count: int, pv: Floats, aa: Floats, ab: Floats) -> Floats:
        """Per pair (``pair`` of each agreeing claim pair, ``count`` pairs), the log ratio
        of independence against copying over the items where the two agree.

        ``mixture`` marginalises each shared value's truth: an agreement
        on a value true with probability :math:`P` has likelihood :math:`P P_t + (1-P)
        P_f` if independent and :math:`P P'_t + (1-P) P'_f` if copied, so agreeing on
        an uncertain but probably true value is weak evidence either way. ``soft``
        (the former rule) treats :math:`1-P` as a fractional count of shared false
        values, so two accurate sources that agree on many uncontested items (each
        true with probability :math:`A < 1`) pile up false-value evidence and look
        like copiers."""
        n, c = self.p.false_values, self.p.copy_rate
        pt, pf = aa * ab, (1 - aa) * (1 - ab) / n
        mean = (aa + ab) / 2
        qt, qf = mean * c + pt * (1 - c), (1 - mean) * c + pf * (1 - c)
        if self.p.copy_evidence == "soft":
            per = pv * np.log(pt / qt) + (1 - pv) * np.log(pf / qf)
        elif self.p.copy_evidence == "false":
            per = np.log((pv * pt + (1 - pv) * pf) / (pv * pt + (1 - pv) * qf))
        else:
            per = np.log((pv * pt + (1 - pv) * pf) / (pv * qt + (1 - pv) * qf))
        return _sum(pair, per, minlength=count)

    def _posterior(self, agree: Floats, kd: Floats) -> Floats:
        """Posterior dependence from the agreement evidence and ``kd`` differing items."""
        p, c = self.p, self.p.copy_rate
        # Differing values: independent P_d against copier P_d (1 - c), whatever P_d is.
        odds = np.log((1 - p.copy_prior) / p.copy_prior) + agree + kd * np.log(1 / (1 - c))
        out: Floats = 1 / (1 + np.exp(np.clip(odds, -50, 50)))
        return out

    def probability(self, accuracy: Floats, independence: Floats) -> Floats:
        """P(v) for every value given accuracies and claim independence."""
        n = self.p.false_values
        acc = np.clip(accuracy, 1e-4, 1 - 1e-4)
        tau = np.log(n * acc / (1 - acc))
        w = self.weight * independence
        votes = self.links.spread(_sum(self.value, w * tau[self.source], minlength=self.n_values))
        functional = self._softmax(votes)
        lone = _sum(self.value, w * np.log1p(-acc[self.source]), minlength=self.n_values)
        # A value that stands alone also holds when a value implying it is claimed.
        lone += _sum(self.lone_general, lone[self.lone_specific], minlength=self.n_values)
        out: Floats = np.where(self.functional_value, functional, -np.expm1(lone))
        return out

    def _softmax(self, votes: Floats) -> Floats:
        items = self.claims.value_item
        top = np.full(len(self.claims.item_functional), -np.inf)
        np.maximum.at(top, items, votes)
        top = np.maximum(top, 0.0)  # the unobserved values have vote count 0
        e = np.exp(votes - top[items])
        unseen = np.maximum(0.0, self.p.false_values + 1 - self.values_per_item)
        total = _sum(items, e, minlength=len(top)) + unseen * np.exp(-top)
        out: Floats = e / total[items]
        return out

    def accuracy(self, prob: Floats) -> Floats:
        """Smoothed mean probability of what each source asserts."""
        a = self.p.prior_strength
        hit = _sum(self.source, self.weight * prob[self.value], minlength=self.n_sources)
        prior = self._group_prior(hit)
        out: Floats = np.clip((hit + a * prior) / (self.source_weight + a), 0.01, 0.99)
        return out

    def _group_prior(self, hit: Floats) -> Floats:
        """Each source's prior: its own, or its group's smoothed mean accuracy."""
        prior = np.clip(self.claims.source_prior.astype(np.float64), 0.01, 0.99)
        group = self.claims.source_group
        if group is None or not len(group):
            return prior
        member = group >= 0
        size = int(group.max()) + 1 if member.any() else 0
        a = self.p.prior_strength
        g_hit = _sum(group[member], hit[member], minlength=size)
        g_weight = _sum(group[member], self.source_weight[member], minlength=size)
        g_prior = _sum(group[member], prior[member], minlength=size)
        g_count = np.maximum(np.bincount(group[member], minlength=size), 1)
        mean = (g_hit + a * g_prior / g_count) / (g_weight + a)
        prior[member] = mean[group[member]]
        return prior

    def dependence(self, prob: Floats, accuracy: Floats) -> Floats:
        """Posterior probability that each source pair is dependent (one copies)."""
        count = len(self.pair_a)
        pv = prob[self.pair_value[self.pair_same]]
        k = self.same_index
        agree = self._agreement(k, count, pv, accuracy[self.pair_a[k]], accuracy[self.pair_b[k]])
        kd = self.pair_shared - np.bincount(k, minlength=count)
        out = self._posterior(agree, kd)
        out[self.pair_shared < self.p.copy_min_shared] = 0.0
        return out

    def independence(self, accuracy: Floats, dependence: Floats, echo: Floats) -> Floats:
        """Each claim's independence: discounted by every more accurate co-asserter it
        probably copies (of two equally accurate ones, the lower index counts first).
        Only source pairs with a non-zero dependence are visited."""
        log = np.zeros(len(self.value))
        if len(dependence):
            factor = np.log1p(-np.clip(self.p.copy_rate * dependence, 0, 1 - 1e-9))
            acc_a, acc_b = accuracy[self.pair_a], accuracy[self.pair_b]
            share_a = (acc_a < acc_b).astype(np.float64)  # a tie: the lower index counts
            active = np.flatnonzero(factor < -1e-12)
            rows = self._same_rows(active)
            k = self.same_index[rows]
            # same_a/same_b are claims of pair_a/pair_b or the other way round.
            a_is_low = self.source[self.same_a[rows]] == self.pair_a[k]
            share = np.where(a_is_low, share_a[k], 1 - share_a[k])
            log += _sum(self.same_a[rows], share * factor[k], minlength=len(self.value))
            log += _sum(self.same_b[rows], (1 - share) * factor[k], minlength=len(self.value))
        echoed = self.echo_claim[self.echo_same]
        log[echoed] += np.log1p(-np.clip(self.p.copy_rate * echo[self.source[echoed]], 0, 1 - 1e-9))
        out: Floats = np.exp(log)
        return out

    def _same_rows(self, codes: Ints) -> Ints:
        """The rows of the agreeing claim pairs of the source pairs ``codes``."""
        if not hasattr(self, "_same_order"):
            self._same_order = np.argsort(self.same_index, kind="stable")
            self._same_start = np.searchsorted(
                self.same_index[self._same_order], np.arange(len(self.pair_a) + 1)
            )
        if len(codes) == len(self.pair_a):
            return self._same_order
        starts, ends = self._same_start[codes], self._same_start[codes + 1]
        sizes = ends - starts
        out: Ints = self._same_order[np.repeat(starts, sizes) + _ramp(sizes)]
        return out

    def scores(
        self,
        prob: Floats,
        accuracy: Floats,
        independence: Floats,
        copies: tuple[Floats, Floats],
        rounds: int,
    ) -> Scores:
        """The published scores of each value, item and source."""
        c = self.claims
        dependence, echo = copies
        hit = _sum(self.source, self.weight * prob[self.value], minlength=self.n_sources)
        support = _sum(self.value, independence, minlength=self.n_values)
        sources = np.bincount(self.value, minlength=self.n_values)
        item_sources = np.bincount(self.item, minlength=len(c.item_functional))
        item_support = _sum(c.value_item, support, minlength=len(c.item_functional))
        contradiction = np.where(self.functional_value, item_sources[c.value_item] - sources, 0)
        consensus = np.where(
            self.functional_value, support / np.maximum(item_support[c.value_item], 1e-12), 1.0
        )
        dependent: list[int] = np.flatnonzero(dependence >= 0.5).tolist() if len(dependence) else []
        pairs = [
            (int(self.pair_a[k]), int(self.pair_b[k]), float(dependence[k])) for k in dependent
        ]
        return Scores(
            trust=prob,
            support=support,
            contradiction=contradiction.astype(np.int64),
            consensus=np.clip(consensus, 0.0, 1.0),
            chosen=argmax_per_item(c, prob),
            reliability=accuracy,
            dependence=pairs,
            iterations=rounds,
            source_hit=hit,
            source_weight=self.source_weight,
            source_prior=self._group_prior(hit),
            copying=echo,
        )


def _changes(keys: Ints) -> Bools:
    """Whether each entry of the sorted ``keys`` starts a new run (the first one does)."""
    out: Bools = np.empty(len(keys), dtype=np.bool_)
    if len(keys):
        out[0] = True
        np.not_equal(keys[1:], keys[:-1], out=out[1:])
    return out


def _ramp(sizes: Ints) -> Ints:
    """0..size-1 for each size, concatenated."""
    total = int(sizes.sum())
    out: Ints = np.arange(total) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    return out


def _sum(index: Ints, weights: Floats, minlength: int) -> Floats:
    """Sums of ``weights`` per ``index`` as floats (even when there is nothing to sum)."""
    out: Floats = np.bincount(index, weights, minlength=minlength).astype(np.float64, copy=False)
    return out
