package incident

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
)

// MaxQueueCount bounds what ReviewQueueLength counts: past it the queue is
// "at least this long", which is all a dashboard needs to say.
const MaxQueueCount = 10_000

// ReviewQueueLength counts the reports in p's review queue (those
// ReviewQueue lists: lodged allegations and observations in no incident),
// up to MaxQueueCount; more is true when there are more.
func (s *Service) ReviewQueueLength(ctx context.Context, p access.Principal) (n int, more bool, err error) {
	if err := s.MayReview(p); err != nil {
		return 0, false, err
	}
	condA, argsA := access.Filter(p, "r", "allegation_readers")
	condO, argsO := access.Filter(p, "r", "observation_readers")
	unlinked := "NOT EXISTS (SELECT 1 FROM incident_members im WHERE im.member_id = r.id) AND " + notDuplicate
	q := `SELECT COUNT(*) FROM (
		SELECT r.id FROM allegations r WHERE ` + condA + ` AND r.status = 'lodged' AND ` + unlinked + `
		UNION ALL
		SELECT r.id FROM observations r WHERE ` + condO + ` AND ` + unlinked + ` LIMIT ?) q`
	args := append(append([]any{}, argsA...), argsO...)
	args = append(args, MaxQueueCount+1)
	var c int64
	count := func(ctx context.Context) error { return s.db.QueryRow(ctx, q, args...).Scan(&c) }
	if err := s.db.Heavy(ctx, count); err != nil {
		return 0, false, wrap("review queue length", err)
	}
	if c > MaxQueueCount {
		return MaxQueueCount, true, nil
	}
	return int(c), false, nil
}

// ReportDays are the days (UTC midnight) of the earliest and the latest
// reported start among the allegations and observations p may read; zero
// when there are none. Each is one walk of the day index from its end.
func (s *Service) ReportDays(ctx context.Context, p access.Principal) (first, last time.Time, err error) {
	for _, t := range []struct{ table, readers string }{{"allegations", "allegation_readers"}, {"observations", "observation_readers"}} {
		for _, order := range []string{"ASC", "DESC"} {
			cond, args := access.Filter(p, "r", t.readers)
			var day string
			err := s.db.QueryRow(ctx, `SELECT r.day FROM `+t.table+` r WHERE `+cond+` ORDER BY r.day `+order+` LIMIT 1`, args...).Scan(&day)
			if errors.Is(err, sql.ErrNoRows) {
				continue
			}
			if err != nil {
				return first, last, wrap("report days", err)
			}
			d, err := time.Parse(time.DateOnly, day)
			if err != nil {
				return first, last, wrap("report days", err)
			}
			if first.IsZero() || d.Before(first) {
				first = d
			}
			if d.After(last) {
				last = d
			}
		}
	}
	return first, last, nil
}
