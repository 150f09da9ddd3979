package exchange

import (
	"errors"
	"io"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/truce-monitoring/truce/internal/errs"
)

// FuzzCSVReader: whatever the bytes, the reader ends (io.EOF or an error
// that is not the file's fault), every error about a record names its
// line, and every value is of its column's type.
//
//	go test -run '^$' -fuzz FuzzCSVReader -fuzztime 1m ./internal/exchange/
func FuzzCSVReader(f *testing.F) {
	f.Add(allegationsCSV)
	f.Add("\uFEFFexternal_id,lat\n#event+id,#geo+lat\nA,1.5\nB,\"x\ny\"\n")
	f.Add("external_id,start,credibility\nA,12/06/2021,3\nB,2021-06-12T10:00:00Z,x\n")
	f.Add("external_id,narrative\nA,\"unclosed\n")
	f.Add("external_id,narrative\nA,b\"c\nB,\xff\n")
	table, _ := TableNamed(TableAllegations)
	types := map[string]ColumnType{}
	for _, c := range table.Columns {
		types[c.Name] = c.Type
	}
	f.Fuzz(func(t *testing.T, data string) {
		r := NewCSVReader(strings.NewReader(data), table)
		for i := 0; ; i++ {
			if i > len(data)+2 {
				t.Fatalf("more records than bytes")
			}
			feat, err := r.Next()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				all := errs.All(err)
				if len(all) == 0 {
					t.Fatalf("an error without a line: %v", err)
				}
				for _, e := range all {
					if !strings.HasPrefix(e.Field, "line ") {
						t.Fatalf("error field %q does not name the line", e.Field)
					}
				}
				continue
			}
			if feat.Number < 2 {
				t.Fatalf("a record on line %d", feat.Number)
			}
			for name, v := range feat.Props {
				switch v := v.(type) {
				case nil:
				case string:
					if types[name] != Text || !utf8.ValidString(v) {
						t.Fatalf("%s: a string in a %d column or invalid UTF-8", name, types[name])
					}
				case int64:
					if types[name] != Integer {
						t.Fatalf("%s: int64 in a %d column", name, types[name])
					}
				case float64:
					if types[name] != Real {
						t.Fatalf("%s: float64 in a %d column", name, types[name])
					}
				default:
					if types[name] != Date && types[name] != DateTime && types[name] != Bool {
						t.Fatalf("%s: %T in a %d column", name, v, types[name])
					}
				}
			}
		}
	})
}

// FuzzStreamReader: the stream reader ends on any input and names the
// line of every error.
//
//	go test -run '^$' -fuzz FuzzStreamReader -fuzztime 1m ./internal/exchange/
func FuzzStreamReader(f *testing.F) {
	f.Add(testStream)
	f.Add(`{"format":"truce-fusion-stream","version":1,"source":"x","truth":false,"reports":0}` + "\n")
	f.Fuzz(func(t *testing.T, data string) {
		for _, kind := range []string{TableAllegations, TableObservations} {
			r := NewStreamReader(strings.NewReader(data), kind)
			for i := 0; ; i++ {
				if i > len(data)+2 {
					t.Fatalf("more records than bytes")
				}
				_, err := r.Next()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					for _, e := range errs.All(err) {
						if !strings.HasPrefix(e.Field, "line ") {
							t.Fatalf("error field %q does not name the line", e.Field)
						}
					}
					if len(errs.All(err)) == 0 {
						t.Fatalf("an error without a line: %v", err)
					}
				}
			}
		}
	})
}
