"""Where an import's batches come from: the file read, cut into batches and mapped to
operations in this process (``FileSource``, run in a thread), or in a second process
for large N-Triples and N-Quads files (``ProcessSource``, see ``kgmem.io.parse_worker``),
with the compact encoding that crosses the pipe between the two."""

from __future__ import annotations

import itertools
import marshal
import pickle
import struct
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from kgmem.io.formats import DEFAULT_EDGE_TYPE
from kgmem.io.graph_header import GraphHeader
from kgmem.io.ntriples import Quad
from kgmem.io.rdf_mapping import RdfMapper
from kgmem.io.rdf_readback import Readback
from kgmem.io.readers import CountingReader, Parsed, open_binary, read
from kgmem.io.rejects import Reject
from kgmem.storage.bulk import EdgeOp, RevisionOp, VertexOp


@dataclass
class Batch:
    """One batch of a file: its items mapped to vertex and edge operations, and the
    fact revisions of a JSON Lines dump (never read by the reading process)."""

    number: int
    items: int
    vertices: list[VertexOp]
    edges: list[EdgeOp]
    rejects: list[Reject]
    terms: list[tuple[str, str, str]]
    revisions: list[RevisionOp] = field(default_factory=list)
    header: GraphHeader | None = None
    """What the file says of its graph as a whole, in the batch that read it."""


class FileSource:
    """The file's items cut into batches and mapped to operations."""

    def __init__(
        self,
        items: Iterator[Parsed],
        mapper: RdfMapper,
        size: int,
        stream: IO[bytes] | None = None,
        counter: CountingReader | None = None,
        readback: Readback | None = None,
    ) -> None:
        self.items = items
        self.mapper = mapper
        self.readback = readback
        self.size = size
        self.number = 0
        self.stream = stream
        self.counter = counter

    @classmethod
    def open(
        cls,
        path: Path,
        fmt: str,
        base_iri: str | None,
        mapper: RdfMapper,
        size: int,
        edge_type: str = DEFAULT_EDGE_TYPE,
    ) -> FileSource:
        """The batches of the file at ``path``; a file in kgmem's own RDF vocabulary
        is read back whole (``kgmem.io.rdf_readback``)."""
        readback = Readback.of(path, fmt, base_iri)
        stream, counter = open_binary(path)
        try:
            items = read(path, fmt, stream, base_iri, edge_type)
        except BaseException:
            stream.close()
            raise
        if readback is not None:
            items = itertools.chain(items, readback.records(mapper))
        return cls(items, mapper, size, stream, counter, readback)

    def bytes_read(self) -> int:
        """Bytes of the file read so far."""
        return self.counter.count if self.counter else 0

    def close(self) -> None:
        """Close the file."""
        if self.stream is not None:
            self.stream.close()

    def next_batch(self) -> Batch | None:
        chunk = list(itertools.islice(self.items, self.size))
        if not chunk:
            return None
        vertices: dict[str, VertexOp] = {}
        edges: dict[str, EdgeOp] = {}
        quads: list[Quad] = []
        others: list[Parsed] = []
        for x in chunk:
            if type(x) is Quad:
                quads.append(x)
            else:
                others.append(x)
        if self.readback is not None:
            quads = self.readback.quads(quads, vertices, self.mapper)
        self.mapper.map(quads, vertices, edges)
        headers = [x for x in others if isinstance(x, GraphHeader)]
        rejects, revisions = _sort_records(others, vertices, edges)
        self.number += 1
        return Batch(
            self.number,
            len(chunk) - len(headers),
            list(vertices.values()),
            list(edges.values()),
            rejects,
            self.mapper.terms.take_fresh(),
            revisions,
            headers[-1] if headers else None,
        )


def _sort_records(
    others: list[Parsed], vertices: dict[str, VertexOp], edges: dict[str, EdgeOp]
) -> tuple[list[Reject], list[RevisionOp]]:
    """Add the record operations to ``vertices`` and ``edges``; the rejects and the
    revisions. A merging vertex operation of a vertex the batch has already (a
    placeholder of ``kgmem.io.rdf_readback``) is left out."""
    rejects: list[Reject] = []
    revisions: list[RevisionOp] = []
    for item in others:
        if isinstance(item, VertexOp):
            if not (item.merge and item.uid in vertices):
                vertices[item.uid] = item
        elif isinstance(item, EdgeOp):
            edges[item.uid] = item
        elif isinstance(item, RevisionOp):
            revisions.append(item)
        elif isinstance(item, Reject):
            rejects.append(item)
    return rejects, revisions


def encode_batch(batch: Batch | None, bytes_read: int) -> bytes:
    """A batch as the reading process sends it: its operations as plain tuples of
    built-in values, in ``marshal``'s format, cheaper to encode and to decode (building
    the operations again included) than pickling the operation objects."""
    if batch is None:
        return marshal.dumps((None, bytes_read))
    vertices = [(v.uid, v.label, v.properties, v.merge, v.line, v.location) for v in batch.vertices]
    edges = [
        (e.uid, e.label, e.start, e.end, e.properties, e.merge, e.line, e.sources, e.restore)
        for e in batch.edges
    ]
    rejects = [(r.line, r.reason, r.raw, r.column, r.ends_reading) for r in batch.rejects]
    body = (batch.number, batch.items, vertices, edges, rejects, batch.terms)
    return marshal.dumps((body, bytes_read))


def decode_batch(data: bytes) -> tuple[Batch | None, int]:
    """The batch and the bytes read that ``encode_batch`` wrote."""
    # Our own child process over a private pipe: trusted.
    body, bytes_read = marshal.loads(data)  # noqa: S302
    if body is None:
        return None, bytes_read
    number, items, vertices, edges, rejects, terms = body
    return Batch(
        number,
        items,
        [VertexOp(*v) for v in vertices],
        [EdgeOp(*e) for e in edges],
        [Reject(*r) for r in rejects],
        list(terms),
    ), bytes_read


PROCESS_FROM_BYTES = 64 << 20


class ProcessSource:
    """Batches read, parsed and mapped in a second process (N-Triples and N-Quads files
    of 8 MiB and more; see ``kgmem.io.parse_worker``), so that parsing and mapping the
    next batch runs on another core while this process writes the current one, instead
    of sharing this process's interpreter lock with it. The worker holds the mapper
    (its term registry and blank node prefix, as the type pass left them) and is held
    back by its pipe, so memory stays flat."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "kgmem.io.parse_worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self.read = 0
        self.done = False
        assert self.proc.stdout is not None
        self.out = self.proc.stdout

    def start(
        self, path: Path, fmt: str, base_iri: str | None, mapper: RdfMapper, size: int
    ) -> ProcessSource:
        """Have the worker read ``path``; returns this source."""
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(pickle.dumps((path, fmt, base_iri, mapper, size)))
            self.proc.stdin.close()
        except BrokenPipeError:
            pass  # it failed at once: next_batch reports why
        return self

    def next_batch(self) -> Batch | None:
        """The next batch (blocks: call it in a thread)."""
        if self.done:
            return None
        head = self.out.read(8)
        if len(head) < 8:
            self.proc.wait()
            assert self.proc.stderr is not None
            reason = self.proc.stderr.read().decode(errors="replace").strip().splitlines()
            raise RuntimeError(
                f"the import's reading process stopped (exit {self.proc.returncode}): "
                + (reason[-1] if reason else "no message")
            )
        (length,) = struct.unpack("<Q", head)
        batch, self.read = decode_batch(self.out.read(length))
        if batch is None:
            self.done = True
        return batch

    def bytes_read(self) -> int:
        """Bytes of the file the worker has read so far."""
        return self.read

    def close(self) -> None:
        """Stop the worker and collect it."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for pipe in (self.proc.stdout, self.proc.stderr):
            if pipe is not None:
                pipe.close()
