"""Cases written from the RDF 1.1 specifications (N-Triples, N-Quads, Turtle, TriG,
RDF/XML, JSON-LD 1.1): literals kept exactly as written, blank node labels valid in
every syntax, bad records rejected one by one with file, line and column, and the
syntaxes' negative cases refused."""

from pathlib import Path

import asyncpg
import pytest

from kgmem import Memory
from kgmem.errors import ImportRejected, InvalidInput
from kgmem.io.exporter import ExportOptions
from kgmem.io.loader import ImportOptions
from tests.io.rdf_compare import dataset, same

XSD = "http://www.w3.org/2001/XMLSchema#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"


async def exported(memory: Memory, ns: str, fmt: str) -> str:
    return b"".join([c async for c in memory.export(ns, ExportOptions(fmt))]).decode()


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# -- exact literals (RDF 1.1 Concepts 3.3: a literal is its lexical form) --------------

TURTLE_LITERALS = f"""\
@prefix : <http://example.org/> .
@prefix xsd: <{XSD}> .
@prefix rdf: <{RDF}> .
:s :int "01"^^xsd:integer ; :dbl 123.0e1 ; :dec 1.50 ; :bool "1"^^xsd:boolean ;
   :xml "<b  class='x'>bold</b> &amp; <i/>"^^rdf:XMLLiteral ; :plain "01" .
"""
EXPECTED_LEXICAL = {
    ("http://example.org/int", "01", XSD + "integer"),
    ("http://example.org/dbl", "123.0e1", XSD + "double"),
    ("http://example.org/dec", "1.50", XSD + "decimal"),
    ("http://example.org/bool", "1", XSD + "boolean"),
    ("http://example.org/xml", "<b  class='x'>bold</b> &amp; <i/>", RDF + "XMLLiteral"),
    ("http://example.org/plain", "01", None),
}


@pytest.mark.parametrize("out", ["ntriples", "turtle", "rdfxml", "jsonld", "nquads", "trig"])
async def test_literals_come_back_exactly_as_written(
    memory: Memory, namespace: str, tmp_path: Path, out: str
) -> None:
    await memory.import_file(namespace, write(tmp_path, "lit.ttl", TURTLE_LITERALS))
    assert _lexical(await exported(memory, namespace, out), out) == EXPECTED_LEXICAL


def _lexical(text: str, fmt: str) -> set[tuple[str, str, str | None]]:
    """(predicate, lexical form, datatype) of each statement. rdflib reads Turtle's bare
    numbers (``01``) through int, so Turtle and TriG are read by pyoxigraph here."""
    if fmt in ("turtle", "trig"):
        import pyoxigraph as ox

        syntax = ox.RdfFormat.TURTLE if fmt == "turtle" else ox.RdfFormat.TRIG
        terms = [(q.predicate.value, q.object) for q in ox.parse(text.encode(), format=syntax)]
        found = {(p, o.value, o.datatype.value) for p, o in terms}
    else:
        graph = dataset(text, fmt)
        found = {(str(p), str(o), str(o.datatype) if o.datatype else None) for _, p, o in graph}
    return {(p, lex, None if dt in (XSD + "string", None) else dt) for p, lex, dt in found}


async def test_rdfxml_xml_literal_round_trips_verbatim(
    memory: Memory, namespace: str, tmp_path: Path
) -> None:
    # RDF/XML 2.8: rdf:parseType="Literal" makes an rdf:XMLLiteral of the content.
    doc = (
        f'<rdf:RDF xmlns:rdf="{RDF}" xmlns:e="http://example.org/">'
        '<rdf:Description rdf:about="http://example.org/s">'
        '<e:p rdf:parseType="Literal"><b>x</b> y</e:p></rdf:Description></rdf:RDF>'
    )
    await memory.import_file(namespace, write(tmp_path, "x.rdf", doc))
    first = await exported(memory, namespace, "ntriples")
    again = f"t_{namespace}_2"[:30]
    await memory.create_namespace(again)
    try:
        await memory.import_file(again, write(tmp_path, "x.nt", first))
        assert await exported(memory, again, "ntriples") == first
        assert "XMLLiteral" in first and "<b" in first
    finally:
        await memory.delete_namespace(again)


def test_rdfxml_parse_type_literal_is_canonical_as_the_spec_example() -> None:
    # RDF/XML syntax specification, example 14 and its N-Triples.
    import pyoxigraph as ox

    from kgmem.io.rdf_syntaxes import canonical_xml

    doc = f"""<rdf:RDF xmlns:rdf="{RDF}" xmlns:ex="http://example.org/stuff/1.0/">
  <rdf:Description rdf:about="http://example.org/item01">
    <ex:prop rdf:parseType="Literal"
             xmlns:a="http://example.org/a#"><a:Box required="true">
         <a:widget size="10" />
         <a:grommit id="23" /></a:Box>
    </ex:prop>
  </rdf:Description>
</rdf:RDF>"""
    (quad,) = list(ox.parse(doc.encode(), format=ox.RdfFormat.RDF_XML))
    assert canonical_xml(quad.object.value) == (
        '<a:Box xmlns:a="http://example.org/a#" required="true">\n'
        '         <a:widget size="10"></a:widget>\n'
        '         <a:grommit id="23"></a:grommit></a:Box>\n    '
    )


# -- blank node labels (RDF/XML 2.10: rdf:nodeID is an XML name) --------------------------

BLANKS = """\
_:1abc <http://example.org/p> _:x-y.z .
_:x-y.z <http://example.org/q> "v" .
_:b.1 <http://example.org/p> _:1abc .
"""


@pytest.mark.parametrize("out", ["rdfxml", "turtle", "trig", "ntriples", "jsonld"])
async def test_blank_node_labels_are_valid_in_every_syntax(
    memory: Memory, namespace: str, tmp_path: Path, out: str
) -> None:
    await memory.import_file(namespace, write(tmp_path, "b.nt", BLANKS))
    text = await exported(memory, namespace, out)
    assert same(dataset(text, out), dataset(BLANKS, "ntriples"))
    if out == "rdfxml":
        assert 'rdf:nodeID="1' not in text


# -- bad records: per record, with file, line and column ---------------------------------

BAD_LINES = """\
<http://example.org/a> <http://example.org/p> "good" .
<http://example.org/a> <http://example.org/p> "lone \\uD800 surrogate" .
<http://example.org/a> <http://example.org/p> "past \\U00110000 the end" .
<http://example.org/a> <http://example.org/p> "nul \\u0000 here" .
<http://example.org/a> <http://example.org/p> <relative> .
<http://example.org/b> <http://example.org/p> "also good" .
"""


async def test_bad_code_points_are_rejected_per_line_with_column(
    memory: Memory, namespace: str, tmp_path: Path
) -> None:
    path = write(tmp_path, "bad.nt", BAD_LINES)
    report = await memory.import_file(
        namespace, path, ImportOptions(on_error="skip", report_dir=tmp_path)
    )
    assert (report.records_loaded, report.records_rejected) == (2, 4)
    where = [(e["line"], e.get("column")) for e in report.errors]
    assert where == [(2, 53), (3, 53), (4, 52), (5, 47)]
    assert "U+D800" in report.errors[0]["reason"]
    assert all(e["file"] == str(path) for e in report.errors)
    b = await memory.get_entity(namespace, "http://example.org/b")
    assert b.entity.properties["p"] == "also good"


async def test_stop_names_file_line_and_column(
    memory: Memory, namespace: str, tmp_path: Path
) -> None:
    path = write(tmp_path, "bad.nt", BAD_LINES)
    with pytest.raises(ImportRejected) as stopped:
        await memory.import_file(namespace, path, ImportOptions(report_dir=tmp_path))
    assert f"{path}, line 2, column 53" in stopped.value.detail
    assert "--on-error skip" in stopped.value.detail


TURTLE_ERROR = """\
@prefix : <http://example.org/> .
:a :p "one" .
:b :p "two" :extra .
:c :p "three" .
"""


async def test_turtle_syntax_error_ends_the_reading_and_says_so(
    memory: Memory, namespace: str, tmp_path: Path
) -> None:
    path = write(tmp_path, "bad.ttl", TURTLE_ERROR)
    report = await memory.import_file(
        namespace, path, ImportOptions(on_error="skip", report_dir=tmp_path)
    )
    assert report.records_rejected == 1
    error = report.errors[0]
    assert (error["line"], error["column"]) == (3, 13)
    assert error["file_not_read_past_it"] is True
    with pytest.raises(ImportRejected) as stopped:
        await memory.import_file(namespace, path, ImportOptions(report_dir=tmp_path))
    assert "line 3, column 13" in stopped.value.detail
    assert "cannot be read past it" in stopped.value.detail


async def test_json_lines_lone_surrogate_is_rejected_alone(
    memory: Memory, namespace: str, tmp_path: Path
) -> None:
    text = (
        '{"kind": "vertex", "uid": "a", "properties": {"name": "x\\ud800"}}\n'
        '{"kind": "vertex", "uid": "b", "properties": {"name": "fine"}}\n'
    )
    report = await memory.import_file(
        namespace, write(tmp_path, "v.jsonl", text), ImportOptions(on_error="skip")
    )
    assert (report.records_loaded, report.records_rejected) == (1, 1)
    assert report.errors[0]["line"] == 1


# -- negative syntax, from each grammar ----------------------------------------------------

P = "@prefix : <http://example.org/> .\n"
RDFXML = f'<rdf:RDF xmlns:rdf="{RDF}" xmlns:e="http://example.org/">%s</rdf:RDF>'
NEGATIVE = [
    # N-Quads 2: a graph label is an IRI or a blank node, absolute, and there is one.
    ("nq-literal-graph", ".nq", '<http://a.org/s> <http://a.org/p> <http://a.org/o> "g" .'),
    ("nq-relative-graph", ".nq", "<http://a.org/s> <http://a.org/p> <http://a.org/o> <g> ."),
    ("nq-two-graphs", ".nq", "<http://a.org/s> <http://a.org/p> <http://a.org/o> <http://g> <http://h> ."),  # noqa: E501
    ("nq-no-dot", ".nq", "<http://a.org/s> <http://a.org/p> <http://a.org/o> <http://g>"),
    # TriG 2: a graph's label is an IRI or blank node; graphs do not nest.
    ("trig-missing-object", ".trig", P + ":g { :a :b }"),
    ("trig-literal-label", ".trig", P + '"lit" { :a :b :c }'),
    ("trig-nested", ".trig", P + ":g { :a :b :c . :h { :d :e :f } }"),
    ("trig-graph-no-label", ".trig", P + "GRAPH { :a :b :c }"),
    ("trig-property-list-label", ".trig", P + "[ :p :o ] { :a :b :c }"),
    ("trig-dot-after-graph", ".trig", P + ":g { :a :b :c . } ."),
    ("trig-quad-in-triples", ".trig", P + ":a :b :c :d ."),
    ("trig-lone-surrogate", ".trig", P + '{ :a :b "x\\uD800" }'),
    # RDF/XML 5.1, 2.10: rdf:ID and rdf:nodeID are XML names; rdf:li is no attribute.
    ("xml-bad-id", ".rdf", RDFXML % '<rdf:Description rdf:ID="333-555"><e:p>x</e:p></rdf:Description>'),  # noqa: E501
    ("xml-bad-nodeid", ".rdf", RDFXML % '<rdf:Description rdf:nodeID="1a"><e:p>x</e:p></rdf:Description>'),  # noqa: E501
    ("xml-li-attribute", ".rdf", RDFXML % '<rdf:Description rdf:about="http://a" rdf:li="x"/>'),
    ("xml-unclosed", ".rdf", RDFXML % '<rdf:Description rdf:about="http://a"><e:p>x</e:p>'),
    # JSON-LD 1.1 9: keywords' values have fixed types; the document is JSON.
    ("jsonld-number-language", ".jsonld", '{"@id": "http://a", "http://p": {"@value": "x", "@language": 5}}'),  # noqa: E501
    ("jsonld-number-id", ".jsonld", '{"@id": 5, "http://p": "x"}'),
    ("jsonld-trailing-comma", ".jsonld", '[{"@id": "http://a", "http://p": "x"},]'),
    ("jsonld-remote-context", ".jsonld", '{"@context": "http://schema.org/", "name": "x"}'),
]  # fmt: skip


@pytest.mark.parametrize(("name", "suffix", "text"), NEGATIVE, ids=[n for n, _, _ in NEGATIVE])
async def test_negative_syntax_is_refused_with_a_position(
    memory: Memory, namespace: str, tmp_path: Path, name: str, suffix: str, text: str
) -> None:
    path = write(tmp_path, "neg" + suffix, text + "\n")
    with pytest.raises(ImportRejected) as stopped:
        await memory.import_file(namespace, path, ImportOptions(report_dir=tmp_path))
    if suffix in (".rdf", ".jsonld"):  # pyoxigraph places these errors nowhere
        assert "syntax error" in stopped.value.detail
    else:
        assert stopped.value.extra["line"] >= 1


# -- language-tagged names (flattened for Cypher and search) -----------------------------

NAMES = """\
@prefix : <http://example.org/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
:alice foaf:name "Alicia"@es, "Alice"@en-GB ; foaf:knows :bob .
:bob foaf:name "Bob"@de .
"""


@pytest.mark.parametrize("batch_size", [20_000, 1])
async def test_language_tagged_names_flatten_to_a_preferred_string(
    memory: Memory,
    namespace: str,
    tmp_path: Path,
    raw_conn: asyncpg.Connection,
    batch_size: int,
) -> None:
    path = write(tmp_path, "names.ttl", NAMES)
    await memory.import_file(namespace, path, ImportOptions(batch_size=batch_size))
    rows = await raw_conn.fetch(
        f"SELECT * FROM ag_catalog.cypher('{namespace}', $$ MATCH (p) WHERE p.name = 'Alice' "
        "RETURN p.uid $$) AS (u agtype)"
    )
    assert [str(r["u"]) for r in rows] == ['"http://example.org/alice"']
    bob = await memory.get_entity(namespace, "http://example.org/bob")
    assert bob.entity.properties["name"] == "Bob"  # no English name: the first one
    text = await raw_conn.fetchval(f'SELECT text FROM "{namespace}"._kg_fact')
    assert "Alice" in text  # a name, not a value object read as text
    if batch_size > 1:  # a fact's text names what its batch knows of the endpoints
        assert "Bob" in text
    # Every name is kept with its tag, and exported as imported.
    out = dataset(await exported(memory, namespace, "ntriples"), "ntriples")
    assert same(out, dataset(NAMES, "turtle"))


async def test_rdfxml_export_refuses_what_xml_cannot_write(
    memory: Memory, namespace: str, tmp_path: Path
) -> None:
    # RDF/XML 2.2: a predicate is written as an element, so its IRI must end in an XML name.
    text = "<http://example.org/s> <http://example.org/1> <http://example.org/o> .\n"
    await memory.import_file(namespace, write(tmp_path, "p.nt", text))
    with pytest.raises(InvalidInput, match="predicate"):
        await exported(memory, namespace, "rdfxml")
    assert "example.org/1" in await exported(memory, namespace, "turtle")


async def test_graphml_reject_names_the_element_not_a_line(
    memory: Memory, namespace: str, tmp_path: Path
) -> None:
    doc = """<graphml xmlns="http://graphml.graphdrawing.org/xmlns"><graph>
<node id="a"/><node id="b"/><edge id="e1" source="a"/>
</graph></graphml>"""
    report = await memory.import_file(
        namespace, write(tmp_path, "g.graphml", doc), ImportOptions(on_error="skip")
    )
    assert report.records_rejected == 1
    assert report.errors[0]["line"] == 0
    assert report.errors[0]["reason"].startswith("edge 3 (id 'e1'): ")
    assert "edge end is missing" in report.errors[0]["reason"]
