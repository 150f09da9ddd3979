// Package report produces the monitoring centre's reports: the numbered
// daily report with its cut-off time, the implementation report of an
// agreement and the periodic summary, in a public and a mission edition,
// as HTML, PDF, JSON and CSV, with charts and a map drawn on the server.
// Issuing a report freezes it: its files are stored and their hashes
// recorded as a change in the log.
//
// A report is a pure function of the records, the options and the reader's
// edition: it never reads the clock except to refuse a future date, so the
// same data gives byte-identical files.
package report

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"
	_ "time/tzdata" // the cut-off time zone must load on machines without a zoneinfo database

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/agreement"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/incident"
	"github.com/truce-monitoring/truce/internal/store"
)

// Kinds of report.
const (
	KindDaily          = "daily"
	KindImplementation = "implementation"
	KindSummary        = "summary"
)

// Editions.
const (
	EditionPublic  = "public"
	EditionMission = "mission"
)

// Formats.
const (
	FormatHTML = "html"
	FormatPDF  = "pdf"
	FormatJSON = "json"
	FormatCSV  = "csv"
)

// Formats lists every format, in the order issuing stores them.
var Formats = []string{FormatJSON, FormatHTML, FormatPDF, FormatCSV}

// MaxSummaryDays bounds a periodic summary.
const MaxSummaryDays = 400

// Config is how the mission reports.
type Config struct {
	// Zone is the IANA time zone of the cut-off (default Asia/Baku).
	Zone string
	// CutOff is the daily cut-off time "HH:MM" in Zone (default 19:30).
	CutOff string
	// Mission is the name printed on every report.
	Mission string
}

// Service builds reports.
type Service struct {
	db           *store.DB
	incidents    *incident.Service
	agreements   *agreement.Service
	geo          *geo.Service
	humanitarian Humanitarian
	evidence     EvidenceSource
	now          func() time.Time
	zone         *time.Location
	zoneName     string
	cutOff       time.Duration
	cutOffText   string
	mission      string
}

// Option configures a Service.
type Option func(*Service)

// WithClock sets the clock used to refuse future dates.
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// WithHumanitarian sets the source of the humanitarian section (the
// registries); without one the section says there is no registry data.
func WithHumanitarian(h Humanitarian) Option { return func(s *Service) { s.humanitarian = h } }

// WithEvidence sets the source of registry evidence for provisions.
func WithEvidence(e EvidenceSource) Option { return func(s *Service) { s.evidence = e } }

// New builds the service with the default configuration (19:30 Asia/Baku)
// and registers the issued reports' projection.
func New(db *store.DB, inc *incident.Service, ag *agreement.Service, g *geo.Service, opts ...Option) *Service {
	s := &Service{db: db, incidents: inc, agreements: ag, geo: g, now: time.Now}
	if err := s.Configure(Config{}); err != nil {
		panic(err) // the defaults are valid
	}
	for _, o := range opts {
		o(s)
	}
	RegisterProjection(db)
	return s
}

// Configure sets the mission's name, cut-off time and time zone; empty
// fields take the defaults.
func (s *Service) Configure(c Config) error {
	if c.Zone == "" {
		c.Zone = "Asia/Baku"
	}
	if c.CutOff == "" {
		c.CutOff = "19:30"
	}
	if c.Mission == "" {
		c.Mission = "Joint ceasefire monitoring centre"
	}
	loc, err := time.LoadLocation(c.Zone)
	if err != nil {
		return errs.Invalid("zone", "unknown time zone %q", c.Zone)
	}
	co, err := time.Parse("15:04", c.CutOff)
	if err != nil {
		return errs.Invalid("cut_off", "must be HH:MM")
	}
	s.zone, s.zoneName, s.cutOffText, s.mission = loc, c.Zone, c.CutOff, c.Mission
	s.cutOff = time.Duration(co.Hour())*time.Hour + time.Duration(co.Minute())*time.Minute
	return nil
}

// Request asks for a report.
type Request struct {
	Kind      string `json:"kind" doc:"daily, implementation or summary"`
	Date      string `json:"date,omitempty" doc:"daily: the day whose cut-off ends the period; implementation: the day it is as of (YYYY-MM-DD)"`
	From      string `json:"from,omitempty" doc:"summary: first day (YYYY-MM-DD)"`
	To        string `json:"to,omitempty" doc:"summary: last day, included (YYYY-MM-DD)"`
	Agreement string `json:"agreement,omitempty" doc:"implementation: the agreement's id"`
	Edition   string `json:"edition" doc:"public or mission"`
	Format    string `json:"format,omitempty" doc:"html, pdf, json or csv (default json)"`
	Lang      string `json:"lang,omitempty" doc:"the language the report is written in: en, ru or ar (default en)"`
}

// DecodeRequest reads a request from JSON, refusing unknown fields.
func DecodeRequest(data []byte) (Request, error) {
	var r Request
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return r, errs.Invalid("body", "is not a report request: %v", err)
	}
	if dec.More() {
		return r, errs.Invalid("body", "has data after the request")
	}
	return r, r.check()
}

var agreementIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

func parseDay(field, s string) (time.Time, error) {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return t, errs.Invalid(field, "must be a date YYYY-MM-DD")
	}
	if t.Year() < 1900 || t.Year() > 9999 {
		return t, errs.Invalid(field, "is out of range")
	}
	return t, nil
}

// check validates the request's shape (not whether the date is in the
// future, which needs the clock).
func (r *Request) check() error {
	if r.Format == "" {
		r.Format = FormatJSON
	}
	if _, ok := SupportedLang(r.Lang); !ok {
		return errs.Invalid("lang", "must be one of %s", strings.Join(Languages(), ", "))
	}
	switch r.Edition {
	case EditionPublic, EditionMission:
	default:
		return errs.Invalid("edition", "must be public or mission")
	}
	switch r.Format {
	case FormatHTML, FormatPDF, FormatJSON, FormatCSV:
	default:
		return errs.Invalid("format", "must be html, pdf, json or csv")
	}
	switch r.Kind {
	case KindDaily:
		if r.From != "" || r.To != "" || r.Agreement != "" {
			return errs.Invalid("kind", "a daily report takes only a date")
		}
		_, err := parseDay("date", r.Date)
		return err
	case KindImplementation:
		if r.From != "" || r.To != "" {
			return errs.Invalid("kind", "an implementation report takes an agreement and a date")
		}
		if !agreementIDPattern.MatchString(r.Agreement) {
			return errs.Invalid("agreement", "must be an agreement id")
		}
		_, err := parseDay("date", r.Date)
		return err
	case KindSummary:
		if r.Date != "" || r.Agreement != "" {
			return errs.Invalid("kind", "a summary takes from and to")
		}
		from, err := parseDay("from", r.From)
		if err != nil {
			return err
		}
		to, err := parseDay("to", r.To)
		if err != nil {
			return err
		}
		if to.Before(from) {
			return errs.Invalid("to", "ends before the range starts")
		}
		if to.Sub(from) > MaxSummaryDays*24*time.Hour {
			return errs.Invalid("to", "a summary covers at most %d days", MaxSummaryDays)
		}
		return nil
	}
	return errs.Invalid("kind", "must be daily, implementation or summary")
}

// ID is the report's identity: the same request for the same edition is
// the same report, whatever the format.
func (r Request) ID() string {
	switch r.Kind {
	case KindDaily:
		return "daily-" + r.Date + "-" + r.Edition
	case KindImplementation:
		return "implementation-" + r.Agreement + "-" + r.Date + "-" + r.Edition
	}
	return "summary-" + r.From + "-" + r.To + "-" + r.Edition
}

var idPattern = regexp.MustCompile(`^(daily)-(\d{4}-\d{2}-\d{2})-(public|mission)$|^(implementation)-([A-Za-z0-9_-]{1,64})-(\d{4}-\d{2}-\d{2})-(public|mission)$|^(summary)-(\d{4}-\d{2}-\d{2})-(\d{4}-\d{2}-\d{2})-(public|mission)$`)

// ParseID returns the request a report id stands for.
func ParseID(id string) (Request, error) {
	m := idPattern.FindStringSubmatch(id)
	if m == nil {
		return Request{}, errs.NotFound("report %s not found", id)
	}
	var r Request
	switch {
	case m[1] != "":
		r = Request{Kind: KindDaily, Date: m[2], Edition: m[3]}
	case m[4] != "":
		r = Request{Kind: KindImplementation, Agreement: m[5], Date: m[6], Edition: m[7]}
	default:
		r = Request{Kind: KindSummary, From: m[9], To: m[10], Edition: m[11]}
	}
	if err := r.check(); err != nil {
		return Request{}, errs.NotFound("report %s not found", id)
	}
	return r, nil
}

// Period is a reporting period: from (excluded in words, included in
// queries as [From, To)) one cut-off to the next.
type Period struct {
	From   time.Time `json:"from"`
	To     time.Time `json:"to"`
	Zone   string    `json:"zone"`
	CutOff string    `json:"cut_off"`
	Label  string    `json:"label"`
}

// dayPeriod is the period of the daily report of day: from the cut-off of
// the day before to the cut-off of day, local time.
func (s *Service) dayPeriod(day time.Time) Period {
	// The cut-off is a wall-clock time: on a day the clocks change, the
	// period is an hour shorter or longer, as the mission's day is.
	h, m := int(s.cutOff/time.Hour), int(s.cutOff%time.Hour/time.Minute)
	end := time.Date(day.Year(), day.Month(), day.Day(), h, m, 0, 0, s.zone)
	start := time.Date(day.Year(), day.Month(), day.Day()-1, h, m, 0, 0, s.zone)
	return s.period(start, end)
}

func (s *Service) period(from, to time.Time) Period {
	label := fmt.Sprintf("%s %s to %s %s (%s, UTC%s)", from.In(s.zone).Format("2 January 2006"), s.cutOffText,
		to.In(s.zone).Format("2 January 2006"), s.cutOffText, s.zoneName, to.In(s.zone).Format("-07:00"))
	return Period{From: from.UTC(), To: to.UTC(), Zone: s.zoneName, CutOff: s.cutOffText, Label: label}
}

// readerFor returns the principal a report is generated as: for the
// public edition an anonymous reader of public records, for the mission
// edition the requester, who must have the right to mission material.
func readerFor(p access.Principal, edition string) (access.Principal, error) {
	if edition == EditionPublic {
		return access.Anonymous, nil
	}
	if !access.CanRead(p, access.Resource{Kind: EntityReport, Classification: access.Mission}) {
		return access.Principal{}, errs.Forbidden("the mission edition is for mission staff and the parties' liaisons; ask for the public edition")
	}
	return p, nil
}

// Generate builds the report a request asks for, as p may read it.
func (s *Service) Generate(ctx context.Context, p access.Principal, r Request) (*Report, error) {
	if err := r.check(); err != nil {
		return nil, err
	}
	reader, err := readerFor(p, r.Edition)
	if err != nil {
		return nil, err
	}
	today := s.now().In(s.zone)
	todayDay := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
	var rep *Report
	switch r.Kind {
	case KindDaily:
		day, _ := parseDay("date", r.Date)
		if day.After(todayDay) {
			return nil, errs.Invalid("date", "is in the future")
		}
		rep, err = s.daily(ctx, reader, day)
	case KindImplementation:
		day, _ := parseDay("date", r.Date)
		if day.After(todayDay) {
			return nil, errs.Invalid("date", "is in the future")
		}
		rep, err = s.implementation(ctx, reader, r.Agreement, day)
	case KindSummary:
		from, _ := parseDay("from", r.From)
		to, _ := parseDay("to", r.To)
		if to.After(todayDay) {
			return nil, errs.Invalid("to", "is in the future")
		}
		rep, err = s.summary(ctx, reader, from, to)
	}
	if err != nil {
		return nil, err
	}
	rep.ID = r.ID()
	rep.Kind = r.Kind
	rep.Edition = r.Edition
	rep.Mission = s.mission
	if r.Kind == KindDaily {
		day, _ := parseDay("date", r.Date)
		rep.Number = dailyNumber(r.Edition, day)
	}
	if rep.orgNames, err = s.orgNames(ctx, reader); err != nil {
		return nil, err
	}
	localize(rep, r.Lang)
	return rep, nil
}

// orgNames lists the organisations p may read with their names in the
// report languages (see Report.orgNames).
func (s *Service) orgNames(ctx context.Context, p access.Principal) (map[string]map[string]string, error) {
	out := map[string]map[string]string{}
	page := store.PageRequest{Limit: store.MaxLimit}
	for {
		os, err := s.agreements.ListOrganisations(ctx, p, agreement.OrganisationFilter{}, page)
		if errs.CodeOf(err) == errs.CodeForbidden {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		for _, o := range os.Items {
			for _, lang := range Languages() {
				if n := o.Names[lang]; n != "" {
					if out[o.Name] == nil {
						out[o.Name] = map[string]string{}
					}
					out[o.Name][lang] = n
				}
			}
		}
		if os.Next == "" {
			return out, nil
		}
		page.Cursor = os.Next
	}
}

// Validate checks a request's shape and fills the default format.
func (r *Request) Validate() error { return r.check() }

// RequestFromQuery reads a request from URL query parameters (kind, date,
// from, to, agreement, edition, format, lang).
func RequestFromQuery(q url.Values) (Request, error) {
	for k, v := range q {
		switch k {
		case "kind", "date", "from", "to", "agreement", "edition", "format", "table", "lang":
			if len(v) > 1 {
				return Request{}, errs.Invalid(k, "is given more than once")
			}
		default:
			return Request{}, errs.Invalid(k, "is not a report parameter")
		}
	}
	r := Request{Kind: q.Get("kind"), Date: q.Get("date"), From: q.Get("from"), To: q.Get("to"),
		Agreement: q.Get("agreement"), Edition: q.Get("edition"), Format: q.Get("format"), Lang: q.Get("lang")}
	return r, r.check()
}

// Zone is the time zone of the cut-off.
func (s *Service) Zone() *time.Location { return s.zone }
