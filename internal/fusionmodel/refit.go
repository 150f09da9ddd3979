package fusionmodel

import (
	"bytes"
	"context"
	"io"
	"time"
)

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

// Schedule says when the background refit fits the model again: after
// After new reviewers' decisions, or Every since the last fit when any
// decision or report came since. Zero fields turn that trigger off.
type Schedule struct {
	After int64
	Every time.Duration
	// Poll is how often the loop looks (default a minute).
	Poll time.Duration
}

// Due says whether a refit is due now for the current model cur and n
// decisions in force.
func (sc Schedule) Due(cur Stored, n int64, now time.Time) bool {
	switch {
	case sc.After > 0 && n-cur.Decisions >= sc.After:
		return true
	case sc.Every > 0 && (cur.Version == 0 || now.Sub(cur.FittedAt) >= sc.Every) && (n > cur.Decisions || cur.Version == 0):
		return true
	}
	return false
}

// Run refits the model in the background as System, on sc, until ctx
// ends. Errors go to logf and the loop goes on.
func (s *Service) Run(ctx context.Context, sc Schedule, logf func(format string, args ...any)) {
	if s.fit == nil || (sc.After <= 0 && sc.Every <= 0) {
		return
	}
	poll := sc.Poll
	if poll <= 0 {
		poll = time.Minute
	}
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		if err := s.RefitIfDue(ctx, sc); err != nil && ctx.Err() == nil {
			logf("fusion model: background refit: %v", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// RefitIfDue refits the model as System when sc says it is due; it
// reports whether it did through the stored version.
func (s *Service) RefitIfDue(ctx context.Context, sc Schedule) error {
	cur, err := s.load(ctx)
	if err != nil {
		return err
	}
	n, err := s.learn.ReviewDecisions(ctx)
	if err != nil {
		return err
	}
	if !sc.Due(cur, n, s.now()) {
		return nil
	}
	_, err = s.Refit(ctx, System, "background refit")
	return err
}
