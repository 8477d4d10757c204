"""Migrations apply in file order, stores at any shipped revision reach the head, and
the status reports what is left to run."""

from __future__ import annotations

import ast
import itertools
from pathlib import Path

import pytest

from kgmem.errors import StorageError
from kgmem.process.resources import resource_dir
from kgmem.storage.engine import migrate
from tests.fixtures.database import NewDatabase


def _declared(path: Path) -> tuple[str, str | None]:
    """The revision and down_revision a migration file assigns."""
    values: dict[str, str | None] = {}
    for node in ast.parse(path.read_text()).body:
        target = node.targets[0] if isinstance(node, ast.Assign) else None
        if isinstance(target, ast.Name) and target.id in ("revision", "down_revision"):
            values[target.id] = ast.literal_eval(node.value)  # type: ignore[union-attr]
    return str(values["revision"]), values["down_revision"]


def test_files_sort_in_the_order_the_migrations_apply() -> None:
    files = sorted((resource_dir("migrations") / "versions").glob("[0-9]*.py"))
    chain = [_declared(f) for f in files]
    assert chain[0][1] is None
    for (previous, _), (_, down) in itertools.pairwise(chain):
        assert down == previous, f"{down} should be {previous}: rename the files"
    assert [r.file for r in migrate.revisions()] == [f.name for f in files]
    assert chain[-1][0] == migrate.head_revision()


async def test_an_empty_database_has_every_migration_pending(fresh_database: NewDatabase) -> None:
    url = await fresh_database(migrated=False)
    found = migrate.status(url)
    assert found.current is None
    assert [r.id for r in found.pending] == [r.id for r in migrate.revisions()]
    migrate.upgrade(url)
    done = migrate.status(url)
    assert done.current == done.head == migrate.head_revision()
    assert done.pending == ()


@pytest.mark.parametrize("index", [1, 4, 6])
async def test_a_store_at_an_older_revision_upgrades_in_order(
    fresh_database: NewDatabase, index: int
) -> None:
    ordered = migrate.revisions()
    url = await fresh_database(migrated=False)
    migrate.upgrade(url, ordered[index].id)
    found = migrate.status(url)
    assert found.current == ordered[index].id
    assert [r.id for r in found.pending] == [r.id for r in ordered[index + 1 :]]
    migrate.upgrade(url)
    assert migrate.status(url).pending == ()


async def test_a_store_at_head_stays_at_head(fresh_database: NewDatabase) -> None:
    url = await fresh_database(migrated=False)
    migrate.upgrade(url)
    head = migrate.current_revision(url)
    migrate.upgrade(url)
    assert migrate.current_revision(url) == head == migrate.head_revision()


async def test_a_revision_from_a_newer_kgmem_is_named(fresh_database: NewDatabase) -> None:
    import psycopg

    url = await fresh_database(migrated=False)
    migrate.upgrade(url)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("UPDATE kgmem_alembic_version SET version_num = '9999_later'")
    with pytest.raises(StorageError, match="9999_later"):
        migrate.status(url)


# What stores record (kgmem_alembic_version): ids never change once shipped, even when
# their files are renamed, or those stores would no longer find their place.
SHIPPED = [
    "0001",
    "0100_issue6_consensus",
    "0105_issue5_ingest",
    "0400_issue4_retrieval",
    "0700_issue7_cypher_reader",
    "0300_issue3_imports",
    "0800_issue8_events",
    "0310_issue3_type_pass",
    "0900_text_index_locks",
]


def test_shipped_revision_ids_keep_their_order() -> None:
    ids = [r.id for r in migrate.revisions()]
    assert ids[: len(SHIPPED)] == SHIPPED


async def test_the_keyword_index_migration_indexes_the_rows_already_there(
    fresh_database: NewDatabase, tmp_path: Path
) -> None:
    """A store whose namespaces predate migration 0018 (its rows indexed the earlier
    way) comes out of it with every row found by keyword search and exact statistics."""
    from kgmem import BatchWrite, EntityWrite, FactWrite, Memory
    from kgmem.model import AxisWeights, SearchQuery
    from tests.fixtures.database import store_settings

    url = await fresh_database(migrated=False)
    words = [f"zq{chr(97 + i)}word" for i in range(12)]
    memory = await Memory.open(store_settings(url, tmp_path))
    try:
        await memory.create_namespace("before_kw")
        await memory.write_batch(
            "before_kw",
            BatchWrite(
                entities=[EntityWrite(f"e{i}", "Note", {"name": w}) for i, w in enumerate(words)],
                facts=[FactWrite("e0", "LINKS", "e1", text="zqlinkword")],
            ),
        )
    finally:
        await memory.close()
    migrate.downgrade(url, "0017_cypher_temporal")
    migrate.upgrade(url)
    memory = await Memory.open(store_settings(url, tmp_path))
    try:
        only = AxisWeights(keyword=1, vector=0, temporal=0, spatial=0, causal=0, graph=0)
        for i, word in enumerate(words):
            found = await memory.search("before_kw", SearchQuery(text=word, weights=only, k=1))
            assert [h.uid for h in found.hits] == [f"e{i}"], word
        facts = await memory.search(
            "before_kw", SearchQuery(text="zqlinkword", weights=only, types=("facts",))
        )
        assert len(facts.hits) == 1
        assert all(check.ok for check, _ in await memory.check_keyword_index("before_kw"))
        assert (await memory.get_namespace("before_kw")).text_config == "english"
    finally:
        await memory.close()


async def test_the_closer_migration_lets_forgetting_reopen_what_was_closed_before_it(
    fresh_database: NewDatabase, tmp_path: Path
) -> None:
    """A fact superseded before migration 0020 gets the newer value as its closer, so
    deleting that value afterwards makes the former one hold again."""
    from datetime import UTC, datetime

    from kgmem import BatchWrite, EntityWrite, FactWrite, Memory
    from tests.fixtures.database import store_settings

    url = await fresh_database(migrated=False)
    jan, mar = datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 3, 1, tzinfo=UTC)
    memory = await Memory.open(store_settings(url, tmp_path))
    try:
        await memory.create_namespace("before_closers")
        people = [EntityWrite(u, "Entity", {"name": u}) for u in ("maya", "porto", "faro")]
        await memory.write_batch("before_closers", BatchWrite(entities=people))
        await memory.add_fact(
            "before_closers", FactWrite("maya", "LIVES_IN", "porto", uid="porto", valid_from=jan)
        )
        await memory.add_fact(
            "before_closers", FactWrite("maya", "LIVES_IN", "faro", uid="faro", valid_from=mar)
        )
    finally:
        await memory.close()
    migrate.downgrade(url, "0019_key_changes")
    migrate.upgrade(url)
    memory = await Memory.open(store_settings(url, tmp_path))
    try:
        assert (await memory.get_fact("before_closers", "porto")).valid_to == mar
        await memory.delete_fact("before_closers", "faro")
        porto = await memory.get_fact("before_closers", "porto")
        assert (porto.valid_to, porto.expired_at) == (None, None)
    finally:
        await memory.close()


async def test_the_edge_end_migration_indexes_relationship_tables_already_there(
    fresh_database: NewDatabase, tmp_path: Path
) -> None:
    """A store from before migration 0042 gets the ``start_id(r)`` / ``end_id(r)``
    indexes on every relationship table, a label AGE made by itself included; going
    down drops them again."""
    import asyncpg

    from kgmem import Memory
    from tests.fixtures.database import store_settings

    url = await fresh_database(migrated=False)
    memory = await Memory.open(store_settings(url, tmp_path))
    try:
        await memory.create_namespace("before_ends")
        await memory.cypher(
            "before_ends", "CREATE (:A {k: 1})-[:SELF_MADE]->(:A {k: 2})", mode="write"
        )
    finally:
        await memory.close()
    query = (
        "SELECT count(*) FROM pg_indexes WHERE schemaname = 'before_ends' "
        "AND tablename = 'SELF_MADE' AND indexdef LIKE '%age_%_id(%'"
    )
    migrate.downgrade(url, "0041_claim_statements")
    conn = await asyncpg.connect(url)
    try:
        assert await conn.fetchval(query) == 0
        migrate.upgrade(url)
        assert await conn.fetchval(query) == 2  # age_start_id and age_end_id
        migrate.downgrade(url, "0041_claim_statements")
        assert await conn.fetchval(query) == 0
        migrate.upgrade(url)
    finally:
        await conn.close()


async def test_the_own_words_migration_indexes_the_stored_texts_again(
    fresh_database: NewDatabase, tmp_path: Path
) -> None:
    """Migration 0043 lays out the stored texts of episodes with a context anew (their
    own text, then the context) and computes every text's lexemes again under the new
    weighing (a word of a text without context counts twice, of a context once),
    statistics included; going down counts each word once again."""
    from datetime import UTC, datetime, timedelta

    import asyncpg

    from kgmem import BatchWrite, EntityWrite, Memory
    from kgmem.embedding.text import CONTEXT_SEPARATOR
    from kgmem.ingest import EpisodeWrite
    from kgmem.storage.indexes import text_index
    from tests.fixtures.database import store_settings

    url = await fresh_database(migrated=False)
    memory = await Memory.open(store_settings(url, tmp_path))
    t0 = datetime(2024, 5, 1, tzinfo=UTC)
    turns = [
        EpisodeWrite(text=t, uid=f"t{i}", reference_time=t0 + timedelta(seconds=i), session="s")
        for i, t in enumerate(["Where do you play?", "The violin, in a harbour band."])
    ]
    try:
        await memory.create_namespace("before_own")
        batch = BatchWrite(entities=[EntityWrite("v", "Note", {"text": "violin"})])
        await memory.write_batch("before_own", batch)
        await memory.add_episodes("before_own", turns)
    finally:
        await memory.close()
    side = "before_own._kg_vertex"
    tf = (
        f"SELECT cardinality((u).positions) FROM {side} s, unnest(s.tsv) u "
        "WHERE s.uid = $1 AND (u).lexeme = $2"
    )
    conn = await asyncpg.connect(url)
    try:
        migrate.downgrade(url, "0042_edge_end_indexes")
        await conn.execute('SET search_path = ag_catalog, "$user", public')
        # The layout a kgmem before 0043 wrote: the context, then the turn.
        await conn.execute(
            f"UPDATE {side} SET text = $1 WHERE uid = 't1'",
            f"{turns[0].text}\n{turns[1].text}",
        )
        uid = "t1"
        assert await conn.fetchval(tf, "v", "violin") == 1
        assert await conn.fetchval(tf, uid, "play") == 1
        migrate.upgrade(url)
        assert await conn.fetchval(f"SELECT text FROM {side} WHERE uid = $1", uid) == (
            f"{turns[1].text}{CONTEXT_SEPARATOR}{turns[0].text}"
        )
        assert await conn.fetchval(tf, "v", "violin") == 2
        assert await conn.fetchval(tf, uid, "violin") == 2  # its own word
        assert await conn.fetchval(tf, uid, "play") == 1  # a word of its context
        assert all(c.ok for c in await text_index.check(conn, "before_own"))
        migrate.downgrade(url, "0042_edge_end_indexes")
        assert await conn.fetchval(tf, uid, "violin") == 1
        assert all(c.ok for c in await text_index.check(conn, "before_own"))
        migrate.upgrade(url)
    finally:
        await conn.close()


Definitions = list[tuple[str, str] | None]


def _round_trip(
    url: str, before: str, revision: str, functions: tuple[str, ...]
) -> tuple[Definitions, Definitions]:
    """The ``functions``' definitions and grants at revision ``before`` and at
    ``revision``, having checked that ``revision``'s downgrade puts back ``before``'s
    byte for byte; the store is left at head."""
    migrate.upgrade(url, before)
    earlier = _definitions(url, functions)
    migrate.upgrade(url, revision)
    later = _definitions(url, functions)
    migrate.downgrade(url, before)
    assert _definitions(url, functions) == earlier
    migrate.upgrade(url)
    return earlier, later


def _definitions(url: str, functions: tuple[str, ...]) -> Definitions:
    """Each function's definition and grants (None for one that does not exist)."""
    import psycopg

    query = "SELECT pg_get_functiondef(oid), proacl::text FROM pg_proc WHERE oid = %s::regprocedure"
    with psycopg.connect(url, autocommit=True) as conn:
        return [conn.execute(query, (f,)).fetchone() for f in functions]


async def test_the_entity_helper_migration_puts_back_the_functions_it_replaced(
    fresh_database: NewDatabase,
) -> None:
    """0055 has ``relabel`` and ``stored`` call ``_entity_now``; its downgrade restores
    their bodies as 0054 left them, byte for byte, and their grants."""
    agtype = "ag_catalog.agtype"
    functions = (
        f"kgmem_cypher.relabel({agtype}, {agtype}, {agtype})",
        f"kgmem_cypher.stored({agtype})",
    )

    url = await fresh_database(migrated=False)
    before, after = _round_trip(
        url, "0054_cypher_value_type", "0055_cypher_dynamic_properties", functions
    )
    assert all(row is not None and "kgmem_cypher._entity_now(" in row[0] for row in after)
    assert [row and row[1] for row in after] == [row and row[1] for row in before]


async def test_the_apoc_merge_migration_puts_back_the_lookups_it_replaced(
    fresh_database: NewDatabase,
) -> None:
    """0058 has ``apoc_merge_node`` and ``apoc_merge_relationship`` look their element up
    by equalities; its downgrade restores their bodies as 0057 left them, byte for byte,
    and their grants."""
    agtype = "ag_catalog.agtype"
    functions = (
        f"kgmem_neo4j.apoc_merge_node({', '.join([agtype] * 4)})",
        f"kgmem_neo4j.apoc_merge_relationship({', '.join([agtype] * 6)})",
    )

    url = await fresh_database(migrated=False)
    before, after = _round_trip(
        url, "0057_runtime_label_rule", "0058_apoc_merge_equality", functions
    )
    assert all(row is not None and "t.properties @>" in row[0] for row in before)
    assert all(row is not None and "t.properties @>" not in row[0] for row in after)
    assert all(row is not None and "_apoc_key_filter(" in row[0] for row in after)
    assert [row and row[1] for row in after] == [row and row[1] for row in before]


@pytest.mark.parametrize(
    ("before_it", "score_table", "added"),
    [
        (
            "0059_apoc_merge_writes",
            "_kg_source_score",
            ["names_false_positive", "names_sensitivity"],
        ),
        ("0064_cypher_type_predicates", "_kg_fact_score", ["estimate"]),
    ],
    ids=["0060 names rates", "0065 fact estimates"],
)
async def test_a_score_column_migration_adds_its_columns_to_every_namespace(
    fresh_database: NewDatabase, tmp_path: Path, before_it: str, score_table: str, added: list[str]
) -> None:
    """0060 (the names model's two rates of a source) and 0065 (a fact's estimate) give
    the score table of a namespace that was there before them their columns (and a
    namespace made after, through the function); each downgrade drops them and
    restores the function byte for byte."""
    import psycopg

    from kgmem import Memory
    from tests.fixtures.database import store_settings

    def columns(namespace: str) -> list[str]:
        with psycopg.connect(url, autocommit=True) as conn:
            found = conn.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = %s "
                "AND table_name = %s AND column_name = ANY(%s) ORDER BY column_name",
                (namespace, score_table, added),
            ).fetchall()
        return [name for (name,) in found]

    async def made(namespace: str) -> None:
        memory = await Memory.open(store_settings(url, tmp_path))
        try:
            await memory.create_namespace(namespace)
        finally:
            await memory.close()

    function = ("kgmem.create_verification_tables(text)",)
    url = await fresh_database(migrated=False)
    migrate.upgrade(url, before_it)
    before = _definitions(url, function)
    migrate.upgrade(url)
    await made("made_before")
    assert columns("made_before") == added
    migrate.downgrade(url, before_it)
    assert columns("made_before") == []
    assert _definitions(url, function) == before
    migrate.upgrade(url)
    await made("made_after")
    assert columns("made_before") == columns("made_after") == added


async def test_the_boolean_addition_migration_puts_back_the_sum_it_replaced(
    fresh_database: NewDatabase,
) -> None:
    """0062 has ``kgmem_cypher.arith`` add through the checked ``+``; its downgrade
    restores the body 0025 wrote, byte for byte, and its grants."""
    agtype = "ag_catalog.agtype"
    function = (f"kgmem_cypher.arith({agtype}, {agtype}, {agtype})",)
    url = await fresh_database(migrated=False)
    _, [after] = _round_trip(
        url, "0061_cypher_string_functions", "0062_cypher_boolean_addition", function
    )
    assert after is not None and "kgmem_cypher.add(a, b)" in after[0]


async def test_the_long_overflow_migration_puts_back_the_sums_it_replaced(
    fresh_database: NewDatabase,
) -> None:
    """0063 has ``kgmem_cypher.add`` check for overflow and ``kgmem_cypher.arith``
    subtract through the checked ``-``; its downgrade restores both bodies as 0062 left
    them, byte for byte, and their grants, and drops the operators it made."""
    import psycopg

    agtype = "ag_catalog.agtype"
    functions = (
        f"kgmem_cypher.add({agtype}, {agtype})",
        f"kgmem_cypher.arith({agtype}, {agtype}, {agtype})",
    )
    url = await fresh_database(migrated=False)
    before, after = _round_trip(
        url, "0062_cypher_boolean_addition", "0063_cypher_long_overflow", functions
    )
    add, arith = after
    assert add is not None and "kgmem_cypher._exact(a, b, '+')" in add[0]
    assert arith is not None and "kgmem_cypher.subtract(a, b)" in arith[0]
    assert [row and row[1] for row in after] == [row and row[1] for row in before]
    migrate.downgrade(url, "0062_cypher_boolean_addition")
    with psycopg.connect(url, autocommit=True) as conn:
        operators = conn.execute(
            "SELECT oprname FROM pg_operator WHERE oprnamespace = 'kgmem_cypher'::regnamespace "
            "ORDER BY oprname"
        ).fetchall()
    assert [name for (name,) in operators] == ["+", "/", "||"]
    migrate.upgrade(url)


async def test_the_type_predicate_migration_drops_what_it_made(
    fresh_database: NewDatabase,
) -> None:
    """0064 makes ``kgmem_cypher.is_typed`` and its helpers, and has 0054's
    ``_value_type`` call the classification it moved into ``_base_type``; its downgrade
    drops them and restores ``_value_type`` byte for byte."""
    agtype = "ag_catalog.agtype"
    functions = [
        f"kgmem_cypher.is_typed({agtype}, {agtype})",
        f"kgmem_cypher._typed({agtype}, jsonb)",
        "kgmem_cypher._base_type(text)",
    ]

    def present() -> list[bool]:
        return _present(url, functions)

    url = await fresh_database(migrated=False)
    value_type = (f"kgmem_cypher._value_type({agtype})",)
    [before], [after] = _round_trip(
        url, "0063_cypher_long_overflow", "0064_cypher_type_predicates", value_type
    )
    assert before is not None and "kgmem_cypher._base_type(t)" not in before[0]
    assert after is not None and "base := kgmem_cypher._base_type(t);" in after[0]
    assert present() == [True, True, True]
    migrate.downgrade(url, "0063_cypher_long_overflow")
    assert present() == [False, False, False]
    migrate.upgrade(url)


def _present(url: str, functions: list[str]) -> list[bool]:
    """Whether each function (with its argument types) exists."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        query = "SELECT to_regprocedure(f) IS NOT NULL FROM unnest(%s::text[]) AS f"
        return [found for (found,) in conn.execute(query, (functions,)).fetchall()]


async def test_the_write_target_migration_drops_what_it_made(
    fresh_database: NewDatabase,
) -> None:
    """0066 makes the checks of what a writing clause writes to, of a SET's map and of a
    slice's bounds; its downgrade drops them."""
    agtype = "ag_catalog.agtype"
    functions = [
        f"kgmem_cypher.written({agtype}, {agtype})",
        f"kgmem_cypher.endpoint({agtype}, {agtype})",
        f"kgmem_cypher.written_each({agtype}, {agtype}, {agtype})",
        f"kgmem_cypher.settable({agtype}, {agtype})",
        f"kgmem_cypher.slice_bound({agtype})",
        f"kgmem_cypher._type_error(text, {agtype})",
    ]
    url = await fresh_database(migrated=False)
    migrate.upgrade(url, "0066_cypher_write_targets")
    assert _present(url, functions) == [True] * 6
    migrate.downgrade(url, "0065_fact_estimates")
    assert _present(url, functions) == [False] * 6
    migrate.upgrade(url)


def _definition(url: str, function: str) -> str:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute("SELECT pg_get_functiondef(%s::regprocedure)", (function,)).fetchone()
    assert row is not None
    return str(row[0])


async def test_the_duration_bounds_migration_puts_back_what_it_edited(
    fresh_database: NewDatabase,
) -> None:
    """0067 checks a duration's bounds before its text is written; its downgrade puts
    0017's text back byte for byte and drops the check."""
    text, check = "kgmem_cypher._duration_text(kgmem_cypher.tv)", "kgmem_cypher._duration_fits"
    url = await fresh_database(migrated=False)
    migrate.upgrade(url, "0066_cypher_write_targets")
    before = _definition(url, text)
    migrate.upgrade(url, "0067_cypher_duration_bounds")
    assert check in _definition(url, text)
    migrate.downgrade(url, "0066_cypher_write_targets")
    assert _definition(url, text) == before
    assert _present(url, [f"{check}(kgmem_cypher.tv)"]) == [False]
    migrate.upgrade(url)
