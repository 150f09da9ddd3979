package incident

import (
	"context"
	"slices"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/store"
	"github.com/truce-monitoring/truce/internal/text"
)

// EntityReview is a reviewer's decision on one of fusion's proposals.
const (
	EntityReview = "review"
	reviewPrefix = "rev"
)

// Review decisions. Accept needs no proposal: a reviewer may link a report
// to any incident it may read.
const (
	DecisionAccept = "accept"       // the report belongs to the incident: link it
	DecisionReject = "reject"       // it does not: never propose it again for the report
	DecisionSplit  = "split"        // take the report out of the incident into an incident of its own
	DecisionNew    = "new_incident" // a report in no incident starts an incident of its own
	DecisionUndo   = "undo"         // take back an earlier decision (review_id)
	// DecisionDuplicate: a report in no incident repeats another report
	// (duplicate_of): it leaves the queue, and stays out of the incidents.
	DecisionDuplicate = "duplicate"
)

// decisionUndone is the decision column of a decision taken back.
const decisionUndone = "undone"

var decisions = []string{DecisionAccept, DecisionReject, DecisionSplit, DecisionNew, DecisionUndo, DecisionDuplicate}

// ReviewInput is a reviewer's decision as a client sends it.
type ReviewInput struct {
	ReportKind  string `json:"report_kind,omitempty" doc:"allegation or observation; not for undo"`
	ReportID    string `json:"report_id,omitempty" doc:"not for undo"`
	IncidentID  string `json:"incident_id,omitempty" doc:"accept: any incident you may read; reject: the proposed incident; split: the incident that holds the report; not for new_incident, duplicate and undo"`
	Decision    string `json:"decision" doc:"accept, reject, split, new_incident, duplicate or undo"`
	DuplicateOf string `json:"duplicate_of,omitempty" doc:"duplicate: the report of the same kind that this one repeats"`
	Reason      string `json:"reason,omitempty"`
	Title       string `json:"title,omitempty" doc:"new_incident and split: the new incident's title (a default names the category and the day)"`
	ReviewID    string `json:"review_id,omitempty" doc:"undo: the decision to take back, the latest in force on its report"`
	At          string `json:"at,omitempty" doc:"RFC 3339; when the decision was taken, if earlier than now; not in the future"`
}

// ReviewBody is a decision as the change log holds it. A review is read
// by those who read its incident.
type ReviewBody struct {
	ReportKind    string    `json:"report_kind"`
	ReportID      string    `json:"report_id"`
	IncidentID    string    `json:"incident_id"`
	Decision      string    `json:"decision"`
	By            string    `json:"by"`
	ByName        string    `json:"by_name,omitempty" doc:"the reviewer's user name"`
	At            time.Time `json:"at" doc:"when the decision was taken"`
	Reason        string    `json:"reason,omitempty"`
	NewIncidentID string    `json:"new_incident_id,omitempty" doc:"split and new_incident: the incident opened for the report"`
	DuplicateOf   string    `json:"duplicate_of,omitempty" doc:"duplicate: the report this one repeats (incident_id is that report's incident, if any)"`
	Undone        *Undo     `json:"undone,omitempty" doc:"set when the decision was taken back"`
	access.Label
}

// Undo records who took a decision back, when and why.
type Undo struct {
	By     string    `json:"by"`
	ByName string    `json:"by_name,omitempty"`
	At     time.Time `json:"at"`
	Reason string    `json:"reason,omitempty"`
}

// Review is a recorded decision with the incidents it changed.
type Review struct {
	ID string `json:"id"`
	ReviewBody
	Incident    *Incident `json:"incident,omitempty" doc:"accept and split: the incident after the decision"`
	NewIncident *Incident `json:"new_incident,omitempty" doc:"split: the incident opened for the report"`
}

// reviewRows is a decision's row: the decision in force ("undone" once it
// was taken back, so that an undone rejection no longer hides a proposal).
func reviewRows(id string, b *ReviewBody) (map[string][][]any, error) {
	decision := b.Decision
	if b.Undone != nil {
		decision = decisionUndone
	}
	return map[string][][]any{"reviews": {{id, b.ReportKind, b.ReportID, b.IncidentID, decision, b.By, b.At.UTC().Format(timeText), b.NewIncidentID}}}, nil
}

func reviewProjection() store.Projection {
	return store.Typed(EntityReview, []store.Table{
		{Name: "reviews", Columns: []string{"id", "report_kind", "report_id", "incident_id", "decision", "by_user", "at", "new_incident_id"}},
	}, reviewRows)
}

// RecordReview records a reviewer's decision on a report. Monitors,
// analysts and co-chairs review. Accept links the report to any incident
// the reviewer may read (a proposal or not); new_incident opens an incident
// of its own for a report in none; split takes a report out of its
// incident into a new one; undo takes back the latest decision in force on
// a report. Each changes the incidents in the same transaction as the
// review, so that the log never holds a decision without its effect, and
// each is refused (conflict) when it would change a sealed incident.
// Reject records only the decision.
func (s *Service) RecordReview(ctx context.Context, p access.Principal, in ReviewInput) (Review, error) {
	rev, err := s.recordReview(ctx, p, in)
	return rev, wrap("review", err)
}

func (s *Service) recordReview(ctx context.Context, p access.Principal, in ReviewInput) (Review, error) {
	if err := s.MayReview(p); err != nil {
		return Review{}, err
	}
	if err := oneOf("decision", in.Decision, decisions); err != nil {
		return Review{}, err
	}
	if in.Reason != "" {
		if err := text.CheckText("reason", in.Reason, 2000); err != nil {
			return Review{}, err
		}
	}
	at, err := eventTime("at", in.At, s.now())
	if err != nil {
		return Review{}, err
	}
	if in.Decision == DecisionUndo {
		for f, v := range map[string]string{"report_kind": in.ReportKind, "report_id": in.ReportID, "incident_id": in.IncidentID, "title": in.Title} {
			if v != "" {
				return Review{}, errs.Invalid(f, "is not given to undo: review_id names the decision")
			}
		}
		if err := checkID("review_id", in.ReviewID); err != nil {
			return Review{}, err
		}
		return s.undoReview(ctx, p, in.ReviewID, in.Reason, at)
	}
	if in.ReviewID != "" {
		return Review{}, errs.Invalid("review_id", "is given only to undo")
	}
	if in.DuplicateOf != "" && in.Decision != DecisionDuplicate {
		return Review{}, errs.Invalid("duplicate_of", "is given only for a duplicate")
	}
	if err := oneOf("report_kind", in.ReportKind, []string{EntityAllegation, EntityObservation}); err != nil {
		return Review{}, err
	}
	if err := checkID("report_id", in.ReportID); err != nil {
		return Review{}, err
	}
	if in.Decision == DecisionNew || in.Decision == DecisionDuplicate {
		if in.IncidentID != "" {
			return Review{}, errs.Invalid("incident_id", "is not given for a new incident or a duplicate")
		}
	} else if err := checkID("incident_id", in.IncidentID); err != nil {
		return Review{}, err
	}
	if in.Title != "" {
		if in.Decision != DecisionNew && in.Decision != DecisionSplit {
			return Review{}, errs.Invalid("title", "is given only for a new incident or a split")
		}
		if err := text.CheckName("title", in.Title, 300); err != nil {
			return Review{}, err
		}
	}
	_, info, err := s.readReport(ctx, p, in.ReportKind, in.ReportID)
	if errs.CodeOf(err) == errs.CodeNotFound {
		return Review{}, errs.Invalid("report_id", "no %s %s", in.ReportKind, in.ReportID)
	}
	if err != nil {
		return Review{}, err
	}
	rev := Review{ID: s.db.NewID(reviewPrefix), ReviewBody: ReviewBody{ReportKind: in.ReportKind, ReportID: in.ReportID,
		IncidentID: in.IncidentID, Decision: in.Decision, By: p.UserID, ByName: p.Username, Reason: in.Reason}}
	record := func(tx *store.Tx) error {
		rev.At = orNow(at, tx)
		_, err := tx.Record(store.Change{Entity: EntityReview, ID: rev.ID, Version: 1, Actor: p.Actor(), Body: rev.ReviewBody})
		return err
	}
	if in.Decision == DecisionDuplicate {
		return s.markDuplicate(ctx, p, in, info, &rev, record)
	}
	if in.Decision == DecisionNew {
		if info.incident != "" {
			return Review{}, errs.Conflict("report_id", "%s %s is already in an incident", in.ReportKind, in.ReportID)
		}
		if info.status == StatusWithdrawn {
			return Review{}, errs.Conflict("report_id", "allegation %s is withdrawn", in.ReportID)
		}
		nb, err := s.incidentFor(ctx, p, in, info)
		if err != nil {
			return Review{}, err
		}
		newID := s.db.NewID(incidentPrefix)
		rev.IncidentID, rev.NewIncidentID, rev.Label = newID, newID, nb.Label
		_, err = s.db.Write(ctx, func(tx *store.Tx) error {
			if err := checkReaders(tx, nb.Label); err != nil {
				return err
			}
			if err := s.checkMembers(tx, p, newID, &nb); err != nil {
				return err
			}
			nb.StatusHistory = []StatusChange{{Status: Received, At: orNow(at, tx), By: p.UserID, ByName: p.Username, Reason: in.Reason}}
			if _, err := tx.Record(store.Change{Entity: EntityIncident, ID: newID, Version: 1, Actor: p.Actor(), Body: nb, Public: nb.Resource().Classification == access.Public}); err != nil {
				return err
			}
			return record(tx)
		})
		if err != nil {
			return Review{}, err
		}
		s.indexIncident(ctx, newID, 1, &nb)
		nb.forReader(p)
		opened := Incident{ID: newID, Version: 1, IncidentBody: nb}
		rev.Incident, rev.NewIncident = &opened, &opened
		return rev, nil
	}
	inc, err := s.GetIncident(ctx, p, in.IncidentID)
	if errs.CodeOf(err) == errs.CodeNotFound {
		return Review{}, errs.Invalid("incident_id", "no incident %s", in.IncidentID)
	}
	if err != nil {
		return Review{}, err
	}
	rev.Label = inc.Label
	switch in.Decision {
	case DecisionReject:
		if info.incident == in.IncidentID {
			return Review{}, errs.Conflict("incident_id", "%s %s is in incident %s: split it out instead", in.ReportKind, in.ReportID, in.IncidentID)
		}
		if _, err := s.db.Write(ctx, record); err != nil {
			return Review{}, err
		}
		return rev, nil
	case DecisionAccept:
		if info.incident != "" {
			return Review{}, errs.Conflict("report_id", "%s %s is already in incident %s", in.ReportKind, in.ReportID, info.incident)
		}
		if info.status == StatusWithdrawn {
			return Review{}, errs.Conflict("report_id", "allegation %s is withdrawn", in.ReportID)
		}
		after, err := s.change(ctx, p, "review", in.IncidentID, inc.Version, access.Update, func(tx *store.Tx, b *IncidentBody) error {
			if len(b.Allegations)+len(b.Observations) >= MaxMembers {
				return errs.Invalid("incident_id", "an incident groups at most %d reports", MaxMembers)
			}
			b.addMember(in.ReportKind, in.ReportID)
			if err := s.checkMembers(tx, p, in.IncidentID, b); err != nil {
				return err
			}
			return record(tx)
		})
		if err != nil {
			return Review{}, err
		}
		rev.Incident = &after
		return rev, nil
	}
	// Split.
	if info.incident != in.IncidentID {
		return Review{}, errs.Conflict("incident_id", "%s %s is not in incident %s", in.ReportKind, in.ReportID, in.IncidentID)
	}
	nb, err := s.incidentFor(ctx, p, in, info)
	if err != nil {
		return Review{}, err
	}
	nb.Label = inc.Label
	if err := access.Decide(p, access.Create, nb.Resource()); err != nil {
		return Review{}, err
	}
	newID := s.db.NewID(incidentPrefix)
	rev.NewIncidentID = newID
	after, err := s.change(ctx, p, "review", in.IncidentID, inc.Version, access.Update, func(tx *store.Tx, b *IncidentBody) error {
		if !b.removeMember(in.ReportKind, in.ReportID) {
			return errs.Conflict("incident_id", "%s %s is no longer in incident %s", in.ReportKind, in.ReportID, in.IncidentID)
		}
		nb.StatusHistory = []StatusChange{{Status: Received, At: orNow(at, tx), By: p.UserID, ByName: p.Username, Reason: in.Reason}}
		if _, err := tx.Record(store.Change{Entity: EntityIncident, ID: newID, Version: 1, Actor: p.Actor(), Body: nb, Public: nb.Resource().Classification == access.Public}); err != nil {
			return err
		}
		return record(tx)
	})
	if err != nil {
		return Review{}, err
	}
	s.indexIncident(ctx, newID, 1, &nb)
	opened := Incident{ID: newID, Version: 1, IncidentBody: nb}
	rev.Incident, rev.NewIncident = &after, &opened
	return rev, nil
}

// incidentFor is the incident a report starts alone (new_incident, split):
// the report's region, category and time, titled by in.Title or by the
// category and day. It is labelled for the mission, owned by the reviewer's
// organisation, unless the report is restricted: then it is restricted to
// the report's readers.
func (s *Service) incidentFor(ctx context.Context, p access.Principal, in ReviewInput, info reportInfo) (IncidentBody, error) {
	title := in.Title
	if title == "" {
		title = newTitle(info.category, info.time.Start)
	}
	nb := IncidentBody{Title: title, Category: info.category, Location: PointRadius{RadiusM: info.radiusM}, Time: info.time,
		Status: Received, Label: access.Label{Classification: access.Mission, OwnerOrg: p.Org}}
	if info.label.Classification == access.Restricted {
		nb.Label = access.Label{Classification: access.Restricted, OwnerOrg: p.Org, RestrictedTo: slices.Clone(info.label.RestrictedTo)}
		if o := info.label.OwnerOrg; o != "" && o != p.Org && !slices.Contains(nb.Label.RestrictedTo, o) {
			nb.Label.RestrictedTo = append(nb.Label.RestrictedTo, o)
		}
	}
	nb.Location.Point.Lat, nb.Location.Point.Lon = info.lat, info.lon
	if in.ReportKind == EntityAllegation {
		nb.Allegations, nb.Observations = []string{in.ReportID}, []string{}
	} else {
		nb.Allegations, nb.Observations = []string{}, []string{in.ReportID}
	}
	var err error
	if nb.Geography, err = s.geo.LocateFor(ctx, locator, nb.Location.Point, nb.Time.Start); err != nil {
		return IncidentBody{}, err
	}
	if err := access.Decide(p, access.Create, nb.Resource()); err != nil {
		return IncidentBody{}, err
	}
	return nb, nil
}

func (b *IncidentBody) addMember(kind, id string) {
	if kind == EntityAllegation {
		b.Allegations = append(b.Allegations, id)
	} else {
		b.Observations = append(b.Observations, id)
	}
}

// removeMember takes a report out of the incident and reports whether it
// was there.
func (b *IncidentBody) removeMember(kind, id string) bool {
	list := &b.Allegations
	if kind == EntityObservation {
		list = &b.Observations
	}
	i := slices.Index(*list, id)
	if i < 0 {
		return false
	}
	*list = slices.Delete(slices.Clone(*list), i, i+1)
	return true
}

// GetReview returns a decision p may read: one on an incident p reads.
func (s *Service) GetReview(ctx context.Context, p access.Principal, id string) (Review, error) {
	rev := Review{ID: id}
	if _, err := s.db.Current(ctx, EntityReview, id, &rev.ReviewBody); err != nil {
		return Review{}, wrap("get review", err)
	}
	if err := access.Decide(p, access.Read, kindReview.Of(rev.Label)); err != nil {
		return Review{}, wrap("get review", err)
	}
	return rev, nil
}

// latestDecisionSQL selects the latest decision in force on a report, in
// the order decisions were recorded (a decision's own time may be given
// earlier than an earlier-recorded one's).
const latestDecisionSQL = `SELECT r.id FROM reviews r JOIN changes c ON c.entity = 'review' AND c.id = r.id AND c.version = 1
	WHERE r.report_id = ? AND r.decision <> ? ORDER BY c.seq DESC LIMIT 1`

// latestDecision is the id of the latest decision in force on a report
// ("" when none).
func (s *Service) latestDecision(tx *store.Tx, reportID string) (string, error) {
	var id string
	err := tx.QueryRow(latestDecisionSQL, reportID, decisionUndone).Scan(&id)
	if store.IsNoRows(err) {
		return "", nil
	}
	return id, err
}

// undoReview takes back decision id: the latest in force on its report.
// An accepted report leaves its incident (back to the queue); a rejection
// is lifted (the incident may be proposed again); a report split out goes
// back into the incident it left; a report that started an incident leaves
// it, and the incident, left with no report, is withdrawn (kept in the log,
// no longer listed); so is the incident a split opened when undoing the
// split empties it. Refused when an incident it would change is sealed.
func (s *Service) undoReview(ctx context.Context, p access.Principal, id, reason string, at time.Time) (Review, error) {
	rev, err := s.GetReview(ctx, p, id)
	if errs.CodeOf(err) == errs.CodeNotFound {
		return Review{}, errs.Invalid("review_id", "no decision %s", id)
	}
	if err != nil {
		return Review{}, err
	}
	if rev.Undone != nil {
		return Review{}, errs.Conflict("review_id", "the decision was already taken back")
	}
	var version int64
	var changed []string
	_, err = s.db.Write(ctx, func(tx *store.Tx) error {
		var cur ReviewBody
		v, err := tx.Current(EntityReview, id, &cur)
		if err != nil {
			return err
		}
		if cur.Undone != nil {
			return errs.Conflict("review_id", "the decision was already taken back")
		}
		latest, err := s.latestDecision(tx, cur.ReportID)
		if err != nil {
			return err
		}
		if latest != id {
			return errs.Conflict("review_id", "a later decision on the report is in force: take that back first")
		}
		// move takes the report out of from and, when to is not "", into to.
		move := func(from, to string) error {
			for _, incID := range []string{from, to} {
				if incID == "" {
					continue
				}
				var b IncidentBody
				have, err := tx.Current(EntityIncident, incID, &b)
				if err != nil {
					return err
				}
				if err := access.Decide(p, access.Read, b.Resource()); err != nil {
					return err
				}
				if err := access.Decide(p, access.Update, b.Resource()); err != nil {
					return err
				}
				if b.Sealed() {
					return errs.Conflict("status", "incident %s is closed and sealed: a co-chair must reopen it first", incID)
				}
				if b.Withdrawn != nil {
					return errs.Conflict("status", "incident %s was withdrawn", incID)
				}
				if incID == from {
					if !b.removeMember(cur.ReportKind, cur.ReportID) {
						return errs.Conflict("review_id", "the report is no longer in the incident the decision put it in")
					}
					if incID == cur.NewIncidentID && len(b.Allegations)+len(b.Observations) == 0 {
						// The incident the decision opened is left empty:
						// withdrawn with the decision, kept in the log.
						b.Withdrawn = &Undo{By: p.UserID, ByName: p.Username, At: orNow(at, tx), Reason: reason}
					}
				} else {
					b.addMember(cur.ReportKind, cur.ReportID)
					if err := s.checkMembers(tx, p, incID, &b); err != nil {
						return err
					}
				}
				if _, err := tx.Record(store.Change{Entity: EntityIncident, ID: incID, Version: have + 1, Actor: p.Actor(), Body: b, Public: b.Resource().Classification == access.Public}); err != nil {
					return err
				}
				changed = append(changed, incID)
			}
			return nil
		}
		switch cur.Decision {
		case DecisionAccept:
			err = move(cur.IncidentID, "")
		case DecisionNew:
			err = move(cur.NewIncidentID, "")
		case DecisionSplit:
			err = move(cur.NewIncidentID, cur.IncidentID)
		}
		if err != nil {
			return err
		}
		cur.Undone = &Undo{By: p.UserID, ByName: p.Username, At: orNow(at, tx), Reason: reason}
		version = v + 1
		if _, err := tx.Record(store.Change{Entity: EntityReview, ID: id, Version: version, Actor: p.Actor(), Body: cur}); err != nil {
			return err
		}
		rev.ReviewBody = cur
		return nil
	})
	if err != nil {
		return Review{}, err
	}
	for _, incID := range changed {
		var b IncidentBody
		if v, err := s.db.Current(ctx, EntityIncident, incID, &b); err == nil {
			s.indexIncident(ctx, incID, v, &b)
		}
	}
	if inc, err := s.GetIncident(ctx, p, rev.IncidentID); err == nil {
		rev.Incident = &inc
	}
	return rev, nil
}
