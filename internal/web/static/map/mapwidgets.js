// Map widgets for forms (the page builds the form; these only help it):
//
//   <div class="map-pick" data-lat="LAT_INPUT_ID" data-lon="LON_INPUT_ID"></div>
//     a small map: a click sets the two number inputs; typing in them moves
//     the marker. Without JavaScript the inputs work as they are.
//
//   <div class="map-sector" data-lat=".." data-lon=".." data-bearing-from=".."
//        data-bearing-to=".." data-distance-min=".." data-distance-max=".."></div>
//     draws the observation's probable area live as the inputs change: the
//     geodesic sector seen from (lat, lon) between the bearings (degrees
//     clockwise from north, sweeping clockwise) and the distances (metres),
//     computed as the server does (internal/geo/sector.go); a single bearing
//     spreads 5 degrees either side, no bearing draws a full circle.
//
// The page includes the tags listed at the top of templates/map.html. The
// widgets' maps are in window.truceWidgets for tests.

const assets = document.getElementById('map-assets').dataset;
const mapModule = import(assets.map);

const EARTH_RADIUS = 6371008.8; // metres, as internal/geo
const SINGLE_BEARING_SPREAD = 5;
const STEPS = 16;
// The widgets show the geography for orientation, not the records.
const GEOGRAPHY = ['line_of_contact', 'zones', 'corridors', 'sites'];

const rad = (d) => (d * Math.PI) / 180;
const deg = (r) => (r * 180) / Math.PI;

// destination is the point distance metres from [lon, lat] along bearing.
export function destination(lon, lat, bearing, distance) {
	const φ1 = rad(lat), λ1 = rad(lon), θ = rad(bearing), δ = distance / EARTH_RADIUS;
	const sinφ2 = Math.sin(φ1) * Math.cos(δ) + Math.cos(φ1) * Math.sin(δ) * Math.cos(θ);
	const φ2 = Math.asin(Math.max(-1, Math.min(1, sinφ2)));
	const λ2 = λ1 + Math.atan2(Math.sin(θ) * Math.sin(δ) * Math.cos(φ1), Math.cos(δ) - Math.sin(φ1) * sinφ2);
	return [((deg(λ2) + 540) % 360) - 180, deg(φ2)];
}

// sector returns the ring of the probable area, or null when the inputs do
// not make one.
export function sector(lon, lat, from, to, min, max) {
	if (![lon, lat, min, max].every(Number.isFinite) || max <= min || min < 0) return null;
	let full = false;
	if (!Number.isFinite(from)) { full = true; from = 0; to = 360; }
	else if (!Number.isFinite(to) || to === from) { to = from + SINGLE_BEARING_SPREAD; from -= SINGLE_BEARING_SPREAD; }
	let sweep = (((to - from) % 360) + 360) % 360;
	if (full || sweep === 0) { sweep = 360; full = true; }
	// Without a direction the area is a disc: the server refuses a minimum.
	if (full && min > 0) return null;
	const arc = (r) => Array.from({ length: STEPS + 1 }, (_, i) => destination(lon, lat, from + (sweep * i) / STEPS, r));
	let ring = arc(max);
	if (full) ring[ring.length - 1] = ring[0];
	else if (min === 0) ring = [...ring, [lon, lat], ring[0]];
	else ring = [...ring, ...arc(min).reverse(), ring[0]];
	return ring.reverse();
}

const num = (el) => (el && el.value !== '' ? Number(el.value) : NaN);
const byId = (id) => (id ? document.getElementById(id) : null);
window.truceWidgets = [];

function container(div, hint) {
	const el = document.createElement('div');
	el.className = 'map-widget';
	const p = document.createElement('p');
	p.className = 'map-hint';
	p.textContent = hint;
	div.append(el, p);
	return el;
}

async function pick(div) {
	const { initMap, t, loadMaplibre } = await mapModule;
	const maplibregl = await loadMaplibre();
	const latIn = byId(div.dataset.lat), lonIn = byId(div.dataset.lon);
	if (!latIn || !lonIn) return;
	const el = container(div, t('map.pick.hint'));
	const map = await initMap(el, { layers: GEOGRAPHY, bbox: div.dataset.bbox ? div.dataset.bbox.split(',').map(Number) : undefined });
	let marker = null;
	const place = (lon, lat) => {
		if (!marker) marker = new maplibregl.Marker({ color: '#b2182b' }).setLngLat([lon, lat]).addTo(map);
		else marker.setLngLat([lon, lat]);
	};
	map.on('click', (e) => {
		const r = (x) => Math.round(x * 1e5) / 1e5;
		latIn.value = r(e.lngLat.lat);
		lonIn.value = r(e.lngLat.lng);
		for (const input of [latIn, lonIn]) {
			input.dispatchEvent(new Event('input', { bubbles: true }));
			input.dispatchEvent(new Event('change', { bubbles: true }));
		}
		place(e.lngLat.lng, e.lngLat.lat);
	});
	const fromInputs = () => {
		const lat = num(latIn), lon = num(lonIn);
		if (Number.isFinite(lat) && Number.isFinite(lon) && Math.abs(lat) <= 90 && Math.abs(lon) <= 180) place(lon, lat);
	};
	latIn.addEventListener('input', fromInputs);
	lonIn.addEventListener('input', fromInputs);
	fromInputs();
	window.truceWidgets.push({ kind: 'pick', element: div, map });
}

async function drawSector(div) {
	const { initMap, t } = await mapModule;
	const ins = {};
	for (const k of ['lat', 'lon', 'bearingFrom', 'bearingTo', 'distanceMin', 'distanceMax']) ins[k] = byId(div.dataset[k]);
	if (!ins.lat || !ins.lon || !ins.distanceMax) return;
	const el = container(div, t('map.sector.hint'));
	const map = await initMap(el, { layers: GEOGRAPHY });
	const redraw = () => {
		const src = map.getSource('sector');
		if (!src) return;
		const ring = sector(num(ins.lon), num(ins.lat), num(ins.bearingFrom), num(ins.bearingTo), num(ins.distanceMin) || 0, num(ins.distanceMax));
		src.setData({ type: 'FeatureCollection', features: ring ? [{ type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: [ring] } }] : [] });
		if (ring) {
			const lons = ring.map((p) => p[0]), lats = ring.map((p) => p[1]);
			map.fitBounds([[Math.min(...lons), Math.min(...lats)], [Math.max(...lons), Math.max(...lats)]], { padding: 30, maxZoom: 13, duration: 0 });
		}
	};
	const ready = () => {
		map.addSource('sector', { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
		map.addLayer({ id: 'sector-fill', type: 'fill', source: 'sector', paint: { 'fill-color': '#41ab5d', 'fill-opacity': 0.3 } });
		map.addLayer({ id: 'sector-outline', type: 'line', source: 'sector', paint: { 'line-color': '#238b45', 'line-width': 2 } });
		redraw();
	};
	if (map.loaded()) ready(); else map.once('load', ready);
	for (const input of Object.values(ins)) if (input) input.addEventListener('input', redraw);
	window.truceWidgets.push({ kind: 'sector', element: div, map });
}

for (const div of document.querySelectorAll('div.map-pick')) pick(div).catch((err) => console.error('map-pick:', err));
for (const div of document.querySelectorAll('div.map-sector')) drawSector(div).catch((err) => console.error('map-sector:', err));
