package report

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"html/template"
	"sort"
	"strconv"
	"strings"

	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/web"
)

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Footer is what the foot of every page prints so that a reader can check
// a printed copy: the report's number, the SHA-256 of its JSON data and,
// once issued, the position of the issuing change in the log.
//
// Why the data's hash and not the file's: a file cannot contain its own
// hash. The JSON is the report's data, every other format is rendered from
// it, and issuing records the JSON's hash and every file's hash in the
// same change. To check a printed copy: download the JSON of the issued
// report (GET /api/v1/reports/{id}/download?format=json), compare its
// SHA-256 with the printed one, then fetch GET /api/v1/reports/{id}/proof:
// the change at the printed log position holds that hash and the hashes of
// the HTML and PDF, and the proof ties it to the signed checkpoint.
//
// An issued report's footer also names the latest checkpoint signed before
// it was issued (its size and the first 16 hex digits of its root): the
// report's own leaf cannot be under a root printed inside the report, so
// the footer names the tree that leaf extends, and the report's proof
// bundle (GET /api/v1/reports/{id}/bundle, checked offline by truce proof
// verify) proves the bundle's checkpoint consistent with it. Whoever holds
// the paper copy can then tell that the bundle's log is the log that
// existed when the paper was printed.
type Footer struct {
	Number     string `json:"number,omitempty"`
	DataSHA256 string `json:"data_sha256"`
	Issued     bool   `json:"issued"`
	LogSeq     int64  `json:"log_seq,omitempty"`
	IssuedAt   string `json:"issued_at,omitempty"`
	// Checkpoint is the checkpoint printed; nil when none was signed
	// before the report was issued.
	Checkpoint *PrintedCheckpoint `json:"checkpoint,omitempty"`
	// ProofPath is where the proof bundle is fetched, relative to the
	// centre's address.
	ProofPath string `json:"proof_path,omitempty"`
	// Lang is the language of the footer's words (Render sets the
	// report's); "" is English.
	Lang string `json:"lang,omitempty"`
}

// RootPrefixLen is how many hex digits of a checkpoint's root a footer
// prints: 64 bits, enough that no one can make another tree that matches.
const RootPrefixLen = 16

// Text is the footer as one line, in the footer's language. Hashes,
// positions and the proof's path are written as they are, so that a
// reader can type them.
func (f Footer) Text() string {
	t := newTr(f.Lang, false)
	parts := []string{}
	if f.Number != "" {
		parts = append(parts, t.T("footer.number", "number", f.Number))
	}
	parts = append(parts, t.T("footer.data", "hash", f.DataSHA256))
	if f.Issued {
		// The time as the log has it (ISO 8601 in every language): the
		// footer is for checking, and short enough for one line.
		parts = append(parts, t.T("footer.issued", "at", f.IssuedAt, "seq", strconv.FormatInt(f.LogSeq, 10)))
		if c := f.Checkpoint; c != nil && len(c.Root) >= RootPrefixLen {
			parts = append(parts, t.T("footer.checkpoint", "size", strconv.FormatInt(c.Size, 10), "root", c.Root[:RootPrefixLen]))
		}
		if f.ProofPath != "" {
			parts = append(parts, t.T("footer.proof", "path", f.ProofPath))
		}
	} else {
		parts = append(parts, t.T("footer.draft"))
	}
	return strings.Join(parts, " · ")
}

// JSON renders the report's data. Its SHA-256 is the report's data hash.
func JSON(rep *Report) ([]byte, error) {
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// DataHash is the hex SHA-256 of the report's JSON.
func DataHash(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// Tables returns every table of the report, in order, as HTML and PDF
// print them (numbers and dates in the report's language).
func Tables(rep *Report) []Table { return tables(rep, newTr(rep.Lang, false)) }

func tables(rep *Report, t tr) []Table {
	var out []Table
	for _, s := range sections(rep, t) {
		out = append(out, s.Tables...)
	}
	if rep.Series != nil {
		tb := Table{Name: "series", Title: t.T("tbl.series"), Header: []string{t.T("col.day")}}
		for _, side := range rep.Sides {
			tb.Header = append(tb.Header, t.T("col.alleged_by", "side", side.Name))
		}
		tb.Header = append(tb.Header, t.T("col.observed"), t.T("col.explosions"), t.T("col.verified_all"))
		for i, d := range rep.Series.Days {
			row := []string{t.digits(d)}
			for _, side := range rep.Sides {
				row = append(row, t.num(rep.Series.AllegedBy[side.ID][i]))
			}
			row = append(row, t.num(rep.Series.Observed[i]), t.num(rep.Series.Explosions[i]), t.num(rep.Series.Verified[i]))
			tb.Rows = append(tb.Rows, row)
		}
		out = append(out, tb)
	}
	return out
}

// CSV renders one table; name "" is the first (the summary). Its header
// is in the report's language; numbers, dates and times are written for
// machines (ASCII digits, ISO 8601).
func CSV(rep *Report, name string) ([]byte, error) {
	ts := tables(rep, newTr(rep.Lang, true))
	var names []string
	for _, t := range ts {
		names = append(names, t.Name)
		if name == "" || t.Name == name {
			var b bytes.Buffer
			w := csv.NewWriter(&b)
			w.Write(t.Header)
			w.WriteAll(t.Rows)
			w.Flush()
			return b.Bytes(), w.Error()
		}
	}
	return nil, errs.Invalid("table", "no table %q in this report; its tables: %s", name, strings.Join(names, ", "))
}

// TableNames lists the report's tables.
func TableNames(rep *Report) []string {
	var out []string
	for _, t := range tables(rep, newTr(rep.Lang, true)) {
		out = append(out, t.Name)
	}
	return out
}

//go:embed report.html.tmpl
var htmlTemplate string

//go:embed report.css
var reportCSS string

var pageTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"svg": func(c Canvas) template.HTML { return template.HTML(c.SVG()) },
	"shown": func(t Table) [][]string {
		if t.Shown > 0 && len(t.Rows) > t.Shown {
			return t.Rows[:t.Shown]
		}
		return t.Rows
	},
	"more": func(t Table) int {
		if t.Shown > 0 && len(t.Rows) > t.Shown {
			return len(t.Rows) - t.Shown
		}
		return 0
	},
	"css": func() template.CSS { return template.CSS(reportCSS) },
}).Parse(htmlTemplate))

// htmlPage is what the HTML template is given: the report, its sections
// and footer, and the words of the page in the report's language.
type htmlPage struct {
	R        *Report
	Sections []Section
	Footer   Footer
	Dir      string
	t        tr
}

// T is a message of the report catalogue.
func (p htmlPage) T(key string, args ...any) string { return p.t.T(key, args...) }

// More says how many rows of a table are only in JSON and CSV.
func (p htmlPage) More(n int) string { return p.t.N("more_rows", n) }

// HTML renders the report as one self-contained, print-ready page.
func HTML(rep *Report, f Footer) ([]byte, error) {
	var b bytes.Buffer
	t := newTr(rep.Lang, false)
	if f.Lang == "" {
		f.Lang = t.lang
	}
	err := pageTemplate.Execute(&b, htmlPage{R: rep, Sections: sections(rep, t), Footer: f, Dir: web.DirOf(t.lang), t: t})
	return b.Bytes(), err
}
