"""Property: a namespace of any shape comes back from its backup with the same
checksum, entities and facts, also under another name beside the original.

``KGMEM_PROPERTY_EXAMPLES`` sets how many graphs are tried (default 3: each restore
beside the original goes through a scratch database)."""

from __future__ import annotations

import contextlib
import itertools
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg import sql

from kgmem import BatchWrite, EntityWrite, FactWrite, Memory
from kgmem.errors import NamespaceNotFound
from kgmem.schema.identifiers import CYPHER_KEYWORDS
from kgmem.storage.backups import backup, checksum
from tests.fixtures.database import store_settings, with_database
from tests.graph.test_invariants import Runner

EXAMPLES = int(os.environ.get("KGMEM_PROPERTY_EXAMPLES", "3"))
_names = itertools.count()

texts = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=20)
"""Text the store takes (NUL is refused with ``invalid_text``, tested elsewhere)."""
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**53), 2**53),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
    st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=12),
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.from_regex(r"[a-z]{1,6}", fullmatch=True), inner, max_size=3)
    ),
    max_leaves=6,
)
# Property names kgmem takes: a Cypher keyword ("by", "in") is refused at write time.
keys = st.from_regex(r"[a-z]{1,8}", fullmatch=True).filter(lambda k: k not in CYPHER_KEYWORDS)
properties = st.dictionaries(keys, values, max_size=4)
labels = st.sampled_from(["Person", "Organization", "Thing", "Gadget"])


@st.composite
def graphs(draw: st.DrawFn) -> BatchWrite:
    uids = draw(
        st.lists(st.from_regex(r"[a-z]{1,6}", fullmatch=True), min_size=1, max_size=6, unique=True)
    )
    entities = [EntityWrite(u, draw(labels), draw(properties)) for u in uids]
    facts = [
        FactWrite(
            draw(st.sampled_from(uids)),
            draw(st.sampled_from(["KNOWS", "OWNS", "NEAR"])),
            draw(st.sampled_from(uids)),
            valid_from=datetime(draw(st.integers(1990, 2030)), 1, 1, tzinfo=UTC),
            source=draw(st.sampled_from([None, "wiki", "paper"])),
            text=draw(st.none() | texts),
        )
        for _ in range(draw(st.integers(0, 6)))
    ]
    return BatchWrite(entities=entities, facts=facts)


@pytest.fixture(scope="module")
def store(
    pg_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Runner, Memory, str]]:
    """A store in a database of its own. A restore beside the original drops a scratch
    database, which waits for every backend of the server; the session store's event
    listener is not read while this synchronous test runs, so its database gets none of
    these writes' notifications."""
    name = f"kgmem_props_{os.getpid()}"
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = with_database(pg_url, name)
    runner = Runner()
    memory = runner.run(Memory.open(store_settings(url, tmp_path_factory.mktemp("home"))))
    try:
        yield runner, memory, url
    finally:
        runner.run(memory.close())
        runner.stop()
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


async def _contents(memory: Memory, ns: str) -> tuple[list[Any], list[Any]]:
    entities = await memory.list_entities(ns, limit=100)
    facts = await memory.list_facts(ns)
    return (
        sorted((e.uid, e.label, dict(e.properties)) for e in entities.items),
        sorted((f.uid, f.subject, f.predicate, f.object, f.sources, f.text) for f in facts.items),
    )


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(graph=graphs())
def test_any_namespace_round_trips_beside_the_original(
    store: tuple[Runner, Memory, str], tmp_path: Path, graph: BatchWrite
) -> None:
    runner, memory, url = store
    name = f"prop_{next(_names)}_{os.getpid()}"
    runner.run(memory.create_namespace(name))
    try:
        runner.run(memory.write_batch(name, graph))
        file = tmp_path / f"{name}.kgb"
        manifest = backup.backup(url, file, namespace=name)
        backup.restore(url, file, into=f"{name}_copy")
        assert checksum.summary(url, f"{name}_copy")["digest"] == manifest.digest
        assert runner.run(_contents(memory, f"{name}_copy")) == runner.run(_contents(memory, name))
    finally:
        runner.run(memory.delete_namespace(name))
        with contextlib.suppress(NamespaceNotFound):
            runner.run(memory.delete_namespace(f"{name}_copy"))
