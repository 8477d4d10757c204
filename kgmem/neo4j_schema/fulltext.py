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

import json
import time
from collections.abc import Mapping, Sequence
from typing import Any, Final

from kgmem.errors import CypherSemanticError, ProcedureFailed
from kgmem.neo4j_schema import lucene
from kgmem.neo4j_schema.fulltext_tsquery import compile_query
from kgmem.neo4j_schema.model import Entity, Index
from kgmem.procedures.registry import Reader
from kgmem.storage.neo4j_schema import fulltext_sql
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


class Statistics:
    """N and the average document length of each full-text index, for BM25: read
    exactly on every query while the index's tables hold at most ``EXACT_PAGES`` pages
    (a few hundred short documents), else from a sample of about ``SAMPLE_PAGES``
    pages kept ``TTL_S`` seconds (reading every document costs tens of microseconds a
    row: seconds at 100,000). One per store; a memo, so two queries that both find it
    stale both read a sample and the last one's stays."""

    EXACT_PAGES: Final = 8
    SAMPLE_PAGES: Final = 40
    TTL_S: Final = 60.0

    def __init__(self) -> None:
        self._kept: dict[tuple[str, ...], tuple[float, float, float]] = {}

    async def of(
        self, reader: Reader, declared: Mapping[str, Any], found: Sequence[Sequence[Any]]
    ) -> tuple[float, float]:
        """(N, average length) of the index ``declared`` on the tables of ``found``."""
        pages = sum(float(row[3]) for row in found)
        exact = pages <= self.EXACT_PAGES
        key = (reader.namespace, declared["name"], *(row[1] for row in found))
        kept = self._kept.get(key)
        if not exact and kept is not None and kept[0] > time.monotonic():
            return kept[1], kept[2]
        percent = 100.0 if exact else min(100.0 * self.SAMPLE_PAGES / pages, 100.0)
        statement = fulltext_sql.statistics_sql(
            declared["properties"], declared["config"], [row[1] for row in found]
        )
        documents, length = (await reader.sql(statement, percent))[0]
        n = documents * 100.0 / percent
        average = length / documents if documents else 1.0
        if not exact:
            self._kept[key] = (time.monotonic() + self.TTL_S, n, average)
        return n, average


async def query(
    reader: Reader,
    name: str,
    text: str,
    options: Mapping[str, Any],
    *,
    entity: Entity,
    statistics: Statistics,
) -> list[tuple[int, float]]:
    """The graph ids and scores of the elements the full-text index ``name`` finds for
    the Lucene query ``text``, best first (then by id). ``options``: ``skip``,
    ``limit``, ``analyzer`` (of the query text; the index's own by default)."""
    tree = lucene.parse(text)
    found = await reader.sql(fulltext_sql.FIND, reader.namespace, name)
    if not found:
        raise ProcedureFailed(f"There is no such fulltext schema index: {name}")
    declared = json.loads(found[0][2])
    if declared["entity"] != entity:
        kind = "node" if entity == "NODE" else "relationship"
        raise ProcedureFailed(f"The index '{name}' is not a {kind} full-text index")
    skip, limit, config = _options(options, declared["config"])
    compiled = compile_query(tree, declared["properties"])
    if compiled.match is None or limit == 0:
        return []
    n, average = await statistics.of(reader, declared, found)
    statement = fulltext_sql.query_sql(
        declared["properties"], declared["config"], [row[1] for row in found]
    )
    rows = await reader.sql(
        statement,
        compiled.match,
        config,
        [s.words for s in compiled.scored],
        [s.weights for s in compiled.scored],
        [s.boost for s in compiled.scored],
        [c.tsquery for c in compiled.constant],
        [c.boost for c in compiled.constant],
        n,
        average,
        skip,
        limit,
    )
    return [(int(row[0]), float(row[1])) for row in rows]


def _options(options: Mapping[str, Any], config: str) -> tuple[int, int, str]:
    """``skip``, ``limit`` (at most ``CANDIDATES``) and the query's configuration."""
    skip = _count(options, "skip", 0)
    limit = min(_count(options, "limit", fulltext_sql.CANDIDATES), fulltext_sql.CANDIDATES)
    analyzer = options.get("analyzer")
    if analyzer is None:
        return skip, limit, config
    try:
        return skip, limit, analyzer_config(analyzer)
    except CypherSemanticError as exc:
        raise ProcedureFailed(str(exc)) from None


def _count(options: Mapping[str, Any], key: str, default: int) -> int:
    value = options.get(key, default)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ProcedureFailed(f"the option '{key}' must be a non-negative integer, not {value!r}")
    return value


class _Handler:
    """The full-text index handler (``kgmem.neo4j_schema.handlers``)."""

    async def create(self, conn: Any, ns: NamespaceRef, obj: Any, tables: Sequence[str]) -> None:
        await create(conn, ns, obj, tables)

    async def extend(self, conn: Any, ns: NamespaceRef, obj: Any, table: str) -> None:
        await extend(conn, ns, obj, table)

    async def drop(self, conn: Any, ns: NamespaceRef, obj: Any, tables: Sequence[str]) -> None:
        await drop(conn, ns, obj, tables)


HANDLER: Final = _Handler()
"""What ``handlers`` registers under ``INDEX:FULLTEXT``."""
