package web

import (
	"html/template"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
)

// Namer gives the names a reader should see for organisations and places.
type Namer interface {
	// OrgName is an organisation's name in lang ("" id: "").
	OrgName(lang, id string) string
	// PlaceNames is a place's name in the reader's convention (lang, and
	// the side the reader belongs to) and its other names.
	PlaceNames(lang, side, id string) (name string, others []string)
	// UserName is a user's display name if the reader may know it, else "".
	UserName(id string) string
	// ProvisionName is a provision's number and summary if the reader
	// may read it, else "", "".
	ProvisionName(id string) (number, summary string)
}

// Page is what every template receives. Templates translate with
// {{.T "key"}}, link static files with {{.Asset "file"}}, and find the
// page's own data in .Data.
type Page struct {
	Title     string // a message key
	Lang, Dir string
	Demo      bool
	User      *access.Principal
	CSRF      string
	Nav       string // the navigation entry to mark current
	Error     string // a message shown at the top (already translated or from the server)
	Notice    string // a confirmation of what was just done (see ui's done)
	Back      string // on an error page, the page the reader came from on this site
	Location  *time.Location
	Form      *Form
	Data      any
	URI       string   // this page's path and query, to come back to
	JSKeys    []string // message keys the page's JavaScript needs
	Scripts   []string // static files loaded as modules
	Names     Namer
	Languages []Language
	// Offers are what the domain says the reader may do here — "lodge",
	// "observe", "review", "accounts", "requests", "decide_requests" —
	// which the navigation and forms offer; a template never decides it.
	Offers map[string]bool
	// RegistryNav are the registries' entries in the navigation.
	RegistryNav []NavItem
	// Alarms are the witnesses that refused the log's checkpoint, shown
	// on every page to those the domain lets read them.
	Alarms []Alarm

	r *Renderer
}

// T translates a key; args are name, value pairs for placeholders.
func (p *Page) T(key string, args ...any) string {
	if p.r == nil {
		return key
	}
	return p.r.Catalog.T(p.Lang, key, args...)
}

// Asset is the content-hashed URL of a static file.
func (p *Page) Asset(name string) string {
	if p.r == nil {
		return "/static/missing/" + name
	}
	return p.r.Assets.URL(name)
}

// HasAsset reports whether a static file exists, so that a page can load
// the map's scripts only where the map is built in.
func (p *Page) HasAsset(name string) bool {
	if p.r == nil {
		return false
	}
	_, ok := p.r.Assets.byName[name]
	return ok
}

// Side is the side the reader acts for ("" unless a side's liaison).
func (p *Page) Side() string {
	if p.User == nil {
		return ""
	}
	return p.User.Side()
}

// May reports whether the domain offers the reader action (see Offers).
func (p *Page) May(action string) bool { return p.Offers[action] }

// Time renders t in the reader's time zone with the UTC time on hover.
func (p *Page) Time(t time.Time) template.HTML {
	if t.IsZero() {
		return ""
	}
	loc := p.Location
	if loc == nil {
		loc = time.UTC
	}
	local := t.In(loc)
	txt := local.Format("2006-01-02 15:04")
	if loc != time.UTC {
		txt += " " + local.Format("MST")
	}
	return template.HTML(`<time dir="ltr" datetime="` + t.UTC().Format(time.RFC3339) + `" title="` +
		t.UTC().Format("2006-01-02 15:04:05") + ` UTC">` + template.HTMLEscapeString(txt) + `</time>`)
}

// TimePtr is Time for an optional time.
func (p *Page) TimePtr(t *time.Time) template.HTML {
	if t == nil {
		return ""
	}
	return p.Time(*t)
}

// Date renders the day of t in the reader's time zone.
func (p *Page) Date(t time.Time) template.HTML {
	if t.IsZero() {
		return ""
	}
	loc := p.Location
	if loc == nil {
		loc = time.UTC
	}
	return template.HTML(`<time dir="ltr" datetime="` + t.UTC().Format(time.RFC3339) + `" title="` +
		t.UTC().Format("2006-01-02 15:04") + ` UTC">` + t.In(loc).Format("2006-01-02") + `</time>`)
}

// Num formats a whole number for the language.
func (p *Page) Num(n any) string {
	switch v := n.(type) {
	case int:
		return FormatInt(p.Lang, int64(v))
	case int64:
		return FormatInt(p.Lang, v)
	case float64:
		if v == float64(int64(v)) {
			return FormatInt(p.Lang, int64(v))
		}
		return FormatFloat(p.Lang, v, 2)
	case *float64:
		if v == nil {
			return ""
		}
		return p.Num(*v)
	case *int64:
		if v == nil {
			return ""
		}
		return FormatInt(p.Lang, *v)
	}
	return ""
}

// Coord formats a latitude or longitude.
func (p *Page) Coord(f float64) string { return FormatFloat(p.Lang, f, 5) }

// Org is an organisation's name.
func (p *Page) Org(id string) string {
	if p.Names == nil || id == "" {
		return id
	}
	return p.Names.OrgName(p.Lang, id)
}

// Place renders a place's name in the reader's convention, isolated, with
// the other names on hover.
func (p *Page) Place(id string) template.HTML {
	if id == "" {
		return ""
	}
	name, others := id, []string(nil)
	if p.Names != nil {
		name, others = p.Names.PlaceNames(p.Lang, p.Side(), id)
	}
	title := ""
	if len(others) > 0 {
		title = ` title="` + template.HTMLEscapeString(strings.Join(others, " · ")) + `"`
	}
	return template.HTML(`<bdi class="place"` + title + `>` + template.HTMLEscapeString(name) + `</bdi>`)
}

// I18nJSON is the messages the page's scripts need, for a
// <script type="application/json" id="i18n"> block: html/template writes
// the map there as JSON, escaped for a script element.
func (p *Page) I18nJSON() map[string]string {
	m := map[string]string{}
	for _, k := range p.JSKeys {
		m[k] = p.T(k)
	}
	return m
}

// Alarm is a witness's refusal of the log's checkpoint of Size.
type Alarm struct {
	Witness string
	Size    int64
}

// NavItem is one entry of the navigation.
type NavItem struct{ Key, Path, Label string }

// Form is what a form shows again: what the user typed, the server's
// errors per field, and the idempotency key of this submission.
type Form struct {
	Values url.Values
	Errors map[string]string
	Key    string
}

// V is the value typed in a field.
func (f *Form) V(name string) string {
	if f == nil {
		return ""
	}
	return f.Values.Get(name)
}

// Is reports whether a field holds value (for selected options).
func (f *Form) Is(name, value string) bool { return f.V(name) == value }

// E is the error for a field, "" when none: the field's own, or the
// first of a field under it ("casualties.killed" shows an error of
// "casualties.killed.civilians.best").
func (f *Form) E(name string) string {
	if f == nil || len(f.Errors) == 0 {
		return ""
	}
	if m, ok := f.Errors[name]; ok {
		return m
	}
	best := ""
	for k := range f.Errors {
		if (strings.HasPrefix(k, name+".") || strings.HasPrefix(k, name+"[")) && (best == "" || k < best) {
			best = k
		}
	}
	if best == "" {
		return ""
	}
	return f.Errors[best]
}

// MapBox is the "west,south,east,north" box a map opens on to show a
// circle of radiusM metres round (lat, lon), with a margin, and at least
// about 4 km across.
func (p *Page) MapBox(lat, lon, radiusM float64) string {
	r := max(radiusM*1.5, 2000)
	dLat := r / 111320
	dLon := dLat / max(math.Cos(lat*math.Pi/180), 0.01)
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', 5, 64) }
	return f(lon-dLon) + "," + f(lat-dLat) + "," + f(lon+dLon) + "," + f(lat+dLat)
}

// Reader is who the page is for: the signed-in user, or an anonymous
// reader.
func (p *Page) Reader() access.Principal {
	if p.User != nil {
		return *p.User
	}
	return access.Anonymous
}
