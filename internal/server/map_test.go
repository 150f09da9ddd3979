package server_test

import (
	"github.com/truce-monitoring/truce/internal/pgtest"

	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/app"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/incident"
	"github.com/truce-monitoring/truce/internal/store"
)

type mapView struct {
	Layers map[string]struct {
		Features []struct {
			Geometry   struct{ Type string } `json:"geometry"`
			Properties map[string]any        `json:"properties"`
		} `json:"features"`
	} `json:"layers"`
	Aggregated map[string]bool `json:"aggregated"`
	Totals     map[string]int  `json:"totals"`
	Sides      map[string]string
}

// insertAllegations writes n allegations of side on day straight through
// a store transaction (as the incident benchmarks do): the API would take
// minutes for thousands.
func insertAllegations(t testing.TB, db *store.DB, n int, prefix, side, other, day string, label access.Label) {
	t.Helper()
	start, err := time.Parse(time.DateOnly, day)
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.Write(context.Background(), func(tx *store.Tx) error {
		for i := range n {
			at := start.Add(time.Duration(i%86400) * time.Second)
			b := incident.AllegationBody{SourceKind: incident.SourceSide, LodgedBy: side, OnBehalfOf: side, AllegedPerpetrator: other,
				Category: incident.Categories[i%len(incident.Categories)].Code, Status: incident.StatusLodged,
				Location: incident.Location{Point: geo.Point{Lat: 39.5 + float64(i%997)/997, Lon: 46 + 1.5*float64(i%991)/991},
					Precision: incident.PrecisionExact, RadiusM: 100},
				Time:      incident.TimeSpan{Start: at, Precision: incident.TimeExact},
				Narrative: "Fire reported near the line.", Grading: incident.Grading{Reliability: "F", Credibility: 6}, LodgedAt: at, Label: label}
			if _, err := tx.Record(store.Change{Entity: incident.EntityAllegation, ID: fmt.Sprintf("%s_%07d", prefix, i), Version: 1, Actor: store.System, Body: b}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestMapFeatures(t *testing.T) {
	s := start(t)
	az, am := s.loaded.Orgs["AZ"], s.loaded.Orgs["AM"]
	view := func(role, query string) mapView {
		t.Helper()
		res := s.with(role).do("GET", "/api/v1/map/features?bbox=45.6,38.9,47.9,40.7&zoom=8"+query, "")
		if res.status != http.StatusOK {
			t.Fatalf("%s %s: %d %s", role, query, res.status, res.body)
		}
		var v mapView
		res.json(t, &v)
		return v
	}

	t.Run("bad input names the parameter", func(t *testing.T) {
		for _, c := range []struct{ name, query, field string }{
			{"no bbox", "/api/v1/map/features?zoom=8", "bbox"},
			{"bbox of three numbers", "/api/v1/map/features?bbox=1,2,3&zoom=8", "bbox"},
			{"bbox upside down", "/api/v1/map/features?bbox=46,41,47,40&zoom=8", "bbox"},
			{"no zoom", "/api/v1/map/features?bbox=46,39,47,40", "zoom"},
			{"zoom out of range", "/api/v1/map/features?bbox=46,39,47,40&zoom=99", "zoom"},
			{"from not a time", "/api/v1/map/features?bbox=46,39,47,40&zoom=8&from=soon", "from"},
			{"to before from", "/api/v1/map/features?bbox=46,39,47,40&zoom=8&from=2021-06-10&to=2021-06-01", "to"},
			{"unknown category", "/api/v1/map/features?bbox=46,39,47,40&zoom=8&category=bombing", "category"},
			{"unknown status", "/api/v1/map/features?bbox=46,39,47,40&zoom=8&status=open", "status"},
			{"side not an id", "/api/v1/map/features?bbox=46,39,47,40&zoom=8&side=a%20b", "side"},
			{"unknown layer", "/api/v1/map/features?bbox=46,39,47,40&zoom=8&layers=detainees", "layers"},
		} {
			res := s.do("GET", c.query, "")
			var p struct{ Field string }
			res.json(t, &p)
			if res.status != http.StatusBadRequest || p.Field != c.field {
				t.Errorf("%s: %d field %q, want 400 %q (%s)", c.name, res.status, p.Field, c.field, res.body)
			}
		}
	})

	t.Run("geography and the shape of every feature", func(t *testing.T) {
		v := view("liaison-am", "")
		if len(v.Layers["line_of_contact"].Features) == 0 {
			t.Error("no line of contact")
		}
		polygon := false
		for _, f := range v.Layers["corridors"].Features {
			polygon = polygon || f.Geometry.Type == "Polygon" && f.Properties["width_m"].(float64) > 0
		}
		if !polygon {
			t.Error("the corridor is not drawn with its width")
		}
		if len(v.Layers["hazard_areas"].Features) == 0 {
			t.Error("no hazard areas (their source: internal/mapview/registries.go)")
		}
		if v.Sides[az] == "" || v.Sides[am] == "" {
			t.Errorf("sides for the legend: %v", v.Sides)
		}
		for name, l := range v.Layers {
			for _, f := range l.Features {
				for _, k := range []string{"kind", "id", "url", "label"} {
					if s, _ := f.Properties[k].(string); s == "" {
						t.Errorf("%s feature without %s: %v", name, k, f.Properties)
					}
				}
			}
		}
	})

	// On a day with no demo record: 2,001 mission allegations by AZ, three
	// restricted to AZ alone, two by AM.
	day := "2021-09-01"
	insertAllegations(t, s.app.DB, 2001, "alg_mapmission", az, am, day, access.Label{Classification: access.Mission, OwnerOrg: az})
	insertAllegations(t, s.app.DB, 3, "alg_maprestricted", az, am, day, access.Label{Classification: access.Restricted, OwnerOrg: az})
	insertAllegations(t, s.app.DB, 2, "alg_mapam", am, az, day, access.Label{Classification: access.Mission, OwnerOrg: am})

	t.Run("aggregated beyond the threshold, counts filtered by the policy", func(t *testing.T) {
		for _, c := range []struct {
			role string
			want int
		}{{"liaison-az", 2006}, {"liaison-am", 2003}, {"analyst", 2003}, {"observer", 2003}} {
			v := view(c.role, "&day="+day+"&layers=allegations")
			if !v.Aggregated["allegations"] || v.Totals["allegations"] != c.want {
				t.Errorf("%s: aggregated %v, total %d, want %d", c.role, v.Aggregated["allegations"], v.Totals["allegations"], c.want)
			}
			sum := 0
			for _, f := range v.Layers["allegations"].Features {
				if f.Properties["kind"] != "cell" {
					t.Fatalf("an aggregated view holds cells, got %v", f.Properties)
				}
				sum += int(f.Properties["count"].(float64))
			}
			if sum != c.want {
				t.Errorf("%s: cells count %d, want %d", c.role, sum, c.want)
			}
		}
	})

	t.Run("filters", func(t *testing.T) {
		cat := incident.Categories[0].Code
		for _, c := range []struct {
			name, query string
			want        int
			aggregated  bool
		}{
			{"side", "&side=" + am, 2, false},
			{"side AZ as the other side's liaison", "&side=" + az, 2001, true},
			{"category", "&category=" + cat, (2001+len(incident.Categories)-1)/len(incident.Categories) + 1, false},
			{"status", "&status=withdrawn", 0, false},
			{"another day", "&day=2021-09-02", 0, false},
		} {
			v := view("liaison-am", "&layers=allegations&day="+day+c.query)
			if c.name == "another day" {
				v = view("liaison-am", "&layers=allegations"+c.query)
			}
			if v.Totals["allegations"] != c.want {
				t.Errorf("%s: %d, want %d", c.name, v.Totals["allegations"], c.want)
			}
			if v.Aggregated["allegations"] != c.aggregated {
				t.Errorf("%s: aggregated %v", c.name, v.Aggregated["allegations"])
			}
			if !c.aggregated {
				for _, f := range v.Layers["allegations"].Features {
					if !strings.HasPrefix(f.Properties["url"].(string), "/allegations/") {
						t.Errorf("%s: url %v", c.name, f.Properties["url"])
					}
				}
			}
		}
	})
}

func TestMapPage(t *testing.T) {
	s := start(t)
	res := s.do("GET", "/map", "")
	if res.status != http.StatusOK {
		t.Fatalf("/map: %d %s", res.status, res.body)
	}
	page := string(res.body)
	for _, want := range []string{`id="map"`, `id="i18n"`, `"map.open":`, `id="map-list"`, `name="bbox"`, `/static/map/map.`, `/static/vendor/maplibre-gl.`} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	if m := regexp.MustCompile(`https?://[^"'\s<]+`).FindString(page); m != "" {
		t.Errorf("the page names another host: %s", m)
	}
	// The list equivalent works without JavaScript (list=1, a button of
	// the form): the line of contact is in it.
	if strings.Contains(page, "/history/layer/") {
		t.Error("the page queried the view itself without list=1")
	}
	list := s.do("GET", "/map?list=1", "")
	if list.status != http.StatusOK || !strings.Contains(string(list.body), "/history/layer/"+s.loaded.Layers["line"]) {
		t.Errorf("the list equivalent does not show the line of contact: %d", list.status)
	}

	bad := s.do("GET", "/map?from=soon&category=shelling&list=1", "")
	if bad.status != http.StatusBadRequest || !strings.Contains(string(bad.body), `value="soon"`) || !strings.Contains(string(bad.body), `aria-invalid="true"`) {
		t.Errorf("a bad filter: %d, want 400 with the field marked and the value kept", bad.status)
	}

	// Without credentials: to sign-in, and back.
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	r, err := client.Get(s.url + "/map?day=2021-06-10")
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login?next=%2Fmap") {
		t.Errorf("anonymous: %d %s", r.StatusCode, r.Header.Get("Location"))
	}
	if res := s.do("GET", "/basemap.pmtiles", ""); res.status != http.StatusNotFound {
		t.Errorf("no basemap configured: %d", res.status)
	}
}

// With --basemap, the file is served with HTTP Range, as pmtiles reads it.
func TestBasemapRange(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	dir := t.TempDir()
	file := filepath.Join(dir, "region.pmtiles")
	content := []byte("PMTiles\x03" + strings.Repeat("x", 1000))
	if err := os.WriteFile(file, content, 0o600); err != nil {
		t.Fatal(err)
	}
	a, err := app.Open(ctx, app.Config{Dir: filepath.Join(dir, "data"), Database: pgtest.Database(t, ""), Synchronous: "normal", Version: "test", Basemap: file, PublicView: true})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Server.Run(ctx, ln) }()
	defer func() { cancel(); <-done; a.Close() }()
	req, _ := http.NewRequest("GET", "http://"+ln.Addr().String()+"/basemap.pmtiles", nil)
	req.Header.Set("Range", "bytes=0-7")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusPartialContent || string(b) != "PMTiles\x03" || res.Header.Get("Content-Range") != fmt.Sprintf("bytes 0-7/%d", len(content)) {
		t.Errorf("range: %d %q %s", res.StatusCode, b, res.Header.Get("Content-Range"))
	}
}
