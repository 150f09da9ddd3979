#!/usr/bin/env bash
# Shows that the canary matrix (internal/server/canary_test.go) has teeth:
# for each kind of record named, it builds the server's tests with the tag
# truce_dropfilter, which removes that one kind's read filter
# (internal/access/dropfilter_on.go: access.Filter admits every row of
# <kind>_readers, access.CanRead every record of the kind), runs
# TestCanaryMatrix and requires it to report more leaks of that kind's
# canaries than a run with no filter removed. It fails if any kind's
# removal goes unnoticed.
#
# Usage: scripts/canary-teeth.sh [kind ...]
#   default: every kind that holds canaries (about 35 s a kind on 2 cores;
#   name a few kinds for a quicker check, e.g. place minefield detainee).
set -euo pipefail
cd "$(dirname "$0")/.."

kinds=("$@")
if [ ${#kinds[@]} -eq 0 ]; then
	kinds=(place allegation observation incident patrol fom_restriction minefield handover hazard_area
		source statement return_movement return_visit crossing transit_restriction detainee)
fi
# The canary fields of a kind begin with its fixture's key (see
# canary_fixtures_test.go); an attachment's bytes follow its allegation.
fields_of() {
	case "$1" in
	allegation) echo 'allegation_|attachment_' ;;
	*) echo "${1}_" ;;
	esac
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bin="$tmp/server.test"
go test -c -tags truce_dropfilter -o "$bin" ./internal/server

# leaks prints how many responses leaked canaries whose field matches $1.
leaks() {
	{ grep -E "LEAK canary ($1)" "$2" || true; } | sed -E 's/.* reached ([0-9]+) responses.*/\1/' | awk '{n += $1} END {print n + 0}'
}
run() { # run <kind or ""> <log>
	(cd internal/server && TRUCE_DROPFILTER="$1" "$bin" -test.run '^TestCanaryMatrix$' -test.count=1 -test.v >"$2" 2>&1) || true
	if ! grep -q 'canary matrix: ' "$2"; then
		echo "TestCanaryMatrix did not run to the end:"; tail -20 "$2"; exit 1
	fi
}

start=$(date +%s)
echo "== baseline: no filter removed"
run "" "$tmp/baseline.log"
status=0
for kind in "${kinds[@]}"; do
	log="$tmp/$kind.log"
	t0=$(date +%s)
	run "$kind" "$log"
	pattern=$(fields_of "$kind")
	base=$(leaks "$pattern" "$tmp/baseline.log")
	got=$(leaks "$pattern" "$log")
	if [ "$got" -gt "$base" ]; then
		echo "ok    $kind: filter removed -> $got leaking responses of its canaries (baseline $base) [$(($(date +%s) - t0))s]"
	else
		echo "FAIL  $kind: filter removed but the matrix saw no new leak of its canaries ($got, baseline $base)"
		status=1
	fi
done
echo "== $(($(date +%s) - start))s"
exit $status
