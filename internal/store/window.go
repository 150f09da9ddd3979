package store

import (
	"time"

	"github.com/truce-monitoring/truce/internal/errs"
)

// Window is a time window [From, To) for lists and totals; zero ends are
// open.
type Window struct {
	From time.Time
	To   time.Time
}

// Check refuses a window that ends before it starts, naming "to".
func (w Window) Check() error {
	if !w.From.IsZero() && !w.To.IsZero() && !w.To.After(w.From) {
		return errs.Invalid("to", "must be after from")
	}
	return nil
}

// Where adds the window on column col, which holds UTC times as text
// (2006-01-02T15:04:05Z), to a query's conditions and arguments.
func (w Window) Where(col string, conds []string, args []any) ([]string, []any) {
	const layout = "2006-01-02T15:04:05Z"
	if !w.From.IsZero() {
		conds = append(conds, col+" >= ?")
		args = append(args, w.From.UTC().Format(layout))
	}
	if !w.To.IsZero() {
		conds = append(conds, col+" < ?")
		args = append(args, w.To.UTC().Format(layout))
	}
	return conds, args
}
