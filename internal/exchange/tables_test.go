package exchange

import (
	"regexp"
	"testing"
)

// The tables are a contract read by every writer and importer: names are
// snake_case ASCII and unique, every column is documented, HXL tags are
// well formed, and every table starts with id.
func TestTablesAreWellFormed(t *testing.T) {
	snake := regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	hxl := regexp.MustCompile(`^#[a-z][a-z0-9_]*(\+[a-zA-Z][a-zA-Z0-9_]*)*$`)
	importable := map[string]bool{TableAllegations: true, TableObservations: true, TablePlaces: true,
		TableLinesOfContact: true, TableZones: true, TableCorridors: true, TableSites: true}
	seen := map[string]bool{}
	for _, tb := range Tables() {
		if !snake.MatchString(tb.Name) || seen[tb.Name] {
			t.Errorf("table name %q: not snake_case or repeated", tb.Name)
		}
		seen[tb.Name] = true
		if tb.Title == "" {
			t.Errorf("%s: no title", tb.Name)
		}
		if len(tb.Columns) == 0 || tb.Columns[0].Name != "id" {
			t.Errorf("%s: the first column is not id", tb.Name)
		}
		names := map[string]bool{}
		for _, c := range tb.Columns {
			if !snake.MatchString(c.Name) || names[c.Name] {
				t.Errorf("%s.%s: not snake_case or repeated", tb.Name, c.Name)
			}
			names[c.Name] = true
			if c.Doc == "" {
				t.Errorf("%s.%s: no doc", tb.Name, c.Name)
			}
			if c.HXL != "" && !hxl.MatchString(c.HXL) {
				t.Errorf("%s.%s: HXL tag %q is malformed", tb.Name, c.Name, c.HXL)
			}
		}
		if importable[tb.Name] != names["external_id"] {
			t.Errorf("%s: external_id present=%v, want %v", tb.Name, names["external_id"], importable[tb.Name])
		}
	}
	for _, k := range Kinds() {
		if ts, ok := TablesOf(k); !ok || len(ts) == 0 {
			t.Errorf("kind %s has no table", k)
		}
	}
	for c := range personalColumns {
		tb, _ := TableNamed(TablePersonsHeld)
		found := false
		for _, col := range tb.Columns {
			found = found || col.Name == c
		}
		if !found {
			t.Errorf("personal column %s is not in %s", c, TablePersonsHeld)
		}
	}
}
