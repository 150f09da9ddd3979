package incident

import (
	"context"
	"math"
	"net/url"
	"strconv"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/geo"
)

// Near narrows a list to records reported within Within metres of a
// gazetteer place the reader may see (issue 16, "place" among the lists'
// filters). The list methods look the place up with the reader's
// principal, so a place the reader may not see is refused as unknown.
type Near struct {
	Place  string  // a place's id; empty for no place filter
	Within float64 // metres; DefaultWithin when zero

	at *geo.Point // the place's location, once looked up
}

// The radius of a place filter, in metres.
const (
	DefaultWithin = 5000
	MinWithin     = 100
	MaxWithin     = 100000
)

// metresPerDegree is the length of a degree of latitude on the mean
// Earth sphere geo measures on.
const metresPerDegree = math.Pi * 6371008.8 / 180

// parseNear reads place and within.
func parseNear(v url.Values) (Near, error) {
	var n Near
	var err error
	if n.Place, err = param(v, "place"); err != nil {
		return n, err
	}
	if s := v.Get("within"); s != "" {
		w, perr := strconv.ParseFloat(s, 64)
		if perr != nil || len(s) > 20 || !finite(w) {
			return n, errs.Because(errs.Invalid("within", "must be a distance in metres"), errs.ReasonNotANumber)
		}
		n.Within = w
	}
	return n, nil
}

// resolve looks the place up for p; an empty filter stays empty.
func (s *Service) resolveNear(ctx context.Context, p access.Principal, n Near) (Near, error) {
	if n.Place == "" {
		if n.Within != 0 {
			return n, errs.Because(errs.Invalid("place", "a distance needs a place"), errs.ReasonRequired)
		}
		return n, nil
	}
	if err := checkID("place", n.Place); err != nil {
		return n, err
	}
	if n.Within == 0 {
		n.Within = DefaultWithin
	}
	if n.Within < MinWithin || n.Within > MaxWithin {
		return n, errs.OutOfRange("within", MinWithin, MaxWithin)
	}
	pl, err := s.geo.GetPlace(ctx, p, n.Place)
	if err != nil {
		if errs.CodeOf(err) == errs.CodeNotFound {
			return n, errs.Because(errs.Invalid("place", "names no place you may see"), errs.ReasonUnknownRef)
		}
		return n, err
	}
	at := pl.Location
	n.at = &at
	return n, nil
}

// where adds the filter as conditions on the lat and lon columns: a box
// the index can use, then the distance on a plane tangent at the place,
// which at 100 km at most stays within a fraction of a percent of the
// geodesic distance and needs only arithmetic in both dialects.
func (n Near) where(lat, lon string, conds []string, args []any) ([]string, []any, error) {
	if n.Place == "" {
		return conds, args, nil
	}
	if n.at == nil {
		return nil, nil, errs.Invalid("place", "was not looked up")
	}
	dLat := n.Within / metresPerDegree
	cosLat := math.Cos(n.at.Lat * math.Pi / 180)
	if cosLat < 0.01 {
		cosLat = 0.01
	}
	dLon := dLat / cosLat
	conds = append(conds, lat+" BETWEEN ? AND ?", lon+" BETWEEN ? AND ?",
		"(("+lat+" - ?) * ?) * (("+lat+" - ?) * ?) + (("+lon+" - ?) * ?) * (("+lon+" - ?) * ?) <= ?")
	ky, kx := metresPerDegree, metresPerDegree*cosLat
	args = append(args, n.at.Lat-dLat, n.at.Lat+dLat, n.at.Lon-dLon, n.at.Lon+dLon,
		n.at.Lat, ky, n.at.Lat, ky, n.at.Lon, kx, n.at.Lon, kx, n.Within*n.Within)
	return conds, args, nil
}
