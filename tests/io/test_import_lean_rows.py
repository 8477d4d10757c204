"""What the fast path writes per statement, kept small without changing answers: edge
maps without the null fact fields (read like the API's full ones), fact texts that name
an unnamed IRI endpoint by its local name (and that keyword search finds), and a finish
that analyses only the tables the load wrote."""

import json
from pathlib import Path

import asyncpg
import pytest

from kgmem import FactWrite, Memory
from kgmem.io.loader import ImportOptions
from kgmem.io.rdf_mapping import short_name
from kgmem.storage.bulk.copy_format import any_uid
from kgmem.storage.graph import namespaces
from kgmem.storage.indexes import keyword_search as kw

RES = "http://example.org/resource/"
ONT = "http://example.org/ontology/"
TRIPLES = f"""\
<{RES}Albert_Einstein> <{ONT}birthPlace> <{RES}Ulm> .
<{RES}Ulm> <{ONT}locatedIn> <{RES}Germany> .
<{RES}Marie> <{ONT}name> "Marie Curie" .
<{RES}Marie> <{ONT}birthPlace> <{RES}Warsaw> .
<{RES}Marie> <{ONT}spouse> _:pierre .
"""


async def imported(memory: Memory, namespace: str, tmp_path: Path) -> None:
    path = tmp_path / "people.nt"
    path.write_text(TRIPLES, encoding="utf-8")
    # "always": the indexes are dropped and rebuilt at the end, as in a large load.
    options = ImportOptions(report_dir=tmp_path, defer_indexes="always")
    report = await memory.import_file(namespace, path, options)
    assert report.edges_created == 4 and report.records_rejected == 0


def test_short_name_keeps_what_is_not_an_iri() -> None:
    assert short_name(RES + "Ulm") == "Ulm"
    assert short_name("http://example.org/vocab#Thing") == "Thing"
    assert short_name("urn:isbn:0451450523") == "0451450523"
    assert short_name("_:abc_b1") == "_:abc_b1"
    assert short_name("alice") == "alice"
    assert short_name("http://example.org/") == "http://example.org/"


async def test_fact_texts_name_unnamed_iris_by_local_name_and_keyword_search_finds_them(
    memory: Memory, namespace: str, tmp_path: Path, raw_conn: asyncpg.Connection
) -> None:
    await imported(memory, namespace, tmp_path)
    texts = {
        r["predicate"]: r["text"]
        for r in await raw_conn.fetch(f'SELECT predicate, text FROM "{namespace}"._kg_fact')
        if r["predicate"] != "birthPlace"
    }
    assert texts["locatedIn"] == "Ulm located in Germany"
    blank = next(r for r in await raw_conn.fetch(f'SELECT uid FROM "{namespace}"._kg_vertex')
                 if r["uid"].startswith("_:"))["uid"]  # fmt: skip
    assert texts["spouse"] == f"Marie Curie spouse {blank}"  # a name wins; blank nodes stay
    async with memory.database.transaction(readonly=True) as conn:
        ns = await namespaces.resolve(conn, namespace)
        ulm = await kw.search_facts(conn, ns, "Ulm", limit=10)
        born = await kw.search_facts(conn, ns, "birth place", limit=10)
        found = await raw_conn.fetch(
            f'SELECT id::text::bigint AS id, text FROM "{namespace}"._kg_fact '
            "WHERE id::text::bigint = ANY($1::bigint[])",
            [int(i) for i, _ in ulm + born],
        )
    by_id = {r["id"]: r["text"] for r in found}
    assert sorted(by_id[int(i)] for i, _ in ulm) == [
        "Albert_Einstein birth place Ulm",
        "Ulm located in Germany",
    ]
    assert sorted(by_id[int(i)] for i, _ in born) == [
        "Albert_Einstein birth place Ulm",
        "Marie Curie birth place Warsaw",
    ]


async def test_imported_edge_maps_leave_out_null_fields_and_read_like_api_ones(
    memory: Memory, namespace: str, tmp_path: Path, raw_conn: asyncpg.Connection
) -> None:
    await imported(memory, namespace, tmp_path)
    await memory.add_fact(namespace, FactWrite(RES + "Germany", "locatedIn", RES + "Ulm", uid="k"))
    rows = await raw_conn.fetch(
        f"SELECT * FROM ag_catalog.cypher('{namespace}', $$ MATCH ()-[r:locatedIn]->() "
        "RETURN r.uid, keys(r), r.valid_to IS NULL, r.confidence, r.text $$) "
        "AS (u agtype, k agtype, open agtype, c agtype, t agtype)"
    )
    got = {str(r["u"]).strip('"'): r for r in rows}
    imported_uid = next(u for u in got if u != "k")
    assert sorted(json.loads(str(got[imported_uid]["k"]))) == ["iri", "recorded_at", "text", "uid"]
    assert "valid_to" in str(got["k"]["k"])  # the API stores the null fields
    for r in got.values():  # Cypher reads both shapes alike
        assert str(r["open"]) == "true" and r["c"] is None and r["t"] is not None
    # kgmem reads, updates and closes an imported fact like an API-written one.
    fact = await memory.get_fact(namespace, imported_uid)
    assert fact.properties == {"iri": ONT + "locatedIn"}
    assert (fact.valid_from, fact.valid_to, fact.confidence) == (None, None, None)
    assert fact.text == "Ulm located in Germany"
    closed = await memory.close_fact(namespace, imported_uid)
    assert closed.expired_at is not None
    listed = await memory.list_facts(namespace)
    assert imported_uid not in {f.uid for f in listed.items}


async def test_the_finish_analyses_only_the_tables_the_load_wrote(
    memory: Memory, namespace: str, tmp_path: Path, raw_conn: asyncpg.Connection
) -> None:
    count = "SELECT relname, analyze_count FROM pg_stat_user_tables WHERE schemaname = $1"
    before = {r["relname"]: r["analyze_count"] for r in await raw_conn.fetch(count, namespace)}
    await imported(memory, namespace, tmp_path)
    tuples = {
        r["relname"]: r["reltuples"]
        for r in await raw_conn.fetch(
            "SELECT c.relname, c.reltuples FROM pg_class c JOIN pg_namespace n "
            "ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'r'",
            namespace,
        )
    }
    assert tuples["birthPlace"] == 2 and tuples["_kg_fact"] == 4 and tuples["Entity"] == 6
    after = {r["relname"]: r["analyze_count"] for r in await raw_conn.fetch(count, namespace)}
    assert after["birthPlace"] >= 1
    # Entity's table is made by the load (a namespace makes a label on its first use).
    assert after["_kg_fact"] > before["_kg_fact"] and after["Entity"] > before.get("Entity", 0)
    assert after["Source"] == before["Source"]  # a label the load did not use
    stats = {
        (r["tablename"], r["attname"])
        for r in await raw_conn.fetch(
            "SELECT tablename, attname FROM pg_stats WHERE schemaname = $1", namespace
        )
    }
    # Edge labels: their plain columns only; vertex labels: properties too.
    assert ("birthPlace", "start_id") in stats and ("birthPlace", "properties") not in stats
    assert ("Entity", "properties") in stats
    # Every index dropped for the load is back, those of empty tables too.
    missing = await raw_conn.fetchval(
        "SELECT count(*) FROM kgmem.deferred_index WHERE namespace = $1", namespace
    )
    assert missing == 0
    names = {
        r["indexname"]
        for r in await raw_conn.fetch(
            "SELECT indexname FROM pg_indexes WHERE schemaname = $1", namespace
        )
    }
    assert {"_kg_fact_text", "_ag_label_edge_start_id_idx", "_kg_claim_source"} <= names
    assert any(n.startswith("Source_uid_") for n in names)


@pytest.mark.parametrize("line", [f"<{RES}a> <{ONT}p> <{RES}b> <{RES}g> ."])
async def test_named_graph_statements_still_take_the_general_path(
    memory: Memory, namespace: str, tmp_path: Path, raw_conn: asyncpg.Connection, line: str
) -> None:
    path = tmp_path / "one.nq"
    path.write_text(line + "\n", encoding="utf-8")
    options = ImportOptions(report_dir=tmp_path, graph_names="sources")
    await memory.import_file(namespace, path, options)
    sources = await raw_conn.fetch(
        f'SELECT s.uid FROM "{namespace}"._kg_claim c JOIN "{namespace}"._kg_vertex s '
        "ON s.id = c.source_id"
    )
    assert [r["uid"] for r in sources] == [RES + "g"]


async def test_uids_holding_the_list_separator_are_looked_up_too(
    memory: Memory, namespace: str, tmp_path: Path
) -> None:
    # Batch look-ups send uids joined by U+001F; a uid holding it takes the text[] path.
    rows = [
        {"kind": "vertex", "uid": "a\x1fb", "label": "Person", "properties": {"name": "A"}},
        {"kind": "vertex", "uid": "c", "label": "Person", "properties": {"name": "C"}},
        {"kind": "edge", "uid": "e\x1f1", "label": "KNOWS", "start": "a\x1fb", "end": "c"},
    ]
    path = tmp_path / "sep.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    first = await memory.import_file(namespace, path, ImportOptions(report_dir=tmp_path))
    assert (first.vertices_created, first.edges_created) == (2, 1)
    # Another batch size: another load key, so every record is looked up again.
    again = await memory.import_file(
        namespace, path, ImportOptions(report_dir=tmp_path, batch_size=2)
    )
    assert (again.vertices_unchanged, again.edges_unchanged, again.records_rejected) == (2, 1, 0)
    facts = (await memory.list_facts(namespace)).items
    assert [(f.uid, f.subject, f.object) for f in facts] == [("e\x1f1", "a\x1fb", "c")]


@pytest.mark.parametrize(
    "uids",
    [["a", "b"], [""], ["", "x"], ["a\x1fb", "c"], []],
)
async def test_uid_lists_match_exactly_what_they_hold(memory: Memory, uids: list[str]) -> None:
    """The joined-text form of a uid list selects the same uids as the text[] form,
    including the lone empty uid that an empty joined text would lose."""
    match, param = any_uid(uids)
    probe = ["a", "b", "", "x", "a\x1fb", "c", "z"]
    async with memory.database.acquire() as conn:
        found = await conn.fetch(
            f"SELECT u FROM unnest($2::text[]) AS u WHERE u = {match}", param, probe
        )
    assert sorted(r["u"] for r in found) == sorted(set(uids) & set(probe))


async def test_a_batch_of_several_edge_labels_gives_each_edge_an_id_of_its_own_label(
    memory: Memory, namespace: str, tmp_path: Path, raw_conn: asyncpg.Connection
) -> None:
    """The graph ids of every edge label of a batch are reserved in one statement: each
    edge's id must carry its own label's id (AGE reads the label from the id) and come
    from that label's sequence, and its fact row must have the same id and predicate."""
    lines = [
        f"<{RES}n{i}> <{ONT}{('knows', 'likes', 'partOf')[i % 3]}> <{RES}n{(i * 7) % 50}> ."
        for i in range(300)
    ]
    path = tmp_path / "three.nt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = await memory.import_file(namespace, path, ImportOptions(report_dir=tmp_path))
    assert report.edges_created == 300
    labels = {
        r["name"]: r["id"]
        for r in await raw_conn.fetch(
            "SELECT l.name::text AS name, l.id FROM ag_catalog.ag_label l "
            "JOIN ag_catalog.ag_graph g ON g.graphid = l.graph WHERE g.name = $1",
            namespace,
        )
    }
    seen = 0
    for label in ("knows", "likes", "partOf"):
        rows = await raw_conn.fetch(
            f'SELECT e.id::text::bigint AS id, f.predicate FROM "{namespace}"."{label}" e '
            f'JOIN "{namespace}"._kg_fact f ON f.id = e.id'
        )
        assert len(rows) == 100
        assert {r["id"] >> 48 for r in rows} == {labels[label]}
        assert {r["predicate"] for r in rows} == {label}
        assert sorted(r["id"] & ((1 << 48) - 1) for r in rows) == list(range(1, 101))
        seen += len(rows)
        typed = await raw_conn.fetchval(
            f"SELECT count(*) FROM cypher('{namespace}', $$ MATCH ()-[r:{label}]->() "
            "RETURN r $$) AS (r agtype)"
        )
        assert typed == 100
    assert seen == 300
