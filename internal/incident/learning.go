package incident

import (
	"context"
	"sort"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/fusion"
)

// What fusion learns a mission's noise from (issue 18): the reports, and
// the reviewers' decisions as labelled pairs of reports.

// MayLearn answers whether p may read what the fusion model is fitted on
// (every report it may read, and the reviewers' decisions as pairs):
// analysts and co-chairs.
func (s *Service) MayLearn(p access.Principal) error {
	if !p.Authenticated() {
		return errs.Unauthenticated("sign in or send a bearer token")
	}
	if !p.Has(access.Analyst, access.CoChair) {
		return errs.Forbidden("only analysts and co-chairs read the data the fusion model is fitted on")
	}
	return nil
}

// FusionReports returns the allegations (not withdrawn) and the
// observations p may read, as fusion sees them, in id order.
func (s *Service) FusionReports(ctx context.Context, p access.Principal) ([]fusion.Report, error) {
	if err := s.MayLearn(p); err != nil {
		return nil, wrap("fusion reports", err)
	}
	var out []fusion.Report
	for _, t := range []struct{ entity, table, readers, extra string }{
		{EntityAllegation, "allegations", "allegation_readers", " AND r.status <> '" + StatusWithdrawn + "'"},
		{EntityObservation, "observations", "observation_readers", ""},
	} {
		cond, args := access.Filter(p, "r", t.readers)
		rows, err := s.db.Query(ctx, `SELECT r.id, c.body FROM `+t.table+` r `+s.db.Dialect().LatestJoin(t.entity)+` WHERE `+cond+t.extra+` ORDER BY r.id`, args...)
		if err != nil {
			return nil, wrap("fusion reports", err)
		}
		for rows.Next() {
			var id string
			var body []byte
			if err := rows.Scan(&id, &body); err != nil {
				rows.Close()
				return nil, wrap("fusion reports", err)
			}
			if r, ok := reportOfBody(t.entity, id, body); ok && r.Validate() == nil {
				out = append(out, r)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, wrap("fusion reports", err)
		}
	}
	return out, nil
}

// FusionLabels turns the reviewers' decisions in force into labelled
// pairs of reports p may read, in incidents p may read:
//   - accept: the report is the same event as every other member of the
//     incident (while it is still in it);
//   - reject: the report is not the same event as any member of the
//     incident it was proposed for;
//   - split: the report is not the same event as any member left in the
//     incident it was taken out of.
//
// An undone decision says nothing. Where decisions disagree about a pair,
// the incident as it is now wins: two reports in one incident are the
// same. Pairs come in a stable order (A < B).
func (s *Service) FusionLabels(ctx context.Context, p access.Principal) ([]fusion.Label, error) {
	if err := s.MayLearn(p); err != nil {
		return nil, wrap("fusion labels", err)
	}
	readable := map[string]bool{}
	for _, t := range []struct{ table, readers string }{{"allegations", "allegation_readers"}, {"observations", "observation_readers"}} {
		cond, args := access.Filter(p, "r", t.readers)
		if err := s.scanStrings(ctx, func(v []string) { readable[v[0]] = true }, `SELECT r.id FROM `+t.table+` r WHERE `+cond, args...); err != nil {
			return nil, wrap("fusion labels", err)
		}
	}
	cond, args := access.Filter(p, "r", "incident_readers")
	members := map[string][]string{}
	if err := s.scanStrings(ctx, func(v []string) {
		if readable[v[1]] {
			members[v[0]] = append(members[v[0]], v[1])
		}
	}, `SELECT im.incident_id, im.member_id FROM incident_members im JOIN incidents r ON r.id = im.incident_id WHERE `+cond, args...); err != nil {
		return nil, wrap("fusion labels", err)
	}
	inIncident := map[string]string{}
	for inc, ms := range members {
		for _, m := range ms {
			inIncident[m] = inc
		}
	}
	pairs := map[[2]string]bool{}
	put := func(a, b string, same bool) {
		if a == b || !readable[a] || !readable[b] {
			return
		}
		if b < a {
			a, b = b, a
		}
		k := [2]string{a, b}
		if old, ok := pairs[k]; ok && old {
			return // one incident holds them: the same
		}
		pairs[k] = same
	}
	err := s.scanStrings(ctx, func(v []string) {
		report, inc, decision := v[0], v[1], v[2]
		switch decision {
		case DecisionAccept:
			if inIncident[report] != inc {
				return // taken out since
			}
			for _, m := range members[inc] {
				put(report, m, true)
			}
		case DecisionReject, DecisionSplit:
			if inIncident[report] == inc {
				return // back in since
			}
			for _, m := range members[inc] {
				put(report, m, false)
			}
		}
	}, `SELECT rv.report_id, rv.incident_id, rv.decision FROM reviews rv JOIN incidents r ON r.id = rv.incident_id WHERE rv.decision IN (?, ?, ?) AND `+cond,
		append([]any{DecisionAccept, DecisionReject, DecisionSplit}, args...)...)
	if err != nil {
		return nil, wrap("fusion labels", err)
	}
	out := make([]fusion.Label, 0, len(pairs))
	for k, same := range pairs {
		out = append(out, fusion.Label{A: k[0], B: k[1], Same: same})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].A != out[j].A {
			return out[i].A < out[j].A
		}
		return out[i].B < out[j].B
	})
	return out, nil
}

// ReviewDecisions counts the decisions in force that make labels (accept,
// reject, split), for deciding when to fit the model again.
func (s *Service) ReviewDecisions(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM reviews WHERE decision IN (?, ?, ?)`, DecisionAccept, DecisionReject, DecisionSplit).Scan(&n)
	return n, wrap("review decisions", err)
}

// scanStrings runs q and calls f with each row's text columns.
func (s *Service) scanStrings(ctx context.Context, f func([]string), q string, args ...any) error {
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	v := make([]string, len(cols))
	ptrs := make([]any, len(cols))
	for i := range v {
		ptrs[i] = &v[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		f(v)
	}
	return rows.Err()
}
