#!/bin/sh
# archive-wal.sh PATH NAME DIR: PostgreSQL's archive_command on every node of the
# cluster, all writing into one shared DIR. Every node archives (archive_mode always),
# so no segment is missing from the archive when a primary dies before archiving its
# last ones; a segment another node archived already is accepted if it is the same
# file, and never overwritten.
set -eu
src=$1 dest=$3/$2
if [ -f "$dest" ]; then
  exec cmp -s "$src" "$dest"
fi
cp "$src" "$dest.partial-copy.$$"
mv "$dest.partial-copy.$$" "$dest"
