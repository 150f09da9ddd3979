package web

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"slices"
	"sort"
	"strconv"
	"strings"
)

//go:embed i18n/*.json
var i18nFS embed.FS

// Language is one language the interface speaks.
type Language struct {
	Tag  string // BCP 47: en, ru, ar
	Name string // in itself, for the switcher
	Dir  string // ltr or rtl
}

// Languages are the interface's languages; the first is the fallback.
var Languages = []Language{
	{Tag: "en", Name: "English", Dir: "ltr"},
	{Tag: "ru", Name: "Русский", Dir: "ltr"},
	{Tag: "ar", Name: "العربية", Dir: "rtl"},
}

// Supported returns the language tag if the interface speaks it, else "".
func Supported(tag string) string {
	base, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
	for _, l := range Languages {
		if l.Tag == base {
			return l.Tag
		}
	}
	return ""
}

// DirOf is the writing direction of a supported language.
func DirOf(tag string) string {
	for _, l := range Languages {
		if l.Tag == tag {
			return l.Dir
		}
	}
	return "ltr"
}

// Negotiate picks the best supported language from an Accept-Language
// header, by quality, or "" when none is supported.
func Negotiate(header string) string {
	best, bestQ := "", -1.0
	for i, part := range strings.Split(header, ",") {
		if i >= 20 { // a header is not a place to spend time
			break
		}
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		if l := Supported(tag); l != "" && q > bestQ && q > 0 {
			best, bestQ = l, q
		}
	}
	return best
}

// Catalog holds every message in every language: files
// i18n/<area>.<lang>.json, each a flat object key → message, merged per
// language. Placeholders are {name}.
type Catalog struct {
	msgs map[string]map[string]string // lang → key → message
}

func loadCatalog() (*Catalog, error) {
	c := &Catalog{msgs: map[string]map[string]string{}}
	for _, l := range Languages {
		c.msgs[l.Tag] = map[string]string{}
	}
	err := fs.WalkDir(i18nFS, "i18n", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		name := strings.TrimSuffix(strings.TrimPrefix(p, "i18n/"), ".json")
		dot := strings.LastIndexByte(name, '.')
		if dot < 0 {
			return fmt.Errorf("i18n file %s: name must be <area>.<lang>.json", p)
		}
		lang := name[dot+1:]
		dst, ok := c.msgs[lang]
		if !ok {
			return fmt.Errorf("i18n file %s: unknown language %q", p, lang)
		}
		b, err := i18nFS.ReadFile(p)
		if err != nil {
			return err
		}
		var m map[string]string
		if err := json.Unmarshal(b, &m); err != nil {
			return fmt.Errorf("i18n file %s: %w", p, err)
		}
		for k, v := range m {
			if _, dup := dst[k]; dup {
				return fmt.Errorf("i18n file %s: key %q defined twice for %s", p, k, lang)
			}
			dst[k] = v
		}
		return nil
	})
	return c, err
}

// Has reports whether the English catalogue (the reference) has key, or
// has it as a plural key.
func (c *Catalog) Has(key string) bool {
	if _, ok := c.msgs[Languages[0].Tag][key]; ok {
		return true
	}
	_, ok := c.msgs[Languages[0].Tag][key+pluralSep+"other"]
	return ok
}

// Keys returns every key of any language, sorted.
func (c *Catalog) Keys() []string {
	seen := map[string]bool{}
	for _, m := range c.msgs {
		for k := range m {
			seen[k] = true
		}
	}
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Missing lists "lang: key" for every key some language lacks, and for
// every plural form a language's rules need and its catalogue lacks (a
// plural key "k#few" is needed only where the language has that form).
func (c *Catalog) Missing() []string {
	out := c.pluralMissing()
	for _, k := range c.Keys() {
		if strings.Contains(k, pluralSep) {
			continue
		}
		for _, l := range Languages {
			if _, ok := c.msgs[l.Tag][k]; !ok {
				out = append(out, l.Tag+": "+k)
			}
		}
	}
	return out
}

// T translates key into lang, falling back to English and then to the key
// itself (so a missing key shows, rather than an empty label). args are
// name, value pairs for the {name} placeholders.
//
// Counts take their plural forms from the catalogue without the caller
// knowing: a key given only as plural forms ("k#one", "k#other") is
// translated for its "n" argument (as N does), and an integer argument
// {a} of a key with forms "k@a#…" is written in the form for its value
// ("{people}" → "1 person", "3 people").
func (c *Catalog) T(lang, key string, args ...any) string {
	msg, ok := c.msgs[lang][key]
	if !ok {
		if msg, ok = c.msgs[Languages[0].Tag][key]; !ok {
			if _, plural := c.msgs[Languages[0].Tag][key+pluralSep+"other"]; plural {
				for i := 0; i+1 < len(args); i += 2 {
					if n, isInt := asInt(args[i+1]); isInt && fmt.Sprint(args[i]) == "n" {
						return c.N(lang, key, n, args...)
					}
				}
			}
			return key
		}
	}
	for i := 0; i+1 < len(args); i += 2 {
		name := fmt.Sprint(args[i])
		if n, isInt := asInt(args[i+1]); isInt && name != "n" {
			if _, plural := c.msgs[Languages[0].Tag][key+"@"+name+pluralSep+"other"]; plural {
				args = slices.Clone(args)
				args[i+1] = c.N(lang, key+"@"+name, n)
			}
		}
	}
	if len(args) == 0 || !strings.Contains(msg, "{") {
		return msg
	}
	pairs := make([]string, 0, len(args))
	for i := 0; i+1 < len(args); i += 2 {
		v := args[i+1]
		switch n := v.(type) {
		case int:
			v = FormatInt(lang, int64(n))
		case int64:
			v = FormatInt(lang, n)
		}
		pairs = append(pairs, "{"+fmt.Sprint(args[i])+"}", fmt.Sprint(v))
	}
	return strings.NewReplacer(pairs...).Replace(msg)
}

func asInt(v any) (int64, bool) {
	switch n := v.(type) {
	case int:
		return int64(n), true
	case int64:
		return n, true
	case int32:
		return int64(n), true
	}
	return 0, false
}

// FormatInt writes n with the language's digit grouping: 12,345 in
// English, 12 345 in Russian (a no-break space), ١٢٬٣٤٥ in Arabic.
func FormatInt(lang string, n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	sep := ","
	switch lang {
	case "ru":
		sep = "\u00a0"
	case "ar":
		sep = "\u066c"
	}
	var b strings.Builder
	if neg {
		b.WriteString("-")
	}
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(sep)
		}
		if lang == "ar" {
			r = '\u0660' + (r - '0')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// FormatFloat writes f with dec decimals and the language's separators.
func FormatFloat(lang string, f float64, dec int) string {
	s := strconv.FormatFloat(f, 'f', dec, 64)
	whole, frac, _ := strings.Cut(s, ".")
	n, _ := strconv.ParseInt(whole, 10, 64)
	out := FormatInt(lang, n)
	if whole == "-0" {
		out = "-" + out
	}
	if frac == "" {
		return out
	}
	point := "."
	switch lang {
	case "ru":
		point = ","
	case "ar":
		point = "\u066b"
		var b strings.Builder
		for _, r := range frac {
			b.WriteRune('\u0660' + (r - '0'))
		}
		frac = b.String()
	}
	return out + point + frac
}

// LoadCatalog reads every embedded catalogue: what the web pages speak,
// and what other packages that write for readers (the reports) translate
// with.
func LoadCatalog() (*Catalog, error) { return loadCatalog() }
