package incident

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/store"
	"github.com/truce-monitoring/truce/internal/text"
)

// Offers are what a reader may do with an incident now: what the service
// would accept from that reader, as pages and clients offer it. A sealed
// incident offers only reopening, and that to a co-chair.
type Offers struct {
	Steps        []Step `json:"steps" doc:"workflow steps the reader may take now"`
	Note         bool   `json:"note" doc:"add an investigation note"`
	Split        bool   `json:"split" doc:"split a report out into a new incident"`
	AttachFile   bool   `json:"attach_file" doc:"attach a file"`
	AttachReport bool   `json:"attach_report" doc:"attach a report in no incident (a review decision)"`
	Undo         bool   `json:"undo" doc:"take back a review decision on this incident"`
}

// Offers returns what p may do with inc now.
func (s *Service) Offers(p access.Principal, inc Incident) Offers {
	o := Offers{Steps: NextSteps(p, inc)}
	if o.Steps == nil {
		o.Steps = []Step{}
	}
	if inc.Sealed() {
		return o
	}
	if inc.Withdrawn != nil {
		return Offers{Steps: []Step{}}
	}
	edit := access.Decide(p, access.Update, inc.Resource()) == nil
	o.AttachFile = edit
	switch inc.Status {
	case PreliminaryReview, UnderInvestigation, Suspended:
		o.Note = access.Decide(p, access.Transition, inc.Resource()) == nil
	}
	if edit && s.MayReview(p) == nil {
		o.Split, o.AttachReport, o.Undo = true, true, true
	}
	return o
}

// IncidentOffers reads incident id and returns what p may do with it now.
func (s *Service) IncidentOffers(ctx context.Context, p access.Principal, id string) (Offers, error) {
	inc, err := s.GetIncident(ctx, p, id)
	if err != nil {
		return Offers{}, err
	}
	return s.Offers(p, inc), nil
}

// Kinds of timeline event.
const (
	EventOccurred = "occurred" // a member report's event began
	EventReported = "reported" // a member report was lodged or recorded
	EventStatus   = "status"   // a workflow step (received is the opening)
	EventNote     = "note"     // an investigation note
	EventReview   = "review"   // a reviewer's decision on a report
	EventUndo     = "undo"     // a decision taken back
)

// TimelineEvent is one entry of an incident's timeline, at the time it
// happened (not the time it was entered).
type TimelineEvent struct {
	At         time.Time `json:"at"`
	Kind       string    `json:"kind" doc:"occurred, reported, status, note, review or undo"`
	ByName     string    `json:"by_name,omitempty" doc:"who, by user name; empty for a report's own times and for entries from before names were kept"`
	Status     string    `json:"status,omitempty" doc:"status: the status reached"`
	Decision   string    `json:"decision,omitempty" doc:"review and undo: accept, reject, split or new_incident"`
	ReviewID   string    `json:"review_id,omitempty"`
	ReportKind string    `json:"report_kind,omitempty"`
	ReportID   string    `json:"report_id,omitempty"`
	// OtherIncident is, for a split, the incident at the other end.
	OtherIncident string `json:"other_incident,omitempty"`
	NoteKind      string `json:"note_kind,omitempty"`
	Text          string `json:"text,omitempty" doc:"a note's text or a decision's reason"`
	// Undoable is set on the decision a reader with Offers.Undo may take
	// back: the latest in force on its report.
	Undoable bool `json:"undoable,omitempty"`
}

// Timeline returns incident id's events in the order they happened: its
// reports' times, its workflow steps with the finding, its notes the reader
// may read, and the review decisions that put reports in or took them out.
func (s *Service) Timeline(ctx context.Context, p access.Principal, id string) ([]TimelineEvent, error) {
	inc, err := s.GetIncident(ctx, p, id)
	if err != nil {
		return nil, wrap("timeline", err)
	}
	out := []TimelineEvent{}
	for _, st := range inc.StatusHistory {
		out = append(out, TimelineEvent{At: st.At, Kind: EventStatus, Status: st.Status, ByName: st.ByName, Text: st.Reason})
	}
	for _, n := range inc.Notes {
		out = append(out, TimelineEvent{At: n.At, Kind: EventNote, NoteKind: n.Kind, ByName: n.ByName, Text: n.Text})
	}
	for _, m := range inc.Allegations {
		a, err := s.GetAllegation(ctx, p, m)
		if errs.CodeOf(err) == errs.CodeNotFound || errs.CodeOf(err) == errs.CodeForbidden {
			continue
		}
		if err != nil {
			return nil, wrap("timeline", err)
		}
		out = append(out, TimelineEvent{At: a.Time.Start, Kind: EventOccurred, ReportKind: EntityAllegation, ReportID: m},
			TimelineEvent{At: a.ReportedAt(), Kind: EventReported, ReportKind: EntityAllegation, ReportID: m})
	}
	for _, m := range inc.Observations {
		o, err := s.GetObservation(ctx, p, m)
		if errs.CodeOf(err) == errs.CodeNotFound || errs.CodeOf(err) == errs.CodeForbidden {
			continue
		}
		if err != nil {
			return nil, wrap("timeline", err)
		}
		out = append(out, TimelineEvent{At: o.Time.Start, Kind: EventOccurred, ReportKind: EntityObservation, ReportID: m})
	}
	rows, err := s.db.Query(ctx, `SELECT id FROM reviews WHERE incident_id = ? UNION SELECT id FROM reviews WHERE new_incident_id = ?`, id, id)
	if err != nil {
		return nil, wrap("timeline", err)
	}
	var ids []string
	for rows.Next() {
		var rid string
		if err := rows.Scan(&rid); err != nil {
			rows.Close()
			return nil, wrap("timeline", err)
		}
		ids = append(ids, rid)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, wrap("timeline", err)
	}
	for _, rid := range ids {
		var b ReviewBody
		if _, err := s.db.Current(ctx, EntityReview, rid, &b); err != nil {
			return nil, wrap("timeline", err)
		}
		ev := TimelineEvent{At: b.At, Kind: EventReview, Decision: b.Decision, ReviewID: rid, ReportKind: b.ReportKind, ReportID: b.ReportID, ByName: b.ByName, Text: b.Reason}
		if b.Decision == DecisionSplit {
			ev.OtherIncident = b.NewIncidentID
			if b.NewIncidentID == id {
				ev.OtherIncident = b.IncidentID
			}
		}
		out = append(out, ev)
		if b.Undone != nil {
			out = append(out, TimelineEvent{At: b.Undone.At, Kind: EventUndo, Decision: b.Decision, ReviewID: rid, ReportKind: b.ReportKind, ReportID: b.ReportID, ByName: b.Undone.ByName, Text: b.Undone.Reason})
		}
	}
	// Only the latest decision in force on a report may be taken back.
	latest := map[string]string{} // report → its latest decision in force
	for i := range out {
		ev := &out[i]
		if ev.Kind != EventReview || inc.Sealed() {
			continue
		}
		id, ok := latest[ev.ReportID]
		if !ok {
			err := s.db.QueryRow(ctx, latestDecisionSQL, ev.ReportID, decisionUndone).Scan(&id)
			if err != nil && !store.IsNoRows(err) {
				return nil, wrap("timeline", err)
			}
			latest[ev.ReportID] = id
		}
		ev.Undoable = id == ev.ReviewID
	}
	slices.SortStableFunc(out, func(a, b TimelineEvent) int { return a.At.Compare(b.At) })
	return out, nil
}

// ReportedAt is when the allegation was reported: when its source says it
// made the claim, or else when it was lodged.
func (a AllegationBody) ReportedAt() time.Time {
	if a.ClaimedAt != nil {
		return *a.ClaimedAt
	}
	return a.LodgedAt
}

// IncidentQuery finds incidents to attach a report to: every field narrows,
// none is required.
type IncidentQuery struct {
	Text     string    // words of the title, any case
	Category string    // a category code
	Day      time.Time // the incident's time overlaps this day (UTC)
	PlaceID  string    // within Radius of this place
	Near     *geo.Point
	RadiusM  float64 // around PlaceID or Near; 20 km when zero
	Open     bool    // only incidents that are not sealed
}

// maxFinderScan bounds the incidents FindIncidents reads for a text match.
const maxFinderScan = 5000

// FindIncidents returns up to limit incidents p may read that match q,
// newest first: the finder of the review page, where a reviewer picks any
// incident for a report, proposed or not.
func (s *Service) FindIncidents(ctx context.Context, p access.Principal, q IncidentQuery, limit int) ([]Incident, error) {
	if limit <= 0 || limit > 100 {
		limit = 20
	}
	if q.Text != "" {
		if err := text.CheckName("q", q.Text, 200); err != nil {
			return nil, wrap("find incidents", err)
		}
	}
	if q.Category != "" {
		if err := oneOf("category", q.Category, categoryCodes()); err != nil {
			return nil, wrap("find incidents", err)
		}
	}
	f := IncidentFilter{Category: q.Category}
	if !q.Day.IsZero() {
		day := time.Date(q.Day.Year(), q.Day.Month(), q.Day.Day(), 0, 0, 0, 0, time.UTC)
		// An incident that began up to a week before the day may still run.
		f.Window = Window{From: day.AddDate(0, 0, -7), To: day.AddDate(0, 0, 1)}
	}
	centre := q.Near
	if q.PlaceID != "" {
		if err := checkID("place", q.PlaceID); err != nil {
			return nil, wrap("find incidents", err)
		}
		pl, err := s.geo.GetPlace(ctx, p, q.PlaceID)
		if err != nil {
			if c := errs.CodeOf(err); c == errs.CodeNotFound || c == errs.CodeForbidden {
				return nil, wrap("find incidents", errs.Invalid("place", "no place %s", q.PlaceID))
			}
			return nil, wrap("find incidents", err)
		}
		centre = &pl.Location
	}
	if centre != nil {
		r := q.RadiusM
		if r <= 0 {
			r = 20_000
		}
		b := geo.BoundsOf(*centre).Expand(r)
		f.BBox = &b
	}
	words := strings.Fields(strings.ToLower(q.Text))
	var out []Incident
	page := store.PageRequest{Limit: store.MaxLimit}
	for scanned := 0; scanned < maxFinderScan; {
		got, err := s.ListIncidents(ctx, p, f, page)
		if err != nil {
			return nil, wrap("find incidents", err)
		}
		for _, inc := range got.Items {
			scanned++
			if q.Open && inc.Sealed() {
				continue
			}
			if !q.Day.IsZero() && !overlapsDay(inc.Time, q.Day) {
				continue
			}
			if !containsAll(strings.ToLower(inc.Title), words) {
				continue
			}
			out = append(out, inc)
			if len(out) == limit {
				return out, nil
			}
		}
		if got.Next == "" {
			break
		}
		page.Cursor = got.Next
	}
	return out, nil
}

func containsAll(s string, words []string) bool {
	for _, w := range words {
		if !strings.Contains(s, w) {
			return false
		}
	}
	return true
}

// overlapsDay reports whether t runs into the UTC day of d.
func overlapsDay(t TimeSpan, d time.Time) bool {
	from := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC)
	to := from.AddDate(0, 0, 1)
	end := t.Last()
	return t.Start.Before(to) && !end.Before(from)
}
