"""The names of the formats kgmem reads and writes, apart from the code that does it
(the CLI names them in its help without loading the readers and writers)."""

FORMATS = ("ntriples", "nquads", "turtle", "trig", "jsonld", "rdfxml", "csv", "jsonl", "graphml")
"""Formats an import reads."""

MEDIA_TYPES = {
    "ntriples": "application/n-triples",
    "nquads": "application/n-quads",
    "turtle": "text/turtle",
    "trig": "application/trig",
    "jsonld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
    "csv": "text/csv",
    "jsonl": "application/x-ndjson",
    "graphml": "application/graphml+xml",
    "gexf": "application/gexf+xml",
    "cytoscape": "application/json",
}
"""Formats an export writes, with their media types."""

EXPORT_FORMATS = tuple(MEDIA_TYPES)

DUMP_VERSION = 2
"""The version of kgmem's JSON Lines dump, written on its first line
(``{"kind": "dump", "version": 2}``): 2 adds the ``revision`` lines (a fact's earlier
versions) and each edge's ``revised_at``. A file without that line is read as version 1;
an import refuses a version above this one."""
