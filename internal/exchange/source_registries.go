package exchange

import (
	"context"
	"net/url"
	"strings"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/detainee"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/mines"
	"github.com/truce-monitoring/truce/internal/returns"
	"github.com/truce-monitoring/truce/internal/store"
	"github.com/truce-monitoring/truce/internal/transit"
)

// positions looks up, once each, where a site layer or a place is, as p
// may read it: a record that names a site or place the reader may not
// read, or one since removed, is exported without geometry.
type positions struct {
	s     *Service
	p     access.Principal
	sites map[string]*geo.Point
	place map[string]*geo.Point
}

func (s *Service) positions(p access.Principal) *positions {
	return &positions{s: s, p: p, sites: map[string]*geo.Point{}, place: map[string]*geo.Point{}}
}

func hidden(err error) bool {
	c := errs.CodeOf(err)
	return c == errs.CodeNotFound || c == errs.CodeForbidden
}

func (ps *positions) site(ctx context.Context, id string) (*geo.Point, error) {
	if id == "" {
		return nil, nil
	}
	if pt, ok := ps.sites[id]; ok {
		return pt, nil
	}
	l, err := ps.s.Geo.GetLayer(ctx, ps.p, id)
	if err != nil && !hidden(err) {
		return nil, err
	}
	var pt *geo.Point
	if err == nil && l.Geometry.Point != nil {
		c := *l.Geometry.Point
		pt = &c
	}
	ps.sites[id] = pt
	return pt, nil
}

func (ps *positions) placeAt(ctx context.Context, id string) (*geo.Point, error) {
	if id == "" {
		return nil, nil
	}
	if pt, ok := ps.place[id]; ok {
		return pt, nil
	}
	pl, err := ps.s.Geo.GetPlace(ctx, ps.p, id)
	if err != nil && !hidden(err) {
		return nil, err
	}
	var pt *geo.Point
	if err == nil {
		c := pl.Location
		pt = &c
	}
	ps.place[id] = pt
	return pt, nil
}

func (r *row) setPoint(pt *geo.Point, lat, lon string) *geo.Geometry {
	if pt == nil {
		return nil
	}
	r.set(lat, pt.Lat)
	r.set(lon, pt.Lon)
	return point(*pt)
}

func (s *Service) minefieldSource(p access.Principal, v url.Values, orgs func() orgNames) (source, error) {
	f := mines.MinefieldFilter{LaidBy: v.Get("laid_by"), District: v.Get("district")}
	t, _ := TableNamed(TableMinefields)
	return source{table: t, rows: func(ctx context.Context, emit func(Row) error) error {
		o := orgs()
		r := newRow(t)
		return pages(ctx, func(ctx context.Context, req store.PageRequest) (store.Page[mines.Minefield], error) {
			return s.Mines.ListMinefields(ctx, p, f, req)
		}, func(m mines.Minefield) error {
			r.reset()
			r.set("id", m.ID)
			r.set("designation", text(m.Designation))
			r.set("laid_by", text(m.LaidBy))
			r.set("laid_by_name", o.name(m.LaidBy))
			r.set("district", text(m.District))
			r.set("laid_at", when(m.LaidAt))
			r.set("emplacement", text(m.Emplacement))
			r.set("mines_total", m.MinesTotal)
			var at, ap int64
			for _, mt := range m.Mines {
				switch mt.Category {
				case "anti_tank":
					at += mt.Count
				case "anti_personnel":
					ap += mt.Count
				}
			}
			r.set("anti_tank", at)
			r.set("anti_personnel", ap)
			r.set("mine_types", jsonText(m.Mines))
			r.set("anti_handling", m.AntiHandling.Present)
			r.set("area_m2", m.AreaM2)
			r.set("reference_points", int64(len(m.ReferencePoints)))
			r.set("note", text(m.Note))
			r.set("illustrative", m.Illustrative)
			r.setLabel(m.Label, o)
			return emit(r.done(polygon(m.Perimeter)))
		})
	}}, nil
}

func polygon(p geo.Polygon) *geo.Geometry {
	if len(p) == 0 {
		return nil
	}
	return &geo.Geometry{Type: geo.TypePolygon, Polygon: p}
}

func (s *Service) hazardAreaSource(p access.Principal, v url.Values, orgs func() orgNames) (source, error) {
	f := mines.HazardAreaFilter{Status: v.Get("status"), District: v.Get("district")}
	t, _ := TableNamed(TableHazardAreas)
	return source{table: t, rows: func(ctx context.Context, emit func(Row) error) error {
		o := orgs()
		r := newRow(t)
		return pages(ctx, func(ctx context.Context, req store.PageRequest) (store.Page[mines.HazardArea], error) {
			return s.Mines.ListHazardAreas(ctx, p, f, req)
		}, func(h mines.HazardArea) error {
			r.reset()
			r.set("id", h.ID)
			r.set("name", text(h.Name))
			r.set("district", text(h.District))
			r.set("place_id", text(h.PlaceID))
			r.set("evidence", text(h.Evidence))
			r.set("minefield_id", text(h.MinefieldID))
			r.set("recorded_on", day(h.RecordedOn))
			r.set("status", text(h.Status))
			r.set("area_m2", h.AreaM2)
			r.set("released_m2", h.ReleasedM2)
			r.set("remaining_m2", h.RemainingM2)
			r.set("note", text(h.Note))
			r.set("illustrative", h.Illustrative)
			r.setLabel(h.Label, o)
			return emit(r.done(polygon(h.Polygon)))
		})
	}}, nil
}

func (s *Service) crossingSource(p access.Principal, v url.Values, orgs func() orgNames) (source, error) {
	w, err := parseWindow(v)
	if err != nil {
		return source{}, err
	}
	f := transit.CrossingFilter{Window: w, CheckpointID: v.Get("checkpoint_id"), Direction: v.Get("direction")}
	if f.Flagged, err = parseFlag(v, "flagged"); err != nil {
		return source{}, err
	}
	t, _ := TableNamed(TableCrossings)
	return source{table: t, rows: func(ctx context.Context, emit func(Row) error) error {
		o := orgs()
		r := newRow(t)
		pos := s.positions(p)
		return pages(ctx, func(ctx context.Context, req store.PageRequest) (store.Page[transit.Crossing], error) {
			return s.Transit.ListCrossings(ctx, p, f, req)
		}, func(c transit.Crossing) error {
			r.reset()
			r.set("id", c.ID)
			r.set("at", when(c.At))
			r.set("checkpoint_id", text(c.CheckpointID))
			r.set("checkpoint_name", text(c.CheckpointName))
			r.set("corridor_id", text(c.CorridorID))
			r.set("direction", text(c.Direction))
			r.set("people", c.People)
			r.set("vehicles", c.Vehicles)
			if c.CargoTonnes != 0 {
				r.set("cargo_tonnes", c.CargoTonnes)
			}
			r.set("cargo_type", text(c.CargoType))
			r.set("escort_org", text(c.EscortOrg))
			r.set("escort_org_name", o.name(c.EscortOrg))
			r.set("humanitarian", c.Humanitarian)
			r.set("flags", text(strings.Join(c.Flags, "; ")))
			r.set("note", text(c.Note))
			r.set("illustrative", c.Illustrative)
			r.setLabel(c.Label, o)
			pt, err := pos.site(ctx, c.CheckpointID)
			if err != nil {
				return err
			}
			return emit(r.done(r.setPoint(pt, "lat", "lon")))
		})
	}}, nil
}

func (s *Service) restrictionSource(p access.Principal, v url.Values, orgs func() orgNames) (source, error) {
	w, err := parseWindow(v)
	if err != nil {
		return source{}, err
	}
	f := transit.RestrictionFilter{Window: w, Kind: v.Get("kind"), CheckpointID: v.Get("checkpoint_id"), CorridorID: v.Get("corridor_id")}
	t, _ := TableNamed(TableRestrictions)
	return source{table: t, rows: func(ctx context.Context, emit func(Row) error) error {
		o := orgs()
		r := newRow(t)
		return pages(ctx, func(ctx context.Context, req store.PageRequest) (store.Page[transit.Restriction], error) {
			return s.Transit.ListRestrictions(ctx, p, f, req)
		}, func(x transit.Restriction) error {
			r.reset()
			r.set("id", x.ID)
			r.set("kind", text(x.Kind))
			r.set("checkpoint_id", text(x.CheckpointID))
			r.set("corridor_id", text(x.CorridorID))
			r.set("scope_name", text(x.ScopeName))
			r.set("reason", text(x.Reason))
			r.set("by_org", text(x.ByOrg))
			r.set("by_org_name", o.name(x.ByOrg))
			r.set("by_text", text(x.ByText))
			r.set("start", when(x.Start))
			r.set("end", whenPtr(x.End))
			if x.DurationS != nil {
				r.set("duration_s", *x.DurationS)
			}
			r.set("note", text(x.Note))
			r.set("illustrative", x.Illustrative)
			r.setLabel(x.Label, o)
			return emit(r.done(nil))
		})
	}}, nil
}

func (s *Service) returnSource(p access.Principal, v url.Values, orgs func() orgNames) (source, error) {
	w, err := parseWindow(v)
	if err != nil {
		return source{}, err
	}
	f := returns.MovementFilter{Window: w, DestinationPlaceID: v.Get("destination_place_id"), Kind: v.Get("kind")}
	t, _ := TableNamed(TableReturns)
	return source{table: t, rows: func(ctx context.Context, emit func(Row) error) error {
		o := orgs()
		r := newRow(t)
		pos := s.positions(p)
		return pages(ctx, func(ctx context.Context, req store.PageRequest) (store.Page[returns.Movement], error) {
			return s.Returns.ListMovements(ctx, p, f, req)
		}, func(m returns.Movement) error {
			r.reset()
			r.set("id", m.ID)
			r.set("date", when(m.Date))
			r.set("since", whenPtr(m.Since))
			r.set("origin_place_id", text(m.OriginPlaceID))
			r.set("origin_text", text(m.OriginText))
			r.set("destination_place_id", text(m.DestinationPlaceID))
			r.set("destination_name", text(m.DestinationName))
			r.set("total", m.Total)
			if len(m.People) > 0 {
				var female, male, children, elderly int64
				for _, pc := range m.People {
					switch pc.Sex {
					case "female":
						female += pc.Count
					case "male":
						male += pc.Count
					}
					switch pc.Age {
					case "0-4", "5-17":
						children += pc.Count
					case "60+":
						elderly += pc.Count
					}
				}
				r.set("female", female)
				r.set("male", male)
				r.set("children", children)
				r.set("elderly", elderly)
			}
			r.set("people", jsonText(m.People))
			r.set("kind", text(m.Kind))
			r.set("escort_org", text(m.EscortOrg))
			r.set("voluntariness_verified_by", text(m.VerifiedBy))
			r.set("source", text(m.Source))
			r.set("note", text(m.Note))
			r.set("illustrative", m.Illustrative)
			r.setLabel(m.Label, o)
			pt, err := pos.placeAt(ctx, m.DestinationPlaceID)
			if err != nil {
				return err
			}
			return emit(r.done(r.setPoint(pt, "lat", "lon")))
		})
	}}, nil
}

// personSource exports persons held as the detainee service shows them
// to p: a masked person (the reader may not see identity) has every
// personal column null and no geometry. The source never unmasks; it only
// relies on the service's masking and, as a second guard, leaves the
// personal columns out of a masked row.
func (s *Service) personSource(p access.Principal, v url.Values, orgs func() orgNames) (source, error) {
	f := detainee.PersonFilter{HeldBy: v.Get("held_by"), Nationality: v.Get("nationality"), Status: v.Get("status"), Category: v.Get("category")}
	t, _ := TableNamed(TablePersonsHeld)
	return source{table: t, rows: func(ctx context.Context, emit func(Row) error) error {
		o := orgs()
		r := newRow(t)
		pos := s.positions(p)
		return pages(ctx, func(ctx context.Context, req store.PageRequest) (store.Page[detainee.Person], error) {
			return s.Detainees.ListPersons(ctx, p, f, req)
		}, func(pr detainee.Person) error {
			r.reset()
			r.set("id", pr.ID)
			r.set("masked", pr.Masked)
			r.set("category", text(pr.Category))
			r.set("captured_by", text(pr.CapturedBy))
			r.set("held_by", text(pr.HeldBy))
			r.set("held_by_name", o.name(pr.HeldBy))
			r.set("nationality", text(pr.Nationality))
			r.set("nationality_name", o.name(pr.Nationality))
			r.set("captured_at", when(pr.CapturedAt))
			if pr.CapturedAfterAgreement != nil {
				r.set("captured_after_agreement", *pr.CapturedAfterAgreement)
			}
			r.set("status", text(pr.Status))
			r.set("consent_confirmed", pr.Consent)
			r.set("erased", pr.Erased != nil)
			r.set("illustrative", pr.Illustrative)
			for _, e := range pr.Events {
				if e.Kind == "deceased" && e.Death != nil {
					r.set("death_date", dateText(e.Death.Date))
					r.set("death_place", text(e.Death.Place))
				}
			}
			var g *geo.Geometry
			if id := pr.Identity; id != nil && !pr.Masked {
				r.set("surname", text(id.Surname))
				r.set("first_names", text(id.FirstNames))
				r.set("rank", text(id.Rank))
				r.set("date_of_birth", dateText(id.DateOfBirth))
				r.set("place_of_birth", text(id.PlaceOfBirth))
				r.set("service_number", text(id.ServiceNumber))
				r.set("father_first_name", text(id.FatherFirstName))
				r.set("mother_maiden_name", text(id.MotherMaidenName))
				r.set("capture_place_id", text(pr.CapturePlaceID))
				pt := pr.CapturePlace
				if pt == nil {
					var err error
					if pt, err = pos.placeAt(ctx, pr.CapturePlaceID); err != nil {
						return err
					}
				}
				g = r.setPoint(pt, "capture_lat", "capture_lon")
			}
			if pr.Masked {
				for i, c := range t.Columns {
					if Personal(t.Name, c.Name) {
						r.vals[i] = nil
					}
				}
				g = nil
			}
			return emit(r.done(g))
		})
	}}, nil
}

// dateText is a YYYY-MM-DD date, nil when absent or not a date.
func dateText(s string) any {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return nil
	}
	return d
}
