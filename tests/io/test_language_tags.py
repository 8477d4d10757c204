"""Language tags: an import takes only tags every RDF syntax can write (well-formed
BCP 47) and names the line of any other; a tag already stored that the Turtle, TriG,
JSON-LD and RDF/XML writers cannot hold gets a clear 4xx, never a 500."""

from pathlib import Path

import httpx
import pytest

from kgmem import EntityWrite, Memory
from kgmem.errors import InvalidInput
from kgmem.io.exporter import ExportOptions
from kgmem.io.language_tags import language_problem
from kgmem.io.loader import ImportOptions
from tests.io.rdf_compare import dataset

RDF_FORMATS = ["ntriples", "nquads", "turtle", "trig", "jsonld", "rdfxml"]
WRITTEN_BY_PYOXIGRAPH = ["turtle", "trig", "jsonld", "rdfxml"]
NT = """\
<http://example.org/a> <http://example.org/label> "Ok"@en-GB .
<http://example.org/a> <http://example.org/note> "Aaa"@en-x-verylongtag .
<http://example.org/b> <http://example.org/label> "Auch"@de-CH-1996 .
<http://example.org/b> <http://example.org/note> "Bbb"@en-x .
"""


async def exported(memory: Memory, ns: str, fmt: str) -> str:
    return b"".join([c async for c in memory.export(ns, ExportOptions(fmt))]).decode()


@pytest.mark.parametrize(
    ("tag", "writable"),
    [("en", True), ("en-GB", True), ("x-abcdefgh", True), ("i-klingon", True),
     ("en-x-verylongtag", False), ("abcdefghi", False), ("en-x", False), ("en-1", False)],
)  # fmt: skip
def test_a_tag_is_writable_when_well_formed_bcp47(tag: str, writable: bool) -> None:
    assert (language_problem(tag) is None) is writable


async def test_import_names_the_lines_of_tags_no_writer_can_hold_and_every_export_succeeds(
    memory: Memory, namespace: str, tmp_path: Path
) -> None:
    path = tmp_path / "tags.nt"
    path.write_text(NT, encoding="utf-8")
    report = await memory.import_file(
        namespace, path, ImportOptions(on_error="skip", report_dir=tmp_path)
    )
    assert report.records_rejected == 2
    lines = NT.splitlines()
    columns = [lines[1].index("@en-x-") + 1, lines[3].index("@en-x") + 1]
    assert [(e["line"], e["column"]) for e in report.errors] == [(2, columns[0]), (4, columns[1])]
    assert "@en-x-verylongtag is not well-formed BCP 47" in report.errors[0]["reason"]
    assert "eight characters" in report.errors[0]["reason"]
    for fmt in RDF_FORMATS:
        kept = {str(o) for _, _, o in dataset(await exported(memory, namespace, fmt), fmt)}
        assert {"Ok", "Auch"} <= kept and not {"Aaa", "Bbb"} & kept, fmt


async def test_a_stored_tag_no_writer_can_hold_is_a_4xx_naming_it(
    memory: Memory, namespace: str, client: httpx.AsyncClient
) -> None:
    # As a store written before imports checked tags may hold.
    note = {"@value": "Aaa", "@language": "en-x-verylongtag"}
    await memory.upsert_entity(namespace, EntityWrite("a", "Thing", {"note": note}))
    for fmt in WRITTEN_BY_PYOXIGRAPH:
        with pytest.raises(InvalidInput, match=r"@en-x-verylongtag .*export as N-Triples"):
            await exported(memory, namespace, fmt)
        answer = await client.get(f"/v1/namespaces/{namespace}/export", params={"format": fmt})
        assert answer.status_code == 422, answer.text
        assert "en-x-verylongtag" in answer.json()["detail"]
    assert '"Aaa"@en-x-verylongtag' in await exported(memory, namespace, "ntriples")
