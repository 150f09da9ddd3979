package exchange

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/agreement"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/incident"
	"github.com/truce-monitoring/truce/internal/store"
	"github.com/truce-monitoring/truce/internal/store/storetest"
)

// testNow is the services' clock: after every event in the test files.
var testNow = time.Date(2021, 6, 12, 12, 0, 0, 0, time.UTC)

// fixture is a store with two sides, the mission and its principals, and
// an exchange Service on it.
type fixture struct {
	db                 *store.DB
	s                  *Service
	sideA, sideB       string
	centre             string
	liaisonA, liaisonB access.Principal
	analyst, monitor   access.Principal
	allegationsTable   Table
	observationsTable  Table
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	clock := time.Date(2021, 6, 12, 10, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	db, err := store.Open(ctx, dir, append(storetest.Database(t, dir), store.WithSynchronous("normal"),
		store.WithClock(func() time.Time {
			mu.Lock()
			defer mu.Unlock()
			clock = clock.Add(time.Millisecond)
			return clock
		}))...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ag := agreement.New(db)
	g := geo.New(db, agreement.CheckOrganisation)
	inc := incident.New(db, g, incident.WithClock(func() time.Time { return testNow }))
	f := &fixture{db: db, s: New(Deps{Geo: g, Incidents: inc, Now: func() time.Time { return testNow }})}
	org := func(name, kind string) string {
		o, err := ag.CreateOrganisation(ctx, access.System, agreement.OrganisationInput{Name: name, Kind: kind})
		if err != nil {
			t.Fatal(err)
		}
		return o.ID
	}
	f.sideA, f.sideB = org("Side A", "side"), org("Side B", "side")
	f.centre = org("Joint Monitoring Centre", "monitoring_centre")
	pr := func(user, org, kind string, roles ...access.Role) access.Principal {
		return access.Principal{UserID: user, Username: user, Org: org, OrgKind: kind, Roles: roles, Via: "cli"}
	}
	f.liaisonA = pr("usr_la", f.sideA, "side", access.Liaison)
	f.liaisonB = pr("usr_lb", f.sideB, "side", access.Liaison)
	f.analyst = pr("usr_ana", f.centre, "monitoring_centre", access.Analyst)
	f.monitor = pr("usr_mon", f.centre, "monitoring_centre", access.Monitor)
	f.allegationsTable, _ = TableNamed(TableAllegations)
	f.observationsTable, _ = TableNamed(TableObservations)
	t.Cleanup(func() {
		rep, err := db.Verify(context.Background(), nil)
		if err != nil {
			t.Fatalf("verify: %v", err)
		}
		if !rep.OK() {
			t.Fatalf("verify found problems: %v", rep.Problems)
		}
	})
	return f
}

func sum(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// allegationsCSV is a small export-like file: a BOM, the header, the HXL
// row, a narrative with a quoted newline.
const allegationsCSV = "\uFEFF" + `external_id,source_kind,on_behalf_of,alleged_perpetrator,category,start,end,time_precision,date,lat,lon,location_precision,killed_civilians_best,narrative,reliability,credibility
#event+id+external,#meta+source+type,#org+complainant+code,#org+perpetrator+code,#event+type+code,#date+start,#date+end,#date+precision,#date,#geo+lat,#geo+lon,#geo+precision,#affected+killed+civilians,#description,#meta+reliability,#meta+credibility
A-1,side,side-a,side-b,heavy_weapons_fire,2021-06-10T03:10:00Z,2021-06-10T03:40:00Z,window,2021-06-10,40.1,46.88,exact,2,"Mortar fire
from the west.",B,3
A-2,side,side-a,side-b,small_arms_fire,2021-06-09T00:00:00Z,2021-06-10T00:00:00Z,day,2021-06-09,40.05,46.9,exact,,Shots at night.,,
`

func (f *fixture) importCSV(t *testing.T, p access.Principal, kind, data string, opt ImportOptions) (ImportResult, error) {
	t.Helper()
	// The files name the sides side-a and side-b; their ids are random.
	data = strings.NewReplacer("side-a", f.sideA, "side-b", f.sideB).Replace(data)
	opt.File, opt.SHA256 = kind+".csv", sum(data)
	table := f.allegationsTable
	if kind == TableObservations {
		table = f.observationsTable
	}
	r := NewCSVReader(strings.NewReader(data), table)
	if kind == TableObservations {
		return f.s.ImportObservations(context.Background(), p, r, opt)
	}
	return f.s.ImportAllegations(context.Background(), p, r, opt)
}

func (f *fixture) count(t *testing.T, entity string) int {
	t.Helper()
	var n int
	if err := f.db.QueryRow(context.Background(), `SELECT COUNT(*) FROM changes WHERE entity = ?`, entity).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestImportAllegationsCSVTwiceChangesNothing(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	dry, err := f.importCSV(t, f.liaisonA, TableAllegations, allegationsCSV, ImportOptions{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if dry != (ImportResult{Read: 2, Created: 2, DryRun: true}) {
		t.Errorf("dry run: %+v", dry)
	}
	if n := f.count(t, incident.EntityAllegation); n != 0 {
		t.Fatalf("a dry run wrote %d changes", n)
	}
	res, err := f.importCSV(t, f.liaisonA, TableAllegations, allegationsCSV, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res != (ImportResult{Read: 2, Created: 2}) {
		t.Errorf("first import: %+v", res)
	}
	again, err := f.importCSV(t, f.liaisonA, TableAllegations, allegationsCSV, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if again != (ImportResult{Read: 2, Unchanged: 2}) {
		t.Errorf("second import: %+v", again)
	}
	if n := f.count(t, incident.EntityAllegation); n != 2 {
		t.Fatalf("%d allegation changes after importing twice, want 2", n)
	}
	// Each change is the liaison's and names the file and its SHA-256.
	rows, err := f.db.Query(ctx, `SELECT actor, org, via, body FROM changes WHERE entity = ?`, incident.EntityAllegation)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := map[string]incident.AllegationBody{}
	for rows.Next() {
		var actor, org, via string
		var body []byte
		if err := rows.Scan(&actor, &org, &via, &body); err != nil {
			t.Fatal(err)
		}
		var b incident.AllegationBody
		if err := json.Unmarshal(body, &b); err != nil {
			t.Fatal(err)
		}
		if actor != "usr_la" || org != f.sideA || via != "cli" {
			t.Errorf("change by %s/%s/%s", actor, org, via)
		}
		if b.Imported == nil || b.Imported.SHA256 != sum(strings.NewReplacer("side-a", f.sideA, "side-b", f.sideB).Replace(allegationsCSV)) || b.Imported.File != "allegations.csv" {
			t.Errorf("imported = %+v", b.Imported)
			continue
		}
		got[b.Imported.ExternalID] = b
	}
	a1 := got["A-1"]
	if a1.Narrative != "Mortar fire\nfrom the west." || a1.Grading.Reliability != "B" || a1.Casualties.Killed.Civilians.Best != 2 || a1.Time.Precision != "window" {
		t.Errorf("A-1 = %+v", a1)
	}
	if a2 := got["A-2"]; a2.Time.Precision != "day" || !a2.Time.Start.Equal(time.Date(2021, 6, 9, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("A-2 time = %+v", a2.Time)
	}
	// The same id with another claim is refused, naming the line.
	changed := strings.Replace(allegationsCSV, "Shots at night.", "Shots at dawn.", 1)
	res, err = f.importCSV(t, f.liaisonA, TableAllegations, changed, ImportOptions{})
	wantFields(t, err, "line 5: external_id")
	if res.Refused != 1 || res.Created != 0 {
		t.Errorf("changed claim: %+v", res)
	}
	// Another organisation's external ids are its own: side B's A-1 is new.
	other := strings.NewReplacer("side,side-a,side-b", "side,side-b,side-a").Replace(allegationsCSV)
	res, err = f.importCSV(t, f.liaisonB, TableAllegations, other, ImportOptions{})
	if err != nil || res.Created != 2 {
		t.Errorf("side B's file: %+v, %v", res, err)
	}
}

// wantFields checks that err lists exactly these fields, in order.
func wantFields(t *testing.T, err error, fields ...string) {
	t.Helper()
	var got []string
	for _, e := range errs.All(err) {
		got = append(got, e.Field)
	}
	if fmt.Sprint(got) != fmt.Sprint(fields) {
		t.Errorf("error fields %q, want %q (%v)", got, fields, err)
	}
}

func TestImportAllOrNothing(t *testing.T) {
	f := newFixture(t)
	bad := allegationsCSV + `A-3,side,side-a,side-b,no_such_category,2021-06-10T03:10:00Z,,exact,,40.1,46.88,exact,,Something.,,
A-4,side,side-a,side-b,small_arms_fire,12/06/2021 10:00,,exact,,40.1,46.88,exact,,Something.,,
A-1,side,side-a,side-b,small_arms_fire,2021-06-10T03:10:00Z,,exact,,40.1,46.88,exact,,Duplicate.,,
A-6,side,side-a,side-b,small_arms_fire,2021-06-10T03:10:00Z,,exact,,40.1,46.88,exact,,Two fields too many,,,,
A-7,side,side-a,nobody,small_arms_fire,2021-06-10T03:10:00Z,,exact,,40.1,46.88,exact,,Unknown perpetrator.,,
A-8,side,side-a,side-b,small_arms_fire,2021-06-10T03:10:00Z,,exact,,91.5,46.88,exact,,Swapped.,,
`
	res, err := f.importCSV(t, f.liaisonA, TableAllegations, bad, ImportOptions{})
	wantFields(t, err, "line 6: category", "line 7: start", "line 8: external_id", "line 9", "line 10: alleged_perpetrator", "line 11: lat")
	for _, e := range errs.All(err) {
		if e.Field == "line 7: start" && !strings.Contains(e.Message, "use ISO 8601, 2021-06-12T10:00:00Z") {
			t.Errorf("local date: %s", e.Message)
		}
		if e.Field == "line 8: external_id" && !strings.Contains(e.Message, "line 3") {
			t.Errorf("duplicate: %s", e.Message)
		}
		if e.Field == "line 11: lat" && !strings.Contains(e.Message, "swapped") {
			t.Errorf("swap: %s", e.Message)
		}
	}
	if res.Created != 0 || res.Refused != 6 || res.Read != 8 {
		t.Errorf("result %+v", res)
	}
	if n := f.count(t, incident.EntityAllegation); n != 0 {
		t.Fatalf("a refused import wrote %d changes", n)
	}
	// With Partial the good ones go in.
	res, err = f.importCSV(t, f.liaisonA, TableAllegations, bad, ImportOptions{Partial: true})
	if err == nil || res.Created != 2 || res.Refused != 6 {
		t.Errorf("partial: %+v, %v", res, err)
	}
	if n := f.count(t, incident.EntityAllegation); n != 2 {
		t.Fatalf("partial import wrote %d changes, want 2", n)
	}
}

func TestImportLiaisonOnlyInOwnSidesName(t *testing.T) {
	f := newFixture(t)
	res, err := f.importCSV(t, f.liaisonB, TableAllegations, allegationsCSV, ImportOptions{})
	wantFields(t, err, "line 3: on_behalf_of", "line 5: on_behalf_of")
	if errs.CodeOf(err) != errs.CodeForbidden || res.Created != 0 {
		t.Errorf("liaison B importing side A's file: %+v, %v", res, err)
	}
	if n := f.count(t, incident.EntityAllegation); n != 0 {
		t.Fatalf("%d changes", n)
	}
}

const observationsCSV = `external_id,observer_kind,observer_lat,observer_lon,kind,count,perception,bearing_from,bearing_to,distance_min_m,distance_max_m,start,end,time_precision,note,classification
O-1,post,40.0,46.85,impact,3,heard,40,70,1500,5400,2021-06-10T21:37:00Z,2021-06-10T21:47:00Z,window,Three impacts.,mission
O-2,patrol,40.02,46.86,shots_small_arms,1,seen,,,0,800,2021-06-10T22:00:00Z,,exact,,
`

func TestImportObservations(t *testing.T) {
	f := newFixture(t)
	res, err := f.importCSV(t, f.monitor, TableObservations, observationsCSV, ImportOptions{})
	if err != nil || res != (ImportResult{Read: 2, Created: 2}) {
		t.Fatalf("import: %+v, %v", res, err)
	}
	res, err = f.importCSV(t, f.monitor, TableObservations, observationsCSV, ImportOptions{})
	if err != nil || res != (ImportResult{Read: 2, Unchanged: 2}) {
		t.Fatalf("again: %+v, %v", res, err)
	}
	// A liaison records no observations.
	_, err = f.importCSV(t, f.liaisonA, TableObservations, strings.ReplaceAll(observationsCSV, "O-", "L-"), ImportOptions{})
	if errs.CodeOf(err) != errs.CodeForbidden {
		t.Errorf("liaison: %v", err)
	}
}
