package geo

import (
	"github.com/truce-monitoring/truce/internal/pgtest"

	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/store"
)

// What the access filter costs a list: 100,000 places, a third of them
// restricted, listed in full by a liaison (whose filter must look at the
// readers table) and by an admin of the monitoring centre.

const (
	benchPlaceCount = 100_000
	benchBatch      = 1_000
	benchCentre     = "org_centre"
)

// benchSides are the organisations restricted places are owned by or
// restricted to.
var benchSides = []string{"org_side_a", "org_side_b", "org_side_c", "org_side_d"}

var (
	benchLiaison = access.Principal{UserID: "usr_liaison", Username: "liaison", Org: benchSides[0], OrgKind: "side", Roles: []access.Role{access.Liaison}, Via: "token"}
	benchAdmin   = access.Principal{UserID: "usr_admin", Username: "admin", Org: benchCentre, OrgKind: "monitoring_centre", Roles: []access.Role{access.Admin}, Via: "token"}
)

// benchPlaces is the store of 100,000 places, built once per process and
// removed by TestMain.
var benchPlaces struct {
	once sync.Once
	dir  string
	db   *store.DB
	svc  *Service
	// want is how many places each principal may see.
	want map[string]int
	took time.Duration
	err  error
}

func TestMain(m *testing.M) {
	code := pgtest.Main(m) // on SQLite, then on PostgreSQL
	if benchPlaces.db != nil {
		benchPlaces.db.Close()
	}
	if benchPlaces.dir != "" {
		os.RemoveAll(benchPlaces.dir)
	}
	os.Exit(code)
}

// benchPlaceBody returns place i: a third restricted (half owned by the
// centre and restricted to one side, half owned by a side with no other
// readers), a third mission, a third public.
func benchPlaceBody(i int) PlaceBody {
	b := PlaceBody{
		Kind:     placeKinds[i%len(placeKinds)],
		Names:    []PlaceName{{Lang: "en", Name: fmt.Sprintf("Place %06d", i)}, {Lang: "ru", Name: fmt.Sprintf("Место %06d", i)}},
		Location: Point{Lat: 39 + float64(i%1000)/1000, Lon: 46 + float64(i/1000)/100},
	}
	side := benchSides[(i/7)%len(benchSides)]
	switch i % 3 {
	case 0:
		b.Label = access.Label{Classification: access.Restricted, OwnerOrg: benchCentre, RestrictedTo: []string{side}}
		if i%2 == 1 {
			b.Label = access.Label{Classification: access.Restricted, OwnerOrg: side}
		}
	case 1:
		b.Label = access.Label{Classification: access.Mission, OwnerOrg: benchCentre}
	default:
		b.Label = access.Label{Classification: access.Public, OwnerOrg: benchCentre}
	}
	return b
}

func openBenchPlaces(b *testing.B) *Service {
	p := &benchPlaces
	p.once.Do(func() {
		start := time.Now()
		ctx := context.Background()
		if p.dir, p.err = os.MkdirTemp("", "truce-geo-bench-"); p.err != nil {
			return
		}
		if p.db, p.err = store.Open(ctx, p.dir, store.WithSynchronous("normal")); p.err != nil {
			return
		}
		p.svc = New(p.db, nil)
		p.want = map[string]int{}
		actor := store.Actor{User: "usr_loader", Org: benchCentre, Via: "cli"}
		for n := 0; n < benchPlaceCount && p.err == nil; n += benchBatch {
			_, p.err = p.db.Write(ctx, func(tx *store.Tx) error {
				for i := n; i < min(n+benchBatch, benchPlaceCount); i++ {
					body := benchPlaceBody(i)
					for _, who := range []access.Principal{benchLiaison, benchAdmin} {
						if access.CanRead(who, kindPlace.Of(body.Label)) {
							p.want[who.Username]++
						}
					}
					if _, err := tx.Record(store.Change{Entity: "place", ID: fmt.Sprintf("plc_%020d", i), Version: 1, Actor: actor, Body: body}); err != nil {
						return err
					}
				}
				return nil
			})
		}
		p.took = time.Since(start)
	})
	if p.err != nil {
		b.Fatalf("build %d places: %v", benchPlaceCount, p.err)
	}
	return p.svc
}

// listAllPlaces lists every page, 500 at a time, as who, and returns how
// many places it saw.
func listAllPlaces(b *testing.B, s *Service, who access.Principal) int {
	ctx := context.Background()
	n := 0
	page := store.PageRequest{Limit: store.MaxLimit}
	for {
		got, err := s.ListPlaces(ctx, who, PlaceFilter{}, page)
		if err != nil {
			b.Fatal(err)
		}
		n += len(got.Items)
		if got.Next == "" {
			return n
		}
		page.Cursor = got.Next
	}
}

func benchListPlaces(b *testing.B, who access.Principal) {
	s := openBenchPlaces(b)
	b.ResetTimer()
	for range b.N {
		if n := listAllPlaces(b, s, who); n != benchPlaces.want[who.Username] {
			b.Fatalf("%s saw %d places, want %d", who.Username, n, benchPlaces.want[who.Username])
		}
	}
}

// BenchmarkListPlacesLiaison lists all places a liaison may see.
func BenchmarkListPlacesLiaison(b *testing.B) { benchListPlaces(b, benchLiaison) }

// BenchmarkListPlacesAdmin lists all places an admin of the centre may see.
func BenchmarkListPlacesAdmin(b *testing.B) { benchListPlaces(b, benchAdmin) }

// BenchmarkListPlacesRatio times both listings in each iteration and
// reports each one's time per place and the ratio liaison/admin of the
// whole listings.
func BenchmarkListPlacesRatio(b *testing.B) {
	s := openBenchPlaces(b)
	b.Logf("%d places built in %v; the liaison may see %d, the admin %d",
		benchPlaceCount, benchPlaces.took.Round(time.Millisecond), benchPlaces.want["liaison"], benchPlaces.want["admin"])
	b.ResetTimer()
	var liaison, admin time.Duration
	for range b.N {
		t0 := time.Now()
		nl := listAllPlaces(b, s, benchLiaison)
		t1 := time.Now()
		na := listAllPlaces(b, s, benchAdmin)
		t2 := time.Now()
		if nl != benchPlaces.want["liaison"] || na != benchPlaces.want["admin"] {
			b.Fatalf("saw %d and %d places, want %d and %d", nl, na, benchPlaces.want["liaison"], benchPlaces.want["admin"])
		}
		liaison += t1.Sub(t0)
		admin += t2.Sub(t1)
	}
	b.ReportMetric(float64(liaison.Nanoseconds())/float64(b.N), "liaison-ns/op")
	b.ReportMetric(float64(admin.Nanoseconds())/float64(b.N), "admin-ns/op")
	b.ReportMetric(float64(liaison)/float64(admin), "liaison/admin")
	b.ReportMetric(float64(liaison.Nanoseconds())/float64(b.N)/float64(benchPlaces.want["liaison"]), "liaison-ns/place")
	b.ReportMetric(float64(admin.Nanoseconds())/float64(b.N)/float64(benchPlaces.want["admin"]), "admin-ns/place")
}
