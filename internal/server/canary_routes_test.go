package server_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"testing"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/exchange"
	"github.com/truce-monitoring/truce/internal/ledger"
	"github.com/truce-monitoring/truce/internal/report"
	"github.com/truce-monitoring/truce/internal/web"
)

// canaryRequest is one request of the canary matrix.
type canaryRequest struct {
	method, path string
	form         url.Values // a form body (POST)
	json         string     // a JSON body (POST)
}

func get(paths ...string) []canaryRequest {
	out := make([]canaryRequest, len(paths))
	for i, p := range paths {
		out[i] = canaryRequest{method: "GET", path: p}
	}
	return out
}

// Reports the matrix reads: drafts of the fixtures' day and month, and an
// issued edition of each (canaryRoutes issues them).
const (
	canaryDay      = "2021-06-12"
	canaryFrom     = "2021-06-01"
	canaryTo       = "2021-06-30"
	canaryIssuedOf = "summary-2021-06-01-2021-06-30-"
)

// canaryReportFormats are the formats a draft or issued report is read in.
var canaryReportFormats = []string{"json", "html", "csv", "pdf"}

// canaryRoutes is the matrix's parameter table: for every route of the
// route tables, the requests that read it with the canary fixtures' ids in
// its parameters. A GET route (or a read-like POST) without a row fails
// the test. Writes are the policy matrix's (TestPolicyMatrix); their rows
// here are nil.
func canaryRoutes(t *testing.T, s *testServer, fx *canaryFixtures) map[string][]canaryRequest {
	t.Helper()
	ids := fx.ids
	orgs := s.loaded.Orgs
	az, am := orgs["AZ"], orgs["AM"]
	id := func(prefix string, keys ...string) []canaryRequest {
		var out []canaryRequest
		for _, k := range keys {
			if ids[k] == "" {
				t.Fatalf("canary matrix: no fixture %q", k)
			}
			out = append(out, get(prefix+ids[k])...)
		}
		return out
	}
	// Every kind exported in every format this build writes; persons held
	// also by each detaining side.
	var exports []canaryRequest
	for _, kind := range exchange.Kinds() {
		for _, format := range []string{exchange.FormatGeoJSON, exchange.FormatCSV} {
			if kind == exchange.KindLayers {
				exports = append(exports, get("/api/v1/export/layers?kind=zone&format="+format)...)
				continue
			}
			exports = append(exports, get("/api/v1/export/"+kind+"?format="+format)...)
		}
	}
	exports = append(exports, get("/api/v1/export/persons_held?format=csv&held_by="+az, "/api/v1/export/persons_held?held_by="+am)...)
	// The history of every fixture, as the API and the page show it.
	var historyAPI, historyPage []canaryRequest
	for key, entity := range fx.entities {
		if entity == "attachment" {
			continue
		}
		historyAPI = append(historyAPI, get("/api/v1/history/"+entity+"/"+ids[key])...)
		historyPage = append(historyPage, get("/history/"+entity+"/"+ids[key])...)
	}
	// The opening of every change of every fixture: an opening names the
	// record and its author, and is for the record's readers only.
	// The proof bundle of each too: the opening and the body, whole.
	var openings, bundles []canaryRequest
	for key, entity := range fx.entities {
		rows, err := s.app.DB.Query(context.Background(), `SELECT seq FROM changes WHERE entity = ? AND id = ?`, entity, ids[key])
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var seq int64
			if err := rows.Scan(&seq); err != nil {
				t.Fatal(err)
			}
			openings = append(openings, get(fmt.Sprintf("/api/v1/log/opening?seq=%d", seq))...)
			bundles = append(bundles, get(fmt.Sprintf("/api/v1/log/bundle?seq=%d", seq))...)
		}
		rows.Close()
	}
	// Reports: every format, every table of the CSV, both editions; drafts
	// of the day and of the month, and the month issued by a co-chair.
	var reportIDs, reportGet, reportPost []canaryRequest
	var reportPage []canaryRequest
	for _, edition := range []string{"public", "mission"} {
		drafts := []string{"daily-" + canaryDay + "-" + edition, "summary-" + canaryFrom + "-" + canaryTo + "-" + edition,
			"implementation-" + s.loaded.Agreement + "-" + canaryTo + "-" + edition}
		if res := s.with("cochair").do("POST", "/api/v1/reports/"+canaryIssuedOf+edition+"/issue", ""); res.status != ok && res.status != new {
			t.Fatalf("issue %s: %d %s", canaryIssuedOf+edition, res.status, res.body)
		}
		for _, rep := range append(drafts, canaryIssuedOf+edition) {
			for _, f := range canaryReportFormats {
				if f == "csv" {
					for _, table := range reportTables(t, s, rep) {
						reportIDs = append(reportIDs, get("/api/v1/reports/"+rep+"?format=csv&table="+table)...)
					}
					continue
				}
				reportIDs = append(reportIDs, get("/api/v1/reports/"+rep+"?format="+f)...)
			}
		}
		for _, f := range canaryReportFormats {
			reportGet = append(reportGet, get("/api/v1/reports?kind=daily&date="+canaryDay+"&edition="+edition+"&format="+f,
				"/api/v1/reports?kind=summary&from="+canaryFrom+"&to="+canaryTo+"&edition="+edition+"&format="+f)...)
			reportPost = append(reportPost, canaryRequest{method: "POST", path: "/api/v1/reports",
				json: fmt.Sprintf(`{"kind":"daily","date":%q,"edition":%q,"format":%q}`, canaryDay, edition, f)})
			reportPage = append(reportPage, canaryRequest{method: "POST", path: "/reports",
				form: url.Values{"kind": {"daily"}, "date": {canaryDay}, "edition": {edition}, "format": {f}}})
		}
	}
	var downloads, proofs, reportBundles []canaryRequest
	for _, edition := range []string{"public", "mission"} {
		for _, f := range canaryReportFormats {
			downloads = append(downloads, get("/api/v1/reports/"+canaryIssuedOf+edition+"/download?format="+f,
				"/api/v1/reports/daily-"+canaryDay+"-"+edition+"/download?format="+f)...)
		}
		proofs = append(proofs, get("/api/v1/reports/"+canaryIssuedOf+edition+"/proof")...)
		reportBundles = append(reportBundles, get("/api/v1/reports/"+canaryIssuedOf+edition+"/bundle")...)
	}
	// The log: every entry bundle, and a tile of hashes.
	var tiles []canaryRequest
	cp, err := s.app.DB.LatestCheckpoint(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for n := int64(0); n*ledger.TileWidth < cp.Size; n++ {
		w := min(cp.Size-n*ledger.TileWidth, ledger.TileWidth)
		tiles = append(tiles, get("/log/"+ledger.TilePath(tlog.Tile{H: ledger.TileHeight, L: -1, N: n, W: int(w)}))...)
	}
	tiles = append(tiles, get("/log/"+ledger.TilePath(tlog.Tile{H: ledger.TileHeight, L: 0, N: 0, W: int(min(cp.Size, ledger.TileWidth))}))...)
	render, err := web.NewRenderer(slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}

	lists := func(paths ...string) []canaryRequest {
		var out []canaryRequest
		for _, p := range paths {
			out = append(out, get(p, p+"?limit=500")...)
		}
		return out
	}
	mapQuery := "bbox=45.6,38.9,47.9,40.7&zoom=8&from=" + canaryFrom + "&to=" + canaryTo
	near := "bbox=46.70,39.76,46.80,39.86&zoom=14&day=" + canaryDay

	return map[string][]canaryRequest{
		// Accounts.
		"GET /api/v1/me":              get("/api/v1/me"),
		"GET /api/v1/users":           get("/api/v1/users?limit=500"),
		"GET /api/v1/users/{id}":      get("/api/v1/users/"+s.account("humanitarian").ID, "/api/v1/users/"+s.account("liaison-az").ID),
		"GET /api/v1/users/{id}/name": get("/api/v1/users/"+s.account("humanitarian").ID+"/name", "/api/v1/users/"+s.account("liaison-az").ID+"/name"),
		"GET /api/v1/tokens":          get("/api/v1/tokens", "/api/v1/tokens?user="+s.account("humanitarian").ID),
		"POST /api/v1/session":        nil, "DELETE /api/v1/session": nil, "POST /api/v1/users": nil, "PUT /api/v1/users/{id}": nil,
		"POST /api/v1/users/{id}/password": nil, "POST /api/v1/tokens": nil, "DELETE /api/v1/tokens/{id}": nil,
		"GET /api/v1/role-requests":               get("/api/v1/role-requests", "/api/v1/role-requests?state=pending"),
		"POST /api/v1/role-requests/{id}/approve": nil, "POST /api/v1/role-requests/{id}/reject": nil,

		// Reference data and geography.
		"GET /api/v1/openapi.json":             get("/api/v1/openapi.json"),
		"GET /api/v1/organisations":            lists("/api/v1/organisations"),
		"GET /api/v1/organisations/{id}":       get("/api/v1/organisations/"+az, "/api/v1/organisations/"+am),
		"GET /api/v1/agreements":               lists("/api/v1/agreements"),
		"GET /api/v1/agreements/{id}":          get("/api/v1/agreements/" + s.loaded.Agreement),
		"GET /api/v1/provisions":               lists("/api/v1/provisions"),
		"GET /api/v1/provisions/{id}":          get("/api/v1/provisions/" + s.loaded.Provisions["8"]),
		"GET /api/v1/provisions/{id}/evidence": get("/api/v1/provisions/" + s.loaded.Provisions["8"] + "/evidence"),
		"GET /api/v1/layers":                   lists("/api/v1/layers"),
		"GET /api/v1/layers/{id}":              get("/api/v1/layers/" + s.loaded.Layers["line"]),
		"GET /api/v1/places":                   append(lists("/api/v1/places"), get("/api/v1/places?q=CANARY")...),
		"GET /api/v1/places/{id}":              id("/api/v1/places/", "place_az", "place_am"),
		"GET /api/v1/geo/locate":               get("/api/v1/geo/locate?lat=39.81&lon=46.75", "/api/v1/geo/locate?lat=39.93&lon=46.9"),
		"POST /api/v1/organisations":           nil, "PUT /api/v1/organisations/{id}": nil, "POST /api/v1/agreements": nil, "PUT /api/v1/agreements/{id}": nil,
		"POST /api/v1/provisions": nil, "PUT /api/v1/provisions/{id}": nil, "POST /api/v1/provisions/{id}/status": nil,
		"POST /api/v1/provisions/{id}/evidence": nil,
		"POST /api/v1/layers":                   nil, "PUT /api/v1/layers/{id}": nil, "POST /api/v1/places": nil, "PUT /api/v1/places/{id}": nil,

		// Incidents, review, attachments.
		"GET /api/v1/allegations":                 lists("/api/v1/allegations"),
		"GET /api/v1/allegations/{id}":            id("/api/v1/allegations/", "allegation_az", "allegation_at_place"),
		"GET /api/v1/allegations/{id}/proposals":  get("/api/v1/allegations/"+ids["allegation_az"]+"/proposals", "/api/v1/allegations/"+ids["allegation_at_place"]+"/proposals"),
		"GET /api/v1/observations":                lists("/api/v1/observations"),
		"GET /api/v1/observations/{id}":           id("/api/v1/observations/", "observation_az"),
		"GET /api/v1/observations/{id}/proposals": get("/api/v1/observations/" + ids["observation_az"] + "/proposals"),
		"GET /api/v1/incidents":                   lists("/api/v1/incidents"),
		"GET /api/v1/incidents/{id}":              id("/api/v1/incidents/", "incident_az", "incident_notes"),
		"GET /api/v1/incidents/{id}/sides":        get("/api/v1/incidents/"+ids["incident_az"]+"/sides", "/api/v1/incidents/"+ids["incident_notes"]+"/sides"),
		"GET /api/v1/incidents/{id}/offers":       get("/api/v1/incidents/"+ids["incident_az"]+"/offers", "/api/v1/incidents/"+ids["incident_notes"]+"/offers"),
		"GET /api/v1/incidents/{id}/timeline":     get("/api/v1/incidents/"+ids["incident_az"]+"/timeline", "/api/v1/incidents/"+ids["incident_notes"]+"/timeline"),
		"GET /api/v1/patrols/{id}":                id("/api/v1/patrols/", "patrol_az"),
		"GET /api/v1/restrictions/{id}":           id("/api/v1/restrictions/", "fom_restriction_az"),
		"GET /api/v1/tallies":                     get("/api/v1/tallies?from=" + canaryFrom + "T00:00:00Z&to=2021-07-01T00:00:00Z&group=day"),
		"GET /api/v1/review":                      get("/api/v1/review", "/api/v1/review?limit=100"),
		"GET /api/v1/attachments/{sha256}":        get("/api/v1/attachments/" + fx.sha["attachment_az"]),
		"POST /api/v1/allegations":                nil, "PUT /api/v1/allegations/{id}": nil, "POST /api/v1/allegations/{id}/withdraw": nil,
		"POST /api/v1/observations": nil, "POST /api/v1/incidents": nil, "PUT /api/v1/incidents/{id}": nil,
		"POST /api/v1/incidents/{id}/transition": nil, "POST /api/v1/incidents/{id}/notes": nil, "POST /api/v1/patrols": nil,
		"PUT /api/v1/patrols/{id}": nil, "POST /api/v1/restrictions": nil, "POST /api/v1/review": nil, "POST /api/v1/review/duplicates": nil, "POST /api/v1/attachments": nil,
		"POST /api/v1/import/{kind}": nil,

		// The log and history.
		"GET /log/checkpoint":               get("/log/checkpoint"),
		"GET /log/key":                      get("/log/key"),
		"GET /log/tile/{path...}":           tiles,
		"GET /api/v1/log/proof/inclusion":   get(fmt.Sprintf("/api/v1/log/proof/inclusion?seq=%d", cp.Size-1)),
		"GET /api/v1/log/proof/consistency": get("/api/v1/log/proof/consistency?from=2"),
		"GET /api/v1/history/{entity}/{id}": historyAPI,
		"GET /api/v1/log/opening":           openings,
		"GET /api/v1/log/bundle":            bundles,
		"GET /api/v1/map/features":          get("/api/v1/map/features?"+mapQuery, "/api/v1/map/features?"+near),
		"GET /api/v1/export/{kind}":         exports,

		// Registries.
		"GET /api/v1/detainees":                 append(lists("/api/v1/detainees"), get("/api/v1/detainees?held_by="+az, "/api/v1/detainees?held_by="+am)...),
		"GET /api/v1/detainees/counts":          get("/api/v1/detainees/counts?at=2021-06-13T00:00:00Z"),
		"GET /api/v1/detainees/{id}":            id("/api/v1/detainees/", "detainee_az", "detainee_am"),
		"GET /api/v1/exchanges":                 lists("/api/v1/exchanges"),
		"GET /api/v1/exchanges/{id}":            id("/api/v1/exchanges/", "exchange"),
		"GET /api/v1/remains":                   lists("/api/v1/remains"),
		"GET /api/v1/remains/counts":            get("/api/v1/remains/counts"),
		"GET /api/v1/remains/{id}":              get("/api/v1/remains/" + s.loaded.Remains[0]),
		"GET /api/v1/minefields":                lists("/api/v1/minefields"),
		"GET /api/v1/minefields/{id}":           id("/api/v1/minefields/", "minefield_am"),
		"GET /api/v1/handovers":                 lists("/api/v1/handovers"),
		"GET /api/v1/handovers/{id}":            id("/api/v1/handovers/", "handover_am"),
		"GET /api/v1/hazard-areas":              lists("/api/v1/hazard-areas"),
		"GET /api/v1/hazard-areas/{id}":         id("/api/v1/hazard-areas/", "hazard_area_az"),
		"GET /api/v1/mines/summary":             get("/api/v1/mines/summary", "/api/v1/mines/summary?from="+canaryFrom+"&to="+canaryTo),
		"GET /api/v1/returns":                   lists("/api/v1/returns"),
		"GET /api/v1/returns/totals":            get("/api/v1/returns/totals", "/api/v1/returns/totals?group=destination"),
		"GET /api/v1/returns/{id}":              id("/api/v1/returns/", "return_movement_az", "return_to_place"),
		"GET /api/v1/return-visits":             lists("/api/v1/return-visits"),
		"GET /api/v1/return-visits/{id}":        id("/api/v1/return-visits/", "return_visit_az"),
		"GET /api/v1/sources":                   lists("/api/v1/sources"),
		"GET /api/v1/sources/{id}":              id("/api/v1/sources/", "source_az"),
		"GET /api/v1/statements":                lists("/api/v1/statements"),
		"GET /api/v1/statements/{id}":           id("/api/v1/statements/", "statement_az"),
		"GET /api/v1/crossings":                 lists("/api/v1/crossings"),
		"GET /api/v1/crossings/{id}":            id("/api/v1/crossings/", "crossing_am"),
		"GET /api/v1/transit-restrictions":      lists("/api/v1/transit-restrictions"),
		"GET /api/v1/transit-restrictions/{id}": id("/api/v1/transit-restrictions/", "transit_restriction_am"),
		"GET /api/v1/corridor/status":           get("/api/v1/corridor/status?at=2021-06-12T12:00:00Z"),
		"POST /api/v1/detainees":                nil, "POST /api/v1/detainees/{id}/events": nil, "POST /api/v1/detainees/{id}/erase": nil,
		"POST /api/v1/exchanges": nil, "POST /api/v1/remains": nil, "PUT /api/v1/remains/{id}": nil,
		"POST /api/v1/minefields": nil, "PUT /api/v1/minefields/{id}": nil, "POST /api/v1/handovers": nil,
		"POST /api/v1/hazard-areas": nil, "POST /api/v1/hazard-areas/{id}/events": nil,
		"POST /api/v1/returns": nil, "PUT /api/v1/returns/{id}": nil, "POST /api/v1/return-visits": nil,
		"POST /api/v1/sources": nil, "PUT /api/v1/sources/{id}": nil, "POST /api/v1/statements": nil, "PUT /api/v1/statements/{id}": nil,
		"POST /api/v1/crossings": nil, "POST /api/v1/transit-restrictions": nil, "PUT /api/v1/transit-restrictions/{id}": nil,

		// Reports: generated (GET and POST), drafts and issued by id, downloads.
		"GET /api/v1/reports":               reportGet,
		"POST /api/v1/reports":              reportPost,
		"GET /api/v1/reports/{id}":          reportIDs,
		"GET /api/v1/reports/{id}/download": downloads,
		"GET /api/v1/reports/{id}/proof":    proofs,
		"GET /api/v1/reports/{id}/bundle":   reportBundles,
		"POST /api/v1/reports/{id}/issue":   nil,

		// Pages.
		"GET /{$}":                 get("/", "/?from="+canaryFrom+"&to="+canaryDay, "/?day="+canaryDay),
		"GET /login":               get("/login"),
		"GET /lang":                get("/lang?lang=en"),
		"GET /settings":            get("/settings"),
		"GET /settings/password":   get("/settings/password"),
		"GET /review":              get("/review"),
		"GET /fusion-model":        get("/fusion-model"),
		"POST /fusion-model/refit": nil,
		"GET /api/v1/fusion-model": get("/api/v1/fusion-model"), "GET /api/v1/fusion-model/history": get("/api/v1/fusion-model/history"),
		"PUT /api/v1/fusion-model": nil, "POST /api/v1/fusion-model/refit": nil,
		"GET /incidents": get("/incidents", "/incidents?page=2&size=5&sort=-title"),
		// The numbered lists (pages_lists.go): every filter reads through
		// the domain's list, as the API's numbered pages do; a GET on a
		// bulk address only leads back to its list.
		"GET /allegations":       get("/allegations", "/allegations?page=2&size=5&sort=category"),
		"GET /observations":      get("/observations", "/observations?page=2&size=5"),
		"GET /incidents/bulk":    get("/incidents/bulk"),
		"GET /review/duplicates": get("/review/duplicates"),
		"GET /allegations/bulk":  get("/allegations/bulk"),
		"POST /incidents/bulk":   nil, "POST /allegations/bulk": nil,
		"GET /incidents/{id}":        id("/incidents/", "incident_az", "incident_notes"),
		"GET /allegations/new":       get("/allegations/new"),
		"GET /allegations/{id}":      id("/allegations/", "allegation_az", "allegation_at_place"),
		"GET /observations/new":      get("/observations/new"),
		"GET /observations/{id}":     id("/observations/", "observation_az"),
		"GET /agreements":            get("/agreements"),
		"GET /agreements/{id}":       get("/agreements/" + s.loaded.Agreement),
		"GET /reports":               get("/reports"),
		"POST /reports":              reportPage,
		"GET /history/{entity}/{id}": historyPage,
		"GET /admin/users":           get("/admin/users"),
		"GET /admin/tokens":          get("/admin/tokens", "/admin/tokens?user="+s.account("humanitarian").ID),
		"GET /map":                   get("/map", "/map?list=1&"+mapQuery, "/map?list=1&"+near),
		"GET /map/download":          get("/map/download?kind=allegations&format=csv&"+mapQuery, "/map/download?kind=incidents&format=geojson&"+mapQuery, "/map/download?kind=observations&format=csv&"+near),
		"GET /basemap.pmtiles":       get("/basemap.pmtiles"),
		"GET /detainees":             get("/detainees", "/detainees?held_by="+az, "/detainees?held_by="+am),
		"GET /detainees/{id}":        id("/detainees/", "detainee_az", "detainee_am"),
		"GET /exchanges":             get("/exchanges"),
		"GET /exchanges/{id}":        id("/exchanges/", "exchange"),
		"GET /remains":               get("/remains"),
		"GET /minefields":            get("/minefields", "/minefields?laid_by="+am),
		"GET /minefields/{id}":       id("/minefields/", "minefield_am"),
		"GET /hazard-areas":          get("/hazard-areas"),
		"GET /handovers":             get("/handovers"),
		"GET /returns":               get("/returns"),
		"GET /return-visits":         get("/return-visits"),
		"GET /crossings":             get("/crossings"),
		"GET /corridor":              get("/corridor", "/corridor?at=2021-06-12T12:00:00Z"),
		"GET /statements":            get("/statements"),
		"GET /statements/{id}":       id("/statements/", "statement_az"),
		"GET /sources":               get("/sources"),
		"GET /static/":               get(render.Assets.URL("truce.css"), render.Assets.URL("review.js")),
		"GET /healthz":               get("/healthz"),
		"GET /metrics":               get("/metrics"),
		"POST /login":                nil, "POST /logout": nil, "POST /settings": nil, "POST /review": nil, "POST /review/undo": nil, "POST /review/duplicates": nil,
		"POST /lang": nil, "POST /settings/password": nil, "POST /api/v1/me/password": nil,
		"POST /incidents/{id}/transition": nil, "POST /incidents/{id}/split": nil, "POST /attachments": nil,
		"POST /allegations/new": nil, "POST /observations/new": nil, "POST /admin/users": nil, "POST /admin/users/{id}": nil,
		"POST /admin/tokens": nil, "POST /admin/tokens/{id}/revoke": nil,
		"GET /admin/role-requests": get("/admin/role-requests"), "POST /admin/role-requests/{id}": nil,
		"GET /admin/witnesses": get("/admin/witnesses"),

		// The registries' forms (pages_registry_forms*.go): each lists or
		// prefills from records the reader may read.
		"GET /detainees/new":             get("/detainees/new"),
		"GET /exchanges/new":             get("/exchanges/new", "/exchanges/new?person="+ids["detainee_az"], "/exchanges/new?person="+ids["detainee_am"]),
		"GET /remains/new":               get("/remains/new"),
		"GET /minefields/new":            get("/minefields/new"),
		"GET /handovers/new":             get("/handovers/new", "/handovers/new?minefield="+ids["minefield_am"]),
		"GET /hazard-areas/new":          get("/hazard-areas/new", "/hazard-areas/new?minefield="+ids["minefield_am"]),
		"GET /hazard-areas/{id}/events":  get("/hazard-areas/" + ids["hazard_area_az"] + "/events"),
		"GET /returns/new":               get("/returns/new"),
		"GET /return-visits/new":         get("/return-visits/new", "/return-visits/new?movement="+ids["return_movement_az"]),
		"GET /crossings/new":             get("/crossings/new"),
		"GET /corridor/restrictions/new": get("/corridor/restrictions/new"),
		"GET /statements/new":            get("/statements/new"),
		"GET /sources/new":               get("/sources/new"),
		"GET /evidence/new":              get("/evidence/new?kind=statement&id=" + ids["statement_az"]),
		"POST /detainees/new":            nil, "POST /detainees/{id}/events": nil, "POST /exchanges/new": nil, "POST /remains/new": nil,
		"POST /minefields/new": nil, "POST /handovers/new": nil, "POST /hazard-areas/new": nil, "POST /hazard-areas/{id}/events": nil,
		"POST /returns/new": nil, "POST /return-visits/new": nil, "POST /crossings/new": nil, "POST /corridor/restrictions/new": nil,
		"POST /statements/new": nil, "POST /sources/new": nil, "POST /evidence/new": nil,
		// Every canary is a word "canary" to the search index: one query
		// finds every record that holds one, as far as the reader may.
		"GET /api/v1/search": get("/api/v1/search?q=CANARY&limit=500", "/api/v1/search?q=canary+az&limit=500"),
		"GET /search":        get("/search?q=CANARY", "/search?q=canary", "/search"),
	}
}

// reportTables lists a report's CSV tables, as a co-chair's report of the
// same request has them.
func reportTables(t *testing.T, s *testServer, id string) []string {
	t.Helper()
	req, err := report.ParseID(id)
	if err != nil {
		t.Fatal(err)
	}
	req.Format = "json"
	acc := s.account("cochair")
	rep, err := s.app.Reports.Generate(context.Background(), access.Principal{UserID: acc.ID, Org: s.loaded.Orgs[acc.Org], Roles: []access.Role{acc.Role}, Via: "token"}, req)
	if err != nil {
		t.Fatalf("tables of %s: %v", id, err)
	}
	return report.TableNames(rep)
}
