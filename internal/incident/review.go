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

// Review decisions.
const (
	DecisionAccept = "accept" // the report belongs to the incident: link it
	DecisionReject = "reject" // it does not: never propose it again for the report
	DecisionSplit  = "split"  // take the report out of the incident into an incident of its own
)

var decisions = []string{DecisionAccept, DecisionReject, DecisionSplit}

// ReviewInput is a reviewer's decision as a client sends it.
type ReviewInput struct {
	ReportKind string `json:"report_kind" doc:"allegation or observation"`
	ReportID   string `json:"report_id"`
	IncidentID string `json:"incident_id" doc:"accept and reject: the proposed incident; split: the incident that holds the report"`
	Decision   string `json:"decision" doc:"accept, reject or split"`
	Reason     string `json:"reason,omitempty"`
}

// ReviewBody is a decision as the change log holds it. A review is read
// by those who read its incident.
type ReviewBody struct {
	ReportKind    string    `json:"report_kind"`
	ReportID      string    `json:"report_id"`
	IncidentID    string    `json:"incident_id"`
	Decision      string    `json:"decision"`
	By            string    `json:"by"`
	At            time.Time `json:"at"`
	Reason        string    `json:"reason,omitempty"`
	NewIncidentID string    `json:"new_incident_id,omitempty" doc:"split: the incident opened for the report"`
	access.Label
}

// Review is a recorded decision with the incidents it changed.
type Review struct {
	ID string `json:"id"`
	ReviewBody
	Incident    *Incident `json:"incident,omitempty" doc:"accept and split: the incident after the decision"`
	NewIncident *Incident `json:"new_incident,omitempty" doc:"split: the incident opened for the report"`
}

func reviewRows(id string, b *ReviewBody) (map[string][][]any, error) {
	return map[string][][]any{"reviews": {{id, b.ReportKind, b.ReportID, b.IncidentID, b.Decision, b.By, b.At.UTC().Format(timeText)}}}, nil
}

func reviewProjection() store.Projection {
	return store.Typed(EntityReview, []store.Table{
		{Name: "reviews", Columns: []string{"id", "report_kind", "report_id", "incident_id", "decision", "by_user", "at"}},
	}, reviewRows)
}

// RecordReview records a reviewer's decision on a proposal. Monitors, analysts
// and co-chairs review. Accept links the report to the incident and split
// takes it out into a new incident; both change the incident in the same
// transaction as the review, so that the log never holds a decision
// without its effect, and both are refused (conflict) on a sealed
// incident. Reject records only the decision.
func (s *Service) RecordReview(ctx context.Context, p access.Principal, in ReviewInput) (Review, error) {
	if err := access.Decide(p, access.Create, kindReview.Of(access.Label{Classification: access.Mission, OwnerOrg: p.Org})); err != nil {
		return Review{}, wrap("review", err)
	}
	if err := oneOf("decision", in.Decision, decisions); err != nil {
		return Review{}, wrap("review", err)
	}
	if err := oneOf("report_kind", in.ReportKind, []string{EntityAllegation, EntityObservation}); err != nil {
		return Review{}, wrap("review", err)
	}
	for _, f := range [][2]string{{"report_id", in.ReportID}, {"incident_id", in.IncidentID}} {
		if err := checkID(f[0], f[1]); err != nil {
			return Review{}, wrap("review", err)
		}
	}
	if in.Reason != "" {
		if err := text.CheckText("reason", in.Reason, 2000); err != nil {
			return Review{}, wrap("review", err)
		}
	}
	_, info, err := s.readReport(ctx, p, in.ReportKind, in.ReportID)
	if errs.CodeOf(err) == errs.CodeNotFound {
		return Review{}, wrap("review", errs.Invalid("report_id", "no %s %s", in.ReportKind, in.ReportID))
	}
	if err != nil {
		return Review{}, wrap("review", err)
	}
	inc, err := s.GetIncident(ctx, p, in.IncidentID)
	if errs.CodeOf(err) == errs.CodeNotFound {
		return Review{}, wrap("review", errs.Invalid("incident_id", "no incident %s", in.IncidentID))
	}
	if err != nil {
		return Review{}, wrap("review", err)
	}
	rev := Review{ID: s.db.NewID(reviewPrefix), ReviewBody: ReviewBody{ReportKind: in.ReportKind, ReportID: in.ReportID,
		IncidentID: in.IncidentID, Decision: in.Decision, By: p.UserID, Reason: in.Reason, Label: inc.Label}}
	record := func(tx *store.Tx) error {
		rev.At = tx.Now()
		_, err := tx.Record(store.Change{Entity: EntityReview, ID: rev.ID, Version: 1, Actor: p.Actor(), Body: rev.ReviewBody})
		return err
	}
	switch in.Decision {
	case DecisionReject:
		if info.incident == in.IncidentID {
			return Review{}, wrap("review", errs.Conflict("incident_id", "%s %s is in incident %s: split it out instead", in.ReportKind, in.ReportID, in.IncidentID))
		}
		if _, err := s.db.Write(ctx, record); err != nil {
			return Review{}, wrap("review", err)
		}
		return rev, nil
	case DecisionAccept:
		if info.incident != "" {
			return Review{}, wrap("review", errs.Conflict("report_id", "%s %s is already in incident %s", in.ReportKind, in.ReportID, info.incident))
		}
		if info.status == StatusWithdrawn {
			return Review{}, wrap("review", errs.Conflict("report_id", "allegation %s is withdrawn", in.ReportID))
		}
		after, err := s.change(ctx, p, "review", in.IncidentID, inc.Version, access.Update, func(tx *store.Tx, b *IncidentBody) error {
			if len(b.Allegations)+len(b.Observations) >= MaxMembers {
				return errs.Invalid("incident_id", "an incident groups at most %d reports", MaxMembers)
			}
			if in.ReportKind == EntityAllegation {
				b.Allegations = append(b.Allegations, in.ReportID)
			} else {
				b.Observations = append(b.Observations, in.ReportID)
			}
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
		return Review{}, wrap("review", errs.Conflict("incident_id", "%s %s is not in incident %s", in.ReportKind, in.ReportID, in.IncidentID))
	}
	nb := IncidentBody{Title: splitTitle(in.IncidentID, info.category, info.time.Start), Category: info.category,
		Location: PointRadius{RadiusM: info.radiusM}, Time: info.time, Label: inc.Label}
	nb.Location.Point.Lat, nb.Location.Point.Lon = info.lat, info.lon
	if in.ReportKind == EntityAllegation {
		nb.Allegations, nb.Observations = []string{in.ReportID}, []string{}
	} else {
		nb.Allegations, nb.Observations = []string{}, []string{in.ReportID}
	}
	if nb.Geography, err = s.geo.LocateFor(ctx, locator, nb.Location.Point, nb.Time.Start); err != nil {
		return Review{}, wrap("review", err)
	}
	if err := access.Decide(p, access.Create, nb.Resource()); err != nil {
		return Review{}, wrap("review", err)
	}
	newID := s.db.NewID(incidentPrefix)
	rev.NewIncidentID = newID
	after, err := s.change(ctx, p, "review", in.IncidentID, inc.Version, access.Update, func(tx *store.Tx, b *IncidentBody) error {
		list := &b.Allegations
		if in.ReportKind == EntityObservation {
			list = &b.Observations
		}
		i := slices.Index(*list, in.ReportID)
		if i < 0 {
			return errs.Conflict("incident_id", "%s %s is no longer in incident %s", in.ReportKind, in.ReportID, in.IncidentID)
		}
		*list = slices.Delete(slices.Clone(*list), i, i+1)
		nb.Status = Received
		nb.StatusHistory = []StatusChange{{Status: Received, At: tx.Now(), By: p.UserID, Reason: "split from " + in.IncidentID}}
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
