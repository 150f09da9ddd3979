package web

import "strings"

// pluralSep separates a message key from its plural form in a catalogue:
// "review.decisions#one", "review.decisions#few".
const pluralSep = "#"

// pluralForms are the CLDR plural categories each language's catalogue
// must give for a plural key.
var pluralForms = map[string][]string{
	"en": {"one", "other"},
	"ru": {"one", "few", "many", "other"},
	"ar": {"zero", "one", "two", "few", "many", "other"},
}

// PluralForm is the CLDR plural category of the whole number n in lang
// (https://www.unicode.org/cldr/charts/latest/supplemental/language_plural_rules.html).
func PluralForm(lang string, n int64) string {
	if n < 0 {
		n = -n
	}
	switch lang {
	case "ru":
		switch d, h := n%10, n%100; {
		case d == 1 && h != 11:
			return "one"
		case d >= 2 && d <= 4 && (h < 12 || h > 14):
			return "few"
		default:
			return "many"
		}
	case "ar":
		switch h := n % 100; {
		case n == 0:
			return "zero"
		case n == 1:
			return "one"
		case n == 2:
			return "two"
		case h >= 3 && h <= 10:
			return "few"
		case h >= 11 && h <= 99:
			return "many"
		default:
			return "other"
		}
	}
	if n == 1 {
		return "one"
	}
	return "other"
}

// N translates a plural key for the count n: the catalogue's form of key
// for n in lang, with {n} the number written for the language; more
// placeholders as name, value pairs.
func (c *Catalog) N(lang, key string, n int64, args ...any) string {
	form := key + pluralSep + PluralForm(lang, n)
	if _, ok := c.msgs[lang][form]; !ok {
		form = key + pluralSep + "other"
	}
	return c.T(lang, form, append([]any{"n", n}, args...)...)
}

// pluralMissing lists the plural forms a language lacks for the plural
// keys of any language.
func (c *Catalog) pluralMissing() []string {
	bases := map[string]bool{}
	for _, m := range c.msgs {
		for k := range m {
			if base, _, ok := strings.Cut(k, pluralSep); ok {
				bases[base] = true
			}
		}
	}
	var out []string
	for base := range bases {
		for _, l := range Languages {
			for _, f := range pluralForms[l.Tag] {
				if _, ok := c.msgs[l.Tag][base+pluralSep+f]; !ok {
					out = append(out, l.Tag+": "+base+pluralSep+f)
				}
			}
		}
	}
	return out
}
