package search_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	_ "modernc.org/sqlite"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/app"
	"github.com/truce-monitoring/truce/internal/demo"
	"github.com/truce-monitoring/truce/internal/detainee"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/incident"
	"github.com/truce-monitoring/truce/internal/pgtest"
	"github.com/truce-monitoring/truce/internal/search"
	"github.com/truce-monitoring/truce/internal/store"
)

func TestMain(m *testing.M) {
	code := pgtest.Main(m)
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
	os.Exit(code)
}

// fixture is the demo with the records the tests search for.
type fixture struct {
	a      *app.App
	dir    string
	loaded *demo.Loaded
	ids    map[string]string
}

// as returns a demo account's principal ("" for nobody).
func (f *fixture) as(username string) access.Principal {
	if username == "" {
		return access.Anonymous
	}
	for _, acc := range f.loaded.Accounts {
		if acc.Username == username {
			p := access.Principal{UserID: acc.ID, Username: acc.Username, Org: f.loaded.Orgs[acc.Org], Roles: []access.Role{acc.Role}, Via: "token"}
			if acc.Role == access.Liaison {
				p.OrgKind = "side"
			}
			return p
		}
	}
	panic("no demo account " + username)
}

func must[T any](t testing.TB) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// allegation lodges an allegation as username with narrative and label.
func (f *fixture) allegation(t testing.TB, username, narrative string, label access.LabelInput) string {
	t.Helper()
	p := f.as(username)
	az, am := f.loaded.Orgs["AZ"], f.loaded.Orgs["AM"]
	in := incident.AllegationInput{SourceKind: incident.SourceMission, AllegedPerpetrator: "unknown", Category: "other",
		Location:  incident.LocationInput{Point: &geo.Point{Lat: 39.8, Lon: 46.75}, Precision: incident.PrecisionExact},
		Time:      incident.TimeInput{Start: "2021-06-10T03:10:00Z", End: "2021-06-10T03:40:00Z"},
		Narrative: narrative, LabelInput: label}
	if p.Side() != "" {
		in.SourceKind, in.OnBehalfOf, in.AllegedPerpetrator = incident.SourceSide, p.Org, am
		if p.Org == am {
			in.AllegedPerpetrator = az
		}
	}
	return must[incident.Allegation](t)(f.a.Incidents.LodgeAllegation(context.Background(), p, in)).ID
}

func open(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	a, err := app.Open(ctx, app.Config{Dir: dir, Database: pgtest.Database(t, dir), Synchronous: "normal", Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	loaded, err := demo.Load(ctx, a.Services.Demo())
	if err != nil {
		t.Fatal(err)
	}
	a.Incidents.WaitIdle()
	f := &fixture{a: a, dir: dir, loaded: loaded, ids: map[string]string{}}
	az, am := loaded.Orgs["AZ"], loaded.Orgs["AM"]
	// A place named in five languages, Arabic with its vowel marks.
	pl := must[geo.Place](t)(a.Geo.CreatePlace(ctx, f.as("analyst"), geo.PlaceInput{Kind: "settlement", Location: &geo.Point{Lat: 39.76, Lon: 46.75},
		Names: []geo.PlaceName{{Lang: "az", Party: az, Name: "Şuşaqışlaq"}, {Lang: "hy", Party: am, Name: "Շուշիգյուղ"},
			{Lang: "ru", Name: "Агдамка"}, {Lang: "ar", Name: "قَرْيَةُ الزَّيْتُونِ"}, {Lang: "en", Name: "Olive Village"}},
		LabelInput: access.LabelInput{Classification: "public"}}))
	f.ids["place"] = pl.ID
	f.ids["restricted_az"] = f.allegation(t, "liaison-az", "Shelling near Qarağacdərə seen by the guards of the post", access.LabelInput{Classification: "restricted"})
	f.ids["restricted_am"] = f.allegation(t, "liaison-am", "Обстрел у Карагачдере, часовые видели вспышки", access.LabelInput{Classification: "restricted"})
	f.ids["mission"] = f.allegation(t, "monitor", "Gunfire heard from Qarağacdərə ridge at dawn", access.LabelInput{Classification: "mission"})
	f.ids["public"] = f.allegation(t, "monitor", "Public report: Qarağacdərə road closed", access.LabelInput{Classification: "public"})
	// Ranking: the word three times in a short text beats once in a long one.
	f.ids["rank_high"] = f.allegation(t, "monitor", "Xocalıbağ Xocalıbağ Xocalıbağ shelling", access.LabelInput{})
	f.ids["rank_low"] = f.allegation(t, "monitor", "A long account of an evening of small-arms fire along the line, heard by several posts, one of which named Xocalıbağ as the nearest village, with further detail of the weather and the light", access.LabelInput{})
	// A person held: the name is personal data.
	hum := f.as("humanitarian")
	per := must[detainee.Person](t)(a.Detainees.RegisterPerson(ctx, hum, detainee.PersonInput{
		Identity: detainee.Identity{Surname: "Zərdabiqanov", FirstNames: "Testperson", ServiceNumber: "SN-77123"},
		Category: "prisoner_of_war", HeldBy: az, Nationality: am, CapturedAt: "2020-12-20T10:00:00Z"}))
	f.ids["person"] = per.ID
	a.Incidents.WaitIdle()
	return f
}

// find searches as username and returns the ids found (one page of 500).
func (f *fixture) find(t *testing.T, username, q string) []string {
	t.Helper()
	res, err := f.a.Search.Search(context.Background(), f.as(username), q, store.PageRequest{Limit: 500})
	if err != nil {
		t.Fatalf("search %q as %s: %v", q, username, err)
	}
	var ids []string
	for _, h := range res.Items {
		ids = append(ids, h.ID)
	}
	return ids
}

func TestSearch(t *testing.T) {
	f := open(t)
	ctx := context.Background()

	t.Run("folding", func(t *testing.T) {
		cases := []struct{ q, want string }{
			{"şuşaqışlaq", "place"}, {"SUSAQISLAQ", "place"}, {"susaqislaq", "place"},
			{"агдамка", "place"}, {"АГДАМКА", "place"}, {"Агдам", "place"}, // the start of a word
			{"شوشا", ""}, {"قرية الزيتون", "place"}, {"قَرْيَة", "place"}, {"الزَّيْتُونِ", "place"},
			{"շուշիգյուղ", "place"}, {"ՇՈՒՇԻԳՅՈՒՂ", "place"},
			{"olive village", "place"}, {"village olive", "place"},
			{"QARAĞACDƏRƏ", "mission"}, {"qaragacdərə", "mission"},
		}
		for _, c := range cases {
			got := f.find(t, "analyst", c.q)
			if c.want == "" {
				continue
			}
			if !slices.Contains(got, f.ids[c.want]) {
				t.Errorf("%q as analyst: %v, want %s (%s)", c.q, got, c.want, f.ids[c.want])
			}
		}
		// "ə" is a letter of its own, not "e" with a mark (text.Fold).
		if got := f.find(t, "analyst", "qaragacdere"); slices.Contains(got, f.ids["mission"]) {
			t.Errorf("qaragacdere found qarağacdərə: %v", got)
		}
	})

	t.Run("need to know", func(t *testing.T) {
		cases := []struct {
			who, q    string
			may, mayn []string
		}{
			{"liaison-az", "Qarağacdərə", []string{"restricted_az", "mission", "public"}, []string{"restricted_am"}},
			{"liaison-am", "Qarağacdərə", []string{"mission", "public"}, []string{"restricted_az"}},
			{"liaison-am", "Карагачдере", []string{"restricted_am"}, nil},
			{"liaison-az", "Карагачдере", nil, []string{"restricted_am"}},
			{"analyst", "Qarağacdərə", []string{"mission", "public"}, []string{"restricted_az"}},
			{"observer", "Qarağacdərə", []string{"mission", "public"}, []string{"restricted_az"}},
			{"", "Qarağacdərə", []string{"public"}, []string{"mission", "restricted_az"}},
			{"", "olive", []string{"place"}, nil},
			// A detainee's name finds the record only for those who may
			// read the identity; for others the record does not exist.
			{"humanitarian", "Zərdabiqanov", []string{"person"}, nil},
			{"liaison-az", "ZƏRDABIQANOV", []string{"person"}, nil},
			{"liaison-am", "SN 77123", []string{"person"}, nil},
			{"analyst", "Zərdabiqanov", nil, []string{"person"}},
			{"monitor", "77123", nil, []string{"person"}},
			{"cochair", "Testperson", nil, []string{"person"}},
			{"observer", "Zərdabiqanov", nil, []string{"person"}},
			{"", "Zərdabiqanov", nil, []string{"person"}},
		}
		for _, c := range cases {
			got := f.find(t, c.who, c.q)
			for _, k := range c.may {
				if !slices.Contains(got, f.ids[k]) {
					t.Errorf("%q as %q: %s missing from %v", c.q, c.who, k, got)
				}
			}
			for _, k := range c.mayn {
				if slices.Contains(got, f.ids[k]) {
					t.Errorf("%q as %q: found %s, which the reader may not see", c.q, c.who, k)
				}
			}
			if c.who != "humanitarian" && c.who != "liaison-az" && c.who != "liaison-am" {
				res := must[search.Results](t)(f.a.Search.Search(ctx, f.as(c.who), c.q, store.PageRequest{}))
				for _, h := range res.Items {
					if strings.Contains(h.Title, "Zərdabiqanov") {
						t.Errorf("%q as %q: a title names the person: %+v", c.q, c.who, h)
					}
				}
			}
		}
	})

	t.Run("ranking", func(t *testing.T) {
		got := f.find(t, "analyst", "xocalibag")
		if len(got) < 2 || got[0] != f.ids["rank_high"] || !slices.Contains(got, f.ids["rank_low"]) {
			t.Errorf("xocalibag: %v, want %s first and %s after", got, f.ids["rank_high"], f.ids["rank_low"])
		}
	})

	t.Run("a rare word weighs more than a common one", func(t *testing.T) {
		// kolgeli in 22 records, qizilqaya in two: the record with the
		// rare word twice beats the one with the common word three times.
		for i := range 20 {
			f.allegation(t, "monitor", fmt.Sprintf("Kölgeli orchard report %d", i), access.LabelInput{})
		}
		common := f.allegation(t, "monitor", "Kölgeli Kölgeli Kölgeli Qızılqaya", access.LabelInput{})
		rare := f.allegation(t, "monitor", "Kölgeli Qızılqaya Qızılqaya", access.LabelInput{})
		if got := f.find(t, "analyst", "kolgeli qizilqaya"); !slices.Equal(got, []string{rare, common}) {
			t.Errorf("kolgeli qizilqaya: %v, want %s then %s", got, rare, common)
		}
	})

	t.Run("pages", func(t *testing.T) {
		var want []string
		for i := range 7 {
			want = append(want, f.allegation(t, "monitor", fmt.Sprintf("Paginationword report number %d", i), access.LabelInput{}))
		}
		var got []string
		page := store.PageRequest{Limit: 3}
		for n := 0; ; n++ {
			res := must[search.Results](t)(f.a.Search.Search(ctx, f.as("analyst"), "paginationword", page))
			if res.Total != 7 || res.More || res.Offset != 3*n {
				t.Errorf("page %d: total %d more %v offset %d", n, res.Total, res.More, res.Offset)
			}
			for _, h := range res.Items {
				got = append(got, h.ID)
			}
			if res.Next == "" {
				break
			}
			page.Cursor = res.Next
			if n > 5 {
				t.Fatal("pages do not end")
			}
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("pages gave %v, want %v", got, want)
		}
	})

	t.Run("an update changes the index in its transaction", func(t *testing.T) {
		al := must[incident.Allegation](t)(f.a.Incidents.GetAllegation(ctx, f.as("monitor"), f.ids["mission"]))
		in := incident.AllegationInput{SourceKind: al.SourceKind, AllegedPerpetrator: al.AllegedPerpetrator, Category: al.Category,
			Location:  incident.LocationInput{Point: &al.Location.Point, Precision: al.Location.Precision},
			Time:      incident.TimeInput{Start: "2021-06-10T03:10:00Z", End: "2021-06-10T03:40:00Z"},
			Narrative: "Gunfire heard from the Daşaltı ridge at dawn", LabelInput: access.LabelInput{Classification: "mission"}}
		if _, err := f.a.Incidents.UpdateAllegation(ctx, f.as("monitor"), al.ID, al.Version, in); err != nil {
			t.Fatal(err)
		}
		if got := f.find(t, "analyst", "dasalti"); !slices.Contains(got, al.ID) {
			t.Errorf("the new word: %v", got)
		}
		if got := f.find(t, "analyst", "qaragacdere ridge"); slices.Contains(got, al.ID) {
			t.Errorf("the old words still find it: %v", got)
		}
	})

	t.Run("bad queries", func(t *testing.T) {
		cases := []struct{ name, q, cursor, field string }{
			{"empty", "", "", "q"},
			{"only punctuation", " -- ?! ", "", "q"},
			{"too long", strings.Repeat("a", search.MaxQueryLen+1), "", "q"},
			{"too many words", "a b c d e f g h i", "", "q"},
			{"not UTF-8", "\xff\xfe", "", "q"},
			{"a forged cursor", "shelling", store.Cursor("999999"), "cursor"},
			{"a cursor of another list", "shelling", store.Cursor("a", "b"), "cursor"},
		}
		for _, c := range cases {
			_, err := f.a.Search.Search(ctx, f.as("analyst"), c.q, store.PageRequest{Cursor: c.cursor})
			if errs.CodeOf(err) != errs.CodeInvalid || errs.FieldOf(err) != c.field {
				t.Errorf("%s: %v, want invalid %s", c.name, err, c.field)
			}
		}
	})

	t.Run("verify rebuilds and compares the index", func(t *testing.T) {
		rep, err := f.a.DB.Verify(ctx, nil)
		if err != nil || !rep.OK() {
			t.Fatalf("verify: %v %v", err, rep.Problems)
		}
		tamper(t, f.dir, `UPDATE search_docs SET body = body || ' planted' WHERE id = '`+f.ids["public"]+`'`,
			`INSERT INTO search_readers (record_id, entity, org_id) VALUES ('`+f.ids["restricted_az"]+`', 'allegation', '`+f.loaded.Orgs["AM"]+`')`)
		rep, err = f.a.DB.Verify(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		var named []string
		for _, p := range rep.Problems {
			named = append(named, p.ID)
		}
		if !slices.Contains(named, f.ids["public"]) || !slices.Contains(named, f.ids["restricted_az"]) {
			t.Errorf("verify after tampering with the index: %v", rep.Problems)
		}
	})
}

// tamper changes the database behind Truce's back.
func tamper(t *testing.T, dir string, stmts ...string) {
	t.Helper()
	if pgtest.OnPostgres() {
		pgtest.Tamper(t, pgtest.ForDir(t, dir), stmts...)
		return
	}
	raw, err := sql.Open("sqlite", "file:"+filepath.Join(dir, store.DBFile))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	for _, s := range stmts {
		if _, err := raw.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// A database whose records were written before the index existed is
// indexed once at start, and verify then finds the index whole.
func TestBackfill(t *testing.T) {
	f := open(t)
	ctx := context.Background()
	tamper(t, f.dir, `DELETE FROM search_readers`, `DELETE FROM search_docs`, `DELETE FROM meta WHERE key = 'search_indexed'`)
	if got := f.find(t, "analyst", "olive"); len(got) != 0 {
		t.Fatalf("an emptied index found %v", got)
	}
	n, err := f.a.Search.Backfill(ctx)
	if err != nil || n < 10 {
		t.Fatalf("backfill: %d, %v", n, err)
	}
	if got := f.find(t, "analyst", "olive"); !slices.Contains(got, f.ids["place"]) {
		t.Errorf("after the backfill: %v", got)
	}
	if got := f.find(t, "analyst", "Zərdabiqanov"); len(got) != 0 {
		t.Errorf("after the backfill the analyst finds the person: %v", got)
	}
	if n, err := f.a.Search.Backfill(ctx); n != 0 || err != nil {
		t.Errorf("a second backfill: %d, %v", n, err)
	}
	rep, err := f.a.DB.Verify(ctx, nil)
	if err != nil || !rep.OK() {
		t.Fatalf("verify after the backfill: %v %v", err, rep.Problems)
	}
}
