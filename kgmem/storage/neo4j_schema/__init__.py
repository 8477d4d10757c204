"""SQL of Neo4j's schema language on kgmem: the declarations' catalogue and what builds them."""
