"""The graph core in Apache AGE: namespaces and their graphs, labels, vertices, facts
(edges with their side rows), revisions and closing, property merges, structural
indexes, traversal, Cypher execution and the writes of episode building (``ingest``)."""
