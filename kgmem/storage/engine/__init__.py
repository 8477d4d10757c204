"""The database engine: connecting and pooling (``database``), the embedded PostgreSQL
(``embedded``, ``postmaster``), schema migrations, driver error translation, LISTEN and
the periodic services that run on their own connections (``periodic``), with the
supervisor, the watchdog, replicas and the prewarm a started server does."""
