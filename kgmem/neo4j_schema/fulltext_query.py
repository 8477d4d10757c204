"""Full-text index queries: the elements a Lucene query finds, scored by BM25
(``db.index.fulltext.queryNodes`` / ``queryRelationships``; the indexes themselves:
``kgmem.neo4j_schema.fulltext``)."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from typing import Any, Final

from kgmem.errors import CypherSemanticError, ProcedureFailed
from kgmem.graph import deadline
from kgmem.neo4j_schema import lucene, population
from kgmem.neo4j_schema.fulltext import analyzer_config
from kgmem.neo4j_schema.fulltext_tsquery import compile_query
from kgmem.neo4j_schema.model import Entity
from kgmem.procedures.registry import Reader
from kgmem.storage.neo4j_schema import catalog, fulltext_sql


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


async def _populating(reader: Reader, name: str) -> bool:
    """Whether the index ``name`` is declared and not yet ONLINE (a cheap look: the
    declarations of a namespace are few)."""
    exists = await reader.sql(catalog.EXISTS_SQL)
    if not exists or not exists[0][0]:
        return False
    return any(r[0] == name and r[9] != "ONLINE" for r in await reader.sql(catalog.SELECT_SQL))


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
    if not found or await _populating(reader, name):
        # declared but populating in the background: wait, as Neo4j does
        await population.wait_online(reader, [name], deadline.remaining(60.0))
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
