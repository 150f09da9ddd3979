package statement

import (
	"fmt"
	"slices"
	"testing"

	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/store"
)

// The numbered lists of statements and sources: the same rows as the
// cursor lists, pages that walk one order, sorts, the word filter, and bad
// values refused naming their field.
func TestNumberedStatementsAndSources(t *testing.T) {
	f := mustOpen(t)
	stances := []string{StanceAppeal, StanceWelcome, StanceDenial, StanceAppeal, StanceCommitment}
	for i, st := range stances {
		in := f.statement(fmt.Sprintf("2021-08-%02d", 10+i), st, Summary{Language: "en", Text: fmt.Sprintf("Statement number %d on the exchange.", i)})
		if _, err := f.s.RecordStatement(ctx, f.analyst, in); err != nil {
			t.Fatal(err)
		}
		src := SourceInput{Outlet: "Agency", Date: fmt.Sprintf("2021-08-%02d", 10+i), Language: []string{"ru", "en"}[i%2], URL: fmt.Sprintf("https://news.example/%d", i), Title: "A title"}
		if _, err := f.s.RecordSource(ctx, f.analyst, src); err != nil {
			t.Fatal(err)
		}
	}
	cursor, err := f.s.ListStatements(ctx, f.observer, StatementFilter{}, store.PageRequest{})
	if err != nil {
		t.Fatal(err)
	}
	all, err := f.s.NumberedStatements(ctx, f.observer, StatementFilter{}, store.ListQuery{})
	if err != nil || all.Total != 5 || all.Sort != "-date" || len(cursor.Items) != 5 {
		t.Fatalf("statements: %+v %v", all, err)
	}
	var want, walked []string
	for i := range all.Items {
		if all.Items[i].ID != cursor.Items[i].ID {
			t.Fatalf("numbered and cursor orders differ at %d", i)
		}
		want = append(want, all.Items[i].ID)
	}
	for page := 1; page <= 3; page++ {
		got, err := f.s.NumberedStatements(ctx, f.observer, StatementFilter{}, store.ListQuery{Page: page, Size: 2})
		if err != nil || got.Pages != 3 {
			t.Fatalf("page %d: %+v %v", page, got, err)
		}
		for _, st := range got.Items {
			walked = append(walked, st.ID)
		}
	}
	if !slices.Equal(walked, want) {
		t.Fatalf("pages of 2: %v, want %v", walked, want)
	}
	byStance, err := f.s.NumberedStatements(ctx, f.observer, StatementFilter{}, store.ListQuery{Sort: "stance"})
	if err != nil || !slices.IsSortedFunc(byStance.Items, func(a, b Statement) int { return compare(a.Stance, b.Stance) }) {
		t.Fatalf("by stance: %v", err)
	}
	words, err := f.s.NumberedStatements(ctx, f.observer, StatementFilter{Query: "NUMBER 3"}, store.ListQuery{})
	if err != nil || words.Total != 1 {
		t.Fatalf("words: %+v %v", words, err)
	}
	for _, c := range []struct {
		f     StatementFilter
		q     store.ListQuery
		field string
	}{
		{StatementFilter{Stance: "praise"}, store.ListQuery{}, "stance"},
		{StatementFilter{Query: "  "}, store.ListQuery{}, "q"},
		{StatementFilter{}, store.ListQuery{Sort: "speaker"}, "sort"},
	} {
		_, err := f.s.NumberedStatements(ctx, f.observer, c.f, c.q)
		if errs.CodeOf(err) != errs.CodeInvalid || errs.FieldOf(err) != c.field {
			t.Errorf("%+v %+v: %v, want invalid at %q", c.f, c.q, err, c.field)
		}
	}

	srcs, err := f.s.NumberedSources(ctx, f.observer, SourceFilter{}, store.ListQuery{Sort: "language", Size: 2, Page: 2})
	if err != nil || srcs.Total != 5 || srcs.Pages != 3 || srcs.Items[0].Language != "ru" || !srcs.Items[0].Date.Before(srcs.Items[1].Date) {
		t.Fatalf("sources by language, page 2: %+v %v", srcs, err)
	}
	ru, err := f.s.NumberedSources(ctx, f.observer, SourceFilter{Language: "ru"}, store.ListQuery{})
	if err != nil || ru.Total != 3 {
		t.Fatalf("Russian sources: %+v %v", ru, err)
	}
	if _, err := f.s.NumberedSources(ctx, f.observer, SourceFilter{Language: "russian"}, store.ListQuery{}); errs.FieldOf(err) != "language" {
		t.Errorf("bad language: %v", err)
	}
}

func compare(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
