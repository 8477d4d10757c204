"""Resolved references that storage functions pass around instead of bare names."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class NamespaceRef:
    """A namespace known to exist: its name (also its AGE graph and schema name) and the
    AGE graph oid, which changes if the namespace is dropped and created again."""

    name: str
    graph_oid: int


@dataclass(frozen=True, slots=True)
class VertexRef:
    """A stored vertex: graph id, label and name (if it has one)."""

    uid: str
    id: int
    label: str
    name: str | None = None
