"""``python -m bench parsers``: how fast, and in how much memory, each RDF reader reads.

A generated graph of ``--triples`` statements (people with a type, a name, an age, a
language-tagged label and links, some through blank nodes) is written as N-Triples,
Turtle and RDF/XML. Each reader then reads each file in its own process, which
reports the seconds it took and its peak resident memory: kgmem's readers
(``kgmem.io.readers.read``: the line parser for N-Triples, pyoxigraph for the others,
statements converted to kgmem's terms), pyoxigraph on N-Triples too (through the same
conversion, ``kgmem.io.rdf_syntaxes``), and rdflib's ``Graph.parse`` (what the importer
used before for Turtle and RDF/XML, holding the whole file in memory). No database is
involved.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.machine import describe

SYNTAXES = {"ntriples": ".nt", "turtle": ".ttl", "rdfxml": ".rdf"}
RDFLIB = {"ntriples": "nt", "turtle": "turtle", "rdfxml": "xml"}


def generate(folder: Path, triples: int) -> dict[str, Path]:
    """The same graph in every syntax (written by pyoxigraph from N-Triples)."""
    import pyoxigraph as ox

    lines = []
    ex = "http://example.org/"
    for i in range(triples // 6 + 1):
        s = f"<{ex}person/{i}>"
        lines += [
            f"{s} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{ex}Person> .",
            f'{s} <{ex}name> "Person number {i}" .',
            f'{s} <{ex}age> "{20 + i % 60}"^^<http://www.w3.org/2001/XMLSchema#integer> .',
            f'{s} <{ex}label> "Personne {i}"@fr .',
            f"{s} <{ex}knows> <{ex}person/{(i * 7 + 1) % (triples // 6 + 1)}> .",
            f"{s} <{ex}address> _:a{i} .",
        ]
    data = ("\n".join(lines[:triples]) + "\n").encode()
    paths = {}
    for syntax, suffix in SYNTAXES.items():
        path = folder / f"graph{suffix}"
        if syntax == "ntriples":
            path.write_bytes(data)
        else:
            quads = ox.parse(data, format=ox.RdfFormat.N_TRIPLES)
            fmt = ox.RdfFormat.TURTLE if syntax == "turtle" else ox.RdfFormat.RDF_XML
            path.write_bytes(ox.serialize(quads, format=fmt) or b"")
        paths[syntax] = path
    return paths


def read_once(reader: str, syntax: str, path: Path) -> dict[str, float]:
    """Read ``path`` once in this process: seconds, statements, peak RSS in MiB."""
    started = time.perf_counter()
    if reader in ("kgmem", "pyoxigraph"):
        from kgmem.io.rdf_syntaxes import read_statements
        from kgmem.io.readers import open_binary, read

        stream, _ = open_binary(path)
        items = (
            read(path, syntax, stream, "http://example.org/")
            if reader == "kgmem"
            else read_statements(stream, syntax, "http://example.org/")
        )
        count = sum(1 for _ in items)
    else:
        import rdflib

        count = len(rdflib.Graph().parse(path, format=RDFLIB[syntax]))
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": round(seconds, 3), "statements": count, "peak_mib": round(peak, 1)}


def measure(reader: str, syntax: str, path: Path) -> dict[str, float]:
    """``read_once`` in a fresh process, so peak memory is the reader's own."""
    out = subprocess.run(
        [sys.executable, "-m", "bench.rdf_parsers", "--one", reader, syntax, str(path)],
        check=True,
        capture_output=True,
        text=True,
    )
    return dict(json.loads(out.stdout))


async def main(argv: list[str]) -> int:
    """Run the scenario and print its table as JSON lines."""
    parser = argparse.ArgumentParser(prog="python -m bench parsers")
    parser.add_argument("--triples", type=int, default=300_000)
    args = parser.parse_args(argv)
    print(json.dumps({"machine": describe(), "triples": args.triples}))
    with tempfile.TemporaryDirectory() as folder:
        paths = generate(Path(folder), args.triples)
        for syntax, path in paths.items():
            size = round(path.stat().st_size / 2**20, 1)
            readers = (
                ("kgmem", "pyoxigraph", "rdflib") if syntax == "ntriples" else ("kgmem", "rdflib")
            )
            for reader in readers:
                row = measure(reader, syntax, path)
                rate = round(row["statements"] / row["seconds"]) if row["seconds"] else 0
                print(json.dumps({"syntax": syntax, "file_mib": size, "reader": reader,
                                  **row, "statements_per_s": rate}))  # fmt: skip
    return 0


if __name__ == "__main__" and len(sys.argv) == 5 and sys.argv[1] == "--one":
    print(json.dumps(read_once(sys.argv[2], sys.argv[3], Path(sys.argv[4]))))
