"""Which elements a retrieval query ranges over, pushed down into its SQL."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ElementFilter:
    """Vertex labels to keep (None: all) or drop, and fact predicates to keep."""

    labels: Sequence[str] | None = None
    exclude_labels: Sequence[str] | None = None
    predicates: Sequence[str] | None = None

    def label_args(self) -> tuple[list[str] | None, list[str] | None]:
        """The label lists as bound parameters (None means no filter)."""
        return _list(self.labels), _list(self.exclude_labels)

    def predicate_arg(self) -> list[str] | None:
        """The predicate list as a bound parameter (None means no filter)."""
        return _list(self.predicates)


def _list(values: Sequence[str] | None) -> list[str] | None:
    return list(values) if values is not None else None
