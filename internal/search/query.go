package search

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/text"
)

// Limits of a query, as the search box's maxlength says too.
const (
	MaxQueryLen   = 200 // characters of the query as typed
	MaxQueryWords = 8   // words of the folded query; more are refused
	maxWordLen    = 64  // characters of one word; longer words are cut
	maxBodyLen    = 64 << 10
	maxTitleLen   = 160
)

// Words folds texts (text.Fold: case and diacritics ignored in every
// script) and cuts them into words: runs of letters and digits. It is
// how both the index and a query see text, so that they meet.
func Words(texts ...string) []string {
	var out []string
	for _, t := range texts {
		for w := range strings.FieldsFuncSeq(text.Fold(t), notWordRune) {
			if utf8.RuneCountInString(w) > maxWordLen {
				w = string([]rune(w)[:maxWordLen])
			}
			out = append(out, w)
		}
	}
	return out
}

func notWordRune(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) }

// Query is a parsed query: the words a record must all have; the last
// word, when of two characters or more, also matches the longer words it
// begins, as a word being typed. Only the last: a prefix is matched by
// merging the index's lists of every word it begins, which for a common
// prefix costs more than the rest of the query.
type Query struct {
	Words []string
}

// ParseQuery checks a query as typed and returns its words. A query with
// no word, or longer than MaxQueryLen characters or MaxQueryWords words,
// is refused naming the field q.
func ParseQuery(q string) (Query, error) {
	if !utf8.ValidString(q) {
		return Query{}, errs.Invalid("q", "is not valid UTF-8 text")
	}
	if n := utf8.RuneCountInString(q); n > MaxQueryLen {
		return Query{}, errs.Invalid("q", "has %d characters; at most %d", n, MaxQueryLen)
	}
	words := Words(q)
	if len(words) == 0 {
		return Query{}, errs.Invalid("q", "has no word to search for")
	}
	if len(words) > MaxQueryWords {
		return Query{}, errs.Invalid("q", "has %d words; at most %d", len(words), MaxQueryWords)
	}
	return Query{Words: words}, nil
}

// prefix reports whether the i-th word of q is matched as the beginning
// of longer words too: the last, when of two characters or more. A single
// letter matches only itself; as a prefix it would match most words.
func (q Query) prefix(i int) bool {
	return i == len(q.Words)-1 && utf8.RuneCountInString(q.Words[i]) >= 2
}

// fts5 returns the query as an FTS5 expression: every word required,
// each quoted (words hold only letters and digits, so a quote cannot
// occur in one), the last starred when matched as a prefix.
func (q Query) fts5() string {
	var b strings.Builder
	for i, w := range q.Words {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(`"` + w + `"`)
		if q.prefix(i) {
			b.WriteByte('*')
		}
	}
	return b.String()
}

// tsquery returns the query as PostgreSQL's to_tsquery text: every word
// required, the last a prefix match where fts5 makes it one. Words hold only
// letters and digits, none of to_tsquery's operators.
func (q Query) tsquery() string {
	var b strings.Builder
	for i, w := range q.Words {
		if i > 0 {
			b.WriteString(" & ")
		}
		b.WriteString(w)
		if q.prefix(i) {
			b.WriteString(":*")
		}
	}
	return b.String()
}
