// Drawing a ring on a small map, for the forms that take a perimeter:
//
//   <div class="map-draw" data-target="TEXTAREA_ID"></div>
//
// Each click on the map adds a corner; the textarea (one "lat, lon" per
// line, which the server reads) is rewritten from the corners, and typing
// or pasting in it redraws them. Undo drops the last corner, Clear all of
// them. Without JavaScript the textarea works alone. The maps are in
// window.truceDrawings for tests.

const assets = document.getElementById('map-assets').dataset;
const mapModule = import(assets.map);
const GEOGRAPHY = ['line_of_contact', 'zones', 'corridors', 'sites'];
window.truceDrawings = [];
const round = (x) => Math.round(x * 1e6) / 1e6;

// corners reads the textarea's "lat, lon" lines; other lines (GeoJSON
// pasted, comments) leave the drawing empty: the server reads them.
function corners(text) {
	const out = [];
	for (const raw of text.split('\n')) {
		const line = raw.trim();
		if (line === '' || line.startsWith('#')) continue;
		const parts = /[;\t]/.test(line) ? line.split(/[;\t]/).map((p) => p.trim().replace(',', '.'))
			: line.includes(',') ? line.split(',') : line.split(/\s+/);
		if (parts.length !== 2) return [];
		const lat = Number(parts[0]), lon = Number(parts[1]);
		if (!Number.isFinite(lat) || !Number.isFinite(lon)) return [];
		out.push([lon, lat]);
	}
	return out;
}

function button(label, onClick) {
	const b = document.createElement('button');
	b.type = 'button';
	b.textContent = label;
	b.addEventListener('click', onClick);
	return b;
}

async function draw(div) {
	const { initMap, t } = await mapModule;
	const target = document.getElementById(div.dataset.target);
	if (!target) return;
	const el = document.createElement('div');
	el.className = 'map-widget';
	const hint = document.createElement('p');
	hint.className = 'map-hint';
	hint.textContent = t('forms.draw.hint');
	let pts = corners(target.value);
	const write = () => {
		target.value = pts.map(([lon, lat]) => `${round(lat)}, ${round(lon)}`).join('\n');
		target.dispatchEvent(new Event('input', { bubbles: true }));
	};
	const tools = document.createElement('div');
	tools.className = 'map-tools';
	tools.append(button(t('forms.draw.undo'), () => { pts.pop(); write(); redraw(); }),
		button(t('forms.draw.clear'), () => { pts = []; write(); redraw(); }));
	div.append(el, hint, tools);
	const map = await initMap(el, { layers: GEOGRAPHY, bbox: div.dataset.bbox ? div.dataset.bbox.split(',').map(Number) : undefined });
	function redraw() {
		const src = map.getSource('drawn');
		if (!src) return;
		const features = [];
		if (pts.length >= 3) features.push({ type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: [[...pts, pts[0]]] } });
		else if (pts.length === 2) features.push({ type: 'Feature', properties: {}, geometry: { type: 'LineString', coordinates: pts } });
		for (const p of pts) features.push({ type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: p } });
		src.setData({ type: 'FeatureCollection', features });
	}
	const ready = () => {
		map.addSource('drawn', { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
		map.addLayer({ id: 'drawn-fill', type: 'fill', source: 'drawn', filter: ['==', '$type', 'Polygon'], paint: { 'fill-color': '#d6604d', 'fill-opacity': 0.3 } });
		map.addLayer({ id: 'drawn-line', type: 'line', source: 'drawn', filter: ['!=', '$type', 'Point'], paint: { 'line-color': '#b2182b', 'line-width': 2 } });
		map.addLayer({ id: 'drawn-corners', type: 'circle', source: 'drawn', filter: ['==', '$type', 'Point'], paint: { 'circle-radius': 4, 'circle-color': '#b2182b' } });
		redraw();
	};
	if (map.loaded()) ready(); else map.once('load', ready);
	map.on('click', (e) => {
		pts.push([e.lngLat.lng, e.lngLat.lat]);
		write();
		redraw();
	});
	target.addEventListener('input', (e) => {
		if (e.isTrusted) { pts = corners(target.value); redraw(); }
	});
	window.truceDrawings.push({ element: div, map });
}

for (const div of document.querySelectorAll('div.map-draw')) draw(div).catch((err) => console.error('map-draw:', err));
