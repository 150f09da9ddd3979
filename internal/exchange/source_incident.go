package exchange

import (
	"context"
	"net/url"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/incident"
	"github.com/truce-monitoring/truce/internal/store"
)

func (r *row) setEventTime(t incident.TimeSpan) {
	r.set("start", when(t.Start))
	r.set("end", whenPtr(t.End))
	r.set("time_precision", text(t.Precision))
	r.set("date", day(t.Start))
}

func (r *row) setCategory(code string) {
	r.set("category", text(code))
	r.set("category_name", words(code))
	if c, ok := incident.CategoryOf(code); ok {
		r.set("acled_event_type", c.EventType)
		r.set("acled_sub_event_type", c.SubEventType)
	}
}

func (s *Service) allegationSource(p access.Principal, v url.Values, orgs func() orgNames) (source, error) {
	f, err := incident.ParseAllegationFilter(v)
	if err != nil {
		return source{}, err
	}
	if f.BBox, err = parseBBox(v); err != nil {
		return source{}, err
	}
	t, _ := TableNamed(TableAllegations)
	return source{table: t, rows: func(ctx context.Context, emit func(Row) error) error {
		o := orgs()
		r := newRow(t)
		return s.Incidents.StreamAllegations(ctx, p, f, func(a *incident.Allegation) error {
			r.reset()
			r.set("id", a.ID)
			r.set("source_kind", text(a.SourceKind))
			r.set("lodged_by", text(a.LodgedBy))
			r.set("lodged_by_name", o.name(a.LodgedBy))
			r.set("on_behalf_of", text(a.OnBehalfOf))
			r.set("on_behalf_of_name", o.name(a.OnBehalfOf))
			r.set("alleged_perpetrator", text(a.AllegedPerpetrator))
			r.set("alleged_perpetrator_name", o.name(a.AllegedPerpetrator))
			r.setCategory(a.Category)
			r.setEventTime(a.Time)
			r.set("lat", a.Location.Point.Lat)
			r.set("lon", a.Location.Point.Lon)
			r.set("location_precision", text(a.Location.Precision))
			r.set("radius_m", a.Location.RadiusM)
			r.set("place_id", text(a.Location.PlaceID))
			k, i := a.Casualties.Killed, a.Casualties.Injured
			r.set("killed_civilians_best", int64(k.Civilians.Best))
			r.set("killed_civilians_low", int64(k.Civilians.Low))
			r.set("killed_civilians_high", int64(k.Civilians.High))
			r.set("injured_civilians_best", int64(i.Civilians.Best))
			r.set("injured_civilians_low", int64(i.Civilians.Low))
			r.set("injured_civilians_high", int64(i.Civilians.High))
			r.set("killed_military_best", militaryBest(k.Military))
			r.set("injured_military_best", militaryBest(i.Military))
			r.set("killed_military_by_side", jsonText(k.Military))
			r.set("injured_military_by_side", jsonText(i.Military))
			r.set("narrative", text(a.Narrative))
			r.set("reliability", text(a.Grading.Reliability))
			r.set("credibility", int64(a.Grading.Credibility))
			r.set("status", text(a.Status))
			if a.Withdrawal != nil {
				r.set("withdrawn_at", when(a.Withdrawal.At))
				r.set("withdrawal_reason", text(a.Withdrawal.Reason))
			}
			r.set("reported_at", whenPtr(a.ClaimedAt))
			r.set("lodged_at", when(a.LodgedAt))
			r.set("incident_id", text(a.IncidentID))
			r.setGeography(a.Geography, o)
			r.setLabel(a.Label, o)
			return emit(r.done(point(a.Location.Point)))
		})
	}}, nil
}

func militaryBest(m []incident.SideEstimate) any {
	var n int64
	for _, e := range m {
		n += int64(e.Best)
	}
	return n
}

// observationCategory is the category a kind of observation counts under.
func observationCategory(kind string) string {
	for _, k := range incident.ObservationKinds {
		if k.Kind == kind {
			return k.Category
		}
	}
	return ""
}

func (s *Service) observationSource(p access.Principal, v url.Values, orgs func() orgNames) (source, error) {
	f, err := incident.ParseObservationFilter(v)
	if err != nil {
		return source{}, err
	}
	if f.BBox, err = parseBBox(v); err != nil {
		return source{}, err
	}
	t, _ := TableNamed(TableObservations)
	return source{table: t, rows: func(ctx context.Context, emit func(Row) error) error {
		o := orgs()
		r := newRow(t)
		return s.Incidents.StreamObservations(ctx, p, f, func(ob *incident.Observation) error {
			r.reset()
			r.set("id", ob.ID)
			r.set("observer_kind", text(ob.Observer.Kind))
			r.set("observer_lat", ob.Observer.Position.Lat)
			r.set("observer_lon", ob.Observer.Position.Lon)
			r.set("site_id", text(ob.Observer.SiteID))
			r.set("kind", text(ob.Kind))
			r.set("kind_name", words(ob.Kind))
			r.set("category", text(observationCategory(ob.Kind)))
			r.set("count", int64(ob.Count))
			r.set("perception", text(ob.Perception))
			r.set("bearing_from", realPtr(ob.BearingFrom))
			r.set("bearing_to", realPtr(ob.BearingTo))
			r.set("distance_min_m", ob.DistanceMinM)
			r.set("distance_max_m", ob.DistanceMaxM)
			r.setEventTime(ob.Time)
			r.set("lat", ob.Centre.Lat)
			r.set("lon", ob.Centre.Lon)
			r.set("note", text(ob.Note))
			r.set("recorded_at", when(ob.RecordedAt))
			r.set("incident_id", text(ob.IncidentID))
			r.setGeography(ob.Geography, o)
			r.setLabel(ob.Label, o)
			return emit(r.done(point(ob.Centre)))
		})
	}}, nil
}

func (s *Service) incidentSource(p access.Principal, v url.Values, orgs func() orgNames) (source, error) {
	f, err := incident.ParseIncidentFilter(v)
	if err != nil {
		return source{}, err
	}
	if f.BBox, err = parseBBox(v); err != nil {
		return source{}, err
	}
	t, _ := TableNamed(TableIncidents)
	return source{table: t, rows: func(ctx context.Context, emit func(Row) error) error {
		o := orgs()
		r := newRow(t)
		return pages(ctx, func(ctx context.Context, req store.PageRequest) (store.Page[incident.Incident], error) {
			return s.Incidents.ListIncidents(ctx, p, f, req)
		}, func(in incident.Incident) error {
			r.reset()
			r.set("id", in.ID)
			r.set("title", text(in.Title))
			r.setCategory(in.Category)
			r.setEventTime(in.Time)
			r.set("lat", in.Location.Point.Lat)
			r.set("lon", in.Location.Point.Lon)
			r.set("radius_m", in.Location.RadiusM)
			r.set("status", text(in.Status))
			r.set("status_name", words(in.Status))
			if in.Finding != nil {
				r.set("outcome", text(in.Finding.Outcome))
				r.set("attribution", text(in.Finding.Attribution))
				r.set("attribution_name", o.name(in.Finding.Attribution))
				r.set("finding_summary", text(in.Finding.Summary))
			}
			r.set("allegations", int64(len(in.Allegations)))
			r.set("observations", int64(len(in.Observations)))
			r.setGeography(in.Geography, o)
			r.setLabel(in.Label, o)
			return emit(r.done(point(in.Location.Point)))
		})
	}}, nil
}

func (s *Service) patrolSource(p access.Principal, v url.Values, orgs func() orgNames) (source, error) {
	f, err := incident.ParsePatrolFilter(v)
	if err != nil {
		return source{}, err
	}
	t, _ := TableNamed(TablePatrols)
	return source{table: t, rows: func(ctx context.Context, emit func(Row) error) error {
		o := orgs()
		r := newRow(t)
		return pages(ctx, func(ctx context.Context, req store.PageRequest) (store.Page[incident.Patrol], error) {
			return s.Incidents.ListPatrols(ctx, p, f, req)
		}, func(pt incident.Patrol) error {
			r.reset()
			r.set("id", pt.ID)
			r.set("team", jsonText(pt.Team))
			r.set("start", when(pt.Start))
			r.set("end", whenPtr(pt.End))
			r.set("note", text(pt.Note))
			r.setLabel(pt.Label, o)
			var g *geo.Geometry
			if len(pt.Route) >= 2 {
				g = &geo.Geometry{Type: geo.TypeLineString, Line: pt.Route}
			}
			return emit(r.done(g))
		})
	}}, nil
}
