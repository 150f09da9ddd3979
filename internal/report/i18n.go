package report

import (
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/truce-monitoring/truce/internal/web"
)

// A report is written in one language: every heading, label, enumeration
// and sentence comes from the catalogues the web pages use
// (internal/web/i18n/report.<lang>.json, keys "rpt.…", and the pages' own
// words for categories, statuses and outcomes), numbers and dates in the
// language's conventions. The data (JSON) keeps its codes and numbers as
// they are; the words written into it (title, period, labels) are in the
// report's language.

var catalog = sync.OnceValues(web.LoadCatalog)

// Languages lists the tags of the languages reports are written in, the
// first being the default: issuing a report writes it in every one.
func Languages() []string {
	out := make([]string, 0, len(web.Languages))
	for _, l := range web.Languages {
		out = append(out, l.Tag)
	}
	return out
}

// DefaultLang is the language of a report whose request names none.
const DefaultLang = "en"

// SupportedLang returns tag if reports are written in it ("" → the
// default), or "" and false.
func SupportedLang(tag string) (string, bool) {
	if tag == "" {
		return DefaultLang, true
	}
	for _, l := range web.Languages {
		if l.Tag == tag {
			return tag, true
		}
	}
	return "", false
}

// usedKeys records every catalogue key a report asked for, so that a test
// can check each exists in every language.
var usedKeys sync.Map

// tr writes in one language. plain is for machine-read tables (CSV):
// numbers without grouping in ASCII digits, dates and times in ISO 8601;
// the words stay translated.
type tr struct {
	lang  string
	plain bool
	c     *web.Catalog
}

func newTr(lang string, plain bool) tr {
	if l, ok := SupportedLang(lang); ok {
		lang = l
	} else {
		lang = DefaultLang
	}
	c, err := catalog()
	if err != nil {
		panic("report: the catalogues do not load: " + err.Error()) // embedded: a test catches it
	}
	return tr{lang: lang, plain: plain, c: c}
}

// T is the report's message key ("rpt." is prefixed) with its arguments.
func (t tr) T(key string, args ...any) string {
	usedKeys.Store("rpt."+key, true)
	return t.c.T(t.lang, "rpt."+key, args...)
}

// N is the plural message key for count n.
func (t tr) N(key string, n int, args ...any) string {
	usedKeys.Store("rpt."+key, true)
	return t.c.N(t.lang, "rpt."+key, int64(n), args...)
}

// enum names a code of an enumeration: the pages' word for it when they
// have one (prefix.code, e.g. category.small_arms_fire), else the report
// catalogue's (rpt.prefix.code). An empty code is empty.
func (t tr) enum(prefix, code string) string {
	if code == "" {
		return ""
	}
	if t.c.Has(prefix + "." + code) {
		return t.c.T(t.lang, prefix+"."+code)
	}
	return t.T(prefix + "." + code)
}

// num writes an integer.
func (t tr) num(n int) string {
	if t.plain {
		return strconv.Itoa(n)
	}
	return web.FormatInt(t.lang, int64(n))
}

// signed writes an integer with its sign.
func (t tr) signed(n int) string {
	if n > 0 {
		return "+" + t.num(n)
	}
	return t.num(n)
}

// dec writes f with d decimals.
func (t tr) dec(f float64, d int) string {
	if t.plain {
		return strconv.FormatFloat(f, 'f', d, 64)
	}
	return web.FormatFloat(t.lang, f, d)
}

// digits writes the ASCII digits of s in the language's digits.
func (t tr) digits(s string) string {
	if t.plain || t.lang != "ar" {
		return s
	}
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return '\u0660' + r - '0'
		}
		return r
	}, s)
}

// date writes a calendar day, "12 June 2021" in the language (the day of
// t's own location).
func (t tr) date(d time.Time) string {
	if d.IsZero() {
		return ""
	}
	if t.plain {
		return d.Format("2006-01-02")
	}
	return t.T("date", "d", t.digits(strconv.Itoa(d.Day())), "month", t.T("month."+strconv.Itoa(int(d.Month()))),
		"y", t.digits(strconv.Itoa(d.Year())))
}

// day writes the UTC calendar day of t.
func (t tr) day(d time.Time) string {
	if d.IsZero() {
		return ""
	}
	return t.date(d.UTC())
}

// when writes an instant in UTC to the minute.
func (t tr) when(d time.Time) string {
	if d.IsZero() {
		return ""
	}
	if t.plain {
		return d.UTC().Format("2006-01-02T15:04Z")
	}
	return t.T("datetime", "date", t.date(d.UTC()), "time", t.digits(d.UTC().Format("15:04")))
}

// clock writes a local time and date with the zone: "12 June 2021 19:30".
func (t tr) local(d time.Time) string {
	return t.T("local_time", "date", t.date(d), "time", t.digits(d.Format("15:04")))
}

// Phrase is a message of the report catalogue (key without "rpt.") in
// lang, for the parts of a report drawn outside this file's callers (the
// PDF's "None." and page numbers: keys "none" and "page" with {n} and
// {total}).
func Phrase(lang, key string, args ...any) string { return newTr(lang, false).T(key, args...) }
