package geo

import (
	"context"

	"github.com/truce-monitoring/truce/internal/access"
	"math"
	"time"
)

// Location is what Locate answers about a point at a time.
type Location struct {
	Point         Point         `json:"point"`
	At            time.Time     `json:"at"`
	Zones         []ZoneHit     `json:"zones"`
	Corridors     []CorridorHit `json:"corridors"`
	LineOfContact *LineHit      `json:"line_of_contact,omitempty" doc:"the nearest line of contact in force"`
	NearestSite   *NearSite     `json:"nearest_site,omitempty"`
	NearestPlace  *NearPlace    `json:"nearest_place,omitempty"`
	OutsideLayers bool          `json:"outside_layers" doc:"true when the point is in no zone or corridor and more than 50 km from every line and site"`
}

// ZoneHit is a zone that contains the point.
type ZoneHit struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Subkind string `json:"subkind"`
	Party   string `json:"party,omitempty"`
}

// CorridorHit is a corridor that contains the point.
type CorridorHit struct {
	ID              string  `json:"id"`
	Name            string  `json:"name"`
	WidthM          float64 `json:"width_m"`
	FromCentreLineM float64 `json:"from_centre_line_m"`
}

// LineHit is the distance to a line of contact and the side of it.
type LineHit struct {
	ID        string  `json:"id"`
	Name      string  `json:"name"`
	DistanceM float64 `json:"distance_m"`
	Side      string  `json:"side" doc:"left, right or on, looking along the line's direction"`
	SideParty string  `json:"side_party,omitempty" doc:"the party holding that side, when the layer says"`
	Nearest   Point   `json:"nearest"`
}

// NearSite is the nearest site in force.
type NearSite struct {
	ID        string  `json:"id"`
	Name      string  `json:"name"`
	Subkind   string  `json:"subkind"`
	DistanceM float64 `json:"distance_m"`
}

// NearPlace is the nearest named place.
type NearPlace struct {
	ID        string  `json:"id"`
	Name      string  `json:"name"`
	DistanceM float64 `json:"distance_m"`
}

// outsideM is how far from every line and site a point must be, outside
// every zone and corridor, to count as outside the layers.
const outsideM = 50_000

func round1(m float64) float64 { return math.Round(m*10) / 10 }

// LocateFor says which zones and corridors contain p at time at, how far p
// is from the line of contact and on which side, and the nearest site and
// named place, from the layers and places reader may see. Distances are
// geodesic metres.
func (s *Service) LocateFor(ctx context.Context, reader access.Principal, p Point, at time.Time) (Location, error) {
	return s.locate(ctx, &reader, p, at)
}

func (s *Service) locate(ctx context.Context, reader *access.Principal, p Point, at time.Time) (Location, error) {
	if err := p.Validate(); err != nil {
		return Location{}, err
	}
	layers, err := s.allLayers(ctx)
	if err != nil {
		return Location{}, err
	}
	loc := Location{Point: p, At: at.UTC(), Zones: []ZoneHit{}, Corridors: []CorridorHit{}}
	near := false
	for _, l := range layers {
		if !l.ValidAt(at) || (reader != nil && !access.CanRead(*reader, l.Resource())) {
			continue
		}
		switch l.Kind {
		case KindZone:
			if l.Geometry.Contains(p) {
				loc.Zones = append(loc.Zones, ZoneHit{ID: l.ID, Name: l.Name, Subkind: l.Subkind, Party: l.Party})
				near = true
			}
		case KindCorridor:
			d, _, _ := DistanceToLine(p, l.Geometry.Line)
			if d <= l.WidthM/2 {
				loc.Corridors = append(loc.Corridors, CorridorHit{ID: l.ID, Name: l.Name, WidthM: l.WidthM, FromCentreLineM: round1(d)})
				near = true
			}
		case KindLineOfContact:
			d, side, nearest := distanceToLines(p, LinesOf(l.Geometry))
			if loc.LineOfContact == nil || d < loc.LineOfContact.DistanceM {
				h := &LineHit{ID: l.ID, Name: l.Name, DistanceM: round1(d), Side: side.String(), Nearest: nearest}
				switch side {
				case Left:
					h.SideParty = l.LeftParty
				case Right:
					h.SideParty = l.RightParty
				}
				loc.LineOfContact = h
			}
			if d <= outsideM {
				near = true
			}
		case KindSite:
			d := Distance(p, *l.Geometry.Point)
			if loc.NearestSite == nil || d < loc.NearestSite.DistanceM {
				loc.NearestSite = &NearSite{ID: l.ID, Name: l.Name, Subkind: l.Subkind, DistanceM: round1(d)}
			}
			if d <= outsideM {
				near = true
			}
		}
	}
	loc.OutsideLayers = !near
	places, err := s.places(ctx)
	if err != nil {
		return Location{}, err
	}
	loc.NearestPlace = places.nearest(reader, p)
	return loc, nil
}

// distanceToLines is DistanceToLine to the nearest of several lines: the
// parts of a MultiLineString.
func distanceToLines(p Point, lines []Line) (float64, Side, Point) {
	best, side, nearest := math.Inf(1), On, p
	for _, l := range lines {
		if d, s, n := DistanceToLine(p, l); d < best {
			best, side, nearest = d, s, n
		}
	}
	return best, side, nearest
}
