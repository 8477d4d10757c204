"""kgmem's settings, all in this package: ``config.Settings`` read from ``KGMEM_*``
environment variables, its larger sections in modules of their own
(``*_settings``), and what every section shares (``section``). A new setting is
declared here, with its help text."""
