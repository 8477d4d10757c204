"""Bolt, the protocol of Neo4j's drivers and tools, in front of kgmem's Cypher path."""

from kgmem.bolt.server import BoltServer

__all__ = ["BoltServer"]
