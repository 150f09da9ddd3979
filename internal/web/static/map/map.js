// Truce's map: MapLibre GL JS with an offline style (the embedded Natural
// Earth basemap as GeoJSON, no tile or glyph server: nothing leaves the
// server's origin). Records come from /api/v1/map/features for what is in
// view, after each move (debounced, stale requests aborted); the server
// sends grid cells with counts when a kind has too many records in view.
//
// Labels: no symbol layers (they need glyph files). Place names of the
// basemap are HTML markers; record labels are in popups and in the list
// equivalent under the map, which this script keeps in step with the view.
//
// Every div.truce-map is initialised; the page's main map (#map) is
// exposed as window.truceMap for tests. Exported: initMap, loadMaplibre,
// baseStyle, addDetail, assets, t.

const assetsEl = document.getElementById('map-assets');
export const assets = assetsEl ? assetsEl.dataset : {};
const messages = (() => {
	const el = document.getElementById('i18n');
	try { return el ? JSON.parse(el.textContent) : {}; } catch { return {}; }
})();

// t translates key, filling {name} placeholders from vars.
export function t(key, vars = {}) {
	let s = messages[key] || key;
	for (const [k, v] of Object.entries(vars)) s = s.split('{' + k + '}').join(String(v));
	return s;
}

const abs = (u) => new URL(u, location.href).href;

let maplibre;
// loadMaplibre imports the library once, by its hashed URL, and points it
// at its worker (also hashed, so the library cannot guess the name).
export function loadMaplibre() {
	if (!maplibre) {
		maplibre = import(assets.maplibre).then((m) => {
			m.setWorkerUrl(abs(assets.worker));
			return m;
		});
	}
	return maplibre;
}

const LAND = { 'fill-color': '#f3f0e8' };
const OUTLINE = { 'line-color': '#8f8a7e', 'line-width': 0.8 };
// Below this zoom the 1:110m world is enough; from it on, the 1:50m detail.
const DETAIL_ZOOM = 4;

// baseStyle is the offline style: sea, land by country, their outlines
// (coastlines and borders), from the light 1:110m world. addDetail adds
// the 1:50m countries once the view has its data.
export function baseStyle() {
	return {
		version: 8,
		sources: { world: { type: 'geojson', data: abs(assets.world), maxzoom: 6 } },
		layers: [
			{ id: 'background', type: 'background', paint: { 'background-color': '#c9dcea' } },
			{ id: 'world-fill', type: 'fill', source: 'world', paint: LAND },
			{ id: 'world-outline', type: 'line', source: 'world', paint: OUTLINE },
		],
	};
}

// addDetail adds the 1:50m countries above the world layers and, once
// they are in, keeps the world layers to the small zooms.
export function addDetail(map) {
	if (!assets.basemap || map.getSource('countries')) return;
	map.addSource('countries', { type: 'geojson', data: abs(assets.basemap), maxzoom: 10 });
	map.addLayer({ id: 'countries-fill', type: 'fill', source: 'countries', minzoom: DETAIL_ZOOM, paint: LAND }, 'world-outline');
	map.addLayer({ id: 'countries-outline', type: 'line', source: 'countries', minzoom: DETAIL_ZOOM, paint: OUTLINE },
		map.getLayer('zones-fill') ? 'zones-fill' : undefined);
	const swap = (e) => {
		if (e.sourceId !== 'countries' || !map.isSourceLoaded('countries')) return;
		map.off('sourcedata', swap);
		map.setLayerZoomRange('world-fill', 0, DETAIL_ZOOM);
		map.setLayerZoomRange('world-outline', 0, DETAIL_ZOOM);
		map.getContainer().dataset.detail = 'loaded';
		performance.mark('truce-map-detail');
	};
	map.on('sourcedata', swap);
}

const DEFAULT_BBOX = [45.6, 38.9, 47.9, 40.7];

function parseBBox(s) {
	const n = (s || '').split(',').map(Number);
	return n.length === 4 && n.every(Number.isFinite) ? n : null;
}

// The layers of the API, bottom first, and how each is drawn.
const LAYERS = ['zones', 'hazard_areas', 'corridors', 'line_of_contact', 'sites', 'incidents', 'allegations', 'observations'];
const RECORDS = ['incidents', 'allegations', 'observations'];

const STATUS_COLOURS = ['match', ['get', 'status'],
	'received', '#6a51a3', 'preliminary_review', '#807dba', 'under_investigation', '#d94801',
	'finding', '#238b45', 'closed', '#525252', 'suspended', '#969696', '#6a51a3'];
// Sides get colours in the order of their ids, so that a side keeps its
// colour from one view to the next; the palette avoids red and green.
const SIDE_PALETTE = ['#1f78b4', '#e6a100', '#8e44ad', '#17becf', '#7f4f24', '#e377c2'];

function overlayLayers() {
	const isCell = ['==', ['get', 'kind'], 'cell'];
	const cellRadius = ['interpolate', ['linear'], ['get', 'count'], 1, 6, 100, 14, 10000, 30];
	const cells = (source, colour) => ({ id: source + '-cells', type: 'circle', source, filter: isCell,
		paint: { 'circle-color': colour, 'circle-opacity': 0.55, 'circle-radius': cellRadius, 'circle-stroke-color': '#fff', 'circle-stroke-width': 1 } });
	const clusters = (source, colour) => ({ id: source + '-clusters', type: 'circle', source, filter: ['has', 'point_count'],
		paint: { 'circle-color': colour, 'circle-opacity': 0.7, 'circle-radius': ['interpolate', ['linear'], ['get', 'total'], 2, 9, 50, 16, 5000, 30],
			'circle-stroke-color': '#fff', 'circle-stroke-width': 2 } });
	return [
		{ id: 'zones-fill', type: 'fill', source: 'zones', paint: { 'fill-color': '#9ecae1', 'fill-opacity': 0.25 } },
		{ id: 'zones-outline', type: 'line', source: 'zones', paint: { 'line-color': '#4292c6', 'line-width': 1, 'line-dasharray': [2, 2] } },
		{ id: 'hazard-areas-fill', type: 'fill', source: 'hazard_areas', paint: { 'fill-color': '#cb181d', 'fill-opacity': 0.2 } },
		{ id: 'hazard-areas-outline', type: 'line', source: 'hazard_areas', paint: { 'line-color': '#cb181d', 'line-width': 1 } },
		{ id: 'corridor-fill', type: 'fill', source: 'corridors', filter: ['==', ['geometry-type'], 'Polygon'], paint: { 'fill-color': '#fdae6b', 'fill-opacity': 0.35 } },
		{ id: 'corridor-outline', type: 'line', source: 'corridors', filter: ['==', ['geometry-type'], 'Polygon'], paint: { 'line-color': '#e6550d', 'line-width': 1 } },
		{ id: 'corridor-centre', type: 'line', source: 'corridors', filter: ['==', ['get', 'kind'], 'corridor_centre'], paint: { 'line-color': '#e6550d', 'line-width': 1, 'line-dasharray': [4, 3] } },
		{ id: 'line-of-contact', type: 'line', source: 'line_of_contact', layout: { 'line-join': 'round', 'line-cap': 'round' }, paint: { 'line-color': '#b2182b', 'line-width': 3 } },
		{ id: 'sites', type: 'circle', source: 'sites', paint: { 'circle-color': ['match', ['get', 'status'], 'closed', '#b2182b', 'partial', '#fdae61', 'open', '#1a9850', '#ffffff'], 'circle-radius': 5, 'circle-stroke-color': '#333', 'circle-stroke-width': 1.5 } },
		{ id: 'observations-sectors', type: 'fill', source: 'observations', filter: ['==', ['get', 'kind'], 'sector'], paint: { 'fill-color': '#41ab5d', 'fill-opacity': 0.2, 'fill-outline-color': '#238b45' } },
		cells('observations', '#238b45'),
		{ id: 'observations-points', type: 'circle', source: 'observations', filter: ['==', ['get', 'kind'], 'observation'], paint: { 'circle-color': '#238b45', 'circle-radius': 4, 'circle-stroke-color': '#fff', 'circle-stroke-width': 1 } },
		cells('allegations', '#1f78b4'),
		{ id: 'allegations-points', type: 'circle', source: 'allegations', filter: ['==', ['get', 'kind'], 'allegation'], paint: { 'circle-color': '#1f78b4', 'circle-radius': 4.5, 'circle-stroke-color': '#fff', 'circle-stroke-width': 1 } },
		cells('incidents', '#6a51a3'),
		clusters('observations', '#238b45'), clusters('allegations', '#1f78b4'), clusters('incidents', '#6a51a3'),
		{ id: 'incidents-points', type: 'circle', source: 'incidents', filter: ['==', ['get', 'kind'], 'incident'], paint: { 'circle-color': STATUS_COLOURS, 'circle-radius': 7, 'circle-stroke-color': '#000', 'circle-stroke-width': 1.5 } },
	];
}

const CLICKABLE = ['incidents-clusters', 'allegations-clusters', 'observations-clusters', 'incidents-points', 'incidents-cells', 'allegations-points', 'allegations-cells', 'observations-points',
	'observations-cells', 'observations-sectors', 'sites', 'line-of-contact', 'corridor-fill', 'zones-fill', 'hazard-areas-fill'];

function emptyCollection() { return { type: 'FeatureCollection', features: [] }; }

// viewBBox is the map's bounds as the API takes them: west,south,east,north
// with longitudes in [-180, 180] (a view wider than the world is the world).
function viewBBox(map) {
	const b = map.getBounds();
	let w = b.getWest(), e = b.getEast();
	const s = Math.max(-90, b.getSouth()), n = Math.min(90, b.getNorth());
	if (e - w >= 360) { w = -180; e = 180; }
	const wrap = (x) => ((((x + 180) % 360) + 360) % 360) - 180;
	if (w < -180 || w > 180) w = wrap(w);
	if (e < -180 || e > 180) e = wrap(e);
	const r = (x) => Math.round(x * 1e5) / 1e5;
	return [r(w), r(s), r(e), r(n)];
}

// addPlaceLabels puts the basemap's major places on the map as HTML
// markers (no glyphs needed).
async function addPlaceLabels(maplibregl, map) {
	if (!assets.places) return;
	const res = await fetch(assets.places);
	if (!res.ok) return;
	const fc = await res.json();
	for (const f of fc.features) {
		const el = document.createElement('div');
		el.className = 'map-place rank-' + f.properties.rank;
		el.textContent = f.properties.name;
		el.setAttribute('aria-hidden', 'true');
		new maplibregl.Marker({ element: el, anchor: 'left' }).setLngLat(f.geometry.coordinates).addTo(map);
	}
}

// addOperatorBasemap adds the operator's PMTiles file under the overlays:
// raster tiles as a raster layer; vector tiles as fills and lines for each
// of its layers (no labels).
async function addOperatorBasemap(maplibregl, map) {
	if (!assets.pmtiles || !window.pmtiles) return;
	const protocol = new window.pmtiles.Protocol();
	maplibregl.addProtocol('pmtiles', protocol.tile);
	const url = abs(assets.pmtiles);
	const archive = new window.pmtiles.PMTiles(url);
	protocol.add(archive);
	const header = await archive.getHeader();
	const source = 'operator-basemap';
	const before = 'zones-fill';
	if (header.tileType === 1) { // Mapbox Vector Tiles
		const meta = await archive.getMetadata();
		map.addSource(source, { type: 'vector', url: 'pmtiles://' + url });
		for (const vl of (meta && meta.vector_layers) || []) {
			map.addLayer({ id: source + '-' + vl.id + '-fill', type: 'fill', source, 'source-layer': vl.id,
				filter: ['==', ['geometry-type'], 'Polygon'], paint: { 'fill-color': '#e8e4d8', 'fill-opacity': 0.6 } }, before);
			map.addLayer({ id: source + '-' + vl.id + '-line', type: 'line', source, 'source-layer': vl.id,
				paint: { 'line-color': '#a09a8c', 'line-width': 0.6 } }, before);
		}
	} else {
		map.addSource(source, { type: 'raster', url: 'pmtiles://' + url, tileSize: 256 });
		map.addLayer({ id: source, type: 'raster', source }, before);
	}
}

// statusKey is the message key of a record's status.
const statusKey = (st) => (st === 'lodged' || st === 'withdrawn' ? 'dash.map.status.' + st : 'status.' + st);

// The sides' names of the latest view, for the popups.
let sideNames = {};

// popupContent is a short summary of a feature, in words: what, when,
// which side, its status, and a link to the record.
function popupContent(f) {
	const p = f.properties;
	const box = document.createElement('div');
	box.className = 'map-popup';
	const line = (text, cls) => {
		const el = document.createElement('p');
		el.dir = 'auto';
		el.textContent = text;
		if (cls) el.className = cls;
		box.append(el);
	};
	if (p.cluster) {
		line(t('map.list.cell', { count: p.total || p.point_count }));
		return box;
	}
	const records = { incident: 1, allegation: 1, observation: 1 };
	if (records[p.kind]) {
		const what = p.category ? t('category.' + p.category) : '';
		line(p.kind === 'incident' && p.label ? p.label : what, 'map-popup-title');
		if (p.kind === 'incident' && what) line(what);
		if (p.start) line(t('dash.map.popup.when', { when: String(p.start).replace('T', ' ').replace(/:00Z$|Z$/, ' UTC') }));
		if (p.side && sideNames[p.side]) line(t('dash.map.popup.side', { side: sideNames[p.side] }));
		if (p.status) line(t('dash.map.popup.status', { status: t(statusKey(p.status)) }));
	} else {
		line(p.label || p.id, 'map-popup-title');
	}
	if (p.kind === 'cell') {
		line(t('map.list.cell', { count: p.count }));
	} else if (p.url) {
		const a = document.createElement('a');
		a.href = p.url;
		a.textContent = t('map.open');
		box.append(a);
	}
	return box;
}

// updateList rebuilds the list equivalent from the view's features.
function updateList(view) {
	const tbody = document.querySelector('#map-list tbody');
	if (!tbody) return;
	const rows = [];
	for (const layer of LAYERS) {
		const fc = view.layers[layer];
		if (!fc) continue;
		for (const f of fc.features) {
			const p = f.properties;
			if (p.kind === 'sector' || p.kind === 'corridor_centre') continue;
			const tr = document.createElement('tr');
			const kind = document.createElement('td');
			kind.textContent = t('map.layer.' + layer);
			const label = document.createElement('td');
			const name = (p.kind === 'allegation' || p.kind === 'observation') && p.category ? t('category.' + p.category) : (p.label || p.id);
			if (p.url) {
				const a = document.createElement('a');
				a.href = p.url;
				a.dir = 'auto';
				a.textContent = name;
				label.append(a);
			} else {
				const b = document.createElement('bdi');
				b.textContent = p.label || p.id;
				label.append(b);
			}
			const detail = document.createElement('td');
			detail.dir = 'auto';
			const words = [p.status && RECORDS.includes(layer) ? t(statusKey(p.status)) : '', p.category ? t('category.' + p.category) : '',
				p.start ? String(p.start).slice(0, 16).replace('T', ' ') : ''];
			detail.textContent = words.filter((x) => x && x !== p.label).join(' · ');
			tr.append(kind, label, detail);
			rows.push(tr);
		}
	}
	if (rows.length === 0) {
		const tr = document.createElement('tr');
		const td = document.createElement('td');
		td.colSpan = 3;
		td.textContent = t('map.list.empty');
		tr.append(td);
		rows.push(tr);
	}
	tbody.replaceChildren(...rows);
}

function sideColours(sides) {
	const ids = Object.keys(sides || {}).sort();
	if (ids.length === 0) return '#1f78b4';
	const expr = ['match', ['get', 'side']];
	ids.forEach((id, i) => expr.push(id, SIDE_PALETTE[i % SIDE_PALETTE.length]));
	expr.push('#7f7f7f'); // not lodged by a side
	return expr;
}

// filterParams reads the filter form: the same names as the API's.
function filterParams(form) {
	const out = new URLSearchParams();
	if (!form) return out;
	for (const name of ['day', 'from', 'to', 'side', 'category', 'status']) {
		const el = form.elements[name];
		if (el && el.value) out.set(name, el.value);
	}
	return out;
}

// initMap makes el a map. opts.focus {kind, id} rings one record (kind is
// an API layer: incidents, allegations, observations); opts.bbox
// [w, s, e, n] is the first view; opts.layers, a list of API layers, limits
// what is asked for (the form widgets ask for geography only). Resolves to
// the MapLibre map.
export async function initMap(el, opts = {}) {
	const maplibregl = await loadMaplibre();
	const bbox = opts.bbox || parseBBox(el.dataset.bbox) || DEFAULT_BBOX;
	const focus = opts.focus || (el.dataset.focusKind ? { kind: el.dataset.focusKind, id: el.dataset.focusId } : null);
	const api = el.dataset.api || '/api/v1/map/features';
	const form = el.id === 'map' ? document.getElementById('map-filters') : null;
	const status = el.id === 'map' ? document.getElementById('map-message') : null;
	const map = new maplibregl.Map({
		container: el, style: baseStyle(), bounds: [[bbox[0], bbox[1]], [bbox[2], bbox[3]]],
		attributionControl: false, maplibreLogo: false, dragRotate: false, pitchWithRotate: false,
	});
	map.addControl(new maplibregl.NavigationControl({ showCompass: false }));
	map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }));
	el.dataset.state = 'loading';

	let controller = null;
	let timer = null;
	let generation = 0;
	// The first request goes out with the style still loading; its answer
	// waits for the style's sources.
	let markStyleReady;
	const styleReady = new Promise((resolve) => { markStyleReady = resolve; });
	const load = async () => {
		if (controller) controller.abort();
		controller = new AbortController();
		const mine = ++generation;
		const params = filterParams(form);
		if (opts.layers) params.set('layers', opts.layers.join(','));
		const b = viewBBox(map);
		params.set('bbox', b.join(','));
		params.set('zoom', (Math.round(map.getZoom() * 100) / 100).toString());
		if (status) status.textContent = t('map.loading');
		try {
			const res = await fetch(api + '?' + params, { signal: controller.signal, headers: { Accept: 'application/json' } });
			const body = await res.json();
			if (!res.ok) throw new Error(body.detail || body.title || res.statusText);
			await styleReady;
			if (mine !== generation) return;
			for (const layer of LAYERS) {
				const src = map.getSource(layer);
				if (src) src.setData(body.layers[layer] || emptyCollection());
			}
			sideNames = body.sides || {};
			map.setPaintProperty('allegations-points', 'circle-color', sideColours(body.sides));
			updateList(body);
			if (status) {
				status.textContent = RECORDS.filter((k) => body.aggregated[k])
					.map((k) => t('map.aggregated', { kind: t('map.layer.' + k), count: body.totals[k] })).join(' ');
			}
			if (form) {
				form.elements.bbox.value = b.join(',');
				form.elements.zoom.value = params.get('zoom');
				const url = new URL(location.href);
				url.search = params.toString();
				history.replaceState(null, '', url);
			}
			performance.mark('truce-map-data');
			el.dataset.state = 'loaded';
			// The view is complete once drawn with its data; the 1:50m detail
			// of the basemap follows.
			if (!map.getSource('countries')) {
				map.once('idle', () => {
					performance.mark('truce-map-idle');
					el.dataset.drawn = 'true';
					addDetail(map);
				});
			}
			el.dataset.generation = String(mine);
			el.dispatchEvent(new CustomEvent('truce:mapdata', { detail: body }));
		} catch (err) {
			if (err.name === 'AbortError') return;
			el.dataset.state = 'error';
			if (status) status.textContent = t('map.error', { message: err.message });
		}
	};
	const schedule = () => {
		clearTimeout(timer);
		timer = setTimeout(load, 150);
	};

	map.on('load', async () => {
		performance.mark('truce-map-style');
		for (const layer of LAYERS) {
			// Records cluster on the client when many are near each other;
			// total sums the records (a server grid cell counts many).
			const cluster = RECORDS.includes(layer) ? { cluster: true, clusterRadius: 36, clusterMaxZoom: 12,
				clusterProperties: { total: ['+', ['coalesce', ['get', 'count'], 1]] } } : {};
			map.addSource(layer, { type: 'geojson', data: emptyCollection(), ...cluster });
		}
		for (const l of overlayLayers()) map.addLayer(l);
		if (focus) {
			map.addLayer({ id: 'focus', type: 'circle', source: focus.kind, filter: ['==', ['get', 'id'], focus.id],
				paint: { 'circle-color': 'rgba(0,0,0,0)', 'circle-radius': 12, 'circle-stroke-color': '#000', 'circle-stroke-width': 3 } });
		}
		markStyleReady();
		try { await addOperatorBasemap(maplibregl, map); } catch (err) { console.warn('operator basemap:', err.message); }
		addPlaceLabels(maplibregl, map).catch((err) => console.warn('place labels:', err.message));
		map.on('moveend', schedule);
		if (opts.layers && opts.layers.length === 0) addDetail(map);
		for (const id of CLICKABLE) {
			map.on('mouseenter', id, () => { map.getCanvas().style.cursor = 'pointer'; });
			map.on('mouseleave', id, () => { map.getCanvas().style.cursor = ''; });
		}
		map.on('click', (e) => {
			const hits = map.queryRenderedFeatures(e.point, { layers: CLICKABLE.filter((id) => map.getLayer(id)) });
			if (hits.length === 0) return;
			const f = hits[0];
			if (f.properties.cluster) {
				new maplibregl.Popup().setLngLat(e.lngLat).setDOMContent(popupContent(f)).addTo(map);
				map.getSource(f.source).getClusterExpansionZoom(f.properties.cluster_id)
					.then((z) => map.easeTo({ center: f.geometry.coordinates, zoom: z }), () => {});
				return;
			}
			if (f.properties.kind === 'cell' && f.properties.bbox) {
				const b = typeof f.properties.bbox === 'string' ? JSON.parse(f.properties.bbox) : f.properties.bbox;
				new maplibregl.Popup().setLngLat(e.lngLat).setDOMContent(popupContent(f)).addTo(map);
				map.fitBounds([[b[0], b[1]], [b[2], b[3]]], { padding: 20 });
				return;
			}
			new maplibregl.Popup().setLngLat(e.lngLat).setDOMContent(popupContent(f)).addTo(map);
		});
	});
	load();

	if (form) {
		form.addEventListener('submit', (e) => {
			// The download buttons go to their own address.
			if (e.submitter && e.submitter.hasAttribute('formaction')) return;
			e.preventDefault();
			load();
		});
		timeSlider(form, schedule);
		form.addEventListener('change', (e) => {
			const layer = e.target.dataset && e.target.dataset.layer;
			if (layer) {
				const vis = e.target.checked ? 'visible' : 'none';
				for (const l of map.getStyle().layers) if (l.source === layer) map.setLayoutProperty(l.id, 'visibility', vis);
				return;
			}
			schedule();
		});
	}
	return map;
}

// timeSlider drives the form's from and to from a range input over the
// days with reports: the slider picks the last day, the select how many
// days up to it are shown. Without script the date fields do the same.
function timeSlider(form, changed) {
	const box = document.getElementById('map-time');
	if (!box) return;
	const range = document.getElementById('map-time-range');
	const out = document.getElementById('map-time-out');
	const win = document.getElementById('map-time-window');
	const day = 86400000;
	const min = Date.parse(box.dataset.min + 'T00:00:00Z');
	const max = Date.parse(box.dataset.max + 'T00:00:00Z');
	if (!Number.isFinite(min) || !Number.isFinite(max) || max < min) return;
	const iso = (ms) => new Date(ms).toISOString().slice(0, 10);
	range.max = String(Math.round((max - min) / day));
	const to = Date.parse((form.elements.to.value || form.elements.day.value || box.dataset.max) + 'T00:00:00Z');
	range.value = String(Number.isFinite(to) ? Math.max(0, Math.min(Number(range.max), Math.round((to - min) / day))) : range.max);
	const show = () => {
		const end = min + Number(range.value) * day;
		const start = end - (Number(win.value) - 1) * day;
		out.value = Number(win.value) === 1 ? iso(end) : iso(start) + ' – ' + iso(end);
		return [iso(start), iso(end)];
	};
	const apply = () => {
		const [from, to] = show();
		form.elements.day.value = '';
		form.elements.from.value = from;
		form.elements.to.value = to;
		changed();
	};
	range.addEventListener('input', apply);
	win.addEventListener('change', (e) => { e.stopPropagation(); apply(); });
	show();
	box.hidden = false;
}

for (const el of document.querySelectorAll('div.truce-map')) {
	initMap(el).then((map) => {
		if (el.id === 'map') window.truceMap = map;
	}, (err) => {
		el.dataset.state = 'error';
		console.error('map:', err);
	});
}
