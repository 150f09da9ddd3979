package report

import (
	"context"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
)

// IssuedLine is an issued report as a list shows it.
type IssuedLine struct {
	ID         string    `json:"id"`
	Kind       string    `json:"kind"`
	Number     string    `json:"number,omitempty"`
	Edition    string    `json:"edition"`
	PeriodFrom time.Time `json:"period_from"`
	PeriodTo   time.Time `json:"period_to"`
	DataSHA256 string    `json:"data_sha256"`
	LogSeq     int64     `json:"log_seq"`
	IssuedAt   time.Time `json:"issued_at"`
}

// MaxListed is the most issued reports ListIssued returns at once.
const MaxListed = 500

// ListIssued lists the issued reports p may read, the latest period
// first, at most limit of them (filtered in SQL).
func (s *Service) ListIssued(ctx context.Context, p access.Principal, limit int) ([]IssuedLine, error) {
	if limit <= 0 || limit > MaxListed {
		return nil, errs.Invalid("limit", "must be 1 to %d", MaxListed)
	}
	cond, args := access.Filter(p, "r", "report_readers")
	rows, err := s.db.Query(ctx, `SELECT r.id, r.kind, r.number, r.edition, r.period_from, r.period_to, r.data_sha256, r.log_seq, r.issued_at
		FROM reports r WHERE `+cond+` ORDER BY r.period_to DESC, r.id LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []IssuedLine{}
	for rows.Next() {
		var l IssuedLine
		var from, to, at string
		if err := rows.Scan(&l.ID, &l.Kind, &l.Number, &l.Edition, &from, &to, &l.DataSHA256, &l.LogSeq, &at); err != nil {
			return nil, err
		}
		l.PeriodFrom, _ = time.Parse(timeText, from)
		l.PeriodTo, _ = time.Parse(timeText, to)
		l.IssuedAt, _ = time.Parse(changeTime, at)
		out = append(out, l)
	}
	return out, rows.Err()
}
