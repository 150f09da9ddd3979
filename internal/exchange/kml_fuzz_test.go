package exchange

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/truce-monitoring/truce/internal/errs"
)

// checkReaderContract reads every feature r gives (at most limit) and
// fails on what an importer must never get: a panic, an error that is not
// a client error naming its place, a feature out of order or with a
// geometry off the Earth.
func checkReaderContract(t *testing.T, r FeatureReader, limit int) {
	t.Helper()
	last := 0
	for range limit {
		f, err := r.Next()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			all := errs.All(err)
			if len(all) == 0 {
				t.Fatalf("not a client error: %v", err)
			}
			for _, e := range all {
				if e.Field == "" || (e.Code != errs.CodeInvalid && e.Code != errs.CodeTooLarge) {
					t.Fatalf("error without a place or with code %s: %v", e.Code, e)
				}
			}
			continue
		}
		if f.Number <= last {
			t.Fatalf("feature %d after %d", f.Number, last)
		}
		last = f.Number
		if f.Geom != nil {
			for _, p := range append(append(f.Geom.Line, f.Geom.Polygon...), f.Geom.Points...) {
				if p.Validate() != nil {
					t.Fatalf("feature %d: position %v off the Earth", f.Number, p)
				}
			}
			if f.Geom.Point != nil && f.Geom.Point.Validate() != nil {
				t.Fatalf("feature %d: point %v off the Earth", f.Number, f.Geom.Point)
			}
		}
		for k, v := range f.Props {
			if s, ok := v.(string); ok && !utf8.ValidString(s) {
				t.Fatalf("feature %d: %s is not UTF-8", f.Number, k)
			}
		}
	}
}

func FuzzKMLReader(f *testing.F) {
	f.Add(writeKML(f, []Table{kmlTestTable("things", "")}, [][]Row{kmlTestRows()}))
	f.Add([]byte(kmlOf("<Placemark><name>x</name><Polygon><outerBoundaryIs><LinearRing><coordinates>46,40 47,40 47,41 46,40</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>")))
	f.Add([]byte(kmlOf("<Placemark><MultiGeometry><Point><coordinates>46,40</coordinates></Point><MultiGeometry><Point><coordinates>1,2,3</coordinates></Point></MultiGeometry></MultiGeometry></Placemark>")))
	f.Add([]byte("<kml><Placemark><ExtendedData><Data name='count'><value>1</value></Data></ExtendedData></Placemark>"))
	cols := kmlTestTable("t", "").Columns
	f.Fuzz(func(t *testing.T, data []byte) {
		checkReaderContract(t, NewKMLReader(bytes.NewReader(data), cols), 1000)
		checkReaderContract(t, NewKMLReader(bytes.NewReader(data), nil), 1000)
	})
}

func FuzzKMZReader(f *testing.F) {
	doc := []byte(kmlOf("<Placemark><name>a</name><Point><coordinates>46,40</coordinates></Point></Placemark>"))
	f.Add(zipOf(f, map[string][]byte{"doc.kml": doc}))
	f.Add(zipOf(f, map[string][]byte{"a/b.kml": doc, "x.png": {1, 2, 3}}))
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := NewKMZReader(bytes.NewReader(data), int64(len(data)), nil)
		if err != nil {
			if errs.FieldOf(err) == "" {
				t.Fatalf("error without a place: %v", err)
			}
			return
		}
		checkReaderContract(t, r, 1000)
	})
}

func FuzzACLEDReader(f *testing.F) {
	f.Add("event_id_cnty,event_date,year,time_precision,event_type,sub_event_type,actor1,latitude,longitude,geo_precision,notes,fatalities,tags\n" +
		"A1,2021-06-12,2021,1,Battles,Armed clash,Azerbaijan,40,46,1,\"a\nb\",2,truce allegation; source kind=side\n")
	f.Add("\xEF\xBB\xBFEVENT_ID_CNTY,EVENT_DATE,EVENT_TYPE,SUB_EVENT_TYPE,LATITUDE,LONGITUDE\nX,12 June 2021,Protests,Peaceful protest,40.1,46.2\n")
	f.Add("event_id_cnty,event_date,event_type,sub_event_type,latitude,longitude\nX,12/06/2021,Riots,Mob violence,146,40\n")
	f.Fuzz(func(t *testing.T, file string) {
		for _, kind := range []string{"allegations", "observations"} {
			r, err := NewACLEDReader(strings.NewReader(file), kind, ACLEDReadOptions{})
			if err != nil {
				for _, e := range errs.All(err) {
					if e.Field == "" {
						t.Fatalf("error without a place: %v", err)
					}
				}
				if errs.All(err) == nil {
					t.Fatalf("not a client error: %v", err)
				}
				continue
			}
			checkReaderContract(t, r, 1000)
		}
	})
}

// FuzzKMLText: any text a record holds comes back from a KML file as it
// went in, once made valid UTF-8 with the characters XML cannot carry
// replaced.
func FuzzKMLText(f *testing.F) {
	f.Add("Shelling near Şuşa <b>&amp;</b> \"x\" 'y'")
	f.Add(" padded\r\nlines\t")
	f.Add("\x00\x01\xff")
	tb := Table{Name: "t", Columns: []Column{{Name: "id", Type: Text}, {Name: "note", Type: Text}}}
	f.Fuzz(func(t *testing.T, s string) {
		var buf bytes.Buffer
		w := NewKMLWriter(&buf, s)
		if err := w.Begin(tb); err != nil {
			t.Fatal(err)
		}
		if err := w.Write(Row{Values: []any{"x", s}}); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		fs := readAllOK(t, NewKMLReader(&buf, tb.Columns))
		if len(fs) != 1 {
			t.Fatalf("%d features", len(fs))
		}
		want := any(xmlSafe(s))
		if strings.TrimSpace(xmlSafe(s)) == "" {
			want = nil
		}
		if got := fs[0].Props["note"]; got != want {
			t.Fatalf("%q came back as %q", s, got)
		}
	})
}

// xmlSafe is s as the writer puts it in XML: each invalid UTF-8 byte and
// each character XML 1.0 excludes replaced by U+FFFD.
func xmlSafe(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1, r < 0x20 && r != '\t' && r != '\n' && r != '\r', r == 0xFFFE, r == 0xFFFF:
			r = '\uFFFD'
		}
		b.WriteRune(r)
		i += size
	}
	return b.String()
}
