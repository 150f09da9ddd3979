package ui

import (
	"context"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/agreement"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/incident"
	"github.com/truce-monitoring/truce/internal/store"
	"github.com/truce-monitoring/truce/internal/web"
)

// formShower shows a form with values (after signing in again, or after
// an error).
type formShower func(w http.ResponseWriter, r *http.Request, pg *web.Page, p access.Principal, form *web.Form)

// formPages are the forms whose text survives an ended session: the
// sign-in page keeps what was typed and comes back here with it.
func (s *Pages) formPages() map[string]formShower {
	return map[string]formShower{
		"/allegations/new": func(w http.ResponseWriter, r *http.Request, pg *web.Page, p access.Principal, f *web.Form) {
			s.showAllegationForm(w, r, pg, p, f, http.StatusOK)
		},
		"/observations/new": func(w http.ResponseWriter, r *http.Request, pg *web.Page, p access.Principal, f *web.Form) {
			s.showObservationForm(w, r, pg, p, f, http.StatusOK)
		},
	}
}

// Option is a choice in a select: value and label (already translated or
// a name).
type Option struct{ Value, Label, Title string }

type allegationFormData struct {
	Sides, Perpetrators, Places, Categories, Precisions, SourceKinds, Classifications []Option
	Liaison                                                                           bool
}

// placeOptions lists places by the reader's name for them, with the other
// names as a hint.
func (s *Pages) placeOptions(ctx context.Context, pg *web.Page, p access.Principal) []Option {
	n := s.names.get(ctx, s, p)
	out := make([]Option, 0, len(n.list))
	for _, p := range n.list {
		name, others := n.PlaceNames(pg.Lang, pg.Side(), p.ID)
		out = append(out, Option{Value: p.ID, Label: name, Title: strings.Join(others, " · ")})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Label < out[j].Label })
	return out
}

func (s *Pages) sideOptions(ctx context.Context, pg *web.Page) ([]Option, error) {
	parties, err := s.Agreements.Parties(ctx, pg.Reader())
	if err != nil {
		return nil, err
	}
	out := make([]Option, 0, len(parties))
	for _, o := range parties {
		out = append(out, Option{Value: o.ID, Label: pg.Org(o.ID)})
	}
	return out, nil
}

func translated(pg *web.Page, prefix string, values []string) []Option {
	out := make([]Option, len(values))
	for i, v := range values {
		out[i] = Option{Value: v, Label: pg.T(prefix + v)}
	}
	return out
}

func categoryCodes() []string {
	out := make([]string, len(incident.Categories))
	for i, c := range incident.Categories {
		out[i] = c.Code
	}
	return out
}

func (s *Pages) allegationForm(w http.ResponseWriter, r *http.Request) {
	pg, p, ok := s.reader(w, r, "allegation.new.title", "allegation_new")
	if !ok {
		return
	}
	form := &web.Form{Values: url.Values{}}
	if side := p.Side(); side != "" {
		form.Values.Set("on_behalf_of", side)
		form.Values.Set("source_kind", incident.SourceSide)
	} else {
		form.Values.Set("source_kind", incident.SourceMission)
	}
	form.Values.Set("location.precision", incident.PrecisionExact)
	form.Values.Set("classification", string(access.Mission))
	s.showAllegationForm(w, r, pg, p, form, http.StatusOK)
}

func (s *Pages) showAllegationForm(w http.ResponseWriter, r *http.Request, pg *web.Page, p access.Principal, form *web.Form, status int) {
	pg.Title, pg.Nav = "allegation.new.title", "allegation_new"
	if err := s.Incidents.MayLodge(p); err != nil {
		s.pageFail(w, r, pg, err)
		return
	}
	if form.Key == "" {
		form.Key = newFormKey()
	}
	sides, err := s.sideOptions(r.Context(), pg)
	if err != nil {
		s.pageFail(w, r, pg, err)
		return
	}
	d := allegationFormData{Sides: sides, Places: s.placeOptions(r.Context(), pg, p), Liaison: p.Side() != "",
		Categories:      translated(pg, "category.", categoryCodes()),
		Precisions:      translated(pg, "precision.", []string{incident.PrecisionExact, incident.PrecisionNearPlace, incident.PrecisionDistrict, incident.PrecisionRegion}),
		SourceKinds:     translated(pg, "source.", []string{incident.SourceSide, incident.SourcePublic, "third_party", incident.SourceMedia, incident.SourceMission}),
		Classifications: translated(pg, "classification.", []string{string(access.Mission), string(access.Restricted), string(access.Public)}),
	}
	d.Perpetrators = append(append([]Option{}, sides...), Option{Value: "unknown", Label: pg.T("side.unknown")})
	pg.Form, pg.Data = form, d
	pg.JSKeys = append(pg.JSKeys, mapMessages...) // the map's scripts
	s.render.Render(w, status, "allegation_new", pg)
}

// formTime turns a datetime-local value, read in the reader's time zone,
// into RFC 3339; other text (a date, RFC 3339) goes to the service as it
// is, which names the field if it is wrong.
func formTime(v string, loc *time.Location) string {
	v = strings.TrimSpace(v)
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, v, loc); err == nil {
			return t.UTC().Format(time.RFC3339)
		}
	}
	return v
}

func formFloat(form *web.Form, name string) (*float64, error) {
	v := strings.TrimSpace(form.V(name))
	if v == "" {
		return nil, nil
	}
	f, err := strconv.ParseFloat(strings.ReplaceAll(v, ",", "."), 64)
	if err != nil {
		return nil, errs.Invalid(name, "must be a number")
	}
	return &f, nil
}

func formInt(form *web.Form, name string) (int, error) {
	v := strings.TrimSpace(form.V(name))
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, errs.Invalid(name, "must be a whole number")
	}
	return n, nil
}

// allegationInput reads the form, whose fields are named as the JSON
// API's (dotted paths).
func allegationInput(form *web.Form, loc *time.Location) (incident.AllegationInput, error) {
	in := incident.AllegationInput{
		SourceKind: form.V("source_kind"), OnBehalfOf: form.V("on_behalf_of"), LodgedBy: form.V("lodged_by"),
		AllegedPerpetrator: form.V("alleged_perpetrator"), Category: form.V("category"), Narrative: form.V("narrative"),
		Reliability: form.V("reliability"),
		Location:    incident.LocationInput{Precision: form.V("location.precision"), PlaceID: form.V("location.place_id")},
		Time:        incident.TimeInput{Start: formTime(form.V("time.start"), loc), End: formTime(form.V("time.end"), loc), Precision: form.V("time.precision")},
	}
	in.Classification = form.V("classification")
	if rt := strings.TrimSpace(form.V("restricted_to")); rt != "" {
		in.RestrictedTo = strings.Fields(strings.ReplaceAll(rt, ",", " "))
	}
	var err error
	if in.Credibility, err = formInt(form, "credibility"); err != nil {
		return in, err
	}
	lat, err := formFloat(form, "location.point.lat")
	if err != nil {
		return in, err
	}
	lon, err := formFloat(form, "location.point.lon")
	if err != nil {
		return in, err
	}
	if lat != nil || lon != nil {
		if lat == nil || lon == nil {
			return in, errs.Invalid("location.point", "give both latitude and longitude, or neither with a place")
		}
		in.Location.Point = &geo.Point{Lat: *lat, Lon: *lon}
	}
	killed, err := formInt(form, "casualties.killed")
	if err != nil {
		return in, err
	}
	injured, err := formInt(form, "casualties.injured")
	if err != nil {
		return in, err
	}
	if killed > 0 || injured > 0 {
		in.Casualties = &incident.CasualtiesInput{}
		in.Casualties.Killed.Civilians = &incident.EstimateInput{Best: killed}
		in.Casualties.Injured.Civilians = &incident.EstimateInput{Best: injured}
	}
	return in, nil
}

// submit runs a form's create with its idempotency key: a key seen before
// leads where the first submission led. create answers where the form
// leads, with the confirmation to show there when made by doneAt.
func (s *Pages) submit(w http.ResponseWriter, r *http.Request, p access.Principal, form *web.Form, create func() (string, error)) (bool, error) {
	form.Key = form.V("form_key")
	prev, seen, err := s.claimSubmission(r.Context(), p, form.Key)
	if err != nil {
		return false, err
	}
	if !seen {
		prev, err = create()
		s.finishSubmission(r.Context(), p, form.Key, prev)
		if err != nil {
			return false, err
		}
	}
	where, key, _ := strings.Cut(prev, "\n")
	if key != "" {
		s.done(w, r, where, key)
	} else {
		http.Redirect(w, r, where, http.StatusSeeOther)
	}
	return true, nil
}

func (s *Pages) lodgeAllegation(w http.ResponseWriter, r *http.Request) {
	pg, p, ok := s.writer(w, r, "allegation.new.title", "allegation_new", "/allegations/new")
	if !ok {
		return
	}
	form := &web.Form{Values: r.PostForm}
	done, err := s.submit(w, r, p, form, func() (string, error) {
		in, err := allegationInput(form, pg.Location)
		if err != nil {
			return "", err
		}
		a, err := s.Incidents.LodgeAllegation(r.Context(), p, in)
		if err != nil {
			return "", err
		}
		return doneAt("/allegations/"+url.PathEscape(a.ID), "flash.done.allegation"), nil
	})
	if done {
		return
	}
	formErrors(pg, form, err)
	s.showAllegationForm(w, r, pg, p, form, formStatus(err))
}

// allegationPage and observationPage are in pages_review_records.go.

type observationFormData struct {
	ObserverKinds, Kinds, Perceptions, Classifications []Option
}

func (s *Pages) observationForm(w http.ResponseWriter, r *http.Request) {
	pg, p, ok := s.reader(w, r, "observation.new.title", "observation_new")
	if !ok {
		return
	}
	form := &web.Form{Values: url.Values{"observer.kind": {"post"}, "perception": {"seen"}, "count": {"1"}}}
	s.showObservationForm(w, r, pg, p, form, http.StatusOK)
}

func (s *Pages) showObservationForm(w http.ResponseWriter, r *http.Request, pg *web.Page, p access.Principal, form *web.Form, status int) {
	pg.Title, pg.Nav = "observation.new.title", "observation_new"
	if err := s.Incidents.MayRecordObservation(p); err != nil {
		s.pageFail(w, r, pg, err)
		return
	}
	if form.Key == "" {
		form.Key = newFormKey()
	}
	kinds := make([]string, len(incident.ObservationKinds))
	for i, k := range incident.ObservationKinds {
		kinds[i] = k.Kind
	}
	pg.Form = form
	pg.Data = observationFormData{
		ObserverKinds:   translated(pg, "observer.", []string{"patrol", "post", "camera", "drone"}),
		Kinds:           translated(pg, "obskind.", kinds),
		Perceptions:     translated(pg, "perception.", []string{"seen", "heard"}),
		Classifications: translated(pg, "classification.", []string{string(access.Mission), string(access.Restricted), string(access.Public)}),
	}
	pg.JSKeys = append(pg.JSKeys, mapMessages...) // the map's scripts
	s.render.Render(w, status, "observation_new", pg)
}

func observationInput(form *web.Form, loc *time.Location) (incident.ObservationInput, error) {
	in := incident.ObservationInput{Observer: incident.Observer{Kind: form.V("observer.kind"), SiteID: form.V("observer.site_id")},
		Kind: form.V("kind"), Perception: form.V("perception"), Note: form.V("note"),
		Time: incident.TimeInput{Start: formTime(form.V("time.start"), loc), End: formTime(form.V("time.end"), loc), Precision: form.V("time.precision")}}
	in.Classification = form.V("classification")
	var err error
	if in.Count, err = formInt(form, "count"); err != nil {
		return in, err
	}
	for _, f := range []struct {
		name string
		dst  *float64
	}{{"observer.position.lat", &in.Observer.Position.Lat}, {"observer.position.lon", &in.Observer.Position.Lon},
		{"distance_min_m", &in.DistanceMinM}, {"distance_max_m", &in.DistanceMaxM}} {
		v, err := formFloat(form, f.name)
		if err != nil {
			return in, err
		}
		if v == nil {
			return in, errs.Invalid(f.name, "is required")
		}
		*f.dst = *v
	}
	if in.BearingFrom, err = formFloat(form, "bearing_from"); err != nil {
		return in, err
	}
	if in.BearingTo, err = formFloat(form, "bearing_to"); err != nil {
		return in, err
	}
	return in, nil
}

func (s *Pages) recordObservation(w http.ResponseWriter, r *http.Request) {
	pg, p, ok := s.writer(w, r, "observation.new.title", "observation_new", "/observations/new")
	if !ok {
		return
	}
	form := &web.Form{Values: r.PostForm}
	done, err := s.submit(w, r, p, form, func() (string, error) {
		in, err := observationInput(form, pg.Location)
		if err != nil {
			return "", err
		}
		o, err := s.Incidents.RecordObservation(r.Context(), p, in)
		if err != nil {
			return "", err
		}
		return doneAt("/observations/"+url.PathEscape(o.ID), "flash.done.observation"), nil
	})
	if done {
		return
	}
	formErrors(pg, form, err)
	s.showObservationForm(w, r, pg, p, form, formStatus(err))
}

type agreementData struct {
	agreement.Agreement
	Provisions []provisionView
}

// provisionView is a provision with the evidence the reader may read.
type provisionView struct {
	agreement.Provision
	Evidence []evidenceView
}

// evidenceView is an evidence link with the page of the linked record.
type evidenceView struct {
	agreement.EvidenceLink
	Path string
}

// recordPath is the page of a record (web.RecordPath).
func recordPath(kind, id string) string { return web.RecordPath(kind, id) }

// numberLess orders provision numbers as the text reads them: "2" before
// "10", "6" before "6.1" before "6.2"; parts that are not numbers compare
// as text.
func numberLess(a, b string) bool {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(pa) && i < len(pb); i++ {
		na, ea := strconv.Atoi(pa[i])
		nb, eb := strconv.Atoi(pb[i])
		switch {
		case ea == nil && eb == nil && na != nb:
			return na < nb
		case (ea != nil || eb != nil) && pa[i] != pb[i]:
			if ea == nil {
				return true // numbers before words
			}
			if eb == nil {
				return false
			}
			return pa[i] < pb[i]
		}
	}
	return len(pa) < len(pb)
}

func (s *Pages) agreementsPage(w http.ResponseWriter, r *http.Request) {
	pg, _, ok := s.reader(w, r, "agreement.title", "agreement")
	if !ok {
		return
	}
	list, err := s.Agreements.ListAgreements(r.Context(), pg.Reader(), storePage(1))
	if err != nil {
		s.pageFail(w, r, pg, err)
		return
	}
	if len(list.Items) == 0 {
		s.pageFail(w, r, pg, errs.NotFound("no agreement is recorded yet"))
		return
	}
	http.Redirect(w, r, "/agreements/"+url.PathEscape(list.Items[0].ID), http.StatusSeeOther)
}

func (s *Pages) agreementPage(w http.ResponseWriter, r *http.Request) {
	pg, _, ok := s.reader(w, r, "agreement.title", "agreement")
	if !ok {
		return
	}
	id := r.PathValue("id")
	ag, err := s.Agreements.GetAgreement(r.Context(), pg.Reader(), id)
	if err != nil {
		s.pageFail(w, r, pg, err)
		return
	}
	d := agreementData{Agreement: ag}
	page := storePage(500)
	for {
		ps, err := s.Agreements.ListProvisions(r.Context(), pg.Reader(), agreement.ProvisionFilter{AgreementID: id}, page)
		if err != nil {
			s.pageFail(w, r, pg, err)
			return
		}
		for _, pr := range ps.Items {
			d.Provisions = append(d.Provisions, provisionView{Provision: pr})
		}
		if ps.Next == "" {
			break
		}
		page.Cursor = ps.Next
	}
	sort.SliceStable(d.Provisions, func(i, j int) bool { return numberLess(d.Provisions[i].Number, d.Provisions[j].Number) })
	for i := range d.Provisions {
		ev, err := s.Agreements.ListEvidence(r.Context(), pg.Reader(), d.Provisions[i].ID, storePage(100))
		if err != nil {
			s.pageFail(w, r, pg, err)
			return
		}
		for _, e := range ev.Items {
			d.Provisions[i].Evidence = append(d.Provisions[i].Evidence, evidenceView{EvidenceLink: e, Path: recordPath(e.RecordKind, e.RecordID)})
		}
	}
	pg.Data = d
	s.render.Render(w, http.StatusOK, "agreement", pg)
}

func storePage(limit int) store.PageRequest { return store.PageRequest{Limit: limit} }
