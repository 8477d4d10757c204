"""Neo4j's full-text indexes: ``CREATE FULLTEXT INDEX name FOR (n:A|B) ON EACH [n.p,
n.q] OPTIONS {indexConfig: {`fulltext.analyzer`: 'english'}}`` (and ``FOR ()-[r:T|U]-()``)
built as GIN indexes on PostgreSQL tsvectors (``kgmem.storage.neo4j_schema.fulltext_sql``)
and queried with Lucene's syntax (``kgmem.neo4j_schema.lucene``), scored by BM25.

Analyzers are PostgreSQL text search configurations (``ANALYZERS``):
``standard-no-stop-words`` (Neo4j's default) is ``simple`` (lower case, every word);
``standard`` and ``stop`` are ``kgmem_neo4j.standard`` (lower case, English stop
words); ``simple`` is ``simple``; ``english`` and the other languages are PostgreSQL's
Snowball configuration of that language (stemming, stop words). Lucene's tokenizer and
PostgreSQL's parser split text alike on words; they differ on some punctuation (an
e-mail address or a URL is one token for PostgreSQL). Analyzers PostgreSQL has no
counterpart for (``keyword``, ``whitespace``, ``cjk`` ...) are refused at creation.
``fulltext.eventually_consistent`` is accepted and has no effect: the index is always
current when the writing transaction commits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from kgmem.errors import CypherSemanticError
from kgmem.neo4j_schema.model import Index
from kgmem.storage.neo4j_schema import fulltext_sql
from kgmem.storage.neo4j_schema.population_sql import IndexBuild
from kgmem.storage.refs import NamespaceRef

DEFAULT_ANALYZER: Final = "standard-no-stop-words"
_LANGUAGES: Final = (
    "arabic", "armenian", "basque", "catalan", "danish", "dutch", "english", "estonian",
    "finnish", "french", "german", "greek", "hindi", "hungarian", "indonesian", "irish",
    "italian", "lithuanian", "norwegian", "portuguese", "romanian", "russian", "serbian",
    "spanish", "swedish", "turkish",
)  # fmt: skip
ANALYZERS: Final[Mapping[str, str]] = {
    "standard-no-stop-words": "simple",
    "standard": "kgmem_neo4j.standard",
    "stop": "kgmem_neo4j.standard",
    "simple": "simple",
    **{language: language for language in _LANGUAGES},
}
"""Neo4j's analyzer names and the PostgreSQL text search configuration of each."""
_CONFIG_KEYS: Final = frozenset({"fulltext.analyzer", "fulltext.eventually_consistent"})


def config_of(index: Index) -> str:
    """The text search configuration of ``index``'s analyzer; ``CypherSemanticError``
    for options Neo4j would refuse or kgmem cannot honour."""
    options = dict(index.options)
    unknown = set(options) - {"indexConfig", "indexProvider"}
    if unknown:
        raise CypherSemanticError(f"Invalid option(s) for a full-text index: {sorted(unknown)}")
    config = options.get("indexConfig") or {}
    if not isinstance(config, Mapping) or set(config) - _CONFIG_KEYS:
        raise CypherSemanticError(
            f"Invalid full-text index configuration {config!r}: the keys are {sorted(_CONFIG_KEYS)}"
        )
    consistent = config.get("fulltext.eventually_consistent", False)
    if not isinstance(consistent, bool):
        raise CypherSemanticError("'fulltext.eventually_consistent' must be a boolean")
    return analyzer_config(config.get("fulltext.analyzer", DEFAULT_ANALYZER))


def analyzer_config(analyzer: Any) -> str:
    """The text search configuration of the analyzer named ``analyzer``."""
    found = ANALYZERS.get(analyzer) if isinstance(analyzer, str) else None
    if found is None:
        raise CypherSemanticError(
            f"Could not create fulltext analyzer: {analyzer!r}. "
            f"kgmem offers: {', '.join(sorted(ANALYZERS))}"
        )
    return found


def description(index: Index) -> dict[str, Any]:
    """What the PostgreSQL indexes record of ``index`` (their comment)."""
    if not index.properties:
        raise CypherSemanticError("a full-text index needs at least one property")
    for name in index.properties:
        if "\x00" in name or "{schema}" in name:
            raise CypherSemanticError(f"{name!r} cannot be a full-text indexed property")
    return {
        "name": index.name,
        "entity": index.entity,
        "labels": list(index.labels),
        "properties": list(index.properties),
        "config": config_of(index),
    }


async def create(conn: Any, ns: NamespaceRef, obj: Index, tables: Sequence[str]) -> None:
    """Build ``obj`` on each of ``tables`` (its labels' tables)."""
    await fulltext_sql.create(conn, ns, description(obj), tables)


async def extend(conn: Any, ns: NamespaceRef, obj: Index, table: str) -> None:
    """Build ``obj`` on ``table``, a new table holding elements of its labels."""
    await fulltext_sql.create(conn, ns, description(obj), [table])


async def drop(conn: Any, ns: NamespaceRef, obj: Index, tables: Sequence[str]) -> None:
    """Remove every PostgreSQL index of ``obj`` (``tables`` are not needed: the indexes
    are found by their comment)."""
    await fulltext_sql.drop(conn, ns, obj.name)


class _Handler:
    """The full-text index handler (``kgmem.neo4j_schema.handlers``)."""

    async def create(self, conn: Any, ns: NamespaceRef, obj: Any, tables: Sequence[str]) -> None:
        await create(conn, ns, obj, tables)

    async def extend(self, conn: Any, ns: NamespaceRef, obj: Any, table: str) -> None:
        await extend(conn, ns, obj, table)

    async def drop(self, conn: Any, ns: NamespaceRef, obj: Any, tables: Sequence[str]) -> None:
        await drop(conn, ns, obj, tables)

    def builds(self, ns: NamespaceRef, obj: Any, table: str) -> list[IndexBuild] | None:
        index, create_sql, comment_sql = fulltext_sql.statements(ns, description(obj), table)
        return [IndexBuild(index, create_sql, (comment_sql,))]


HANDLER: Final = _Handler()
"""What ``handlers`` registers under ``INDEX:FULLTEXT``."""
