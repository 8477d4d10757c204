"""Neo4j 5's schema language on kgmem: indexes (range, text, point, vector, full-text)
and constraints (uniqueness, node keys, existence, property types), declared with
``CREATE INDEX`` / ``CREATE CONSTRAINT``, listed with ``SHOW ...``, queried with the
``db.index.*`` procedures, each backed by real PostgreSQL indexes and CHECK
constraints on the label's AGE tables (``kgmem.neo4j_schema.model`` says how).
"""
