"""Which Bolt connections are let in: at most so many at once, and so many from one
client address, so that a client cannot hold the server's sockets and tasks unbounded."""

from __future__ import annotations

from collections import Counter


class Admission:
    """Counts open connections, in all and per client address."""

    def __init__(self, *, most: int, most_per_address: int) -> None:
        self.most = most
        self.most_per_address = most_per_address
        self.open = 0
        self.by_address: Counter[str] = Counter()

    def enter(self, address: str) -> bool:
        """Count one more connection from ``address``; False (and nothing counted) when
        that would pass either cap."""
        if self.open >= self.most or self.by_address[address] >= self.most_per_address:
            return False
        self.open += 1
        self.by_address[address] += 1
        return True

    def leave(self, address: str) -> None:
        """Count a connection that ``enter`` let in as closed."""
        self.open -= 1
        self.by_address[address] -= 1
        if self.by_address[address] <= 0:
            del self.by_address[address]
