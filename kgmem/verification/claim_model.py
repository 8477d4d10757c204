"""The fixed structure of one estimation (distinct claims, implication and similarity
links, the claim pairs copy detection looks at) and the steps of the accuracy
estimator over it; the mathematics is in ``kgmem.verification.consensus``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from kgmem.schema.graph_schema import ValueType
from kgmem.verification import predicate_scope, support
from kgmem.verification.claims import (
    ClaimArrays,
    Estimator,
    Floats,
    Ints,
    Scores,
    argmax_per_item,
    ramp,
    run_starts,
    sums,
)


class ClaimModel:
    """The fixed structure of one estimation: distinct claims, similarity pairs, and the
    claim pairs copy detection looks at."""

    def __init__(self, claims: ClaimArrays, p: Estimator, *, claims_only: bool = False) -> None:
        self.claims, self.p = claims, p
        self.n_values = len(claims.value_item)
        self.n_sources = len(claims.source_prior)
        self.item_type = claims.item_types()
        self.item_false = np.array([p.false_values_of(t.kind) for t in self.item_type], dtype=float)
        self.parsed = support.parsed_values(claims.value_text, claims.value_types())
        self.numbers = np.array([v.number if v.kind == "number" else np.nan for v in self.parsed])
        self._types()
        self._claims()
        if claims_only:  # the distinct claims and their weights, nothing to estimate
            return
        self._links()
        self._pairs()
        self._echoes()
        self._lists()

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
        self.source_weight = sums(self.source, self.weight, minlength=self.n_sources)
        n_items = len(c.item_functional)
        self.values_per_item = np.bincount(c.value_item, minlength=n_items)
        self.functional_value = c.item_functional[c.value_item]

    def _types(self) -> None:
        """Values that do not parse as their item's kind (numbers on ``auto`` and
        ``number`` items, dates on ``date`` items, name lists on ``names`` items) on an
        item where at least ``numeric_share`` of the claims do are malformed (a
        missing-value mark such as "N/A" or "Not Available", a number mangled into a
        date) and carry no vote. Decided per item, so a full run and an incremental
        update of the item agree."""
        c = self.claims
        n_items = len(c.item_functional)
        numeric = np.array([t.kind in ("auto", "number") for t in self.item_type], dtype=np.bool_)
        typed = ~np.isnan(self.numbers)
        checked = numeric
        for kind in ("date", "names"):
            of_kind = np.array([t.kind == kind for t in self.item_type], dtype=np.bool_)
            if of_kind.any():
                parsed = np.fromiter((v.kind == kind for v in self.parsed), np.bool_, self.n_values)
                typed = np.where(of_kind[c.value_item], parsed, typed)
                checked = checked | of_kind
        claim_item = c.value_item[c.claim_value]
        share = sums(claim_item, typed[c.claim_value].astype(np.float64), n_items) / np.maximum(
            np.bincount(claim_item, minlength=n_items), 1
        )
        mostly = (share >= self.p.numeric_share) & checked
        self.malformed = ~typed & mostly[c.value_item]

    def _links(self) -> None:
        """Implication and similarity links between the values of each item."""
        c = self.claims
        eligible = (self.values_per_item[c.value_item] > 1) & ~self.malformed
        self.links = support.build(
            self.parsed,
            c.value_item,
            eligible,
            _widened(self.item_type, self.p.numeric_tolerance),
            implied_credit=self.p.implied_credit,
            similarity_weight=self.p.similarity_weight,
        )
        functional = self.functional_value[self.links.general]
        self.lone_general = self.links.general[~functional]
        self.lone_specific = self.links.specific[~functional]

    def _lists(self) -> None:
        """The implication links between values of items of lists of names (a longer
        list ``list_specific`` contains a shorter ``list_general``), each source's
        omission rate (0, every source complete, unless ``Estimator.completeness``) and
        each claim's: 1 for a list that says the book has more authors ("et al."),
        else its source's."""
        names = np.array([t.kind == "names" for t in self.item_type], dtype=np.bool_)
        on_names = names[self.claims.value_item[self.links.general]]
        self.list_general = self.links.general[on_names]
        self.list_specific = self.links.specific[on_names]
        self.claim_on_list = names[self.item]
        self.omission = self._listed_short() if self.p.completeness else np.zeros(self.n_sources)
        # A list that says it goes on ("et al.") omits names by its own word.
        opened = np.fromiter((v.open for v in self.parsed), np.bool_, self.n_values)
        self.claim_omission = np.where(opened[self.value], 1.0, self.omission[self.source])

    def _listed_short(self) -> Floats:
        r"""Each source's omission rate :math:`\omega_s`, read from the lists alone:
        over its claims on items of lists of names with more than one value,
        the share whose list another list of the item contains strictly, when that
        longer list is claimed by two sources or more (an extra wrong name is rarely
        written twice), smoothed with ``completeness_strength`` pseudo-claims toward the
        rate of all sources' claims together (a store seen on a book or two is as
        complete as stores are, not complete for want of evidence).
        A store that lists only the first author learns :math:`\omega` near the share
        of its books with more authors; the rest of its vote, :math:`(1 - \rho)
        \omega_s`, goes to the longer lists that contain its own (``probability``).
        Read from the claims, not from the estimate: an estimate where the truncated
        lists already won would teach every store that it is complete."""
        sources = np.bincount(self.value, minlength=self.n_values)
        backed = sources[self.list_specific] >= 2
        short = np.zeros(self.n_values, dtype=np.bool_)
        short[self.list_general[backed]] = True
        w = self.weight * self.claim_on_list * (self.values_per_item[self.item] > 1)
        hit = sums(self.source, w * short[self.value], self.n_sources)
        seen = sums(self.source, w, self.n_sources)
        strength = self.p.completeness_strength
        pooled = hit.sum() / seen.sum() if seen.sum() > 0 else 0.0
        out: Floats = (hit + strength * pooled) / (seen + strength)
        return out

    def _pairs(self) -> None:
        """Claim pairs (a < b by source) on one item, for copy detection."""
        if not self.p.detect_copies:
            self.pair_a = self.pair_b = np.zeros(0, dtype=np.int64)
            return
        order = np.lexsort((self.source, self.item))
        items = self.item[order]
        starts = np.flatnonzero(run_starts(items))
        sizes = np.diff(np.append(starts, len(order)))
        big = sizes > 1
        starts, sizes = starts[big], sizes[big]
        size_of = np.repeat(sizes, sizes)
        left = np.repeat(np.repeat(starts, sizes) + ramp(sizes), size_of)
        right = np.repeat(np.repeat(starts, sizes), size_of) + ramp(size_of)
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
        prev[run_starts(items)] = -1
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
        ab = sums(src, accuracy[self.source[self.echo_prev]], minlength=self.n_sources)
        ab = np.where(self.echo_count > 0, ab / total, accuracy)
        agree = self._agreement(
            src[same], self.n_sources, pv[same], accuracy[src[same]], ab[src[same]]
        )
        kd = self.echo_count - sums(src[same], np.ones(int(same.sum())), self.n_sources)
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
        return sums(pair, per, minlength=count)

    def _posterior(self, agree: Floats, kd: Floats) -> Floats:
        """Posterior dependence from the agreement evidence and ``kd`` differing items."""
        p, c = self.p, self.p.copy_rate
        # Differing values: independent P_d against copier P_d (1 - c), whatever P_d is.
        odds = np.log((1 - p.copy_prior) / p.copy_prior) + agree + kd * np.log(1 / (1 - c))
        out: Floats = 1 / (1 + np.exp(np.clip(odds, -50, 50)))
        return out

    def probability(self, accuracy: Floats, independence: Floats) -> Floats:
        """P(v) for every value given accuracies and claim independence."""
        return self.claim_probability(accuracy[self.source], independence)

    def claim_probability(self, claim_accuracy: Floats, independence: Floats) -> Floats:
        """P(v) for every value given the accuracy each claim's vote is weighed by
        (its source's, or the source's without the claim's item: ``held_out_accuracy``)."""
        acc = np.clip(claim_accuracy, 1e-4, 1 - 1e-4)
        tau = np.log(acc / (1 - acc)) + np.log(self.item_false)[self.item]
        w = self.weight * independence
        votes = self.links.spread(sums(self.value, w * tau, minlength=self.n_values))
        if len(self.list_general):
            # The rest of an incomplete list's vote goes to the longer lists too.
            rest = (1 - self.p.implied_credit) * self.claim_omission
            held = sums(self.value, w * tau * rest, minlength=self.n_values)
            votes += sums(self.list_specific, held[self.list_general], self.n_values)
        functional = self._softmax(votes)
        lone = sums(self.value, w * np.log1p(-acc), minlength=self.n_values)
        # A value that stands alone also holds when a value implying it is claimed.
        lone += sums(self.lone_general, lone[self.lone_specific], minlength=self.n_values)
        out: Floats = np.where(self.functional_value, functional, -np.expm1(lone))
        return out

    def _softmax(self, votes: Floats) -> Floats:
        items = self.claims.value_item
        top = np.full(len(self.claims.item_functional), -np.inf)
        np.maximum.at(top, items, votes)
        top = np.maximum(top, 0.0)  # the unobserved values have vote count 0
        e = np.exp(votes - top[items])
        unseen = np.maximum(0.0, self.item_false + 1 - self.values_per_item)
        total = sums(items, e, minlength=len(top)) + unseen * np.exp(-top)
        out: Floats = e / total[items]
        return out

    def accuracy(self, prob: Floats) -> Floats:
        """Smoothed mean probability of what each source asserts."""
        hit = sums(self.source, self.weight * prob[self.value], minlength=self.n_sources)
        prior = self._group_prior(hit)
        if self.claims.source_parent is not None:
            return self._nested_accuracy(hit, prior, self.claims.source_parent)
        a = self.p.strength(self.source_weight)
        cap = self.p.max_accuracy
        out: Floats = np.clip((hit + a * prior) / (self.source_weight + a), 1 - cap, cap)
        return out

    def held_out_accuracy(self, prob: Floats) -> Floats:
        """Per claim, its source's accuracy as ``accuracy`` gives it with the source's
        claims on the claim's own item taken out of the sums: what the source's other
        items say of it (its prior alone for a source seen on that item only)."""
        mine = self.weight * prob[self.value]
        hit = sums(self.source, mine, minlength=self.n_sources)
        prior = self._group_prior(hit)[self.source]
        key = self.source * len(self.claims.item_functional) + self.item
        pair = np.unique(key, return_inverse=True)[1]
        n_pairs = int(pair.max()) + 1 if len(pair) else 0
        own_hit = sums(pair, mine, minlength=n_pairs)[pair]
        own_weight = sums(pair, self.weight, minlength=n_pairs)[pair]
        s = self.source
        rest = (hit[s] - own_hit, self.source_weight[s] - own_weight)
        parent = self.claims.source_parent
        if parent is not None:
            n = int(parent.max()) + 1 if len(parent) else 0
            pooled_hit = sums(parent, hit, n)[parent][s] - own_hit
            pooled_weight = sums(parent, self.source_weight, n)[parent][s] - own_weight
            return predicate_scope.accuracy(self.p, rest, (pooled_hit, pooled_weight), prior)
        a = self.p.strength(rest[1])
        cap = self.p.max_accuracy
        out: Floats = np.clip((rest[0] + a * prior) / (rest[1] + a), 1 - cap, cap)
        return out

    def _nested_accuracy(self, hit: Floats, prior: Floats, parent: Ints) -> Floats:
        """Accuracies of split sources (one per source and predicate), drawn toward
        their parent source's (``predicate_scope.accuracy``)."""
        n = int(parent.max()) + 1 if len(parent) else 0
        pooled = (sums(parent, hit, n)[parent], sums(parent, self.source_weight, n)[parent])
        return predicate_scope.accuracy(self.p, (hit, self.source_weight), pooled, prior)

    def _group_prior(self, hit: Floats) -> Floats:
        """Each source's prior: its own, or its group's smoothed mean accuracy."""
        prior = np.clip(self.claims.source_prior.astype(np.float64), 0.01, 0.99)
        group = self.claims.source_group
        if group is None or not len(group):
            return prior
        member = group >= 0
        size = int(group.max()) + 1 if member.any() else 0
        a = self.p.prior_strength
        g_hit = sums(group[member], hit[member], minlength=size)
        g_weight = sums(group[member], self.source_weight[member], minlength=size)
        g_prior = sums(group[member], prior[member], minlength=size)
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
            log += sums(self.same_a[rows], share * factor[k], minlength=len(self.value))
            log += sums(self.same_b[rows], (1 - share) * factor[k], minlength=len(self.value))
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
        out: Ints = self._same_order[np.repeat(starts, sizes) + ramp(sizes)]
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
        hit = sums(self.source, self.weight * prob[self.value], minlength=self.n_sources)
        support = sums(self.value, independence, minlength=self.n_values)
        sources = np.bincount(self.value, minlength=self.n_values)
        item_sources = np.bincount(self.item, minlength=len(c.item_functional))
        item_support = sums(c.value_item, support, minlength=len(c.item_functional))
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


def _widened(types: Sequence[ValueType], factor: float) -> Sequence[ValueType]:
    """``types`` with their numeric tolerances multiplied by ``factor``."""
    if factor == 1.0:
        return types
    each: dict[ValueType, ValueType] = {}
    for t in set(types):
        each[t] = replace(t, rel_tol=t.rel_tol * factor, abs_tol=t.abs_tol * factor)
    return [each[t] for t in types]
