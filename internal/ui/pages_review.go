package ui

import (
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/incident"
	"github.com/truce-monitoring/truce/internal/web"
)

// reviewPages are the review queue's own routes besides /review: taking a
// decision back.
func (s *Pages) reviewPages(page func(method, path string, h http.HandlerFunc)) {
	page("POST", "/review/undo", s.reviewUndo)
	page("POST", "/review/duplicates", s.reviewDuplicates)
	page("GET", "/review/duplicates", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/review", http.StatusSeeOther) })
}

// finderData is the review page's incident finder, open for one report: a
// GET form (it works without scripts) and the incidents it found, each
// with a button that attaches the report.
type finderData struct {
	Kind, ID   string // the report
	Summary    string // its category and time, for the heading
	Q          string
	Category   string
	Day        string // yyyy-mm-dd
	Place      string
	Open       bool
	Results    []incident.Incident
	Searched   bool
	Categories []Option
	Places     []Option
	Error      string
}

// finder reads the finder's query for the report named by ?report=kind:id
// and runs it; nil when no report is named.
func (s *Pages) finder(r *http.Request, pg *web.Page, p access.Principal) *finderData {
	q := r.URL.Query()
	kind, id, ok := strings.Cut(q.Get("report"), ":")
	if !ok || (kind != incident.EntityAllegation && kind != incident.EntityObservation) || id == "" {
		return nil
	}
	f := &finderData{Kind: kind, ID: id, Q: q.Get("q"), Category: q.Get("category"), Day: q.Get("day"), Place: q.Get("place"),
		Open: q.Get("open") != "", Categories: translated(pg, "category.", categoryCodes()), Places: s.placeOptions(r.Context(), pg, p)}
	ctx := r.Context()
	var start time.Time
	switch kind {
	case incident.EntityAllegation:
		a, err := s.Incidents.GetAllegation(ctx, p, id)
		if err != nil {
			return nil
		}
		f.Summary, start = pg.T("category."+a.Category), a.Time.Start
	default:
		o, err := s.Incidents.GetObservation(ctx, p, id)
		if err != nil {
			return nil
		}
		f.Summary, start = pg.T("obskind."+o.Kind), o.Time.Start
	}
	if _, given := q["q"]; !given && f.Day == "" {
		// First opening: look around the report's own day.
		f.Day = start.UTC().Format(time.DateOnly)
	}
	iq := incident.IncidentQuery{Text: f.Q, Category: f.Category, PlaceID: f.Place, Open: f.Open}
	if f.Day != "" {
		d, err := time.Parse(time.DateOnly, f.Day)
		if err != nil {
			f.Error = pg.T("review.find.bad_day")
			return f
		}
		iq.Day = d
	}
	res, err := s.Incidents.FindIncidents(ctx, p, iq, 20)
	if err != nil {
		f.Error = pg.T("review.find.failed")
		s.Log.Info("finder", "err", err)
		return f
	}
	f.Results, f.Searched = res, true
	return f
}

// newIncidentTitle is the title offered for an incident a report starts:
// its category (or kind of observation) and day in the reader's language.
func (s *Pages) newIncidentTitle(r *http.Request, pg *web.Page, p access.Principal, kind, id string) string {
	switch kind {
	case incident.EntityAllegation:
		if a, err := s.Incidents.GetAllegation(r.Context(), p, id); err == nil {
			return pg.T("review.new_title", "what", pg.T("category."+a.Category), "day", a.Time.Start.UTC().Format(time.DateOnly))
		}
	case incident.EntityObservation:
		if o, err := s.Incidents.GetObservation(r.Context(), p, id); err == nil {
			return pg.T("review.new_title", "what", pg.T("obskind."+o.Kind), "day", o.Time.Start.UTC().Format(time.DateOnly))
		}
	}
	return ""
}

// reviewUndo takes a decision back and returns to the page it came from.
func (s *Pages) reviewUndo(w http.ResponseWriter, r *http.Request) {
	pg, p, ok := s.writer(w, r, "review.title", "review", "")
	if !ok {
		return
	}
	back := safeNext(r.PostFormValue("back"))
	if back != "/review" && !strings.HasPrefix(back, "/incidents/") {
		back = "/review"
	}
	_, err := s.Incidents.RecordReview(r.Context(), p, incident.ReviewInput{Decision: incident.DecisionUndo,
		ReviewID: r.PostFormValue("review_id"), Reason: r.PostFormValue("reason")})
	if err != nil {
		s.pageFail(w, r, pg, err)
		return
	}
	s.done(w, r, back, "review.done.undo")
}

// placementView is where a record lies, as geo computed it when it was
// written: distances in kilometres to one decimal for the page.
type placementView struct {
	Zones []geo.ZoneHit
	Line  *struct {
		KM              float64
		Side, SideParty string
	}
	Site *struct {
		Name, Subkind string
		KM            float64
	}
	Place *struct {
		Name string
		KM   float64
	}
}

func km(m float64) float64 { return math.Round(m/100) / 10 }

func placementOf(l geo.Location) placementView {
	v := placementView{Zones: l.Zones}
	if h := l.LineOfContact; h != nil {
		v.Line = &struct {
			KM              float64
			Side, SideParty string
		}{km(h.DistanceM), h.Side, h.SideParty}
	}
	if s := l.NearestSite; s != nil {
		v.Site = &struct {
			Name, Subkind string
			KM            float64
		}{s.Name, s.Subkind, km(s.DistanceM)}
	}
	if p := l.NearestPlace; p != nil {
		v.Place = &struct {
			Name string
			KM   float64
		}{p.Name, km(p.DistanceM)}
	}
	return v
}
