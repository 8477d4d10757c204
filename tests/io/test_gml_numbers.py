"""kgmem's GML writes every finite float so that networkx's GML reader reads it back
as the same float (GML reads a real only with its decimal point: ``5e-324`` would read
as the integer 5 followed by a key ``e``)."""

from __future__ import annotations

import networkx as nx
from hypothesis import example, given
from hypothesis import strategies as st

from kgmem.io.gml import real_text


@given(st.floats(allow_nan=False, allow_infinity=False))
@example(5e-324)
@example(1e22)
@example(-3e-5)
def test_every_finite_float_reads_back_as_itself(x: float) -> None:
    text = f"graph [\n  node [\n    id 0\n    x {real_text(x)}\n  ]\n]\n"
    assert nx.parse_gml(text, label="id").nodes[0]["x"] == x
