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
			if msg, ok := c.msgs[l.Tag][k]; strings.TrimSpace(msg) == "" && (ok || !strings.Contains(k, pluralSep)) {
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
	literal := regexp.MustCompile(`\.[TN] "([a-z0-9_.]+)"`)
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
		ref := k
		if base, _, ok := strings.Cut(k, pluralSep); ok {
			ref = base + pluralSep + "other" // a plural form's number may be written as a word ("одна")
		}
		want := strings.Join(ph.FindAllString(c.msgs["en"][ref], -1), ",")
		for _, l := range Languages[1:] {
			msg, ok := c.msgs[l.Tag][k]
			if !ok {
				continue
			}
			got := ph.FindAllString(msg, -1)
			if ref != k && len(got) < len(ph.FindAllString(c.msgs["en"][ref], -1)) && !strings.Contains(want, "{n}") {
				t.Errorf("%s %s: placeholders %v, English has %s", l.Tag, k, got, want)
			}
			if ref == k && len(got) != len(ph.FindAllString(c.msgs["en"][k], -1)) {
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

func TestPluralForms(t *testing.T) {
	for _, tc := range []struct {
		lang string
		n    int64
		want string
	}{
		{"en", 0, "other"}, {"en", 1, "one"}, {"en", 2, "other"}, {"en", 21, "other"},
		{"ru", 1, "one"}, {"ru", 21, "one"}, {"ru", 11, "many"}, {"ru", 2, "few"}, {"ru", 24, "few"}, {"ru", 12, "many"},
		{"ru", 5, "many"}, {"ru", 0, "many"}, {"ru", 111, "many"}, {"ru", 101, "one"},
		{"ar", 0, "zero"}, {"ar", 1, "one"}, {"ar", 2, "two"}, {"ar", 3, "few"}, {"ar", 10, "few"}, {"ar", 11, "many"},
		{"ar", 99, "many"}, {"ar", 100, "other"}, {"ar", 102, "other"}, {"ar", 103, "few"},
	} {
		if got := PluralForm(tc.lang, tc.n); got != tc.want {
			t.Errorf("PluralForm(%s, %d) = %s, want %s", tc.lang, tc.n, got, tc.want)
		}
	}
	c := &Catalog{msgs: map[string]map[string]string{
		"en": {"x#one": "{n} vehicle", "x#other": "{n} vehicles"},
		"ru": {"x#one": "{n} машина", "x#few": "{n} машины", "x#many": "{n} машин", "x#other": "{n} машины"},
		"ar": {"x#zero": "لا مركبات", "x#one": "مركبة واحدة", "x#two": "مركبتان", "x#few": "{n} مركبات", "x#many": "{n} مركبة", "x#other": "{n} مركبة"},
	}}
	for _, tc := range []struct {
		lang string
		n    int64
		want string
	}{{"en", 1, "1 vehicle"}, {"en", 1000, "1,000 vehicles"}, {"ru", 3, "3 машины"}, {"ru", 11, "11 машин"}, {"ar", 2, "مركبتان"}, {"ar", 5, "٥ مركبات"}} {
		if got := c.N(tc.lang, "x", tc.n); got != tc.want {
			t.Errorf("N(%s, %d) = %q, want %q", tc.lang, tc.n, got, tc.want)
		}
	}
	delete(c.msgs["ru"], "x#few")
	if m := c.Missing(); len(m) != 1 || m[0] != "ru: x#few" {
		t.Errorf("Missing = %v", m)
	}
}
