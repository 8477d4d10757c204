r"""ACCU for every item; for the items whose values are lists of names, ACCU's and the
latent truth model's probabilities averaged: the default of a full run
(``estimators.CHOSEN["accu"]``).

An author list is a set of people, each of whom a store may leave out (most often all
but the first) or, rarely, add. ACCU judges whole lists (with each store's omission
rate, ``Estimator.completeness_strength``); the latent truth model
(``estimators.ltm``) judges each person of an item apart, with a sensitivity and a
false-positive rate per source, so two stores that both add a name are unlikely to
have made it up, but many short lists can deny a name one complete list gives. Each is
wrong in its own way; the average of the two probabilities of each list, chosen
leaving one GENERATED author-list set out, chose better than ACCU on every set left out
and is better calibrated (docs/decisions.md, "Author lists by two models"). The latent
truth model runs over the claims on those items alone; every other item, the sources'
reliabilities, copy detection and the per-predicate state keep ACCU's scores.

A full run keeps the model's sensitivity and false-positive rate of each source (in
its source score row); an incremental update of an item of lists re-scores it by
ACCU's local step and averages the model's probabilities with those rates held fixed
(``rescored``), as ACCU's reliabilities are, so the update chooses as the full run
would.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from kgmem.verification import consensus
from kgmem.verification.claims import (
    ClaimArrays,
    Estimator,
    Floats,
    Ints,
    Scores,
    argmax_per_item,
    in_order,
)
from kgmem.verification.estimators import ltm
from kgmem.verification.estimators.ltm import Ltm


def estimate(claims: ClaimArrays, accu: Estimator | None, names: Ltm) -> Scores:
    """ACCU's scores of ``claims``; on items of lists of names, the trust is the mean of
    ACCU's and the latent truth model's (``names``), and the chosen value its highest.
    The model's per-source rates are kept (``Scores.name_rates``) for the incremental
    updates that follow."""
    scores = consensus.estimate(claims, accu)
    lists = _lists(claims)
    if not lists.any():
        return scores
    part, values, _ = subset(claims, lists)
    atoms, rates = ltm.fitted(part, names)
    both = blended(claims, scores, lists, values, atoms.trust)
    return replace(both, name_rates=rates)


def rescored(claims: ClaimArrays, scores: Scores, rates: ltm.Rates, names: Ltm) -> Scores:
    """An incremental update's ``scores`` (ACCU's local step) of ``claims`` with the
    lists of names averaged as a full run averages them, the model's rates held at
    ``rates`` (per source, as the last full run learnt them)."""
    lists = _lists(claims)
    if not lists.any():
        return scores
    part, values, _ = subset(claims, lists)
    model = ltm.with_rates(part, rates, names)
    return blended(claims, scores, lists, values, model)


def blended(
    claims: ClaimArrays, scores: Scores, lists: np.ndarray, values: Ints, model: Floats
) -> Scores:
    """``scores`` with the trust of the ``values`` of the ``lists`` items the mean of
    ACCU's and ``model``'s, and each such item's chosen value the highest mean of ACCU's
    estimate and ``model``'s (the trusts dealt out in that order, as ACCU deals its
    held-out trust: ``claims.in_order``)."""
    by = _placed(scores.estimated, values, (scores.estimated[values] + model) / 2)
    trust = _placed(scores.trust, values, (scores.trust[values] + model) / 2)
    chosen = np.where(lists, argmax_per_item(claims, by), scores.chosen)
    competing = (lists & claims.item_functional)[claims.value_item]
    return replace(scores, trust=in_order(claims, by, trust, competing), chosen=chosen)


def _lists(claims: ClaimArrays) -> np.ndarray:
    return np.array([t.kind == "names" for t in claims.item_types()], dtype=np.bool_)


def _placed(whole: np.ndarray, at: Ints, part: np.ndarray) -> np.ndarray:
    out = whole.copy()
    out[at] = part
    return out


def subset(claims: ClaimArrays, items: np.ndarray) -> tuple[ClaimArrays, Ints, Ints]:
    """The claims on the items ``items`` marks, as arrays of their own (every source
    kept, in its place), with the original index of each of their values and items."""
    kept_items = np.flatnonzero(items)
    kept_values = np.flatnonzero(items[claims.value_item])
    item_at = np.full(len(items), -1, dtype=np.int64)
    item_at[kept_items] = np.arange(len(kept_items))
    value_at = np.full(len(claims.value_item), -1, dtype=np.int64)
    value_at[kept_values] = np.arange(len(kept_values))
    keep = items[claims.claim_item]
    types = claims.item_types()
    part = replace(
        claims,
        claim_value=value_at[claims.claim_value[keep]],
        claim_source=claims.claim_source[keep],
        claim_weight=claims.claim_weight[keep],
        claim_order=claims.claim_order[keep],
        value_item=item_at[claims.value_item[kept_values]],
        value_text=[claims.value_text[v] for v in kept_values.tolist()],
        item_functional=claims.item_functional[kept_items],
        item_type=tuple(types[i] for i in kept_items.tolist()),
        item_predicate=(
            None if claims.item_predicate is None else claims.item_predicate[kept_items]
        ),
    )
    return part, kept_values, kept_items
