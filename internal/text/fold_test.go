package text

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestFold(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"ascii upper", "AGDAM", "agdam"},
		{"azerbaijani breve", "Ağdam", "agdam"},
		{"azerbaijani cedilla", "Şuşa", "susa"},
		{"azerbaijani dotted capital I", "İsmayıllı", "ismayilli"},
		{"azerbaijani capital I without dot", "ISMAYILLI", "ismayilli"},
		{"azerbaijani schwa upper", "XANKƏNDİ", "xankəndi"},
		{"azerbaijani schwa lower", "Xankəndi", "xankəndi"},
		{"turned E typed as capital schwa", "XANKƎNDI", "xankəndi"},
		{"armenian upper", "ՍՏԵՓԱՆԱԿԵՐՏ", "ստեփանակերտ"},
		{"armenian title", "Ստեփանակերտ", "ստեփանակերտ"},
		{"russian upper", "ХАНКЕНДИ", "ханкенди"},
		{"russian yo", "Ёлка", "елка"},
		{"arabic with harakat", "أَغْدَام", "اغدام"},
		{"arabic without harakat", "أغدام", "اغدام"},
		{"arabic tatweel", "اغـــدام", "اغدام"},
		{"persian zwnj", "می\u200cخواهم", "میخواهم"},
		{"german sharp s", "Straße", "strasse"},
		{"greek final sigma", "ΟΔΟΣ οδος", "οδοσ οδοσ"},
		{"ligature", "ﬁeld", "field"},
		{"full-width", "ＡＢＣ", "abc"},
		{"whitespace collapsed and trimmed", "  Ağdam \t\n  district\u00a0 ", "agdam district"},
		{"ideographic space", "a\u3000b", "a b"},
		{"control characters become space", "a\x00\x01b", "a b"},
		{"bidi controls dropped", "\u202eabc\u202c", "abc"},
		{"empty", "", ""},
		{"only space", " \t\n ", ""},
		{"invalid utf-8 replaced", "a\xffb", "a\ufffdb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Fold(tt.in); got != tt.want {
				t.Errorf("Fold(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestFoldMatches(t *testing.T) {
	same := [][2]string{
		{"Ağdam", "AGDAM"},
		{"Ağdam", "agdam"},
		{"Şuşa", "susa"},
		{"Ǝ", "ə"},
		{"Ə", "ə"},
		{"Ստեփանակերտ", "ՍՏԵՓԱՆԱԿԵՐՏ"},
		{"Ханкенди", "ХАНКЕНДИ"},
		{"أَغْدَام", "أغدام"},
		{"Füzuli", "FUZULI"},
		{"Laçın", "LACIN"},
	}
	for _, p := range same {
		if Fold(p[0]) != Fold(p[1]) {
			t.Errorf("Fold(%q) = %q and Fold(%q) = %q differ; want equal", p[0], Fold(p[0]), p[1], Fold(p[1]))
		}
	}
	// Distinct letters stay distinct.
	different := [][2]string{
		{"Xankəndi", "xankendi"},
		{"Ağdam", "Ağdere"},
		{"Ханкенди", "Xankendi"},
	}
	for _, p := range different {
		if Fold(p[0]) == Fold(p[1]) {
			t.Errorf("Fold(%q) == Fold(%q) == %q; want different", p[0], p[1], Fold(p[0]))
		}
	}
}

func FuzzFold(f *testing.F) {
	for _, s := range []string{
		"", "Ağdam", "Şuşa", "İsmayıllı", "XANKƎNDI", "Ստեփանակերտ", "ХАНКЕНДИ", "أَغْدَام",
		"Straße", "ﬁ", "ΐ", "ǅ", "\u0345", "a\xffb", "  a \t b  ", "\u1e9e", "ﾊﾟ",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		once := Fold(s)
		if twice := Fold(once); twice != once {
			t.Fatalf("Fold is not idempotent: Fold(%q) = %q, Fold of that = %q", s, once, twice)
		}
		if !utf8.ValidString(once) {
			t.Fatalf("Fold(%q) = %q is not valid UTF-8", s, once)
		}
		for _, r := range once {
			if unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf, unicode.Cc) {
				t.Fatalf("Fold(%q) = %q keeps %U", s, once, r)
			}
		}
	})
}

// TestFoldFieldsMatchWhole checks the field-by-field Fold against folding
// the whole string at once (foldUnicode, the steps Fold documents), on
// strings mixing ASCII, spaces, controls and the characters that decompose,
// fold or vanish.
func TestFoldFieldsMatchWhole(t *testing.T) {
	pieces := []string{"a", "Z", "Q", "7", " ", "  ", "\t", "\n", "\x00", "\x7f", "-", ".", "é", "E\u0301", "\u0301", "İ", "ı",
		"ǝ", "Ǝ", "ß", "ẞ", "ﬁ", "\u00a0", "\u3000", "¨", "\u0640", "\u200d", "\u200f", "ΐ", "ǅ", "\u0345", "\xff", "Ж", "أَ", "ﾊﾟ", "\u0085"}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		var b strings.Builder
		for range rng.IntN(8) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		s := b.String()
		if got, want := Fold(s), foldUnicode(s); got != want {
			t.Fatalf("Fold(%q) = %q; folding the whole string gives %q", s, got, want)
		}
	}
}

func BenchmarkFold(b *testing.B) {
	for _, c := range []struct{ name, s string }{
		{"ascii", "Shelling reported near the observation post north of Agdam at night, two mortar rounds"},
		{"mixed", "Обстрел near Ağdam: два миномётных выстрела, observation post 4"},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				Fold(c.s)
			}
		})
	}
}
