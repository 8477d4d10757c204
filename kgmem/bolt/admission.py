"""Which Bolt connections are let in: at most so many at once, and so many from one
client address; and of those, fewer that have not authenticated yet, in all and per
address. A client that opens sockets and never authenticates can so hold only the
places kept for connections on their way in, never those of authenticated sessions,
and one address only its share of those. An IPv6 client counts by its /64 network,
which one host or site holds whole."""

from __future__ import annotations

import ipaddress
from collections import Counter
from dataclasses import dataclass

from kgmem.settings.bolt_settings import BoltSettings

# Why a connection was refused: the metric's label values (docs/observability.md).
CONNECTIONS = "connections"
PER_ADDRESS = "per_address"
UNAUTHENTICATED = "unauthenticated"
UNAUTHENTICATED_PER_ADDRESS = "unauthenticated_per_address"
REASONS = (CONNECTIONS, PER_ADDRESS, UNAUTHENTICATED, UNAUTHENTICATED_PER_ADDRESS)


def client_of(host: str) -> str:
    """The client a peer's ``host`` counts as: the IPv4 address (also when written as
    IPv6-mapped), or the IPv6 /64 network; any other text as it is."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


@dataclass(frozen=True)
class Caps:
    """The four caps, from ``BoltSettings``."""

    most: int
    most_per_address: int
    most_unauthenticated: int
    most_unauthenticated_per_address: int

    @classmethod
    def of(cls, settings: BoltSettings) -> Caps:
        """The caps ``settings`` set (``KGMEM_BOLT_MAX_*CONNECTIONS*``)."""
        return cls(
            most=settings.max_connections,
            most_per_address=settings.max_connections_per_address,
            most_unauthenticated=settings.max_unauthenticated_connections,
            most_unauthenticated_per_address=settings.max_unauthenticated_connections_per_address,
        )


class Admission:
    """Counts open connections, in all and per client address, and of them those not
    authenticated yet. One event loop uses it: nothing here awaits."""

    def __init__(self, caps: Caps) -> None:
        self.caps = caps
        self.open = 0
        self.by_address: Counter[str] = Counter()
        self.unauthenticated = 0
        self.unauthenticated_by_address: Counter[str] = Counter()

    def refusal(self, address: str) -> str | None:
        """Why one more connection from ``address`` would be refused (one of
        ``REASONS``, the address's own caps first), None when it may enter."""
        caps = self.caps
        if self.by_address[address] >= caps.most_per_address:
            return PER_ADDRESS
        if self.unauthenticated_by_address[address] >= caps.most_unauthenticated_per_address:
            return UNAUTHENTICATED_PER_ADDRESS
        if self.open >= caps.most:
            return CONNECTIONS
        if self.unauthenticated >= caps.most_unauthenticated:
            return UNAUTHENTICATED
        return None

    def enter(self, address: str) -> Ticket:
        """Count one more connection from ``address``, not authenticated yet; call when
        ``refusal`` said None."""
        self.open += 1
        self.by_address[address] += 1
        self._count_unauthenticated(address, 1)
        return Ticket(self, address)

    def _count_unauthenticated(self, address: str, step: int) -> None:
        self.unauthenticated += step
        self.unauthenticated_by_address[address] += step
        if self.unauthenticated_by_address[address] <= 0:
            del self.unauthenticated_by_address[address]

    def _leave(self, address: str) -> None:
        self.open -= 1
        self.by_address[address] -= 1
        if self.by_address[address] <= 0:
            del self.by_address[address]


class Ticket:
    """One admitted connection's place in the counts: among the unauthenticated ones
    until ``authenticated(True)``, again after ``authenticated(False)`` (LOGOFF)."""

    def __init__(self, admission: Admission, address: str) -> None:
        self.admission = admission
        self.address = address
        self.is_authenticated = False
        self.left = False

    def authenticated(self, now: bool) -> None:
        """Move the connection between the counts when its state changed; a connection
        logging off may so pass the unauthenticated caps, which bar only new ones."""
        if now == self.is_authenticated or self.left:
            return
        self.is_authenticated = now
        self.admission._count_unauthenticated(self.address, -1 if now else 1)

    def leave(self) -> None:
        """Count the connection as closed (once, however often called)."""
        if self.left:
            return
        if not self.is_authenticated:
            self.admission._count_unauthenticated(self.address, -1)
        self.left = True
        self.admission._leave(self.address)
