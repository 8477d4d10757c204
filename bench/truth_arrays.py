"""A truth-discovery set as kgmem's claim arrays, without the database, and its gold
labels: what the cross-validation in ``bench truth`` runs the estimators on.

Items are (subject, predicate); values are merged by canonical key of the predicate's
value type, as ``kgmem.verification.runs`` does; sources are grouped by their kind
(``truth_data.source_kind``) with the default prior; claims keep observation order, and
each source counts with its last claim per item only, as the store keeps them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bench import truth_data
from kgmem.schema.graph_schema import ValueType
from kgmem.verification.canonical import key as canonical_key
from kgmem.verification.claims import ClaimArrays

DEFAULT_PRIOR = 0.8


@dataclass(frozen=True, slots=True)
class Labelled:
    """Claim arrays with, for the gold items, each value's label (it is the gold)."""

    name: str
    arrays: ClaimArrays
    item_keys: list[tuple[str, str]]
    gold_items: npt.NDArray[np.int64]
    value_true: npt.NDArray[np.bool_]

    def value_is_gold_item(self) -> npt.NDArray[np.bool_]:
        """Whether each value belongs to a gold item."""
        mask = np.zeros(len(self.item_keys), dtype=np.bool_)
        mask[self.gold_items] = True
        out: npt.NDArray[np.bool_] = mask[self.arrays.value_item]
        return out


def labelled(
    data: truth_data.TruthSet, value_type: Callable[[str], ValueType] = lambda _: ValueType()
) -> Labelled:
    """``data`` as arrays, with gold labels (gold items no claim names are left out)."""
    items: dict[tuple[str, str], int] = {}
    values: dict[tuple[int, str], int] = {}
    sources: dict[str, int] = {}
    claim_value, claim_source, value_item, value_text = [], [], [], []
    for c in latest(data.claims):
        item = items.setdefault((c.subject, c.predicate), len(items))
        v = values.setdefault((item, canonical_key(c.value, value_type(c.predicate))), len(values))
        if v == len(value_text):
            value_item.append(item)
            value_text.append(c.value)
        claim_value.append(v)
        claim_source.append(sources.setdefault(c.source, len(sources)))
    kinds: dict[str, int] = {}
    group = [kinds.setdefault(truth_data.source_kind(s), len(kinds)) for s in sources]
    keys = list(items)
    arrays = ClaimArrays(
        claim_value=np.asarray(claim_value, dtype=np.int64),
        claim_source=np.asarray(claim_source, dtype=np.int64),
        claim_weight=np.ones(len(claim_value)),
        claim_order=np.arange(len(claim_value), dtype=np.int64),
        value_item=np.asarray(value_item, dtype=np.int64),
        value_text=value_text,
        item_functional=np.ones(len(keys), dtype=np.bool_),
        source_prior=np.full(len(sources), DEFAULT_PRIOR),
        source_group=np.asarray(group, dtype=np.int64),
        item_type=tuple(value_type(p) for _, p in keys),
        item_predicate=_predicate_index(keys),
    )
    return _label(data, arrays, keys, items, value_type)


def _predicate_index(keys: list[tuple[str, str]]) -> npt.NDArray[np.int64]:
    """Each item's predicate as an index (in order of first appearance)."""
    index: dict[str, int] = {}
    return np.asarray([index.setdefault(p, len(index)) for _, p in keys], dtype=np.int64)


def latest(claims: list[truth_data.Claim]) -> list[truth_data.Claim]:
    """Each source's last claim per item, in observation order: the claims the store
    keeps in force for a functional predicate (a source that says another value
    withdraws its claim on the former one, ``kgmem.graph.statements``)."""
    last = {(c.subject, c.predicate, c.source): k for k, c in enumerate(claims)}
    keep = sorted(last.values())
    return [claims[k] for k in keep]


def _label(
    data: truth_data.TruthSet,
    arrays: ClaimArrays,
    keys: list[tuple[str, str]],
    items: dict[tuple[str, str], int],
    value_type: Callable[[str], ValueType],
) -> Labelled:
    gold_key = {
        items[k]: canonical_key(v, value_type(k[1])) for k, v in data.gold.items() if k in items
    }
    true = np.zeros(len(arrays.value_item), dtype=np.bool_)
    for v, (item, text) in enumerate(
        zip(arrays.value_item.tolist(), arrays.value_text, strict=True)
    ):
        want = gold_key.get(item)
        true[v] = want is not None and canonical_key(text, value_type(keys[item][1])) == want
    gold_items = np.array(sorted(gold_key), dtype=np.int64)
    return Labelled(data.name, arrays, keys, gold_items, true)


def precision(data: Labelled, chosen: npt.NDArray[np.int64], items: npt.NDArray[np.int64]) -> float:
    """Share of ``items`` (gold items) whose chosen value is the gold one."""
    picked = chosen[items]
    hits = (picked >= 0) & data.value_true[np.maximum(picked, 0)]
    return float(hits.mean()) if len(items) else 0.0
