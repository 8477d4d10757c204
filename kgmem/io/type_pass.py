"""The first pass of an N-Triples / N-Quads import: each subject's label, in advance.

A statement can name a vertex as its object long before the statements about that
vertex come, its ``rdf:type`` among them. Created as an ``Entity`` then, the vertex
would have to move to its label's table under a new graph id when the type arrives,
and every edge, fact and claim that points at it be re-pointed: in a dump with forward
references that was the largest single cost of a load. So before the load, one quick
pass reads only the lines that mention ``rdf:type`` (a substring test; the rest are not
parsed) and records each subject's label in ``kgmem.import_type``; the load gives a
new vertex without a type in its batch the label recorded for it. The rows are on the
server, so the importer's memory stays flat however large the file is.

A type IRI written with escapes (``\\u0074ype``) is not seen by the pass; such a vertex
is moved as before, with the same end state.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

from kgmem.io.ntriples import RDF_TYPE, SyntaxProblem, parse_line
from kgmem.io.rdf_mapping import RdfMapper
from kgmem.io.readers import open_binary

STREAMED = ("ntriples", "nquads")
_TOKEN = "<" + RDF_TYPE + ">"


def type_rows(
    path: Path, fmt: str, mapper: RdfMapper, chunk: int = 50_000
) -> Iterator[list[tuple[str, int, str]]]:
    """(subject uid, line, label) of every ``rdf:type`` statement with an IRI object,
    in chunks. Lines that do not parse are left to the load, which reports them."""
    stream, _ = open_binary(path)
    rows: list[tuple[str, int, str]] = []
    quads = fmt == "nquads"
    name = mapper.label
    try:
        text = io.TextIOWrapper(stream, encoding="utf-8", errors="strict", newline="\n")
        number = 0
        try:
            for line in text:
                number += 1
                if _TOKEN not in line:
                    continue
                try:
                    q = parse_line(line.rstrip("\r\n"), number, quads=quads)
                except SyntaxProblem:
                    continue
                if q is None or q.p != RDF_TYPE or not isinstance(q.o, str):
                    continue
                if q.o.startswith("_:"):
                    continue
                rows.append((mapper.node(q.s), number, name(q.o)))
                if len(rows) >= chunk:
                    yield rows
                    rows = []
        except UnicodeDecodeError:
            pass  # the load stops at the same place and reports it
        if rows:
            yield rows
    finally:
        stream.close()
