package search

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/truce-monitoring/truce/internal/pgtest"
	"github.com/truce-monitoring/truce/internal/store"
)

// TestWordsAreTsvectorLexemes checks what the PostgreSQL probe relies on
// (candidatesPostgres): the words of a document as Words cuts them, one
// space apart, are the lexemes to_tsvector('simple') finds in them.
func TestWordsAreTsvectorLexemes(t *testing.T) {
	if !pgtest.OnPostgres() {
		t.Skip("PostgreSQL only")
	}
	ctx := context.Background()
	dir := t.TempDir()
	db, err := store.Open(ctx, dir, store.WithDatabase(pgtest.Database(t, dir)))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	texts := []string{
		"Shelling near Ağdam at 03:10, 2 mortars; ref1x3 and 12a, 1e5, 3.14, v1.2.3 — x-y z_w",
		"Обстрел у Карагачдере, часовые видели вспышки ЁЛКА",
		"Ստեփանակերտ Շուշի Մարտունի Հադրութ", "قَرْيَةُ الزَّيْتُونِ أغدام شوشا ٣٤",
		"Xocalıbağ Şuşa Füzuli Kəlbəcər İstanbul STRASSE Straße ǅemal",
		"नमस्ते दुनिया ภาษาไทย 中文字 日本語のテキスト 한국어",
		"emoji 🙂 mixed ΑΒΓ αβγ ς 𝔘𝔫𝔦 ①②③ ½ Ⅻ",
		"user@example.org http://x.test/a?b=c /usr/bin 10-20 -5 +7 don't",
	}
	for _, text := range texts {
		words := Words(text)
		body := strings.Join(words, " ")
		var lexemes []string
		rows, err := db.Query(ctx, `SELECT lexeme FROM unnest(to_tsvector('simple', ?))`, body)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var l string
			if err := rows.Scan(&l); err != nil {
				t.Fatal(err)
			}
			lexemes = append(lexemes, l)
		}
		rows.Close()
		want := slices.Clone(words)
		slices.Sort(want)
		want = slices.Compact(want)
		slices.Sort(lexemes)
		if !slices.Equal(lexemes, want) {
			t.Errorf("%q\nwords   %q\nlexemes %q", text, want, lexemes)
		}
	}
}
