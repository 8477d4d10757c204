"""The W3C RDF 1.1 test suites: where they are, and each manifest's tests as cases."""

from dataclasses import dataclass
from pathlib import Path

import rdflib

MF = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
RDFT = rdflib.Namespace("http://www.w3.org/ns/rdftest#")


@dataclass(frozen=True)
class Suite:
    """One suite: kgmem's format for its files, whether it holds datasets, and the
    formats exported."""

    format: str
    dataset: bool
    exports: tuple[str, ...]
    kinds: dict[str, str]  # rdft test type local name -> eval / syntax / negative


SUITES = {
    "rdf-n-triples": Suite(
        "ntriples",
        False,
        ("ntriples", "turtle", "rdfxml"),
        {"TestNTriplesPositiveSyntax": "syntax", "TestNTriplesNegativeSyntax": "negative"},
    ),
    "rdf-n-quads": Suite(
        "nquads",
        True,
        ("nquads", "trig"),
        {"TestNQuadsPositiveSyntax": "syntax", "TestNQuadsNegativeSyntax": "negative"},
    ),
    "rdf-turtle": Suite(
        "turtle",
        False,
        ("ntriples", "turtle"),
        {
            "TestTurtleEval": "eval",
            "TestTurtlePositiveSyntax": "syntax",
            "TestTurtleNegativeSyntax": "negative",
            "TestTurtleNegativeEval": "negative",
        },
    ),
    "rdf-trig": Suite(
        "trig",
        True,
        ("nquads", "trig"),
        {
            "TestTrigEval": "eval",
            "TestTrigPositiveSyntax": "syntax",
            "TestTrigNegativeSyntax": "negative",
            "TestTrigNegativeEval": "negative",
        },
    ),
    "rdf-xml": Suite(
        "rdfxml",
        False,
        ("ntriples", "turtle"),
        {"TestXMLEval": "eval", "TestXMLNegativeSyntax": "negative"},
    ),
}


@dataclass(frozen=True)
class Case:
    """One test: its suite, name, kind, input, expected output and base IRI."""

    suite: str
    name: str
    kind: str
    action: Path
    expected: Path
    base: str


def data_folder() -> Path | None:
    """``shared/data/w3c-rdf-tests`` in the nearest ancestor folder that has one."""
    for parent in Path(__file__).resolve().parents:
        found = parent / "shared" / "data" / "w3c-rdf-tests"
        if found.is_dir():
            return found
    return None


def cases() -> list[Case]:
    """Every test of every suite present, sorted."""
    root = data_folder()
    if root is None:
        return []
    found: list[Case] = []
    for name, suite in SUITES.items():
        manifest = root / name / "manifest.ttl"
        if manifest.exists():
            found.extend(_suite_cases(name, suite, manifest))
    return sorted(found, key=lambda c: (c.suite, c.name))


def _suite_cases(name: str, suite: Suite, manifest: Path) -> list[Case]:
    folder = manifest.parent
    base = f"https://w3c.github.io/rdf-tests/rdf/rdf11/{name}/"
    graph = rdflib.Graph().parse(manifest, format="turtle", publicID=base + "manifest.ttl")
    found = []
    for kind_name, kind in suite.kinds.items():
        for test in graph.subjects(rdflib.RDF.type, RDFT[kind_name]):
            action_iri = str(graph.value(test, MF.action))
            relative = action_iri.removeprefix(base)
            result = graph.value(test, MF.result)
            expected = folder / str(result).removeprefix(base) if result else folder / relative
            found.append(
                Case(
                    name,
                    str(graph.value(test, MF.name)),
                    kind,
                    folder / relative,
                    expected,
                    base + relative,
                )
            )
    return found
