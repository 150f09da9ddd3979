#!/usr/bin/env bash
# The PostGIS baseline of issue 18: what an analyst would reach for.
# Loads a report stream (docs/stream-format.md, with true_event) into
# PostGIS, clusters it with ST_ClusterDBSCAN per time bucket over a small
# grid of (eps, minpoints, bucket) settings, keeps the setting with the best
# pairwise F1, writes its clustering as id,cluster lines and scores it with
# `truce bench score` (the scorer of `truce bench fusion`).
#
#   scripts/postgis-baseline/run.sh STREAM [DATABASE_URL] [OUT.csv]
#
# DATABASE_URL defaults to $TRUCE_POSTGIS_URL; its server needs the PostGIS
# extension (Debian: apt-get install postgresql-15-postgis-3) and its user
# the right to CREATE EXTENSION. Everything goes into the schema
# postgis_baseline, dropped and made anew each run. $TRUCE is the truce
# command (default: go run ./cmd/truce). Not run in CI.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
stream=${1:?usage: run.sh STREAM [DATABASE_URL] [OUT.csv]}
db=${2:-${TRUCE_POSTGIS_URL:?give a DATABASE_URL or set TRUCE_POSTGIS_URL}}
out=${3:-$(mktemp /tmp/postgis-baseline.XXXXXX.csv)}
truce=${TRUCE:-go run ./cmd/truce}
[ -f "$stream" ] || { echo "run.sh: no stream $stream" >&2; exit 2; }
head -c 4096 "$stream" | head -n1 | grep -q '"truth":true' || { echo "run.sh: $stream has no ground truth (header truth)" >&2; exit 2; }

psql() { command psql "$db" -X -q -v ON_ERROR_STOP=1 "$@"; }

echo "== load $(($(wc -l <"$stream") - 1)) reports" >&2
psql -f "$here/schema.sql"
t0=$(date +%s.%N)
# Every report line as one text value: no character of JSON is a CSV quote
# or delimiter here (0x01, 0x02 never occur in a valid stream).
tail -n +2 "$stream" | psql -c "\copy postgis_baseline.raw(line) from stdin with (format csv, quote e'\x01', delimiter e'\x02')"
psql -f "$here/load.sql"
t1=$(date +%s.%N)
echo "load: $(echo "$t1 - $t0" | bc) s" >&2

echo "== the grid (eps m, minpoints, bucket): pairwise P / R / F1, seconds of ST_ClusterDBSCAN" >&2
psql -f "$here/grid.sql"
psql -A -F $'\t' -c "select eps_m, minpoints, bucket, round(pair_p::numeric,3) p, round(pair_r::numeric,3) r, round(pair_f1::numeric,3) f1, round(seconds::numeric,2) s from postgis_baseline.results order by pair_f1 desc" >&2

echo "== the best setting's clustering -> $out" >&2
psql -c "\copy (select id, cluster from postgis_baseline.best order by id) to '$out' with (format csv, header)"
best=$(psql -At -c "select json_build_object('eps_m', eps_m, 'minpoints', minpoints, 'bucket', bucket, 'dbscan_seconds', round(seconds::numeric, 2), 'load_seconds', round(($t1 - $t0)::numeric, 2)) from postgis_baseline.results order by pair_f1 desc limit 1")
echo "best: $best" >&2
$truce bench score --in "$stream" --assign "$out"
