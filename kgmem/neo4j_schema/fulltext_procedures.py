"""The ``db.index.fulltext.*`` procedures: ``queryNodes``, ``queryRelationships``,
``listAvailableAnalyzers`` and ``awaitEventuallyConsistentIndexRefresh``, with Neo4j 5's
signatures. The query procedures yield graph ids in their NODE / RELATIONSHIP column,
which the call matches back to the graph (``kgmem.cypher.calls``), best score first.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kgmem.neo4j_schema import fulltext, fulltext_query
from kgmem.neo4j_schema.model import Entity
from kgmem.procedures.registry import Body, Procedure, Reader, procedure

Rows = list[list[Any]]
_STOP_WORDS = {"simple": "none", "kgmem_neo4j.standard": "English"}


def _query(entity: Entity, statistics: fulltext_query.Statistics) -> Body:
    async def body(reader: Reader, args: Mapping[str, Any]) -> Rows:
        found = await fulltext_query.query(
            reader,
            args["indexName"],
            args["queryString"],
            args["options"] or {},
            entity=entity,
            statistics=statistics,
        )
        return [[graph_id, score] for graph_id, score in found]

    return body


async def _analyzers(reader: Reader, args: Mapping[str, Any]) -> Rows:
    return [[name, _described(config), []] for name, config in sorted(fulltext.ANALYZERS.items())]


def _described(config: str) -> str:
    stop = _STOP_WORDS.get(config, f"{config.capitalize()} stemming and")
    return f"PostgreSQL text search configuration {config}: {stop} stop words"


async def _refreshed(reader: Reader, args: Mapping[str, Any]) -> Rows:
    return []  # kgmem's full-text indexes are current when a write commits


def procedures() -> tuple[Procedure, ...]:
    """The full-text procedures, for the store's registry (their memo of each index's
    corpus statistics is the store's own)."""
    statistics = fulltext_query.Statistics()
    return (
        procedure("db.index.fulltext.queryNodes(indexName :: STRING, queryString :: STRING, "
                  "options = {} :: MAP) :: (node :: NODE, score :: FLOAT)",
                  _query("NODE", statistics),
                  description="Query the given full-text index. Returns the matching nodes "
                  "and their Lucene query score, ordered by score."),
        procedure("db.index.fulltext.queryRelationships(indexName :: STRING, "
                  "queryString :: STRING, options = {} :: MAP) :: "
                  "(relationship :: RELATIONSHIP, score :: FLOAT)",
                  _query("RELATIONSHIP", statistics),
                  description="Query the given full-text index. Returns the matching "
                  "relationships and their Lucene query score, ordered by score."),
        procedure("db.index.fulltext.listAvailableAnalyzers() :: (analyzer :: STRING, "
                  "description :: STRING, stopwords :: LIST OF STRING)", _analyzers,
                  description="List the available analyzers that the full-text indexes "
                  "can be configured with."),
        procedure("db.index.fulltext.awaitEventuallyConsistentIndexRefresh() :: VOID",
                  _refreshed,
                  description="Wait for the updates from recently committed transactions "
                  "to be applied to any eventually-consistent full-text indexes."),
    )  # fmt: skip
