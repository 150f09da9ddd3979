package search

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/truce-monitoring/truce/internal/access"
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

// TestProbeFindsWhatTheIndexFinds: on PostgreSQL, for a word in most
// documents, the probe (candidatesPostgres reading documents in turn)
// returns the same candidates as the GIN index, each visible to the reader.
func TestProbeFindsWhatTheIndexFinds(t *testing.T) {
	if !pgtest.OnPostgres() {
		t.Skip("PostgreSQL only")
	}
	ctx := context.Background()
	dir := t.TempDir()
	url := pgtest.Database(t, dir)
	db, err := store.Open(ctx, dir, store.WithDatabase(url))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := writeDocsPostgres(ctx, url, 8000); err != nil {
		t.Fatal(err)
	}
	s := &Service{db: db, indexOnly: true}
	liaison := access.Principal{UserID: "usr_t", Org: "org_a", OrgKind: "side", Roles: []access.Role{access.Liaison}, Via: "token"}
	cond, condArgs := access.Filter(liaison, "d", readersTable)
	for _, query := range []string{"shelling", "mortar ni", "sh"} {
		q, err := ParseQuery(query)
		if err != nil {
			t.Fatal(err)
		}
		if !s.common(ctx, q) {
			t.Fatalf("%q: the statistics do not find it common", query)
		}
		probed, err := s.candidatesPostgres(ctx, q, cond, condArgs)
		if err != nil {
			t.Fatal(err)
		}
		indexed, err := s.candidates(ctx, fmt.Sprintf(`SELECT d.entity, d.id, d.title, d.body FROM %s d WHERE to_tsvector('simple', d.body) @@ to_tsquery('simple', ?) AND %s LIMIT %d`, docsTable, cond, maxRanked),
			append([]any{q.tsquery()}, condArgs...))
		if err != nil {
			t.Fatal(err)
		}
		ids := func(cs []candidate) []string {
			var out []string
			for _, c := range cs {
				out = append(out, c.hit.ID)
			}
			slices.Sort(out)
			return out
		}
		if len(probed) != maxRanked || !slices.Equal(ids(probed), ids(indexed)) {
			t.Errorf("%q: the probe found %d candidates, the index %d; same: %v", query, len(probed), len(indexed), slices.Equal(ids(probed), ids(indexed)))
		}
		res, err := s.Search(ctx, liaison, query, store.PageRequest{Limit: 20})
		if err != nil {
			t.Fatal(err)
		}
		if res.Total != maxCount || !res.More || len(res.Items) != 20 {
			t.Errorf("%q: total %d more %v, %d hits", query, res.Total, res.More, len(res.Items))
		}
	}
	// A place (one document in forty) goes to the index directly.
	if q, _ := ParseQuery("agdam"); s.common(ctx, q) {
		t.Error("agdam: the statistics find it common")
	}
}
