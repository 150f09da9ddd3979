package exchange

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/store"
	"github.com/truce-monitoring/truce/internal/store/storetest"
)

var analyst = access.Principal{UserID: "usr_analyst", Username: "analyst", Org: "org_mission", Via: "cli", Roles: []access.Role{access.Analyst}}

// newGeo opens a fresh store (SQLite, or PostgreSQL under pgtest) and the
// geography service on it, and checks the log when the test ends.
func newGeo(t *testing.T) (*Service, *store.DB) {
	t.Helper()
	return newGeoWith(t, nil)
}

// newGeoWith is newGeo with an organisation check.
func newGeoWith(t *testing.T, orgs geo.OrgCheck) (*Service, *store.DB) {
	t.Helper()
	dir := t.TempDir()
	db, err := store.Open(context.Background(), dir, append(storetest.Database(t, dir), store.WithSynchronous("normal"))...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		rep, err := db.Verify(context.Background(), nil)
		if err != nil || !rep.OK() {
			t.Errorf("verify: %v %v", err, rep.Problems)
		}
		db.Close()
	})
	return &Service{Geo: geo.New(db, orgs)}, db
}

func importLayers(t *testing.T, s *Service, p access.Principal, data string, opt ImportOptions) (ImportResult, error) {
	t.Helper()
	opt.File, opt.SHA256 = "zones.geojson", sum(data)
	return s.ImportLayers(context.Background(), p, NewGeoJSONReader(strings.NewReader(data)), opt)
}

func logSize(t *testing.T, db *store.DB) int64 {
	t.Helper()
	n, err := db.LogSize(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// zonesFile holds a zone with a hole (a town left out), a zone in two
// parts and a site.
const zonesFile = `{"type":"FeatureCollection","features":[
 {"type":"Feature","properties":{"external_id":"z-1","kind":"zone","subkind":"buffer","name":"Buffer zone","valid_from":"2020-11-09T21:00:00Z","names":{"ru":"Буферная зона"}},
  "geometry":{"type":"Polygon","coordinates":[[[46,39],[49,39],[49,42],[46,42],[46,39]],[[47,40],[48,40],[48,41],[47,41],[47,40]]]}},
 {"type":"Feature","properties":{"external_id":"z-2","kind":"zone","subkind":"security","name":"Two parts","valid_from":"2020-11-09T21:00:00Z","illustrative":true},
  "geometry":{"type":"MultiPolygon","coordinates":[[[[50,39],[51,39],[51,40],[50,40],[50,39]]],[[[52,39],[53,39],[53,40],[52,40],[52,39]]]]}},
 {"type":"Feature","properties":{"external_id":"s-1","kind":"site","subkind":"observation_post","name":"Post 1","valid_from":"2020-11-09T21:00:00Z","width_m":null},
  "geometry":{"type":"Point","coordinates":[46.5,39.5]}}
]}`

func TestImportLayers(t *testing.T) {
	s, db := newGeo(t)
	ctx := context.Background()
	res, err := importLayers(t, s, analyst, zonesFile, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if want := (ImportResult{Read: 3, Created: 3}); res != want {
		t.Errorf("result %+v, want %+v", res, want)
	}
	at := time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name  string
		p     geo.Point
		zones []string
	}{
		{"in the buffer zone", geo.Point{Lat: 39.5, Lon: 46.5}, []string{"Buffer zone"}},
		{"in the hole", geo.Point{Lat: 40.5, Lon: 47.5}, nil},
		{"in the first part", geo.Point{Lat: 39.5, Lon: 50.5}, []string{"Two parts"}},
		{"in the second part", geo.Point{Lat: 39.5, Lon: 52.5}, []string{"Two parts"}},
		{"between the parts", geo.Point{Lat: 39.5, Lon: 51.5}, nil},
	} {
		loc, err := s.Geo.LocateFor(ctx, analyst, c.p, at)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, z := range loc.Zones {
			got = append(got, z.Name)
		}
		if strings.Join(got, ",") != strings.Join(c.zones, ",") {
			t.Errorf("%s: zones %v, want %v", c.name, got, c.zones)
		}
	}

	// Attributed to the importer, with the file's SHA-256 in the body.
	layers, err := s.Geo.ListLayers(ctx, analyst, geo.LayerFilter{}, store.PageRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range layers.Items {
		if l.Import == nil || l.Import.SHA256 != sum(zonesFile) || l.Import.File != "zones.geojson" {
			t.Errorf("layer %s import = %+v", l.Name, l.Import)
		}
		hist, err := db.History(ctx, geo.EntityLayer, l.ID, false)
		if err != nil {
			t.Fatal(err)
		}
		if len(hist) != 1 || hist[0].Actor != analyst.UserID || hist[0].Org != analyst.Org {
			t.Errorf("layer %s history %+v", l.Name, hist)
		}
		if l.ExternalID == "z-1" && (len(l.Geometry.Holes) != 1 || l.Names["ru"] != "Буферная зона") {
			t.Errorf("zone with a hole stored as %+v", l.LayerBody)
		}
	}

	// The same file again changes nothing; the same features in another
	// file (another SHA-256) neither.
	before := logSize(t, db)
	res, err = importLayers(t, s, analyst, zonesFile, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if want := (ImportResult{Read: 3, Unchanged: 3}); res != want {
		t.Errorf("re-import %+v, want %+v", res, want)
	}
	res, err = importLayers(t, s, analyst, strings.ReplaceAll(zonesFile, "\n", " \n"), ImportOptions{})
	if err != nil || res.Unchanged != 3 {
		t.Errorf("re-import of the same features: %+v %v", res, err)
	}
	if after := logSize(t, db); after != before {
		t.Errorf("re-import wrote %d changes", after-before)
	}

	// A changed name updates that layer alone, as a new version.
	changed := strings.Replace(zonesFile, `"name":"Post 1"`, `"name":"Post 1 (moved)"`, 1)
	res, err = importLayers(t, s, analyst, changed, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if want := (ImportResult{Read: 3, Changed: 1, Unchanged: 2}); res != want {
		t.Errorf("changed import %+v, want %+v", res, want)
	}
	if after := logSize(t, db); after != before+1 {
		t.Errorf("changed import wrote %d changes, want 1", after-before)
	}
}

func TestImportLayersDryRun(t *testing.T) {
	s, db := newGeo(t)
	before := logSize(t, db)
	res, err := importLayers(t, s, analyst, zonesFile, ImportOptions{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if want := (ImportResult{Read: 3, Created: 3, DryRun: true}); res != want {
		t.Errorf("dry run %+v, want %+v", res, want)
	}
	if after := logSize(t, db); after != before {
		t.Errorf("dry run wrote %d changes", after-before)
	}
}

func TestImportLayersAllOrNothing(t *testing.T) {
	s, db := newGeo(t)
	// Feature 2's hole lies outside its ring; feature 4 repeats feature
	// 1's external id; feature 5 has an unknown subkind.
	bad := `{"type":"FeatureCollection","features":[
 {"type":"Feature","properties":{"external_id":"a","kind":"zone","subkind":"buffer","name":"Good","valid_from":"2020-11-09T21:00:00Z"},
  "geometry":{"type":"Polygon","coordinates":[[[46,39],[47,39],[47,40],[46,39]]]}},
 {"type":"Feature","properties":{"external_id":"b","kind":"zone","subkind":"buffer","name":"Bad hole","valid_from":"2020-11-09T21:00:00Z"},
  "geometry":{"type":"Polygon","coordinates":[[[46,39],[49,39],[49,42],[46,42],[46,39]],[[50,40],[51,40],[51,41],[50,40]]]}},
 {"type":"Feature","properties":{"external_id":"c","kind":"site","subkind":"checkpoint","name":"Good too","valid_from":"2020-11-09T21:00:00Z"},
  "geometry":{"type":"Point","coordinates":[46.5,39.5]}},
 {"type":"Feature","properties":{"external_id":"a","kind":"site","subkind":"checkpoint","name":"Twice","valid_from":"2020-11-09T21:00:00Z"},
  "geometry":{"type":"Point","coordinates":[46.6,39.5]}},
 {"type":"Feature","properties":{"external_id":"e","kind":"zone","subkind":"moat","name":"Odd","valid_from":"2020-11-09T21:00:00Z"},
  "geometry":{"type":"Polygon","coordinates":[[[46,39],[47,39],[47,40],[46,39]]]}},
 {"type":"Feature","properties":{"external_id":"f","kind":"site","subkind":"checkpoint","name":"Many","valid_from":"2020-11-09T21:00:00Z"},
  "geometry":{"type":"MultiPoint","coordinates":[[46.6,39.5],[46.7,39.5]]}}
]}`
	before := logSize(t, db)
	res, err := importLayers(t, s, analyst, bad, ImportOptions{})
	want := map[string]string{
		"feature 2: geometry.coordinates[1]": "hole 1 lies outside",
		"feature 4: properties.external_id":  `"a" is also the external id of feature 1`,
		"feature 5: properties.subkind":      "a zone's subkind is one of",
		"feature 6: geometry.type":           "a site needs a Point, not a MultiPoint",
	}
	checkErrors(t, err, want)
	if res.Created != 0 || res.Refused != 4 || res.Read != 5 {
		t.Errorf("result %+v, want 0 created, 4 refused, 5 read", res)
	}
	if after := logSize(t, db); after != before {
		t.Errorf("a bad file wrote %d changes", after-before)
	}

	// With Partial the good ones go in.
	res, err = importLayers(t, s, analyst, bad, ImportOptions{Partial: true})
	checkErrors(t, err, want)
	if res.Created != 2 || res.Refused != 4 {
		t.Errorf("partial result %+v, want 2 created, 4 refused", res)
	}
	if after := logSize(t, db); after != before+2 {
		t.Errorf("partial import wrote %d changes, want 2", after-before)
	}
}

// checkErrors wants exactly the fields of want, each message containing
// its text.
func checkErrors(t *testing.T, err error, want map[string]string) {
	t.Helper()
	all := errs.All(err)
	got := map[string]string{}
	for _, e := range all {
		got[e.Field] = e.Message
	}
	for f, msg := range want {
		if !strings.Contains(got[f], msg) {
			t.Errorf("error at %q = %q, want it to contain %q (all: %v)", f, got[f], msg, err)
		}
	}
	if len(got) != len(want) {
		t.Errorf("got %d errors, want %d: %v", len(got), len(want), err)
	}
}

func TestImportSwappedLatLon(t *testing.T) {
	s, _ := newGeo(t)
	if _, err := importLayers(t, s, analyst, zonesFile, ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	// A place given as [lat, lon]: both within ±90, so only the mission's
	// area can tell.
	swapped := `{"type":"Feature","properties":{"kind":"settlement","name":"Shusha"},"geometry":{"type":"Point","coordinates":[39.758,46.75]}}`
	res, err := s.ImportPlaces(context.Background(), analyst, NewGeoJSONReader(strings.NewReader(swapped)), ImportOptions{File: "p.geojson", SHA256: sum(swapped)})
	if errs.FieldOf(err) != "feature 1: geometry.coordinates" || !strings.Contains(errs.MessageOf(err), "look like [latitude, longitude]") {
		t.Errorf("swapped place: %v", err)
	}
	if res.Created != 0 {
		t.Errorf("swapped place created: %+v", res)
	}
	// A latitude beyond 90 is named in any case.
	beyond := `{"type":"Point","coordinates":[39.8,146.7]}`
	_, err = s.ImportPlaces(context.Background(), analyst, NewGeoJSONReader(strings.NewReader(beyond)), ImportOptions{})
	if !strings.Contains(err.Error(), "feature 1: geometry.coordinates[1]: latitude 146.7 is outside [-90, 90]; the position looks like [latitude, longitude]") {
		t.Errorf("latitude beyond 90: %v", err)
	}
}

func TestImportPlaces(t *testing.T) {
	s, db := newGeo(t)
	ctx := context.Background()
	file := `{"type":"FeatureCollection","features":[
 {"type":"Feature","properties":{"external_id":"AZ0101","kind":"settlement","names":"[{\"lang\":\"az\",\"name\":\"Şuşa\"},{\"lang\":\"hy\",\"name\":\"Շուշի\"}]","note":"P-code","illustrative":false},"geometry":{"type":"Point","coordinates":[46.75,39.758]}},
 {"type":"Feature","properties":{"external_id":12,"kind":"landmark","name":"Bridge","lat":39.5,"lon":46.6},"geometry":null}
]}`
	read := func() FeatureReader { return NewGeoJSONReader(strings.NewReader(file)) }
	res, err := s.ImportPlaces(ctx, analyst, read(), ImportOptions{File: "places.geojson", SHA256: sum(file)})
	if err != nil {
		t.Fatal(err)
	}
	if want := (ImportResult{Read: 2, Created: 2}); res != want {
		t.Errorf("result %+v, want %+v", res, want)
	}
	ps, err := s.Geo.ListPlaces(ctx, analyst, geo.PlaceFilter{Query: "Şuşa"}, store.PageRequest{})
	if err != nil || len(ps.Items) != 1 || ps.Items[0].ExternalID != "AZ0101" || ps.Items[0].Location != (geo.Point{Lat: 39.758, Lon: 46.75}) {
		t.Fatalf("imported place: %+v %v", ps.Items, err)
	}
	before := logSize(t, db)
	res, err = s.ImportPlaces(ctx, analyst, read(), ImportOptions{File: "places.geojson", SHA256: sum(file)})
	if err != nil || res.Unchanged != 2 || logSize(t, db) != before {
		t.Errorf("re-import: %+v %v", res, err)
	}
	// Need-to-know: an observer may not create places.
	observer := access.Principal{UserID: "usr_obs", Org: "org_x", Via: "cli", Roles: []access.Role{access.Observer}}
	other := strings.ReplaceAll(file, `"AZ0101"`, `"AZ0102"`)
	_, err = s.ImportPlaces(ctx, observer, NewGeoJSONReader(strings.NewReader(other)), ImportOptions{})
	if err == nil || logSize(t, db) != before {
		t.Errorf("observer import: %v", err)
	}
}

func TestImportRoundTripOfZones(t *testing.T) {
	// An exported zone is a MultiPolygon of one part: it comes back as
	// the Polygon (with its hole) it was, unchanged.
	s, db := newGeo(t)
	if _, err := importLayers(t, s, analyst, zonesFile, ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	layers, err := s.Geo.ListLayers(ctx, analyst, geo.LayerFilter{Kind: geo.KindZone}, store.PageRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var fs []string
	for _, l := range layers.Items {
		g := l.Geometry
		if g.Type == geo.TypePolygon {
			g = geo.Geometry{Type: geo.TypeMultiPolygon, Areas: geo.AreasOf(l.Geometry)}
		}
		gj, _ := json.Marshal(g)
		props, _ := json.Marshal(map[string]any{"external_id": l.ExternalID, "kind": l.Kind, "subkind": l.Subkind, "name": l.Name,
			"names": namesJSON(l.Names), "valid_from": l.ValidFrom.Format(time.RFC3339), "illustrative": l.Illustrative,
			"classification": string(l.Classification), "id": l.ID, "owner_org_name": "Mission"})
		fs = append(fs, `{"type":"Feature","geometry":`+string(gj)+`,"properties":`+string(props)+`}`)
	}
	back := `{"type":"FeatureCollection","features":[` + strings.Join(fs, ",") + `]}`
	before := logSize(t, db)
	res, err := importLayers(t, s, analyst, back, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Unchanged != 2 || logSize(t, db) != before {
		t.Errorf("re-import of an export: %+v", res)
	}
}

func namesJSON(m map[string]string) any {
	if len(m) == 0 {
		return nil
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// BenchmarkImportPlaces imports 2,000 places from GeoJSON into a fresh
// store, all in one transaction, then the same file again (nothing
// changes).
func BenchmarkImportPlaces(b *testing.B) {
	const n = 2000
	var sb strings.Builder
	sb.WriteString(`{"type":"FeatureCollection","features":[`)
	for i := range n {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `{"type":"Feature","properties":{"external_id":"P%05d","kind":"settlement","name":"Place %d"},"geometry":{"type":"Point","coordinates":[46.%04d,39.5]}}`, i, i, i)
	}
	sb.WriteString(`]}`)
	file := sb.String()
	opt := ImportOptions{File: "places.geojson", SHA256: sum(file)}
	ctx := context.Background()
	b.Run("new", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			dir := b.TempDir()
			db, err := store.Open(ctx, dir, append(storetest.Database(b, dir), store.WithSynchronous("normal"))...)
			if err != nil {
				b.Fatal(err)
			}
			s := &Service{Geo: geo.New(db, nil)}
			b.StartTimer()
			res, err := s.ImportPlaces(ctx, analyst, NewGeoJSONReader(strings.NewReader(file)), opt)
			if err != nil || res.Created != n {
				b.Fatalf("%+v %v", res, err)
			}
			b.StopTimer()
			db.Close()
			b.StartTimer()
		}
		b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "places/s")
	})
	b.Run("unchanged", func(b *testing.B) {
		dir := b.TempDir()
		db, err := store.Open(ctx, dir, append(storetest.Database(b, dir), store.WithSynchronous("normal"))...)
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		s := &Service{Geo: geo.New(db, nil)}
		if _, err := s.ImportPlaces(ctx, analyst, NewGeoJSONReader(strings.NewReader(file)), opt); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			res, err := s.ImportPlaces(ctx, analyst, NewGeoJSONReader(strings.NewReader(file)), opt)
			if err != nil || res.Unchanged != n {
				b.Fatalf("%+v %v", res, err)
			}
		}
		b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "places/s")
	})
}

func TestImportReportsUnknownOrganisationsWithTheRest(t *testing.T) {
	s, db := newGeoWith(t, func(tx *store.Tx, field, id string) error {
		if id != "org_az" {
			return errs.Invalid(field, "names no organisation")
		}
		return nil
	})
	file := `{"type":"FeatureCollection","features":[
 {"type":"Feature","properties":{"kind":"zone","subkind":"area_of_control","party":"org_nope","name":"A","valid_from":"2020-11-09T21:00:00Z"},
  "geometry":{"type":"Polygon","coordinates":[[[46,39],[47,39],[47,40],[46,39]]]}},
 {"type":"Feature","properties":{"kind":"zone","subkind":"area_of_control","party":"org_az","name":"B","valid_from":"2020-11-09T21:00:00Z"},
  "geometry":{"type":"Polygon","coordinates":[[[46,39],[47,39],[47,40],[46,39]]]}},
 {"type":"Feature","properties":{"kind":"zone","name":"C","valid_from":"yesterday"},
  "geometry":{"type":"Polygon","coordinates":[[[46,39],[47,39],[47,40],[46,39]]]}}
]}`
	before := logSize(t, db)
	res, err := importLayers(t, s, analyst, file, ImportOptions{})
	checkErrors(t, err, map[string]string{
		"feature 1: properties.party":   "names no organisation",
		"feature 3: properties.subkind": "is required for a zone", // the first of its faults
	})
	if res.Created != 0 || logSize(t, db) != before {
		t.Errorf("wrote something: %+v", res)
	}
}
