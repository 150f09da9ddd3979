#!/usr/bin/env bash
# Refreshes the map's vendored browser files from npm into
# internal/web/static/vendor/. go build never needs npm: the output is
# committed. Needs node and npm; run from anywhere:
#
#   scripts/vendor.sh                 # the versions pinned below
#   MAPLIBRE=6.17.0 scripts/vendor.sh # another version of one package
#
# What it writes:
#   maplibre-gl.js, maplibre-gl-worker.js, maplibre-gl.css   MapLibre GL JS (ES modules)
#   pmtiles.js                                              pmtiles protocol (IIFE, global "pmtiles", fflate inside)
#   basemap-world.json                                      Natural Earth 1:110m countries (GeoJSON, 2 decimals)
#   basemap-countries.json                                  Natural Earth 1:50m countries (GeoJSON, 2 decimals)
#   basemap-places.json                                     a short hand-made list of major places (not npm)
#   LICENCE.<package>                                       each package's licence
#   VERSIONS                                                package@version and the sha256 of every file
set -euo pipefail
cd "$(dirname "$0")/.."
out=internal/web/static/vendor
MAPLIBRE="${MAPLIBRE:-6.17.0}"
PMTILES="${PMTILES:-4.5.0}"
WORLD_ATLAS="${WORLD_ATLAS:-2.0.2}"
TOPOJSON_CLIENT="${TOPOJSON_CLIENT:-3.1.0}"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(
	cd "$tmp"
	npm init -y >/dev/null
	npm install --no-audit --no-fund --ignore-scripts --loglevel=error \
		"maplibre-gl@$MAPLIBRE" "pmtiles@$PMTILES" "world-atlas@$WORLD_ATLAS" "topojson-client@$TOPOJSON_CLIENT" >/dev/null
)
nm="$tmp/node_modules"
mkdir -p "$out"
rm -f "$out"/*

# MapLibre 6 ships ES modules only. The page imports the library by its
# hashed URL and tells it where the worker is (setWorkerUrl), so the
# file names need not match the package's.
cp "$nm/maplibre-gl/dist/maplibre-gl.mjs" "$out/maplibre-gl.js"
cp "$nm/maplibre-gl/dist/maplibre-gl-worker.mjs" "$out/maplibre-gl-worker.js"
cp "$nm/maplibre-gl/dist/maplibre-gl.css" "$out/maplibre-gl.css"
# The source maps point at files we do not ship; drop the reference.
sed -i '/^\/\/# sourceMappingURL=/d' "$out/maplibre-gl.js" "$out/maplibre-gl-worker.js"
cp "$nm/maplibre-gl/LICENSE.txt" "$out/LICENCE.maplibre-gl"

cp "$nm/pmtiles/dist/pmtiles.js" "$out/pmtiles.js"
sed -i '/^\/\/# sourceMappingURL=/d' "$out/pmtiles.js"
# The pmtiles package carries no licence file; its package.json says
# BSD-3-Clause (Copyright Protomaps LLC). fflate is bundled inside pmtiles.js.
{
	echo "pmtiles $PMTILES — package.json: \"license\": \"$(node -p "require('$nm/pmtiles/package.json').license")\""
	echo "The npm package ships no licence file; the text below is the BSD 3-Clause licence"
	echo "as published in https://github.com/protomaps/PMTiles (LICENSE)."
	echo
	cat <<'EOF'
Copyright 2021 Protomaps LLC

Redistribution and use in source and binary forms, with or without modification, are permitted
provided that the following conditions are met:

1. Redistributions of source code must retain the above copyright notice, this list of conditions
   and the following disclaimer.
2. Redistributions in binary form must reproduce the above copyright notice, this list of
   conditions and the following disclaimer in the documentation and/or other materials provided
   with the distribution.
3. Neither the name of the copyright holder nor the names of its contributors may be used to
   endorse or promote products derived from this software without specific prior written
   permission.

THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS "AS IS" AND ANY EXPRESS OR
IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE IMPLIED WARRANTIES OF MERCHANTABILITY AND
FITNESS FOR A PARTICULAR PURPOSE ARE DISCLAIMED. IN NO EVENT SHALL THE COPYRIGHT HOLDER OR
CONTRIBUTORS BE LIABLE FOR ANY DIRECT, INDIRECT, INCIDENTAL, SPECIAL, EXEMPLARY, OR CONSEQUENTIAL
DAMAGES (INCLUDING, BUT NOT LIMITED TO, PROCUREMENT OF SUBSTITUTE GOODS OR SERVICES; LOSS OF USE,
DATA, OR PROFITS; OR BUSINESS INTERRUPTION) HOWEVER CAUSED AND ON ANY THEORY OF LIABILITY, WHETHER
IN CONTRACT, STRICT LIABILITY, OR TORT (INCLUDING NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY OUT
OF THE USE OF THIS SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF SUCH DAMAGE.
EOF
} >"$out/LICENCE.pmtiles"
cp "$nm/fflate/LICENSE" "$out/LICENCE.fflate"

# Natural Earth (public domain) through world-atlas (ISC): countries as
# polygons at two scales. The map draws their outlines as coastlines and
# borders, which keeps the embedded basemap under 2 MB. Coordinates are rounded to 2
# decimals (about 1 km), what a 1:50m source resolves anyway.
cp "$nm/world-atlas/LICENSE" "$out/LICENCE.world-atlas"
cp "$nm/topojson-client/LICENSE" "$out/LICENCE.topojson-client"
NODE_PATH="$nm" node - "$nm" "$out" <<'EOF'
const [nm, out] = process.argv.slice(2);
const fs = require('fs');
const topojson = require('topojson-client');
const round = (v) => Math.round(v * 100) / 100;
function roundCoords(c) {
	if (typeof c[0] === 'number') return [round(c[0]), round(c[1])];
	const r = c.map(roundCoords);
	// Rounding can make neighbouring vertices equal: keep one.
	if (typeof r[0][0] === 'number') {
		return r.filter((p, i) => i === 0 || p[0] !== r[i - 1][0] || p[1] !== r[i - 1][1]);
	}
	return r;
}
function geometry(g) { return { type: g.type, coordinates: roundCoords(g.coordinates) }; }
// The map draws the light 1:110m world first and adds the 1:50m detail
// once the view has its data (parsing 1.5 MB of GeoJSON would delay it).
for (const [scale, name] of [['110m', 'basemap-world.json'], ['50m', 'basemap-countries.json']]) {
	const countries = require(nm + '/world-atlas/countries-' + scale + '.json');
	const polys = topojson.feature(countries, countries.objects.countries);
	const fc = {
		type: 'FeatureCollection',
		features: polys.features.filter((f) => f.geometry).map((f) => ({
			type: 'Feature', properties: { name: f.properties.name }, geometry: geometry(f.geometry),
		})),
	};
	fs.writeFileSync(out + '/' + name, JSON.stringify(fc));
}
EOF

# Major places of the region, by hand (approximate public coordinates,
# names in English): Natural Earth's populated places are not on npm in a
# form worth a dependency. The record places of a mission come from its
# gazetteer, not from here.
cat >"$out/basemap-places.json" <<'EOF'
{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"name":"Baku","rank":1},"geometry":{"type":"Point","coordinates":[49.867,40.409]}},
{"type":"Feature","properties":{"name":"Yerevan","rank":1},"geometry":{"type":"Point","coordinates":[44.513,40.177]}},
{"type":"Feature","properties":{"name":"Tbilisi","rank":1},"geometry":{"type":"Point","coordinates":[44.793,41.715]}},
{"type":"Feature","properties":{"name":"Tehran","rank":1},"geometry":{"type":"Point","coordinates":[51.389,35.689]}},
{"type":"Feature","properties":{"name":"Ankara","rank":1},"geometry":{"type":"Point","coordinates":[32.854,39.920]}},
{"type":"Feature","properties":{"name":"Moscow","rank":1},"geometry":{"type":"Point","coordinates":[37.618,55.756]}},
{"type":"Feature","properties":{"name":"Ganja","rank":2},"geometry":{"type":"Point","coordinates":[46.361,40.683]}},
{"type":"Feature","properties":{"name":"Nakhchivan","rank":2},"geometry":{"type":"Point","coordinates":[45.413,39.209]}},
{"type":"Feature","properties":{"name":"Gyumri","rank":2},"geometry":{"type":"Point","coordinates":[43.847,40.789]}},
{"type":"Feature","properties":{"name":"Tabriz","rank":2},"geometry":{"type":"Point","coordinates":[46.292,38.080]}},
{"type":"Feature","properties":{"name":"Mingachevir","rank":3},"geometry":{"type":"Point","coordinates":[47.059,40.764]}},
{"type":"Feature","properties":{"name":"Barda","rank":3},"geometry":{"type":"Point","coordinates":[47.126,40.374]}},
{"type":"Feature","properties":{"name":"Goris","rank":3},"geometry":{"type":"Point","coordinates":[46.338,39.511]}},
{"type":"Feature","properties":{"name":"Kapan","rank":3},"geometry":{"type":"Point","coordinates":[46.405,39.207]}},
{"type":"Feature","properties":{"name":"Vanadzor","rank":3},"geometry":{"type":"Point","coordinates":[44.488,40.812]}}
]}
EOF

{
	for p in maplibre-gl pmtiles fflate world-atlas topojson-client; do
		echo "$p@$(node -p "require('$nm/$p/package.json').version")"
	done
	echo
	(cd "$out" && sha256sum $(ls | grep -v '^VERSIONS$'))
} >"$out/VERSIONS"
ls -l "$out"
