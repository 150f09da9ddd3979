package report

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// fromInput reports whether every character of out comes from in: itself,
// a mirrored character (for one in in), a presentation form (or ligature) of characters of
// in, or U+FFFD for what the font cannot draw.
func fromInput(in, out string) (rune, bool) {
	have := map[rune]bool{}
	mirrored := false
	for _, r := range in + norm.NFKC.String(in) {
		have[r] = true
		mirrored = mirrored || unicode.In(r, unicode.P, unicode.S)
	}
	for _, r := range out {
		if have[r] || r == '\uFFFD' || r == ' ' {
			continue
		}
		if unicode.In(r, unicode.P, unicode.S) && mirrored {
			// HarfBuzz draws a mirrored character (a bracket, a sign) by its
			// mirror's glyph in right-to-left text.
			continue
		}
		for _, d := range norm.NFKC.String(string(r)) {
			if !have[d] {
				return r, false
			}
		}
	}
	return 0, true
}

func TestTypesetter(t *testing.T) {
	ts, err := newTypesetter(false, func(s string) float64 { return float64(utf8.RuneCountInString(s)) })
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct{ name, in, want string }{
		{"latin is left alone", "Daily report 163/2021 (draft)", "Daily report 163/2021 (draft)"},
		// سلام: seen initial, lam-alef as the final ligature, meem isolated
		// (an isolated form is drawn by the letter's own code point: the
		// font maps both to one glyph).
		{"contextual forms and lam-alef", "سلام", "\u0645\uFEFC\uFEB3"},
		{"persian letters are shaped", "پیک", "\uFB8F\uFBFF\uFB58"},
		{"digits keep their order in Arabic text", "في 31", "31 \uFEF2\uFED3"},
		{"latin inside an Arabic line", "قال Lavrov", "Lavrov \u0644\uFE8E\uFED7"},
		{"arabic inside a latin line", "Minister لافروف said", "Minister \u0641\u0648\uFEAE\uFED3\uFEFB said"},
		{"numbers after arabic in a latin line", "Report قتل 3 جنود", "Report \u062F\uFEEE\uFEE8\uFE9F 3 \uFEDE\uFE98\uFED7"},
		{"brackets mirror in right-to-left text", "(سلام)", "(\u0645\uFEFC\uFEB3)"},
		{"zero-width non-joiner is kept", "آتش‌بس", "\uFEB2\uFE91\u200C\uFEB6\uFE97\u0622"},
		{"armenian", "Հայաստան", "Հայաստան"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := ts.Visual(c.in); got != c.want {
				t.Errorf("Visual(%q) = %+q, want %+q", c.in, got, c.want)
			}
		})
	}
}

// The second line of a wrapped left-to-right paragraph that starts with an
// Arabic word stays left to right, and the other way round.
func TestLineDirectionIsTheParagraphs(t *testing.T) {
	ts, err := newTypesetter(false, func(s string) float64 { return float64(utf8.RuneCountInString(s)) })
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		para string
		rtl  bool
	}{
		{"Министр Лавров заявил قالت وزارة الخارجية الروسية", false},
		{"قالت وزارة الخارجية Sergei Lavrov Minister of Foreign Affairs", true},
	} {
		lines := ts.layout(c.para, 22, false)
		if len(lines) < 2 {
			t.Fatalf("%q: %d lines", c.para, len(lines))
		}
		for i, l := range lines {
			if l.RTL != c.rtl {
				t.Errorf("%q line %d %q: rtl %v, want the paragraph's %v", c.para, i+1, l.Visual, l.RTL, c.rtl)
			}
		}
	}
}

// FuzzTypeset: any text is laid out without a panic, every line within
// its width when its words fit, every character drawn from the input.
func FuzzTypeset(f *testing.F) {
	for _, s := range []string{"سلام", "Minister لافروف said (31)", "لَا", "", "abc", "\u0644", "پیک گچ ژاله", "Հայաստան Armenia", "قتل 3 جنود في 12 يونيو 2021",
		"\u202bembedded\u202c \u2067isolate\u2069", "a\nb\r\nc\u2029d", "\x00\x01\ufffe", "((]]"} {
		f.Add(s, uint8(20))
	}
	ts, err := newTypesetter(false, func(s string) float64 { return float64(utf8.RuneCountInString(s)) })
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string, width uint8) {
		if !utf8.ValidString(s) {
			return
		}
		w := float64(width%60 + 1)
		var all strings.Builder
		for _, l := range ts.layout(s, w, width%2 == 0) {
			all.WriteString(l.Visual)
		}
		if r, ok := fromInput(s, all.String()); !ok {
			t.Fatalf("layout(%q) drew %q, not from the input", s, r)
		}
		v := ts.Visual(s)
		if r, ok := fromInput(s, v); !ok {
			t.Fatalf("Visual(%q) = %q drew %q, not from the input", s, v, r)
		}
	})
}
