"""Which name-like predicate names an RDF entity follows one fixed precedence
(``kgmem.io.rdf_names.NAME_PREDICATES``), whatever order the statements arrive in: one
file in any order, or split over several imports into the same namespace. The export
writes each predicate back and no ``name`` statement of its own."""

from __future__ import annotations

import itertools
import uuid
from pathlib import Path

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kgmem import Memory
from kgmem.io.exporter import ExportOptions
from kgmem.io.loader import ImportOptions
from kgmem.io.rdf_mapping import VOCAB
from kgmem.io.rdf_names import NAME, NAME_PREDICATES
from tests.graph.test_invariants import Runner, store  # noqa: F401

EXAMPLES = 8
EX = "http://example.org/"
NAME_LIKE = [iri for iri, _ in NAME_PREDICATES if iri != VOCAB + NAME]
OTHER_NAMES = [EX + "name", "http://example.com/v#name"]  # local name "name": after the table
RANKED = [*NAME_LIKE, *OTHER_NAMES]  # "name__example_com_v" sorts before "name__example_org"
SUBJECTS = ("ann", "bö", "c-3")

Triple = tuple[str, str, str]


@st.composite
def triples(draw: st.DrawFn) -> list[Triple]:
    """Up to three subjects, each with some name-like predicates (one or two values)."""
    found = []
    for subject in draw(st.lists(st.sampled_from(SUBJECTS), min_size=1, unique=True)):
        for predicate in draw(st.lists(st.sampled_from(RANKED), unique=True)):
            values = draw(st.lists(st.text("abcxyzé ", min_size=1, max_size=5), min_size=1,
                                   max_size=2, unique=True))  # fmt: skip
            found.extend((EX + subject, predicate, f"{subject}:{v}") for v in values)
    return found


def expected(found: list[Triple]) -> dict[str, object]:
    """Each subject's name: the value of its highest-ranked name-like predicate (the
    list of its values in the order of their JSON text when it has several)."""
    ranked = [*NAME_LIKE, *reversed(OTHER_NAMES)]
    names: dict[str, object] = {}
    for subject, _, _ in found:
        said: dict[str, list[str]] = {}
        for s, p, v in found:
            if s == subject:
                said.setdefault(p, []).append(v)
        values = next((said[p] for p in ranked if p in said), None)
        ordered = None if values is None else sorted(values, key=orjson.dumps)
        names[subject] = ordered[0] if ordered and len(ordered) == 1 else ordered
    return names


def _ntriples(found: list[Triple]) -> str:
    return "".join(f'<{s}> <{p}> "{v}" .\n' for s, p, v in found)


async def _names(memory: Memory, ns: str, subjects: set[str]) -> dict[str, object]:
    found = {}
    for subject in subjects:
        entity = await memory.get_entity(ns, subject)
        found[subject] = entity.entity.properties.get(NAME)
    return found


async def _load(
    memory: Memory, found: list[Triple], parts: list[list[Triple]], batch: int, folder: Path
) -> None:
    ns = f"t_{uuid.uuid4().hex[:12]}"
    await memory.create_namespace(ns)
    try:
        for n, part in enumerate(parts):
            path = folder / f"{ns}_{n}.nt"
            path.write_text(_ntriples(part), encoding="utf-8")
            await memory.import_file(ns, path, ImportOptions(batch_size=batch, report_dir=folder))
        subjects = {s for s, _, _ in found}
        assert await _names(memory, ns, subjects) == expected(found)
        out = b"".join([c async for c in memory.export(ns, ExportOptions("ntriples"))])
        lines = sorted(out.decode().splitlines())
        assert lines == sorted(_ntriples(found).splitlines())  # no `name` of its own
    finally:
        await memory.delete_namespace(ns)


@st.composite
def arrivals(draw: st.DrawFn) -> tuple[list[Triple], list[list[Triple]], int]:
    """Triples, then the same triples shuffled and split over one to three imports."""
    found = draw(triples())
    shuffled = draw(st.permutations(found))
    cuts = sorted(draw(st.lists(st.integers(0, len(found)), max_size=2)))
    bounds = [0, *cuts, len(found)]
    parts = [list(shuffled[a:b]) for a, b in itertools.pairwise(bounds) if b > a]
    return found, parts or [[]], draw(st.sampled_from((1, 20_000)))


def test_any_order_and_split_of_the_triples_gives_the_same_names(
    store: tuple[Runner, Memory],  # noqa: F811
    tmp_path: Path,
) -> None:
    runner, memory = store

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(case=arrivals())
    def check(case: tuple[list[Triple], list[list[Triple]], int]) -> None:
        found, parts, batch = case
        runner.run(_load(memory, found, parts, batch, tmp_path))

    check()


async def test_a_higher_ranked_name_imported_later_renames_the_entity(
    memory: Memory, namespace: str, tmp_path: Path
) -> None:
    first, second = tmp_path / "a.nt", tmp_path / "b.nt"
    first.write_text(f'<{EX}x> <http://www.w3.org/2000/01/rdf-schema#label> "label" .\n')
    second.write_text(f'<{EX}x> <http://xmlns.com/foaf/0.1/name> "foaf" .\n')
    await memory.import_file(namespace, first, ImportOptions(report_dir=tmp_path))
    assert (await memory.get_entity(namespace, EX + "x")).entity.properties[NAME] == "label"
    await memory.import_file(namespace, second, ImportOptions(report_dir=tmp_path))
    props = (await memory.get_entity(namespace, EX + "x")).entity.properties
    assert (props[NAME], props["foaf_name"], props["rdfs_label"]) == ("foaf", "foaf", "label")
    # The first file again: nothing changes.
    await memory.import_file(namespace, first, ImportOptions(report_dir=tmp_path))
    assert (await memory.get_entity(namespace, EX + "x")).entity.properties == props
