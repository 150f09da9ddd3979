package ui

import (
	"context"
	"net/http"
	"net/url"
	"sort"
	"strconv"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/store"
	"github.com/truce-monitoring/truce/internal/transit"
	"github.com/truce-monitoring/truce/internal/web"
)

// Crossings of the corridor's checkpoints, and the corridor's closures,
// partial restrictions and reopenings. Neither has a record page: the
// crossing form leads back to the crossings, the restriction form to the
// corridor's status.

// layerOptions lists the map layers of a kind (and subkind) the reader
// may read, by name in the reader's language. Which one is in force at a
// record's time is the service's to check.
func (s *Pages) layerOptions(ctx context.Context, pg *web.Page, p access.Principal, kind, subkind string) ([]Option, error) {
	var out []Option
	page := store.PageRequest{Limit: store.MaxLimit}
	for {
		ls, err := s.Geo.ListLayers(ctx, p, geo.LayerFilter{Kind: kind}, page)
		if err != nil {
			return nil, err
		}
		for _, l := range ls.Items {
			if subkind != "" && l.Subkind != subkind {
				continue
			}
			name := l.Name
			if n := l.Names[pg.Lang]; n != "" {
				name = n
			}
			out = append(out, Option{Value: l.ID, Label: name})
		}
		if ls.Next == "" || len(out) >= maxFormChoices {
			break
		}
		page.Cursor = ls.Next
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Label < out[j].Label })
	return out, nil
}

var crossingFields = []string{"at", "checkpoint_id", "direction", "people", "vehicles", "cargo_tonnes", "cargo_type", "escort_org",
	"humanitarian", "note", "classification", "restricted_to"}

type crossingFormData struct {
	Checkpoints, Directions, Orgs, Classifications []Option
	Latest                                         string
	Max                                            formLimits
	MaxPeople, MaxVehicles, MaxTonnes              int
}

// crossingForm records a crossing; it leads back to the crossings.
func (s *Pages) crossingForm() *regForm {
	return &regForm{Title: "forms.crossing.title", Nav: "crossings", Template: "crossing_form", Path: "/crossings/new",
		Fields: crossingFields, May: s.Transit.MayRecordCrossing,
		Start: func(r *http.Request, p access.Principal) url.Values {
			v := mission()
			v.Set("people", "0")
			v.Set("vehicles", "0")
			if id := r.URL.Query().Get("checkpoint"); id != "" {
				v.Set("checkpoint_id", id)
			}
			return v
		},
		Data: func(r *http.Request, pg *web.Page, p access.Principal) (any, error) {
			cps, err := s.layerOptions(r.Context(), pg, p, geo.KindSite, "checkpoint")
			if err != nil {
				return nil, err
			}
			return crossingFormData{Checkpoints: cps, Directions: translated(pg, "direction.", transit.Directions()),
				Orgs: s.orgOptions(r.Context(), pg, p), Classifications: classificationOptions(pg), Latest: latestInput(s.Now(), pg.Location),
				Max: formLimits{Name: transit.MaxName, Note: transit.MaxNote}, MaxPeople: transit.MaxPeople, MaxVehicles: transit.MaxVehicles,
				MaxTonnes: transit.MaxTonnes}, nil
		},
		Save: func(r *http.Request, pg *web.Page, p access.Principal, form *web.Form) (string, error) {
			in, err := crossingInput(form, pg)
			if err != nil {
				return "", err
			}
			if _, err := s.Transit.RecordCrossing(r.Context(), p, in); err != nil {
				return "", err
			}
			return doneAt("/crossings", "forms.done.crossing"), nil
		},
	}
}

func crossingInput(form *web.Form, pg *web.Page) (transit.CrossingInput, error) {
	in := transit.CrossingInput{At: formTime(form.V("at"), pg.Location), CheckpointID: form.V("checkpoint_id"), Direction: form.V("direction"),
		CargoType: formText(form, "cargo_type"), EscortOrg: form.V("escort_org"), Humanitarian: form.V("humanitarian") != "",
		Note: formLongText(form, "note")}
	in.LabelInput = access.LabelInput{Classification: form.V("classification"), RestrictedTo: formList(form, "restricted_to")}
	for _, f := range []struct {
		name string
		dst  *int64
	}{{"people", &in.People}, {"vehicles", &in.Vehicles}} {
		if v := formText(form, f.name); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return in, errs.Invalid(f.name, "must be a whole number")
			}
			*f.dst = n
		}
	}
	t, err := formFloat(form, "cargo_tonnes")
	if err != nil {
		return in, err
	}
	if t != nil {
		in.CargoTonnes = *t
	}
	return in, nil
}

// Restrictions.

var restrictionFields = []string{"kind", "checkpoint_id", "corridor_id", "reason", "by_org", "by_text", "start", "end", "note",
	"classification", "restricted_to"}

type restrictionFormData struct {
	Kinds, Checkpoints, Corridors, Orgs, Classifications []Option
	Latest                                               string
	Max                                                  formLimits
}

// restrictionForm records a closure, a partial restriction or a
// reopening; it leads to the corridor's status.
func (s *Pages) restrictionForm() *regForm {
	return &regForm{Title: "forms.restriction.title", Nav: "corridor", Template: "restriction_form", Path: "/corridor/restrictions/new",
		Fields: restrictionFields, May: s.Transit.MayRecordRestriction,
		Start: func(*http.Request, access.Principal) url.Values { return mission() },
		Data: func(r *http.Request, pg *web.Page, p access.Principal) (any, error) {
			cps, err := s.layerOptions(r.Context(), pg, p, geo.KindSite, "checkpoint")
			if err != nil {
				return nil, err
			}
			cors, err := s.layerOptions(r.Context(), pg, p, geo.KindCorridor, "")
			if err != nil {
				return nil, err
			}
			return restrictionFormData{Kinds: translated(pg, "restriction.", transit.RestrictionKinds()), Checkpoints: cps, Corridors: cors,
				Orgs: s.orgOptions(r.Context(), pg, p), Classifications: classificationOptions(pg), Latest: latestInput(s.Now(), pg.Location),
				Max: formLimits{Note: transit.MaxNote}}, nil
		},
		Save: func(r *http.Request, pg *web.Page, p access.Principal, form *web.Form) (string, error) {
			if _, err := s.Transit.RecordRestriction(r.Context(), p, restrictionInput(form, pg)); err != nil {
				return "", err
			}
			return doneAt("/corridor", "forms.done.restriction"), nil
		},
	}
}

func restrictionInput(form *web.Form, pg *web.Page) transit.RestrictionInput {
	in := transit.RestrictionInput{Kind: form.V("kind"), CheckpointID: form.V("checkpoint_id"), CorridorID: form.V("corridor_id"),
		Reason: formLongText(form, "reason"), ByOrg: form.V("by_org"), ByText: formLongText(form, "by_text"),
		Start: formTime(form.V("start"), pg.Location), End: formTime(form.V("end"), pg.Location), Note: formLongText(form, "note")}
	in.LabelInput = access.LabelInput{Classification: form.V("classification"), RestrictedTo: formList(form, "restricted_to")}
	return in
}
