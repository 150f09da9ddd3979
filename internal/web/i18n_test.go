package web

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"
)

// Every key in every language: a missing translation fails the build's
// tests rather than showing English (or a key) to a reader.
func TestEveryKeyInEveryLanguage(t *testing.T) {
	c, err := loadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	if m := c.Missing(); len(m) > 0 {
		t.Fatalf("%d messages missing:\n%s", len(m), strings.Join(m, "\n"))
	}
	for _, k := range c.Keys() {
		for _, l := range Languages {
			if strings.TrimSpace(c.msgs[l.Tag][k]) == "" {
				t.Errorf("%s: %s is empty", l.Tag, k)
			}
		}
	}
	t.Logf("%d keys in %d languages", len(c.Keys()), len(Languages))
}

// Every literal key a template translates exists.
func TestTemplatesUseKnownKeys(t *testing.T) {
	c, err := loadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	literal := regexp.MustCompile(`\.T "([a-z0-9_.]+)"`)
	err = fs.WalkDir(templateFS, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := templateFS.ReadFile(p)
		if err != nil {
			return err
		}
		for _, m := range literal.FindAllStringSubmatch(string(b), -1) {
			if !c.Has(m[1]) {
				t.Errorf("%s: unknown message key %q", p, m[1])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestPlaceholdersAgree(t *testing.T) {
	c, err := loadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	ph := regexp.MustCompile(`\{[a-z]+\}`)
	for _, k := range c.Keys() {
		want := strings.Join(ph.FindAllString(c.msgs["en"][k], -1), ",")
		for _, l := range Languages[1:] {
			got := ph.FindAllString(c.msgs[l.Tag][k], -1)
			if len(got) != len(ph.FindAllString(c.msgs["en"][k], -1)) {
				t.Errorf("%s %s: placeholders %v, English has %s", l.Tag, k, got, want)
			}
		}
	}
}

func TestNegotiateAndFormat(t *testing.T) {
	for in, want := range map[string]string{"": "", "ru-RU,ru;q=0.9,en;q=0.8": "ru", "fr, ar;q=0.5": "ar", "de": "", "en;q=0, ru;q=0.1": "ru", "AR-EG": "ar"} {
		if got := Negotiate(in); got != want {
			t.Errorf("Negotiate(%q) = %q, want %q", in, got, want)
		}
	}
	for _, tc := range []struct {
		lang string
		n    int64
		want string
	}{{"en", 1234567, "1,234,567"}, {"ru", 12345, "12\u00a0345"}, {"ar", 1234, "١٬٢٣٤"}, {"en", -999, "-999"}, {"en", 0, "0"}} {
		if got := FormatInt(tc.lang, tc.n); got != tc.want {
			t.Errorf("FormatInt(%s, %d) = %q, want %q", tc.lang, tc.n, got, tc.want)
		}
	}
	if got := FormatFloat("ru", 39.5, 2); got != "39,50" {
		t.Errorf("FormatFloat ru = %q", got)
	}
	if got := FormatFloat("en", -0.5, 1); got != "-0.5" {
		t.Errorf("FormatFloat -0.5 = %q", got)
	}
}

func FuzzNegotiate(f *testing.F) {
	for _, s := range []string{"", "ru-RU,ru;q=0.9", "ar;q=abc", ";;;,,,", "en;q=0.5,ar;q=0.6"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		got := Negotiate(h)
		if got != "" && Supported(got) != got {
			t.Fatalf("Negotiate(%q) = %q, not a supported language", h, got)
		}
	})
}
