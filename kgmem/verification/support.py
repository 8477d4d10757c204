r"""Which values of an item bear on which: the implication and similarity links the
estimators use, built once per run with blocking.

Exact votes. Let :math:`C(v)` be the vote count an estimator gives the claims of value
:math:`v`. The vote for :math:`v` being the item's exact value is

.. math:: C^*(v) = C(v) + \rho \sum_{g:\, v \Rightarrow g} C(g)
                 + \lambda \sum_{u \sim v} s(u, v)\, C(u),

where :math:`v \Rightarrow g` ranges over the strictly more general values :math:`g`
that :math:`v` implies (a truncated author list, a rounded number, a year for a full
date: their claims are weak evidence for the complete value, credit
:math:`\rho < 1`), and :math:`u \sim v` over the values merely similar to :math:`v`
(numbers within tolerance, overlapping name sets, near-identical strings; weight
:math:`\lambda`). A specific claim gives *no* exact credit to a more general value:
"Han, Kamber" is evidence against "Han" being the whole list.

Holding. Support flows the other way for whether a value *holds*: with :math:`P` the
estimated distribution of the exact value,

.. math:: h(g) = P(g) + \sum_{v:\, v \Rightarrow g} P(v) \quad (\text{capped at } 1),

so "Han" holds whenever "Han, Kamber" is the truth.

Blocking. Only values of one item are ever compared; numbers are compared in numpy;
text pairs are compared once per distinct pair of canonical keys, and strings with
rapidfuzz under a score cut-off.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from kgmem.schema.graph_schema import ValueType
from kgmem.verification.canonical import Parsed, Relation, parse, relation

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[Any]


@dataclass(frozen=True, slots=True)
class Links:
    """``credit[k]`` of value ``frm[k]``'s votes go to value ``to[k]`` (exact votes);
    value ``specific[j]`` implies value ``general[j]`` (holding)."""

    to: Ints
    frm: Ints
    credit: Floats
    specific: Ints
    general: Ints

    def spread(self, votes: Floats) -> Floats:
        """:math:`C^*`: each value's votes plus the credit it gets from related values."""
        if not len(self.to):
            return votes
        extra = np.bincount(self.to, self.credit * votes[self.frm], minlength=len(votes))
        out: Floats = votes + extra
        return out

    def holds(self, prob: Floats) -> Floats:
        """:math:`h`: the probability that each value holds (it or a value implying it
        is the exact value)."""
        extra = np.bincount(self.general, prob[self.specific], minlength=len(prob))
        out: Floats = np.minimum(prob + extra, 1.0)
        return out


def parsed_values(texts: Sequence[str], types: Sequence[ValueType]) -> list[Parsed]:
    """Each value parsed by its item's type."""
    return [parse(t, vt) for t, vt in zip(texts, types, strict=True)]


def item_pairs(value_item: Ints, eligible: npt.NDArray[np.bool_]) -> tuple[Ints, Ints]:
    """Every ordered pair (a, b), a != b, of eligible values of one item."""
    values = np.flatnonzero(eligible)
    values = values[np.argsort(value_item[values], kind="stable")]
    items = value_item[values]
    if not len(items):
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    starts = np.flatnonzero(np.r_[True, items[1:] != items[:-1]])
    sizes = np.diff(np.append(starts, len(values)))
    size_of = np.repeat(sizes, sizes)
    start_of = np.repeat(starts, sizes)
    left = np.repeat(np.arange(len(values)), size_of)
    offset = np.arange(len(left)) - np.repeat(np.cumsum(size_of) - size_of, size_of)
    right = np.repeat(start_of, size_of) + offset
    keep = left != right
    return values[left[keep]], values[right[keep]]


def build(
    parsed: Sequence[Parsed],
    value_item: Ints,
    eligible: npt.NDArray[np.bool_],
    item_type: Sequence[ValueType],
    *,
    implied_credit: float,
    similarity_weight: float,
) -> Links:
    """The links between the ``eligible`` values of each item (see the module text)."""
    a, b = item_pairs(value_item, eligible)
    rel = np.zeros(len(a), dtype=np.int8)  # 0 unrelated/similar, 1 a implies b, 2 b implies a
    sim = np.zeros(len(a))
    number = np.array([p.kind == "number" for p in parsed], dtype=np.bool_)
    both = number[a] & number[b] if len(a) else np.zeros(0, dtype=np.bool_)
    if both.any():
        _numeric(parsed, a[both], b[both], item_type, value_item, out=(rel, sim, both))
    known: dict[tuple[str, str, ValueType], tuple[Relation, float]] = {}
    for k in np.flatnonzero(~both).tolist():
        pa, pb = parsed[a[k]], parsed[b[k]]
        vt = item_type[int(value_item[a[k]])]
        found = known.get((pa.key, pb.key, vt))
        if found is None:
            found = known[(pa.key, pb.key, vt)] = relation(pa, pb, vt)
        rel[k] = {Relation.IMPLIES: 1, Relation.IMPLIED: 2}.get(found[0], 0)
        sim[k] = found[1] if found[0] is Relation.SIMILAR else 0.0
    # a implies b: a's claims give b nothing exact, b's claims give a partial credit.
    general_to_specific = rel == 2
    similar = (rel == 0) & (sim > 0)
    to = np.concatenate([b[general_to_specific], b[similar]])
    frm = np.concatenate([a[general_to_specific], a[similar]])
    credit = np.concatenate(
        [
            np.full(int(general_to_specific.sum()), implied_credit),
            similarity_weight * sim[similar],
        ]
    )
    nz = credit > 0
    implies = rel == 1
    return Links(to[nz], frm[nz], credit[nz], a[implies], b[implies])


def _numeric(
    parsed: Sequence[Parsed],
    a: Ints,
    b: Ints,
    item_type: Sequence[ValueType],
    value_item: Ints,
    *,
    out: tuple[npt.NDArray[np.int8], Floats, npt.NDArray[np.bool_]],
) -> None:
    """Relations of number pairs, vectorised (``canonical._numbers`` in numpy)."""
    rel, sim, mask = out
    num = np.array([p.number for p in parsed])
    prec = np.array([p.precision for p in parsed])
    rel_tol = np.array([t.rel_tol for t in item_type])[value_item[a]]
    abs_tol = np.array([t.abs_tol for t in item_type])[value_item[a]]
    na, nb, pa, pb = num[a], num[b], prec[a], prec[b]
    gap = np.abs(na - nb)
    a_implies = (pa < pb) & (gap <= pb / 2 * (1 + 1e-9)) & (gap > 0)
    b_implies = (pb < pa) & (gap <= pa / 2 * (1 + 1e-9)) & (gap > 0)
    scale = np.maximum(abs_tol, rel_tol * np.maximum(np.abs(na), np.abs(nb)))
    closeness = np.clip(1.0 - gap / scale, 0.0, 1.0)
    codes = np.where(a_implies, 1, np.where(b_implies, 2, 0)).astype(np.int8)
    rel[mask] = codes
    sim[mask] = np.where(codes == 0, closeness, 0.0)
