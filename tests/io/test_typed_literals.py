"""Typed RDF numbers, dates and date-times compare as what they say: after an import,
Cypher reads numbers as numbers and dates as ISO 8601 text, and an export writes every
literal back with its exact lexical form and datatype."""

from pathlib import Path

from kgmem import Memory
from kgmem.io.exporter import ExportOptions
from kgmem.io.loader import ImportOptions

PEOPLE = """\
@prefix ex: <http://ex.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:ann ex:height "1.70"^^xsd:decimal ; ex:born "1999-05-01"^^xsd:date ;
    ex:seen "2024-01-02T03:04:05Z"^^xsd:dateTime ; ex:rank "007"^^xsd:int .
ex:bob ex:height "1.55"^^xsd:decimal ; ex:born "1990-12-31"^^xsd:date ;
    ex:seen "2023-06-30T00:00:00Z"^^xsd:dateTime ; ex:rank "12"^^xsd:int .
"""


async def _loaded(memory: Memory, namespace: str, tmp_path: Path) -> None:
    path = tmp_path / "people.ttl"
    path.write_text(PEOPLE)
    report = await memory.import_file(namespace, path, ImportOptions(report_dir=tmp_path))
    assert report.records_rejected == 0


async def _uids(memory: Memory, namespace: str, where: str) -> list[str]:
    found = await memory.cypher(namespace, f"MATCH (n) WHERE {where} RETURN n.uid ORDER BY n.uid")
    return [row[0] for row in found.rows]


async def test_typed_numbers_and_dates_compare_as_values(
    memory: Memory, namespace: str, tmp_path: Path
) -> None:
    await _loaded(memory, namespace, tmp_path)
    ann, bob = "http://ex.org/ann", "http://ex.org/bob"
    assert await _uids(memory, namespace, "n.height > 1.6") == [ann]
    assert await _uids(memory, namespace, "n.born < '1995-01-01'") == [bob]
    assert await _uids(memory, namespace, "n.seen >= '2024-01-01'") == [ann]
    assert await _uids(memory, namespace, "n.rank > 10") == [bob]
    assert await _uids(memory, namespace, "date(n.born).year = 1999") == [ann]


async def test_typed_literals_export_with_their_exact_form(
    memory: Memory, namespace: str, tmp_path: Path
) -> None:
    await _loaded(memory, namespace, tmp_path)
    chunks = [c async for c in memory.export(namespace, ExportOptions("ntriples"))]
    text = b"".join(chunks).decode()
    for literal in (
        '"1.70"^^<http://www.w3.org/2001/XMLSchema#decimal>',
        '"1999-05-01"^^<http://www.w3.org/2001/XMLSchema#date>',
        '"2024-01-02T03:04:05Z"^^<http://www.w3.org/2001/XMLSchema#dateTime>',
        '"007"^^<http://www.w3.org/2001/XMLSchema#int>',
    ):
        assert literal in text
