"""Settings of the Bolt door for Neo4j drivers and tools (``KGMEM_BOLT_*``; a section
of ``kgmem.settings.config``, served by ``kgmem.bolt``): where it listens, TLS, message sizes,
timeouts, and how many connections it lets in."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings

from kgmem.settings.section import section_config


class BoltSettings(BaseSettings):
    """The Bolt door for Neo4j drivers and tools (docs/bolt.md)."""

    model_config = section_config("KGMEM_BOLT_")

    host: str = Field(default="127.0.0.1", description="Address the Bolt server binds.")
    port: int = Field(
        default=7687, ge=0, le=65535, description="Bolt TCP port of `kgmem serve` (0: no Bolt)."
    )
    default_database: str = Field(
        default="neo4j",
        description="The Bolt server's default database (Neo4j's is neo4j): the namespace a "
        "client naming no database lands in, unless its key is limited to exactly one "
        "namespace (then that one). Created on first use by an admin key, or by a loopback "
        "client of a store without keys.",
    )
    tls_cert: Path | None = Field(
        default=None, description="PEM certificate chain; with tls_key, Bolt speaks TLS only."
    )
    tls_key: Path | None = Field(default=None, description="PEM private key of tls_cert.")
    max_message_bytes_before_auth: int = Field(
        default=8 * 1024,
        ge=1024,
        description="Largest Bolt message accepted before a connection has authenticated "
        "(HELLO, LOGON); counted chunk by chunk as it arrives, a larger one is refused with "
        "a FAILURE and the connection closed before the rest is read.",
    )
    max_message_bytes: int = Field(
        default=16 * 1024 * 1024,
        ge=1024,
        description="Largest Bolt message accepted from an authenticated connection (a RUN "
        "with its parameters); larger: a FAILURE and the connection closed, as before "
        "authentication.",
    )
    handshake_timeout_s: float = Field(
        default=5.0,
        gt=0,
        description="Seconds a Bolt connection has to authenticate after connecting (or "
        "after LOGOFF): the handshake, HELLO and LOGON together; then it is closed. A TLS "
        "handshake before that has as long again. Short, because a connection holds one of "
        "the few places for unauthenticated connections until then.",
    )
    idle_timeout_s: float = Field(
        default=3600.0,
        gt=0,
        description="Seconds an authenticated Bolt connection may take to send its next whole "
        "message, or to take in a reply, before it is closed (an open transaction is undone). "
        "Drivers retire pooled connections after an hour by default, before this closes them.",
    )
    transaction_idle_timeout_s: float = Field(
        default=30.0,
        gt=0,
        description="Seconds an explicit transaction (BEGIN) may wait for the client's next "
        "message, or for it to take in a reply; then it is rolled back, and the client's "
        "next message fails with Neo.ClientError.Transaction.TransactionTimedOut (the "
        "connection stays usable after RESET). A client that is not taking in replies is "
        "closed instead.",
    )
    max_connections: int = Field(
        default=400,
        ge=1,
        description="Most Bolt connections open at once; one more is closed as soon as it "
        "is accepted (drivers report the server unavailable and retry).",
    )
    max_connections_per_address: int = Field(
        default=200,
        ge=1,
        description="Most Bolt connections open at once from one client IP address, an IPv6 "
        "client counted by its /64 network (a driver's pool holds up to 100 by default); "
        "one more is closed as soon as accepted.",
    )
    max_unauthenticated_connections: int = Field(
        default=100,
        ge=1,
        description="Most Bolt connections open at once that have not authenticated yet "
        "(counted among max_connections; a connection leaves this count when its LOGON, or "
        "HELLO before Bolt 5.1, succeeds). One more is closed as soon as accepted, so that "
        "clients that never authenticate cannot take the places of those that do: keep it "
        "well below max_connections, the difference is what authenticated sessions are "
        "sure of.",
    )
    max_unauthenticated_connections_per_address: int = Field(
        default=50,
        ge=1,
        description="Most Bolt connections open at once from one client IP address (IPv6: "
        "one /64 network, as for max_connections_per_address) that have not authenticated "
        "yet; one more is closed as soon as accepted. A driver "
        "authenticates each new connection at once, so this bounds how many it opens "
        "together, not its pool (Graphiti opens about 31 at once when it declares its "
        "indexes).",
    )
