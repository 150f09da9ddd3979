package geo

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/store"
	"github.com/truce-monitoring/truce/internal/store/storetest"
)

var testActor = access.Principal{UserID: "usr_test", Username: "test", Org: "org_test", Via: "cli", Roles: []access.Role{access.Analyst}}

// The validity period most test layers start at: the ceasefire.
const ceasefire = "2020-11-09T21:00:00Z"

// mustOpen opens a fresh store in a temporary directory with a clock that
// ticks a second per reading.
func mustOpen(t testing.TB) *store.DB {
	t.Helper()
	clock := time.Date(2021, 6, 12, 10, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	dir := t.TempDir()
	db, err := store.Open(context.Background(), dir, append(storetest.Database(t, dir), store.WithSynchronous("normal"),
		store.WithClock(func() time.Time {
			mu.Lock()
			defer mu.Unlock()
			clock = clock.Add(time.Second)
			return clock
		}))...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// newService opens a store and the geography service on it, with no
// organisation check, and verifies the whole log when the test ends.
func newService(t *testing.T) (*Service, *store.DB) {
	t.Helper()
	db := mustOpen(t)
	s := New(db, nil)
	t.Cleanup(func() { mustVerify(t, db) })
	return s, db
}

// mustVerify checks that every projection rebuilds exactly from the log.
func mustVerify(t testing.TB, db *store.DB) {
	t.Helper()
	rep, err := db.Verify(context.Background(), nil)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	if !rep.OK() {
		t.Fatalf("verify found problems: %v", rep.Problems)
	}
}

func pointJSON(p Point) json.RawMessage {
	return json.RawMessage(fmt.Sprintf(`{"type":"Point","coordinates":[%v,%v]}`, p.Lon, p.Lat))
}

func positionsJSON(pts []Point) string {
	parts := make([]string, len(pts))
	for i, p := range pts {
		parts[i] = fmt.Sprintf("[%v,%v]", p.Lon, p.Lat)
	}
	return "[" + strings.Join(parts, ",") + "]"
}

func lineJSON(pts ...Point) json.RawMessage {
	return json.RawMessage(`{"type":"LineString","coordinates":` + positionsJSON(pts) + `}`)
}

// polygonJSON closes the ring by repeating the first point.
func polygonJSON(pts ...Point) json.RawMessage {
	return json.RawMessage(`{"type":"Polygon","coordinates":[` + positionsJSON(append(slices.Clone(pts), pts[0])) + `]}`)
}

// The demo-like geography: a line of contact digitised north to south
// along the meridian 46.80°E, then bending south-west; a 5 km corridor
// along the meridian 46.55°E; a zone east of the line.
var (
	lineNorth  = Point{40.20, 46.80}
	lineMiddle = Point{40.00, 46.80}
	lineSouth  = Point{39.80, 46.80}
	lineEnd    = Point{39.75, 46.70}

	corridorNorth = Point{39.80, 46.55}
	corridorSouth = Point{39.50, 46.55}

	zoneRing = []Point{{40.02, 46.82}, {40.02, 46.95}, {40.18, 46.95}, {40.18, 46.82}}
)

func validLine() LayerInput {
	return LayerInput{Kind: KindLineOfContact, Name: "Line of contact", ValidFrom: ceasefire,
		Geometry: lineJSON(lineNorth, lineMiddle, lineSouth, lineEnd), LeftParty: "az", RightParty: "am", Illustrative: true}
}

func validCorridor() LayerInput {
	return LayerInput{Kind: KindCorridor, Name: "Lachin corridor", ValidFrom: ceasefire, WidthM: 5000,
		Geometry: lineJSON(corridorNorth, corridorSouth), Party: "pkf",
		Names: map[string]string{"ru": "Лачинский коридор", "az": "Laçın dəhlizi", "hy": "Լաչինի միջանցք"}}
}

func validZone() LayerInput {
	return LayerInput{Kind: KindZone, Subkind: "security", Name: "Area of responsibility", ValidFrom: ceasefire,
		Geometry: polygonJSON(zoneRing...), Party: "pkf", Note: "Illustrative.\nNot authoritative."}
}

func validSite(name string, at Point) LayerInput {
	return LayerInput{Kind: KindSite, Subkind: "observation_post", Name: name, ValidFrom: ceasefire, Geometry: pointJSON(at), Party: "pkf"}
}

func validPlace() PlaceInput {
	return PlaceInput{Kind: "settlement", Location: &Point{39.758, 46.750}, Names: []PlaceName{
		{Lang: "az", Party: "az", Name: "Şuşa"},
		{Lang: "en", Party: "am", Name: "Shushi"},
		{Lang: "hy", Party: "am", Name: "Շուշի"},
		{Lang: "ru", Name: "Шуша"},
	}}
}

// assertRefused checks that err is errs.Invalid at field (or, with prefix,
// at a field starting with it) and that nothing was written.
func assertRefused(t *testing.T, err error, db *store.DB, sizeBefore int64, field string, prefix bool) {
	t.Helper()
	if err == nil {
		t.Fatalf("accepted, want an error at %q", field)
	}
	if c := errs.CodeOf(err); c != errs.CodeInvalid {
		t.Errorf("code = %q, want %q (error %v)", c, errs.CodeInvalid, err)
	}
	got := errs.FieldOf(err)
	if prefix && !strings.HasPrefix(got, field) || !prefix && got != field {
		t.Errorf("field = %q, want %q%s (error %v)", got, field, map[bool]string{true: "…"}[prefix], err)
	}
	if db.Size() != sizeBefore {
		t.Errorf("log grew from %d to %d on a refused write", sizeBefore, db.Size())
	}
}

func TestCreateLayerRejects(t *testing.T) {
	with := func(base func() LayerInput, change func(*LayerInput)) LayerInput {
		in := base()
		change(&in)
		return in
	}
	tests := []struct {
		name   string
		in     LayerInput
		field  string
		prefix bool // field need only start with the given one
	}{
		{"unknown kind", with(validZone, func(in *LayerInput) { in.Kind = "area" }), "kind", false},
		{"empty kind", with(validZone, func(in *LayerInput) { in.Kind = "" }), "kind", false},
		{"zone without subkind", with(validZone, func(in *LayerInput) { in.Subkind = "" }), "subkind", false},
		{"zone with a site's subkind", with(validZone, func(in *LayerInput) { in.Subkind = "checkpoint" }), "subkind", false},
		{"site without subkind", with(func() LayerInput { return validSite("OP", lineMiddle) }, func(in *LayerInput) { in.Subkind = "" }), "subkind", false},
		{"site with unknown subkind", with(func() LayerInput { return validSite("OP", lineMiddle) }, func(in *LayerInput) { in.Subkind = "bunker" }), "subkind", false},
		{"line with a subkind", with(validLine, func(in *LayerInput) { in.Subkind = "buffer" }), "subkind", false},
		{"missing geometry", with(validZone, func(in *LayerInput) { in.Geometry = nil }), "geometry", false},
		{"null geometry", with(validZone, func(in *LayerInput) { in.Geometry = json.RawMessage("null") }), "geometry", false},
		{"geometry not an object", with(validZone, func(in *LayerInput) { in.Geometry = json.RawMessage(`[46,40]`) }), "geometry", false},
		{"zone with a LineString", with(validZone, func(in *LayerInput) { in.Geometry = lineJSON(lineNorth, lineSouth) }), "geometry.type", false},
		{"corridor with a Polygon", with(validCorridor, func(in *LayerInput) { in.Geometry = polygonJSON(zoneRing...) }), "geometry.type", false},
		{"site with a LineString", with(func() LayerInput { return validSite("OP", lineMiddle) }, func(in *LayerInput) { in.Geometry = lineJSON(lineNorth, lineSouth) }), "geometry.type", false},
		{"line with a Point", with(validLine, func(in *LayerInput) { in.Geometry = pointJSON(lineMiddle) }), "geometry.type", false},
		{"bow-tie polygon", with(validZone, func(in *LayerInput) {
			in.Geometry = polygonJSON(Point{40.0, 46.0}, Point{40.1, 46.1}, Point{40.0, 46.1}, Point{40.1, 46.0})
		}), "geometry.coordinates", true},
		{"unclosed polygon", with(validZone, func(in *LayerInput) {
			in.Geometry = json.RawMessage(`{"type":"Polygon","coordinates":[[[46.82,40.02],[46.95,40.02],[46.95,40.18],[46.82,40.18]]]}`)
		}), "geometry.coordinates", true},
		{"site at latitude 91", with(func() LayerInput { return validSite("OP", lineMiddle) }, func(in *LayerInput) {
			in.Geometry = json.RawMessage(`{"type":"Point","coordinates":[46.8,91]}`)
		}), "geometry.coordinates[1]", false},
		{"site at longitude 181", with(func() LayerInput { return validSite("OP", lineMiddle) }, func(in *LayerInput) {
			in.Geometry = json.RawMessage(`{"type":"Point","coordinates":[181,40]}`)
		}), "geometry.coordinates[0]", false},
		{"geometry with an unknown member", with(validLine, func(in *LayerInput) {
			in.Geometry = json.RawMessage(`{"type":"LineString","coordinates":[[46.8,40.2],[46.8,40]],"crs":null}`)
		}), "geometry.crs", false},
		{"corridor of width 0", with(validCorridor, func(in *LayerInput) { in.WidthM = 0 }), "width_m", false},
		{"corridor of negative width", with(validCorridor, func(in *LayerInput) { in.WidthM = -5000 }), "width_m", false},
		{"corridor wider than half the Earth", with(validCorridor, func(in *LayerInput) { in.WidthM = 3e7 }), "width_m", false},
		{"width on a zone", with(validZone, func(in *LayerInput) { in.WidthM = 5000 }), "width_m", false},
		{"negative width on a line", with(validLine, func(in *LayerInput) { in.WidthM = -1 }), "width_m", false},
		{"left_party on a zone", with(validZone, func(in *LayerInput) { in.LeftParty = "az" }), "left_party", false},
		{"right_party on a corridor", with(validCorridor, func(in *LayerInput) { in.RightParty = "am" }), "right_party", false},
		{"valid_from missing", with(validZone, func(in *LayerInput) { in.ValidFrom = "" }), "valid_from", false},
		{"valid_from a date only", with(validZone, func(in *LayerInput) { in.ValidFrom = "2020-11-10" }), "valid_from", false},
		{"valid_from in words", with(validZone, func(in *LayerInput) { in.ValidFrom = "yesterday" }), "valid_from", false},
		{"valid_from with a space for T", with(validZone, func(in *LayerInput) { in.ValidFrom = "2020-11-10 00:00:00Z" }), "valid_from", false},
		{"valid_from before year 0 in UTC", with(validZone, func(in *LayerInput) { in.ValidFrom = "0000-01-01T00:30:00+01:00" }), "valid_from", false},
		{"valid_to after year 9999 in UTC", with(validZone, func(in *LayerInput) { in.ValidTo = "9999-12-31T23:30:00-01:00" }), "valid_to", false},
		{"valid_to not RFC 3339", with(validZone, func(in *LayerInput) { in.ValidTo = "2021-01-01" }), "valid_to", false},
		{"valid_to before valid_from", with(validZone, func(in *LayerInput) { in.ValidTo = "2020-11-01T00:00:00Z" }), "valid_to", false},
		{"valid_to equal to valid_from", with(validZone, func(in *LayerInput) { in.ValidTo = "2020-11-10T00:00:00+03:00" }), "valid_to", false},
		{"empty name", with(validZone, func(in *LayerInput) { in.Name = "" }), "name", false},
		{"name with a control character", with(validZone, func(in *LayerInput) { in.Name = "Area\x07 of responsibility" }), "name", false},
		{"name with a newline", with(validZone, func(in *LayerInput) { in.Name = "Area\nof responsibility" }), "name", false},
		{"name with a right-to-left override", with(validZone, func(in *LayerInput) { in.Name = "Area \u202eytilibisnopser" }), "name", false},
		{"name of 201 characters", with(validZone, func(in *LayerInput) { in.Name = strings.Repeat("ə", 201) }), "name", false},
		{"names with a capitalised language tag", with(validZone, func(in *LayerInput) { in.Names = map[string]string{"EN": "Area"} }), "names", false},
		{"names with an empty language tag", with(validZone, func(in *LayerInput) { in.Names = map[string]string{"": "Area"} }), "names", false},
		{"names with a language name", with(validZone, func(in *LayerInput) { in.Names = map[string]string{"russian": "Зона"} }), "names", false},
		{"names with a bidi override", with(validZone, func(in *LayerInput) { in.Names = map[string]string{"ru": "Зона \u202e"} }), "names.ru", false},
		{"party with a control character", with(validZone, func(in *LayerInput) { in.Party = "pkf\x00" }), "party", false},
		{"note with a carriage return", with(validZone, func(in *LayerInput) { in.Note = "one\r\ntwo" }), "note", false},
	}
	s, db := newService(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := db.Size()
			_, err := s.CreateLayer(context.Background(), testActor, tt.in)
			assertRefused(t, err, db, before, tt.field, tt.prefix)
		})
	}
}

func TestCreatePlaceRejects(t *testing.T) {
	with := func(change func(*PlaceInput)) PlaceInput {
		in := validPlace()
		change(&in)
		return in
	}
	tests := []struct {
		name  string
		in    PlaceInput
		field string
	}{
		{"no names", with(func(in *PlaceInput) { in.Names = nil }), "names"},
		{"empty names", with(func(in *PlaceInput) { in.Names = []PlaceName{} }), "names"},
		{"51 names", with(func(in *PlaceInput) {
			in.Names = nil
			for i := range 51 {
				in.Names = append(in.Names, PlaceName{Lang: "en", Party: fmt.Sprintf("p%d", i), Name: "Shusha"})
			}
		}), "names"},
		{"bad language tag", with(func(in *PlaceInput) { in.Names[1].Lang = "English" }), "names[1].lang"},
		{"missing language tag", with(func(in *PlaceInput) { in.Names[0].Lang = "" }), "names[0].lang"},
		{"same language for the same party", with(func(in *PlaceInput) { in.Names[2] = PlaceName{Lang: "en", Party: "am", Name: "Shoushi"} }), "names[2]"},
		{"same language with no party twice", with(func(in *PlaceInput) {
			in.Names = append(in.Names, PlaceName{Lang: "ru", Name: "Шуши"})
		}), "names[4]"},
		{"name with a right-to-left override", with(func(in *PlaceInput) { in.Names[0].Name = "Şu\u202eşa" }), "names[0].name"},
		{"blank name", with(func(in *PlaceInput) { in.Names[3].Name = "  " }), "names[3].name"},
		{"party with a tab", with(func(in *PlaceInput) { in.Names[0].Party = "a\tz" }), "names[0].party"},
		{"missing location", with(func(in *PlaceInput) { in.Location = nil }), "location"},
		{"latitude out of range", with(func(in *PlaceInput) { in.Location = &Point{Lat: 91, Lon: 46.75} }), "location.lat"},
		{"longitude out of range", with(func(in *PlaceInput) { in.Location = &Point{Lat: 39.758, Lon: -180.5} }), "location.lon"},
		{"unknown kind", with(func(in *PlaceInput) { in.Kind = "town" }), "kind"},
		{"missing kind", with(func(in *PlaceInput) { in.Kind = "" }), "kind"},
		{"note with a bidi isolate", with(func(in *PlaceInput) { in.Note = "note \u2066x\u2069" }), "note"},
	}
	s, db := newService(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := db.Size()
			_, err := s.CreatePlace(context.Background(), testActor, tt.in)
			assertRefused(t, err, db, before, tt.field, false)
		})
	}
}

func TestOrgCheckRefusesUnknownParties(t *testing.T) {
	db := mustOpen(t)
	known := map[string]bool{"az": true, "am": true, "pkf": true}
	s := New(db, func(tx *store.Tx, field, id string) error {
		if !known[id] {
			return errs.Invalid(field, "no organisation %s", id)
		}
		return nil
	})
	t.Cleanup(func() { mustVerify(t, db) })
	ctx := context.Background()

	layers := []struct {
		name  string
		in    LayerInput
		field string
	}{
		{"unknown zone party", func() LayerInput { in := validZone(); in.Party = "ghost"; return in }(), "party"},
		{"unknown left party", func() LayerInput { in := validLine(); in.LeftParty = "ghost"; return in }(), "left_party"},
		{"unknown right party", func() LayerInput { in := validLine(); in.RightParty = "ghost"; return in }(), "right_party"},
	}
	for _, tt := range layers {
		t.Run(tt.name, func(t *testing.T) {
			before := db.Size()
			_, err := s.CreateLayer(ctx, testActor, tt.in)
			assertRefused(t, err, db, before, tt.field, false)
		})
	}
	t.Run("unknown party of a place name", func(t *testing.T) {
		in := validPlace()
		in.Names[2].Party = "ghost"
		before := db.Size()
		_, err := s.CreatePlace(ctx, testActor, in)
		assertRefused(t, err, db, before, "names[2].party", false)
	})
	t.Run("known parties are accepted", func(t *testing.T) {
		for _, in := range []LayerInput{validLine(), validZone(), validCorridor()} {
			if _, err := s.CreateLayer(ctx, testActor, in); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.CreatePlace(ctx, testActor, validPlace()); err != nil {
			t.Fatal(err)
		}
	})
}

func TestLayerCreateGetUpdate(t *testing.T) {
	s, db := newService(t)
	ctx := context.Background()

	created, err := s.CreateLayer(ctx, testActor, validCorridor())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(created.ID, "lyr_") || created.Version != 1 {
		t.Fatalf("created %s version %d, want lyr_… version 1", created.ID, created.Version)
	}
	got, err := s.GetLayer(ctx, testActor, created.ID)
	if err != nil {
		t.Fatal(err)
	}
	wantJSON, _ := json.Marshal(created)
	gotJSON, _ := json.Marshal(got)
	if string(gotJSON) != string(wantJSON) {
		t.Errorf("GetLayer = %s\nwant        %s", gotJSON, wantJSON)
	}
	if got.Kind != KindCorridor || got.WidthM != 5000 || got.Names["hy"] != "Լաչինի միջանցք" || len(got.Geometry.Line) != 2 {
		t.Errorf("GetLayer lost data: %+v", got)
	}
	if !got.ValidFrom.Equal(time.Date(2020, 11, 9, 21, 0, 0, 0, time.UTC)) || got.ValidTo != nil {
		t.Errorf("validity = %v to %v", got.ValidFrom, got.ValidTo)
	}

	in := validCorridor()
	in.WidthM = 6000
	in.ValidTo = "2023-04-23T00:00:00+04:00"
	updated, err := s.UpdateLayer(ctx, testActor, created.ID, 1, in)
	if err != nil {
		t.Fatal(err)
	}
	if updated.Version != 2 || updated.WidthM != 6000 {
		t.Errorf("updated to version %d width %v, want 2 and 6000", updated.Version, updated.WidthM)
	}
	if got, _ := s.GetLayer(ctx, testActor, created.ID); got.Version != 2 || got.ValidTo == nil || !got.ValidTo.Equal(time.Date(2023, 4, 22, 20, 0, 0, 0, time.UTC)) {
		t.Errorf("after update GetLayer = version %d valid_to %v", got.Version, got.ValidTo)
	}

	t.Run("stale version", func(t *testing.T) {
		before := db.Size()
		_, err := s.UpdateLayer(ctx, testActor, created.ID, 1, validCorridor())
		assertError(t, err, errs.CodeConflict, "version", "at version 2")
		if db.Size() != before {
			t.Errorf("log grew on a conflict")
		}
	})
	for _, v := range []int64{0, -1} {
		t.Run(fmt.Sprintf("version %d", v), func(t *testing.T) {
			before := db.Size()
			_, err := s.UpdateLayer(ctx, testActor, created.ID, v, validCorridor())
			assertInvalid(t, err, "version", "at least 1")
			if db.Size() != before {
				t.Errorf("log grew on version %d", v)
			}
		})
	}
	t.Run("invalid update", func(t *testing.T) {
		in := validCorridor()
		in.WidthM = 0
		before := db.Size()
		_, err := s.UpdateLayer(ctx, testActor, created.ID, 2, in)
		assertRefused(t, err, db, before, "width_m", false)
	})
	t.Run("unknown id", func(t *testing.T) {
		_, err := s.GetLayer(ctx, testActor, "lyr_nothere")
		assertError(t, err, errs.CodeNotFound, "", "lyr_nothere not found")
		_, err = s.UpdateLayer(ctx, testActor, "lyr_nothere", 1, validCorridor())
		assertError(t, err, errs.CodeNotFound, "", "lyr_nothere not found")
	})
}

func TestPlaceCreateGetUpdate(t *testing.T) {
	s, db := newService(t)
	ctx := context.Background()

	created, err := s.CreatePlace(ctx, testActor, validPlace())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(created.ID, "plc_") || created.Version != 1 {
		t.Fatalf("created %s version %d", created.ID, created.Version)
	}
	got, err := s.GetPlace(ctx, testActor, created.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Names, validPlace().Names) || got.Location != *validPlace().Location || got.Kind != "settlement" {
		t.Errorf("GetPlace = %+v", got)
	}

	in := validPlace()
	in.Names = append(in.Names, PlaceName{Lang: "en", Party: "az", Name: "Shusha"})
	updated, err := s.UpdatePlace(ctx, testActor, created.ID, 1, in)
	if err != nil {
		t.Fatal(err)
	}
	if updated.Version != 2 || len(updated.Names) != 5 {
		t.Errorf("updated = version %d with %d names", updated.Version, len(updated.Names))
	}
	page, err := s.ListPlaces(ctx, testActor, PlaceFilter{Query: "shusha"}, store.PageRequest{})
	if err != nil || len(page.Items) != 1 {
		t.Errorf("the name added by the update is not found: %v, %v", page.Items, err)
	}

	before := db.Size()
	_, err = s.UpdatePlace(ctx, testActor, created.ID, 1, validPlace())
	assertError(t, err, errs.CodeConflict, "version", "at version 2")
	_, err = s.UpdatePlace(ctx, testActor, created.ID, -1, validPlace())
	assertInvalid(t, err, "version", "at least 1")
	_, err = s.UpdatePlace(ctx, testActor, "plc_nothere", 1, validPlace())
	assertError(t, err, errs.CodeNotFound, "", "plc_nothere not found")
	_, err = s.GetPlace(ctx, testActor, "plc_nothere")
	assertError(t, err, errs.CodeNotFound, "", "plc_nothere not found")
	if db.Size() != before {
		t.Errorf("log grew on refused updates")
	}
}

// listAllLayers follows the cursors from the first page to the last.
func listAllLayers(t *testing.T, s *Service, f LayerFilter, limit int) (ids []string, pages int) {
	t.Helper()
	req := store.PageRequest{Limit: limit}
	for {
		page, err := s.ListLayers(context.Background(), testActor, f, req)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if len(page.Items) > limit {
			t.Fatalf("page of %d items, limit %d", len(page.Items), limit)
		}
		for _, l := range page.Items {
			ids = append(ids, l.ID)
		}
		if page.Next == "" {
			return ids, pages
		}
		if pages > 100 {
			t.Fatal("pagination does not end")
		}
		req.Cursor = page.Next
	}
}

func TestListLayers(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	create := func(in LayerInput) string {
		t.Helper()
		l, err := s.CreateLayer(ctx, testActor, in)
		if err != nil {
			t.Fatal(err)
		}
		return l.ID
	}
	line := create(validLine())
	zone := create(validZone())
	corridor := create(validCorridor())
	site := create(validSite("OP 1", lineMiddle))
	closed := validSite("OP 2 (closed)", lineSouth)
	closed.ValidTo = "2021-03-01T00:00:00Z"
	closedSite := create(closed)
	future := validSite("OP 3 (planned)", lineNorth)
	future.ValidFrom = "2030-01-01T00:00:00Z"
	futureSite := create(future)
	all := []string{line, zone, corridor, site, closedSite, futureSite}
	slices.Sort(all)

	at := func(s string) *time.Time {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			panic(err)
		}
		return &t
	}
	tests := []struct {
		name   string
		filter LayerFilter
		want   []string
	}{
		{"all", LayerFilter{}, all},
		{"sites", LayerFilter{Kind: KindSite}, []string{site, closedSite, futureSite}},
		{"zones", LayerFilter{Kind: KindZone}, []string{zone}},
		{"at the ceasefire", LayerFilter{At: at(ceasefire)}, []string{line, zone, corridor, site, closedSite}},
		{"a second before the ceasefire", LayerFilter{At: at("2020-11-09T20:59:59Z")}, nil},
		{"half a second before the ceasefire", LayerFilter{At: at("2020-11-09T20:59:59.5Z")}, nil},
		{"at the end of a period", LayerFilter{At: at("2021-03-01T00:00:00Z")}, []string{line, zone, corridor, site}},
		{"just before the end of a period", LayerFilter{At: at("2021-02-28T23:59:59.999Z")}, []string{line, zone, corridor, site, closedSite}},
		{"in a different zone", LayerFilter{At: at("2021-03-01T03:59:59+04:00")}, []string{line, zone, corridor, site, closedSite}},
		{"sites in 2031", LayerFilter{Kind: KindSite, At: at("2031-01-01T00:00:00Z")}, []string{site, futureSite}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := slices.Clone(tt.want)
			slices.Sort(want)
			for _, limit := range []int{1, 2, 50} {
				got, pages := listAllLayers(t, s, tt.filter, limit)
				if !slices.Equal(got, want) {
					t.Errorf("limit %d: got %v, want %v", limit, got, want)
				}
				if wantPages := max(1, (len(want)+limit-1)/limit); pages != wantPages {
					t.Errorf("limit %d: %d pages for %d items", limit, pages, len(want))
				}
				// The SQL filter must agree with ValidAt, which Locate uses.
				if tt.filter.At != nil {
					for _, id := range all {
						l, err := s.GetLayer(ctx, testActor, id)
						if err != nil {
							t.Fatal(err)
						}
						want := l.ValidAt(*tt.filter.At) && (tt.filter.Kind == "" || tt.filter.Kind == l.Kind)
						if want != slices.Contains(got, id) {
							t.Errorf("ValidAt(%v) = %v for %s, but ListLayers disagrees", tt.filter.At, l.ValidAt(*tt.filter.At), l.Name)
						}
					}
				}
			}
		})
	}
	t.Run("bad filter", func(t *testing.T) {
		_, err := s.ListLayers(ctx, testActor, LayerFilter{Kind: "area"}, store.PageRequest{})
		assertInvalid(t, err, "kind", "")
		_, err = s.ListLayers(ctx, testActor, LayerFilter{}, store.PageRequest{Cursor: "!!"})
		assertInvalid(t, err, "cursor", "")
		_, err = s.ListLayers(ctx, testActor, LayerFilter{}, store.PageRequest{Limit: store.MaxLimit + 1})
		assertInvalid(t, err, "limit", "")
	})
}

// TestSubSecondValidity checks that a validity period given to a fraction
// of a second is kept to the second, so that ListLayers (which compares
// times as text to the second) and ValidAt (which Locate uses) agree.
func TestSubSecondValidity(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	in := validSite("OP", lineMiddle)
	in.ValidFrom = "2021-01-01T00:00:00.6Z"
	in.ValidTo = "2021-01-01T00:00:10.4Z"
	l, err := s.CreateLayer(ctx, testActor, in)
	if err != nil {
		t.Fatal(err)
	}
	for _, at := range []string{"2020-12-31T23:59:59.9Z", "2021-01-01T00:00:00Z", "2021-01-01T00:00:00.3Z", "2021-01-01T00:00:00.7Z",
		"2021-01-01T00:00:09.9Z", "2021-01-01T00:00:10Z", "2021-01-01T00:00:10.2Z", "2021-01-01T00:00:10.5Z"} {
		when, _ := time.Parse(time.RFC3339Nano, at)
		page, err := s.ListLayers(ctx, testActor, LayerFilter{At: &when}, store.PageRequest{})
		if err != nil {
			t.Fatal(err)
		}
		loc, err := s.locate(ctx, nil, lineMiddle, when)
		if err != nil {
			t.Fatal(err)
		}
		listed := len(page.Items) == 1
		located := loc.NearestSite != nil
		if listed != l.ValidAt(when) || located != l.ValidAt(when) {
			t.Errorf("at %s: ValidAt %v, listed %v, located %v", at, l.ValidAt(when), listed, located)
		}
	}
}

func TestListPlacesSearch(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	create := func(kind string, names ...PlaceName) string {
		t.Helper()
		p, err := s.CreatePlace(ctx, testActor, PlaceInput{Kind: kind, Names: names, Location: &Point{39.8, 46.75}})
		if err != nil {
			t.Fatal(err)
		}
		return p.ID
	}
	shusha := create("settlement", PlaceName{"az", "", "Şuşa"}, PlaceName{"en", "", "Shushi"}, PlaceName{"hy", "", "Շուշի"}, PlaceName{"ru", "", "Шуша"})
	khankendi := create("settlement", PlaceName{"az", "az", "Xankəndi"}, PlaceName{"en", "am", "Stepanakert"}, PlaceName{"ru", "", "Ханкенди"})
	percent := create("landmark", PlaceName{"en", "", "Hill 100%"})
	underscore := create("landmark", PlaceName{"en", "", "Post A_B"})
	backslash := create("other", PlaceName{"en", "", `Gate \3`})
	ismayilli := create("district", PlaceName{"az", "", "İsmayıllı"})

	tests := []struct {
		name   string
		filter PlaceFilter
		want   []string
	}{
		{"no filter", PlaceFilter{}, []string{shusha, khankendi, percent, underscore, backslash, ismayilli}},
		{"azerbaijani without diacritics", PlaceFilter{Query: "susa"}, []string{shusha}},
		{"english in capitals", PlaceFilter{Query: "SHUSHI"}, []string{shusha}},
		{"armenian", PlaceFilter{Query: "շուշի"}, []string{shusha}},
		{"armenian in capitals", PlaceFilter{Query: "ՇՈՒՇԻ"}, []string{shusha}},
		{"russian", PlaceFilter{Query: "шуша"}, []string{shusha}},
		{"russian prefix in capitals", PlaceFilter{Query: "ШУ"}, []string{shusha}},
		{"with diacritics", PlaceFilter{Query: "Şuşa"}, []string{shusha}},
		{"middle of a name", PlaceFilter{Query: "panak"}, []string{khankendi}},
		{"schwa kept distinct", PlaceFilter{Query: "xankendi"}, nil},
		{"schwa", PlaceFilter{Query: "XANKƏNDI"}, []string{khankendi}},
		{"dotless i typed as I", PlaceFilter{Query: "ISMAYILLI"}, []string{ismayilli}},
		{"percent is literal", PlaceFilter{Query: "%"}, []string{percent}},
		{"percent inside", PlaceFilter{Query: "1%0"}, nil},
		{"underscore is literal", PlaceFilter{Query: "_"}, []string{underscore}},
		{"underscore is not any character", PlaceFilter{Query: "Shu_hi"}, nil},
		{"backslash is literal", PlaceFilter{Query: `\`}, []string{backslash}},
		{"no match", PlaceFilter{Query: "Paris"}, nil},
		{"kind", PlaceFilter{Kind: "landmark"}, []string{percent, underscore}},
		{"kind and query", PlaceFilter{Kind: "landmark", Query: "post"}, []string{underscore}},
		{"kind excludes the match", PlaceFilter{Kind: "district", Query: "susa"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := slices.Clone(tt.want)
			slices.Sort(want)
			for _, limit := range []int{1, 50} {
				var got []string
				req := store.PageRequest{Limit: limit}
				for pages := 0; ; pages++ {
					page, err := s.ListPlaces(ctx, testActor, tt.filter, req)
					if err != nil {
						t.Fatal(err)
					}
					for _, p := range page.Items {
						got = append(got, p.ID)
					}
					if page.Next == "" || pages > 20 {
						break
					}
					req.Cursor = page.Next
				}
				if !slices.Equal(got, want) {
					t.Errorf("limit %d: got %v, want %v", limit, got, want)
				}
			}
		})
	}
	t.Run("bad filter", func(t *testing.T) {
		_, err := s.ListPlaces(ctx, testActor, PlaceFilter{Kind: "town"}, store.PageRequest{})
		assertInvalid(t, err, "kind", "")
		_, err = s.ListPlaces(ctx, testActor, PlaceFilter{Query: "a\x00b"}, store.PageRequest{})
		assertInvalid(t, err, "q", "")
		_, err = s.ListPlaces(ctx, testActor, PlaceFilter{Query: "\u202eabc"}, store.PageRequest{})
		assertInvalid(t, err, "q", "")
		_, err = s.ListPlaces(ctx, testActor, PlaceFilter{}, store.PageRequest{Limit: -1})
		assertInvalid(t, err, "limit", "")
	})
}

func TestNameFor(t *testing.T) {
	p := PlaceBody{Names: []PlaceName{
		{Lang: "en", Party: "az", Name: "Shusha"},
		{Lang: "en", Party: "am", Name: "Shushi"},
		{Lang: "az", Party: "az", Name: "Şuşa"},
		{Lang: "hy", Party: "am", Name: "Շուշի"},
		{Lang: "ru", Name: "Шуша"},
		{Lang: "ru", Party: "am", Name: "Шуши"},
	}}
	tests := []struct {
		name        string
		lang, party string
		want        string
	}{
		{"language and party", "en", "am", "Shushi"},
		{"language and the other party", "en", "az", "Shusha"},
		{"language as used by anyone before another party's", "ru", "az", "Шуша"},
		{"language and party over the neutral name", "ru", "am", "Шуши"},
		{"language with no party given prefers the neutral name", "ru", "", "Шуша"},
		{"language with no party given and no neutral name: the first", "en", "", "Shusha"},
		{"party in another language", "fr", "am", "Shushi"},
		{"unknown party and language: the neutral name", "fr", "tr", "Шуша"},
		{"only language matches", "hy", "az", "Շուշի"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := p.NameFor(tt.lang, tt.party); got != tt.want {
				t.Errorf("NameFor(%q, %q) = %q, want %q", tt.lang, tt.party, got, tt.want)
			}
		})
	}
	t.Run("no neutral name: the first", func(t *testing.T) {
		p := PlaceBody{Names: []PlaceName{{Lang: "en", Party: "az", Name: "Lachin"}, {Lang: "en", Party: "am", Name: "Berdzor"}}}
		if got := p.NameFor("fr", "tr"); got != "Lachin" {
			t.Errorf("NameFor = %q, want the first name", got)
		}
	})
	t.Run("no names", func(t *testing.T) {
		if got := (PlaceBody{}).NameFor("en", ""); got != "" {
			t.Errorf("NameFor = %q, want empty", got)
		}
	})
}

// footOnMeridian returns the point of the meridian lon closest to p: along
// the great circle through p perpendicular to the meridian.
func footOnMeridian(p Point, lon float64) Point {
	φ := radians(p.Lat)
	Δλ := radians(p.Lon - lon)
	return Point{Lat: degrees(math.Atan(math.Tan(φ) / math.Cos(Δλ))), Lon: lon}
}

func within(got, want, fraction float64) bool {
	return math.Abs(got-want) <= fraction*math.Abs(want)
}

func TestLocate(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	mustLayer := func(in LayerInput) Layer {
		t.Helper()
		l, err := s.CreateLayer(ctx, testActor, in)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	mustPlace := func(name string, at Point) Place {
		t.Helper()
		p, err := s.CreatePlace(ctx, testActor, PlaceInput{Kind: "settlement", Names: []PlaceName{{Lang: "en", Name: name}}, Location: &at})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	line := mustLayer(validLine())
	corridor := mustLayer(validCorridor())
	zone := mustLayer(validZone())
	withdrawal := validZone()
	withdrawal.Subkind, withdrawal.Name = "withdrawal", "Withdrawal area"
	withdrawal.ValidFrom, withdrawal.ValidTo = "2020-11-10T00:00:00Z", "2020-12-01T00:00:00Z"
	withdrawalZone := mustLayer(withdrawal)
	post := mustLayer(validSite("Observation post 1", Point{40.10, 46.82}))
	checkpoint := mustLayer(func() LayerInput {
		in := validSite("Corridor checkpoint", Point{39.60, 46.55})
		in.Subkind = "checkpoint"
		return in
	}())
	planned := validSite("Planned post", Point{40.10, 46.86})
	planned.ValidFrom = "2030-01-01T00:00:00Z"
	plannedPost := mustLayer(planned)
	shusha := mustPlace("Shusha", Point{39.758, 46.750})
	mustPlace("Khankendi", Point{39.815, 46.752})
	aghdam := mustPlace("Aghdam", Point{39.993, 46.930})

	at := time.Date(2021, 6, 1, 0, 0, 0, 0, time.UTC)
	east := Point{40.10, 46.85} // in the zone, east of the line's north-south part
	west := Point{40.10, 46.75}

	t.Run("east of a line digitised north to south is left", func(t *testing.T) {
		loc, err := s.locate(ctx, nil, east, at)
		if err != nil {
			t.Fatal(err)
		}
		h := loc.LineOfContact
		if h == nil || h.ID != line.ID || h.Side != "left" || h.SideParty != "az" {
			t.Fatalf("line of contact = %+v, want left of %s held by az", h, line.ID)
		}
		want := Distance(east, footOnMeridian(east, 46.80))
		if !within(h.DistanceM, want, 0.01) {
			t.Errorf("distance = %v m, want %v m", h.DistanceM, want)
		}
		if d := Distance(h.Nearest, footOnMeridian(east, 46.80)); d > 1 {
			t.Errorf("nearest point %v is %v m from the foot of the perpendicular", h.Nearest, d)
		}
		if len(loc.Zones) != 1 || loc.Zones[0].ID != zone.ID || loc.Zones[0].Subkind != "security" || loc.Zones[0].Party != "pkf" {
			t.Errorf("zones = %+v, want only %s", loc.Zones, zone.ID)
		}
		if len(loc.Corridors) != 0 {
			t.Errorf("corridors = %+v, want none", loc.Corridors)
		}
		if n := loc.NearestSite; n == nil || n.ID != post.ID || n.Subkind != "observation_post" ||
			!within(n.DistanceM, Distance(east, Point{40.10, 46.82}), 0.001) {
			t.Errorf("nearest site = %+v, want %s (the planned post %s is closer but not yet in force)", n, post.ID, plannedPost.ID)
		}
		if n := loc.NearestPlace; n == nil || n.ID != aghdam.ID || n.Name != "Aghdam" || !within(n.DistanceM, Distance(east, Point{39.993, 46.930}), 0.001) {
			t.Errorf("nearest place = %+v, want Aghdam", n)
		}
		if loc.OutsideLayers {
			t.Error("outside_layers = true in a zone")
		}
		if !loc.At.Equal(at) || loc.Point != east {
			t.Errorf("point and time = %v %v", loc.Point, loc.At)
		}
	})
	t.Run("west of a line digitised north to south is right", func(t *testing.T) {
		loc, err := s.locate(ctx, nil, west, at)
		if err != nil {
			t.Fatal(err)
		}
		h := loc.LineOfContact
		if h == nil || h.Side != "right" || h.SideParty != "am" {
			t.Fatalf("line of contact = %+v, want right, held by am", h)
		}
		if want := Distance(west, footOnMeridian(west, 46.80)); !within(h.DistanceM, want, 0.01) {
			t.Errorf("distance = %v m, want %v m", h.DistanceM, want)
		}
		if len(loc.Zones) != 0 {
			t.Errorf("zones = %+v, want none", loc.Zones)
		}
	})
	t.Run("beyond the end of the line the end vertex is nearest", func(t *testing.T) {
		p := Point{40.30, 46.86}
		loc, err := s.locate(ctx, nil, p, at)
		if err != nil {
			t.Fatal(err)
		}
		h := loc.LineOfContact
		if want := Distance(p, lineNorth); h == nil || !within(h.DistanceM, want, 0.01) || Distance(h.Nearest, lineNorth) > 0.01 {
			t.Errorf("line of contact = %+v, want %v m to %v", h, want, lineNorth)
		}
	})
	t.Run("corridor half-width", func(t *testing.T) {
		centre := Point{39.65, 46.55}
		for _, tt := range []struct {
			offsetM float64
			inside  bool
		}{{0, true}, {2000, true}, {-2000, true}, {2499, true}, {2501, false}, {3000, false}, {-3000, false}} {
			p := Destination(centre, 90, tt.offsetM)
			loc, err := s.locate(ctx, nil, p, at)
			if err != nil {
				t.Fatal(err)
			}
			if got := len(loc.Corridors) == 1; got != tt.inside {
				t.Errorf("%v m off the centre line: in corridor = %v, want %v", tt.offsetM, got, tt.inside)
				continue
			}
			if tt.inside {
				c := loc.Corridors[0]
				if c.ID != corridor.ID || c.WidthM != 5000 || math.Abs(c.FromCentreLineM-math.Abs(tt.offsetM)) > 0.5 {
					t.Errorf("%v m off: corridor = %+v", tt.offsetM, c)
				}
				if loc.OutsideLayers {
					t.Errorf("%v m off: outside_layers in a corridor", tt.offsetM)
				}
			}
		}
		loc, _ := s.locate(ctx, nil, centre, at)
		if loc.NearestSite == nil || loc.NearestSite.ID != checkpoint.ID || loc.NearestSite.Subkind != "checkpoint" {
			t.Errorf("nearest site = %+v, want the corridor checkpoint", loc.NearestSite)
		}
		if loc.NearestPlace == nil || loc.NearestPlace.ID != shusha.ID {
			t.Errorf("nearest place = %+v, want Shusha", loc.NearestPlace)
		}
	})
	t.Run("validity periods", func(t *testing.T) {
		for _, tt := range []struct {
			at             time.Time
			wantZones      []string
			wantLine, post bool
		}{
			{time.Date(2020, 11, 9, 20, 59, 59, 0, time.UTC), nil, false, false},
			{time.Date(2020, 11, 9, 21, 0, 0, 0, time.UTC), []string{zone.ID}, true, true},
			{time.Date(2020, 11, 20, 0, 0, 0, 0, time.UTC), []string{zone.ID, withdrawalZone.ID}, true, true},
			{time.Date(2020, 11, 30, 23, 59, 59, 0, time.UTC), []string{zone.ID, withdrawalZone.ID}, true, true},
			{time.Date(2020, 12, 1, 0, 0, 0, 0, time.UTC), []string{zone.ID}, true, true},
		} {
			loc, err := s.locate(ctx, nil, east, tt.at)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, z := range loc.Zones {
				got = append(got, z.ID)
			}
			slices.Sort(got)
			want := slices.Clone(tt.wantZones)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("at %v: zones %v, want %v", tt.at, got, want)
			}
			if (loc.LineOfContact != nil) != tt.wantLine || (loc.NearestSite != nil) != tt.post {
				t.Errorf("at %v: line %+v, site %+v", tt.at, loc.LineOfContact, loc.NearestSite)
			}
			if loc.Zones == nil || loc.Corridors == nil {
				t.Errorf("at %v: zones and corridors must be empty lists, not null", tt.at)
			}
		}
		loc, err := s.locate(ctx, nil, Point{40.10, 46.86}, time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		if loc.NearestSite == nil || loc.NearestSite.ID != plannedPost.ID {
			t.Errorf("once in force the planned post is nearest; got %+v", loc.NearestSite)
		}
	})
	t.Run("another continent", func(t *testing.T) {
		loc, err := s.locate(ctx, nil, paris, at)
		if err != nil {
			t.Fatal(err)
		}
		if !loc.OutsideLayers || len(loc.Zones) != 0 || len(loc.Corridors) != 0 {
			t.Errorf("Paris: outside %v, zones %v, corridors %v", loc.OutsideLayers, loc.Zones, loc.Corridors)
		}
		if loc.LineOfContact == nil || loc.LineOfContact.DistanceM < 2_000_000 {
			t.Errorf("Paris: line of contact %+v", loc.LineOfContact)
		}
		if loc.NearestPlace == nil || loc.NearestPlace.DistanceM < 2_000_000 {
			t.Errorf("Paris: nearest place %+v", loc.NearestPlace)
		}
	})
	t.Run("60 km away is outside, 40 km is not", func(t *testing.T) {
		for _, tt := range []struct {
			km      float64
			outside bool
		}{{40, false}, {60, true}} {
			p := Destination(lineNorth, 0, tt.km*1000)
			loc, err := s.locate(ctx, nil, p, at)
			if err != nil {
				t.Fatal(err)
			}
			if loc.OutsideLayers != tt.outside {
				t.Errorf("%v km north of the line: outside_layers = %v", tt.km, loc.OutsideLayers)
			}
		}
	})
	t.Run("bad point", func(t *testing.T) {
		_, err := s.locate(ctx, nil, Point{Lat: 91, Lon: 46}, at)
		assertInvalid(t, err, "lat", "outside")
		_, err = s.locate(ctx, nil, Point{Lat: 40, Lon: math.NaN()}, at)
		assertInvalid(t, err, "lon", "finite")
	})
	t.Run("a layer written after a Locate is seen by the next", func(t *testing.T) {
		p := Point{38.0, 45.0}
		if loc, _ := s.locate(ctx, nil, p, at); !loc.OutsideLayers {
			t.Fatal("expected outside the layers before the new site")
		}
		mustLayer(validSite("Remote post", Point{38.01, 45.0}))
		if loc, _ := s.locate(ctx, nil, p, at); loc.OutsideLayers || loc.NearestSite == nil || loc.NearestSite.Name != "Remote post" {
			t.Errorf("new site not seen: %+v", loc.NearestSite)
		}
	})
}

// TestLocateWhileWriting runs Locate alongside layer updates; once the
// writes are done, Locate must see the last of them, not a cache filled
// from an older state by a read that raced a write.
func TestLocateWhileWriting(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	site, err := s.CreateLayer(ctx, testActor, validSite("Post v1", lineMiddle))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	errc := make(chan error, 4)
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := s.locate(ctx, nil, lineMiddle, time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil {
					errc <- err
					return
				}
			}
		})
	}
	version := site.Version
	for i := 2; i <= 30; i++ {
		l, err := s.UpdateLayer(ctx, testActor, site.ID, version, validSite(fmt.Sprintf("Post v%d", i), lineMiddle))
		if err != nil {
			t.Fatal(err)
		}
		version = l.Version
	}
	close(stop)
	wg.Wait()
	select {
	case err := <-errc:
		t.Fatal(err)
	default:
	}
	loc, err := s.locate(ctx, nil, lineMiddle, time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if loc.NearestSite == nil || loc.NearestSite.Name != "Post v30" {
		t.Errorf("after the writes Locate sees %+v, want Post v30", loc.NearestSite)
	}
}

func TestParseTime(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Time
		wantErr string
	}{
		{"2020-11-09T21:00:00Z", time.Date(2020, 11, 9, 21, 0, 0, 0, time.UTC), ""},
		{"2020-11-10T00:00:00+03:00", time.Date(2020, 11, 9, 21, 0, 0, 0, time.UTC), ""},
		{"2020-11-09T21:00:00.999Z", time.Date(2020, 11, 9, 21, 0, 0, 0, time.UTC), ""},
		{"0000-01-01T00:00:00Z", time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC), ""},
		{"9999-12-31T23:59:59Z", time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC), ""},
		{"", time.Time{}, "is required"},
		{"2020-11-10", time.Time{}, "RFC 3339"},
		{"yesterday", time.Time{}, "RFC 3339"},
		{"2020-11-10T00:00:00", time.Time{}, "RFC 3339"},
		{"0000-01-01T00:00:00+00:01", time.Time{}, "year"},
		{"9999-12-31T23:59:59-00:01", time.Time{}, "year"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseTime("at", tt.in)
			if tt.wantErr != "" {
				assertInvalid(t, err, "at", tt.wantErr)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !got.Equal(tt.want) || got.Location() != time.UTC {
				t.Errorf("ParseTime = %v, want %v in UTC", got, tt.want)
			}
			if _, err := json.Marshal(got); err != nil {
				t.Errorf("accepted time does not marshal: %v", err)
			}
		})
	}
}

func TestLayerRowsRejectsBadBody(t *testing.T) {
	for _, body := range []string{`{`, `{"geometry":{"type":"Circle","coordinates":[0,0]}}`, `{"valid_from":"soon"}`} {
		if _, err := layerRows("lyr_x", []byte(body)); err == nil {
			t.Errorf("layerRows accepted %s", body)
		}
	}
	if _, err := placeRows("plc_x", []byte(`{"names":7}`)); err == nil {
		t.Error("placeRows accepted a bad body")
	}
}
