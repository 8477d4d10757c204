#!/bin/sh
# base-backup.sh ARCHIVE CONNINFO: a base backup of one node of the cluster (a replica
# will do: CONNINFO names it and the replication role) into ARCHIVE/base, laid out as
# `kgmem backup --continuous` lays out its own, so that `kgmem restore --to-time TIME
# ARCHIVE` replays it with the WAL the nodes archive in ARCHIVE/wal. Run it as the
# PostgreSQL user, with pg_basebackup on the PATH, daily from cron say.
set -eu
archive=$1 conninfo=$2
stamp=$(date -u +%Y%m%dT%H%M%S%6NZ)
target=$archive/base/$stamp
mkdir -p "$archive/base"
pg_basebackup -D "$target" -Fp -X stream -c fast -d "$conninfo"
# The node's own settings (its port, addresses, replication and archiving) stay behind:
# the copy opens as a server of its own, with the libraries kgmem needs.
rm -f "$target/standby.signal" "$target/patroni.dynamic.json" "$target"/*.backup
cat > "$target/postgresql.conf" <<CONF
include_if_exists 'postgresql.base.conf'
shared_preload_libraries = 'pg_textsearch'
session_preload_libraries = 'age'
CONF
printf '{"finished_at": "%s"}\n' "$(date -u +%Y-%m-%dT%H:%M:%S.%6N+00:00)" \
  > "$archive/base/$stamp.json"
