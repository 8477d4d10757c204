"""neo4j-viz on kgmem: from_neo4j of a query's result."""

import neo4j
from harness import Report, main
from neo4j_viz.neo4j import from_neo4j

WRITE = "CREATE (:VizPerson {name: 'Ada'})-[:KNOWS {since: 1843}]->(:VizPerson {name: 'Charles'})"
READ = "MATCH (a:VizPerson)-[r:KNOWS]->(b:VizPerson) RETURN a, r, b"


def render(report: Report, config: dict[str, str]) -> None:
    database = config["database"]
    with neo4j.GraphDatabase.driver(config["uri"], auth=("kgmem", config["key"])) as driver:
        report.step("write", lambda: driver.execute_query(WRITE, database_=database))
        result = report.step("read", lambda: driver.execute_query(READ, database_=database))
        graph = report.step("from_neo4j", lambda: from_neo4j(result))
        report.results["nodes"] = sorted(str(n.properties.get("name")) for n in graph.nodes)
        report.results["relationships"] = [r.properties.get("since") for r in graph.relationships]
        report.results["linked"] = [
            {str(r.source), str(r.target)} <= {str(n.id) for n in graph.nodes}
            for r in graph.relationships
        ]
        report.step("render", graph.render)


if __name__ == "__main__":
    main({"render": render})
