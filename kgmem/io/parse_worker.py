"""The reading process of a large N-Triples / N-Quads import (``python -m
kgmem.io.parse_worker``, started by ``kgmem.io.loader``).

It reads its arguments (path, format, base IRI, mapper, batch size) pickled from
stdin, then reads, parses and maps the file batch by batch and writes each batch,
to its stdout: an 8-byte length, then ``(batch, bytes read)`` as
``kgmem.io.batches.encode_batch`` writes it (plain tuples in ``marshal``'s format);
``(None, bytes read)`` ends the stream. The pipe's capacity holds it back while the
importer writes (so at most about one batch waits, and memory stays flat), and it
exits when the importer stops reading or dies (the pipe breaks). Anything printed by
the libraries goes to stderr, which the importer reports if the worker fails. The
garbage collector runs as in the importer during a load (``relaxed_collection``).
"""

from __future__ import annotations

import gc
import os
import pickle
import struct
import sys
from typing import IO

from kgmem.io.batches import FileSource, encode_batch
from kgmem.io.collector import relaxed_collection

LENGTH = struct.Struct("<Q")


def main() -> None:
    """Serve one file's batches on stdout."""
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # a stray print must not corrupt the stream
    # Written by the importer that started this process: trusted.
    path, fmt, base_iri, mapper, size = pickle.load(sys.stdin.buffer)  # noqa: S301
    # What is loaded so far lives as long as the process: out of the collector's way.
    gc.freeze()
    with relaxed_collection():
        _serve(FileSource.open(path, fmt, base_iri, mapper, size), out)


def _serve(source: FileSource, out: IO[bytes]) -> None:
    try:
        while True:
            batch = source.next_batch()
            data = encode_batch(batch, source.bytes_read())
            out.write(LENGTH.pack(len(data)))
            out.write(data)
            out.flush()
            if batch is None:
                return
    except BrokenPipeError:
        return  # the importer stopped reading
    finally:
        source.close()


if __name__ == "__main__":
    main()
