"""Resolved references that storage functions pass around instead of bare names."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple


@dataclass(frozen=True, slots=True)
class NamespaceRef:
    """A namespace known to exist: its name (also its AGE graph and schema name) and the
    AGE graph oid, which changes if the namespace is dropped and created again."""

    name: str
    graph_oid: int


class VertexRef(NamedTuple):
    """A stored vertex: graph id, label and name (if it has one). A named tuple: batch
    writes build thousands of these per call, and a tuple is the cheapest to make."""

    uid: str
    id: int
    label: str
    name: str | None = None
