package search

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
)

// sampleSize is how many documents the reader may see (the newest on
// SQLite, the first the table gives on PostgreSQL) tell rank how common
// each word of a query is and how long a document is.
const sampleSize = 2000

// BM25's constants, FTS5's: how fast repeats of a word stop counting (k1)
// and how much a document's length weighs against it (b).
const (
	bm25K1 = 1.2
	bm25B  = 0.75
)

// candidate is a match before ranking: its hit and its words.
type candidate struct {
	hit   Hit
	body  string
	score float64
}

// stats are what rank knows of the index, from a sample of documents.
type stats struct {
	docs     int     // documents in the sample
	withWord []int   // of them, how many hold each word of the query
	meanLen  float64 // their mean number of words
}

// stats reads the sample query (sample, its arguments args) and counts,
// for each word of q, the documents that hold it. A sample instead of the
// whole index: counting every document that holds a word found in most
// records reads its whole list — what made FTS5's bm25 slow — and the
// proportions of the newest thousands weigh the words well enough. The
// sample keeps to what the reader may see, as the matches do.
func (s *Service) stats(ctx context.Context, q Query, sample string, args []any) (stats, error) {
	st := stats{withWord: make([]int, len(q.Words))}
	rows, err := s.db.Query(ctx, sample, args...)
	if err != nil {
		return st, fmt.Errorf("search: sample: %w", err)
	}
	defer rows.Close()
	total := 0
	var body string
	for rows.Next() {
		if err := rows.Scan(&body); err != nil {
			return st, fmt.Errorf("search: sample: %w", err)
		}
		words := strings.Fields(body)
		st.docs++
		total += len(words)
		for i, n := range q.counts(words) {
			if n > 0 {
				st.withWord[i]++
			}
		}
	}
	if err := rows.Err(); err != nil {
		return st, fmt.Errorf("search: sample: %w", err)
	}
	if st.docs > 0 {
		st.meanLen = float64(total) / float64(st.docs)
	}
	return st, nil
}

// counts returns how many of words each word of q matches: the same
// word, or for the last when a prefix (Query.prefix) any it begins.
func (q Query) counts(words []string) []int {
	n := make([]int, len(q.Words))
	for _, w := range words {
		for i, qw := range q.Words {
			if w == qw || q.prefix(i) && strings.HasPrefix(w, qw) {
				n[i]++
			}
		}
	}
	return n
}

// rank scores the candidates by Okapi BM25, as FTS5's bm25 does but with
// st's counts, and sorts them best first (then by id, so that pages
// follow one another). A word found in more than half of the sample
// weighs next to nothing, as in bm25: the rarer words of a query and how
// often a short document repeats them decide.
func rank(q Query, st stats, found []candidate) {
	idf := make([]float64, len(q.Words))
	for i, n := range st.withWord {
		idf[i] = max(math.Log((float64(st.docs-n)+0.5)/(float64(n)+0.5)), 1e-6)
	}
	meanLen := max(st.meanLen, 1)
	for j := range found {
		words := strings.Fields(found[j].body)
		norm := bm25K1 * (1 - bm25B + bm25B*float64(len(words))/meanLen)
		score := 0.0
		for i, tf := range q.counts(words) {
			f := float64(tf)
			score += idf[i] * f * (bm25K1 + 1) / (f + norm)
		}
		found[j].score = score
	}
	slices.SortFunc(found, func(x, y candidate) int {
		if c := cmp.Compare(y.score, x.score); c != 0 {
			return c
		}
		return strings.Compare(x.hit.ID, y.hit.ID)
	})
}
