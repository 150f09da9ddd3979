package exchange

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
)

var updateDoc = flag.Bool("update", false, "rewrite the tables part of docs/exchange.md from tables.go")

const (
	docPath        = "../../docs/exchange.md"
	docTablesBegin = "<!-- tables:begin -->\n"
	docTablesEnd   = "<!-- tables:end -->"
)

// TestExchangeDocTables keeps the tables part of docs/exchange.md what
// tables.go says; -update rewrites it.
func TestExchangeDocTables(t *testing.T) {
	data, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	begin, end := strings.Index(doc, docTablesBegin), strings.Index(doc, docTablesEnd)
	if begin < 0 || end < begin {
		t.Fatalf("%s has no %q … %q", docPath, docTablesBegin, docTablesEnd)
	}
	want := docTables(Tables())
	got := doc[begin+len(docTablesBegin) : end]
	if got == want {
		return
	}
	if *updateDoc {
		doc = doc[:begin+len(docTablesBegin)] + want + doc[end:]
		if err := os.WriteFile(docPath, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	gl, wl := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := range min(len(gl), len(wl)) {
		if gl[i] != wl[i] {
			t.Fatalf("docs/exchange.md differs from tables.go at its table line %d:\n doc: %s\ncode: %s\n(go test ./internal/exchange/ -run TestExchangeDocTables -update)", i+1, gl[i], wl[i])
		}
	}
	t.Fatalf("docs/exchange.md has %d table lines, tables.go makes %d (go test ./internal/exchange/ -run TestExchangeDocTables -update)", len(gl), len(wl))
}

// docTables renders every table as a Markdown section.
func docTables(tables []Table) string {
	typeName := map[ColumnType]string{Text: "text", Integer: "integer", Real: "real", Bool: "boolean", Date: "date", DateTime: "date and time"}
	cell := func(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
	var b strings.Builder
	for _, t := range tables {
		geometry := "no geometry"
		if t.Geometry != "" {
			geometry = string(t.Geometry)
		}
		fmt.Fprintf(&b, "\n### %s (`%s`, %s)\n\n", t.Title, t.Name, geometry)
		b.WriteString("| column | type | HXL | what it holds |\n|---|---|---|---|\n")
		for _, c := range t.Columns {
			hxl := ""
			if c.HXL != "" {
				hxl = "`" + c.HXL + "`"
			}
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", c.Name, typeName[c.Type], hxl, cell(c.Doc))
		}
	}
	b.WriteString("\n")
	return b.String()
}
