r"""The latent truth model (Zhao, Rubinstein, Gemmell and Han 2012, "A Bayesian
approach to discovering truth from conflicting sources for data integration", VLDB),
solved by expectation-maximisation instead of Gibbs sampling so that it is
deterministic.

Atoms. A value is a set of atoms: a person-name list its names, any other value
itself. Each atom :math:`a` of an item has a latent truth :math:`t_a`. A source that
makes a claim on an item asserts the atoms of its value (positive observations) and
denies the item's other atoms (negative ones), unless its list says it goes on ("et
al.", ``canonical.Parsed.open``). Source :math:`s` has a sensitivity
:math:`\phi^1_s = P(\text{asserts } a \mid t_a)` and a false-positive rate
:math:`\phi^0_s = P(\text{asserts } a \mid \neg t_a)`, with Beta priors
:math:`(\alpha^1_1, \alpha^1_0)` and :math:`(\alpha^0_1, \alpha^0_0)`, and truths a
Beta prior mean :math:`\beta`.

E-step (claims weighted by their confidence :math:`w_c`):

.. math:: \operatorname{logit} p_a = \operatorname{logit} \beta
   + \sum_{+} w_c \ln \frac{\phi^1_s}{\phi^0_s}
   + \sum_{-} w_c \ln \frac{1 - \phi^1_s}{1 - \phi^0_s}.

M-step:

.. math:: \phi^1_s = \frac{\sum_{+} w_c p_a + \alpha^1_1}
                          {\sum_{\pm} w_c p_a + \alpha^1_1 + \alpha^1_0}, \qquad
          \phi^0_s = \frac{\sum_{+} w_c (1 - p_a) + \alpha^0_1}
                          {\sum_{\pm} w_c (1 - p_a) + \alpha^0_1 + \alpha^0_0}.

Values. On a functional item the probability that value :math:`v` is exactly the
truth is proportional to :math:`\prod_{a \in v} p_a \prod_{a \notin v} (1 - p_a)`,
normalised over the item's values; on a non-functional item it is
:math:`\prod_{a \in v} p_a`. A source's reliability is the mean probability of its
claims.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kgmem.verification import fixedpoint
from kgmem.verification.claims import ClaimArrays, Floats, Ints, Scores
from kgmem.verification.estimators import base


@dataclass(frozen=True, slots=True)
class Ltm:
    """Hyper-parameters: the Beta priors as pseudo-counts and the truth prior mean."""

    sensitivity_prior: tuple[float, float] = (5.0, 5.0)
    false_positive_prior: tuple[float, float] = (1.0, 9.0)
    truth_prior: float = 0.5
    max_iterations: int = 500
    tolerance: float = 1e-4


@dataclass(frozen=True, slots=True)
class _Atoms:
    """Observations: claim ``claim[k]`` asserts (``positive[k]``) or denies atom
    ``atom[k]``; ``value_atoms`` pairs each value with its atoms."""

    claim: Ints
    atom: Ints
    positive: Floats
    value: Ints
    value_atom: Ints
    n_atoms: int


Rates = tuple[Floats, Floats]
"""Per source, its sensitivity and its false-positive rate."""
_BOUNDS = (1e-3, 1 - 1e-3)  # rates kept off 0 and 1, where the E-step's logs diverge


def estimate(claims: ClaimArrays, params: Ltm | None = None) -> Scores:
    """Source sensitivities and false-positive rates and atom truths together."""
    return fitted(claims, params)[0]


def fitted(claims: ClaimArrays, params: Ltm | None = None) -> tuple[Scores, Rates]:
    """``estimate``'s scores with the rates the model learnt (for later updates)."""
    p = params or Ltm()
    m = base.model(claims, implied_credit=0.0, similarity_weight=0.0)
    atoms = _atoms(m)
    n = m.n_sources
    w = m.weight[atoms.claim]
    src = m.source[atoms.claim]

    def rates(truth: Floats) -> Floats:
        t = truth[atoms.atom]
        (s1, s0), (f1, f0) = p.sensitivity_prior, p.false_positive_prior
        hit_t = np.bincount(src, w * t * atoms.positive, minlength=n)
        all_t = np.bincount(src, w * t, minlength=n)
        hit_f = np.bincount(src, w * (1 - t) * atoms.positive, minlength=n)
        all_f = np.bincount(src, w * (1 - t), minlength=n)
        return np.concatenate([(hit_t + s1) / (all_t + s1 + s0), (hit_f + f1) / (all_f + f1 + f0)])

    start = np.concatenate([np.full(n, 0.8), np.full(n, 0.1)])
    phi, calls = fixedpoint.solve(
        lambda x: rates(_truths(m, atoms, x[:n], x[n:], p.truth_prior)),
        start,
        tolerance=p.tolerance,
        max_rounds=p.max_iterations,
        bounds=_BOUNDS,
    )
    prob = _values(m, atoms, _truths(m, atoms, phi[:n], phi[n:], p.truth_prior))
    accuracy = base.mean_probability(m, prob, np.full(n, 0.5), 1.0)
    return base.finish(m, prob, accuracy, calls), (phi[:n], phi[n:])


def prior_rates(params: Ltm) -> tuple[float, float]:
    """A source's sensitivity and false-positive rate before any of its claims is seen:
    the means of their Beta priors."""
    (s1, s0), (f1, f0) = params.sensitivity_prior, params.false_positive_prior
    return s1 / (s1 + s0), f1 / (f1 + f0)


def with_rates(claims: ClaimArrays, rates: Rates, params: Ltm) -> Floats:
    """Each value's probability with every source's rates held at ``rates`` (one
    E-step, no M-step): how an incremental update re-scores one item's lists with the
    rates its last full run learnt."""
    m = base.model(claims, implied_credit=0.0, similarity_weight=0.0)
    atoms = _atoms(m)
    sens, fpr = (np.clip(r, *_BOUNDS) for r in rates)
    return _values(m, atoms, _truths(m, atoms, sens, fpr, params.truth_prior))


def _truths(
    m: base.ClaimModel, atoms: _Atoms, sens: Floats, fpr: Floats, truth_prior: float
) -> Floats:
    """The E-step: each atom's probability of being true given the sources' rates."""
    w = m.weight[atoms.claim]
    src = m.source[atoms.claim]
    pos = np.log(sens / fpr)[src]
    neg = np.log((1 - sens) / (1 - fpr))[src]
    logit = np.bincount(
        atoms.atom, w * np.where(atoms.positive > 0, pos, neg), minlength=atoms.n_atoms
    )
    prior = np.log(truth_prior / (1 - truth_prior))
    out: Floats = 1 / (1 + np.exp(-np.clip(prior + logit, -50, 50)))
    return out


def _atoms(m: base.ClaimModel) -> _Atoms:
    """Every (claim, atom of its item) observation, positive when the value has it."""
    c = m.claims
    index: dict[tuple[int, str], int] = {}
    value_of, atom_of = [], []
    for v, (item, parsed) in enumerate(zip(c.value_item.tolist(), m.parsed, strict=True)):
        parts = parsed.parts if parsed.kind == "names" else (parsed.key,)
        for part in parts:
            value_of.append(v)
            atom_of.append(index.setdefault((item, part), len(index)))
    value, value_atom = np.array(value_of, dtype=np.int64), np.array(atom_of, dtype=np.int64)
    atom_item = np.zeros(len(index), dtype=np.int64)
    atom_item[value_atom] = c.value_item[value]
    order = np.argsort(atom_item, kind="stable")
    per_item = np.bincount(atom_item, minlength=len(c.item_functional))
    first = np.concatenate(([0], np.cumsum(per_item)[:-1]))
    sizes = per_item[m.item]
    claim = np.repeat(np.arange(len(m.value)), sizes)
    offset = np.arange(len(claim)) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    atom = order[np.repeat(first[m.item], sizes) + offset]
    has = np.isin(m.value[claim] * len(index) + atom, value * len(index) + value_atom)
    # A list that says the book has more authors ("et al.") denies no other name.
    opened = np.fromiter((v.open for v in m.parsed), np.bool_, len(c.value_item))
    seen = has | ~opened[m.value[claim]]
    claim, atom, has = claim[seen], atom[seen], has[seen]
    return _Atoms(claim, atom, has.astype(np.float64), value, value_atom, len(index))


def _values(m: base.ClaimModel, atoms: _Atoms, truth: Floats) -> Floats:
    """Each value's probability of being exactly its item's truth (see the module)."""
    c = m.claims
    log_t, log_f = np.log(np.maximum(truth, 1e-300)), np.log(np.maximum(1 - truth, 1e-300))
    inside = np.bincount(
        atoms.value, log_t[atoms.value_atom] - log_f[atoms.value_atom], len(c.value_item)
    )
    atom_item = np.zeros(atoms.n_atoms, dtype=np.int64)
    atom_item[atoms.value_atom] = c.value_item[atoms.value]
    all_false = np.bincount(atom_item, log_f, minlength=len(c.item_functional))
    score = inside + all_false[c.value_item]
    top = np.full(len(c.item_functional), -np.inf)
    np.maximum.at(top, c.value_item, score)
    e = np.exp(score - top[c.value_item])
    exact = e / base.item_sums(m, e)
    alone = np.exp(np.bincount(atoms.value, log_t[atoms.value_atom], len(c.value_item)))
    out: Floats = np.where(m.functional_value, exact, alone)
    return out
