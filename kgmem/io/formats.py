"""The names of the formats kgmem reads and writes, apart from the code that does it
(the CLI names them in its help without loading the readers and writers)."""

from kgmem.declarations.fact import CSV_DROPPED

FORMATS = (
    "ntriples",
    "nquads",
    "turtle",
    "trig",
    "jsonld",
    "rdfxml",
    "csv",
    "jsonl",
    "graphml",
    "gml",
)
"""Formats an import reads."""

DEFAULT_EDGE_TYPE = "RELATED_TO"
"""The relationship type of an imported edge that names none (a GraphML or GML edge
without a ``label``, a CSV row without ``:TYPE``, a JSON Lines edge without ``label``),
unless the import names another (``--edge-type``, the REST form field ``edge_type``)."""

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
    "gml": "text/x-gml",
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

_RDF_DROPS = ("revisions",)

DROPPED: dict[str, tuple[str, ...]] = {
    "jsonl": (),
    "graphml": ("revisions",),
    "gml": ("revisions",),
    "gexf": ("revisions", "import"),
    "cytoscape": ("location", "revisions", "import"),
    "csv": ("location", *CSV_DROPPED, "claims", "revisions"),
    **dict.fromkeys(("ntriples", "nquads", "turtle", "trig", "jsonld", "rdfxml"), _RDF_DROPS),
}  # fmt: skip
"""What kgmem loses when it exports in each format and imports the file again:
``location`` (a vertex's point), the fact fields ``valid_from``, ``valid_to``,
``recorded_at``, ``expired_at``, ``closed_by`` (which fact closed it), ``claims`` (in
force and withdrawn), ``revisions`` (a fact's earlier versions), and ``import`` (kgmem
does not read the format at all). The RDF syntaxes carry everything but the
revisions in kgmem's own vocabulary (``kgmem.io.rdf_vocab``). An export says it in the
``Kgmem-Dropped`` header (REST: the names comma-separated, ``none`` when nothing) and on
standard error (CLI); docs/import-export.md has the matrix."""
