"""The graph core in Apache AGE: namespaces and their graphs, labels, vertices, facts
(edges with their side rows), revisions and closing, property merges, structural
indexes, traversal, Cypher execution, the facts in force a write meets
(``facts_in_force``) and the bookkeeping of graph building (``bookkeeping``)."""
