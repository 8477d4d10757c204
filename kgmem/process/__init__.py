"""What every process of kgmem runs with, importable from every package: background
services (``periodic``), task groups, batching of queued calls (``gathering``), logs,
Prometheus metrics, and where the declarative files are (``resources``)."""
