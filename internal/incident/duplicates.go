package incident

import (
	"context"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/store"
)

// Duplicates (issue 16): a reviewer marks reports in the queue as
// repeating another report — a side lodging the same complaint twice, two
// copies of one article. A duplicate leaves the queue and joins no
// incident; undo puts it back. The decision is a review like the others,
// on the original's incident (its timeline shows it) when the original
// is in one.

// notDuplicate keeps a report r marked a duplicate out of the queue.
const notDuplicate = "NOT EXISTS (SELECT 1 FROM reviews rv WHERE rv.report_id = r.id AND rv.decision = '" + DecisionDuplicate + "')"

// duplicateInForce selects a report's duplicate decision in force.
const duplicateInForce = `SELECT id FROM reviews WHERE report_id = ? AND decision = ? LIMIT 1`

// markDuplicate records rev (which record writes) as a duplicate decision.
func (s *Service) markDuplicate(ctx context.Context, p access.Principal, in ReviewInput, info reportInfo, rev *Review, record func(*store.Tx) error) (Review, error) {
	if err := checkID("duplicate_of", in.DuplicateOf); err != nil {
		return Review{}, err
	}
	if in.DuplicateOf == in.ReportID {
		return Review{}, errs.Invalid("duplicate_of", "names the report itself")
	}
	if info.incident != "" {
		return Review{}, errs.Conflict("report_id", "%s %s is in incident %s: split it out first", in.ReportKind, in.ReportID, info.incident)
	}
	_, orig, err := s.readReport(ctx, p, in.ReportKind, in.DuplicateOf)
	if errs.CodeOf(err) == errs.CodeNotFound {
		return Review{}, errs.Because(errs.Invalid("duplicate_of", "no %s %s", in.ReportKind, in.DuplicateOf), errs.ReasonUnknownRef)
	}
	if err != nil {
		return Review{}, err
	}
	rev.DuplicateOf, rev.IncidentID, rev.Label = in.DuplicateOf, orig.incident, info.label
	if orig.incident != "" {
		inc, err := s.GetIncident(ctx, p, orig.incident)
		if err != nil {
			return Review{}, err
		}
		rev.Label = inc.Label
		rev.Incident = &inc
	}
	if _, err := s.db.Write(ctx, func(tx *store.Tx) error {
		for _, c := range []struct{ id, field, msg string }{
			{in.ReportID, "report_id", "is already marked a duplicate"},
			{in.DuplicateOf, "duplicate_of", "is itself marked a duplicate: name the report it repeats"},
		} {
			var id string
			err := tx.QueryRow(duplicateInForce, c.id, DecisionDuplicate).Scan(&id)
			if err == nil {
				return errs.Conflict(c.field, "%s", c.msg)
			}
			if !store.IsNoRows(err) {
				return err
			}
		}
		return record(tx)
	}); err != nil {
		return Review{}, err
	}
	return *rev, nil
}

// DuplicatesInput marks several reports of one kind as repeating one.
type DuplicatesInput struct {
	ReportKind  string   `json:"report_kind" doc:"allegation or observation"`
	ReportIDs   []string `json:"report_ids" doc:"the reports that repeat the original, each in no incident"`
	DuplicateOf string   `json:"duplicate_of" doc:"the original report, of the same kind"`
	Reason      string   `json:"reason,omitempty"`
}

// DuplicateOutcome is what marking one report did: Error is empty when it
// was marked (ReviewID names the decision, which undo takes back).
type DuplicateOutcome struct {
	ReportID string `json:"report_id"`
	ReviewID string `json:"review_id,omitempty"`
	Error    string `json:"error,omitempty" doc:"why this report was not marked"`
	Err      error  `json:"-"`
}

// MarkDuplicates records a duplicate decision for each report of in, each
// on its own: one refused (in an incident, already marked, not readable)
// leaves the others marked. The original named among the reports is
// refused for itself alone.
func (s *Service) MarkDuplicates(ctx context.Context, p access.Principal, in DuplicatesInput) ([]DuplicateOutcome, error) {
	const op = "mark duplicates"
	if err := s.MayReview(p); err != nil {
		return nil, wrap(op, err)
	}
	switch {
	case len(in.ReportIDs) == 0:
		return nil, wrap(op, errs.Because(errs.Invalid("report_ids", "select at least one report"), errs.ReasonRequired))
	case len(in.ReportIDs) > MaxBulk:
		return nil, wrap(op, errs.Because(errs.Invalid("report_ids", "at most %d reports at a time", MaxBulk), errs.ReasonTooMany, "max", MaxBulk))
	}
	for _, id := range in.ReportIDs {
		if err := checkID("report_ids", id); err != nil {
			return nil, wrap(op, err)
		}
	}
	if err := oneOf("report_kind", in.ReportKind, []string{EntityAllegation, EntityObservation}); err != nil {
		return nil, wrap(op, err)
	}
	if err := checkID("duplicate_of", in.DuplicateOf); err != nil {
		return nil, wrap(op, err)
	}
	out := make([]DuplicateOutcome, 0, len(in.ReportIDs))
	for _, id := range in.ReportIDs {
		rev, err := s.RecordReview(ctx, p, ReviewInput{ReportKind: in.ReportKind, ReportID: id, DuplicateOf: in.DuplicateOf,
			Decision: DecisionDuplicate, Reason: in.Reason})
		o := DuplicateOutcome{ReportID: id, Err: err}
		if err != nil {
			o.Error = errs.MessageOf(err)
		} else {
			o.ReviewID = rev.ID
		}
		out = append(out, o)
	}
	return out, nil
}
