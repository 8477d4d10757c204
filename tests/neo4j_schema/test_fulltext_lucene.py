"""The Lucene query parser and the tsquery text made from its trees: every string
parses or is refused with a procedure error, and PostgreSQL accepts every tsquery."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import asyncpg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kgmem import Memory
from kgmem.errors import ProcedureFailed
from kgmem.neo4j_schema.fulltext_tsquery import compile_query
from kgmem.neo4j_schema.lucene import Clause, Group, Phrase, Term, parse

FIELDS = ["title", "body", "name", "group_id", "extra"]
CONFIGS = ["simple", "english", "kgmem_neo4j.standard"]

# Lucene's operators and escapes, field names, words, and anything else.
PIECES = st.sampled_from(
    ['"', "\\", "(", ")", ":", "^", "~", "*", "?", "+", "-", "!", "&&", "||", "AND", "OR",
     "NOT", " ", "title:", "body:", "nope:", "2", "0.5", "'", "fox", "the", "x-1", "\x00",
     "é", "[", "/", "''", "\\\\"]
)  # fmt: skip
QUERIES = st.one_of(
    st.lists(st.one_of(PIECES, st.text(max_size=4)), max_size=12).map("".join),
    st.text(max_size=40),
)


@pytest.fixture(scope="module")
def pg(
    memory: Memory, pg_url: str
) -> Iterator[tuple[asyncio.AbstractEventLoop, asyncpg.Connection]]:
    """A connection on a loop of its own, for Hypothesis's synchronous examples
    (``memory``: the store's migrations have run)."""
    loop = asyncio.new_event_loop()
    conn = loop.run_until_complete(asyncpg.connect(pg_url))
    yield loop, conn
    loop.run_until_complete(conn.close())
    loop.close()


CHECK = """
SELECT to_tsquery($1::regconfig, $2)::text,
       (SELECT count(*) FROM unnest($3::text[]) w, unnest(to_tsvector($1::regconfig, w))),
       (SELECT count(*) FROM unnest($4::text[]) k WHERE to_tsquery($1::regconfig, k) IS NOT NULL)
"""


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=QUERIES, config=st.sampled_from(CONFIGS))
def test_every_string_parses_or_is_refused_and_postgres_takes_the_tsquery(
    pg: tuple[asyncio.AbstractEventLoop, asyncpg.Connection], text: str, config: str
) -> None:
    try:
        tree = parse(text)
    except ProcedureFailed as exc:
        refused = str(exc)
        tree = None
    if tree is None:
        assert "Cannot parse" in refused
        return
    compiled = compile_query(tree, FIELDS)
    loop, conn = pg
    words = [s.words for s in compiled.scored]
    constants = [c.tsquery for c in compiled.constant]
    loop.run_until_complete(conn.fetchrow(CHECK, config, compiled.match or "'x'", words, constants))


def test_library_queries_parse_as_lucene_does() -> None:
    assert parse("hello world") == Group(
        (Clause("SHOULD", Term("hello")), Clause("SHOULD", Term("world")))
    )
    assert parse("a AND b OR c") == Group(
        (Clause("MUST", Term("a")), Clause("MUST", Term("b")), Clause("SHOULD", Term("c")))
    )
    assert parse('group_id:"g-1" AND (name:fox~ OR b\\:c*)') == Group((
        Clause("MUST", Phrase("g-1", "group_id")),
        Clause("MUST", Group((
            Clause("SHOULD", Term("fox", "name", fuzzy=True)),
            Clause("SHOULD", Term("b:c", prefix=True)),
        ))),
    ))  # fmt: skip
    assert parse("+a -b !c NOT d") == Group((
        Clause("MUST", Term("a")), Clause("MUST_NOT", Term("b")),
        Clause("MUST_NOT", Term("c")), Clause("MUST_NOT", Term("d")),
    ))  # fmt: skip
    assert parse('"big dog"~2^3') == Phrase("big dog", None, 2.0, 3.0)
    assert parse("(a b)^2") == Group(
        (Clause("SHOULD", Term("a")), Clause("SHOULD", Term("b"))), 2.0
    )
    # Graphiti escapes the letters of AND, OR and NOT; LangChain replaces specials by spaces.
    assert parse("\\A\\N\\D") == Term("AND")
    assert parse("a && b || c") == parse("a AND b OR c")


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("fox", "'fox'"),
        ("fox dog", "(('fox' | 'dog'))"),
        ("+fox -dog", "('fox' & !'dog')"),
        ("title:fox", "'fox':A"),
        ("extra:fox", "'fox':D"),
        ("nope:fox", None),
        ("fox*", "'fox':*"),
        ("fox~1", "('fox' | 'fox':*)"),
        ('body:"lazy dog"', "'lazy dog':B"),
        ('"lazy dog"~3', "('lazy' & 'dog')"),
        ("NOT fox", None),
        ("it\\'s", "'it''s'"),
        ("a\\\\b", "'a\\\\b'"),
    ],
)
def test_tsquery_text(text: str, match: str | None) -> None:
    assert compile_query(parse(text), FIELDS).match == match


@pytest.mark.parametrize(
    "text",
    ["", "(", "a)", "a AND", '"open', "*", "*:*", "f?o", "*fox", "[a TO b]", "/x/", "a^", "a\\"],
)
def test_refused_queries_say_why_as_lucene_would(text: str) -> None:
    with pytest.raises(ProcedureFailed, match="ParseException: Cannot parse"):
        parse(text)


def test_more_terms_than_lucene_allows_are_refused() -> None:
    assert isinstance(parse(" ".join(["a"] * 1024)), Group)
    with pytest.raises(ProcedureFailed, match="too many clauses"):
        parse(" ".join(["a"] * 1025))
