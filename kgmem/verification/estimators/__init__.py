"""The truth-discovery estimators behind one interface: ``estimate(claims, choice)``.

| name | estimator | module |
|---|---|---|
| ``vote`` | majority vote (the baseline) | ``consensus.majority`` |
| ``accu`` | ACCU with copy detection (Dong, Berti-Equille and Srivastava 2009) | ``consensus`` |
| ``truthfinder`` | TruthFinder (Yin, Han and Yu 2007) | ``truthfinder`` |
| ``ltm`` | the latent truth model (Zhao et al. 2012), by EM | ``ltm`` |
| ``crh`` | CRH (Li et al. 2014) | ``crh`` |

With ``Choice.names``, ACCU's probabilities of lists of names are averaged with the
latent truth model's (``by_kind``). A ``Choice`` names an estimator and its
hyper-parameters; ``DEFAULT`` is the one chosen
by cross-validation (``python -m bench truth``, see docs/performance.md).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from kgmem.verification import consensus
from kgmem.verification.claims import ClaimArrays, Estimator, Scores
from kgmem.verification.estimators import base, by_kind, crh, ltm, truthfinder
from kgmem.verification.estimators.crh import Crh
from kgmem.verification.estimators.ltm import Ltm
from kgmem.verification.estimators.truthfinder import TruthFinder

Params = Estimator | TruthFinder | Ltm | Crh | None
NAMES = ("vote", "accu", "truthfinder", "ltm", "crh")


@dataclass(frozen=True, slots=True)
class Choice:
    """An estimator by name with its hyper-parameters (None: the estimator's defaults)."""

    name: str = "accu"
    params: Params = None
    names: Ltm | None = None  # with ACCU: items of lists of names by this model


# Each estimator's hyper-parameters as chosen by cross-validation over the population
# and weather sets (``bench.truth_cv``); DEFAULT is the estimator chosen there.
CHOSEN: dict[str, Choice] = {
    "vote": Choice("vote"),
    "accu": Choice(
        "accu",
        Estimator(
            false_values=3.0,
            similarity_weight=0.1,
            implied_credit=0.25,
            prior_strength=0.5,
            copy_evidence="soft",
            max_accuracy=0.9,
            predicate_share=0.7,
            names_false_values=30.0,  # chosen on GENERATED author lists: docs/decisions.md
            completeness_strength=4.0,  # chosen the same way
        ),
        # Author lists by the latent truth model, its priors chosen on GENERATED lists.
        names=Ltm(sensitivity_prior=(5.0, 5.0), false_positive_prior=(1.0, 99.0), truth_prior=0.3),
    ),
    "truthfinder": Choice("truthfinder", TruthFinder(dampening=0.6, conflict=0.5)),
    "ltm": Choice(
        "ltm", Ltm(sensitivity_prior=(9.0, 1.0), false_positive_prior=(1.0, 9.0), truth_prior=0.5)
    ),
    "crh": Choice("crh", Crh(similarity_weight=0.5, prior_strength=2.0)),
}
DEFAULT = CHOSEN["accu"]


def estimate(claims: ClaimArrays, choice: Choice = DEFAULT) -> Scores:
    """Scores of every value, item and source by the chosen estimator."""
    p = choice.params
    if choice.name == "accu":
        accu = p if isinstance(p, Estimator) else None
        if choice.names is not None:
            return by_kind.estimate(claims, accu, choice.names)
        return consensus.estimate(claims, accu)
    if choice.name == "truthfinder":
        return truthfinder.estimate(claims, p if isinstance(p, TruthFinder) else None)
    if choice.name == "ltm":
        return ltm.estimate(claims, p if isinstance(p, Ltm) else None)
    if choice.name == "crh":
        return crh.estimate(claims, p if isinstance(p, Crh) else None)
    if choice.name == "vote":
        return _vote(claims)
    raise ValueError(f"unknown estimator {choice.name!r}; expected one of {', '.join(NAMES)}")


def _vote(claims: ClaimArrays) -> Scores:
    """Majority vote, with each value's share of its item's sources as its trust."""
    m = base.model(claims, implied_credit=0.0, similarity_weight=0.0)
    count = np.bincount(m.value, m.weight, minlength=m.n_values)
    share = count / np.maximum(base.item_sums(m, count), 1e-12)
    prob = np.where(m.functional_value, share, 1.0)
    accuracy = base.mean_probability(m, prob, np.full(m.n_sources, 0.5), 1.0)
    return replace(base.finish(m, prob, accuracy, 1), chosen=consensus.majority(claims))
