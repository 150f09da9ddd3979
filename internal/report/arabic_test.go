package report

import (
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

func TestVisual(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"latin is left alone", "Daily report 163/2021 (draft)", "Daily report 163/2021 (draft)"},
		// سلام: seen initial, lam-alef as the final ligature, meem isolated
		// (alef never joins the letter after it); reversed for display.
		{"contextual forms", "سلام", "\uFEE1\uFEFC\uFEB3"},
		{"initial, medial and final", "بيت", "\uFE96\uFEF4\uFE91"},
		{"lam-alef ligature, isolated", "لا", "\uFEFB"},
		{"lam-alef ligature, final", "بلا", "\uFEFC\uFE91"},
		{"right-joining letters break the word", "دار", "\uFEAD\uFE8D\uFEA9"},
		{"digits keep their order in Arabic text", "في 31", "31 \uFEF2\uFED3"},
		{"latin inside an Arabic line", "قال Lavrov", "Lavrov \uFEDD\uFE8E\uFED7"},
		{"arabic inside a latin line", "Minister لافروف said", "Minister \uFED1\uFEED\uFEAE\uFED3\uFEFB said"},
		{"brackets mirror in right-to-left text", "(سلام)", "(\uFEE1\uFEFC\uFEB3)"},
		{"harakat are skipped when joining", "بَب", "\uFE90\u064E\uFE91"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Visual(c.in); got != c.want {
				t.Errorf("Visual(%q) = %+q, want %+q", c.in, got, c.want)
			}
		})
	}
}

// Reading the shaped visual string back, right to left, and normalising
// gives the logical text of a purely Arabic line.
func TestVisualRoundTrip(t *testing.T) {
	for _, s := range []string{"قالت وزارة الخارجية الروسية", "تبادل الأسرى مقابل خرائط الألغام", "لا سلام بلا ثقة"} {
		v := []rune(Visual(s))
		for i, j := 0, len(v)-1; i < j; i, j = i+1, j-1 {
			v[i], v[j] = v[j], v[i]
		}
		if got := norm.NFKC.String(string(v)); got != s {
			t.Errorf("round trip of %q gave %q", s, got)
		}
	}
}

func FuzzVisual(f *testing.F) {
	for _, s := range []string{"سلام", "Minister لافروف said (31)", "لَا", "", "abc", "\u0644"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		v := Visual(s)
		if utf8.RuneCountInString(v) > utf8.RuneCountInString(s) {
			t.Fatalf("Visual(%q) grew to %q", s, v)
		}
		if !hasRTL(s) && v != s {
			t.Fatalf("Visual changed a left-to-right line %q", s)
		}
		if strings.Count(v, " ") != strings.Count(s, " ") {
			t.Fatalf("Visual(%q) lost or added spaces: %q", s, v)
		}
	})
}
