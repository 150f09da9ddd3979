package incident

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/store"
	"github.com/truce-monitoring/truce/internal/text"
)

// Investigation statuses. The workflow:
//
//	received → preliminary_review → under_investigation → finding → closed
//
// with suspended (from preliminary_review or under_investigation, with a
// reason; resuming returns to the status it left), finding back to
// under_investigation (a finding sent back, with a reason), and closed back
// to under_investigation (reopening: co-chair only, with a reason). Closing
// seals the incident: every edit is refused until it is reopened.
const (
	Received           = "received"
	PreliminaryReview  = "preliminary_review"
	UnderInvestigation = "under_investigation"
	FindingMade        = "finding"
	Closed             = "closed"
	Suspended          = "suspended"
)

// Statuses lists the investigation statuses in workflow order.
var Statuses = []string{Received, PreliminaryReview, UnderInvestigation, FindingMade, Closed, Suspended}

// Finding outcomes and attributions that are not a side.
const (
	Substantiated    = "substantiated"
	NotSubstantiated = "not_substantiated"
	Inconclusive     = "inconclusive"

	AttributionBoth         = "both"
	AttributionUndetermined = "undetermined"
)

var outcomes = []string{Substantiated, NotSubstantiated, Inconclusive}

// Kinds of investigation note.
var noteKinds = []string{"task", "site_visit", "interview", "note"}

// MaxMembers bounds the allegations plus observations of one incident.
const MaxMembers = 500

// IncidentInput is what a client sends to open or edit an incident.
type IncidentInput struct {
	Title        string      `json:"title"`
	Category     string      `json:"category"`
	Location     PointRadius `json:"location"`
	Time         TimeInput   `json:"time"`
	Allegations  []string    `json:"allegations,omitempty" doc:"ids of the allegations about this event"`
	Observations []string    `json:"observations,omitempty" doc:"ids of the mission's observations of it"`
	Team         []string    `json:"team,omitempty" doc:"the monitoring and verification team: user ids or names"`
	// OpenedAt is when the incident was opened, if earlier than it is
	// recorded (see eventTime); used only to open one.
	OpenedAt string `json:"opened_at,omitempty" doc:"RFC 3339; when the incident was opened, if earlier than now; not in the future"`
	access.LabelInput
}

// PointRadius is where an incident took place: a point and how far around
// it, in metres.
type PointRadius struct {
	Point   geo.Point `json:"point"`
	RadiusM float64   `json:"radius_m"`
}

// Note is a step of an investigation: a task, a site visit, an interview
// or a note.
type Note struct {
	At   time.Time `json:"at"`
	Kind string    `json:"kind"`
	Text string    `json:"text"`
	By   string    `json:"by"`
	// ByName is the author's user name when the note was written, shown
	// where the id would mean nothing ("" in notes written before).
	ByName string `json:"by_name,omitempty"`
	// Classification says who reads the note: NoteStaff (also when
	// empty, as in notes written before notes were classified) or
	// NoteMission.
	Classification string `json:"classification,omitempty"`
}

// Who reads an investigation note. Notes name tasks, sites visited and
// people interviewed: by default only the centre's own staff read them,
// not the sides' liaisons, observers or administrators.
const (
	NoteStaff   = "staff"   // monitors, analysts and co-chairs
	NoteMission = "mission" // everyone who may read the incident
)

var noteClassifications = []string{NoteStaff, NoteMission}

// staffRoles are the centre's staff who work on investigations.
var staffRoles = []access.Role{access.Monitor, access.Analyst, access.CoChair}

// ReadableBy reports whether p may read the note.
func (n Note) ReadableBy(p access.Principal) bool {
	return n.Classification == NoteMission || p.Has(staffRoles...)
}

// forReader removes the notes p may not read. Every read of an incident
// passes through it, so a note's classification is decided here only.
func (b *IncidentBody) forReader(p access.Principal) {
	if len(b.Notes) == 0 {
		return
	}
	kept := make([]Note, 0, len(b.Notes))
	for _, n := range b.Notes {
		if n.ReadableBy(p) {
			kept = append(kept, n)
		}
	}
	if len(kept) == 0 {
		kept = nil
	}
	b.Notes = kept
}

// StatusChange is one step of the workflow.
type StatusChange struct {
	Status string    `json:"status"`
	At     time.Time `json:"at" doc:"when the step was taken (the decision's own time, which may be earlier than its change in the log)"`
	By     string    `json:"by"`
	ByName string    `json:"by_name,omitempty" doc:"the user name of who took the step"`
	Reason string    `json:"reason,omitempty"`
}

// Finding is the mission's conclusion about an incident.
type Finding struct {
	Outcome     string  `json:"outcome" doc:"substantiated, not_substantiated or inconclusive"`
	Attribution string  `json:"attribution" doc:"a side's organisation id, both or undetermined"`
	Grading     Grading `json:"grading"`
	Summary     string  `json:"summary"`
}

// FindingInput is a finding as a client sends it.
type FindingInput struct {
	Outcome     string `json:"outcome"`
	Attribution string `json:"attribution"`
	Reliability string `json:"reliability,omitempty" doc:"A to F; give both parts of the grading, or neither for not graded"`
	Credibility int    `json:"credibility,omitempty" doc:"1 to 6; give both parts of the grading, or neither for not graded"`
	Summary     string `json:"summary"`
}

// IncidentBody is an incident as the change log holds it.
type IncidentBody struct {
	Title         string         `json:"title"`
	Category      string         `json:"category"`
	Location      PointRadius    `json:"location"`
	Time          TimeSpan       `json:"time"`
	Allegations   []string       `json:"allegations"`
	Observations  []string       `json:"observations"`
	Team          []string       `json:"team,omitempty"`
	Status        string         `json:"status"`
	Finding       *Finding       `json:"finding,omitempty"`
	Notes         []Note         `json:"notes,omitempty"`
	StatusHistory []StatusChange `json:"status_history"`
	Geography     geo.Location   `json:"geography"`
	// Withdrawn is set when the review decision that opened the incident
	// (a new incident from a report, a split) was taken back and left it
	// with no report: the log keeps it, the lists and the map no longer
	// show it, and it takes no further change.
	Withdrawn *Undo `json:"withdrawn,omitempty" doc:"set when the decision that opened it was taken back and left it empty; it is no longer listed"`
	access.Label
}

// Incident is an incident with its id and version.
type Incident struct {
	ID      string `json:"id"`
	Version int64  `json:"version"`
	IncidentBody
}

// Resource is the policy's view of the incident.
func (b IncidentBody) Resource() access.Resource { return kindIncident.Of(b.Label) }

// Sealed reports whether the incident is closed: it may only be reopened.
func (b IncidentBody) Sealed() bool { return b.Status == Closed }

// resumeStatus is the status a suspended incident left.
func (b IncidentBody) resumeStatus() string {
	for i := len(b.StatusHistory) - 1; i >= 0; i-- {
		if s := b.StatusHistory[i].Status; s != Suspended {
			return s
		}
	}
	return Received
}

func (in IncidentInput) fields(now time.Time, b *IncidentBody) error {
	if err := text.CheckName("title", in.Title, 300); err != nil {
		return err
	}
	if err := oneOf("category", in.Category, categoryCodes()); err != nil {
		return err
	}
	if err := in.Location.Point.Validate(); err != nil {
		return errs.Prefix("location.point", err)
	}
	if !finite(in.Location.RadiusM) || in.Location.RadiusM < 0 || in.Location.RadiusM > 500_000 {
		return errs.Invalid("location.radius_m", "must be between 0 and 500000 metres")
	}
	t, err := in.Time.span("time", now)
	if err != nil {
		return err
	}
	if len(in.Allegations)+len(in.Observations) > MaxMembers {
		return errs.Invalid("allegations", "an incident groups at most %d reports", MaxMembers)
	}
	for _, list := range []struct {
		f   string
		ids []string
	}{{"allegations", in.Allegations}, {"observations", in.Observations}} {
		seen := map[string]bool{}
		for i, id := range list.ids {
			f := fmt.Sprintf("%s[%d]", list.f, i)
			if err := checkID(f, id); err != nil {
				return err
			}
			if seen[id] {
				return errs.Invalid(f, "%s is listed twice", id)
			}
			seen[id] = true
		}
	}
	if len(in.Team) > 50 {
		return errs.Invalid("team", "at most 50 members")
	}
	for i, m := range in.Team {
		if err := text.CheckName(fmt.Sprintf("team[%d]", i), m, 200); err != nil {
			return err
		}
	}
	b.Title, b.Category, b.Location, b.Time = in.Title, in.Category, in.Location, t
	b.Allegations = append([]string{}, in.Allegations...)
	b.Observations = append([]string{}, in.Observations...)
	b.Team = slices.Clone(in.Team)
	return nil
}

// checkMembers checks, inside the transaction, that each member exists, that
// p may read it and that no other incident holds it.
func (s *Service) checkMembers(tx *store.Tx, p access.Principal, id string, b *IncidentBody) error {
	for _, list := range []struct {
		f, entity string
		ids       []string
	}{{"allegations", EntityAllegation, b.Allegations}, {"observations", EntityObservation, b.Observations}} {
		for i, m := range list.ids {
			f := fmt.Sprintf("%s[%d]", list.f, i)
			var lb struct{ access.Label }
			if _, err := tx.Current(list.entity, m, &lb); err != nil {
				if errs.CodeOf(err) == errs.CodeNotFound {
					return errs.Invalid(f, "no %s %s", list.entity, m)
				}
				return err
			}
			if !access.CanRead(p, access.Kind{Entity: list.entity}.Of(lb.Label)) {
				return errs.Invalid(f, "no %s %s", list.entity, m)
			}
			var other string
			err := tx.QueryRow(`SELECT incident_id FROM incident_members WHERE member_id = ? AND incident_id <> ? LIMIT 1`, m, id).Scan(&other)
			if err == nil {
				return errs.Conflict(f, "%s %s belongs to incident %s", list.entity, m, other)
			}
			if !store.IsNoRows(err) {
				return err
			}
		}
	}
	return nil
}

// OpenIncident records a new incident, status received.
func (s *Service) OpenIncident(ctx context.Context, p access.Principal, in IncidentInput) (Incident, error) {
	var b IncidentBody
	if err := in.fields(s.now(), &b); err != nil {
		return Incident{}, wrap("open incident", err)
	}
	openedAt, err := eventTime("opened_at", in.OpenedAt, s.now())
	if err != nil {
		return Incident{}, wrap("open incident", err)
	}
	if b.Label, err = in.LabelInput.Label(access.Mission, p.Org); err != nil {
		return Incident{}, wrap("open incident", err)
	}
	if err := access.Decide(p, access.Create, b.Resource()); err != nil {
		return Incident{}, wrap("open incident", err)
	}
	if b.Geography, err = s.geo.LocateFor(ctx, locator, b.Location.Point, b.Time.Start); err != nil {
		return Incident{}, wrap("open incident", err)
	}
	id := s.db.NewID(incidentPrefix)
	var rec store.Recorded
	_, err = s.db.Write(ctx, func(tx *store.Tx) error {
		if err := checkReaders(tx, b.Label); err != nil {
			return err
		}
		if err := s.checkMembers(tx, p, id, &b); err != nil {
			return err
		}
		b.Status = Received
		b.StatusHistory = []StatusChange{{Status: Received, At: orNow(openedAt, tx), By: p.UserID, ByName: p.Username}}
		var err error
		rec, err = tx.Record(store.Change{Entity: EntityIncident, ID: id, Version: 1, Actor: p.Actor(), Body: b, Public: b.Resource().Classification == access.Public})
		return err
	})
	if err != nil {
		return Incident{}, wrap("open incident", err)
	}
	s.indexIncident(ctx, id, rec.Version, &b)
	b.forReader(p)
	return Incident{ID: id, Version: rec.Version, IncidentBody: b}, nil
}

// change applies edit to incident id at version as a new change by p, after
// the policy allows action and the incident is not sealed (unless the
// action is to reopen it).
func (s *Service) change(ctx context.Context, p access.Principal, op string, id string, version int64, action access.Action, edit func(tx *store.Tx, b *IncidentBody) error) (Incident, error) {
	var b IncidentBody
	var rec store.Recorded
	_, err := s.db.Write(ctx, func(tx *store.Tx) error {
		have, err := tx.Current(EntityIncident, id, &b)
		if err != nil {
			return err
		}
		if err := access.Decide(p, access.Read, b.Resource()); err != nil {
			return err
		}
		if err := access.Decide(p, action, b.Resource()); err != nil {
			return err
		}
		if err := store.CheckVersion(EntityIncident, id, version, have); err != nil {
			return err
		}
		if b.Sealed() && action != access.Reopen {
			return errs.Conflict("status", "incident %s is closed and sealed: a co-chair must reopen it first", id)
		}
		if b.Withdrawn != nil {
			return errs.Conflict("status", "incident %s was withdrawn: the decision that opened it was taken back", id)
		}
		if err := edit(tx, &b); err != nil {
			return err
		}
		rec, err = tx.Record(store.Change{Entity: EntityIncident, ID: id, Version: version + 1, Actor: p.Actor(), Body: b, Public: b.Resource().Classification == access.Public})
		return err
	})
	if err != nil {
		return Incident{}, wrap(op, err)
	}
	s.indexIncident(ctx, id, rec.Version, &b)
	b.forReader(p)
	return Incident{ID: id, Version: rec.Version, IncidentBody: b}, nil
}

// UpdateIncident replaces an incident's description and members. The
// workflow, notes and finding are kept; a sealed incident is refused.
func (s *Service) UpdateIncident(ctx context.Context, p access.Principal, id string, version int64, in IncidentInput) (Incident, error) {
	var nb IncidentBody
	if err := in.fields(s.now(), &nb); err != nil {
		return Incident{}, wrap("update incident", err)
	}
	geography, err := s.geo.LocateFor(ctx, locator, nb.Location.Point, nb.Time.Start)
	if err != nil {
		return Incident{}, wrap("update incident", err)
	}
	return s.change(ctx, p, "update incident", id, version, access.Update, func(tx *store.Tx, b *IncidentBody) error {
		label, err := in.LabelInput.Label(access.Mission, b.OwnerOrg)
		if err != nil {
			return err
		}
		if err := checkReaders(tx, label); err != nil {
			return err
		}
		nb.Label = label
		if err := s.checkMembers(tx, p, id, &nb); err != nil {
			return err
		}
		b.Title, b.Category, b.Location, b.Time = nb.Title, nb.Category, nb.Location, nb.Time
		b.Allegations, b.Observations, b.Team, b.Label, b.Geography = nb.Allegations, nb.Observations, nb.Team, nb.Label, geography
		return nil
	})
}

// TransitionInput moves an incident along its workflow.
type TransitionInput struct {
	To      string        `json:"to" doc:"preliminary_review, under_investigation, finding, closed or suspended; resume a suspended incident with the status it left"`
	Reason  string        `json:"reason,omitempty" doc:"required to suspend, to send a finding back and to reopen"`
	Team    []string      `json:"team,omitempty" doc:"under_investigation: the team assigned (replaces the current one when given)"`
	Finding *FindingInput `json:"finding,omitempty" doc:"required to move to finding"`
	At      string        `json:"at,omitempty" doc:"RFC 3339; when the step was decided, if earlier than now (a decision taken on paper); not in the future"`
}

// transitions lists the allowed steps: from → to.
var transitions = map[string][]string{
	Received:           {PreliminaryReview},
	PreliminaryReview:  {UnderInvestigation, Suspended},
	UnderInvestigation: {FindingMade, Suspended},
	FindingMade:        {Closed, UnderInvestigation},
	Closed:             {UnderInvestigation},
	Suspended:          {PreliminaryReview, UnderInvestigation},
}

// needsReason reports whether the step from → to must say why: suspending,
// reopening and sending a finding back.
func needsReason(from, to string) bool {
	return to == Suspended || from == Closed || (from == FindingMade && to == UnderInvestigation)
}

// Step is a workflow step a principal may take on an incident now.
type Step struct {
	To           string `json:"to"`
	NeedsReason  bool   `json:"needs_reason"`
	NeedsFinding bool   `json:"needs_finding"`
}

// NextSteps returns the steps p may take on inc from its status now: what
// Transition would accept from p, as forms offer it.
func NextSteps(p access.Principal, inc Incident) []Step {
	var out []Step
	for _, to := range transitions[inc.Status] {
		if inc.Status == Suspended && to != inc.resumeStatus() {
			continue
		}
		if access.Decide(p, actionOf(inc.Status, to), inc.Resource()) == nil {
			out = append(out, Step{To: to, NeedsReason: needsReason(inc.Status, to), NeedsFinding: to == FindingMade})
		}
	}
	return out
}

// MayEdit reports whether p may change inc now — add notes, attach files,
// split members: the policy allows it and the incident is not sealed.
func MayEdit(p access.Principal, inc Incident) bool {
	return !inc.Sealed() && access.Decide(p, access.Update, inc.Resource()) == nil
}

// actionOf is the policy action a step needs: sealing and reopening are the
// co-chairs'.
func actionOf(from, to string) access.Action {
	switch {
	case to == Closed:
		return access.Seal
	case from == Closed && to == UnderInvestigation:
		return access.Reopen
	}
	return access.Transition
}

// Transition moves incident id one step along the workflow. A step out of
// order is a conflict naming "status".
func (s *Service) Transition(ctx context.Context, p access.Principal, id string, version int64, in TransitionInput) (Incident, error) {
	if err := oneOf("to", in.To, Statuses); err != nil {
		return Incident{}, wrap("transition incident", err)
	}
	if in.To == Received {
		return Incident{}, wrap("transition incident", errs.Invalid("to", "no incident goes back to received"))
	}
	if in.Reason != "" {
		if err := text.CheckText("reason", in.Reason, 2000); err != nil {
			return Incident{}, wrap("transition incident", err)
		}
	}
	for i, m := range in.Team {
		if err := text.CheckName(fmt.Sprintf("team[%d]", i), m, 200); err != nil {
			return Incident{}, wrap("transition incident", err)
		}
	}
	at, err := eventTime("at", in.At, s.now())
	if err != nil {
		return Incident{}, wrap("transition incident", err)
	}
	var finding *Finding
	if in.Finding != nil {
		if in.To != FindingMade {
			return Incident{}, wrap("transition incident", errs.Invalid("finding", "a finding is given only when moving to finding"))
		}
		f, err := in.Finding.finding()
		if err != nil {
			return Incident{}, wrap("transition incident", errs.Prefix("finding", err))
		}
		finding = &f
	} else if in.To == FindingMade {
		return Incident{}, wrap("transition incident", errs.Invalid("finding", "is required to move to finding"))
	}
	// The action depends on the current status; read it first to ask the
	// policy the right question, and check again in the transaction.
	var cur IncidentBody
	if _, err := s.db.Current(ctx, EntityIncident, id, &cur); err != nil {
		return Incident{}, wrap("transition incident", err)
	}
	if err := access.Decide(p, access.Read, cur.Resource()); err != nil {
		return Incident{}, wrap("transition incident", err)
	}
	action := actionOf(cur.Status, in.To)
	return s.change(ctx, p, "transition incident", id, version, action, func(tx *store.Tx, b *IncidentBody) error {
		from := b.Status
		if actionOf(from, in.To) != action {
			return errs.Conflict("version", "incident %s changed meanwhile", id)
		}
		if !slices.Contains(transitions[from], in.To) {
			return errs.Conflict("status", "an incident at %s cannot move to %s", from, in.To)
		}
		if from == Suspended && in.To != b.resumeStatus() {
			return errs.Conflict("status", "a suspended incident resumes at %s, the status it left", b.resumeStatus())
		}
		if needsReason(from, in.To) && in.Reason == "" {
			return errs.Invalid("reason", "a reason is required to move from %s to %s", from, in.To)
		}
		if finding != nil {
			if finding.Attribution != AttributionBoth && finding.Attribution != AttributionUndetermined {
				if err := checkSide(tx, "finding.attribution", finding.Attribution); err != nil {
					return err
				}
			}
			b.Finding = finding
		}
		if in.To == UnderInvestigation && len(in.Team) > 0 {
			b.Team = slices.Clone(in.Team)
		}
		b.Status = in.To
		b.StatusHistory = append(b.StatusHistory, StatusChange{Status: in.To, At: orNow(at, tx), By: p.UserID, ByName: p.Username, Reason: in.Reason})
		return nil
	})
}

func (in FindingInput) finding() (Finding, error) {
	f := Finding{Outcome: in.Outcome, Attribution: in.Attribution, Summary: in.Summary}
	if err := oneOf("outcome", in.Outcome, outcomes); err != nil {
		return f, err
	}
	if in.Attribution == "" {
		return f, errs.Invalid("attribution", "is required: a side's organisation id, both or undetermined")
	}
	if in.Attribution != AttributionBoth && in.Attribution != AttributionUndetermined {
		if err := checkID("attribution", in.Attribution); err != nil {
			return f, err
		}
	}
	if in.Outcome != Substantiated && in.Attribution != AttributionUndetermined {
		return f, errs.Invalid("attribution", "only a substantiated violation is attributed; use undetermined")
	}
	var err error
	if f.Grading, err = grading("", in.Reliability, in.Credibility); err != nil {
		return f, err
	}
	if err := text.CheckText("summary", in.Summary, MaxNarrative); err != nil {
		return f, err
	}
	return f, nil
}

// NoteInput is a step of an investigation as a client sends it.
type NoteInput struct {
	Kind           string `json:"kind" doc:"task, site_visit, interview or note"`
	Text           string `json:"text"`
	Classification string `json:"classification,omitempty" doc:"staff (the default: monitors, analysts and co-chairs read it) or mission (everyone who may read the incident)"`
	At             string `json:"at,omitempty" doc:"RFC 3339; when the step was taken, if earlier than now; not in the future"`
}

// AddNote records a task, site visit, interview or note on an incident
// that is under review, under investigation or suspended.
func (s *Service) AddNote(ctx context.Context, p access.Principal, id string, version int64, in NoteInput) (Incident, error) {
	if err := oneOf("kind", in.Kind, noteKinds); err != nil {
		return Incident{}, wrap("add note", err)
	}
	if err := text.CheckText("text", in.Text, MaxNarrative); err != nil {
		return Incident{}, wrap("add note", err)
	}
	class := in.Classification
	if class == "" {
		class = NoteStaff
	}
	if err := oneOf("classification", class, noteClassifications); err != nil {
		return Incident{}, wrap("add note", err)
	}
	at, err := eventTime("at", in.At, s.now())
	if err != nil {
		return Incident{}, wrap("add note", err)
	}
	return s.change(ctx, p, "add note", id, version, access.Transition, func(tx *store.Tx, b *IncidentBody) error {
		switch b.Status {
		case PreliminaryReview, UnderInvestigation, Suspended:
		default:
			return errs.Conflict("status", "notes are added during review or investigation, not at %s", b.Status)
		}
		if len(b.Notes) >= 1000 {
			return errs.Invalid("notes", "an incident holds at most 1000 notes")
		}
		b.Notes = append(b.Notes, Note{At: orNow(at, tx), Kind: in.Kind, Text: in.Text, By: p.UserID, ByName: p.Username, Classification: class})
		return nil
	})
}

// GetIncident returns an incident p may read.
func (s *Service) GetIncident(ctx context.Context, p access.Principal, id string) (Incident, error) {
	inc := Incident{ID: id}
	v, err := s.db.Current(ctx, EntityIncident, id, &inc.IncidentBody)
	if err != nil {
		return Incident{}, wrap("get incident", err)
	}
	if err := access.Decide(p, access.Read, inc.Resource()); err != nil {
		return Incident{}, wrap("get incident", err)
	}
	inc.Version = v
	inc.forReader(p)
	return inc, nil
}

// IncidentFilter narrows ListIncidents; zero fields do not filter.
type IncidentFilter struct {
	Window
	BBox     *geo.BBox
	Status   string
	Category string
	Outcome  string
	Zone     string // the first zone the point lies in
	Near            // near a place
	Side     string // attributed by the finding: a side's id, both or undetermined
}

// ListIncidents returns a page of the incidents p may read, newest first.
func (s *Service) ListIncidents(ctx context.Context, p access.Principal, f IncidentFilter, page store.PageRequest) (store.Page[Incident], error) {
	keys, limit, err := page.Keys()
	if err != nil {
		return store.Page[Incident]{}, wrap("list incidents", err)
	}
	conds, args, err := f.conds(ctx, s, p)
	if err != nil {
		return store.Page[Incident]{}, wrap("list incidents", err)
	}
	if len(keys) == 2 {
		conds = append(conds, "(r.start_at, r.id) < (?, ?)")
		args = append(args, keys[0], keys[1])
	} else if len(keys) != 0 {
		return store.Page[Incident]{}, wrap("list incidents", errs.Invalid("cursor", "is not a cursor this server issued"))
	}
	q := pageSQL(s.db.Dialect(), "incidents", EntityIncident, "", conds)
	args = append(args, limit+1)
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return store.Page[Incident]{}, wrap("list incidents", err)
	}
	defer rows.Close()
	var items []Incident
	starts := map[string]string{}
	for rows.Next() {
		var inc Incident
		var body []byte
		var start string
		if err := rows.Scan(&inc.ID, &inc.Version, &body, &start); err != nil {
			return store.Page[Incident]{}, wrap("list incidents", err)
		}
		if err := store.DecodeBody(body, &inc.IncidentBody); err != nil {
			return store.Page[Incident]{}, wrap("list incidents", err)
		}
		inc.forReader(p)
		starts[inc.ID] = start
		items = append(items, inc)
	}
	if err := rows.Err(); err != nil {
		return store.Page[Incident]{}, wrap("list incidents", err)
	}
	return store.Paginate(items, limit, func(i Incident) []string { return []string{starts[i.ID], i.ID} }), nil
}

// SideBySide is an incident's reports kept apart: what each side alleges,
// what other sources say, what the mission observed, and the finding.
type SideBySide struct {
	Incident         Incident      `json:"incident"`
	SideA            string        `json:"side_a" doc:"organisation id of the first party involved (by id), '' when none"`
	SideB            string        `json:"side_b" doc:"the second party, '' when none"`
	SideAAllegations []Allegation  `json:"side_a_allegations"`
	SideBAllegations []Allegation  `json:"side_b_allegations"`
	OtherAllegations []Allegation  `json:"other_allegations" doc:"public, third-party, media and mission sources"`
	Observations     []Observation `json:"observations"`
	Finding          *Finding      `json:"finding,omitempty" doc:"the finding in force: at finding or closed"`
}

// Sides returns incident id with its members side by side. The sides are
// the incident's parties: the organisations of kind side that lodged, are
// accused in or are named by the finding, the first two in id order.
// Members p may not read are left out.
func (s *Service) Sides(ctx context.Context, p access.Principal, id string) (SideBySide, error) {
	inc, err := s.GetIncident(ctx, p, id)
	if err != nil {
		return SideBySide{}, wrap("sides", err)
	}
	out := SideBySide{Incident: inc, SideAAllegations: []Allegation{}, SideBAllegations: []Allegation{},
		OtherAllegations: []Allegation{}, Observations: []Observation{}}
	var all []Allegation
	parties := map[string]bool{}
	for _, m := range inc.Allegations {
		a, err := s.GetAllegation(ctx, p, m)
		if errs.CodeOf(err) == errs.CodeNotFound {
			continue
		}
		if err != nil {
			return SideBySide{}, wrap("sides", err)
		}
		all = append(all, a)
		if a.OnBehalfOf != "" {
			parties[a.OnBehalfOf] = true
		}
		if a.AllegedPerpetrator != Unknown {
			parties[a.AllegedPerpetrator] = true
		}
	}
	if (inc.Status == FindingMade || inc.Status == Closed) && inc.Finding != nil {
		out.Finding = inc.Finding
		if at := inc.Finding.Attribution; at != AttributionBoth && at != AttributionUndetermined {
			parties[at] = true
		}
	}
	ids := make([]string, 0, len(parties))
	for id := range parties {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	if len(ids) > 0 {
		out.SideA = ids[0]
	}
	if len(ids) > 1 {
		out.SideB = ids[1]
	}
	for _, a := range all {
		switch {
		case a.SourceKind == SourceSide && a.OnBehalfOf == out.SideA:
			out.SideAAllegations = append(out.SideAAllegations, a)
		case a.SourceKind == SourceSide && a.OnBehalfOf == out.SideB:
			out.SideBAllegations = append(out.SideBAllegations, a)
		default:
			out.OtherAllegations = append(out.OtherAllegations, a)
		}
	}
	for _, m := range inc.Observations {
		o, err := s.GetObservation(ctx, p, m)
		if errs.CodeOf(err) == errs.CodeNotFound {
			continue
		}
		if err != nil {
			return SideBySide{}, wrap("sides", err)
		}
		out.Observations = append(out.Observations, o)
	}
	return out, nil
}

func incidentRows(id string, b *IncidentBody) (map[string][][]any, error) {
	if b.Withdrawn != nil {
		return map[string][][]any{}, nil // no longer listed, counted or mapped
	}
	outcome, attribution := "", ""
	if b.Finding != nil && (b.Status == FindingMade || b.Status == Closed) {
		outcome, attribution = b.Finding.Outcome, b.Finding.Attribution
	}
	end := ""
	if b.Time.End != nil {
		end = b.Time.End.UTC().Format(timeText)
	}
	out := map[string][][]any{
		"incidents": {{id, b.Title, b.Category, b.Status, outcome, attribution, b.Location.Point.Lat, b.Location.Point.Lon,
			b.Location.RadiusM, b.Time.Start.UTC().Format(timeText), end, dayOf(b.Time.Start), weekOf(b.Time.Start),
			firstZone(b.Geography), string(b.Classification), b.OwnerOrg}},
		"incident_readers": b.ReaderRows(id),
	}
	for _, m := range b.Allegations {
		out["incident_members"] = append(out["incident_members"], []any{id, m, EntityAllegation})
	}
	for _, m := range b.Observations {
		out["incident_members"] = append(out["incident_members"], []any{id, m, EntityObservation})
	}
	return out, nil
}
