package incident

import (
	"context"
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
	unlinked := "NOT EXISTS (SELECT 1 FROM incident_members im WHERE im.member_id = r.id)"
	q := `SELECT COUNT(*) FROM (
		SELECT r.id FROM allegations r WHERE ` + condA + ` AND r.status = 'lodged' AND ` + unlinked + `
		UNION ALL
		SELECT r.id FROM observations r WHERE ` + condO + ` AND ` + unlinked + ` LIMIT ?) q`
	args := append(append([]any{}, argsA...), argsO...)
	args = append(args, MaxQueueCount+1)
	var c int64
	if err := s.db.QueryRow(ctx, q, args...).Scan(&c); err != nil {
		return 0, false, wrap("review queue length", err)
	}
	if c > MaxQueueCount {
		return MaxQueueCount, true, nil
	}
	return int(c), false, nil
}

// LatestReportDay is the day (UTC midnight) of the latest reported start
// among the allegations and observations p may read; zero when there are
// none.
func (s *Service) LatestReportDay(ctx context.Context, p access.Principal) (time.Time, error) {
	var latest time.Time
	for _, t := range []struct{ table, readers string }{{"allegations", "allegation_readers"}, {"observations", "observation_readers"}} {
		cond, args := access.Filter(p, "r", t.readers)
		var day *string
		if err := s.db.QueryRow(ctx, `SELECT MAX(r.day) FROM `+t.table+` r WHERE `+cond, args...).Scan(&day); err != nil {
			return time.Time{}, wrap("latest report day", err)
		}
		if day == nil {
			continue
		}
		d, err := time.Parse(time.DateOnly, *day)
		if err != nil {
			return time.Time{}, wrap("latest report day", err)
		}
		if d.After(latest) {
			latest = d
		}
	}
	return latest, nil
}
