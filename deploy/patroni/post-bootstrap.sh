#!/bin/sh
# Run once by Patroni on the cluster's first primary, after initdb, with a connection
# string as its argument: makes the role kgmem connects as (and runs `kgmem migrate`
# as) and its database, with the extensions kgmem needs.
set -eu
psql -v ON_ERROR_STOP=1 -v password="${KGMEM_POSTGRES_PASSWORD:?set KGMEM_POSTGRES_PASSWORD}" "$1" <<'SQL'
-- A superuser, as in the single-server deployment: AGE's graphs and kgmem's Cypher
-- reader roles are made by the migrations and at run time.
CREATE ROLE kgmem LOGIN SUPERUSER PASSWORD :'password';
CREATE DATABASE kgmem OWNER kgmem;
\connect kgmem
CREATE EXTENSION IF NOT EXISTS age;
CREATE EXTENSION IF NOT EXISTS vector;
CREATE EXTENSION IF NOT EXISTS pg_textsearch;
SQL
