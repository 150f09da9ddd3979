package report

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/agreement"
)

// implementation builds the implementation report of an agreement as of
// the cut-off of day.
func (s *Service) implementation(ctx context.Context, p access.Principal, agreementID string, day time.Time) (*Report, error) {
	ag, err := s.agreements.GetAgreement(ctx, p, agreementID)
	if err != nil {
		return nil, err
	}
	asOf := s.dayPeriod(day).To
	ps, err := s.provisions(ctx, p, agreement.ProvisionFilter{AgreementID: agreementID})
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	orgName := func(id string) string {
		if n, ok := names[id]; ok {
			return n
		}
		n := NotShown
		if o, err := s.agreements.GetOrganisation(ctx, p, id); err == nil {
			n = o.Name
		}
		names[id] = n
		return n
	}
	im := &Implementation{AgreementID: ag.ID, Title: ag.Title, SignedAt: ag.SignedAt.UTC(), InForceAt: ag.InForceAt.UTC(), AsOf: asOf,
		Illustrative: ag.Illustrative, ByStatus: map[string]int{}, Provisions: []ProvisionLine{}}
	sort.SliceStable(ps, func(i, j int) bool { return numberLess(ps[i].Number, ps[j].Number) })
	superseded := 0
	for _, pr := range ps {
		line := ProvisionLine{ID: pr.ID, Number: pr.Number, Summary: pr.Summary, Obligated: []string{}, Deadlines: []DeadlineLine{},
			History: []agreement.StatusEvent{}, Evidence: []EvidenceLine{}}
		for _, o := range pr.Obligated {
			line.Obligated = append(line.Obligated, orgName(o))
		}
		line.Status = statusAt(pr, asOf)
		for _, d := range pr.Deadlines {
			dl := DeadlineLine{What: d.What, Due: d.Due.UTC(), OriginalDue: d.OriginalDue.UTC()}
			if !d.MetAt.IsZero() && !d.MetAt.After(asOf) {
				dl.MetAt = d.MetAt.UTC()
			}
			if d.OriginalDue.IsZero() {
				dl.OriginalDue = time.Time{}
			}
			dl.Missed = dl.MetAt.IsZero() && d.Due.Before(asOf)
			line.Deadlines = append(line.Deadlines, dl)
		}
		for _, e := range pr.StatusHistory {
			if e.At.After(asOf) {
				continue
			}
			line.History = append(line.History, e)
			for _, ev := range e.Evidence {
				line.Evidence = append(line.Evidence, EvidenceLine{Kind: ev.Kind, Ref: ev.Ref, Title: ev.Title, At: e.At.UTC(), Source: "status_history"})
			}
		}
		if s.evidence != nil {
			more, err := s.evidence.Evidence(ctx, p, pr.ID)
			if err != nil {
				return nil, err
			}
			for _, e := range more {
				if e.At.IsZero() || !e.At.After(asOf) {
					e.Source = "registry"
					line.Evidence = append(line.Evidence, e)
				}
			}
		}
		line.Spans = spans(pr, ag.InForceAt, asOf)
		line.Remains = remains(newTr(DefaultLang, false), line)
		im.ByStatus[line.Status]++
		if line.Status == agreement.StatusImplemented {
			im.Implemented++
		}
		if line.Status == agreement.StatusSuperseded {
			superseded++
		}
		im.Provisions = append(im.Provisions, line)
	}
	im.Total = len(im.Provisions)
	if d := im.Total - superseded; d > 0 {
		im.SharePercent = math.Round(float64(im.Implemented)/float64(d)*1000) / 10
	}
	rep := &Report{
		Title:          "Implementation of: " + ag.Title,
		Period:         s.period(ag.InForceAt, asOf),
		Implementation: im,
	}
	rep.Period.Label = fmt.Sprintf("from entry into force, %s, to %s %s (%s)", ag.InForceAt.UTC().Format("2 January 2006 15:04 UTC"),
		day.Format("2 January 2006"), s.cutOffText, s.zoneName)
	if im.Total == 0 {
		rep.Empty = true
		rep.EmptyNote = "The agreement has no provisions recorded."
	}
	return rep, nil
}

// numberLess orders provision numbers "2" < "6" < "6.2" < "10".
func numberLess(a, b string) bool {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(pa) && i < len(pb); i++ {
		if pa[i] == pb[i] {
			continue
		}
		if len(pa[i]) != len(pb[i]) {
			return len(pa[i]) < len(pb[i])
		}
		return pa[i] < pb[i]
	}
	return len(pa) < len(pb)
}

// spans is the provision's status over time from the agreement's entry
// into force to asOf, overdue included where a deadline passed unmet.
func spans(p agreement.Provision, from, to time.Time) []StatusSpan {
	if !to.After(from) {
		return []StatusSpan{}
	}
	// Every time the status may change: events and deadlines (and the
	// times they were met).
	cuts := []time.Time{from}
	for _, e := range p.StatusHistory {
		cuts = append(cuts, e.At)
	}
	for _, d := range p.Deadlines {
		cuts = append(cuts, d.Due)
		if !d.MetAt.IsZero() {
			cuts = append(cuts, d.MetAt)
		}
	}
	sort.Slice(cuts, func(i, j int) bool { return cuts[i].Before(cuts[j]) })
	var out []StatusSpan
	for i, c := range cuts {
		if c.Before(from) {
			c = from
		}
		if !c.Before(to) {
			break
		}
		end := to
		if i+1 < len(cuts) && cuts[i+1].Before(to) {
			end = cuts[i+1]
		}
		if !end.After(c) {
			continue
		}
		st := statusAt(p, c.Add(time.Nanosecond))
		if n := len(out); n > 0 && out[n-1].Status == st {
			out[n-1].To = end.UTC()
			continue
		}
		out = append(out, StatusSpan{Status: st, From: c.UTC(), To: end.UTC()})
	}
	if out == nil {
		out = []StatusSpan{}
	}
	return out
}

// remains says in words what is left to do.
func remains(t tr, l ProvisionLine) string {
	switch l.Status {
	case agreement.StatusImplemented:
		return t.T("remains.implemented")
	case agreement.StatusSuperseded:
		return t.T("remains.superseded")
	}
	var open []string
	for _, d := range l.Deadlines {
		if d.MetAt.IsZero() {
			w := d.What
			if w == "" {
				w = t.T("remains.the_deadline")
			}
			state := t.T("remains.due", "date", t.day(d.Due))
			if d.Missed {
				state = t.T("remains.missed", "date", t.day(d.Due))
			}
			open = append(open, t.T("remains.item", "what", w, "state", state))
		}
	}
	key := "remains.open"
	if l.Status == agreement.StatusViolated {
		key = "remains.violated"
	}
	if len(open) > 0 {
		return t.T(key+".items", "items", strings.Join(open, t.T("list.semicolon")))
	}
	return t.T(key)
}
