package geo

import (
	"context"
	"sort"

	"github.com/truce-monitoring/truce/internal/access"
)

// placeIndex is every place's point and label, sorted by latitude, kept
// in memory so that placing a point (every allegation and observation
// written, a million of them in an import) finds its nearest place
// without a query. It is loaded again when places change, as the layers
// are.
type placeIndex struct {
	places []indexedPlace
}

type indexedPlace struct {
	id, name string
	at       Point
	res      access.Resource
}

// places returns the index of the log's current places.
func (s *Service) places(ctx context.Context) (*placeIndex, error) {
	version, err := s.db.Version(ctx, EntityPlace)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	cached, at := s.placeIx, s.placeVersion
	s.mu.Unlock()
	if cached != nil && at == version {
		return cached, nil
	}
	readers := map[string][]string{}
	rows, err := s.db.Query(ctx, `SELECT record_id, org_id FROM place_readers ORDER BY record_id, org_id`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id, org string
		if err := rows.Scan(&id, &org); err != nil {
			rows.Close()
			return nil, err
		}
		readers[id] = append(readers[id], org)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	ix := &placeIndex{}
	rows, err = s.db.Query(ctx, `SELECT id, name, lat, lon, classification, owner_org FROM places`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var p indexedPlace
		var label access.Label
		if err := rows.Scan(&p.id, &p.name, &p.at.Lat, &p.at.Lon, &label.Classification, &label.OwnerOrg); err != nil {
			return nil, err
		}
		label.RestrictedTo = readers[p.id]
		p.res = kindPlace.Of(label)
		ix.places = append(ix.places, p)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	sort.Slice(ix.places, func(i, j int) bool {
		a, b := ix.places[i], ix.places[j]
		if a.at.Lat != b.at.Lat {
			return a.at.Lat < b.at.Lat
		}
		return a.id < b.id
	})
	s.mu.Lock()
	if s.placeIx == nil || version >= s.placeVersion {
		s.placeIx, s.placeVersion = ix, version
	}
	s.mu.Unlock()
	return ix, nil
}

// nearest is the place nearest p that reader may read (any place when
// reader is nil), searched as the gazetteer query did: within 25 km, then
// 100 km, then 500 km, then everywhere, so that the answer is the nearest
// place while a point among places looks at few of them.
func (ix *placeIndex) nearest(reader *access.Principal, p Point) *NearPlace {
	for _, radius := range []float64{25_000, 100_000, 500_000, 0} {
		lo, hi := 0, len(ix.places)
		var b BBox
		if radius > 0 {
			b = BoundsOf(p).Expand(radius)
			if b.MinLon > b.MaxLon { // crosses the antimeridian: search everything
				continue
			}
			lo = sort.Search(len(ix.places), func(i int) bool { return ix.places[i].at.Lat >= b.MinLat })
			hi = sort.Search(len(ix.places), func(i int) bool { return ix.places[i].at.Lat > b.MaxLat })
		}
		var best *indexedPlace
		bestD := 0.0
		for i := lo; i < hi; i++ {
			pl := &ix.places[i]
			if radius > 0 && (pl.at.Lon < b.MinLon || pl.at.Lon > b.MaxLon) {
				continue
			}
			if reader != nil && !access.CanRead(*reader, pl.res) {
				continue
			}
			if d := round1(Distance(p, pl.at)); best == nil || d < bestD {
				best, bestD = pl, d
			}
		}
		if best != nil && (radius == 0 || bestD <= radius) {
			return &NearPlace{ID: best.id, Name: best.name, DistanceM: bestD}
		}
	}
	return nil
}
