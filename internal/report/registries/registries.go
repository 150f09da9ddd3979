// Package registries connects the reports to the humanitarian registries:
// it implements report.Humanitarian (the daily report's humanitarian
// section) and report.EvidenceSource (the registry evidence of a provision
// in the implementation report) on top of the services of packages
// detainee, mines, returns, transit and agreement.
//
// It reads through those services' own functions with the reader's
// principal, so every line is a record the reader may read, and it names
// no person: releases are counts per detaining side, exchanges counts per
// receiving side.
package registries

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/agreement"
	"github.com/truce-monitoring/truce/internal/detainee"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/mines"
	"github.com/truce-monitoring/truce/internal/report"
	"github.com/truce-monitoring/truce/internal/returns"
	"github.com/truce-monitoring/truce/internal/store"
	"github.com/truce-monitoring/truce/internal/transit"
)

// Source reads the registries for the reports.
type Source struct {
	agreements *agreement.Service
	detainees  *detainee.Service
	mines      *mines.Service
	returns    *returns.Service
	transit    *transit.Service
}

// New returns a Source over the registries' services.
func New(ag *agreement.Service, det *detainee.Service, mn *mines.Service, ret *returns.Service, tr *transit.Service) *Source {
	return &Source{agreements: ag, detainees: det, mines: mn, returns: ret, transit: tr}
}

var (
	_ report.Humanitarian   = (*Source)(nil)
	_ report.EvidenceSource = (*Source)(nil)
)

// all reads every page of a list.
func all[T any](list func(store.PageRequest) (store.Page[T], error)) ([]T, error) {
	var out []T
	page := store.PageRequest{Limit: store.MaxLimit}
	for {
		got, err := list(page)
		if err != nil {
			return nil, err
		}
		out = append(out, got.Items...)
		if got.Next == "" {
			return out, nil
		}
		page.Cursor = got.Next
	}
}

// names resolves organisation ids to their names for one report; an id
// that names no organisation the reader may see is report.NotShown (a
// report prints names, never ids).
type names struct {
	ag     *agreement.Service
	reader access.Principal
	seen   map[string]string
}

func (s *Source) names(p access.Principal) *names {
	return &names{ag: s.agreements, reader: p, seen: map[string]string{}}
}

func (n *names) of(ctx context.Context, id string) (string, error) {
	if id == "" {
		return "", nil
	}
	if name, ok := n.seen[id]; ok {
		return name, nil
	}
	name := report.NotShown
	o, err := n.ag.GetOrganisation(ctx, n.reader, id)
	switch {
	case err == nil:
		name = o.Name
	case errs.CodeOf(err) != errs.CodeNotFound && errs.CodeOf(err) != errs.CodeForbidden:
		return "", err
	}
	n.seen[id] = name
	return name, nil
}

func (n *names) list(ctx context.Context, ids []string) (string, error) {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		name, err := n.of(ctx, id)
		if err != nil {
			return "", err
		}
		if name != report.NotShown {
			out = append(out, name)
		}
	}
	if len(out) == 0 && len(ids) > 0 {
		return report.NotShown, nil
	}
	return strings.Join(out, ", "), nil
}

func within(t, from, to time.Time) bool { return !t.Before(from) && t.Before(to) }

// Exchanges lists the exchanges in [from, to) with the persons each side
// received. A reader without an account gets the public ones.
func (s *Source) Exchanges(ctx context.Context, p access.Principal, from, to time.Time) ([]report.ExchangeLine, error) {
	xs, err := all(func(pr store.PageRequest) (store.Page[detainee.Exchange], error) {
		return s.detainees.ListExchanges(ctx, p, detainee.ExchangeFilter{From: from, To: to}, pr)
	})
	if err != nil {
		return nil, err
	}
	n := s.names(p)
	out := make([]report.ExchangeLine, 0, len(xs))
	for _, x := range xs {
		line := report.ExchangeLine{ID: x.ID, At: x.At.UTC(), Place: cmp.Or(x.PlaceName, report.NotShown), ToSide: map[string]int{}, Note: x.Note}
		if line.Mediator, err = n.list(ctx, x.Mediators); err != nil {
			return nil, err
		}
		for _, m := range x.Moves {
			side, err := n.of(ctx, m.ToSide)
			if err != nil {
				return nil, err
			}
			line.ToSide[side] += m.Count
		}
		out = append(out, line)
	}
	return out, nil
}

// Releases counts the persons released or repatriated in [from, to)
// outside an exchange, per detaining side; no person is named.
func (s *Source) Releases(ctx context.Context, p access.Principal, from, to time.Time) ([]report.ReleaseLine, error) {
	if !access.CanRead(p, detainee.PersonBody{}.Resource()) {
		return []report.ReleaseLine{}, nil
	}
	counts, err := s.detainees.Releases(ctx, p, from, to)
	if err != nil {
		return nil, err
	}
	n := s.names(p)
	out := make([]report.ReleaseLine, 0, len(counts))
	for _, c := range counts {
		side, err := n.of(ctx, c.HeldBy)
		if err != nil {
			return nil, err
		}
		// A count has no record of its own, so no id.
		out = append(out, report.ReleaseLine{At: c.At.UTC(), HeldBy: side, Persons: c.Persons, Note: c.Status})
	}
	return out, nil
}

// Remains lists the recoveries, identifications and handovers of remains
// in [from, to).
func (s *Source) Remains(ctx context.Context, p access.Principal, from, to time.Time) ([]report.RemainsLine, error) {
	if !access.CanRead(p, detainee.RemainsBody{}.Resource()) {
		return []report.RemainsLine{}, nil
	}
	events, err := s.detainees.RemainsEvents(ctx, p, from, to)
	if err != nil {
		return nil, err
	}
	out := make([]report.RemainsLine, 0, len(events))
	for _, e := range events {
		out = append(out, report.RemainsLine{ID: e.RemainsID, At: e.At.UTC(), Event: e.Event, Count: e.Count})
	}
	return out, nil
}

// Handovers lists the handovers of minefield records dated in [from, to)
// that p may read, oldest first.
func (s *Source) Handovers(ctx context.Context, p access.Principal, from, to time.Time) ([]report.HandoverLine, error) {
	last := to.Add(-time.Nanosecond)
	hs, err := all(func(pr store.PageRequest) (store.Page[mines.Handover], error) {
		return s.mines.ListHandovers(ctx, p, mines.HandoverFilter{FromDay: from.UTC().Format(time.DateOnly), ToDay: last.UTC().Format(time.DateOnly)}, pr)
	})
	if err != nil {
		return nil, err
	}
	n := s.names(p)
	out := make([]report.HandoverLine, 0, len(hs))
	for _, h := range hs {
		if !within(h.Date, from, to) {
			continue
		}
		line := report.HandoverLine{ID: h.ID, At: h.Date.UTC(), Records: len(h.MinefieldIDs)}
		if h.MinesClaimed != nil {
			line.Mines = int(*h.MinesClaimed)
		}
		if line.From, err = n.of(ctx, h.FromSide); err != nil {
			return nil, err
		}
		if line.To, err = n.of(ctx, h.ToSide); err != nil {
			return nil, err
		}
		if line.Mediator, err = n.list(ctx, h.Mediators); err != nil {
			return nil, err
		}
		out = append(out, line)
	}
	slices.SortFunc(out, func(a, b report.HandoverLine) int { return cmp.Or(a.At.Compare(b.At), cmp.Compare(a.ID, b.ID)) })
	return out, nil
}

// Returns lists the return movements dated in [from, to) that p may read,
// oldest first.
func (s *Source) Returns(ctx context.Context, p access.Principal, from, to time.Time) ([]report.ReturnLine, error) {
	ms, err := all(func(pr store.PageRequest) (store.Page[returns.Movement], error) {
		return s.returns.ListMovements(ctx, p, returns.MovementFilter{Window: returns.Window{From: from, To: to}}, pr)
	})
	if err != nil {
		return nil, err
	}
	out := make([]report.ReturnLine, 0, len(ms))
	for _, m := range ms {
		out = append(out, report.ReturnLine{ID: m.ID, At: m.Date.UTC(), Destination: m.DestinationName, People: int(m.Total), Organised: m.Kind == returns.KindOrganised})
	}
	slices.SortFunc(out, func(a, b report.ReturnLine) int { return cmp.Or(a.At.Compare(b.At), cmp.Compare(a.ID, b.ID)) })
	return out, nil
}

// Crossings sums the crossings in [from, to) that p may read per
// checkpoint and direction.
func (s *Source) Crossings(ctx context.Context, p access.Principal, from, to time.Time) ([]report.CrossingLine, error) {
	cs, err := all(func(pr store.PageRequest) (store.Page[transit.Crossing], error) {
		return s.transit.ListCrossings(ctx, p, transit.CrossingFilter{Window: transit.Window{From: from, To: to}}, pr)
	})
	if err != nil {
		return nil, err
	}
	type key struct{ checkpoint, direction string }
	sums := map[key]*report.CrossingLine{}
	for _, c := range cs {
		k := key{cmp.Or(c.CheckpointName, report.NotShown), c.Direction}
		line, ok := sums[k]
		if !ok {
			line = &report.CrossingLine{Checkpoint: k.checkpoint, Direction: k.direction}
			sums[k] = line
		}
		line.People += int(c.People)
		line.Vehicles += int(c.Vehicles)
	}
	out := make([]report.CrossingLine, 0, len(sums))
	for _, line := range sums {
		out = append(out, *line)
	}
	slices.SortFunc(out, func(a, b report.CrossingLine) int {
		return cmp.Or(cmp.Compare(a.Checkpoint, b.Checkpoint), cmp.Compare(a.Direction, b.Direction))
	})
	return out, nil
}

// Closures lists the closures, partial restrictions and reopenings of
// corridor checkpoints or corridors that started in [from, to) and that p
// may read, oldest first.
func (s *Source) Closures(ctx context.Context, p access.Principal, from, to time.Time) ([]report.ClosureLine, error) {
	rs, err := all(func(pr store.PageRequest) (store.Page[transit.Restriction], error) {
		return s.transit.ListRestrictions(ctx, p, transit.RestrictionFilter{Window: transit.Window{From: from, To: to}}, pr)
	})
	if err != nil {
		return nil, err
	}
	out := make([]report.ClosureLine, 0, len(rs))
	for _, r := range rs {
		out = append(out, report.ClosureLine{ID: r.ID, At: r.Start.UTC(), Where: r.ScopeName, Kind: r.Kind, Reason: r.Reason})
	}
	slices.SortFunc(out, func(a, b report.ClosureLine) int { return cmp.Or(a.At.Compare(b.At), cmp.Compare(a.ID, b.ID)) })
	return out, nil
}

// Evidence lists the registry records linked to provision provisionID as
// evidence that p may read, newest first, each described in one line.
func (s *Source) Evidence(ctx context.Context, p access.Principal, provisionID string) ([]report.EvidenceLine, error) {
	links, err := all(func(pr store.PageRequest) (store.Page[agreement.EvidenceLink], error) {
		return s.agreements.ListEvidence(ctx, p, provisionID, pr)
	})
	if err != nil {
		return nil, err
	}
	out := make([]report.EvidenceLine, 0, len(links))
	for _, l := range links {
		out = append(out, report.EvidenceLine{Kind: l.RecordKind, Ref: l.RecordID, Title: l.Description, At: l.At.UTC(), Source: "registry"})
	}
	return out, nil
}
