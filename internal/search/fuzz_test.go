package search

import (
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/truce-monitoring/truce/internal/errs"
)

// FuzzParseQuery: any text typed in the box is either refused naming the
// field q, or gives 1 to MaxQueryWords folded words of letters and digits
// that the index would cut alike, and FTS5 and tsquery expressions made of
// nothing but those words and the operators put between them.
func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{"Şuşa", "агдам", "أَغْدَام", "Շուշի", "a b c d e f g h i", "", "\"*^:&|!()", "x\u0301\u200d y", "AND OR NOT NEAR(a b)", "İsmayıllı ı", strings.Repeat("ab ", 80), "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := ParseQuery(s)
		if err != nil {
			if errs.CodeOf(err) != errs.CodeInvalid || errs.FieldOf(err) != "q" {
				t.Fatalf("%q: %v, want invalid q", s, err)
			}
			return
		}
		if !utf8.ValidString(s) || utf8.RuneCountInString(s) > MaxQueryLen || len(q.Words) == 0 || len(q.Words) > MaxQueryWords {
			t.Fatalf("%q accepted as %q", s, q.Words)
		}
		for _, w := range q.Words {
			if w == "" || utf8.RuneCountInString(w) > maxWordLen || strings.IndexFunc(w, notWordRune) >= 0 {
				t.Fatalf("%q: word %q", s, w)
			}
			if again := Words(w); !slices.Equal(again, []string{w}) {
				t.Fatalf("%q: word %q folds again to %q", s, w, again)
			}
			// PostgreSQL's probe puts the words in LIKE patterns as they are.
			if strings.ContainsAny(w, `%_\ `) {
				t.Fatalf("%q: word %q holds a LIKE wildcard, escape or space", s, w)
			}
		}
		// Ranking its own words as a document finds each of them.
		found := []candidate{{hit: Hit{ID: "a"}, body: strings.Join(q.Words, " ")}, {hit: Hit{ID: "b"}, body: "x"}}
		rank(q, stats{docs: 2, withWord: make([]int, len(q.Words)), meanLen: 3}, found)
		if found[0].hit.ID != "a" || found[0].score <= 0 {
			t.Fatalf("%q: its own words rank %v", s, found)
		}
		fts := q.fts5()
		if strings.Count(fts, `"`) != 2*len(q.Words) {
			t.Fatalf("%q: fts5 %s", s, fts)
		}
		stripped := strings.NewReplacer(`"`, "", "*", "", " ", "").Replace(fts)
		if stripped != strings.Join(q.Words, "") {
			t.Fatalf("%q: fts5 %s holds more than the words", s, fts)
		}
		ts := q.tsquery()
		if strings.IndexFunc(strings.NewReplacer(" & ", "", ":*", "").Replace(ts), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) }) >= 0 {
			t.Fatalf("%q: tsquery %s holds an operator", s, ts)
		}
	})
}
