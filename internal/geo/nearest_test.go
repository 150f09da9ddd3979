package geo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/truce-monitoring/truce/internal/access"
)

// The in-memory nearest place is what the gazetteer query finds, for every
// reader, near places, far from them and by the antimeridian.
func TestNearestInMemoryIsTheQuery(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(7, 17))
	other := access.Principal{UserID: "usr_other", Username: "other", Org: "org_other", Via: "cli", Roles: []access.Role{access.Analyst}}
	third := access.Principal{UserID: "usr_third", Username: "third", Org: "org_third", Via: "cli", Roles: []access.Role{access.Analyst}}
	for i := range 80 {
		in := validPlace()
		pt := Point{Lat: 39 + 2*rng.Float64(), Lon: 45 + 3*rng.Float64()}
		if i%10 == 9 {
			pt = Point{Lat: -40 + 5*rng.Float64(), Lon: 179.5 + 0.4*rng.Float64()}
		}
		in.Location = &pt
		in.Names = []PlaceName{{Lang: "en", Name: fmt.Sprintf("Place %d", i)}}
		switch i % 4 {
		case 1:
			in.Classification, in.RestrictedTo = "restricted", []string{other.Org}
		case 2:
			in.Classification = "public"
		}
		if _, err := s.CreatePlace(ctx, testActor, in); err != nil {
			t.Fatal(err)
		}
	}
	ix, err := s.places(ctx)
	if err != nil {
		t.Fatal(err)
	}
	system := access.Principal{UserID: "system", Username: "system", Via: "system"}
	readers := []*access.Principal{nil, &testActor, &other, &third, &system}
	for range 300 {
		p := Point{Lat: 38 + 4*rng.Float64(), Lon: 44 + 5*rng.Float64()}
		switch rng.IntN(4) {
		case 0:
			p = Point{Lat: -85 + 170*rng.Float64(), Lon: -180 + 360*rng.Float64()}
		case 1:
			p = Point{Lat: -42 + 9*rng.Float64(), Lon: 179 + 0.99*rng.Float64()}
		}
		for _, r := range readers {
			want, err := nearestPlaceQuery(ctx, s, r, p)
			if err != nil {
				t.Fatal(err)
			}
			if got := ix.nearest(r, p); !reflect.DeepEqual(got, want) {
				who := "nobody"
				if r != nil {
					who = r.Username
				}
				t.Fatalf("near %v for %s: in memory %+v, query %+v", p, who, got, want)
			}
		}
	}
}

// nearestPlaceQuery is how the nearest place was found before the
// in-memory index: the reference the index is tested against.
func nearestPlaceQuery(ctx context.Context, s *Service, reader *access.Principal, p Point) (*NearPlace, error) {
	for _, radius := range []float64{25_000, 100_000, 500_000, 0} {
		q := `SELECT id, name, lat, lon FROM places p WHERE 1 = 1`
		var args []any
		if reader != nil {
			cond, cargs := access.Filter(*reader, "p", "place_readers")
			q += " AND " + cond
			args = append(args, cargs...)
		}
		if radius > 0 {
			b := BoundsOf(p).Expand(radius)
			if b.MinLon > b.MaxLon { // crosses the antimeridian: search everything
				continue
			}
			q += ` AND lat BETWEEN ? AND ? AND lon BETWEEN ? AND ?`
			args = append(args, b.MinLat, b.MaxLat, b.MinLon, b.MaxLon)
		}
		rows, err := s.db.Query(ctx, q, args...)
		if err != nil {
			return nil, err
		}
		var best *NearPlace
		for rows.Next() {
			var n NearPlace
			var at Point
			if err := rows.Scan(&n.ID, &n.Name, &at.Lat, &at.Lon); err != nil {
				rows.Close()
				return nil, err
			}
			n.DistanceM = round1(Distance(p, at))
			if best == nil || n.DistanceM < best.DistanceM {
				best = &n
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		if best != nil && (radius == 0 || best.DistanceM <= radius) {
			return best, nil
		}
	}
	return nil, nil
}
