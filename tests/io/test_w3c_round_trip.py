"""The W3C RDF 1.1 test suites present under ``shared/data/w3c-rdf-tests`` (the first
ancestor of this file that holds one): each suite's manifest names its tests.

- Evaluation tests (Turtle, TriG, RDF/XML): import then export is isomorphic to the
  expected N-Triples / N-Quads (rdflib's comparison; datasets as ``rdf_compare``
  flattens them).
- Positive syntax tests (N-Triples, N-Quads, Turtle, TriG): the import rejects
  nothing, and the export is isomorphic to the input as rdflib reads it.
- Negative syntax and negative evaluation tests: the import rejects the file.

Tests that cannot pass are listed in KNOWN_FAILURES with the reason; the suite asserts
they still fail, so a fix shows up as a test to un-list. ``python -m tests.io.w3c_counts``
prints the counts per suite."""

from pathlib import Path

import pytest
import rdflib

from kgmem import Memory
from kgmem.errors import ImportRejected, InvalidInput
from kgmem.io.exporter import ExportOptions
from kgmem.io.loader import ImportOptions
from tests.io.rdf_compare import dataset, same
from tests.io.w3c_suites import SUITES, Case, cases

NUL = "a literal holds U+0000, which PostgreSQL text (and so agtype) cannot store: rejected"
KNOWN_FAILURES: dict[str, str] = {
    "literal_all_controls": NUL,
    "LITERAL1_all_controls": NUL,
    "LITERAL1_ascii_boundaries": NUL,
    "LITERAL2_ascii_boundaries": NUL,
    "LITERAL_LONG1_ascii_boundaries": NUL,
    "LITERAL_LONG2_ascii_boundaries": NUL,
    "literal_ascii_boundaries": NUL,
}

# XML 1.0 cannot hold these characters: the RDF/XML export refuses the graph.
XML_CHARACTERS = (
    "XML 1.0 cannot hold U+0008, U+000C or U+000D as written: not exportable as RDF/XML"
)
KNOWN_EXPORT_FAILURES: dict[tuple[str, str], str] = {
    ("literal_with_BACKSPACE", "rdfxml"): XML_CHARACTERS,
    ("literal_with_FORM_FEED", "rdfxml"): XML_CHARACTERS,
}

CASES = cases()


async def _import(memory: Memory, namespace: str, case: Case, tmp_path: Path) -> int:
    """Records rejected by importing the case's action (a stop counts as one)."""
    options = ImportOptions(
        format=SUITES[case.suite].format, base_iri=case.base, report_dir=tmp_path, on_error="skip"
    )
    try:
        report = await memory.import_file(namespace, case.action, options)
    except ImportRejected:
        return 1
    return report.records_rejected


async def _export(memory: Memory, namespace: str, fmt: str) -> bytes:
    return b"".join([c async for c in memory.export(namespace, ExportOptions(fmt))])


def _expected(case: Case) -> rdflib.Graph:
    suite = SUITES[case.suite]
    text = case.expected.read_text(encoding="utf-8")
    if case.kind == "syntax":  # the input itself, as rdflib reads it
        return dataset(text, suite.format, case.base)
    return dataset(text, "nquads" if suite.dataset else "ntriples", case.base)


@pytest.mark.shared_data
@pytest.mark.skipif(not CASES, reason="shared/data/w3c-rdf-tests is not present")
@pytest.mark.parametrize("case", CASES, ids=[f"{c.suite}:{c.name}" for c in CASES])
async def test_w3c_case(memory: Memory, namespace: str, tmp_path: Path, case: Case) -> None:
    rejected = await _import(memory, namespace, case, tmp_path)
    known = case.name in KNOWN_FAILURES
    if case.kind == "negative":
        assert rejected > 0, f"{case.name}: a negative test was accepted"
        return
    if known:
        assert rejected > 0, f"{case.name} now loads: remove it from KNOWN_FAILURES"
        return
    assert rejected == 0, f"{case.name}: {rejected} records rejected"
    try:
        want = _expected(case)
    except Exception:  # rdflib cannot read it: the import's success is the test
        return
    for out in SUITES[case.suite].exports:
        if (case.name, out) in KNOWN_EXPORT_FAILURES:
            with pytest.raises(InvalidInput):
                await _export(memory, namespace, out)
            continue
        got = dataset(await _export(memory, namespace, out), out)
        assert same(got, want), f"{case.name} via {out}: got {sorted(got)} want {sorted(want)}"
