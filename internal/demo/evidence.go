package demo

import (
	"context"
	"fmt"
	"sort"

	"github.com/truce-monitoring/truce/internal/agreement"
	"github.com/truce-monitoring/truce/internal/detainee"
	"github.com/truce-monitoring/truce/internal/mines"
	"github.com/truce-monitoring/truce/internal/returns"
	"github.com/truce-monitoring/truce/internal/transit"
)

// linkEvidence links the registries' records to the provisions they bear
// on, as an analyst would: exchanges and the handovers traded for them to
// provision 8, the returns figure to provision 7, the corridor's closure
// and a humanitarian convoy to provision 6.
func linkEvidence(ctx context.Context, s Services, l *Loaded) error {
	analyst := demoPrincipal(l, "analyst")
	type link struct {
		provision, kind, record, at, note string
	}
	var links []link
	dates := make([]string, 0, len(l.Exchanges))
	for d := range l.Exchanges {
		dates = append(dates, d)
	}
	sort.Strings(dates)
	// The exchanges are keyed by the date SCENARIO.md gives; "2021-02"
	// has no day in the sources and the demo put it on the 15th.
	at := func(d string) string {
		if len(d) == len("2021-02") {
			d += "-15"
		}
		return d + "T12:00:00Z"
	}
	for _, d := range dates {
		links = append(links, link{"8", detainee.EntityExchange, l.Exchanges[d], at(d), "An exchange of detained persons under provision 8."})
		if h := l.Records["handover/"+d]; h != "" {
			links = append(links, link{"8", mines.EntityHandover, h, at(d), "Minefield records handed over with the exchange of the same day, a step that built confidence for it."})
		}
	}
	if h := l.Records["handover/2021-12-04"]; h != "" && l.Exchanges["2021-12-04"] == "" {
		links = append(links, link{"8", mines.EntityHandover, h, at("2021-12-04"), "Minefield records handed over with the servicemen released that day."})
	}
	if r := l.Records["return/aggregate"]; r != "" {
		links = append(links, link{"7", returns.EntityMovement, r, "2021-02-08T00:00:00Z", "Returns counted by the peacekeepers since 14 November 2020."})
	}
	if c := l.Records["transit/closure"]; c != "" {
		links = append(links, link{"6", transit.EntityRestriction, c, "2021-03-01T06:00:00Z", "A closure of a corridor checkpoint: safe movement along the corridor was interrupted (illustrative)."})
	}
	if c := l.Records["crossing/2"]; c != "" {
		links = append(links, link{"6", transit.EntityCrossing, c, "2021-03-01T09:40:00Z", "A humanitarian convoy crossed the corridor (illustrative)."})
	}
	for _, k := range links {
		if k.record == "" || l.Provisions[k.provision] == "" {
			continue
		}
		if _, err := s.Agreements.AddEvidence(ctx, analyst, l.Provisions[k.provision], agreement.EvidenceLinkInput{
			RecordKind: k.kind, RecordID: k.record, At: k.at, Note: k.note}); err != nil {
			return fmt.Errorf("evidence %s %s for provision %s: %w", k.kind, k.record, k.provision, err)
		}
	}
	return nil
}
