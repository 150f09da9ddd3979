package detainee

import (
	"github.com/truce-monitoring/truce/internal/store"
)

// projections lists the package's projections; the tables are created by
// migration 0007_detainee.sql. None holds an identity field.
func projections() []store.Projection {
	return []store.Projection{
		store.Typed(EntityPerson, []store.Table{
			{Name: "detainees", Columns: []string{"id", "category", "status", "held_by", "nationality", "captured_at", "after_agreement",
				"last_event_at", "consent", "erased", "illustrative"}},
			{Name: "detainee_periods", Columns: []string{"person_id", "status", "held_by", "nationality", "from_at", "to_at"}},
		}, personRows),
		store.Typed(EntityExchange, []store.Table{
			{Name: "exchanges", Columns: []string{"id", "day", "at", "all_for_all", "persons", "illustrative", "classification"}},
			{Name: "exchange_persons", Columns: []string{"exchange_id", "person_id", "from_side", "to_side"}},
			{Name: "exchange_links", Columns: []string{"exchange_id", "kind", "item_id"}},
		}, exchangeRows),
		store.Typed(EntityRemains, []store.Table{
			{Name: "remains", Columns: []string{"id", "count", "recovered_at", "method", "identified", "identified_at", "handed_over_at",
				"from_side", "to_side", "exchange_id", "illustrative"}},
		}, remainsRows),
	}
}

func personRows(id string, b *PersonBody) (map[string][][]any, error) {
	last := b.CapturedAt
	if n := len(b.Events); n > 0 {
		last = b.Events[n-1].At
	}
	after := 0
	if b.CapturedAfterAgreement != nil && *b.CapturedAfterAgreement {
		after = 1
	}
	periods := make([][]any, 0, len(b.Periods))
	for _, p := range b.Periods {
		to := openEnd
		if p.To != nil {
			to = fmtTime(*p.To)
		}
		periods = append(periods, []any{id, p.Status, p.HeldBy, b.Nationality, fmtTime(p.From), to})
	}
	return map[string][][]any{
		"detainees": {{id, b.Category, b.Status, b.HeldBy, b.Nationality, fmtTime(b.CapturedAt), after, fmtTime(last),
			boolInt(b.Consent), boolInt(b.Erased != nil), boolInt(b.Illustrative)}},
		"detainee_periods": periods,
	}, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
