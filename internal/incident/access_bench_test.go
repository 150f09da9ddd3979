package incident

import (
	"github.com/truce-monitoring/truce/internal/pgtest"

	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/store"
)

// What need-to-know costs a list (issue 13): 100,000 allegations, one in
// five restricted, listed in full by a liaison of side B, a co-chair of a
// guarantor and an observer. The target is the liaison within 1.2× of the
// co-chair.
//
//	go test ./internal/incident/ -run '^$' -bench 'ListAllegations(Liaison|CoChair|Observer)' -benchtime 5x -count 6

const (
	ntkCount     = 100_000
	ntkBatch     = 1_000
	ntkSideA     = "org_side_a"
	ntkSideB     = "org_side_b"
	ntkCentre    = "org_centre"
	ntkGuarantor = "org_guarantor"
	ntkObservers = "org_observers"
)

var (
	ntkLiaison  = access.Principal{UserID: "usr_liaison_b", Username: "liaison", Org: ntkSideB, OrgKind: "side", Roles: []access.Role{access.Liaison}, Via: "token"}
	ntkCoChair  = access.Principal{UserID: "usr_cochair", Username: "cochair", Org: ntkGuarantor, OrgKind: "guarantor", Roles: []access.Role{access.CoChair}, Via: "token"}
	ntkObserver = access.Principal{UserID: "usr_observer", Username: "observer", Org: ntkObservers, OrgKind: "observer", Roles: []access.Role{access.Observer}, Via: "token"}
)

// ntkStore is the store of 100,000 allegations, built once per process
// and removed by TestMain.
var ntkStore struct {
	once sync.Once
	dir  string
	db   *store.DB
	svc  *Service
	want map[string]int // how many allegations each reader may see, by Username
	took time.Duration
	err  error
}

// ntkLabel is allegation i's label: 10 % public, 70 % mission, and 20 %
// restricted — owned by side A (half of them shared with the centre), by
// side B, by the centre alone, and by the centre shared with one side and
// the guarantor.
func ntkLabel(i int) access.Label {
	side := []string{ntkSideA, ntkSideB}[(i/20)%2]
	switch i % 20 {
	case 0, 1:
		return access.Label{Classification: access.Public, OwnerOrg: ntkCentre}
	case 16:
		if (i/20)%2 == 0 {
			return access.Label{Classification: access.Restricted, OwnerOrg: ntkSideA, RestrictedTo: []string{ntkCentre}}
		}
		return access.Label{Classification: access.Restricted, OwnerOrg: ntkSideA}
	case 17:
		return access.Label{Classification: access.Restricted, OwnerOrg: ntkSideB}
	case 18:
		return access.Label{Classification: access.Restricted, OwnerOrg: ntkCentre, RestrictedTo: []string{side, ntkGuarantor}}
	case 19:
		return access.Label{Classification: access.Restricted, OwnerOrg: ntkCentre}
	}
	owner := []string{ntkSideA, ntkSideB, ntkCentre}[i%3]
	return access.Label{Classification: access.Mission, OwnerOrg: owner}
}

// ntkBody is allegation i: a side's allegation when a side owns it, the
// mission's own otherwise, spread over a year and the benchmark's box.
func ntkBody(i int) AllegationBody {
	l := ntkLabel(i)
	start := benchStart.Add(time.Duration(i) * 311 * time.Second % (365 * 24 * time.Hour)).Truncate(time.Second)
	b := AllegationBody{SourceKind: SourceMission, LodgedBy: ntkCentre, AllegedPerpetrator: Unknown,
		Category: Categories[i%len(Categories)].Code, Status: StatusLodged,
		Location:  Location{Point: geo.Point{Lat: 39.5 + float64(i%1000)/1000, Lon: 46 + float64(i%1500)/1000}, Precision: PrecisionExact, RadiusM: 100},
		Time:      TimeSpan{Start: start, Precision: TimeExact},
		Narrative: "Small-arms fire reported near the line.", Grading: Grading{"C", 3}, LodgedAt: start, Label: l}
	if l.OwnerOrg == ntkSideA || l.OwnerOrg == ntkSideB {
		b.SourceKind, b.LodgedBy, b.OnBehalfOf = SourceSide, l.OwnerOrg, l.OwnerOrg
		b.AllegedPerpetrator = map[string]string{ntkSideA: ntkSideB, ntkSideB: ntkSideA}[l.OwnerOrg]
	}
	return b
}

func openNeedToKnow(b *testing.B) *Service {
	s := &ntkStore
	s.once.Do(func() {
		start := time.Now()
		ctx := context.Background()
		if s.dir, s.err = os.MkdirTemp("", "truce-incident-ntk-"); s.err != nil {
			return
		}
		if s.db, s.err = store.Open(ctx, s.dir, store.WithSynchronous("normal")); s.err != nil {
			return
		}
		s.svc = New(s.db, nil)
		s.want = map[string]int{}
		actor := store.Actor{User: "usr_loader", Org: ntkCentre, Via: "cli"}
		for n := 0; n < ntkCount && s.err == nil; n += ntkBatch {
			_, s.err = s.db.Write(ctx, func(tx *store.Tx) error {
				for i := n; i < min(n+ntkBatch, ntkCount); i++ {
					body := ntkBody(i)
					for _, who := range []access.Principal{ntkLiaison, ntkCoChair, ntkObserver} {
						if access.CanRead(who, body.Resource()) {
							s.want[who.Username]++
						}
					}
					c := store.Change{Entity: EntityAllegation, ID: fmt.Sprintf("alg_%08d", i), Version: 1, Actor: actor, Body: body, Public: body.Classification == access.Public}
					if _, err := tx.Record(c); err != nil {
						return err
					}
				}
				return nil
			})
		}
		s.took = time.Since(start)
	})
	if s.err != nil {
		b.Fatalf("build %d allegations: %v", ntkCount, s.err)
	}
	return s.svc
}

// TestMain removes the need-to-know benchmarks' store once every test and
// benchmark of the process has run.
func TestMain(m *testing.M) {
	code := pgtest.Main(m) // on SQLite, then on PostgreSQL
	if ntkStore.db != nil {
		ntkStore.db.Close()
	}
	if ntkStore.dir != "" {
		os.RemoveAll(ntkStore.dir)
	}
	os.Exit(code)
}

// listEveryAllegation lists every page, 500 at a time, as who, and returns
// how many allegations it saw.
func listEveryAllegation(b *testing.B, s *Service, who access.Principal) int {
	ctx := context.Background()
	n := 0
	page := store.PageRequest{Limit: store.MaxLimit}
	for {
		got, err := s.ListAllegations(ctx, who, AllegationFilter{}, page)
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

func benchListAllegationsAs(b *testing.B, who access.Principal) {
	s := openNeedToKnow(b)
	want := ntkStore.want[who.Username]
	b.ResetTimer()
	for range b.N {
		if n := listEveryAllegation(b, s, who); n != want {
			b.Fatalf("%s saw %d allegations, want %d", who.Username, n, want)
		}
	}
	b.ReportMetric(float64(want), "allegations/op")
}

// BenchmarkListAllegationsLiaison lists every allegation a liaison of side
// B may read: public, mission, side B's own restricted ones and the
// centre's restricted to side B.
func BenchmarkListAllegationsLiaison(b *testing.B) { benchListAllegationsAs(b, ntkLiaison) }

// BenchmarkListAllegationsCoChair lists every allegation a co-chair of a
// guarantor may read: public, mission and those restricted to the
// guarantor.
func BenchmarkListAllegationsCoChair(b *testing.B) { benchListAllegationsAs(b, ntkCoChair) }

// BenchmarkListAllegationsObserver lists every allegation an observer may
// read: public and mission.
func BenchmarkListAllegationsObserver(b *testing.B) { benchListAllegationsAs(b, ntkObserver) }
