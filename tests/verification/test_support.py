"""The links between values: partial exact credit from the general to the specific,
holding from the specific to the general."""

from __future__ import annotations

import numpy as np

from kgmem.schema.graph_schema import ValueType
from kgmem.verification import support

NAMES = ValueType(kind="names")


def links(texts: list[str], vtype: ValueType) -> support.Links:
    parsed = support.parsed_values(texts, [vtype] * len(texts))
    item = np.zeros(len(texts), dtype=np.int64)
    return support.build(
        parsed,
        item,
        np.ones(len(texts), dtype=np.bool_),
        (vtype,),
        implied_credit=0.5,
        similarity_weight=0.1,
    )


def test_a_truncated_list_credits_the_complete_one_partially_and_never_the_reverse() -> None:
    found = links(["Han, Kamber", "Han"], ValueType(kind="string"))
    votes = np.array([1.0, 3.0])
    spread = found.spread(votes)
    assert spread[0] == 1.0 + 0.5 * 3.0 and spread[1] == 3.0
    held = found.holds(np.array([0.6, 0.1]))
    assert held[1] == 0.7 and held[0] == 0.6


def test_author_lists_link_by_name_sets() -> None:
    found = links(["Jiawei Han; Micheline Kamber", "J. Han", "Pei"], NAMES)
    assert set(zip(found.specific.tolist(), found.general.tolist(), strict=True)) == {(0, 1)}
    assert (0, 1) in set(zip(found.to.tolist(), found.frm.tolist(), strict=True))


def test_close_numbers_credit_each_other_symmetrically() -> None:
    found = links(["1001", "1006", "5003"], ValueType("number", 0.01, 1.0))
    pairs = dict(
        zip(zip(found.to.tolist(), found.frm.tolist(), strict=True), found.credit, strict=True)
    )
    assert pairs[(0, 1)] == pairs[(1, 0)] > 0 and (2, 0) not in pairs
