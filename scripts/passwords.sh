#!/usr/bin/env bash
# Refreshes the embedded list of common passwords that account.CheckPassword
# refuses, from the npm package @zxcvbn-ts/language-common (MIT). go build
# never needs npm: the output is committed. Needs node and npm:
#
#   scripts/passwords.sh                         # the version pinned below
#   ZXCVBN_COMMON=4.1.3 scripts/passwords.sh     # another version
#
# What it writes, in internal/account/commonpw/:
#   passwords.txt.gz   one password a line, lower-cased, sorted, unique (gzip -n)
#   LICENCE            the package's licence
#   VERSION            package@version and the sha256 of the package and the list
set -euo pipefail
cd "$(dirname "$0")/.."
out=internal/account/commonpw
ZXCVBN_COMMON="${ZXCVBN_COMMON:-4.1.3}"
pkg="@zxcvbn-ts/language-common@${ZXCVBN_COMMON}"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(
	cd "$tmp"
	npm pack --silent "$pkg" >/dev/null
	tar xzf ./*.tgz
)
tarball=$(ls "$tmp"/*.tgz)
lic=$(node -e 'console.log(require(process.argv[1]).license)' "$tmp/package/package.json")
case "$lic" in
MIT | ISC | BSD-2-Clause | BSD-3-Clause | Apache-2.0 | 0BSD | CC0-1.0) ;;
*)
	echo "passwords.sh: $pkg is licensed $lic, not a permissive licence this script accepts" >&2
	exit 1
	;;
esac

mkdir -p "$out"
# The list is a JSON array of strings; lower-case (the check ignores case),
# drop blanks and any line breaks, sort bytewise, keep one of each.
node -e '
const list = require(process.argv[1]);
if (!Array.isArray(list)) { console.error("passwords.json is not an array"); process.exit(1); }
for (const p of list) {
	const s = String(p).toLowerCase();
	if (s.trim() !== "" && !/[\r\n]/.test(s)) console.log(s);
}' "$tmp/package/src/passwords.json" | LC_ALL=C sort -u | gzip -9n >"$out/passwords.txt.gz"

n=$(gzip -dc "$out/passwords.txt.gz" | wc -l)
if [ "$n" -lt 10000 ]; then
	echo "passwords.sh: only $n passwords in $pkg; the policy needs at least 10,000" >&2
	exit 1
fi
cp "$tmp/package/LICENSE.txt" "$out/LICENCE"
{
	echo "$pkg ($lic) src/passwords.json: $n passwords"
	echo "sha256 $(sha256sum "$tarball" | cut -d' ' -f1) $(basename "$tarball")"
	echo "sha256 $(sha256sum "$out/passwords.txt.gz" | cut -d' ' -f1) passwords.txt.gz"
} >"$out/VERSION"
echo "wrote $out: $n passwords from $pkg"
