"""Each statement the libraries send on issue 52's paths, run on its own: what kgmem
answers (a diagnostic, not a test: tests assert the libraries' behaviour)."""

from typing import Any

import neo4j
from harness import Report, main

# (issue, title, statement, parameters); "__ID__" stands for the elementId made before.
STATEMENTS: list[tuple[int, str, str, dict[str, Any]]] = [
    (52, "dbms.components", "CALL dbms.components() YIELD name, versions, edition", {}),
    (52, "create range index", "CREATE INDEX probe_a IF NOT EXISTS FOR (n:Probe) ON (n.a)", {}),
    (52, "create composite index", "CREATE INDEX FOR (n:Probe) ON (n.a, n.b)", {}),
    (
        52,
        "create relationship index",
        "CREATE INDEX probe_r IF NOT EXISTS FOR ()-[e:PROBE_REL]-() ON (e.uuid)",
        {},
    ),
    (
        52,
        "create named unique constraint (neomodel)",
        "CREATE CONSTRAINT `constraint_unique_Probe_u`\n"
        "    FOR (n:`Probe`) REQUIRE n.`u` IS UNIQUE",
        {},
    ),
    (
        52,
        "create unnamed unique constraint (LangChain)",
        "CREATE CONSTRAINT IF NOT EXISTS FOR (n:`Probe`) REQUIRE n.id IS UNIQUE;",
        {},
    ),
    (
        52,
        "create vector index ($name, expression options; graphrag)",
        "CREATE VECTOR INDEX $name IF NOT EXISTS FOR (n:Probe) ON n.embedding "
        "OPTIONS { indexConfig: { `vector.dimensions`: toInteger($dimensions), "
        "`vector.similarity_function`: $fn } }",
        {"name": "probe_vec", "dimensions": 2, "fn": "cosine"},
    ),
    (
        52,
        "create vector index without options (LlamaIndex)",
        "CREATE VECTOR INDEX entity IF NOT EXISTS FOR (m:Probe2) ON m.embedding",
        {},
    ),
    (
        52,
        "create fulltext index ($name)",
        "CREATE FULLTEXT INDEX $name IF NOT EXISTS FOR (n:`Probe`) ON EACH [n.`text`]",
        {"name": "probe_ft"},
    ),
    (
        52,
        "create fulltext index with options (neomodel)",
        "CREATE FULLTEXT INDEX `ft_Probe5_t` FOR (n:`Probe5`) ON EACH [n.`t`] "
        "OPTIONS { indexConfig: { `fulltext.analyzer`: 'standard-no-stop-words', "
        "`fulltext.eventually_consistent`: False } };",
        {},
    ),
    (
        52,
        "create relationship fulltext index (Graphiti)",
        "CREATE FULLTEXT INDEX probe_rft IF NOT EXISTS\n        FOR ()-[e:PROBE_REL]-() "
        "ON EACH [e.name, e.fact]",
        {},
    ),
    (52, "show indexes", "SHOW INDEXES", {}),
    (
        52,
        "show indexes yield where return",
        "SHOW INDEXES YIELD name, type, entityType, labelsOrTypes, properties, options "
        "WHERE type = 'VECTOR' AND (name = $n OR (labelsOrTypes[0] = 'Probe' AND "
        "properties[0] = 'embedding')) RETURN name, type, entityType, labelsOrTypes, properties, "
        "options",
        {"n": "probe_vec"},
    ),
    (
        52,
        "show vector indexes",
        "SHOW VECTOR INDEXES YIELD name, labelsOrTypes, properties, options WHERE name = $n "
        "RETURN labelsOrTypes as labels, properties, options.indexConfig.`vector.dimensions` as "
        "dimensions, options.indexConfig.`vector.filterable_properties` as filterable_properties",
        {"n": "probe_vec"},
    ),
    (52, "show constraints", "SHOW CONSTRAINTS", {}),
    (52, "drop index if exists ($name)", "DROP INDEX $name IF EXISTS", {"name": "probe_a"}),
    (52, "create a node", "CREATE (n:Probe {text: 'apple pie', u: 1}) RETURN n.u AS u", {}),
    (53, "create + elementId", "MATCH (n:Probe {u: 1}) RETURN elementId(n) AS id", {}),
    (
        53,
        "match by elementId",
        "MATCH (n) WHERE elementId(n) = $id RETURN n.text",
        {"id": "__ID__"},
    ),
    (
        52,
        "setNodeVectorProperty",
        "MATCH (n:Probe) WITH n CALL db.create.setNodeVectorProperty(n, 'embedding', [1.0, 0.5]) "
        "RETURN count(n) AS n",
        {},
    ),
    (
        52,
        "vector queryNodes",
        "CALL db.index.vector.queryNodes($i, $k * $r, [1.0, 0.5]) YIELD node, score "
        "RETURN node.text AS text, score",
        {"i": "probe_vec", "k": 1, "r": 1},
    ),
    (
        52,
        "fulltext queryNodes",
        "CALL db.index.fulltext.queryNodes('probe_ft', 'apple', {limit: 5}) YIELD node, score "
        "RETURN node.text AS text, score",
        {},
    ),
    (
        52,
        "vector.similarity.cosine",
        "RETURN vector.similarity.cosine([1.0, 0.0], [1.0, 0.0]) AS s",
        {},
    ),
    (
        53,
        "SET n = map from a row (neomodel save)",
        "UNWIND $rows AS row CREATE (n:Probe6) SET n = row RETURN n",
        {"rows": [{"a": 1}]},
    ),
    (53, "SET n += $map", "MATCH (n:Probe6) SET n += $m RETURN n.x", {"m": {"x": 2}}),
    (53, "map projection null override", "MATCH (n:Probe6) RETURN n {.*, a: null} AS m", {}),
    (
        53,
        "CALL (row) {} IN TRANSACTIONS (auto-commit)",
        "UNWIND $data AS row CALL (row) { MERGE (c:Probe3 {id: row.id}) SET c.t = row.t } "
        "IN TRANSACTIONS OF 1000 ROWS",
        {"data": [{"id": "a", "t": "x"}]},
    ),
    (
        53,
        "CALL { WITH row } subquery",
        "UNWIND [1, 2] AS row CALL { WITH row RETURN row * 2 AS d } RETURN d",
        {},
    ),
    (
        53,
        "CALL () { UNION } subquery",
        "CALL () { RETURN 1 AS x UNION RETURN 2 AS x } WITH x ORDER BY x RETURN collect(x) AS xs",
        {},
    ),
    (53, "SET n:$(label)", "MATCH (n:Probe6) SET n:$($l) RETURN labels(n)", {"l": "Extra"}),
    (53, "datetime()", "RETURN datetime() AS now", {}),
    (53, "apoc.meta.data", "CALL apoc.meta.data({sample: 1000}) YIELD label RETURN count(*)", {}),
]
# Statements that must fail, and with which code.
REFUSED: list[tuple[int, str, str, str]] = [
    (
        52,
        "duplicate under a unique constraint",
        "CREATE (n:Probe {u: 1})",
        "Neo.ClientError.Schema.ConstraintValidationFailed",
    ),
    (
        52,
        "drop of a missing index",
        "DROP INDEX never_made",
        "Neo.DatabaseError.Schema.IndexDropFailed",
    ),
    (
        52,
        "same index again without IF NOT EXISTS",
        "CREATE INDEX probe_r FOR ()-[e:PROBE_REL]-() ON (e.uuid)",
        "Neo.ClientError.Schema.EquivalentSchemaRuleAlreadyExists",
    ),
]


def _run(driver: neo4j.Driver, database: str, query: str, params: dict[str, Any]) -> Any:
    with driver.session(database=database) as session:
        result = session.run(query, params)
        return [record.data() for record in result][:3]


def _answer(driver: neo4j.Driver, database: str, query: str, params: dict[str, Any]) -> Any:
    try:
        return {"ok": True, "rows": _run(driver, database, query, params)}
    except Exception as error:  # every answer is the finding
        message = str(getattr(error, "message", None) or error)[:300]
        return {"ok": False, "code": getattr(error, "code", None), "message": message}


def statements(report: Report, config: dict[str, str]) -> None:
    database = config["database"]
    with neo4j.GraphDatabase.driver(config["uri"], auth=("kgmem", config["key"])) as driver:
        element_id = ""
        for issue, title, query, params in STATEMENTS:
            bound = {k: (element_id if v == "__ID__" else v) for k, v in params.items()}
            answer = _answer(driver, database, query, bound)
            report.results[title] = {"issue": issue, **answer}
            if title == "create + elementId" and answer["ok"] and answer["rows"]:
                element_id = answer["rows"][0]["id"]
        for issue, title, query, code in REFUSED:
            answer = _answer(driver, database, query, {})
            report.results[title] = {"issue": issue, "expected_code": code, **answer}


if __name__ == "__main__":
    main({"statements": statements})
