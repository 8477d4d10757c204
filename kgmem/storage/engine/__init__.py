"""The database engine, at the bottom of storage: connection strings (``conninfo``),
the embedded PostgreSQL (``embedded``, ``postmaster``), schema migrations, driver
error translation, failover detection, backends and the prewarm a started server
does. It imports nothing of storage but the row helpers; the pool that carries the
graph's caches is ``kgmem.storage.pool``."""
