"""The PostgreSQL side of Neo4j's schema language (``kgmem.neo4j_schema``): one module
per declared concept."""
