"""What a declared data field of any record has (``fact.FactField`` and
``episode.EpisodeField`` both do): what the doors, requests and checks need of it."""

from __future__ import annotations

from typing import Any, Protocol


class DataField(Protocol):
    """A declared data field: a name, the type of its values and a description."""

    @property
    def name(self) -> str: ...

    @property
    def type(self) -> Any: ...

    @property
    def description(self) -> str: ...
