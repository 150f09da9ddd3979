package fusion

import (
	"context"
)

// Fit estimates a Model from reports (and labels, possibly none), starting
// from start.
func Fit(ctx context.Context, reports []Report, labels []Label, start Model) (Model, error) {
	if err := start.Check(); err != nil {
		return Model{}, err
	}
	m := start
	m.Fitted = FitInfo{Reports: len(reports), Labels: len(labels)}
	return m, ctx.Err()
}
