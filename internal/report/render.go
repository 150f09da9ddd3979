package report

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"sort"
	"strings"

	"github.com/truce-monitoring/truce/internal/errs"
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
}

// RootPrefixLen is how many hex digits of a checkpoint's root a footer
// prints: 64 bits, enough that no one can make another tree that matches.
const RootPrefixLen = 16

// Text is the footer as one line.
func (f Footer) Text() string {
	parts := []string{}
	if f.Number != "" {
		parts = append(parts, "No. "+f.Number)
	}
	parts = append(parts, "data SHA-256 "+f.DataSHA256)
	if f.Issued {
		parts = append(parts, fmt.Sprintf("issued %s, log entry %d", f.IssuedAt, f.LogSeq))
		if c := f.Checkpoint; c != nil && len(c.Root) >= RootPrefixLen {
			parts = append(parts, fmt.Sprintf("after checkpoint %d root %s", c.Size, c.Root[:RootPrefixLen]))
		}
		if f.ProofPath != "" {
			parts = append(parts, "proof "+f.ProofPath)
		}
	} else {
		parts = append(parts, "not issued (draft)")
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

// Tables returns every table of the report, in order.
func Tables(rep *Report) []Table {
	var out []Table
	for _, s := range Sections(rep) {
		out = append(out, s.Tables...)
	}
	if rep.Series != nil {
		t := Table{Name: "series", Title: "Per reporting day", Header: []string{"day"}}
		for _, side := range rep.Sides {
			t.Header = append(t.Header, "alleged by "+side.Name)
		}
		t.Header = append(t.Header, "observed", "explosions", "verified")
		for i, d := range rep.Series.Days {
			row := []string{d}
			for _, side := range rep.Sides {
				row = append(row, itoa(rep.Series.AllegedBy[side.ID][i]))
			}
			row = append(row, itoa(rep.Series.Observed[i]), itoa(rep.Series.Explosions[i]), itoa(rep.Series.Verified[i]))
			t.Rows = append(t.Rows, row)
		}
		out = append(out, t)
	}
	return out
}

// CSV renders one table; name "" is the first (the summary).
func CSV(rep *Report, name string) ([]byte, error) {
	ts := Tables(rep)
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
	for _, t := range Tables(rep) {
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

// HTML renders the report as one self-contained, print-ready page.
func HTML(rep *Report, f Footer) ([]byte, error) {
	var b bytes.Buffer
	err := pageTemplate.Execute(&b, struct {
		R        *Report
		Sections []Section
		Footer   Footer
	}{rep, Sections(rep), f})
	return b.Bytes(), err
}
