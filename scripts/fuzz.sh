#!/usr/bin/env bash
# Runs every go test -fuzz target in the repository for a while.
# Usage: scripts/fuzz.sh [seconds per target, default 30]
# A failure leaves the crashing input in the package's testdata/fuzz, where
# go test then replays it as a regression case.
#
# Go's fuzzer sometimes ends a short run with "context deadline exceeded"
# and no failing input (the time ran out while a worker was busy): that is
# not a finding, so such a run is tried again once and then only reported.
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-30}"
status=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT
while read -r file name; do
	pkg="./$(dirname "$file")"
	for try in 1 2; do
		echo "== $pkg $name (${secs}s)"
		if go test -run '^$' -fuzz "^${name}\$" -fuzztime "${secs}s" "$pkg" >"$log" 2>&1; then
			break
		fi
		if grep -q 'Failing input written to' "$log" || ! grep -q 'context deadline exceeded' "$log"; then
			cat "$log"
			status=1
			break
		fi
		echo "   (the fuzzer timed out without a finding; run $try)"
	done
done < <(grep -rHo --include='*_test.go' '^func Fuzz[A-Za-z0-9_]*' internal cmd | sed 's/:func / /' | sort -u)
exit $status
