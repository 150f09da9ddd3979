package statement

import (
	"fmt"
	"testing"

	"github.com/truce-monitoring/truce/internal/agreement"
	"github.com/truce-monitoring/truce/internal/store"
)

// benchStatements records n statements, one in ten mentioning "maps".
func benchStatements(b *testing.B, f fixture, n int) string {
	b.Helper()
	var last string
	for i := range n {
		text := fmt.Sprintf("Statement %d urges the release of detainees.", i)
		if i%10 == 0 {
			text = fmt.Sprintf("Statement %d welcomes the handover of minefield maps.", i)
		}
		st, err := f.s.RecordStatement(ctx, f.analyst, f.statement(fmt.Sprintf("2021-%02d-%02d", 1+i%8, 1+i%28), StanceAppeal, Summary{Language: "en", Text: text}))
		if err != nil {
			b.Fatal(err)
		}
		last = st.ID
	}
	return last
}

// BenchmarkRecordStatement: one statement citing a provision, written
// through the change log.
func BenchmarkRecordStatement(b *testing.B) {
	f := mustOpen(b)
	b.ResetTimer()
	benchStatements(b, f, b.N)
}

// BenchmarkSearchStatements: a folded search over 10,000 statements, first
// page of 50, as an observer.
func BenchmarkSearchStatements(b *testing.B) {
	f := mustOpen(b)
	benchStatements(b, f, 10_000)
	b.ResetTimer()
	for b.Loop() {
		page, err := f.s.ListStatements(ctx, f.observer, StatementFilter{Query: "MINEFIELD"}, store.PageRequest{})
		if err != nil || len(page.Items) != 50 {
			b.Fatalf("%d items, %v", len(page.Items), err)
		}
	}
}

// BenchmarkListEvidence: a provision's evidence page of 50 out of 1,000
// links to statements, each resolved for the reader.
func BenchmarkListEvidence(b *testing.B) {
	f := mustOpen(b)
	for i := range 1000 {
		st, err := f.s.RecordStatement(ctx, f.analyst, f.statement("2021-08-31", StanceAppeal, Summary{Language: "en", Text: fmt.Sprintf("Statement %d.", i)}))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := f.ag.AddEvidence(ctx, f.analyst, f.prov8, agreement.EvidenceLinkInput{RecordKind: EntityStatement, RecordID: st.ID}); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		page, err := f.ag.ListEvidence(ctx, f.observer, f.prov8, store.PageRequest{})
		if err != nil || len(page.Items) != 50 {
			b.Fatalf("%d items, %v", len(page.Items), err)
		}
	}
}

// BenchmarkCountEvidence: the evidence count a provision read carries,
// with 1,000 links, each resolved for the reader.
func BenchmarkCountEvidence(b *testing.B) {
	f := mustOpen(b)
	for i := range 1000 {
		st, err := f.s.RecordStatement(ctx, f.analyst, f.statement("2021-08-31", StanceAppeal, Summary{Language: "en", Text: fmt.Sprintf("Statement %d.", i)}))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := f.ag.AddEvidence(ctx, f.analyst, f.prov8, agreement.EvidenceLinkInput{RecordKind: EntityStatement, RecordID: st.ID}); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		if n, err := f.ag.CountEvidence(ctx, f.observer, f.prov8); err != nil || n != 1000 {
			b.Fatalf("%d, %v", n, err)
		}
	}
}
