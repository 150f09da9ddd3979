#!/usr/bin/env bash
# Runs every go test -fuzz target in the repository for a while.
# Usage: scripts/fuzz.sh [seconds per target, default 30]
# A failure leaves the crashing input in the package's testdata/fuzz, where
# go test then replays it as a regression case.
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-30}"
status=0
while read -r file name; do
	pkg="./$(dirname "$file")"
	echo "== $pkg $name (${secs}s)"
	if ! go test -run '^$' -fuzz "^${name}\$" -fuzztime "${secs}s" "$pkg" >/tmp/truce-fuzz.log 2>&1; then
		cat /tmp/truce-fuzz.log
		status=1
	fi
done < <(grep -rHo --include='*_test.go' '^func Fuzz[A-Za-z0-9_]*' internal cmd | sed 's/:func / /' | sort -u)
exit $status
