package exchange_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/agreement"
	"github.com/truce-monitoring/truce/internal/app"
	"github.com/truce-monitoring/truce/internal/demo"
	"github.com/truce-monitoring/truce/internal/exchange"
	"github.com/truce-monitoring/truce/internal/pgtest"
	"github.com/truce-monitoring/truce/internal/store"
)

// Issue 17's round trips on the demo's data: each importable kind,
// exported from the demo in each format it is imported from, is imported
// into an instance holding none of that kind (only what its records refer
// to: the organisations, and for allegations and observations the places
// and layers), exported again in the same format, and both files read
// back hold the same features with the same properties, but for the
// columns below.

// notCarried are the columns an import does not carry, by kind, each with
// its reason (docs/exchange.md, internal/exchange/import_*.go).
var notCarried = map[string]map[string]string{
	"*": {
		"id":             "Truce's id: the importing instance gives its own",
		"owner_org":      "the importer's organisation files what it imports",
		"owner_org_name": "as owner_org",
	},
	exchange.TableAllegations: {
		"incident_id": "incidents are not imported: an imported allegation is linked to none",
		"lodged_at":   "when it was lodged in this Truce: the time of the import (reported_at keeps the source's time)",
	},
	exchange.TableObservations: {
		"incident_id": "incidents are not imported: an imported observation is linked to none",
		"recorded_at": "when it was recorded in this Truce: the time of the import",
	},
	// By format too: what a format itself does not keep is compared as
	// that format reads it back (docs/exchange.md, ACLED).
	exchange.FormatACLED: {
		"external_id": "ACLED's event_id_cnty is written from Truce's id and read as the external id: the new instance writes its own ids",
	},
}

// target is an instance to import into and how its ids map to the
// demo's: the organisations (and places and layers) it shares with the
// demo were created anew, under ids of their own.
type target struct {
	app   *app.App
	toB   *strings.Replacer // demo ids -> target ids
	fromB *strings.Replacer // target ids -> demo ids
}

func openApp(t testing.TB) *app.App {
	t.Helper()
	a, err := app.Open(context.Background(), app.Config{Dir: t.TempDir(), Database: pgtest.Database(t, ""), Synchronous: "normal", Version: "test",
		// A clock of its own: what an import stamps with its time shows.
		Now: func() time.Time { return today.Add(time.Hour) }, Rand: rand.NewChaCha8([32]byte{9})})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

// pairs returns the replacers of the id pairs (a demo id, its twin).
func newTarget(a *app.App, pairs map[string]string) *target {
	var to, from []string
	for x, y := range pairs {
		if x != "" && y != "" && x != y {
			to, from = append(to, x, y), append(from, y, x)
		}
	}
	return &target{app: a, toB: strings.NewReplacer(to...), fromB: strings.NewReplacer(from...)}
}

// orgsOnly is an instance with the demo's organisations and nothing else.
func orgsOnly(t *testing.T, f *fixture) *target {
	ctx := context.Background()
	a := openApp(t)
	orgs, err := f.app.Agreements.ListOrganisations(ctx, demo.Loader, agreement.OrganisationFilter{}, store.PageRequest{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	pairs := map[string]string{}
	for _, o := range orgs.Items {
		rec, err := a.Agreements.CreateOrganisation(ctx, demo.Loader, agreement.OrganisationInput{Name: o.Name, ShortName: o.ShortName,
			Kind: o.Kind, Country: o.Country, Names: o.Names, Illustrative: o.Illustrative})
		if err != nil {
			t.Fatal(err)
		}
		pairs[o.ID] = rec.ID
	}
	return newTarget(a, pairs)
}

// demoWithoutEvents is an instance with the demo loaded but for the
// incidents' records (allegations, observations…).
func demoWithoutEvents(t *testing.T, f *fixture) *target {
	a := openApp(t)
	svc := a.Services.Demo()
	svc.Incidents = nil
	loaded, err := demo.Load(context.Background(), svc)
	if err != nil {
		t.Fatal(err)
	}
	pairs := map[string]string{}
	for _, m := range []struct{ x, y map[string]string }{{f.loaded.Orgs, loaded.Orgs}, {f.loaded.Places, loaded.Places}, {f.loaded.Layers, loaded.Layers}} {
		for k, id := range m.x {
			pairs[id] = m.y[k]
		}
	}
	return newTarget(a, pairs)
}

// translate replaces ids in an export. Ids are all of one length, so a
// GeoPackage (SQLite text stored inline) stays valid.
func translate(data []byte, r *strings.Replacer) []byte {
	return []byte(r.Replace(string(data)))
}

// exportOf exports kind in format from a as p.
func exportOf(t *testing.T, a *app.App, p access.Principal, kind, format string) []byte {
	t.Helper()
	var buf bytes.Buffer
	if _, err := a.Exchange.Export(context.Background(), p, exchange.ExportRequest{Kind: kind, Format: format}, &buf); err != nil {
		t.Fatalf("export %s %s: %v", kind, format, err)
	}
	return buf.Bytes()
}

// readBack reads an export as an import would, and prints each feature as
// a line of its geometry and the properties carried, sorted.
func readBack(t *testing.T, importKind, format string, data []byte) []string {
	t.Helper()
	r, err := exchange.ImportReader(format, importKind, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if c, ok := r.(io.Closer); ok {
		defer c.Close()
	}
	var out []string
	for {
		ft, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("read back %s %s: %v", importKind, format, err)
		}
		out = append(out, canonFeature(importKind, format, ft))
	}
	slices.Sort(out)
	return out
}

func canonFeature(kind, format string, ft exchange.Feature) string {
	// Every column of the kind's tables: a format that leaves out a
	// null (KML) reads as one that writes it.
	var keys []string
	tables, _ := exchange.TablesOf(kind)
	for _, tb := range tables {
		for _, c := range tb.Columns {
			if !slices.Contains(keys, c.Name) {
				keys = append(keys, c.Name)
			}
		}
	}
	for k := range ft.Props {
		if !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	keys = slices.DeleteFunc(keys, func(k string) bool {
		_, all := notCarried["*"][k]
		_, this := notCarried[kind][k]
		_, inFormat := notCarried[format][k]
		return all || this || inFormat
	})
	slices.Sort(keys)
	var b strings.Builder
	g, _ := json.Marshal(ft.Geom)
	b.WriteString("geometry=" + string(g))
	for _, k := range keys {
		b.WriteString(" " + k + "=" + canonProp(ft.Props[k]))
	}
	return b.String()
}

func canonProp(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		if x == "" {
			return "null"
		}
		return strconv.Quote(x)
	case float64:
		return strconv.FormatFloat(x, 'g', 10, 64)
	case int64:
		return strconv.FormatInt(x, 10)
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	}
	return fmt.Sprintf("%v", v)
}

// roundTrip is one kind in one format.
type roundTrip struct {
	importKind string // what is imported
	exportKind string // what is exported (a layer table for one-table formats)
	format     string
}

func roundTrips() []roundTrip {
	var out []roundTrip
	for _, format := range []string{exchange.FormatCSV, exchange.FormatGeoJSON, exchange.FormatKML, exchange.FormatGeoPackage, exchange.FormatACLED} {
		out = append(out, roundTrip{exchange.TableAllegations, exchange.TableAllegations, format})
		if format != exchange.FormatACLED {
			out = append(out, roundTrip{exchange.TableObservations, exchange.TableObservations, format})
		}
	}
	for _, format := range []string{exchange.FormatCSV, exchange.FormatGeoJSON, exchange.FormatKML, exchange.FormatGeoPackage} {
		out = append(out, roundTrip{exchange.TablePlaces, exchange.TablePlaces, format})
	}
	for _, format := range []string{exchange.FormatKML, exchange.FormatGeoPackage} {
		out = append(out, roundTrip{exchange.KindLayers, exchange.KindLayers, format})
	}
	for _, table := range []string{exchange.TableLinesOfContact, exchange.TableZones, exchange.TableCorridors, exchange.TableSites} {
		out = append(out, roundTrip{exchange.KindLayers, table, exchange.FormatGeoJSON})
	}
	return out
}

func TestRoundTripOfTheDemo(t *testing.T) {
	f := open(t)
	ctx := context.Background()
	for _, rt := range roundTrips() {
		t.Run(rt.exportKind+"/"+rt.format, func(t *testing.T) {
			var tg *target
			if rt.importKind == exchange.TableAllegations || rt.importKind == exchange.TableObservations {
				tg = demoWithoutEvents(t, f)
			} else {
				tg = orgsOnly(t, f)
			}
			analystA := f.as(access.Analyst, "JMC")
			analystB := access.Principal{UserID: "test-analyst", Username: "analyst", Org: tg.toB.Replace(analystA.Org),
				Roles: []access.Role{access.Analyst}, Via: "session"}
			first := exportOf(t, f.app, analystA, rt.exportKind, rt.format)
			file := translate(first, tg.toB)
			r, err := exchange.ImportReader(rt.format, rt.importKind, bytes.NewReader(file))
			if rt.format == exchange.FormatACLED {
				// ACLED names the perpetrator: the import's actor map
				// gives the organisation back, as `truce import --actor` does.
				r, err = exchange.NewACLEDReader(bytes.NewReader(file), rt.importKind, exchange.ACLEDReadOptions{Actors: actorsOf(t, tg.app)})
			}
			if err != nil {
				t.Fatal(err)
			}
			res, err := tg.app.Exchange.Import(ctx, analystB, rt.importKind, r, exchange.ImportOptions{File: "demo." + rt.format, SHA256: fmt.Sprintf("%x", sha256.Sum256(file))})
			if c, ok := r.(io.Closer); ok {
				c.Close()
			}
			if err != nil {
				t.Fatalf("import: %v", err)
			}
			tg.app.Incidents.WaitIdle()
			second := translate(exportOf(t, tg.app, analystB, rt.exportKind, rt.format), tg.fromB)
			went, came := readBack(t, rt.importKind, rt.format, first), readBack(t, rt.importKind, rt.format, second)
			if len(went) == 0 {
				t.Fatal("the demo exported nothing")
			}
			if res.Created != len(went) {
				t.Errorf("import created %d of %d features: %+v", res.Created, len(went), res)
			}
			if slices.Equal(went, came) {
				return
			}
			t.Errorf("%d features went, %d came back", len(went), len(came))
			for _, d := range diffLines(went, came) {
				t.Error(d)
			}
		})
	}
}

// diffLines says, property by property, how features that came back differ
// from those that went (up to 10 lines).
func diffLines(went, came []string) []string {
	var out []string
	for i := 0; i < len(went) && i < len(came) && len(out) < 10; i++ {
		if went[i] == came[i] {
			continue
		}
		a, b := strings.Split(went[i], " "), strings.Split(came[i], " ")
		for j := 0; j < len(a) || j < len(b); j++ {
			var x, y string
			if j < len(a) {
				x = a[j]
			}
			if j < len(b) {
				y = b[j]
			}
			if x != y {
				out = append(out, fmt.Sprintf("feature %d: went %s, came %s", i, x, y))
			}
		}
	}
	return out
}

// actorsOf maps the names of a's organisations to their ids.
func actorsOf(t *testing.T, a *app.App) map[string]string {
	orgs, err := a.Agreements.ListOrganisations(context.Background(), demo.Loader, agreement.OrganisationFilter{}, store.PageRequest{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, o := range orgs.Items {
		out[o.Name] = o.ID
	}
	return out
}
